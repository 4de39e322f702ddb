#!/usr/bin/python3
"""Hostile local peers on acmd's socket, for tests/integration/dos.sh and
scripts/bench.sh.  Each attack runs as whatever uid runs this (the callers
use setpriv), prints one JSON line of what it saw, and holds its
connections until killed or its time is up.

  hostile.py bigframes SOCK CONNS SECONDS    partial 16 MiB frames before hello
  hostile.py trickle SOCK [hello]            one byte every 2 s; seconds to drop
  hostile.py fill SOCK CONNS SECONDS         connections held open, no hello
  hostile.py flood SOCK CONNS REQS SECONDS   acm.list --all, answers never read
  hostile.py bigfilter SOCK ITEMS TIMES      acm.list with ITEMS region strings
  hostile.py idle SOCK                       hello, then silence; seconds to close
  hostile.py pipeline SOCK REQS              REQS acm.list --all at once, then read
  hostile.py probe SOCK PID SECONDS          root's ping latency, acmd's RSS
"""
import json
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from acmdwire import PROTO_VERSION, connect, frame, recv_frame  # noqa: E402

HELLO = frame({"kind": "hello", "version": PROTO_VERSION})


def readable(s, timeout=0):
    """poll, not select: attackers hold more than 1,024 descriptors."""
    p = select.poll()
    p.register(s, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(p.poll(timeout * 1000))


def closed_by_peer(s):
    """True when acmd has closed the connection (reads EOF or a reset)."""
    try:
        while readable(s):
            if not s.recv(65536):
                return True
        return False
    except OSError:
        return True


def hold(socks, seconds):
    """Keep the connections until the time is up; count those acmd closed."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.2)
    return sum(1 for s in socks if closed_by_peer(s))


def out(**kw):
    print(json.dumps(kw), flush=True)


def bigframes(sock, conns, seconds):
    """Announce 16 MiB frames before hello and keep sending them."""
    socks, sent = [], 0
    chunk = b"\0" * 65536
    for _ in range(conns):
        s = connect(sock)
        s.setblocking(False)
        try:
            s.send(struct.pack(">I", 16 * 1024 * 1024 - 1))
        except OSError:
            pass
        socks.append([s, 16 * 1024 * 1024 - 1])
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        busy = False
        for e in socks:
            if e[1] <= 0:
                continue
            try:
                n = e[0].send(chunk[:min(len(chunk), e[1])])
                sent += n
                e[1] -= n
                busy = True
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                e[1] = 0
        if not busy:
            time.sleep(0.01)
    out(attack="bigframes", conns=conns, sent=sent,
        dropped=hold([e[0] for e in socks], 0.5))


def trickle(sock, after_hello):
    """Send a frame a byte every 2 s, never its last byte."""
    s = connect(sock)
    data = HELLO
    if after_hello:
        s.sendall(HELLO)
        recv_frame(s)
        data = frame({"kind": "request", "id": 1, "cmd": "ping",
                      "args": {"pad": "x" * 64}})
    t0 = time.monotonic()
    i = 0
    while time.monotonic() - t0 < 120:
        try:
            if i < len(data) - 1:
                s.send(data[i:i + 1])
        except OSError:
            break
        i += 1
        if readable(s, 2) and closed_by_peer(s):
            break
    out(attack="trickle", hello=after_hello,
        seconds=round(time.monotonic() - t0, 1))


def refusal(sock):
    """What a peer turned away is told: connect once more and read."""
    s = connect(sock, timeout=5)
    try:
        s.sendall(HELLO)
    except OSError:
        pass
    try:
        body = recv_frame(s)
    except OSError:
        body = None
    s.close()
    return body.decode("utf-8", "replace") if body else None


def fill(sock, conns, seconds):
    """Hold as many connections as acmd lets us, opening new ones as it
    closes them (a stranger's hello is refused, so none is sent)."""
    socks = []

    def top_up():
        for _ in range(conns - len(socks)):
            try:
                socks.append(connect(sock, timeout=5))
            except OSError:
                pass
        time.sleep(0.3)
        socks[:] = [s for s in socks if not closed_by_peer(s)]

    top_up()
    out(attack="fill", held=len(socks), last=refusal(sock))
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        top_up()


def flood(sock, conns, reqs, seconds):
    socks = []
    for _ in range(conns):
        s = connect(sock)
        s.sendall(HELLO)
        recv_frame(s)
        socks.append(s)
    # How big one answer is, read once on the first connection.
    socks[0].sendall(frame({"kind": "request", "id": 0, "cmd": "acm.list",
                            "args": {"all": True}}))
    answer = len(recv_frame(socks[0]) or b"")
    for s in socks:
        s.setblocking(False)
    req = b"".join(frame({"kind": "request", "id": i + 1, "cmd": "acm.list",
                          "args": {"all": True}}) for i in range(reqs))
    pending = {s: req for s in socks}
    dead = set()
    # Shrink what the kernel holds for us, so acmd's queue is what grows.
    for s in socks:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for s in socks:
            if pending[s] and s not in dead:
                try:
                    n = s.send(pending[s])
                    pending[s] = pending[s][n:]
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    dead.add(s)     # what it never took stays unsent
        time.sleep(0.05)
    out(attack="flood", conns=conns, reqs=reqs, answer=answer,
        unsent=sum(len(v) for v in pending.values()),
        dropped=sum(1 for s in socks if s in dead or closed_by_peer(s)))


def bigfilter(sock, items, times):
    results = []
    # Built before connecting: packing takes seconds on a busy machine,
    # longer than a test's client_idle_timeout.
    req = frame({"kind": "request", "id": 1, "cmd": "acm.list",
                 "args": {"region": ["r%d" % j for j in range(items)]}})
    for i in range(times):
        s = connect(sock, timeout=60)
        s.sendall(HELLO)
        recv_frame(s)
        t0 = time.monotonic()
        try:
            s.sendall(req)
            body = recv_frame(s)
        except OSError:
            body = None
        results.append({"seconds": round(time.monotonic() - t0, 3),
                        "answer": body.decode("utf-8", "replace")[:300] if body else None})
        s.close()
    out(attack="bigfilter", items=items, results=results)


def idle(sock):
    s = connect(sock)
    s.sendall(HELLO)
    recv_frame(s)
    t0 = time.monotonic()
    s.settimeout(120)
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass
    out(attack="idle", seconds=round(time.monotonic() - t0, 1))


def pipeline(sock, reqs):
    """Not hostile: many requests at once, then every answer read (acmd
    stops reading while answers wait, and must read on once they go)."""
    s = connect(sock, timeout=60)
    s.sendall(HELLO)
    recv_frame(s)
    t0 = time.monotonic()
    s.sendall(b"".join(frame({"kind": "request", "id": i + 1, "cmd": "acm.list",
                              "args": {"all": True}}) for i in range(reqs)))
    ok, ids = 0, []
    while len(ids) < reqs:
        body = recv_frame(s)
        if body is None:
            break
        if b"\xa6result" in body:
            ids.append(body.split(b"\xa2id", 1)[1][:9])
            ok += b"\xa2ok\xc3" in body
    out(attack="pipeline", reqs=reqs, answered=len(ids), ok=ok,
        seconds=round(time.monotonic() - t0, 1))


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def probe(sock, pid, seconds):
    """Ping acmd as root every 20 ms: the worst answer time and the RSS."""
    base = rss_kb(pid)
    peak, worst, n, errors = base, 0.0, 0, []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        try:
            s = connect(sock, timeout=30)
            s.sendall(HELLO)
            recv_frame(s)
            s.sendall(frame({"kind": "request", "id": 1, "cmd": "ping"}))
            body = recv_frame(s)
            s.close()
            if body is None or b"\xa2ok\xc3" not in body:
                errors.append(repr(body)[:200])
        except OSError as e:
            errors.append(repr(e))
        worst = max(worst, time.monotonic() - t0)
        n += 1
        peak = max(peak, rss_kb(pid))
        time.sleep(0.02)
    out(attack="probe", pings=n, worst_ms=round(worst * 1000, 1),
        rss_base_kb=base, rss_peak_kb=peak, rss_end_kb=rss_kb(pid),
        errors=errors[:5], nerrors=len(errors))


def main(argv):
    cmd, sock = argv[1], argv[2]
    if cmd == "bigframes":
        bigframes(sock, int(argv[3]), float(argv[4]))
    elif cmd == "trickle":
        trickle(sock, len(argv) > 3 and argv[3] == "hello")
    elif cmd == "fill":
        fill(sock, int(argv[3]), float(argv[4]))
    elif cmd == "flood":
        flood(sock, int(argv[3]), int(argv[4]), float(argv[5]))
    elif cmd == "bigfilter":
        bigfilter(sock, int(argv[3]), int(argv[4]))
    elif cmd == "idle":
        idle(sock)
    elif cmd == "pipeline":
        pipeline(sock, int(argv[3]))
    elif cmd == "probe":
        probe(sock, int(argv[3]), float(argv[4]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)

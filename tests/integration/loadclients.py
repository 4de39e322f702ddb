#!/usr/bin/python3
"""Many clients reading from acmd at once: each connects, says hello and
sends read commands one after another (status, cert list, acm list,
deploy list).  Prints the count, errors and answer-time percentiles.
usage: loadclients.py SOCKET CLIENTS REQUESTS-PER-CLIENT"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from acmdwire import PROTO_VERSION, connect, frame  # noqa: E402
from acmdwire import recv_frame as wire_recv_frame  # noqa: E402

SOCK, NCLIENTS, NREQ = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
CMDS = ["status", "cert.list", "acm.list", "deploy.list", "ping"]


def recv_frame(s):
    body = wire_recv_frame(s)
    if body is None:
        raise ConnectionError("closed")
    return body


times, errors, lock = [], [], threading.Lock()
start = threading.Barrier(NCLIENTS)


def client(i):
    try:
        start.wait(timeout=60)
        s = connect(SOCK, 60)
        s.sendall(frame({"kind": "hello", "version": PROTO_VERSION}))
        recv_frame(s)
        for n in range(NREQ):
            cmd = CMDS[(i + n) % len(CMDS)]
            t0 = time.monotonic()
            s.sendall(frame({"kind": "request", "id": n + 1, "cmd": cmd}))
            while True:
                body = recv_frame(s)
                if b"\xa6result" in body:
                    break
            dt = time.monotonic() - t0
            ok = b"\xa2ok\xc3" in body
            with lock:
                times.append(dt)
                if not ok:
                    errors.append((cmd, body[:200]))
        s.close()
    except Exception as e:  # noqa: BLE001 - every failure is an error here
        with lock:
            errors.append(("client %d" % i, repr(e)))


threads = [threading.Thread(target=client, args=(i,)) for i in range(NCLIENTS)]
t0 = time.monotonic()
for t in threads:
    t.start()
for t in threads:
    t.join()
wall = time.monotonic() - t0
times.sort()


def pct(p):
    return times[min(len(times) - 1, int(len(times) * p / 100))] * 1000 if times else -1


print(f"clients {NCLIENTS}, requests {len(times)}, errors {len(errors)}, "
      f"wall {wall:.2f} s, p50 {pct(50):.1f} ms, p99 {pct(99):.1f} ms, max {pct(100):.1f} ms")
for e in errors[:5]:
    print("# error:", e)
sys.exit(1 if errors or len(times) != NCLIENTS * NREQ else 0)

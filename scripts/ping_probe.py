#!/usr/bin/python3
"""Ping acmd every 20 ms while a process runs: how long each answer took,
as a client sees it on the socket (connection, hello, ping).
usage: ping_probe.py SOCKET PID   (until PID exits)
prints {"pings", "p50_ms", "p99_ms", "max_ms", "errors"}"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
from acmdwire import PROTO_VERSION, connect, frame, recv_frame  # noqa: E402


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A zombie (exited, not reaped by its shell yet) counts as gone.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1][0] != "Z"
    except OSError:
        return False


def main():
    sock, pid = sys.argv[1], int(sys.argv[2])
    times, errors = [], 0
    while alive(pid):
        t0 = time.monotonic()
        try:
            s = connect(sock, 30)
            s.sendall(frame({"kind": "hello", "version": PROTO_VERSION}))
            recv_frame(s)
            s.sendall(frame({"kind": "request", "id": 1, "cmd": "ping"}))
            body = recv_frame(s)
            s.close()
            if body is None or b"\xa2ok\xc3" not in body:
                errors += 1
        except OSError:
            errors += 1
        times.append((time.monotonic() - t0) * 1000)
        time.sleep(0.02)
    times.sort()
    n = len(times)
    pick = (lambda q: round(times[min(n - 1, int(q * n))], 2)) if n else (lambda q: 0)
    print(json.dumps({"pings": n, "p50_ms": pick(0.5), "p99_ms": pick(0.99),
                      "max_ms": round(times[-1], 2) if n else 0, "errors": errors}))


if __name__ == "__main__":
    main()

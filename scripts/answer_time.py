#!/usr/bin/python3
"""How long acmd takes to answer one command, as a client sees it on the
socket (no process start, no output): best and median of N.
usage: answer_time.py SOCKET CMD N"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
from acmdwire import connect, frame, recv_frame  # noqa: E402

sock, cmd, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = connect(sock, 60)
s.sendall(frame({"kind": "hello", "version": 1}))
recv_frame(s)
times = []
for i in range(n):
    t0 = time.monotonic()
    s.sendall(frame({"kind": "request", "id": i + 1, "cmd": cmd}))
    while b"\xa6result" not in (body := recv_frame(s)):
        pass
    times.append((time.monotonic() - t0) * 1000)
times.sort()
print(f"{cmd}: {len(body)} bytes; best {times[0]:.1f} ms, median {times[len(times) // 2]:.1f} ms")

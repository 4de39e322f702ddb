#!/usr/bin/python3
"""How long acmd takes to answer one command, as a client sees it on the
socket (no process start, no output): best and median of N.
usage: answer_time.py SOCKET CMD N"""
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "integration"))
from acmdwire import PROTO_VERSION, connect, frame, recv_frame  # noqa: E402

sock, cmd, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = connect(sock, 60)
s.sendall(frame({"kind": "hello", "version": PROTO_VERSION}))
recv_frame(s)
# Frames are read into one buffer kept from run to run: building a bytes
# object of megabytes piece by piece costs Python more than acmd takes.
buf = bytearray(1 << 20)


def recv_into(n):
    """n bytes into buf[:n]."""
    global buf
    if len(buf) < n:
        buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = s.recv_into(view[got:n])
        if k == 0:
            raise EOFError("acmd closed the connection")
        got += k


def recv_body():
    """One frame's body into buf; its length."""
    recv_into(4)
    n = struct.unpack(">I", buf[:4])[0]
    recv_into(n)
    return n


times = []
for i in range(n):
    t0 = time.monotonic()
    s.sendall(frame({"kind": "request", "id": i + 1, "cmd": cmd}))
    total = 0   # a long list comes in parts, then the result
    while True:
        size = recv_body()
        total += size
        if buf.find(b"\xa6result", 0, size) != -1:
            break
    times.append((time.monotonic() - t0) * 1000)
times.sort()
print(f"{cmd}: {total} bytes; best {times[0]:.1f} ms, median {times[len(times) // 2]:.1f} ms")

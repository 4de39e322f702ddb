#!/usr/bin/python3
"""Misbehaving clients: garbage, oversize, half frames, non-hello, wrong
version, 1,000 connections at once.  The daemon must keep serving others.
Prints TAP lines; the plan is printed by the calling shell script."""
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from acmdwire import PROTO_VERSION, connect, frame, recv_frame  # noqa: E402

SOCK, ACMCTL, START = sys.argv[1], sys.argv[2], int(sys.argv[3])
n = START
failed = 0


def report(ok, desc, diag=""):
    global n, failed
    n += 1
    print(("ok" if ok else "not ok") + f" {n} - {desc}")
    if not ok:
        failed += 1
        for line in str(diag).splitlines()[:10]:
            print("# " + line)
    sys.stdout.flush()


def conn():
    return connect(SOCK)


def closed(s):
    try:
        s.settimeout(10)
        return s.recv(1) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def status_ok():
    r = subprocess.run([ACMCTL, "-s", SOCK, "status"], capture_output=True, timeout=20)
    return r.returncode == 0, r.stderr.decode()


# Garbage bytes: connection dropped.
s = conn()
s.sendall(b"\x00\x00\x00\x05\xc1\xc1\xc1\xc1\xc1")
report(closed(s), "garbage msgpack: connection dropped")
s.close()

# Oversize length: dropped without waiting for the body.
s = conn()
s.sendall(struct.pack(">I", 16 * 1024 * 1024 + 1))
report(closed(s), "oversize frame length: connection dropped at once")
s.close()

# Zero length.
s = conn()
s.sendall(b"\x00\x00\x00\x00")
report(closed(s), "zero-length frame: connection dropped")
s.close()

# Half a frame then hang up.
s = conn()
s.sendall(b"\x00\x00\x01\x00\xdf\x00")
s.close()
ok, err = status_ok()
report(ok, "half a frame then hang-up: others still served", err)

# First message not a hello.
s = conn()
s.sendall(frame({"kind": "request", "id": 1, "cmd": "status"}))
body = recv_frame(s)
report(body is not None and b"EPROTO" in body and closed(s),
       "request before hello: EPROTO then closed", repr(body))
s.close()

# Wrong protocol version: answered with the daemon's version, closed.
s = conn()
s.sendall(frame({"kind": "hello", "version": 999}))
body = recv_frame(s)
report(body is not None and b"EVERSION" in body and b"acmd speaks %d" % PROTO_VERSION in body and closed(s),
       "version mismatch: EVERSION with the daemon's version, then closed", repr(body))
s.close()

# A request with a bad envelope after hello: dropped.
s = conn()
s.sendall(frame({"kind": "hello", "version": PROTO_VERSION}))
recv_frame(s)
s.sendall(frame({"kind": "request", "id": "x", "cmd": 5}))
report(closed(s), "request with wrong types: connection dropped")
s.close()

# Unknown command: an error answer, the connection stays.
s = conn()
s.sendall(frame({"kind": "hello", "version": PROTO_VERSION}))
recv_frame(s)
s.sendall(frame({"kind": "request", "id": 7, "cmd": "no.such"}))
body = recv_frame(s)
report(body is not None and b"EUNKNOWN_CMD" in body, "unknown command: EUNKNOWN_CMD", repr(body))
s.sendall(frame({"kind": "request", "id": 8, "cmd": "ping"}))
body = recv_frame(s)
report(body is not None and b"pong" in body, "same connection still answers ping", repr(body))
s.close()

# Deep nesting / many small frames in one write.
s = conn()
s.sendall(frame({"kind": "hello", "version": PROTO_VERSION}) +
          b"".join(frame({"kind": "request", "id": i, "cmd": "ping"}) for i in range(200)))
got = 0
for i in range(201):
    if recv_frame(s) is None:
        break
    got += 1
report(got == 201, "200 pipelined requests in one write: 200 answers", got)
s.close()
deep = b"\x91" * 100000 + b"\xc0"
s = conn()
s.sendall(frame({"kind": "hello", "version": PROTO_VERSION}))
recv_frame(s)
s.sendall(struct.pack(">I", len(deep) + 1) + b"\x81" + deep)
report(closed(s), "100,000-deep nesting: dropped, no crash")
s.close()

# 1,000 connections at once, some idle, some half-way; others still served.
socks = []
t0 = time.time()
try:
    for i in range(1000):
        c = conn()
        if i % 3 == 0:
            c.sendall(frame({"kind": "hello", "version": PROTO_VERSION}))
        elif i % 3 == 1:
            c.sendall(b"\x00\x00\x10")
        socks.append(c)
    opened = len(socks)
except OSError as e:
    opened = len(socks)
    print(f"# connection {opened + 1}: {e}")
report(opened == 1000, "1,000 connections opened at once", opened)
ok, err = status_ok()
report(ok, "status answered while 1,000 connections are open", err)
r = subprocess.run([ACMCTL, "-s", SOCK, "--json", "status"], capture_output=True, timeout=20)
import json
try:
    nclients = json.loads(r.stdout)["clients"]
except Exception:
    nclients = -1
report(r.returncode == 0 and nclients >= 1000,
       "status counts the 1,000 clients", nclients)
for c in socks:
    c.close()
time.sleep(0.5)
ok, err = status_ok()
report(ok, "status answered after they all hung up", err)
sys.exit(1 if failed else 0)

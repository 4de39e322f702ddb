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
from acmdwire import PROTO_VERSION, connect, frame, pack, recv_frame  # noqa: E402

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

# Arguments are checked against the command's declaration before it runs:
# an unknown, repeated, ill-typed, oversized or missing one is refused with
# EINVAL_ARG naming it, nothing runs, and the connection stays.
s = conn()
s.sendall(frame({"kind": "hello", "version": PROTO_VERSION}))
recv_frame(s)


def ask(args, cmd="cert.show", raw=None):
    """One request (args as a dict, or raw msgpack of the args map)."""
    global rid
    rid += 1
    if raw is None:
        s.sendall(frame({"kind": "request", "id": rid, "cmd": cmd, "args": args}))
    else:
        env = {"kind": "request", "id": rid, "cmd": cmd}
        body = b"\x84" + b"".join(pack(k) + pack(v) for k, v in env.items()) + pack("args") + raw
        s.sendall(struct.pack(">I", len(body)) + body)
    return recv_frame(s) or b""


rid = 100
cases = [
    ("unknown argument", {"name": "x", "bogus": 1}, "cert.show", None, [b"bogus", b"takes no argument"]),
    ("unknown argument to ping", {"verbose": True}, "ping", None, [b"verbose"]),
    ("string given as a number", {"name": 5}, "cert.show", None, [b"'name' must be a string"]),
    ("number given as a string", {"limit": "ten"}, "audit", None, [b"'limit' must be a whole number"]),
    ("boolean given as a string", {"name": "x", "credential": "c", "replace": "sure"}, "deploy", None,
     [b"'replace' must be true or false"]),
    ("required argument missing", {}, "cert.show", None, [b"'name' is required"]),
    ("oversized string", {"name": "n" * 100000}, "cert.show", None, [b"'name' is longer than"]),
    ("too many list items", {"name": "x", "credential": "c",
                             "region": ["us-east-1"] * 65}, "deploy", None, [b"'region' has more than 64 items"]),
    ("NUL inside a string", {"name": "a\x00b"}, "cert.show", None, [b"NUL"]),
    ("argument given twice", None, "cert.show",
     b"\x82" + pack("name") + pack("a") + pack("name") + pack("b"), [b"'name' is given twice"]),
    ("argument name not a string", None, "cert.show", b"\x81\x05" + pack("a"), [b"EINVAL_ARG"]),
]
for desc, args, cmd, raw, want in cases:
    body = ask(args, cmd, raw)
    report(b"EINVAL_ARG" in body and all(w in body for w in want),
           f"{desc}: EINVAL_ARG naming it", repr(body[:300]))
s.sendall(frame({"kind": "request", "id": 999, "cmd": "ping"}))
body = recv_frame(s)
report(body is not None and b"pong" in body, "after eleven refused requests the connection still answers", repr(body))
s.close()
# A refused write changed nothing: a credential with one unknown argument.
s = conn()
s.sendall(frame({"kind": "hello", "version": PROTO_VERSION}))
recv_frame(s)
body = ask({"name": "sneaky", "access_key": "AKIDEXAMPLE000000009",
            "secret": "s" * 40, "persist": True}, "credential.add")
r = subprocess.run([ACMCTL, "-s", SOCK, "--json", "credential", "list"], capture_output=True, timeout=20)
report(b"'persist'" in body and b"sneaky" not in r.stdout,
       "credential.add with an unknown argument: refused, nothing stored", repr(body[:200]) + repr(r.stdout[:200]))
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

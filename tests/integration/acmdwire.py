"""The acmd wire for test clients: msgpack maps and arrays of strings,
integers and booleans, in frames of a 4-byte big-endian length."""
import os
import re
import socket
import struct
import time


def _proto_version():
    """PROTO_VERSION of protocol/proto.h: the clients speak what acmd does."""
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "protocol", "proto.h")) as f:
        return int(re.search(r"#define PROTO_VERSION\s+(\d+)", f.read()).group(1))


PROTO_VERSION = _proto_version()


def pack(obj):
    if isinstance(obj, bool):
        return b"\xc3" if obj else b"\xc2"
    if isinstance(obj, int):
        return b"\xcf" + struct.pack(">Q", obj)
    if isinstance(obj, str):
        b = obj.encode()
        return b"\xdb" + struct.pack(">I", len(b)) + b
    if isinstance(obj, (list, tuple)):
        return b"\xdd" + struct.pack(">I", len(obj)) + b"".join(pack(v) for v in obj)
    if isinstance(obj, dict):
        out = b"\xdf" + struct.pack(">I", len(obj))
        for k, v in obj.items():
            out += pack(k) + pack(v)
        return out
    raise TypeError(obj)


def frame(obj):
    body = pack(obj)
    return struct.pack(">I", len(body)) + body


def recv_exact(s, n):
    """n bytes, or None when the peer closes first."""
    buf = b""
    while len(buf) < n:
        c = s.recv(n - len(buf))
        if not c:
            return None
        buf += c
    return buf


def recv_frame(s):
    hdr = recv_exact(s, 4)
    if hdr is None:
        return None
    return recv_exact(s, struct.unpack(">I", hdr)[0])


def connect(path, timeout=10):
    """Connect, waiting while the accept queue is full (EAGAIN)."""
    for _ in range(2000):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            time.sleep(0.005)
    raise OSError("accept queue stayed full")

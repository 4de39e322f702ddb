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


def unpack(buf, off=0):
    """(object, next offset) of the msgpack value at off: what acmd sends
    (nil, booleans, integers, floats, strings, binaries, arrays, maps)."""
    b = buf[off]
    off += 1
    if b <= 0x7f:
        return b, off
    if b >= 0xe0:
        return b - 0x100, off
    if 0xa0 <= b <= 0xbf:
        n = b & 0x1f
        return buf[off:off + n].decode(), off + n
    if 0x90 <= b <= 0x9f:
        return _items(buf, off, b & 0x0f, False)
    if 0x80 <= b <= 0x8f:
        return _items(buf, off, b & 0x0f, True)
    if b == 0xc0:
        return None, off
    if b in (0xc2, 0xc3):
        return b == 0xc3, off
    fixed = {0xcc: ">B", 0xcd: ">H", 0xce: ">I", 0xcf: ">Q", 0xd0: ">b", 0xd1: ">h",
             0xd2: ">i", 0xd3: ">q", 0xca: ">f", 0xcb: ">d"}
    if b in fixed:
        size = struct.calcsize(fixed[b])
        return struct.unpack(fixed[b], buf[off:off + size])[0], off + size
    lens = {0xd9: (">B", "s"), 0xda: (">H", "s"), 0xdb: (">I", "s"), 0xc4: (">B", "b"),
            0xc5: (">H", "b"), 0xc6: (">I", "b"), 0xdc: (">H", "a"), 0xdd: (">I", "a"),
            0xde: (">H", "m"), 0xdf: (">I", "m")}
    if b not in lens:
        raise ValueError("msgpack type 0x%02x" % b)
    fmt, kind = lens[b]
    size = struct.calcsize(fmt)
    n = struct.unpack(fmt, buf[off:off + size])[0]
    off += size
    if kind == "s":
        return buf[off:off + n].decode(), off + n
    if kind == "b":
        return buf[off:off + n], off + n
    return _items(buf, off, n, kind == "m")


def _items(buf, off, n, is_map):
    out = {} if is_map else []
    for _ in range(n):
        v, off = unpack(buf, off)
        if is_map:
            out[v], off = unpack(buf, off)
        else:
            out.append(v)
    return out, off

#!/usr/bin/python3
"""Clients of acmd's metrics listener for tests/integration/metrics.sh.

  metrics_client.py samples URL|unix:PATH       the page as JSON: [[name, {labels}, value]]
  metrics_client.py slowloris HOST PORT SECONDS a request trickled a byte a second:
                                                "closed N" (acmd closed it after N s) or "open"
  metrics_client.py bigheaders HOST PORT        100 KiB of headers: the status line or "closed"
  metrics_client.py hold HOST PORT N SECONDS    N idle connections held SECONDS: how many connected
  metrics_client.py freeport                    a free TCP port on 127.0.0.1

The page parser follows the text exposition format: a label value is
unescaped (\\\\, \\", \\n), any other backslash sequence is an error.
"""
import json
import re
import socket
import sys
import time
import urllib.request

LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')


def unescape(v):
    out, i = [], 0
    while i < len(v):
        c = v[i]
        if c == "\\":
            n = v[i + 1]
            if n not in '\\"n':
                raise ValueError("bad escape \\%s in %r" % (n, v))
            out.append("\n" if n == "n" else n)
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse(text):
    samples = []
    for line in text.split("\n"):
        if line == "" or line.startswith("#"):
            continue
        m = LINE.match(line)
        if m is None:
            raise ValueError("bad line %r" % line)
        labels = {}
        rest = m.group(3) or ""
        pos = 0
        while pos < len(rest):
            lm = LABEL.match(rest, pos)
            if lm is None:
                raise ValueError("bad labels in %r" % line)
            labels[lm.group(1)] = unescape(lm.group(2))
            pos = lm.end()
        samples.append([m.group(1), labels, float(m.group(4))])
    return samples


def fetch(where):
    if where.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(30)
        s.connect(where[5:])
        s.sendall(b"GET /metrics HTTP/1.0\r\nHost: acmd\r\n\r\n")
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
        head, _, body = data.partition(b"\r\n\r\n")
        return body.decode("utf-8")
    with urllib.request.urlopen(where, timeout=30) as r:
        return r.read().decode("utf-8")


def slowloris(host, port, seconds):
    s = socket.create_connection((host, int(port)))
    start = time.monotonic()
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    s.settimeout(1.0)
    while time.monotonic() - start < float(seconds):
        try:
            s.sendall(b"X")
            if s.recv(1) == b"":
                return "closed %d" % (time.monotonic() - start)
        except socket.timeout:
            continue
        except OSError:
            return "closed %d" % (time.monotonic() - start)
    return "open"


def bigheaders(host, port):
    s = socket.create_connection((host, int(port)))
    s.settimeout(15)
    try:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        for i in range(1000):
            s.sendall(b"X-Filler-%04d: %s\r\n" % (i, b"a" * 100))
        s.sendall(b"\r\n")
    except OSError:
        pass
    try:
        data = s.recv(4096)
    except OSError:
        data = b""
    if not data:
        return "closed"
    return data.split(b"\r\n")[0].decode()


def hold(host, port, n, seconds):
    socks, connected = [], 0
    for _ in range(int(n)):
        try:
            s = socket.create_connection((host, int(port)), timeout=2)
            socks.append(s)
            connected += 1
        except OSError:
            break
    time.sleep(float(seconds))
    for s in socks:
        s.close()
    return str(connected)


def freeport():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return str(p)


def main():
    cmd = sys.argv[1]
    if cmd == "samples":
        print(json.dumps(parse(fetch(sys.argv[2]))))
    elif cmd == "slowloris":
        print(slowloris(*sys.argv[2:5]))
    elif cmd == "bigheaders":
        print(bigheaders(*sys.argv[2:4]))
    elif cmd == "hold":
        print(hold(*sys.argv[2:6]))
    elif cmd == "freeport":
        print(freeport())
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""A tiny HTTP/1.1 server for the HTTP engine's unit tests.

Binds 127.0.0.1 on a free port, prints the port on stdout and serves until
its stdin closes (or it is killed).  Endpoints:

  /echo          method, path, headers and body back as JSON
  /status/NNN    answers NNN with body "status NNN" and X-Test: yes
  /slow?ms=N     waits N ms, then answers "slow"
  /drop          closes the connection without an answer
  /conns         TCP connections accepted so far (a number)
  /stats         {"conns": N, "active": N, "max_active": N}
  /reset         sets max_active to the current active count
  /big?bytes=N   N bytes of 'x'
"""

import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

lock = threading.Lock()
stats = {"conns": 0, "active": 0, "max_active": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        with lock:
            stats["conns"] += 1

    def log_message(self, fmt, *args):
        pass

    def answer(self, code, body, ctype="text/plain", extra=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_one_request(self):
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def route(self):
        with lock:
            stats["active"] += 1
            stats["max_active"] = max(stats["max_active"], stats["active"])
        try:
            self.dispatch()
        finally:
            with lock:
                stats["active"] -= 1

    def dispatch(self):
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n > 0 else b""

        if u.path == "/echo":
            self.answer(200, json.dumps({
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.items()],
                "body": body.decode("latin-1"),
            }), "application/json")
        elif u.path.startswith("/status/"):
            code = int(u.path[len("/status/"):])
            self.answer(code, "status %d" % code, extra={"X-Test": "yes"})
        elif u.path == "/slow":
            time.sleep(int(q.get("ms", ["100"])[0]) / 1000.0)
            self.answer(200, "slow")
        elif u.path == "/drop":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        elif u.path == "/conns":
            with lock:
                self.answer(200, str(stats["conns"]))
        elif u.path == "/stats":
            with lock:
                self.answer(200, json.dumps(stats), "application/json")
        elif u.path == "/reset":
            with lock:
                stats["max_active"] = stats["active"]
            self.answer(200, "ok")
        elif u.path == "/big":
            self.answer(200, "x" * int(q.get("bytes", ["0"])[0]))
        else:
            self.answer(404, "no such endpoint")

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = route


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass


def watch_stdin():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    sys.stdout.write("%d\n" % srv.server_address[1])
    sys.stdout.flush()
    threading.Thread(target=watch_stdin, daemon=True).start()
    srv.serve_forever()


if __name__ == "__main__":
    main()

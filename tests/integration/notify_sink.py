#!/usr/bin/python3
"""Notification sink for tests: a webhook receiver and a minimal SMTP server.

One process, two ports on 127.0.0.1 (both chosen by the kernel):

  HTTP  POST any path: a JSON body (Content-Type application/json, else
        415) is appended as one line to DIR/webhook.jsonl; answers 200.
        POST with a path ending in /fail answers 500 (and records nothing).
  SMTP  EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT; each message
        is appended to DIR/mail.jsonl as {"from", "rcpts", "data"} with the
        data un-dot-stuffed.

The ports are written to DIR/ports as "HTTP SMTP" once both listen.
Python standard library only (no smtpd, which is gone from 3.12).
"""
import argparse
import http.server
import json
import os
import socketserver
import sys
import threading

LOCK = threading.Lock()


def append(path, obj):
    with LOCK:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(obj, sort_keys=True) + "\n")


class Webhook(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, code, text):
        body = (text + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        if self.path.endswith("/fail"):
            self.answer(500, "failing on purpose")
            return
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        if ctype.strip().lower() != "application/json":
            self.answer(415, "want application/json")
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self.answer(400, "not JSON")
            return
        append(self.server.out, body)
        self.answer(200, "ok")


class Smtp(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write((line + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        mail_from, rcpts = None, []
        self.send("220 sink.test ESMTP notify_sink")
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = cmd.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.send("250-sink.test")
                self.send("250-8BITMIME")
                self.send("250 SIZE 10485760")
            elif verb == "HELO":
                self.send("250 sink.test")
            elif verb == "MAIL":
                mail_from, rcpts = cmd[10:].split(" ")[0].strip("<>"), []
                self.send("250 ok")
            elif verb == "RCPT":
                rcpts.append(cmd[8:].split(" ")[0].strip("<>"))
                self.send("250 ok")
            elif verb == "DATA":
                if mail_from is None or not rcpts:
                    self.send("503 need MAIL and RCPT first")
                    continue
                self.send("354 end with .")
                data = []
                while True:
                    dl = self.rfile.readline()
                    if not dl:
                        return
                    if dl in (b".\r\n", b".\n"):
                        break
                    if dl.startswith(b".."):
                        dl = dl[1:]
                    data.append(dl)
                append(self.server.out, {"from": mail_from, "rcpts": rcpts,
                                         "data": b"".join(data).decode(
                                             "utf-8", "replace")})
                mail_from, rcpts = None, []
                self.send("250 queued")
            elif verb in ("RSET", "NOOP"):
                if verb == "RSET":
                    mail_from, rcpts = None, []
                self.send("250 ok")
            elif verb == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("502 not implemented")


class TCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class HTTP(http.server.ThreadingHTTPServer):
    daemon_threads = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    a = ap.parse_args()

    web = HTTP(("127.0.0.1", 0), Webhook)
    web.out = os.path.join(a.dir, "webhook.jsonl")
    smtp = TCP(("127.0.0.1", 0), Smtp)
    smtp.out = os.path.join(a.dir, "mail.jsonl")
    for s in (web, smtp):
        threading.Thread(target=s.serve_forever, daemon=True).start()

    tmp = os.path.join(a.dir, "ports.tmp")
    with open(tmp, "w") as f:
        f.write("%d %d\n" % (web.server_address[1], smtp.server_address[1]))
    os.rename(tmp, os.path.join(a.dir, "ports"))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""AWS emulator for acmd tests: ACM, ACM PCA, IAM (server certificates),
Route 53 and STS on one HTTP port, with SigV4 verification, quotas,
fault injection and an unsigned admin API under /_emu/.

Run: /usr/bin/python3 tests/awsemu/awsemu.py --port 0 --port-file /tmp/port
"""
import argparse
import collections
import email.utils
import gc
import hashlib
import hmac
import json
import os
import random
import socket
import sys
import threading
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import AwsError, Emu, Ctx, new_uuid, xesc  # noqa: E402
import ca as calib  # noqa: E402
import acm  # noqa: E402
import pca  # noqa: E402
import iam  # noqa: E402
import orgs  # noqa: E402
import route53  # noqa: E402
import sts  # noqa: E402

DEFAULT_KEY = ("AKIDEXAMPLE000000001", "emusecret0000000000000000000000000000001", "111111111111")

JSON_SERVICES = {"acm": ("CertificateManager", acm.OPS), "acm-pca": ("ACMPrivateCA", pca.OPS),
                 "organizations": (orgs.TARGET, orgs.OPS)}
QUERY_SERVICES = {"iam": ("https://iam.amazonaws.com/doc/2010-05-08/", iam.OPS),
                  "sts": ("https://sts.amazonaws.com/doc/2011-06-15/", sts.OPS)}
R53_NS = "https://route53.amazonaws.com/doc/2013-04-01/"

EMU = None
VERBOSE = False
QUIET = False
_signing_cache = {}

REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 403: "Forbidden", 404: "Not Found",
           409: "Conflict", 413: "Payload Too Large", 500: "Internal Server Error",
           503: "Service Unavailable"}


def log(msg):
    if not QUIET:
        sys.stderr.write("awsemu: %s\n" % msg)
        sys.stderr.flush()


def protocol_of(service):
    if service in JSON_SERVICES:
        return "json"
    if service == "route53":
        return "rest-xml"
    return "query"


def guess_service(headers, path, body):
    tgt = headers.get("X-Amz-Target") or ""
    if tgt.startswith("ACMPrivateCA."):
        return "acm-pca"
    if tgt.startswith(orgs.TARGET + "."):
        return "organizations"
    if tgt:
        return "acm"
    if path.startswith("/2013-04-01"):
        return "route53"
    if b"Action=AssumeRole" in body or b"Action=GetCallerIdentity" in body:
        return "sts"
    return "iam"


# ---------------------------------------------------------------- SigV4

def _uri_encode(s, safe="-_.~"):
    return urllib.parse.quote(s, safe=safe)


def _normalize_path(path):
    if not path:
        return "/"
    parts = []
    for seg in path.split("/"):
        if seg == "..":
            if parts:
                parts.pop()
        elif seg not in (".",):
            parts.append(seg)
    out = "/".join(parts)
    if not out.startswith("/"):
        out = "/" + out
    if path.endswith("/") and not out.endswith("/"):
        out += "/"
    return out


def _signing_key(secret, date, region, service):
    k = (secret, date, region, service)
    sk = _signing_cache.get(k)
    if sk is None:
        sk = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
        for part in (region, service, "aws4_request"):
            sk = hmac.new(sk, part.encode(), hashlib.sha256).digest()
        if len(_signing_cache) > 10000:
            _signing_cache.clear()
        _signing_cache[k] = sk
    return sk


def auth_error(service, kind, msg):
    """kind: unknown | signature | expired | incomplete | missing."""
    proto = protocol_of(service)
    if proto == "json":
        code, status = {"unknown": ("UnrecognizedClientException", 400),
                        "signature": ("InvalidSignatureException", 403),
                        "expired": ("ExpiredTokenException", 400),
                        "incomplete": ("IncompleteSignatureException", 400),
                        "missing": ("MissingAuthenticationTokenException", 400)}[kind]
    else:
        code, status = {"unknown": ("InvalidClientTokenId", 403),
                        "signature": ("SignatureDoesNotMatch", 403),
                        "expired": ("ExpiredToken", 403),
                        "incomplete": ("IncompleteSignature", 400),
                        "missing": ("MissingAuthenticationToken", 403)}[kind]
    return AwsError(code, msg, status)


def verify_sigv4(method, raw_path, raw_query, headers, body):
    """Returns (akid, keyinfo, region, service) or raises (service, AwsError)."""
    auth = headers.get("Authorization")
    if not auth:
        raise _AuthFail(None, "missing", "Missing Authentication Token")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        raise _AuthFail(None, "incomplete", "Unsupported authorization scheme")
    fields = {}
    for part in auth[len("AWS4-HMAC-SHA256 "):].split(","):
        part = part.strip()
        if "=" in part:
            k, v = part.split("=", 1)
            fields[k.strip()] = v.strip()
    cred = fields.get("Credential", "")
    cparts = cred.split("/")
    if len(cparts) != 5 or cparts[4] != "aws4_request" or "SignedHeaders" not in fields \
            or "Signature" not in fields:
        raise _AuthFail(cparts[3] if len(cparts) == 5 else None, "incomplete",
                        "Authorization header requires 'Credential', 'Signature' and "
                        "'SignedHeaders' parameters. Authorization=%s" % auth.split(" ")[0])
    akid, sdate, region, service, _ = cparts
    with EMU.lock:
        key = EMU.keys.get(akid)
    if key is None:
        raise _AuthFail(service, "unknown", "The security token included in the request is invalid.")
    if key.get("token"):
        tok = headers.get("X-Amz-Security-Token")
        if tok != key["token"]:
            raise _AuthFail(service, "unknown", "The security token included in the request is invalid.")
        if key.get("expires") and time.time() > key["expires"]:
            raise _AuthFail(service, "expired", "The security token included in the request is expired")
    amzdate = headers.get("X-Amz-Date")
    if not amzdate:
        raise _AuthFail(service, "incomplete", "Authorization header requires existence of "
                        "either a 'X-Amz-Date' or a 'Date' header.")
    try:
        t = time.mktime(time.strptime(amzdate, "%Y%m%dT%H%M%SZ")) - time.timezone
    except ValueError:
        raise _AuthFail(service, "incomplete", "Invalid X-Amz-Date %s" % amzdate)
    nowt = time.time()
    if abs(nowt - t) > 900:
        raise _AuthFail(service, "signature",
                        "Signature expired: %s is now earlier than %s (%s - 15 min.)" % (
                            amzdate, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(nowt - 900)),
                            time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(nowt)))
                        if t < nowt else
                        "Signature not yet current: %s is still later than %s (%s + 15 min.)" % (
                            amzdate, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(nowt + 900)),
                            time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(nowt))))
    if amzdate[:8] != sdate:
        raise _AuthFail(service, "signature", "Credential should be scoped to a valid date: %s" % amzdate[:8])
    body_hash = hashlib.sha256(body).hexdigest()
    declared = headers.get("X-Amz-Content-Sha256")
    payload_hash = body_hash
    if declared:
        if declared == "UNSIGNED-PAYLOAD":
            payload_hash = declared
        elif declared.lower() != body_hash:
            raise _AuthFail(service, "signature", "The provided 'x-amz-content-sha256' header "
                            "does not match what was computed.")
    signed = fields["SignedHeaders"].split(";")
    if "host" not in signed:
        raise _AuthFail(service, "signature", "'Host' must be a signed header.")
    ch = []
    for h in signed:
        vals = headers.get_all(h) or []
        ch.append("%s:%s\n" % (h, ",".join(" ".join(v.split()) for v in vals)))
    pairs = urllib.parse.parse_qsl(raw_query, keep_blank_values=True)
    cq = "&".join("%s=%s" % kv for kv in sorted((_uri_encode(k), _uri_encode(v)) for k, v in pairs))
    sk = _signing_key(key["secret"], sdate, region, service)
    scope = "/".join(cparts[1:])
    tail = "\n%s\n%s\n%s\n%s" % (cq, "".join(ch), fields["SignedHeaders"], payload_hash)
    norm = _normalize_path(raw_path)
    for cu in (urllib.parse.quote(norm, safe="/~"), norm):
        creq = "%s\n%s%s" % (method, cu, tail)
        sts_ = "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (amzdate, scope, hashlib.sha256(creq.encode()).hexdigest())
        sig = hmac.new(sk, sts_.encode(), hashlib.sha256).hexdigest()
        if hmac.compare_digest(sig, fields["Signature"]):
            return akid, key, region, service
        if cu == norm:
            break
    raise _AuthFail(service, "signature",
                    "The request signature we calculated does not match the signature you provided. "
                    "Check your AWS Secret Access Key and signing method. Consult the service "
                    "documentation for details.")


class _AuthFail(Exception):
    def __init__(self, service, kind, msg):
        Exception.__init__(self, msg)
        self.service = service
        self.kind = kind
        self.msg = msg


# ---------------------------------------------------------------- quotas, faults, stats

QUOTA_LOCK = threading.Lock()


def check_quota(account, region, service, op, now):
    """A token bucket per account, region and operation holding one second
    of quota, taken at the request's arrival (now).  Its own lock: a long
    operation holding the state lock must not bunch the checks of the
    requests that came meanwhile.

    ACM: its documented rates (acm.RATES), changed by /_emu/quotas.
    Organizations: no rates unless /_emu/quotas sets some ("rates":
    {"ListAccounts": 1}); AWS documents none per operation.  Its bucket is
    per account only (a global service)."""
    if service not in ("acm", "organizations"):
        return True
    with EMU.lock:
        if not EMU.quotas_enabled:
            return True
        rate = EMU.rates.get(op)
        if rate is None and service == "acm":
            rate = acm.RATES.get(op)
    if not rate:
        return True
    with QUOTA_LOCK:
        k = (account, region if service == "acm" else "global", op)
        b = EMU.buckets.get(k)
        cap = max(float(rate), 1.0)
        if b is None:
            b = EMU.buckets[k] = [cap, now, collections.deque(maxlen=12)]
        # Threads may check out of their arrival order: never refill backwards.
        tokens = min(cap, b[0] + max(0.0, now - b[1]) * rate)
        b[1] = max(b[1], now)
        b[2].append(now)
        if tokens < 1.0:
            b[0] = tokens
            # What AWS would refuse: say how the requests came, always.
            sys.stderr.write("awsemu: throttled %s %s %s: %.2f tokens; the last checks "
                             "(ms before): %s; longest stall of the emulator in the last "
                             "5 s: %.0f ms\n" % (account, region, op, tokens, " ".join(
                                 "%.0f" % ((now - t) * 1000) for t in reversed(b[2])),
                                 max([d for t, d in STALLS if now - t < 5] or [0]) * 1000))
            return False
        b[0] = tokens - 1.0
        return True


STALLS = collections.deque(maxlen=64)


def watch_stalls():
    """Note when the whole process stalled (the GIL, the CPU): a bunch of
    requests checked at once afterwards is the emulator's doing, not the
    client's."""
    while True:
        t0 = time.monotonic()
        time.sleep(0.02)
        late = time.monotonic() - t0 - 0.02
        if late > 0.1:
            STALLS.append((time.monotonic(), late))


def pick_fault(service, op, region):
    with EMU.lock:
        for f in EMU.faults:
            if f.get("service", "*") not in ("*", service):
                continue
            if f.get("operation", "*") not in ("*", op):
                continue
            if f.get("region", "*") not in ("*", region):
                continue
            c = f.get("count")
            if c is not None:
                if c <= 0:
                    continue
                f["count"] = c - 1
            return dict(f)
    return None


def throttle_error(service):
    """What a throttled request gets: ACM "ThrottlingException: Rate
    exceeded"; Organizations TooManyRequestsException (HTTP 400, see
    orgs.py); the XML services "Throttling"."""
    if service == "organizations":
        return AwsError("TooManyRequestsException", orgs.THROTTLED, 400)
    if protocol_of(service) == "json":
        return AwsError("ThrottlingException", "Rate exceeded", 400)
    return AwsError("Throttling", "Rate exceeded", 400)


def count_stat(service, op, region, throttled=False):
    k = (service, op, region)
    with EMU.lock:
        EMU.stats[k] = EMU.stats.get(k, 0) + 1
        if throttled:
            EMU.throttled[k] = EMU.throttled.get(k, 0) + 1


# ---------------------------------------------------------------- HTTP

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "awsemu/1.0"

    def setup(self):
        BaseHTTPRequestHandler.setup(self)
        self.aws_conn = False
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def finish(self):
        if self.aws_conn:
            with EMU.lock:
                EMU.conns_open -= 1
        BaseHTTPRequestHandler.finish(self)

    def count_conn(self):
        """A connection counts in /_emu/stats (connections_open, its peak
        connections_max) from its first AWS request until it closes: the
        admin API's connections are not a client's."""
        if self.aws_conn:
            return
        self.aws_conn = True
        with EMU.lock:
            EMU.conns_open += 1
            EMU.conns_max = max(EMU.conns_max, EMU.conns_open)

    def send_error(self, code, message=None, explain=None):
        # Protocol-level errors (bad request line, oversized headers...): JSON, never HTML.
        self.close_connection = True
        body = json.dumps({"__type": "InvalidRequest" if code < 500 else "InternalFailure",
                           "message": message or REASONS.get(code, "error")}).encode()
        try:
            self.wfile.write(("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                              "Connection: close\r\n\r\n" % (code, REASONS.get(code, "Error"), len(body))
                              ).encode() + body)
        except OSError:
            pass

    def log_message(self, fmt, *args):
        if VERBOSE:
            sys.stderr.write("awsemu: %s %s\n" % (self.address_string(), fmt % args))

    def do_GET(self):
        self.handle_any()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

    # -- output
    def send_raw(self, status, headers, body):
        out = ["HTTP/1.1 %d %s\r\nDate: %s\r\n" % (status, REASONS.get(status, "Unknown"),
                                                     email.utils.formatdate(usegmt=True))]
        for k, v in headers:
            out.append("%s: %s\r\n" % (k, v))
        out.append("Content-Length: %d\r\n" % len(body))
        if self.close_connection:
            out.append("Connection: close\r\n")
        out.append("\r\n")
        data = "".join(out).encode("latin-1")
        if self.command != "HEAD":
            data += body
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    @staticmethod
    def apply_json(fn, ctx, body):
        """Carry out a JSON 1.1 operation: its answer (or its AwsError)."""
        try:
            params = json.loads(body.decode("utf-8")) if body.strip() else {}
            if not isinstance(params, dict):
                raise ValueError
        except ValueError:
            raise AwsError("SerializationException", "Start of structure or map found where not expected.")
        return fn(ctx, params)

    def send_json(self, status, obj, rid=None, extra=()):
        body = json.dumps(obj, separators=(",", ":")).encode()
        hdrs = [("Content-Type", "application/json" if rid is None else "application/x-amz-json-1.1")]
        if rid:
            hdrs.append(("x-amzn-RequestId", rid))
        hdrs.extend(extra)
        self.send_raw(status, hdrs, body)

    def send_error_for(self, service, err, rid):
        proto = protocol_of(service)
        if proto == "json":
            body = {"__type": err.code, "message": err.message}
            if getattr(err, "extra", None):
                body.update(err.extra)
            self.send_json(err.status, body, rid, [("x-amzn-ErrorType", err.code)])
            return
        ns = R53_NS if proto == "rest-xml" else QUERY_SERVICES.get(service, QUERY_SERVICES["iam"])[0]
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="%s"><Error><Type>%s</Type>'
                '<Code>%s</Code><Message>%s</Message></Error><RequestId>%s</RequestId></ErrorResponse>'
                % (ns, "Sender" if err.sender else "Receiver", xesc(err.code), xesc(err.message), rid))
        self.send_raw(err.status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)], body.encode())

    def read_body(self):
        te = self.headers.get("Transfer-Encoding", "")
        if te.lower() == "chunked":
            chunks = []
            while True:
                line = self.rfile.readline()
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(n))
                self.rfile.readline()
            return b"".join(chunks)
        n = int(self.headers.get("Content-Length") or 0)
        if n > 32 * 1024 * 1024:
            raise ValueError("body too large")
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        # AWS counts a request against its quota when it arrives, not once
        # this emulator has got round to it: take the time before anything
        # can wait on a lock or the GIL.
        self.arrived = time.monotonic()
        rid = new_uuid()
        try:
            body = self.read_body()
        except Exception:
            self.close_connection = True
            self.send_json(400, {"error": "bad request body"})
            return
        raw_path, _, raw_query = self.path.partition("?")
        if raw_path.startswith("/_emu/") or raw_path == "/_emu":
            try:
                status, obj = admin(self.command, raw_path, raw_query, body)
            except Exception as e:
                traceback.print_exc()
                status, obj = 500, {"error": "%s: %s" % (type(e).__name__, e)}
            self.send_json(status, obj)
            return
        self.count_conn()
        service = None
        try:
            try:
                akid, key, region, service = verify_sigv4(self.command, raw_path, raw_query,
                                                          self.headers, body)
            except _AuthFail as af:
                service = af.service or guess_service(self.headers, raw_path, body)
                if service not in JSON_SERVICES and service not in QUERY_SERVICES and service != "route53":
                    service = guess_service(self.headers, raw_path, body)
                raise auth_error(service, af.kind, af.msg)
            self.dispatch(service, akid, key, region, raw_path, raw_query, body, rid)
        except AwsError as e:
            self.send_error_for(service or "acm", e, rid)
        except Exception as e:
            traceback.print_exc()
            log("internal error on %s %s: %s" % (self.command, self.path, e))
            self.send_error_for(service or "acm",
                                AwsError("InternalFailure", "An internal error occurred: %s" % type(e).__name__,
                                         500, sender=False), rid)

    def dispatch(self, service, akid, key, region, raw_path, raw_query, body, rid):
        proto = protocol_of(service)
        ctx = Ctx(emu=EMU, account=key["account"], region=region, service=service, akid=akid,
                  key=key, request_id=rid, headers=self.headers, body=body, path=raw_path,
                  method=self.command)
        params = None
        if proto == "json":
            prefix, ops = JSON_SERVICES[service]
            tgt = self.headers.get("X-Amz-Target") or ""
            pfx, _, op = tgt.partition(".")
            fn = ops.get(op) if pfx == prefix else None
            ctx.op = op or tgt or "-"
            if fn is None:
                count_stat(service, ctx.op, region)
                raise AwsError("UnknownOperationException", "", 400)
        elif proto == "query":
            if service not in QUERY_SERVICES:
                raise AwsError("InvalidAction", "Unknown service %s" % service, 400)
            form = urllib.parse.parse_qs(raw_query, keep_blank_values=True)
            ctype = self.headers.get("Content-Type", "")
            if body and ("x-www-form-urlencoded" in ctype or not ctype):
                for k, v in urllib.parse.parse_qs(body.decode("utf-8", "replace"),
                                                  keep_blank_values=True).items():
                    form.setdefault(k, []).extend(v)
            params = {k: v[-1] for k, v in form.items()}
            op = params.get("Action", "")
            ctx.op = op or "-"
            fn = QUERY_SERVICES[service][1].get(op)
            if fn is None:
                count_stat(service, ctx.op, region)
                raise AwsError("InvalidAction", "Could not find operation %s for version %s" % (
                    op, params.get("Version", "")), 400)
        else:
            r = route53.route(self.command, raw_path)
            if r is None:
                count_stat(service, "-", region)
                raise AwsError("InvalidAction", "Unknown Route 53 path %s %s" % (self.command, raw_path), 400)
            op, fn, pathargs = r
            ctx.op = op
            params = (pathargs, urllib.parse.parse_qs(raw_query, keep_blank_values=True))

        # quotas
        if not check_quota(ctx.account, region, service, ctx.op, self.arrived):
            count_stat(service, ctx.op, region, throttled=True)
            raise throttle_error(service)
        # faults
        f = pick_fault(service, ctx.op, region) if EMU.faults else None
        count_stat(service, ctx.op, region)
        if f:
            if f.get("delay_ms"):
                time.sleep(float(f["delay_ms"]) / 1000.0)
            if random.random() < float(f.get("drop_rate") or 0):
                self.close_connection = True
                try:
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return
            if random.random() < float(f.get("error_rate") or 0):
                st = int(f.get("error_status") or 500)
                if st == 503:
                    raise AwsError("ServiceUnavailable", "Service is unavailable. Please try again later.",
                                   503, sender=False)
                raise AwsError("InternalFailure", "The request processing has failed because of an "
                               "unknown error, exception or failure.", st, sender=False)
            if random.random() < float(f.get("throttle_rate") or 0):
                with EMU.lock:
                    k = (service, ctx.op, region)
                    EMU.throttled[k] = EMU.throttled.get(k, 0) + 1
                raise throttle_error(service)
            if random.random() < float(f.get("malformed_rate") or 0):
                if f.get("applied") and proto == "json":
                    # A 2xx whose body is lost on the way: AWS did it.
                    self.apply_json(fn, ctx, body)
                garbage = b'{"Certificate":{"CertificateArn":"arn:aws:ac' if proto == "json" else \
                    b'<?xml version="1.0"?><Respo\x00\xff'
                ctype = "application/x-amz-json-1.1" if proto == "json" else "text/xml"
                if f.get("malformed_mode") == "garbage":
                    self.send_raw(200, [("Content-Type", ctype), ("x-amzn-RequestId", rid)], garbage)
                    return
                # truncated: announce more bytes than are sent, then close the connection
                self.close_connection = True
                try:
                    self.wfile.write(("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nx-amzn-RequestId: %s\r\n"
                                      "Content-Length: %d\r\nConnection: close\r\n\r\n"
                                      % (ctype, rid, len(garbage) + 512)).encode() + garbage)
                    self.connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return

        if proto == "json":
            result = self.apply_json(fn, ctx, body)
            self.send_json(200, result if result is not None else {}, rid)
        elif proto == "query":
            inner = fn(ctx, params)
            ns = QUERY_SERVICES[service][0]
            op = ctx.op
            if inner is None:
                x = ('<%sResponse xmlns="%s"><ResponseMetadata><RequestId>%s</RequestId>'
                     '</ResponseMetadata></%sResponse>' % (op, ns, rid, op))
            else:
                x = ('<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>%s'
                     '</RequestId></ResponseMetadata></%sResponse>' % (op, ns, op, inner, op, rid, op))
            self.send_raw(200, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)],
                          ('<?xml version="1.0" encoding="UTF-8"?>\n' + x).encode())
        else:
            status, xml, extra = fn(ctx, params)
            hdrs = [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)] + list(extra)
            self.send_raw(status, hdrs, ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml).encode())


# ---------------------------------------------------------------- admin API

def admin(method, path, query, body):
    status, obj = admin_call(method, path, query, body)
    if path.startswith("/_emu/seed") and method == "POST":
        # Tens of thousands of long-lived objects: keep them out of the
        # collector, whose full passes would stall every request for a
        # second and make quota buckets see a burst no AWS would see.
        gc.collect()
        gc.freeze()
    return status, obj


def admin_call(method, path, query, body):
    try:
        data = json.loads(body.decode() or "{}") if body else {}
    except ValueError:
        return 400, {"error": "body is not JSON"}
    if not isinstance(data, dict):
        return 400, {"error": "body must be a JSON object"}
    p = path.rstrip("/")
    e = EMU
    if p == "/_emu/health":
        return 200, {"ok": True}
    if p == "/_emu/reset" and method == "POST":
        e.reset()
        return 200, {"ok": True}
    if p == "/_emu/keys" and method == "POST":
        try:
            e.add_key(data["access_key"], data["secret"], str(data["account"]))
        except KeyError as k:
            return 400, {"error": "missing %s" % k}
        return 200, {"ok": True}
    if p == "/_emu/expire-key" and method == "POST":
        with e.lock:
            k = e.keys.get(data.get("access_key"))
            if not k:
                return 404, {"error": "no such access key"}
            k["expires"] = time.time() - 1
            if not k.get("token"):
                k["token"] = None
        return 200, {"ok": True}
    if p == "/_emu/keys" and method == "GET":
        with e.lock:
            return 200, {"keys": [{"access_key": k, "account": v["account"],
                                   "temporary": bool(v.get("token"))} for k, v in e.keys.items()]}
    if p == "/_emu/faults":
        if method == "DELETE":
            with e.lock:
                e.faults = []
            return 200, {"ok": True}
        if method == "GET":
            with e.lock:
                return 200, {"faults": list(e.faults)}
        if method == "POST":
            f = {"service": data.get("service", "*"), "operation": data.get("operation", "*"),
                 "region": data.get("region", "*")}
            for k in ("error_rate", "drop_rate", "malformed_rate", "throttle_rate"):
                v = float(data.get(k) or 0)
                if not 0 <= v <= 1:
                    return 400, {"error": "%s must be within 0..1" % k}
                f[k] = v
            f["error_status"] = int(data.get("error_status") or 500)
            if f["error_status"] not in (500, 503):
                return 400, {"error": "error_status must be 500 or 503"}
            f["delay_ms"] = float(data.get("delay_ms") or 0)
            mm = data.get("malformed_mode") or "truncated"
            if mm not in ("truncated", "garbage"):
                return 400, {"error": "malformed_mode must be truncated or garbage"}
            f["malformed_mode"] = mm
            # applied: a malformed answer comes after the operation was
            # carried out (JSON services), as a 2xx whose body is lost
            # would; otherwise nothing happened.
            f["applied"] = bool(data.get("applied"))
            if data.get("count") is not None:
                f["count"] = int(data["count"])
            with e.lock:
                e.faults.append(f)
            return 200, {"ok": True, "fault": f}
    if p == "/_emu/quotas" and method == "POST":
        with e.lock:
            if "enabled" in data:
                e.quotas_enabled = bool(data["enabled"])
            if isinstance(data.get("rates"), dict):
                for k, v in data["rates"].items():
                    e.rates[k] = float(v)
                e.buckets = {}
            if data.get("cert_limit") is not None:
                e.cert_limit = int(data["cert_limit"])
            if data.get("iam_cert_limit") is not None:
                e.iam_cert_limit = int(data["iam_cert_limit"])
            return 200, {"enabled": e.quotas_enabled, "rates": dict(acm.RATES, **e.rates),
                         "cert_limit": e.cert_limit}
    if p == "/_emu/quotas" and method == "GET":
        with e.lock:
            return 200, {"enabled": e.quotas_enabled, "rates": dict(acm.RATES, **e.rates),
                         "cert_limit": e.cert_limit}
    if p == "/_emu/config" and method == "POST":
        with e.lock:
            if "validation_delay" in data:
                e.validation_delay = float(data["validation_delay"])
            if "change_delay" in data:
                e.change_delay = float(data["change_delay"])
            if "renewal_delay" in data:
                e.renewal_delay = float(data["renewal_delay"])
            if "dvo_delay" in data:
                e.dvo_delay = float(data["dvo_delay"])
            for k in ("strict_roles", "managed_renewal"):
                if k in data:
                    if not isinstance(data[k], bool):
                        return 400, {"error": "%s must be true or false" % k}
                    setattr(e, k, data[k])
            return 200, {"validation_delay": e.validation_delay, "change_delay": e.change_delay,
                         "renewal_delay": e.renewal_delay, "dvo_delay": e.dvo_delay,
                         "strict_roles": e.strict_roles, "managed_renewal": e.managed_renewal}
    if p == "/_emu/stats":
        if method == "GET":
            with e.lock:
                out = {}
                for (svc, op, reg), n in e.stats.items():
                    out.setdefault(svc, {}).setdefault(op, {})[reg] = n
                thr = {}
                for (svc, op, reg), n in e.throttled.items():
                    thr.setdefault(svc, {}).setdefault(op, {})[reg] = n
                return 200, {"requests": out, "throttled": thr,
                             "total": sum(e.stats.values()), "throttled_total": sum(e.throttled.values()),
                             "connections_open": e.conns_open, "connections_max": e.conns_max}
    if p == "/_emu/stats/reset" and method == "POST":
        with e.lock:
            e.stats = {}
            e.throttled = {}
            e.conns_max = e.conns_open
        return 200, {"ok": True}
    if p == "/_emu/state" and method == "GET":
        return 200, state_dump()
    if p == "/_emu/pca" and method == "POST":
        return pca.admin_create(e, data)
    if p == "/_emu/org" or p.startswith("/_emu/org/"):
        return orgs.admin(e, method, p[len("/_emu/org/"):] if p.startswith("/_emu/org/") else "", data)
    if p == "/_emu/roles" and method in ("GET", "POST"):
        return sts.admin_roles(e, method, data)
    if p == "/_emu/roles/delete" and method == "POST":
        return sts.admin_roles(e, method, dict(data, delete=True))
    if p == "/_emu/expire-credentials" and method == "POST":
        return sts.admin_expire_credentials(e, data)
    if p == "/_emu/validate-now" and method == "POST":
        acm.tick(e)
        return 200, {"ok": True}
    if p.startswith("/_emu/") and method == "POST":
        name = p[len("/_emu/"):]
        fn = acm.ADMIN.get(name)
        if fn:
            return fn(e, data)
    return 404, {"error": "unknown admin endpoint %s %s" % (method, path)}


def state_dump():
    e = EMU
    out = {"accounts": {}, "revoked": {}}
    with e.lock:
        out["organizations"] = orgs.dump(e)
        out["roles"] = [sts._role_out(r) for rs in e.roles.values() for r in rs.values()]
        for acct, a in e.accounts.items():
            ao = {"regions": {}, "zones": [], "iam_server_certificates": []}
            for rn, r in a.regions.items():
                ao["regions"][rn] = {
                    "certificates": [acm.dump_cert(c) for c in r.certs.values()],
                    "certificate_authorities": [pca.dump_ca(c) for c in r.cas.values()],
                }
            for z in a.zones.values():
                ao["zones"].append(route53.dump_zone(z))
            for c in a.iam_certs.values():
                ao["iam_server_certificates"].append(iam.dump_cert(c))
            out["accounts"][acct] = ao
        for caarn, d in e.revoked.items():
            out["revoked"][caarn] = [dict(serial=calib.serial_to_aws(s), **v) for s, v in d.items()]
    return out


# ---------------------------------------------------------------- main

class Server(ThreadingHTTPServer):
    """Threads that accept connections for themselves and serve one after
    another.  A thread started per connection, handed over by the one
    accepting, cost ~0.7 ms of CPU under the GIL per connection: a burst of
    new connections (acmd deploying to 32 regions at once) waited in the
    listen queue.  Idle threads wait in accept(); fewer than spare_min
    waiting start more, more than spare_max waiting end."""
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True
    spare_min = 32
    spare_max = 128

    def serve_forever(self, poll_interval=0.5):
        self._pool = threading.Condition()
        self._idle = self._starting = 0
        while True:
            with self._pool:
                while self._idle + self._starting >= self.spare_min:
                    self._pool.wait()
                n = self.spare_min - self._idle - self._starting
                self._starting += n
            for _ in range(n):
                threading.Thread(target=self._accept_loop, daemon=True).start()

    def _accept_loop(self):
        with self._pool:
            self._starting -= 1
        while True:
            with self._pool:
                if self._idle >= self.spare_max:
                    return
                self._idle += 1
            try:
                conn, addr = self.get_request()
            except OSError:
                conn = None
            with self._pool:
                self._idle -= 1
                if self._idle + self._starting < self.spare_min:
                    self._pool.notify()
            if conn is None:
                time.sleep(0.01)    # EMFILE and the like: do not spin
            elif self.verify_request(conn, addr):
                self.process_request_thread(conn, addr)
            else:
                self.shutdown_request(conn)


def background():
    while True:
        try:
            time.sleep(max(0.1, EMU.validation_delay))
            acm.tick(EMU)
        except Exception:
            traceback.print_exc()


def main(argv=None):
    global EMU, VERBOSE, QUIET
    ap = argparse.ArgumentParser(description="AWS emulator for acmd tests")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port-file")
    ap.add_argument("--key", action="append", default=[], help="AKID:SECRET:ACCOUNT")
    ap.add_argument("--no-quotas", action="store_true")
    ap.add_argument("--cert-limit", type=int, default=2500)
    ap.add_argument("--validation-delay", type=float, default=2.0)
    ap.add_argument("--change-delay", type=float, default=1.0)
    ap.add_argument("--dvo-delay", type=float, default=2.0,
                    help="seconds before DescribeCertificate shows complete DomainValidationOptions")
    ap.add_argument("--strict-roles", action="store_true",
                    help="AssumeRole needs a role defined by /_emu/roles in every account")
    ap.add_argument("--managed-renewal", action="store_true",
                    help="the sweep renews eligible certificates within 60 days of expiry")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    opts = ap.parse_args(argv)
    VERBOSE = opts.verbose
    QUIET = opts.quiet
    EMU = Emu(opts)
    keys = opts.key or [":".join(DEFAULT_KEY)]
    for k in keys:
        parts = k.split(":")
        if len(parts) != 3 or not parts[2].isdigit() or len(parts[2]) != 12:
            ap.error("--key must be AKID:SECRET:ACCOUNT (12-digit account): %r" % k)
        EMU.initial_keys[parts[0]] = {"secret": parts[1], "account": parts[2], "token": None,
                                      "expires": None, "arn": None}
    EMU.reset()
    acm.init(EMU)
    calib.prewarm((2048,))
    srv = Server((opts.host, opts.port), Handler)
    port = srv.server_address[1]
    if opts.port_file:
        tmp = opts.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, opts.port_file)
    log("listening on %s:%d (quotas %s)" % (opts.host, port, "off" if opts.no_quotas else "on"))
    threading.Thread(target=background, daemon=True).start()
    try:
        threading.Thread(target=watch_stalls, daemon=True).start()
        srv.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()

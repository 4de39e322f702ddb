#!/usr/bin/python3
"""Benchmark the AWS emulator: signed DescribeCertificate requests over
keep-alive connections (http.client), several worker processes x threads.

  bench_emu.py [--port N | --start] [--seconds 5] [--procs 2] [--threads 4]

--start launches its own emulator (--no-quotas --quiet) on a free port.
Prints requests/s and latency percentiles.  Stdlib only (own SigV4 signer).
"""
import argparse
import datetime
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time

AKID = "AKIDEXAMPLE000000001"
SECRET = "emusecret0000000000000000000000000000001"


def sign(host, region, service, target, body, akid=AKID, secret=SECRET):
    t = datetime.datetime.now(datetime.timezone.utc)
    amzdate = t.strftime("%Y%m%dT%H%M%SZ")
    date = amzdate[:8]
    ph = hashlib.sha256(body).hexdigest()
    headers = {"content-type": "application/x-amz-json-1.1", "host": host, "x-amz-date": amzdate,
               "x-amz-target": target}
    signed = ";".join(sorted(headers))
    ch = "".join("%s:%s\n" % (k, headers[k]) for k in sorted(headers))
    creq = "POST\n/\n\n%s\n%s\n%s" % (ch, signed, ph)
    scope = "%s/%s/%s/aws4_request" % (date, region, service)
    sts = "AWS4-HMAC-SHA256\n%s\n%s\n%s" % (amzdate, scope, hashlib.sha256(creq.encode()).hexdigest())
    k = hmac.new(("AWS4" + secret).encode(), date.encode(), hashlib.sha256).digest()
    for p in (region, service, "aws4_request"):
        k = hmac.new(k, p.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    out = {"Content-Type": headers["content-type"], "X-Amz-Date": amzdate, "X-Amz-Target": target,
           "Authorization": "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
                            % (akid, scope, signed, sig)}
    return out


def call(port, target, obj, region="us-east-1", service="acm"):
    host = "127.0.0.1:%d" % port
    body = json.dumps(obj).encode()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", "/", body=body, headers=sign(host, region, service, target, body))
    r = c.getresponse()
    return r.status, json.loads(r.read() or b"{}")


def worker(port, arn, seconds, threads, q):
    host = "127.0.0.1:%d" % port
    body = json.dumps({"CertificateArn": arn}).encode()
    results = []

    def run():
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        n = errs = 0
        lat = []
        end = time.time() + seconds
        hdr = None
        hdr_t = 0
        while time.time() < end:
            now = time.time()
            if now - hdr_t > 60:
                hdr = sign(host, "us-east-1", "acm", "CertificateManager.DescribeCertificate", body)
                hdr_t = now
            t0 = time.perf_counter()
            c.request("POST", "/", body=body, headers=hdr)
            r = c.getresponse()
            r.read()
            lat.append(time.perf_counter() - t0)
            if r.status != 200:
                errs += 1
            n += 1
        results.append((n, errs, lat))

    ts = [threading.Thread(target=run) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    n = sum(r[0] for r in results)
    e = sum(r[1] for r in results)
    lat = [x for r in results for x in r[2]]
    lat.sort()
    q.put((n, e, lat[::max(1, len(lat) // 2000)]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int)
    ap.add_argument("--start", action="store_true")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=4)
    a = ap.parse_args()
    proc = None
    if a.start or not a.port:
        d = tempfile.mkdtemp()
        pf = os.path.join(d, "port")
        proc = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                              "awsemu.py"),
                                 "--port", "0", "--port-file", pf, "--no-quotas", "--quiet"])
        for _ in range(100):
            if os.path.exists(pf):
                break
            time.sleep(0.1)
        a.port = int(open(pf).read())
    try:
        st, out = call(a.port, "CertificateManager.RequestCertificate",
                       {"DomainName": "bench.example.com", "ValidationMethod": "DNS"})
        if st != 200:
            print("RequestCertificate failed: %s %s" % (st, out))
            return 1
        arn = out["CertificateArn"]
        q = multiprocessing.Queue()
        ps = [multiprocessing.Process(target=worker, args=(a.port, arn, a.seconds, a.threads, q))
              for _ in range(a.procs)]
        t0 = time.time()
        for p in ps:
            p.start()
        res = [q.get() for _ in ps]
        for p in ps:
            p.join()
        dt = time.time() - t0
        n = sum(r[0] for r in res)
        e = sum(r[1] for r in res)
        lat = sorted(x for r in res for x in r[2])
        pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p))] * 1000 if lat else 0
        print("DescribeCertificate: %d requests in %.1fs = %.0f req/s (%d non-200); "
              "latency p50 %.2f ms p99 %.2f ms; %d procs x %d threads, keep-alive"
              % (n, dt, n / dt, e, pct(0.5), pct(0.99), a.procs, a.threads))
        return 0 if e == 0 else 1
    finally:
        if proc:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    sys.exit(main())

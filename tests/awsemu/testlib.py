#!/usr/bin/python3
"""Helpers for test_conformance.sh (client side; may use botocore).

  testlib.py admin URL METHOD PATH [JSON]       -> prints JSON answer, exit 1 on HTTP >= 400
  testlib.py mkcerts DIR                        -> writes test certificates/keys into DIR
  testlib.py raw URL SERVICE REGION TARGET BODY -> signed JSON 1.1 request; prints "STATUS BODY"
  testlib.py rawquery URL SERVICE BODY          -> signed form POST; prints "STATUS BODY"
  testlib.py burst URL ARN N                    -> N DescribeCertificate calls, prints "ok=X throttled=Y"
  testlib.py decrypt KEYFILE PASSPHRASE CERTFILE -> exit 0 if key decrypts and matches cert
  testlib.py json EXPR                          -> eval EXPR with d = JSON from stdin, print result
"""
import datetime
import json
import os
import sys
import urllib.request
import urllib.error


def admin(url, method, path, body=None):
    data = body.encode() if body else (b"{}" if method == "POST" else None)
    req = urllib.request.Request(url + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            print(r.read().decode())
            return 0
    except urllib.error.HTTPError as e:
        print(e.read().decode())
        return 1


def mkcerts(d):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa, ec
    from cryptography.x509.oid import NameOID
    now = datetime.datetime.now(datetime.timezone.utc)

    def key(kind):
        if kind == "ec":
            return ec.generate_private_key(ec.SECP256R1())
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def cert(cn, k, issuer=None, ikey=None, nb=None, na=None, ca=False, serial=None):
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        b = (x509.CertificateBuilder().subject_name(name)
             .issuer_name(issuer.subject if issuer else name).public_key(k.public_key())
             .serial_number(serial or x509.random_serial_number())
             .not_valid_before(nb or now - datetime.timedelta(days=1))
             .not_valid_after(na or now + datetime.timedelta(days=90))
             .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            b = b.add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
        return b.sign(ikey or k, hashes.SHA256())

    def w(name, obj):
        with open(os.path.join(d, name), "wb") as f:
            if hasattr(obj, "private_bytes"):
                f.write(obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
            else:
                f.write(obj.public_bytes(serialization.Encoding.PEM))

    k1 = key("rsa"); w("ss.key", k1); w("ss.crt", cert("import.example.org", k1))
    k2 = key("rsa"); w("ss2.key", k2); w("ss2.crt", cert("import.example.org", k2))
    k3 = key("ec"); w("ec.key", k3); w("ec.crt", cert("import.example.org", k3))
    k4 = key("rsa"); w("exp.key", k4)
    w("exp.crt", cert("old.example.org", k4, nb=now - datetime.timedelta(days=100),
                      na=now - datetime.timedelta(days=1)))
    kc = key("ec"); cac = cert("Test Import CA", kc, ca=True); w("ca.crt", cac)
    # Serials at the edges of DescribeCertificate's format: top bit set
    # (DER adds a 00 sign byte) and a leading zero nibble.
    kh = key("ec"); w("hi.key", kh)
    w("hi.crt", cert("serialhi.example.org", kh, serial=0x8F00112233445566778899AABBCCDDEE))
    kl = key("ec"); w("lo.key", kl)
    w("lo.crt", cert("seriallo.example.org", kl, serial=0x0A1B2C3D))
    kl = key("rsa"); w("leaf.key", kl); w("leaf.crt", cert("leaf.example.org", kl, cac, kc))
    return 0


def _session():
    import botocore.session
    s = botocore.session.get_session()
    return s


def raw(url, service, region, target, body):
    from botocore.awsrequest import AWSRequest
    from botocore.auth import SigV4Auth
    import http.client
    creds = _session().get_credentials()
    r = AWSRequest(method="POST", url=url + "/", data=body.encode(),
                   headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
    SigV4Auth(creds, service, region).add_auth(r)
    p = r.prepare()
    host = url.split("//")[1]
    c = http.client.HTTPConnection(host, timeout=30)
    c.request("POST", "/", body=body.encode(), headers=dict(p.headers))
    x = c.getresponse()
    print(x.status, x.read().decode())
    return 0


def rawquery(url, service, body):
    from botocore.awsrequest import AWSRequest
    from botocore.auth import SigV4Auth
    import http.client
    creds = _session().get_credentials()
    r = AWSRequest(method="POST", url=url + "/", data=body.encode(),
                   headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(creds, service, "us-east-1").add_auth(r)
    p = r.prepare()
    c = http.client.HTTPConnection(url.split("//")[1], timeout=30)
    c.request("POST", "/", body=body.encode(), headers=dict(p.headers))
    x = c.getresponse()
    print(x.status, x.read().decode())
    return 0


def burst(url, arn, n):
    """n signed DescribeCertificate calls as fast as one keep-alive connection goes."""
    import http.client
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_emu import sign
    host = url.split("//")[1]
    body = json.dumps({"CertificateArn": arn}).encode()
    c = http.client.HTTPConnection(host, timeout=30)
    ok = thr = other = 0
    for _ in range(int(n)):
        h = sign(host, os.environ.get("AWS_DEFAULT_REGION", "us-east-1"), "acm",
                 "CertificateManager.DescribeCertificate", body,
                 os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
        c.request("POST", "/", body=body, headers=h)
        r = c.getresponse()
        d = json.loads(r.read() or b"{}")
        if r.status == 200:
            ok += 1
        elif r.status == 400 and d == {"__type": "ThrottlingException", "message": "Rate exceeded"} \
                and r.getheader("x-amzn-ErrorType") == "ThrottlingException":
            thr += 1
        else:
            other += 1
    print("ok=%d throttled=%d other=%d" % (ok, thr, other))
    return 0


def decrypt(keyfile, passphrase, certfile):
    from cryptography.hazmat.primitives import serialization
    from cryptography import x509
    k = serialization.load_pem_private_key(open(keyfile, "rb").read(), password=passphrase.encode())
    c = x509.load_pem_x509_certificate(open(certfile, "rb").read())
    f = serialization.PublicFormat.SubjectPublicKeyInfo
    e = serialization.Encoding.DER
    return 0 if k.public_key().public_bytes(e, f) == c.public_key().public_bytes(e, f) else 1


def jexpr(expr):
    d = json.load(sys.stdin)
    r = eval(expr, {"d": d, "len": len, "any": any, "all": all, "set": set, "re": __import__("re"),
                    "isinstance": isinstance, "bool": bool, "sorted": sorted})
    if isinstance(r, (dict, list)):
        print(json.dumps(r))
    else:
        print(r)
    return 0


def main(a):
    cmd = a[0]
    if cmd == "admin":
        return admin(a[1], a[2], a[3], a[4] if len(a) > 4 else None)
    if cmd == "mkcerts":
        return mkcerts(a[1])
    if cmd == "raw":
        return raw(*a[1:6])
    if cmd == "rawquery":
        return rawquery(*a[1:4])
    if cmd == "burst":
        return burst(*a[1:4])
    if cmd == "decrypt":
        return decrypt(*a[1:4])
    if cmd == "json":
        return jexpr(a[1])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""IAM server certificates (query protocol) for the AWS emulator."""
import base64
import re
import time

import ca as calib
from common import AwsError, rand_upper, iso8601_s, xesc

NAME_RE = re.compile(r"^[\w+=,.@-]{1,128}$")
PATH_RE = re.compile(r"^/([\x21-\x7e]*/)?$")
DEFAULT_LIMIT = 20


def _meta_xml(c):
    return ("<Path>%s</Path><ServerCertificateName>%s</ServerCertificateName><ServerCertificateId>%s"
            "</ServerCertificateId><Arn>%s</Arn><UploadDate>%s</UploadDate><Expiration>%s</Expiration>"
            % (xesc(c["path"]), xesc(c["name"]), c["id"], xesc(c["arn"]), iso8601_s(c["uploaded"]),
               iso8601_s(c["expiration"])))


def _need(p, name):
    v = p.get(name)
    if not v:
        raise AwsError("ValidationError", "1 validation error detected: Value null at '%s' failed to "
                       "satisfy constraint: Member must not be null" % (name[0].lower() + name[1:]))
    return v


def _tags(p):
    out, i = [], 1
    while "Tags.member.%d.Key" % i in p:
        out.append({"Key": p["Tags.member.%d.Key" % i], "Value": p.get("Tags.member.%d.Value" % i, "")})
        i += 1
    return out


def upload_server_certificate(ctx, p):
    name = _need(p, "ServerCertificateName")
    if not NAME_RE.match(name):
        raise AwsError("ValidationError", "The specified value for serverCertificateName is invalid.")
    path = p.get("Path") or "/"
    if not PATH_RE.match(path):
        raise AwsError("ValidationError", "The specified value for path is invalid. It must begin and "
                       "end with / and contain only alphanumeric characters and/or / characters.")
    body = _need(p, "CertificateBody")
    keyp = _need(p, "PrivateKey")
    chain = p.get("CertificateChain")
    try:
        certs = calib.load_certs(body)
        if len(certs) != 1:
            raise ValueError
        cert = certs[0]
    except Exception:
        raise AwsError("MalformedCertificate", "Unable to parse certificate. Please ensure the "
                       "certificate is in PEM format.")
    try:
        key = calib.load_key(keyp)
    except Exception:
        raise AwsError("MalformedCertificate", "Unable to parse private key. Please ensure the private "
                       "key is in PEM format and not encrypted.")
    if not calib.same_public_key(key.public_key(), cert.public_key()):
        raise AwsError("KeyPairMismatch", "Unable to validate certificate chain. The certificate "
                       "and the private key do not match.")
    if chain:
        try:
            if not calib.load_certs(chain):
                raise ValueError
        except Exception:
            raise AwsError("MalformedCertificate", "Unable to parse certificate chain. Please ensure "
                           "the certificate chain is in PEM format.")
    with ctx.emu.lock:
        a = ctx.emu.account(ctx.account)
        if name in a.iam_certs:
            raise AwsError("EntityAlreadyExists", "The Server Certificate with name %s already exists."
                           % name, 409)
        lim = getattr(ctx.emu, "iam_cert_limit", DEFAULT_LIMIT)
        if ctx.emu.quotas_enabled and lim is not None and len(a.iam_certs) >= lim:
            raise AwsError("LimitExceeded", "Cannot exceed quota for ServerCertificatesPerAccount: %d"
                           % lim, 409)
        c = {"name": name, "path": path, "id": "ASCA" + rand_upper(17),
             "arn": "arn:aws:iam::%s:server-certificate%s%s" % (ctx.account, path, name),
             "uploaded": time.time(), "expiration": calib.not_after(cert).timestamp(),
             "body": calib.pem(cert), "chain": chain, "tags": _tags(p),
             "fp": calib.fingerprint(cert)}
        a.iam_certs[name] = c
        x = "<ServerCertificateMetadata>%s</ServerCertificateMetadata>" % _meta_xml(c)
        if c["tags"]:
            x += "<Tags>%s</Tags>" % "".join("<member><Key>%s</Key><Value>%s</Value></member>" % (
                xesc(t["Key"]), xesc(t["Value"])) for t in c["tags"])
        return x


def list_server_certificates(ctx, p):
    prefix = p.get("PathPrefix") or "/"
    mx = int(p.get("MaxItems") or 100)
    if not 1 <= mx <= 1000:
        raise AwsError("ValidationError", "1 validation error detected: Value '%d' at 'maxItems' failed "
                       "to satisfy constraint: Member must have value less than or equal to 1000" % mx)
    marker = p.get("Marker")
    with ctx.emu.lock:
        lst = sorted((c for c in ctx.emu.account(ctx.account).iam_certs.values()
                      if c["path"].startswith(prefix)), key=lambda c: c["name"].lower())
        start = 0
        if marker:
            try:
                start = int(base64.b64decode(marker).decode())
            except Exception:
                raise AwsError("ValidationError", "Invalid Marker.")
        page = lst[start:start + mx]
        trunc = start + mx < len(lst)
        x = "<IsTruncated>%s</IsTruncated><ServerCertificateMetadataList>%s</ServerCertificateMetadataList>" % (
            "true" if trunc else "false", "".join("<member>%s</member>" % _meta_xml(c) for c in page))
        if trunc:
            x += "<Marker>%s</Marker>" % base64.b64encode(str(start + mx).encode()).decode()
        return x


def get_server_certificate(ctx, p):
    name = _need(p, "ServerCertificateName")
    with ctx.emu.lock:
        c = ctx.emu.account(ctx.account).iam_certs.get(name)
        if c is None:
            raise AwsError("NoSuchEntity", "The Server Certificate with name %s cannot be found." % name, 404)
        x = "<ServerCertificate><ServerCertificateMetadata>%s</ServerCertificateMetadata>" % _meta_xml(c)
        x += "<CertificateBody>%s</CertificateBody>" % xesc(c["body"])
        if c["chain"]:
            x += "<CertificateChain>%s</CertificateChain>" % xesc(c["chain"])
        x += "<Tags>%s</Tags>" % "".join("<member><Key>%s</Key><Value>%s</Value></member>" % (
            xesc(t["Key"]), xesc(t["Value"])) for t in c["tags"])
        return x + "</ServerCertificate>"


def delete_server_certificate(ctx, p):
    name = _need(p, "ServerCertificateName")
    with ctx.emu.lock:
        a = ctx.emu.account(ctx.account)
        if name not in a.iam_certs:
            raise AwsError("NoSuchEntity", "The Server Certificate with name %s cannot be found." % name, 404)
        del a.iam_certs[name]
    return None


OPS = {
    "UploadServerCertificate": upload_server_certificate,
    "ListServerCertificates": list_server_certificates,
    "GetServerCertificate": get_server_certificate,
    "DeleteServerCertificate": delete_server_certificate,
}


def dump_cert(c):
    return {"name": c["name"], "path": c["path"], "id": c["id"], "arn": c["arn"],
            "expiration": iso8601_s(c["expiration"]), "fingerprint": c["fp"]}


def seed(emu, account, n, amz):
    """Admin seeding: n server certificates sharing one PEM (metadata unique)."""
    import datetime
    key = calib.gen_key("RSA_2048", reuse=True)
    now = calib.now()
    cert = calib.issue_leaf(amz.cert, amz.key, key.public_key(), "iam-seed.example.com",
                            ["iam-seed.example.com"], now - datetime.timedelta(days=1),
                            now + datetime.timedelta(days=365))
    body, fp, exp = calib.pem(cert), calib.fingerprint(cert), calib.not_after(cert).timestamp()
    a = emu.account(account)
    base = len(a.iam_certs)
    for i in range(n):
        name = "seed-%d" % (base + i)
        a.iam_certs[name] = {"name": name, "path": "/", "id": "ASCA" + rand_upper(17),
                             "arn": "arn:aws:iam::%s:server-certificate/%s" % (account, name),
                             "uploaded": time.time(), "expiration": exp, "body": body,
                             "chain": amz.chain_pem, "tags": [], "fp": fp}

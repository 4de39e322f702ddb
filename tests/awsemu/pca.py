"""ACM Private CA (ACMPrivateCA, JSON 1.1) for the AWS emulator.

Simplification: CreateCertificateAuthority makes the CA ACTIVE at once with a
self-signed certificate (ROOT or SUBORDINATE alike), instead of
PENDING_CERTIFICATE + CSR + ImportCertificateAuthorityCertificate."""
import base64
import json
import re
import time

import ca as calib
from common import AwsError, new_uuid

ARN_RE = re.compile(r"^arn:aws[a-z-]*:acm-pca:([a-z0-9-]+):(\d{12}):certificate-authority/([0-9a-zA-Z-]+)$")
REASONS = ["UNSPECIFIED", "KEY_COMPROMISE", "CERTIFICATE_AUTHORITY_COMPROMISE", "AFFILIATION_CHANGED",
           "SUPERSEDED", "CESSATION_OF_OPERATION", "PRIVILEGE_WITHDRAWN", "A_A_COMPROMISE"]
KEY_ALGS = ["RSA_2048", "RSA_4096", "EC_prime256v1", "EC_secp384r1"]
SIGNING = ["SHA256WITHECDSA", "SHA384WITHECDSA", "SHA512WITHECDSA", "SHA256WITHRSA", "SHA384WITHRSA",
           "SHA512WITHRSA"]


def create_ca(emu, account, region, subject, key_alg, ca_type, signing=None, tags=None):
    key = calib.gen_key(key_alg)
    cert = calib.make_root(subject, key)
    arn = "arn:aws:acm-pca:%s:%s:certificate-authority/%s" % (region, account, new_uuid())
    now = time.time()
    caobj = {"arn": arn, "account": account, "region": region, "key": key, "cert": cert,
             "cert_pem": calib.pem(cert), "chain_pem": calib.pem(cert), "key_alg": key_alg,
             "signing": signing or ("SHA256WITHRSA" if key_alg.startswith("RSA") else "SHA256WITHECDSA"),
             "subject": subject, "type": ca_type, "status": "ACTIVE", "created": now, "changed": now,
             "issued": {}, "tags": tags or [], "usage": "GENERAL_PURPOSE"}
    emu.account(account).region(region).cas[arn] = caobj
    return caobj


def get_ca_admin(emu, arn):
    m = ARN_RE.match(arn or "")
    if not m:
        return None
    a = emu.accounts.get(m.group(2))
    if not a or m.group(1) not in a.regions:
        return None
    return a.regions[m.group(1)].cas.get(arn)


def _find(ctx, arn):
    if not arn:
        raise AwsError("ValidationException", "1 validation error detected: Value null at "
                       "'certificateAuthorityArn' failed to satisfy constraint: Member must not be null")
    m = ARN_RE.match(arn)
    if not m:
        raise AwsError("InvalidArnException", "The ARN %s is not valid." % arn)
    c = None
    if m.group(1) == ctx.region and m.group(2) == ctx.account:
        c = get_ca_admin(ctx.emu, arn)
    if c is None:
        raise AwsError("ResourceNotFoundException", "Could not find certificate authority %s." % arn)
    return c


def _out(c):
    nb = calib.not_before(c["cert"]).timestamp()
    na = calib.not_after(c["cert"]).timestamp()
    return {"Arn": c["arn"], "OwnerAccount": c["account"], "CreatedAt": c["created"],
            "LastStateChangeAt": c["changed"], "Type": c["type"],
            "Serial": calib.serial_to_aws(c["cert"].serial_number), "Status": c["status"],
            "NotBefore": nb, "NotAfter": na,
            "CertificateAuthorityConfiguration": {"KeyAlgorithm": c["key_alg"],
                                                  "SigningAlgorithm": c["signing"],
                                                  "Subject": dict(c["subject"])},
            "RevocationConfiguration": {"CrlConfiguration": {"Enabled": False},
                                        "OcspConfiguration": {"Enabled": False}},
            "KeyStorageSecurityStandard": "FIPS_140_2_LEVEL_3_OR_HIGHER", "UsageMode": c["usage"]}


def create_certificate_authority(ctx, p):
    cfg = p.get("CertificateAuthorityConfiguration")
    if not isinstance(cfg, dict):
        raise AwsError("ValidationException", "1 validation error detected: Value null at "
                       "'certificateAuthorityConfiguration' failed to satisfy constraint: Member must not be null")
    ka = cfg.get("KeyAlgorithm")
    if ka not in KEY_ALGS:
        raise AwsError("InvalidArgsException", "KeyAlgorithm %s is not supported; use one of %s"
                       % (ka, ", ".join(KEY_ALGS)))
    sa = cfg.get("SigningAlgorithm")
    if sa not in SIGNING:
        raise AwsError("InvalidArgsException", "SigningAlgorithm %s is not supported" % sa)
    if ka.startswith("RSA") != sa.endswith("RSA"):
        raise AwsError("InvalidArgsException", "SigningAlgorithm %s does not match KeyAlgorithm %s" % (sa, ka))
    subj = cfg.get("Subject")
    if not isinstance(subj, dict) or not any(subj.values()):
        raise AwsError("InvalidArgsException", "The Subject must contain at least one attribute.")
    typ = p.get("CertificateAuthorityType")
    if typ not in ("ROOT", "SUBORDINATE"):
        raise AwsError("ValidationException", "1 validation error detected: Value '%s' at "
                       "'certificateAuthorityType' failed to satisfy constraint: Member must satisfy "
                       "enum value set: [ROOT, SUBORDINATE]" % typ)
    tok = p.get("IdempotencyToken")
    with ctx.emu.lock:
        rs = ctx.emu.account(ctx.account).region(ctx.region)
        if tok:
            hit = rs.ca_idem.get(tok)
            if hit and time.time() - hit[1] < 300 and hit[0] in rs.cas:
                return {"CertificateAuthorityArn": hit[0]}
        if len(rs.cas) >= 200:
            raise AwsError("LimitExceededException", "You have reached the limit of certificate "
                           "authorities for this account and region.")
        c = create_ca(ctx.emu, ctx.account, ctx.region, subj, ka, typ, sa, p.get("Tags"))
        if p.get("UsageMode"):
            c["usage"] = p["UsageMode"]
        if tok:
            rs.ca_idem[tok] = (c["arn"], time.time())
        return {"CertificateAuthorityArn": c["arn"]}


def list_certificate_authorities(ctx, p):
    mx = p.get("MaxResults") or 100
    if not isinstance(mx, int) or not 1 <= mx <= 1000:
        raise AwsError("ValidationException", "MaxResults must be between 1 and 1000")
    off = 0
    if p.get("NextToken"):
        try:
            off = int(json.loads(base64.b64decode(p["NextToken"]).decode())["o"])
        except Exception:
            raise AwsError("InvalidNextTokenException", "The token specified in the NextToken argument "
                           "is not valid.")
    with ctx.emu.lock:
        rs = ctx.emu.account(ctx.account).region(ctx.region)
        lst = list(rs.cas.values())
        out = {"CertificateAuthorities": [_out(c) for c in lst[off:off + mx]]}
    if off + mx < len(lst):
        out["NextToken"] = base64.b64encode(json.dumps({"o": off + mx}).encode()).decode()
    return out


def describe_certificate_authority(ctx, p):
    with ctx.emu.lock:
        return {"CertificateAuthority": _out(_find(ctx, p.get("CertificateAuthorityArn")))}


def get_certificate_authority_certificate(ctx, p):
    with ctx.emu.lock:
        c = _find(ctx, p.get("CertificateAuthorityArn"))
        if c["status"] not in ("ACTIVE", "DISABLED", "EXPIRED"):
            raise AwsError("InvalidStateException", "The certificate authority %s is in state %s."
                           % (c["arn"], c["status"]))
        # A root CA has no chain: only Certificate.
        return {"Certificate": c["cert_pem"]}


def revoke_certificate(ctx, p):
    import acm
    reason = p.get("RevocationReason")
    if reason not in REASONS:
        raise AwsError("ValidationException", "1 validation error detected: Value '%s' at "
                       "'revocationReason' failed to satisfy constraint: Member must satisfy enum value "
                       "set: [%s]" % (reason, ", ".join(REASONS)))
    raw = p.get("CertificateSerial")
    if not raw:
        raise AwsError("ValidationException", "1 validation error detected: Value null at "
                       "'certificateSerial' failed to satisfy constraint: Member must not be null")
    serial = calib.normalize_serial(raw)
    if serial is None:
        raise AwsError("InvalidRequestException", "The certificate serial %s is not a valid "
                       "hexadecimal serial number." % raw)
    with ctx.emu.lock:
        c = _find(ctx, p.get("CertificateAuthorityArn"))
        if c["status"] != "ACTIVE":
            raise AwsError("InvalidStateException", "The certificate authority %s is not ACTIVE." % c["arn"])
        rev = ctx.emu.revoked.setdefault(c["arn"], {})
        if serial in rev:
            raise AwsError("RequestAlreadyProcessedException", "The certificate with serial %s has "
                           "already been revoked." % raw)
        if serial not in c["issued"]:
            raise AwsError("ResourceNotFoundException", "Could not find a certificate with serial %s "
                           "issued by %s." % (raw, c["arn"]))
        rev[serial] = {"reason": reason, "at": time.time()}
        acm.mark_revoked(ctx.emu, c["arn"], serial, reason)
    return {}


OPS = {
    "CreateCertificateAuthority": create_certificate_authority,
    "ListCertificateAuthorities": list_certificate_authorities,
    "DescribeCertificateAuthority": describe_certificate_authority,
    "GetCertificateAuthorityCertificate": get_certificate_authority_certificate,
    "RevokeCertificate": revoke_certificate,
}


def dump_ca(c):
    return {"arn": c["arn"], "status": c["status"], "type": c["type"], "key_algorithm": c["key_alg"],
            "subject": c["subject"], "serial": calib.serial_to_aws(c["cert"].serial_number),
            "issued_count": len(c["issued"])}


def admin_create(emu, data):
    acct = str(data.get("account") or "")
    with emu.lock:
        if not acct:
            acct = next(iter(emu.keys.values()))["account"]
        reg = data.get("region") or "us-east-1"
        ka = data.get("key_algorithm") or "EC_prime256v1"
        if ka not in KEY_ALGS:
            return 400, {"error": "key_algorithm must be one of %s" % ", ".join(KEY_ALGS)}
        c = create_ca(emu, acct, reg, {"CommonName": data.get("common_name") or "Emulated Private CA"},
                      ka, data.get("type") or "ROOT")
        return 200, {"arn": c["arn"], "certificate": c["cert_pem"]}

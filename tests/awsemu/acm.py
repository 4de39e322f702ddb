"""ACM (CertificateManager, JSON 1.1) for the AWS emulator."""
import base64
import datetime
import json
import re
import secrets
import string
import time

import ca as calib
from common import AwsError, new_uuid, rand_hex, iso8601

# Documented request rates (requests per second); bucket capacity = rate.
RATES = {
    "AddTagsToCertificate": 10, "DeleteCertificate": 10, "DescribeCertificate": 10,
    "ExportCertificate": 5, "GetAccountConfiguration": 1, "GetCertificate": 10,
    "ImportCertificate": 1, "ListCertificates": 1, "ListTagsForCertificate": 10,
    "PutAccountConfiguration": 1, "RemoveTagsFromCertificate": 10, "RenewCertificate": 5,
    "RequestCertificate": 5, "ResendValidationEmail": 1, "UpdateCertificateOptions": 5,
}

ARN_RE = re.compile(r"^arn:aws[a-z-]*:acm:([a-z0-9-]+):(\d{12}):certificate/([0-9a-zA-Z-]+)$")
PCA_ARN_RE = re.compile(r"^arn:aws[a-z-]*:acm-pca:([a-z0-9-]+):(\d{12}):certificate-authority/([0-9a-zA-Z-]+)$")
DOMAIN_RE = re.compile(r"^(\*\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])\.?$")
PUBLIC_DAYS = 395
# Managed renewal starts 60 days before expiry, public and private alike
# (ACM User Guide: "Managed certificate renewal" -- "ACM begins the
# renewal process up to 60 days prior to the certificate's expiration
# date"; "Private certificate renewal": "When a managed certificate is 60
# days away from expiration, ACM automatically attempts to renew it").
RENEWAL_WINDOW_DAYS = 60
IDEM_SECONDS = 3600
DEFAULT_KEYTYPES = ("RSA_1024", "RSA_2048")
STATUSES = ("PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT",
            "REVOKED", "FAILED")
EKU = [{"Name": "TLS_WEB_SERVER_AUTHENTICATION", "OID": "1.3.6.1.5.5.7.3.1"},
       {"Name": "TLS_WEB_CLIENT_AUTHENTICATION", "OID": "1.3.6.1.5.5.7.3.2"}]

AMZ = None       # calib.AmazonCA
_SEED_POOL = {}  # (kind, key_alg, ca-id) -> (cert, key, chain_pem)


def init(emu):
    global AMZ
    if AMZ is None:
        AMZ = calib.AmazonCA()
        # The RSA chain is made on first use; make it now, off the lock.
        import threading
        threading.Thread(target=AMZ.for_key, args=("RSA_2048",), daemon=True).start()


# ------------------------------------------------------------------ helpers

def _req(params, name):
    v = params.get(name)
    if v is None or v == "":
        raise AwsError("ValidationException", "1 validation error detected: Value null at '%s' "
                       "failed to satisfy constraint: Member must not be null" % (name[0].lower() + name[1:]))
    return v


def _region_state(ctx):
    return ctx.emu.account(ctx.account).region(ctx.region)


def find_cert(ctx, arn, for_param="certificateArn"):
    if not isinstance(arn, str) or not arn:
        raise AwsError("ValidationException", "1 validation error detected: Value null at '%s' "
                       "failed to satisfy constraint: Member must not be null" % for_param)
    m = ARN_RE.match(arn)
    if not m:
        raise AwsError("InvalidArnException", "String '%s' is not a valid ARN." % arn)
    c = None
    if m.group(1) == ctx.region and m.group(2) == ctx.account:
        c = _region_state(ctx).certs.get(arn)
    if c is None:
        raise AwsError("ResourceNotFoundException", "Could not find certificate %s." % arn)
    return c


def find_cert_admin(emu, arn):
    m = ARN_RE.match(arn or "")
    if not m:
        return None
    a = emu.accounts.get(m.group(2))
    if not a or m.group(1) not in a.regions:
        return None
    return a.regions[m.group(1)].certs.get(arn)


def _ts(dt):
    return dt.timestamp()


def _base(d):
    return d[2:] if d.startswith("*.") else d


def _new_record(domain):
    return {"Name": "_%s.%s." % (rand_hex(32), _base(domain).lower().rstrip(".")),
            "Type": "CNAME",
            "Value": "_%s.%s.acm-validations.aws." % (
                rand_hex(32), "".join(secrets.choice(string.ascii_lowercase + string.digits)
                                      for _ in range(10)))}


def _make_dvos(domains, method, dvo_opts):
    dvos = []
    records = {}
    vdom = {}
    for o in dvo_opts or []:
        vdom[o.get("DomainName", "").lower()] = o.get("ValidationDomain")
    for d in domains:
        dv = {"domain": d, "validation_domain": vdom.get(d.lower()) or _base(d),
              "status": "PENDING_VALIDATION", "method": method}
        if method == "DNS":
            b = _base(d).lower()
            if b not in records:
                records[b] = _new_record(d)
            dv["record"] = records[b]
        dvos.append(dv)
    return dvos


def _validate_domain(d, what="domainName"):
    if not isinstance(d, str) or not (1 <= len(d) <= 253) or not DOMAIN_RE.match(d) or "*" in d[1:]:
        raise AwsError("ValidationException", "1 validation error detected: Value '%s' at '%s' failed to "
                       "satisfy constraint: Member must satisfy regular expression pattern: "
                       "^(\\*\\.)?(((?!-)[A-Za-z0-9-]{0,62}[A-Za-z0-9])\\.)+((?!-)[A-Za-z0-9-]{1,62}[A-Za-z0-9])$"
                       % (d, what))


def _check_tags(tags):
    if tags is None:
        return []
    if not isinstance(tags, list):
        raise AwsError("ValidationException", "Tags must be a list")
    out = []
    for t in tags:
        k = t.get("Key") if isinstance(t, dict) else None
        if not isinstance(k, str) or not (1 <= len(k) <= 128):
            raise AwsError("InvalidTagException", "Tag key must be 1-128 characters")
        if k.lower().startswith("aws:"):
            raise AwsError("InvalidTagException", "Tags beginning with aws: are reserved for AWS use.")
        v = t.get("Value")
        if v is not None and (not isinstance(v, str) or len(v) > 256):
            raise AwsError("InvalidTagException", "Tag value must be at most 256 characters")
        out.append({"Key": k, "Value": v} if v is not None else {"Key": k})
    return out


def _merge_tags(c, tags):
    by = {t["Key"]: t for t in c["tags"]}
    for t in tags:
        by[t["Key"]] = t
    if len(by) > 50:
        raise AwsError("TooManyTagsException", "the TagSet: 50 is the limit of number of tags "
                       "allowed for the resource %s" % c["arn"])
    c["tags"] = list(by.values())


def _count_certs(rs):
    return len(rs.certs)


def _check_limit(ctx, rs):
    lim = ctx.emu.cert_limit
    if lim is not None and _count_certs(rs) >= lim:
        raise AwsError("LimitExceededException", "Error: you have reached your limit of %d "
                       "certificates in the last year." % lim)


def new_cert(account, region, domain, sans, ctype, key_alg):
    arn = "arn:aws:acm:%s:%s:certificate/%s" % (region, account, new_uuid())
    return {"arn": arn, "account": account, "region": region, "domain": domain,
            "sans": sans, "type": ctype, "status": "PENDING_VALIDATION", "key_alg": key_alg,
            "method": None, "dvos": [], "created": time.time(), "issued": None, "imported": None,
            "not_before": None, "not_after": None, "serial": None, "cert": None, "cert_pem": None,
            "chain_pem": None, "key": None, "ca_arn": None, "in_use_by": [], "tags": [],
            "revoked_at": None, "revocation_reason": None, "exported": False,
            "failure_reason": None, "renewal": None, "resends": 0, "fp": None,
            "exported_since": False, "dvo_ready": 0, "ku": None,
            "subject": None, "issuer": None, "sig_alg": None, "options": {
                "CertificateTransparencyLoggingPreference": "ENABLED", "Export": "DISABLED"}}


def _cert_fields(cert):
    """What a certificate record shows of its certificate."""
    return {"cert_pem": calib.pem(cert), "serial": cert.serial_number,
            "not_before": _ts(calib.not_before(cert)), "not_after": _ts(calib.not_after(cert)),
            "fp": calib.fingerprint(cert), "subject": calib.subject_str(cert.subject),
            "ku": calib.key_usages(cert),
            "issuer": calib.subject_str(cert.issuer), "sig_alg": calib.signature_algorithm(cert),
            "key_alg": calib.cert_key_info(cert)[0]}


def _set_from_cert(c, cert, chain_pem, key=None, fields=None):
    f = fields or _cert_fields(cert)
    c["cert"] = cert
    c["chain_pem"] = chain_pem
    if key is not None:
        c["key"] = key
    for k in ("cert_pem", "serial", "not_before", "not_after", "fp", "subject", "issuer", "sig_alg", "ku"):
        c[k] = f[k]
    c["key_alg"] = f["key_alg"] or c["key_alg"]


def issue(emu, c, key=None, nb=None, na=None, serial=None):
    """(Re)issue c's certificate with the Amazon CA or its private CA."""
    import pca
    if key is None:
        key = calib.gen_key(c["key_alg"])
    n = calib.now()
    nb = nb or n - datetime.timedelta(minutes=1)
    na = na or nb + datetime.timedelta(days=PUBLIC_DAYS)
    if c["type"] == "PRIVATE":
        caobj = pca.get_ca_admin(emu, c["ca_arn"])
        if caobj is None:
            raise AwsError("ResourceNotFoundException", "Could not find CA %s" % c["ca_arn"])
        cert = calib.issue_leaf(caobj["cert"], caobj["key"], key.public_key(), c["domain"], c["sans"],
                                nb, na, serial)
        _set_from_cert(c, cert, caobj["chain_pem"], key)
        caobj["issued"][cert.serial_number] = c["arn"]
    else:
        icert, ikey, ichain = AMZ.for_key(c["key_alg"])
        cert = calib.issue_leaf(icert, ikey, key.public_key(), c["domain"], c["sans"], nb, na, serial)
        _set_from_cert(c, cert, ichain, key)
        c["issuer"] = "Amazon"
    c["status"] = "ISSUED"
    c["issued"] = time.time()
    for dv in c["dvos"]:
        if c["type"] == "AMAZON_ISSUED":
            dv["status"] = "SUCCESS"


# ------------------------------------------------------------------ shapes

def _dvos_visible(c):
    """DomainValidationOptions as DescribeCertificate shows them now.

    The ACM API reference (RequestCertificate, DescribeCertificate): "there
    is a delay of several seconds before you can retrieve information about
    the new certificate".  What clients see meanwhile (reports against the
    real service): first an empty DomainValidationOptions array
    (aws/aws-cdk#3528), then entries with DomainName and ValidationMethod
    only -- no ValidationDomain, ValidationStatus, ResourceRecord or
    ValidationEmails (aws/aws-sdk-js#2133, aws/aws-cdk#8282).  dvo_ready is
    the time the full entries appear (--dvo-delay after the request); the
    first half of the delay gives [], the second half the bare entries."""
    left = c["dvo_ready"] - time.time()
    if left <= 0 or c["type"] != "AMAZON_ISSUED":
        return [_dvo_out(c, dv) for dv in c["dvos"]]
    if left > c.get("dvo_delay", 0) / 2.0:
        return []
    return [{"DomainName": dv["domain"], "ValidationMethod": dv["method"]} for dv in c["dvos"]]


def _dvo_out(c, dv):
    o = {"DomainName": dv["domain"], "ValidationDomain": dv["validation_domain"]}
    if c["type"] == "PRIVATE":
        return o
    o["ValidationStatus"] = dv["status"]
    o["ValidationMethod"] = dv["method"]
    if dv["method"] == "DNS":
        o["ResourceRecord"] = dict(dv["record"])
    else:
        vd = dv["validation_domain"]
        o["ValidationEmails"] = ["%s@%s" % (u, vd) for u in
                                 ("admin", "administrator", "hostmaster", "postmaster", "webmaster")]
    return o


def renewal_eligibility(c):
    """ACM User Guide, "Managed certificate renewal": ELIGIBLE if associated
    with another AWS service, or exported since being issued or last
    renewed (public and private alike); NOT ELIGIBLE if imported or already
    expired.  AWS re:Post "acm-certificate-ineligible": a certificate not
    associated with another AWS service is ineligible."""
    if c["status"] != "ISSUED" or c["type"] == "IMPORTED":
        return "INELIGIBLE"
    if c["in_use_by"] or c["exported_since"]:
        return "ELIGIBLE"
    return "INELIGIBLE"


def _key_usages(c):
    """(KeyUsages names, [(ExtendedKeyUsage name, OID)]) from the certificate itself."""
    if not c.get("ku"):
        return [], []
    return c["ku"]


# A certificate not yet issued already shows the signature algorithm it
# will be signed with (DescribeCertificate of a PENDING_VALIDATION RSA-2048
# certificate in aws/aws-sdk-js#2133: SignatureAlgorithm SHA256WITHRSA,
# KeyUsages [], ExtendedKeyUsages []).
_PLANNED_SIG = {"RSA_2048": "SHA256WITHRSA", "EC_prime256v1": "SHA256WITHECDSA",
                "EC_secp384r1": "SHA384WITHECDSA"}


def detail(c):
    d = {"CertificateArn": c["arn"], "DomainName": c["domain"],
         "SubjectAlternativeNames": list(c["sans"]), "Status": c["status"], "Type": c["type"],
         "KeyAlgorithm": calib.DESCRIBE_KEY_ALG.get(c["key_alg"], c["key_alg"]),
         "InUseBy": list(c["in_use_by"]), "CreatedAt": c["created"],
         "RenewalEligibility": renewal_eligibility(c), "Options": dict(c["options"])}
    if c["type"] != "IMPORTED":
        d["DomainValidationOptions"] = _dvos_visible(c)
    ku, eku = _key_usages(c)
    d["KeyUsages"] = [{"Name": k} for k in ku]
    d["ExtendedKeyUsages"] = [{"Name": n, "OID": o} if o else {"Name": n} for n, o in eku]
    if c["cert_pem"]:
        d["Serial"] = calib.serial_to_aws(c["serial"])
        d["Subject"] = c["subject"]
        d["Issuer"] = c["issuer"]
        d["NotBefore"] = c["not_before"]
        d["NotAfter"] = c["not_after"]
        d["SignatureAlgorithm"] = c["sig_alg"]
    elif c["type"] == "AMAZON_ISSUED" and c["key_alg"] in _PLANNED_SIG:
        d["SignatureAlgorithm"] = _PLANNED_SIG[c["key_alg"]]
    # IssuedAt "exists only when the certificate type is AMAZON_ISSUED",
    # ImportedAt "only when the certificate type is IMPORTED" (CertificateDetail
    # and CertificateSummary in the ACM API reference / botocore's acm model).
    if c["issued"] and c["type"] == "AMAZON_ISSUED":
        d["IssuedAt"] = c["issued"]
    if c["imported"]:
        d["ImportedAt"] = c["imported"]
    if c["revoked_at"]:
        d["RevokedAt"] = c["revoked_at"]
        d["RevocationReason"] = c["revocation_reason"]
    if c["failure_reason"]:
        d["FailureReason"] = c["failure_reason"]
    if c["ca_arn"]:
        d["CertificateAuthorityArn"] = c["ca_arn"]
    if c["renewal"]:
        d["RenewalSummary"] = dict(c["renewal"])
    return d


def summary(c):
    """A CertificateSummary, as ListCertificates gives it.

    KeyAlgorithm is spelled with a dash ("RSA-2048", "EC-prime256v1") as in
    DescribeCertificate, although botocore's enum has underscores: the ACM
    User Guide's list-certificates example shows "KeyAlgorithm": "RSA-2048"
    for an imported certificate.  Exported "exists only when the certificate
    type is PRIVATE"; IssuedAt only for AMAZON_ISSUED; ImportedAt only for
    IMPORTED; RevokedAt only when REVOKED (CertificateSummary in the API
    reference).  InUse is a boolean.

    ExportOption (ENABLED | DISABLED, "Indicates if export is enabled for
    the certificate"; current API reference, not in botocore 1.29) is the
    certificate's Options.Export: ENABLED only for a public certificate
    requested with Options {Export: ENABLED}.  The reference's
    SearchCertificates example shows it DISABLED for an IMPORTED one; that
    a PRIVATE certificate shows DISABLED too (it is exportable, but was not
    requested with the option, which ACM refuses for PRIVATE ones) is not
    confirmed.  Exported stays PRIVATE-only, as the reference still says
    ("This value exists only when the certificate type is PRIVATE")."""
    ku, eku = _key_usages(c)
    s = {"CertificateArn": c["arn"], "DomainName": c["domain"],
         "SubjectAlternativeNameSummaries": list(c["sans"][:100]),
         "HasAdditionalSubjectAlternativeNames": len(c["sans"]) > 100,
         "Status": c["status"], "Type": c["type"],
         "KeyAlgorithm": calib.DESCRIBE_KEY_ALG.get(c["key_alg"], c["key_alg"]),
         "KeyUsages": list(ku), "ExtendedKeyUsages": [n for n, _ in eku],
         "InUse": bool(c["in_use_by"]),
         "RenewalEligibility": renewal_eligibility(c), "CreatedAt": c["created"]}
    if c["type"] == "PRIVATE":
        s["Exported"] = bool(c["exported"])
    s["ExportOption"] = c["options"].get("Export", "DISABLED")
    if c["cert_pem"]:
        s["NotBefore"] = c["not_before"]
        s["NotAfter"] = c["not_after"]
    if c["issued"] and c["type"] == "AMAZON_ISSUED":
        s["IssuedAt"] = c["issued"]
    if c["imported"]:
        s["ImportedAt"] = c["imported"]
    if c["revoked_at"]:
        s["RevokedAt"] = c["revoked_at"]
    return s


# ------------------------------------------------------------------ operations

def _check_options(opts, ca_arn):
    """RequestCertificate's Options (CertificateOptions, current ACM API
    reference): CertificateTransparencyLoggingPreference and Export, each
    ENABLED | DISABLED ("You cannot update the value of Export after the
    certificate is created").  Export makes a public certificate
    exportable (ACM User Guide, "AWS Certificate Manager exportable public
    certificates": DNS or email validation alike).  ACM refuses Options
    it does not support for a PRIVATE certificate: ValidationException
    "One or more of the options specified in the request are not
    supported for PRIVATE certificate types" (the real service's answer
    to a private request carrying Export, quoted in
    cloudposse/terraform-aws-acm-request-certificate#95)."""
    if opts is None:
        return {}
    if not isinstance(opts, dict):
        raise AwsError("SerializationException", "Start of structure or map found where not expected.")
    out = {}
    for k, member in (("CertificateTransparencyLoggingPreference", "certificateTransparencyLoggingPreference"),
                      ("Export", "export")):
        v = opts.get(k)
        if v is None:
            continue
        if v not in ("ENABLED", "DISABLED"):
            raise AwsError("ValidationException", "1 validation error detected: Value '%s' at "
                           "'options.%s' failed to satisfy constraint: Member must satisfy enum value "
                           "set: [ENABLED, DISABLED]" % (v, member))
        out[k] = v
    if ca_arn and "Export" in out:
        raise AwsError("ValidationException", "One or more of the options specified in the request are "
                       "not supported for PRIVATE certificate types")
    return out


def exportable(c):
    """ExportCertificate works for PRIVATE certificates and for public ones
    requested with Options.Export ENABLED (ExportCertificate, current API
    reference: "Exports a private certificate issued by a private
    certificate authority (CA) or public certificate for use anywhere")."""
    return c["type"] == "PRIVATE" or (c["type"] == "AMAZON_ISSUED"
                                      and c["options"].get("Export") == "ENABLED")


def request_certificate(ctx, p):
    domain = _req(p, "DomainName")
    _validate_domain(domain)
    # The API reference: "In compliance with RFC 5280, the length of the
    # domain name (technically, the Common Name) that you provide cannot
    # exceed 64 octets (characters), including periods."  The exception and
    # its text are not documented: chosen, not confirmed.
    if len(domain) > 64:
        raise AwsError("ValidationException", "The DomainName '%s' is %d characters; the "
                       "first domain name (the Common Name) cannot exceed 64 octets. Put a "
                       "longer name in SubjectAlternativeNames." % (domain, len(domain)))
    sans = p.get("SubjectAlternativeNames") or []
    if not isinstance(sans, list):
        raise AwsError("ValidationException", "SubjectAlternativeNames must be a list")
    for s in sans:
        _validate_domain(s, "subjectAlternativeNames")
    if len(sans) > 100:
        raise AwsError("ValidationException", "1 validation error detected: Value at "
                       "'subjectAlternativeNames' failed to satisfy constraint: Member must have length "
                       "less than or equal to 100")
    names = [domain] + [s for s in sans if s.lower() != domain.lower()]
    seen, alln = set(), []
    for n in names:
        if n.lower() not in seen:
            seen.add(n.lower())
            alln.append(n)
    if len(alln) > 10:
        raise AwsError("LimitExceededException", "Cannot request a certificate with more than 10 "
                       "domain names; request a quota increase.")
    key_alg = p.get("KeyAlgorithm") or "RSA_2048"
    if key_alg not in ("RSA_2048", "EC_prime256v1", "EC_secp384r1", "RSA_3072", "RSA_4096",
                       "EC_secp521r1", "RSA_1024"):
        raise AwsError("ValidationException", "1 validation error detected: Value '%s' at 'keyAlgorithm' "
                       "failed to satisfy constraint: Member must satisfy enum value set: "
                       "[RSA_2048, EC_prime256v1, EC_secp384r1]" % key_alg)
    if key_alg not in ("RSA_2048", "EC_prime256v1", "EC_secp384r1"):
        raise AwsError("InvalidParameterException", "KeyAlgorithm %s is not supported for "
                       "requested certificates." % key_alg)
    ca_arn = p.get("CertificateAuthorityArn")
    method = p.get("ValidationMethod")
    if method not in (None, "DNS", "EMAIL"):
        raise AwsError("ValidationException", "1 validation error detected: Value '%s' at "
                       "'validationMethod' failed to satisfy constraint: Member must satisfy enum value "
                       "set: [EMAIL, DNS, HTTP]" % method)
    if ca_arn is not None and not PCA_ARN_RE.match(ca_arn):
        raise AwsError("InvalidArnException", "String '%s' is not a valid ARN." % ca_arn)
    dvo_opts = p.get("DomainValidationOptions") or []
    for o in dvo_opts:
        dn, vd = o.get("DomainName", ""), o.get("ValidationDomain", "")
        if dn.lower() not in seen:
            raise AwsError("InvalidDomainValidationOptionsException",
                           "DomainValidationOptions domain %s is not one of the requested domains" % dn)
        b = _base(dn).lower()
        if not (b == vd.lower() or b.endswith("." + vd.lower())):
            raise AwsError("InvalidDomainValidationOptionsException",
                           "ValidationDomain %s is not a superdomain of %s" % (vd, dn))
    options = _check_options(p.get("Options"), ca_arn)
    tags = _check_tags(p.get("Tags"))
    if len(tags) > 50:
        raise AwsError("TooManyTagsException", "the TagSet: 50 is the limit of number of tags allowed")
    token = p.get("IdempotencyToken")
    if token is not None and not re.match(r"^\w+$", token or "") or (token and len(token) > 32):
        raise AwsError("ValidationException", "1 validation error detected: Value '%s' at "
                       "'idempotencyToken' failed to satisfy constraint: Member must satisfy regular "
                       "expression pattern: \\w+" % token)
    argsig = json.dumps([domain, sorted(s.lower() for s in alln), method, key_alg, ca_arn,
                         dvo_opts, options], sort_keys=True)
    emu = ctx.emu
    with emu.lock:
        rs = _region_state(ctx)
        if token:
            hit = rs.idem.get(token)
            if hit and hit[1] == argsig and time.time() - hit[2] < IDEM_SECONDS and hit[0] in rs.certs:
                return {"CertificateArn": hit[0]}
        _check_limit(ctx, rs)
        c = new_cert(ctx.account, ctx.region, domain, alln,
                     "PRIVATE" if ca_arn else "AMAZON_ISSUED", key_alg)
        c["tags"] = tags
        c["options"].update(options)
        if ca_arn:
            import pca
            c["ca_arn"] = ca_arn
            c["dvos"] = _make_dvos(alln, None, dvo_opts)
            caobj = pca.get_ca_admin(emu, ca_arn)
            if caobj is None:
                c["status"] = "FAILED"
                c["failure_reason"] = "PCA_RESOURCE_NOT_FOUND"
            elif caobj["status"] != "ACTIVE":
                c["status"] = "FAILED"
                c["failure_reason"] = "PCA_INVALID_STATE"
            else:
                issue(emu, c)
        else:
            c["method"] = method or "EMAIL"
            c["dvos"] = _make_dvos(alln, c["method"], dvo_opts)
            c["dvo_delay"] = emu.dvo_delay
            c["dvo_ready"] = c["created"] + emu.dvo_delay
        rs.certs[c["arn"]] = c
        if token:
            rs.idem[token] = (c["arn"], argsig, time.time())
        return {"CertificateArn": c["arn"]}


def describe_certificate(ctx, p):
    with ctx.emu.lock:
        c = find_cert(ctx, p.get("CertificateArn"))
        return {"Certificate": detail(c)}


def _decode_token(tok):
    try:
        d = json.loads(base64.b64decode(tok.encode()).decode())
        return int(d["o"])
    except Exception:
        raise AwsError("InvalidArgsException", "Invalid NextToken: %s" % tok)


def list_certificates(ctx, p):
    statuses = p.get("CertificateStatuses") or []
    for s in statuses:
        if s not in STATUSES:
            raise AwsError("ValidationException", "1 validation error detected: Value '[%s]' at "
                           "'certificateStatuses' failed to satisfy constraint: Member must satisfy "
                           "constraint: [Member must satisfy enum value set: [%s]]" % (s, ", ".join(STATUSES)))
    inc = p.get("Includes") or {}
    keytypes = inc.get("keyTypes") or list(DEFAULT_KEYTYPES)
    for k in keytypes:
        if k not in calib.KEY_ALGS:
            raise AwsError("ValidationException", "1 validation error detected: Value '[%s]' at "
                           "'includes.keyTypes' failed to satisfy constraint" % k)
    maxitems = p.get("MaxItems")
    if maxitems is None:
        maxitems = 1000
    if not isinstance(maxitems, int) or not 1 <= maxitems <= 1000:
        raise AwsError("ValidationException", "1 validation error detected: Value '%s' at 'maxItems' "
                       "failed to satisfy constraint: Member must have value less than or equal to 1000"
                       % maxitems)
    off = _decode_token(p["NextToken"]) if p.get("NextToken") else 0
    sset = set(statuses)
    kset = set(keytypes)
    eku = set(inc.get("extendedKeyUsage") or [])
    kus = set(inc.get("keyUsage") or [])
    # Filters.exportOption (current API reference, not in botocore 1.29):
    # "Specify ENABLED or DISABLED to identify certificates that can be
    # exported."
    xopt = inc.get("exportOption")
    if xopt is not None and xopt not in ("ENABLED", "DISABLED"):
        raise AwsError("ValidationException", "1 validation error detected: Value '%s' at "
                       "'includes.exportOption' failed to satisfy constraint: Member must satisfy enum "
                       "value set: [ENABLED, DISABLED]" % xopt)

    def uses_ok(c):
        if not eku and not kus:
            return True
        k, e = _key_usages(c)
        return ((not eku or "ANY" in eku or bool(eku & {n for n, _ in e}))
                and (not kus or "ANY" in kus or bool(kus & set(k))))
    with ctx.emu.lock:
        rs = _region_state(ctx)
        sel = [c for c in rs.certs.values()
               if (not sset or c["status"] in sset) and c["key_alg"] in kset and uses_ok(c)
               and (xopt is None or c["options"].get("Export", "DISABLED") == xopt)]
        if p.get("SortBy") is not None:
            if p["SortBy"] != "CREATED_AT" or p.get("SortOrder", "ASCENDING") not in ("ASCENDING", "DESCENDING"):
                raise AwsError("ValidationException", "SortBy must be CREATED_AT and SortOrder "
                               "ASCENDING or DESCENDING")
            sel.sort(key=lambda c: c["created"], reverse=p.get("SortOrder") == "DESCENDING")
        page = sel[off:off + maxitems]
        out = {"CertificateSummaryList": [summary(c) for c in page]}
    if off + maxitems < len(sel):
        out["NextToken"] = base64.b64encode(json.dumps({"o": off + maxitems}).encode()).decode()
    return out


def get_certificate(ctx, p):
    with ctx.emu.lock:
        c = find_cert(ctx, p.get("CertificateArn"))
        if not c["cert_pem"]:
            raise AwsError("RequestInProgressException", "Certificate %s is in status %s; it is not "
                           "yet issued." % (c["arn"], c["status"]) if c["status"] != "PENDING_VALIDATION"
                           else "Certificate %s is not yet issued." % c["arn"])
        out = {"Certificate": c["cert_pem"]}
        if c["chain_pem"]:
            out["CertificateChain"] = c["chain_pem"]
        return out


def _b64(p, name, required=True):
    v = p.get(name)
    if v is None or v == "":
        if required:
            _req(p, name)
        return None
    try:
        return base64.b64decode(v, validate=True)
    except Exception:
        raise AwsError("SerializationException", "Could not decode base64 blob for %s" % name)


# Import material that passed every check, by the exact text sent: one PEM
# imported into many regions is parsed and checked once (~0.5 ms of CPU
# each time otherwise, under the GIL).  Whether it is valid now is checked
# on every import.  Failures are not kept.
_IMPORTS = {}
_IMPORTS_MAX = 1024


def _parse_import(p):
    """(cert, key, chain PEM, KeyAlgorithm, the record's certificate fields)."""
    k = (p.get("Certificate"), p.get("PrivateKey"), p.get("CertificateChain"))
    if not all(v is None or isinstance(v, str) for v in k):
        return _check_import(p)
    hit = _IMPORTS.get(k)
    if hit is None:
        hit = _check_import(p)
        if len(_IMPORTS) >= _IMPORTS_MAX:
            _IMPORTS.clear()
        _IMPORTS[k] = hit
    else:
        _check_validity(hit[0])
    return hit


def _check_validity(cert):
    n = calib.now()
    if calib.not_before(cert) > n:
        raise AwsError("ValidationException", "The certificate is not yet valid.")
    if calib.not_after(cert) < n:
        raise AwsError("ValidationException", "The certificate has expired.")


def _check_import(p):
    cert_b = _b64(p, "Certificate")
    key_b = _b64(p, "PrivateKey")
    chain_b = _b64(p, "CertificateChain", required=False)
    if len(cert_b) > 32768:
        raise AwsError("ValidationException", "1 validation error detected: Value at 'certificate' "
                       "failed to satisfy constraint: Member must have length less than or equal to 32768")
    try:
        certs = calib.load_certs(cert_b)
    except Exception:
        certs = []
    if not certs:
        raise AwsError("ValidationException", "Unable to parse certificate. Please ensure the "
                       "certificate is in PEM format.")
    if len(certs) > 1:
        raise AwsError("ValidationException", "The certificate field contains more than one certificate. "
                       "You can specify only one certificate in this field.")
    cert = certs[0]
    if len(key_b) > 5120:
        raise AwsError("ValidationException", "The private key must be no larger than 5 KB (5,120 bytes).")
    if b"ENCRYPTED" in key_b:
        raise AwsError("ValidationException", "The private key is encrypted. Unencrypted private keys "
                       "are required.")
    try:
        key, key_alg, key_pub = calib.key_info(key_b)
    except Exception:
        raise AwsError("ValidationException", "Unable to parse key; the key may not be in PEM format "
                       "or may be corrupted.")
    alg, cert_pub = calib.cert_key_info(cert)
    if alg is None or key_alg is None:
        raise AwsError("ValidationException", "The certificate's key algorithm or size is not "
                       "supported.")
    if key_pub != cert_pub:
        raise AwsError("ValidationException", "The private key does not match the public key in "
                       "the certificate.")
    _check_validity(cert)
    chain = []
    if chain_b:
        try:
            chain = calib.load_certs(chain_b)
        except Exception:
            chain = []
        if not chain:
            raise AwsError("ValidationException", "Unable to parse certificate chain. Please ensure the "
                           "chain is in PEM format.")
    self_signed = cert.issuer == cert.subject and calib.verify_signed_by(cert, cert)
    if not self_signed:
        if not chain:
            raise AwsError("ValidationException", "Could not validate the certificate with the "
                           "certificate chain.")
        if not any(x.subject == cert.issuer and calib.verify_signed_by(cert, x) for x in chain):
            raise AwsError("ValidationException", "Could not validate the certificate with the "
                           "certificate chain.")
    chain_pem = "".join(calib.pem(x) for x in chain) if chain else None
    fields = _cert_fields(cert)
    fields["names"] = calib.cert_names(cert)
    return cert, key, chain_pem, alg, fields


def import_certificate(ctx, p):
    arn = p.get("CertificateArn")
    if arn is not None and not ARN_RE.match(arn):
        raise AwsError("InvalidArnException", "String '%s' is not a valid ARN." % arn)
    tags = _check_tags(p.get("Tags"))
    cert, key, chain_pem, alg, fields = _parse_import(p)
    emu = ctx.emu
    with emu.lock:
        rs = _region_state(ctx)
        if arn:
            c = find_cert(ctx, arn)
            if p.get("Tags"):
                raise AwsError("ValidationException", "Tags cannot be specified when re-importing a "
                               "certificate.")
            if c["type"] != "IMPORTED":
                raise AwsError("ValidationException", "Certificate %s was not imported; only an "
                               "imported certificate can be re-imported." % arn)
            if c["key_alg"] != alg:
                raise AwsError("ValidationException", "The certificate key algorithm (%s) differs from "
                               "the key algorithm of the certificate being re-imported (%s)."
                               % (alg, c["key_alg"]))
        else:
            _check_limit(ctx, rs)
            if len(tags) > 50:
                raise AwsError("TooManyTagsException", "the TagSet: 50 is the limit of number of tags")
            c = new_cert(ctx.account, ctx.region, "", [], "IMPORTED", alg)
            c["tags"] = tags
            rs.certs[c["arn"]] = c
        _set_from_cert(c, cert, chain_pem, key, fields)
        c["domain"], c["sans"] = fields["names"][0], list(fields["names"][1])
        c["status"] = "EXPIRED" if c["not_after"] < time.time() else "ISSUED"
        c["imported"] = time.time()
        c["revoked_at"] = None
        c["revocation_reason"] = None
        return {"CertificateArn": c["arn"]}


def export_certificate(ctx, p):
    pw = _b64(p, "Passphrase")
    if not pw or len(pw) < 4:
        raise AwsError("ValidationException", "1 validation error detected: Value at 'passphrase' "
                       "failed to satisfy constraint: Member must have length greater than or equal to 4")
    with ctx.emu.lock:
        c = find_cert(ctx, p.get("CertificateArn"))
        if not exportable(c):
            # ValidationException "Certificate ARN: ... is not a private
            # certificate" is the answer recorded before exportable public
            # certificates (moto follows it); no public record shows AWS
            # changed the text for a public certificate without the Export
            # option, so it stays.
            raise AwsError("ValidationException", "Certificate ARN: %s is not a private certificate"
                           % c["arn"])
        if not c["cert_pem"] or c["key"] is None:
            raise AwsError("RequestInProgressException", "Certificate %s is not yet issued." % c["arn"])
        c["exported"] = True
        c["exported_since"] = True
        # What AWS charges for (the emulator's own count, in /_emu/state).
        c["export_count"] = c.get("export_count", 0) + 1
        key, cert_pem, chain = c["key"], c["cert_pem"], c["chain_pem"]
    return {"Certificate": cert_pem, "CertificateChain": chain or "",
            "PrivateKey": calib.encrypted_key_pem(key, pw)}


def renew_certificate(ctx, p):
    """RenewCertificate.  Current API reference: "Renews an eligible ACM
    certificate"; ACM User Guide, "Force certificate renewal": "You can
    renew your ACM public and private certificates ... You can only renew
    certificates that have been previously exported" (botocore 1.29 still
    says "only exported private certificates").  So: a PRIVATE
    certificate, or a public one requested with Options.Export ENABLED,
    exported since it was issued or last renewed.  Anything else gets
    AWS's ValidationException "Certificate ARN <arn> has not been exported
    so it is not eligible for the Renew Certificate API." (quoted from the
    real service in crossplane-contrib/provider-aws#908).  The current
    reference adds RequestInProgressException: a certificate not issued
    yet, or whose renewal is still under way.

    A public certificate is validated again, as in managed renewal: with
    DNS validation it is renewed once its CNAME records are in a Route 53
    zone of the account (RenewalStatus PENDING_VALIDATION until then);
    with EMAIL validation it waits for /_emu/approve-email.  renewal_delay
    (/_emu/config) > 0: PENDING_AUTO_RENEWAL first, the old certificate
    served meanwhile (Infisical/infisical#6069 polls DescribeCertificate
    until the Serial changes after RenewCertificate of an exportable
    public certificate)."""
    emu = ctx.emu
    with emu.lock:
        c = find_cert(ctx, p.get("CertificateArn"))
        if c["status"] == "PENDING_VALIDATION" or c.get("renew_due") or c.get("renew_validating"):
            raise AwsError("RequestInProgressException", "Certificate %s is not yet issued or is "
                           "being renewed." % c["arn"])
        if not c["exported_since"] or not exportable(c):
            raise AwsError("ValidationException", "Certificate ARN %s has not been exported so it is not "
                           "eligible for the Renew Certificate API." % c["arn"])
        if c["status"] not in ("ISSUED", "EXPIRED"):
            raise AwsError("ValidationException", "Certificate ARN %s is not eligible for renewal (status "
                           "%s)." % (c["arn"], c["status"]))
        if c["type"] == "PRIVATE":
            import pca
            caobj = pca.get_ca_admin(emu, c["ca_arn"])
            if caobj is None or caobj["status"] != "ACTIVE":
                raise AwsError("ValidationException", "The private CA %s is not in ACTIVE state."
                               % c["ca_arn"])
        start_renewal(emu, c, emu.renewal_delay)
    return {}


def start_renewal(emu, c, delay):
    """A renewal by ACM (RenewCertificate or managed renewal): after delay
    seconds (PENDING_AUTO_RENEWAL meanwhile), PRIVATE ones are reissued,
    public ones validated again first (_revalidate)."""
    if delay > 0:
        c["renew_due"] = time.time() + delay
        c["renew_check"] = c["type"] == "AMAZON_ISSUED"
        c["renewal"] = {"RenewalStatus": "PENDING_AUTO_RENEWAL",
                        "DomainValidationOptions": [_dvo_out(c, dv) for dv in c["dvos"]],
                        "UpdatedAt": time.time()}
    elif c["type"] == "AMAZON_ISSUED":
        _revalidate(emu, c)
    else:
        _renewed(emu, c)


def _revalidate(emu, c, recs=None):
    """Domain validation of a public certificate's renewal (ACM User Guide,
    "Managed certificate renewal" / "Renewal for domains validated by
    DNS": ACM renews automatically as long as the CNAME records are still
    in DNS; email-validated ones wait for the owner's approval).  Renewed
    at once when every record is there; RenewalStatus PENDING_VALIDATION
    otherwise, tried again on every sweep."""
    import route53
    ok = False
    if c["method"] == "DNS":
        if recs is None:
            recs = route53.cname_set(emu.account(c["account"]))
        ok = all((dv["record"]["Name"].lower().rstrip("."), dv["record"]["Value"].lower().rstrip("."))
                 in recs for dv in c["dvos"])
    if ok:
        _renewed(emu, c)
        return
    if not c.get("renew_validating"):
        c["renew_validating"] = True
        dvos = []
        for dv in c["dvos"]:
            o = _dvo_out(c, dv)
            o["ValidationStatus"] = "PENDING_VALIDATION"
            dvos.append(o)
        c["renewal"] = {"RenewalStatus": "PENDING_VALIDATION", "DomainValidationOptions": dvos,
                        "UpdatedAt": time.time()}


def _renewed(emu, c):
    """Renew c in place, as ACM's managed renewal does: a new certificate
    (new key of the same algorithm, new serial, new validity, same names)
    at the same ARN; RenewalSummary SUCCESS; the certificate counts as not
    exported since its last renewal (ACM User Guide, "Managed certificate
    renewal": eligible "if exported since being issued or last renewed").
    If the private CA is gone or not ACTIVE the renewal FAILS with
    RenewalStatusReason PCA_RESOURCE_NOT_FOUND / PCA_INVALID_STATE (ACM
    User Guide, "Handling exceptions") and the old certificate stays."""
    import pca
    c.pop("renew_due", None)
    c.pop("renew_check", None)
    c.pop("renew_validating", None)
    if c["type"] == "PRIVATE":
        caobj = pca.get_ca_admin(emu, c["ca_arn"])
        if caobj is None or caobj["status"] != "ACTIVE":
            c["renewal"] = {"RenewalStatus": "FAILED",
                            "RenewalStatusReason": "PCA_RESOURCE_NOT_FOUND" if caobj is None
                            else "PCA_INVALID_STATE",
                            "DomainValidationOptions": [_dvo_out(c, dv) for dv in c["dvos"]],
                            "UpdatedAt": time.time()}
            c["renewal_failed_serial"] = c["serial"]
            return
    issue(emu, c)
    c["exported_since"] = False
    c["renewal"] = {"RenewalStatus": "SUCCESS",
                    "DomainValidationOptions": [_dvo_out(c, dv) for dv in c["dvos"]],
                    "UpdatedAt": time.time()}


def _managed_renewal_due(c, now):
    """Whether the sweep starts ACM's managed renewal of c (managed_renewal
    on): an ISSUED AMAZON_ISSUED or PRIVATE certificate, ELIGIBLE (in use,
    or exported since issued or last renewed), within RENEWAL_WINDOW_DAYS
    of expiry, not already being renewed, and not one whose renewal of
    this very certificate already FAILED."""
    return (c["type"] in ("AMAZON_ISSUED", "PRIVATE") and c["status"] == "ISSUED" and c["not_after"]
            and c["not_after"] - now <= RENEWAL_WINDOW_DAYS * 86400
            and not c.get("renew_due") and not c.get("renew_validating")
            and c.get("renewal_failed_serial", -1) != c["serial"]
            and renewal_eligibility(c) == "ELIGIBLE")


def resend_validation_email(ctx, p):
    """ResendValidationEmail (API reference): errors ResourceNotFoundException,
    InvalidStateException ("Processing has reached an invalid state": the
    certificate is not an EMAIL-validated one pending validation -- a DNS
    certificate gets it too), InvalidArnException and
    InvalidDomainValidationOptionsException (Domain not one of the
    certificate's names, or ValidationDomain not "the same as the Domain
    value or a superdomain of the Domain value")."""
    dom = _req(p, "Domain")
    vd = _req(p, "ValidationDomain")
    with ctx.emu.lock:
        c = find_cert(ctx, p.get("CertificateArn"))
        if c["status"] != "PENDING_VALIDATION" or c["method"] != "EMAIL":
            raise AwsError("InvalidStateException", "Certificate %s is not in a valid state (status "
                           "%s, validation %s) to resend the validation email." % (
                               c["arn"], c["status"], c["method"]))
        dv = [d for d in c["dvos"] if d["domain"].lower() == dom.lower()]
        if not dv:
            raise AwsError("InvalidDomainValidationOptionsException", "Domain %s is not part of "
                           "certificate %s" % (dom, c["arn"]))
        b = _base(dom).lower()
        if not (b == vd.lower() or b.endswith("." + vd.lower())):
            raise AwsError("InvalidDomainValidationOptionsException", "ValidationDomain %s is not a "
                           "superdomain of %s" % (vd, dom))
        dv[0]["validation_domain"] = vd
        c["resends"] += 1
    return {}


def delete_certificate(ctx, p):
    with ctx.emu.lock:
        c = find_cert(ctx, p.get("CertificateArn"))
        if c["in_use_by"]:
            raise AwsError("ResourceInUseException", "Certificate %s is in use by %s." % (
                c["arn"], ", ".join(c["in_use_by"])))
        del _region_state(ctx).certs[c["arn"]]
    return {}


def add_tags(ctx, p):
    tags = _check_tags(_req(p, "Tags"))
    if not tags:
        raise AwsError("ValidationException", "1 validation error detected: Value '[]' at 'tags' "
                       "failed to satisfy constraint: Member must have length greater than or equal to 1")
    with ctx.emu.lock:
        c = find_cert(ctx, p.get("CertificateArn"))
        _merge_tags(c, tags)
    return {}


def remove_tags(ctx, p):
    tags = _check_tags(_req(p, "Tags"))
    with ctx.emu.lock:
        c = find_cert(ctx, p.get("CertificateArn"))
        keep = []
        for t in c["tags"]:
            drop = False
            for r in tags:
                if r["Key"] == t["Key"] and ("Value" not in r or r.get("Value") == t.get("Value")):
                    drop = True
            if not drop:
                keep.append(t)
        c["tags"] = keep
    return {}


def list_tags(ctx, p):
    with ctx.emu.lock:
        c = find_cert(ctx, p.get("CertificateArn"))
        return {"Tags": [dict(t) for t in c["tags"]]}


def get_account_configuration(ctx, p):
    with ctx.emu.lock:
        return {"ExpiryEvents": {"DaysBeforeExpiry": _region_state(ctx).expiry_days}}


def put_account_configuration(ctx, p):
    _req(p, "IdempotencyToken")
    ev = p.get("ExpiryEvents") or {}
    d = ev.get("DaysBeforeExpiry")
    if d is not None:
        if not isinstance(d, int) or not 1 <= d <= 45:
            raise AwsError("ValidationException", "DaysBeforeExpiry must be between 1 and 45")
        with ctx.emu.lock:
            _region_state(ctx).expiry_days = d
    return {}


def update_certificate_options(ctx, p):
    opts = _req(p, "Options")
    with ctx.emu.lock:
        c = find_cert(ctx, p.get("CertificateArn"))
        if isinstance(opts, dict) and "Export" in opts:
            # CertificateOptions.Export: "You cannot update the value of
            # Export after the the certificate is created." (API
            # reference); the error's text is ours.
            raise AwsError("ValidationException", "The Export option of certificate %s cannot be "
                           "updated after the certificate is created." % c["arn"])
        v = opts.get("CertificateTransparencyLoggingPreference")
        if v not in ("ENABLED", "DISABLED"):
            raise AwsError("ValidationException", "Invalid CertificateTransparencyLoggingPreference")
        c["options"]["CertificateTransparencyLoggingPreference"] = v
    return {}


OPS = {
    "RequestCertificate": request_certificate,
    "DescribeCertificate": describe_certificate,
    "ListCertificates": list_certificates,
    "GetCertificate": get_certificate,
    "ImportCertificate": import_certificate,
    "ExportCertificate": export_certificate,
    "RenewCertificate": renew_certificate,
    "ResendValidationEmail": resend_validation_email,
    "DeleteCertificate": delete_certificate,
    "AddTagsToCertificate": add_tags,
    "RemoveTagsFromCertificate": remove_tags,
    "ListTagsForCertificate": list_tags,
    "GetAccountConfiguration": get_account_configuration,
    "PutAccountConfiguration": put_account_configuration,
    "UpdateCertificateOptions": update_certificate_options,
}


# ------------------------------------------------------------------ background

def tick(emu):
    """DNS validation against emulated Route 53, expiry, renewals due, and
    (managed_renewal on) ACM's managed renewal inside its window."""
    import route53
    now = time.time()
    with emu.lock:
        for acct, a in emu.accounts.items():
            recs = None
            for rs in a.regions.values():
                for c in rs.certs.values():
                    if c.get("renew_due") and c["renew_due"] <= now:
                        if c.get("renew_check"):
                            c.pop("renew_due")
                            c.pop("renew_check")
                            if recs is None:
                                recs = route53.cname_set(a)
                            _revalidate(emu, c, recs)
                        else:
                            _renewed(emu, c)
                    elif c.get("renew_validating") and c["method"] == "DNS":
                        if recs is None:
                            recs = route53.cname_set(a)
                        _revalidate(emu, c, recs)
                    elif emu.managed_renewal and _managed_renewal_due(c, now):
                        if recs is None:
                            recs = route53.cname_set(a)
                        if emu.renewal_delay > 0:
                            start_renewal(emu, c, emu.renewal_delay)
                        elif c["type"] == "AMAZON_ISSUED":
                            _revalidate(emu, c, recs)
                        else:
                            _renewed(emu, c)
                    st = c["status"]
                    if st == "ISSUED" and c["not_after"] and c["not_after"] < now:
                        c["status"] = "EXPIRED"
                        continue
                    if st != "PENDING_VALIDATION" or c["method"] != "DNS" or c["dvo_ready"] > now:
                        continue
                    if recs is None:
                        recs = route53.cname_set(a)
                    ok = True
                    for dv in c["dvos"]:
                        r = dv["record"]
                        if (r["Name"].lower().rstrip("."), r["Value"].lower().rstrip(".")) in recs:
                            dv["status"] = "SUCCESS"
                        else:
                            ok = False
                    if ok:
                        issue(emu, c)


def mark_revoked(emu, ca_arn, serial, reason):
    """Called by PCA RevokeCertificate."""
    for a in emu.accounts.values():
        for rs in a.regions.values():
            for c in rs.certs.values():
                if c["serial"] == serial and c["ca_arn"] == ca_arn:
                    c["status"] = "REVOKED"
                    c["revoked_at"] = time.time()
                    c["revocation_reason"] = reason


def dump_cert(c):
    d = {"arn": c["arn"], "domain": c["domain"], "sans": c["sans"], "status": c["status"],
         "type": c["type"], "key_algorithm": c["key_alg"],
         "serial": calib.serial_to_aws(c["serial"]) if c["serial"] is not None else None,
         "fingerprint": c["fp"], "not_after": iso8601(c["not_after"]) if c["not_after"] else None,
         "validation_method": c["method"], "in_use_by": c["in_use_by"], "tags": c["tags"],
         "exported": c["exported"], "export_count": c.get("export_count", 0),
         "resends": c["resends"], "ca_arn": c["ca_arn"],
         "export_option": c["options"].get("Export", "DISABLED"),
         "renewal_status": c["renewal"]["RenewalStatus"] if c["renewal"] else None}
    if c["method"] == "DNS":
        d["validation_records"] = [dict(domain=dv["domain"], status=dv["status"], **dv["record"])
                                   for dv in c["dvos"]]
    return d


# ------------------------------------------------------------------ admin

def _admin_cert(emu, data):
    c = find_cert_admin(emu, data.get("arn"))
    if c is None:
        raise KeyError(data.get("arn"))
    return c


def _wrap(fn):
    def w(emu, data):
        with emu.lock:
            try:
                return fn(emu, data)
            except KeyError as e:
                return 404, {"error": "no such certificate %s" % e}
            except AwsError as e:
                return 400, {"error": e.code, "message": e.message}
    return w


@_wrap
def admin_approve_email(emu, data):
    c = _admin_cert(emu, data)
    if c.get("renew_validating") and c["method"] == "EMAIL":
        # The owner approves the renewal's validation mail.
        _renewed(emu, c)
        return 200, {"arn": c["arn"], "status": c["status"], "renewal_status": "SUCCESS"}
    if c["status"] != "PENDING_VALIDATION" or c["method"] != "EMAIL":
        return 409, {"error": "certificate is %s / %s, not pending email validation" % (c["status"], c["method"])}
    dom = data.get("domain")
    for dv in c["dvos"]:
        if dom is None or dv["domain"].lower() == dom.lower():
            dv["status"] = "SUCCESS"
    if all(dv["status"] == "SUCCESS" for dv in c["dvos"]):
        issue(emu, c)
    return 200, {"arn": c["arn"], "status": c["status"]}


@_wrap
def admin_renew(emu, data):
    """POST /_emu/renew {arn[, delay]}: ACM's managed renewal of an
    AMAZON_ISSUED or PRIVATE certificate, now (or, with delay > 0 seconds,
    RenewalStatus PENDING_AUTO_RENEWAL first and the renewal when the delay
    is over, the old certificate served meanwhile).  ACM gives no managed
    renewal to imported certificates ("ACM does not provide managed renewal
    for imported certificates", CertificateDetail.Type in the API
    reference): 400.  Only an ISSUED certificate is renewed (expired ones
    are "NOT ELIGIBLE if already expired"): 409 otherwise.  Eligibility
    (in use or exported) is not required, so that a test can renew any
    issued certificate; the answer says what it was."""
    c = _admin_cert(emu, data)
    if c["type"] == "IMPORTED":
        return 400, {"error": "certificate %s is IMPORTED: ACM does not renew imported certificates "
                              "(managed renewal is for AMAZON_ISSUED and PRIVATE ones); re-import it "
                              "instead" % c["arn"]}
    if c["status"] != "ISSUED" or not c["cert_pem"]:
        return 409, {"error": "certificate %s is %s: only an ISSUED certificate is renewed"
                              % (c["arn"], c["status"])}
    if c.get("renew_due") or c.get("renew_validating"):
        return 409, {"error": "certificate %s is already being renewed" % c["arn"]}
    elig = renewal_eligibility(c)
    delay = float(data.get("delay") or 0)
    if delay > 0:
        c["renew_due"] = time.time() + delay
        c["renewal"] = {"RenewalStatus": "PENDING_AUTO_RENEWAL",
                        "DomainValidationOptions": [_dvo_out(c, dv) for dv in c["dvos"]],
                        "UpdatedAt": time.time()}
    else:
        _renewed(emu, c)
    return 200, {"arn": c["arn"], "status": c["status"], "renewal_status": c["renewal"]["RenewalStatus"],
                 "eligibility_before": elig,
                 "serial": calib.serial_to_aws(c["serial"]),
                 "not_before": iso8601(c["not_before"]), "not_after": iso8601(c["not_after"])}


@_wrap
def admin_expire(emu, data):
    c = _admin_cert(emu, data)
    days = float(data.get("days", 0))
    na = calib.now() + datetime.timedelta(days=days)
    nb = min(na - datetime.timedelta(days=1), calib.now() - datetime.timedelta(minutes=1)) \
        if days > 0 else na - datetime.timedelta(days=PUBLIC_DAYS)
    if c["cert_pem"] and c["key"] is not None and c["type"] != "IMPORTED":
        issue(emu, c, key=c["key"], nb=nb, na=na, serial=c["serial"])
    else:
        c["not_after"] = na.timestamp()
        if c["not_before"] is None or c["not_before"] > c["not_after"]:
            c["not_before"] = nb.timestamp()
    if c["status"] in ("ISSUED", "EXPIRED"):
        c["status"] = "EXPIRED" if c["not_after"] < time.time() else "ISSUED"
    return 200, {"arn": c["arn"], "status": c["status"], "not_after": iso8601(c["not_after"])}


@_wrap
def admin_in_use(emu, data):
    c = _admin_cert(emu, data)
    r = data.get("resources") or []
    c["in_use_by"] = [str(x) for x in r]
    return 200, {"arn": c["arn"], "in_use_by": c["in_use_by"]}


@_wrap
def admin_replace_pem(emu, data):
    c = _admin_cert(emu, data)
    cert = calib.load_cert(data["certificate"])
    key = calib.load_key(data["private_key"]) if data.get("private_key") else None
    _set_from_cert(c, cert, data.get("certificate_chain"), key)
    c["domain"], c["sans"] = calib.cert_names(cert)
    if c["type"] == "IMPORTED":
        c["imported"] = time.time()
    if c["status"] in ("ISSUED", "EXPIRED"):
        c["status"] = "EXPIRED" if c["not_after"] < time.time() else "ISSUED"
    return 200, {"arn": c["arn"], "fingerprint": c["fp"]}


@_wrap
def admin_set_status(emu, data):
    c = _admin_cert(emu, data)
    st = data.get("status")
    if st not in STATUSES:
        return 400, {"error": "status must be one of %s" % ", ".join(STATUSES)}
    c["status"] = st
    if data.get("failure_reason"):
        c["failure_reason"] = data["failure_reason"]
    return 200, {"arn": c["arn"], "status": st}


def _pool_entry(emu, kind, key_alg, caobj=None):
    k = (kind, key_alg, caobj["arn"] if caobj else None)
    e = _SEED_POOL.get(k)
    if e is None:
        key = calib.gen_key(key_alg, reuse=True)
        n = calib.now()
        nb, na = n - datetime.timedelta(days=1), n + datetime.timedelta(days=PUBLIC_DAYS - 1)
        dom = "seed-%s.example.com" % key_alg.lower().replace("_", "-")
        if kind == "PRIVATE":
            cert = calib.issue_leaf(caobj["cert"], caobj["key"], key.public_key(), dom, [dom], nb, na)
            chain = caobj["chain_pem"]
        elif kind == "IMPORTED":
            global _SEED_IMPORT_CA
            if _SEED_IMPORT_CA is None:
                from cryptography.hazmat.primitives.asymmetric import ec
                k2 = ec.generate_private_key(ec.SECP256R1())
                _SEED_IMPORT_CA = (calib.make_root({"Organization": "Seed Imports",
                                                    "CommonName": "Seed Import CA"}, k2), k2)
            cert = calib.issue_leaf(_SEED_IMPORT_CA[0], _SEED_IMPORT_CA[1], key.public_key(), dom, [dom], nb, na)
            chain = calib.pem(_SEED_IMPORT_CA[0])
        else:
            icert, ikey, chain = AMZ.for_key(key_alg)
            cert = calib.issue_leaf(icert, ikey, key.public_key(), dom, [dom], nb, na)
        tmp = new_cert("0", "x", "", [], kind, key_alg)
        _set_from_cert(tmp, cert, chain, key)
        fields = {f: tmp[f] for f in ("cert", "cert_pem", "chain_pem", "key", "not_before", "not_after",
                                     "fp", "subject", "issuer", "sig_alg", "key_alg", "ku")}
        if kind == "AMAZON_ISSUED":
            fields["issuer"] = "Amazon"
        e = _SEED_POOL[k] = fields
    return e


_SEED_IMPORT_CA = None


def admin_seed(emu, data):
    import pca
    accounts = [str(x) for x in (data.get("accounts") or [data.get("account")]) if x]
    if not accounts:
        with emu.lock:
            accounts = [next(iter(emu.keys.values()))["account"]]
    regions = data.get("regions") or ["us-east-1"]
    n = int(data.get("count_per_region", 10))
    types = data.get("types") or ["AMAZON_ISSUED", "IMPORTED", "PRIVATE"]
    keytypes = data.get("key_types") or ["RSA_2048", "EC_prime256v1", "RSA_4096", "EC_secp384r1"]
    statuses = data.get("statuses") or ["ISSUED"]
    prefix = data.get("domain_prefix") or "seed"
    for t in types:
        if t not in ("AMAZON_ISSUED", "IMPORTED", "PRIVATE"):
            return 400, {"error": "bad type %s" % t}
    for k in keytypes:
        if k not in calib.KEY_ALGS:
            return 400, {"error": "bad key type %s" % k}
    for s in statuses:
        if s not in STATUSES:
            return 400, {"error": "bad status %s" % s}
    created = 0
    t0 = time.time()
    with emu.lock:
        for acct in accounts:
            a = emu.account(acct)
            for reg in regions:
                rs = a.region(reg)
                caobj = None
                if "PRIVATE" in types:
                    caobj = next((x for x in rs.cas.values() if x.get("seed")), None)
                    if caobj is None:
                        caobj = pca.create_ca(emu, acct, reg, {"CommonName": "Seed Private CA %s" % reg},
                                              "EC_prime256v1", "ROOT")
                        caobj["seed"] = True
                base = len(rs.certs)
                for i in range(n):
                    typ = types[i % len(types)]
                    ka = keytypes[(i // len(types)) % len(keytypes)]
                    st = statuses[(i // (len(types) * len(keytypes))) % len(statuses)]
                    dom = "%s-%d.%s.example.com" % (prefix, base + i, reg)
                    c = new_cert(acct, reg, dom, [dom, "www." + dom], typ, ka)
                    c["created"] = t0 - (n - i)
                    if typ == "PRIVATE":
                        c["ca_arn"] = caobj["arn"]
                        c["dvos"] = _make_dvos(c["sans"], None, None)
                    elif typ == "AMAZON_ISSUED":
                        c["method"] = "DNS"
                        c["dvos"] = _make_dvos(c["sans"], "DNS", None)
                    if st != "PENDING_VALIDATION" and not (typ != "IMPORTED" and st in ("FAILED", "VALIDATION_TIMED_OUT")):
                        c.update(_pool_entry(emu, typ, ka, caobj if typ == "PRIVATE" else None))
                        c["serial"] = int.from_bytes(secrets.token_bytes(16), "big") >> 1
                        if typ == "IMPORTED":
                            c["imported"] = c["created"]
                        else:
                            c["issued"] = c["created"]
                            for dv in c["dvos"]:
                                dv["status"] = "SUCCESS"
                            if typ == "PRIVATE":
                                caobj["issued"][c["serial"]] = c["arn"]
                    elif typ == "IMPORTED" and st == "PENDING_VALIDATION":
                        st = "ISSUED"
                        c.update(_pool_entry(emu, typ, ka))
                        c["imported"] = c["created"]
                    if typ == "AMAZON_ISSUED" and st == "PENDING_VALIDATION":
                        c["dvos"] = _make_dvos(c["sans"], "DNS", None)
                    c["status"] = st
                    if st == "REVOKED":
                        c["revoked_at"] = t0
                        c["revocation_reason"] = "UNSPECIFIED"
                    rs.certs[c["arn"]] = c
                    created += 1
        iam_n = int(data.get("iam_count") or 0)
        if iam_n:
            import iam
            for acct in accounts:
                iam.seed(emu, acct, iam_n, AMZ)
    return 200, {"created": created, "iam_created": iam_n * len(accounts) if iam_n else 0,
                 "seconds": round(time.time() - t0, 3)}


ADMIN = {
    "approve-email": admin_approve_email,
    "renew": admin_renew,
    "expire": admin_expire,
    "in-use": admin_in_use,
    "replace-pem": admin_replace_pem,
    "set-status": admin_set_status,
    "seed": admin_seed,
}

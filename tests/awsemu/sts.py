"""STS (query protocol) for the AWS emulator: GetCallerIdentity, AssumeRole."""
import base64
import hashlib
import re
import secrets
import time

from common import AwsError, rand_upper, iso8601_s, xesc

ROLE_RE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})$")
SESSION_RE = re.compile(r"^[\w+=,.@-]{2,64}$")


def _uid(s, prefix):
    return prefix + base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:17]


def caller_arn(ctx):
    """The caller's ARN, as GetCallerIdentity gives it."""
    return ctx.key.get("arn") or "arn:aws:iam::%s:user/awsemu-%s" % (ctx.account, ctx.akid[-6:].lower())


def get_caller_identity(ctx, p):
    k = ctx.key
    arn = caller_arn(ctx)
    uid = k.get("user_id") if k.get("arn") else _uid(ctx.akid, "AIDA")
    return "<Arn>%s</Arn><UserId>%s</UserId><Account>%s</Account>" % (xesc(arn), xesc(uid), ctx.account)


# Roles that AssumeRole checks (POST /_emu/roles).  IAM CreateRole's
# defaults: path "/", MaxSessionDuration 3600 (IAM API reference,
# CreateRole: "If you do not specify a value for this setting, the
# default value of one hour is applied").
ROLE_NAME_RE = re.compile(r"^[\w+=,.@-]{1,64}$")
PATH_RE = re.compile(r"^/(?:[\x21-\x7e]*/)?$")
EXTERNAL_ID_RE = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
LENIENT_MAX = 43200


def role_arn(acct, path, name):
    return "arn:aws:iam::%s:role%s%s" % (acct, path, name)


# An account in these Organizations states refuses every role.  AWS
# documents no error of its own for AssumeRole into a suspended or closing
# account; what callers get is the AccessDenied of a role that cannot be
# assumed, same code, same text (public reports: aws-samples/
# aws-security-reference-architecture-examples#218 -- 403 AccessDenied
# "User: ... is not authorized to perform: sts:AssumeRole on resource:
# arn:aws:iam::<suspended account>:role/..."; awslabs/
# landing-zone-accelerator-on-aws#726 and CrowdStrike/
# cloud-resource-estimator#25 alike; aws-samples/
# experimental-programmatic-access-ccft#21: "It is not possible to assume
# a role in an account in state suspended or pending closure").  So does
# an account closed and then removed from its organization (POST
# /_emu/org/remove with "closed": true: AWS removes a closed account 90
# days after closure, Organizations User Guide, "Closing a member
# account").  An account that merely left its organization is a
# standalone account whose roles still work as their trust policies say.
CLOSED_STATES = ("SUSPENDED", "PENDING_CLOSURE", "CLOSED")


def _account_closed(emu, acct):
    oid = emu.org_of.get(acct)
    if oid is not None:
        a = emu.orgs[oid]["accounts"].get(acct) or {}
        return a.get("State") in CLOSED_STATES or a.get("Status") in CLOSED_STATES
    return acct in emu.closed_accounts


def assume_role(ctx, p):
    """AssumeRole (STS API reference).  An account for which roles were
    defined (POST /_emu/roles), and every account once strict_roles is
    set, answers as AWS does when the role's trust policy does not let
    the caller in: 403 AccessDenied "User: <caller ARN> is not authorized
    to perform: sts:AssumeRole on resource: <role ARN>" (the real text,
    e.g. nccgroup/aws-inventory#34, aws/karpenter-provider-aws#4680) --
    for a role that does not exist, a caller account the role does not
    trust, or an ExternalId missing or not the role's ("sts:ExternalId"
    condition of the trust policy; IAM User Guide, "Access to AWS
    accounts owned by third parties").  An ExternalId given to a role
    that requires none is ignored, as by a trust policy without the
    condition.  DurationSeconds: at most the role's MaxSessionDuration
    ("The requested DurationSeconds exceeds the MaxSessionDuration set
    for this role."), and at most one hour when the caller is itself an
    assumed role (role chaining; STS API reference, DurationSeconds).
    An account where no role was ever defined accepts any role ARN (and
    any ExternalId), up to 43200 s: what the emulator always did, which
    the project's tests rely on.  An account suspended, closing or closed
    refuses every role (CLOSED_STATES, above)."""
    role = p.get("RoleArn")
    sess = p.get("RoleSessionName")
    if not role:
        raise AwsError("ValidationError", "1 validation error detected: Value null at 'roleArn' failed "
                       "to satisfy constraint: Member must not be null")
    if not sess:
        raise AwsError("ValidationError", "1 validation error detected: Value null at 'roleSessionName' "
                       "failed to satisfy constraint: Member must not be null")
    m = ROLE_RE.match(role)
    if not m:
        raise AwsError("ValidationError", "%s is invalid" % role)
    if not SESSION_RE.match(sess):
        raise AwsError("ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' "
                       "failed to satisfy constraint: Member must satisfy regular expression pattern: "
                       "[\\w+=,.@-]*" % sess)
    ext = p.get("ExternalId")
    if ext is not None and not EXTERNAL_ID_RE.match(ext):
        raise AwsError("ValidationError", "1 validation error detected: Value '%s' at 'externalId' "
                       "failed to satisfy constraint: Member must satisfy regular expression pattern: "
                       "[\\w+=,.@:\\/-]*" % ext)
    try:
        dur = int(p.get("DurationSeconds") or 3600)
    except ValueError:
        raise AwsError("ValidationError", "DurationSeconds must be an integer")
    if dur < 900:
        raise AwsError("ValidationError", "1 validation error detected: Value '%d' at 'durationSeconds' "
                       "failed to satisfy constraint: Member must have value greater than or equal to 900" % dur)
    acct, rpath, rname = m.group(1), "/" + m.group(2), m.group(3)
    emu = ctx.emu
    with emu.lock:
        roles = emu.roles.get(acct)
        strict = emu.strict_roles
        r = roles.get(rname) if roles else None
        closed = _account_closed(emu, acct)
    if closed:
        raise AwsError("AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on "
                       "resource: %s" % (caller_arn(ctx), role), 403)
    if roles is None and not strict:
        max_dur = LENIENT_MAX
    else:
        if r is None or r["path"] != rpath or (r["trusted"] is not None and ctx.account not in r["trusted"]) \
                or (r["external_id"] is not None and ext != r["external_id"]):
            raise AwsError("AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on "
                           "resource: %s" % (caller_arn(ctx), role), 403)
        max_dur = r["max_session_duration"]
    if ctx.key.get("token") and dur > 3600:
        raise AwsError("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit "
                       "for roles assumed by role chaining.")
    if dur > max_dur:
        raise AwsError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration "
                       "set for this role.")
    akid = "ASIA" + rand_upper(16)
    secret = base64.b64encode(secrets.token_bytes(30)).decode()[:40]
    token = "FwoGZXIvYXdzE" + base64.b64encode(secrets.token_bytes(180)).decode()
    exp = time.time() + dur
    role_id = r["role_id"] if r else _uid(role, "AROA")
    arn = "arn:aws:sts::%s:assumed-role/%s/%s" % (acct, rname, sess)
    ctx.emu.add_key(akid, secret, acct, token=token, expires=exp, arn=arn)
    with ctx.emu.lock:
        ctx.emu.keys[akid]["user_id"] = "%s:%s" % (role_id, sess)
        ctx.emu.keys[akid]["role"] = rname
    return ("<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
            "<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>"
            "<AssumedRoleUser><AssumedRoleId>%s:%s</AssumedRoleId><Arn>%s</Arn></AssumedRoleUser>"
            "<PackedPolicySize>0</PackedPolicySize>" % (akid, secret, token, iso8601_s(exp), role_id,
                                                          xesc(sess), xesc(arn)))


# ------------------------------------------------------------------ admin

def admin_roles(emu, method, data):
    """POST /_emu/roles: define a role; GET: list them;
    POST /_emu/roles/delete: remove one."""
    with emu.lock:
        if method == "GET":
            return 200, {"roles": [dict(_role_out(r)) for rs in emu.roles.values() for r in rs.values()],
                         "strict_roles": emu.strict_roles}
        acct = str(data.get("account") or "")
        if not re.match(r"^\d{12}$", acct):
            return 400, {"error": "account must be a 12-digit account id"}
        name = data.get("name")
        if not isinstance(name, str) or not ROLE_NAME_RE.match(name):
            return 400, {"error": "name must be 1..64 of [A-Za-z0-9_+=,.@-]"}
        if data.get("delete"):
            r = emu.roles.get(acct, {}).pop(name, None)
            if r is None:
                return 404, {"error": "no role %s in account %s" % (name, acct)}
            return 200, {"deleted": r["arn"]}
        path = data.get("path") or "/"
        if not PATH_RE.match(path):
            return 400, {"error": "path must start and end with /"}
        ext = data.get("external_id")
        if ext is not None and (not isinstance(ext, str) or not EXTERNAL_ID_RE.match(ext)):
            return 400, {"error": "external_id must be 2..1224 of [A-Za-z0-9_+=,.@:/-]"}
        tr = data.get("trusted")
        if tr is not None:
            tr = [str(x) for x in (tr if isinstance(tr, list) else [tr])]
            if not all(re.match(r"^\d{12}$", x) for x in tr):
                return 400, {"error": "trusted must be an account id or a list of them"}
        msd = int(data.get("max_session_duration") or 3600)
        if not 3600 <= msd <= 43200:
            return 400, {"error": "max_session_duration must be within 3600..43200 (IAM's bounds)"}
        r = {"account": acct, "name": name, "path": path, "arn": role_arn(acct, path, name),
             "external_id": ext, "trusted": tr, "max_session_duration": msd,
             "role_id": "AROA" + rand_upper(17)}
        emu.roles.setdefault(acct, {})[name] = r
        return 200, _role_out(r)


def _role_out(r):
    return {"arn": r["arn"], "account": r["account"], "name": r["name"], "path": r["path"],
            "external_id": r["external_id"], "trusted": r["trusted"],
            "max_session_duration": r["max_session_duration"], "role_id": r["role_id"]}


def admin_expire_credentials(emu, data):
    """POST /_emu/expire-credentials {account[, role]}: every temporary
    (AssumeRole) key of that account -- of that role only if given --
    expires now."""
    acct = str(data.get("account") or "")
    if not re.match(r"^\d{12}$", acct):
        return 400, {"error": "account must be a 12-digit account id"}
    role = data.get("role")
    done = []
    with emu.lock:
        for akid, k in emu.keys.items():
            if k.get("token") and k["account"] == acct and (role is None or k.get("role") == role):
                k["expires"] = time.time() - 1
                done.append(akid)
    return 200, {"expired": len(done), "access_keys": done}


OPS = {"GetCallerIdentity": get_caller_identity, "AssumeRole": assume_role}

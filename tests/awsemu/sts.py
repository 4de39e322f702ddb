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


def get_caller_identity(ctx, p):
    k = ctx.key
    if k.get("arn"):
        arn = k["arn"]
        uid = k.get("user_id")
    else:
        arn = "arn:aws:iam::%s:user/awsemu-%s" % (ctx.account, ctx.akid[-6:].lower())
        uid = _uid(ctx.akid, "AIDA")
    return "<Arn>%s</Arn><UserId>%s</UserId><Account>%s</Account>" % (xesc(arn), xesc(uid), ctx.account)


def assume_role(ctx, p):
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
    try:
        dur = int(p.get("DurationSeconds") or 3600)
    except ValueError:
        raise AwsError("ValidationError", "DurationSeconds must be an integer")
    if dur < 900:
        raise AwsError("ValidationError", "1 validation error detected: Value '%d' at 'durationSeconds' "
                       "failed to satisfy constraint: Member must have value greater than or equal to 900" % dur)
    if dur > 43200:
        raise AwsError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration "
                       "set for this role.")
    acct, rname = m.group(1), m.group(3)
    akid = "ASIA" + rand_upper(16)
    secret = base64.b64encode(secrets.token_bytes(30)).decode()[:40]
    token = "FwoGZXIvYXdzE" + base64.b64encode(secrets.token_bytes(180)).decode()
    exp = time.time() + dur
    role_id = _uid(role, "AROA")
    arn = "arn:aws:sts::%s:assumed-role/%s/%s" % (acct, rname, sess)
    ctx.emu.add_key(akid, secret, acct, token=token, expires=exp, arn=arn)
    with ctx.emu.lock:
        ctx.emu.keys[akid]["user_id"] = "%s:%s" % (role_id, sess)
    return ("<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
            "<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>"
            "<AssumedRoleUser><AssumedRoleId>%s:%s</AssumedRoleId><Arn>%s</Arn></AssumedRoleUser>"
            "<PackedPolicySize>0</PackedPolicySize>" % (akid, secret, token, iso8601_s(exp), role_id,
                                                          xesc(sess), xesc(arn)))


OPS = {"GetCallerIdentity": get_caller_identity, "AssumeRole": assume_role}

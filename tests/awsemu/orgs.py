"""AWS Organizations (JSON 1.1, X-Amz-Target AWSOrganizationsV20161128.*)
for the AWS emulator: DescribeOrganization, ListAccounts,
ListAccountsForParent, ListRoots, ListOrganizationalUnitsForParent,
DescribeAccount, and the admin side that builds organizations.

Shapes, enums and error lists: botocore's organizations model
(2016-11-28).  Who may call what (Organizations API reference, each
operation's description, and "Reference: API operations by account"):
DescribeOrganization from any account in the organization; the five
others only from the management account or a member account that is a
delegated administrator.  An account in no organization gets
AWSOrganizationsNotInUseException "Your account is not a member of an
organization." (the real service's text, quoted in many public bug
reports, e.g. duo-labs/cloudmapper#733); a member account that may not
call gets AccessDeniedException "You don't have permissions to access
this resource." (aws-samples/aws-iam-access-key-auto-rotation#10,
awslabs/aws-innovation-sandbox#6).  Malformed input:
InvalidInputException "You provided a value that does not match the
required pattern." with a Reason member (openshift/osdctl#204 shows the
real body).  Throttling: TooManyRequestsException with HTTP 400 (not
429: boto/botocore commit 0a157ef, aws/aws-sdk-js#2135), message as the
real service gives it now ("You have sent too many requests in too short
a period of time. Try again later.", awslabs/aws-deployment-framework#781).

Account carries both Status (ACTIVE | SUSPENDED | PENDING_CLOSURE, the
botocore 1.29 enum) and State (PENDING_ACTIVATION | ACTIVE | SUSPENDED |
PENDING_CLOSURE | CLOSED): the current API reference ("Account" data
type; DescribeAccountResponse: "The Status parameter in the API response
will be retired on September 9, 2026. Although both the account State
and account Status parameters are currently available ...") and the
Organizations User Guide, "Monitor the state of your AWS accounts".

Organizations is global: its state does not depend on the signing region
(clients sign for us-east-1)."""
import base64
import json
import re
import secrets
import string
import time

from common import AwsError

TARGET = "AWSOrganizationsV20161128"
ACCOUNT_RE = re.compile(r"^\d{12}$")
PARENT_RE = re.compile(r"^(r-[0-9a-z]{4,32})$|^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$")
STATUSES = ("ACTIVE", "SUSPENDED", "PENDING_CLOSURE")
STATES = ("PENDING_ACTIVATION", "ACTIVE", "SUSPENDED", "PENDING_CLOSURE", "CLOSED")
# State -> Status for an account given only a State.  The API reference
# does not say how the two relate; a closed account has long been shown
# as SUSPENDED (Organizations User Guide, "Closing a member account":
# the account stays in the organization, suspended, for 90 days), and an
# account still being activated is not suspended.  Not confirmed.
STATUS_OF_STATE = {"PENDING_ACTIVATION": "ACTIVE", "ACTIVE": "ACTIVE", "SUSPENDED": "SUSPENDED",
                   "PENDING_CLOSURE": "PENDING_CLOSURE", "CLOSED": "SUSPENDED"}
MAX_RESULTS = 20          # MaxResults: 1..20 (botocore model)
DEFAULT_PAGE = 20
SCP = [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]   # botocore's examples
NOT_IN_USE = "Your account is not a member of an organization."
ACCESS_DENIED = "You don't have permissions to access this resource."
THROTTLED = "You have sent too many requests in too short a period of time. Try again later."
DEFAULT_DELEGATED_SERVICE = "member.org.stacksets.cloudformation.amazonaws.com"


def _rand(n, alphabet=string.ascii_lowercase + string.digits):
    return "".join(secrets.choice(alphabet) for _ in range(n))


def invalid(reason, message=None):
    return AwsError("InvalidInputException", message or {
        "INVALID_PATTERN": "You provided a value that does not match the required pattern.",
        "INPUT_REQUIRED": "You must include a value for all required parameters.",
        "MAX_VALUE_EXCEEDED": "You provided a numeric parameter that has a larger value than allowed.",
        "MIN_VALUE_EXCEEDED": "You provided a numeric parameter that has a smaller value than allowed.",
        "INVALID_NEXT_TOKEN": "You specified an invalid value for nextToken. You must get the value "
                              "from the response to a previous call to the API.",
    }[reason], extra={"Reason": reason})


# ------------------------------------------------------------------ model

def new_org(emu, management, email, name, feature_set="ALL"):
    """A new organization with management account `management`."""
    oid = "o-" + _rand(10)
    rid = "r-" + _rand(4)
    arnbase = "arn:aws:organizations::%s:" % management
    org = {"id": oid, "arn": arnbase + "organization/" + oid, "management": management,
           "feature_set": feature_set,
           "root": {"id": rid, "arn": "%sroot/%s/%s" % (arnbase, oid, rid), "name": "Root"},
           "ous": {}, "accounts": {}, "delegated": {}}
    emu.orgs[oid] = org
    add_account(emu, org, management, name or "Management Account",
                email or "%s@example.com" % management, joined="INVITED")
    return org


def add_account(emu, org, acct, name, email, status="ACTIVE", state=None, parent=None, joined="CREATED"):
    a = {"Id": acct, "Arn": "arn:aws:organizations::%s:account/%s/%s" % (org["management"], org["id"], acct),
         "Email": email, "Name": name, "Status": status, "State": state or status,
         "JoinedMethod": joined, "JoinedTimestamp": round(time.time(), 3), "parent": parent or org["root"]["id"]}
    org["accounts"][acct] = a
    emu.org_of[acct] = org["id"]
    return a


def new_ou(org, name, parent):
    ouid = "ou-%s-%s" % (org["root"]["id"][2:], _rand(8))
    ou = {"Id": ouid, "Arn": "arn:aws:organizations::%s:ou/%s/%s" % (org["management"], org["id"], ouid),
          "Name": name, "parent": parent}
    org["ous"][ouid] = ou
    return ou


def account_out(a):
    return {k: a[k] for k in ("Id", "Arn", "Email", "Name", "Status", "State", "JoinedMethod",
                              "JoinedTimestamp")}


def _org_of_caller(ctx):
    oid = ctx.emu.org_of.get(ctx.account)
    if oid is None:
        raise AwsError("AWSOrganizationsNotInUseException", NOT_IN_USE)
    return ctx.emu.orgs[oid]


def _admin_caller(ctx):
    """The caller's organization, if the caller may use the management
    account's read operations: the management account itself or a
    delegated administrator (for any service)."""
    org = _org_of_caller(ctx)
    if ctx.account != org["management"] and not org["delegated"].get(ctx.account):
        raise AwsError("AccessDeniedException", ACCESS_DENIED)
    return org


def _page(ctx, p, items, key):
    """NextToken / MaxResults paging as in the botocore model (MaxResults
    1..20; the NextToken opaque)."""
    mr = p.get("MaxResults")
    if mr is None:
        mr = DEFAULT_PAGE
    if not isinstance(mr, int) or isinstance(mr, bool):
        raise AwsError("SerializationException", "NUMBER_VALUE can not be converted to an Integer")
    if mr < 1:
        raise invalid("MIN_VALUE_EXCEEDED")
    if mr > MAX_RESULTS:
        raise invalid("MAX_VALUE_EXCEEDED")
    off = 0
    tok = p.get("NextToken")
    if tok is not None:
        try:
            d = json.loads(base64.b64decode(tok.encode(), validate=True).decode())
            off = int(d["o"])
            if d.get("k") != key or off < 0:
                raise ValueError
        except Exception:
            raise invalid("INVALID_NEXT_TOKEN")
    out = {key: items[off:off + mr]}
    if off + mr < len(items):
        out["NextToken"] = base64.b64encode(json.dumps({"k": key, "o": off + mr}).encode()).decode()
    return out


def _parent(org, pid):
    if not isinstance(pid, str) or not pid:
        raise invalid("INPUT_REQUIRED")
    if not PARENT_RE.match(pid):
        raise invalid("INVALID_PATTERN")
    if pid != org["root"]["id"] and pid not in org["ous"]:
        raise AwsError("ParentNotFoundException", "We can't find a root or OU with the ParentId that "
                       "you specified.")
    return pid


def _sorted_accounts(org):
    return sorted(org["accounts"].values(), key=lambda a: (a["JoinedTimestamp"], a["Id"]))


# ------------------------------------------------------------------ operations

def describe_organization(ctx, p):
    with ctx.emu.lock:
        org = _org_of_caller(ctx)
        m = org["accounts"][org["management"]]
        return {"Organization": {"Id": org["id"], "Arn": org["arn"], "FeatureSet": org["feature_set"],
                                 "MasterAccountArn": m["Arn"], "MasterAccountId": m["Id"],
                                 "MasterAccountEmail": m["Email"],
                                 "AvailablePolicyTypes": [dict(x) for x in SCP]}}


def list_accounts(ctx, p):
    with ctx.emu.lock:
        org = _admin_caller(ctx)
        return _page(ctx, p, [account_out(a) for a in _sorted_accounts(org)], "Accounts")


def list_accounts_for_parent(ctx, p):
    with ctx.emu.lock:
        org = _admin_caller(ctx)
        pid = _parent(org, p.get("ParentId"))
        return _page(ctx, p, [account_out(a) for a in _sorted_accounts(org) if a["parent"] == pid],
                     "Accounts")


def list_roots(ctx, p):
    with ctx.emu.lock:
        org = _admin_caller(ctx)
        r = org["root"]
        return _page(ctx, p, [{"Id": r["id"], "Arn": r["arn"], "Name": r["name"],
                               "PolicyTypes": [dict(x) for x in SCP]}], "Roots")


def list_organizational_units_for_parent(ctx, p):
    with ctx.emu.lock:
        org = _admin_caller(ctx)
        pid = _parent(org, p.get("ParentId"))
        ous = [{"Id": o["Id"], "Arn": o["Arn"], "Name": o["Name"]}
               for o in org["ous"].values() if o["parent"] == pid]
        return _page(ctx, p, ous, "OrganizationalUnits")


def describe_account(ctx, p):
    acct = p.get("AccountId")
    with ctx.emu.lock:
        org = _admin_caller(ctx)
        if not isinstance(acct, str) or not acct:
            raise invalid("INPUT_REQUIRED")
        if not ACCOUNT_RE.match(acct):
            raise invalid("INVALID_PATTERN")
        a = org["accounts"].get(acct)
        if a is None:
            raise AwsError("AccountNotFoundException", "You specified an account that doesn't exist.")
        return {"Account": account_out(a)}


OPS = {
    "DescribeOrganization": describe_organization,
    "ListAccounts": list_accounts,
    "ListAccountsForParent": list_accounts_for_parent,
    "ListRoots": list_roots,
    "ListOrganizationalUnitsForParent": list_organizational_units_for_parent,
    "DescribeAccount": describe_account,
}


# ------------------------------------------------------------------ admin

def _acct(data, key="account"):
    a = str(data.get(key) or "")
    if not ACCOUNT_RE.match(a):
        raise ValueError("%s must be a 12-digit account id" % key)
    return a


def _pick_org(emu, data):
    """The organization an admin call means: "organization" (id), else the
    one whose management account is "management_account", else the only
    one there is."""
    if data.get("organization"):
        org = emu.orgs.get(data["organization"])
        if org is None:
            raise LookupError("no organization %s" % data["organization"])
        return org
    if data.get("management_account"):
        oid = emu.org_of.get(str(data["management_account"]))
        org = emu.orgs.get(oid) if oid else None
        if org is None or org["management"] != str(data["management_account"]):
            raise LookupError("account %s manages no organization" % data["management_account"])
        return org
    if len(emu.orgs) != 1:
        raise ValueError("%d organizations exist: say which (organization or management_account)"
                         % len(emu.orgs))
    return next(iter(emu.orgs.values()))


def _member_org(emu, acct):
    oid = emu.org_of.get(acct)
    if oid is None:
        raise LookupError("account %s is in no organization" % acct)
    return emu.orgs[oid]


def _dest(org, data, key):
    """A parent from an admin call: a root or OU id, or an OU's name."""
    d = data.get(key)
    if d in (None, "", "root", org["root"]["id"]):
        return org["root"]["id"]
    if d in org["ous"]:
        return d
    named = [o["Id"] for o in org["ous"].values() if o["Name"] == d]
    if len(named) == 1:
        return named[0]
    raise LookupError("no OU %r in organization %s%s" % (d, org["id"], " (name not unique)" if named else ""))


def _give_key(emu, acct, data):
    """An access key for the account if the admin call asks for one:
    "access_key": true makes one, "access_key": "AKID..." with "secret"
    uses the given one."""
    ak = data.get("access_key")
    if not ak:
        return None
    if ak is True:
        ak = "AKIA" + "".join(secrets.choice(string.ascii_uppercase + string.digits) for _ in range(16))
        secret = base64.b64encode(secrets.token_bytes(30)).decode()
    else:
        secret = data.get("secret")
        if not isinstance(ak, str) or not secret:
            raise ValueError("access_key must be true, or a key id with its secret")
    emu.add_key(ak, secret, acct)
    return {"access_key": ak, "secret": secret}


def _dump_org(org):
    return {"id": org["id"], "arn": org["arn"], "management_account": org["management"],
            "feature_set": org["feature_set"],
            "root": {"id": org["root"]["id"], "arn": org["root"]["arn"]},
            "organizational_units": [{"id": o["Id"], "arn": o["Arn"], "name": o["Name"],
                                      "parent_id": o["parent"]} for o in org["ous"].values()],
            "accounts": [dict(account_out(a), JoinedTimestamp=a["JoinedTimestamp"], parent_id=a["parent"])
                         for a in _sorted_accounts(org)],
            "delegated_administrators": {k: list(v) for k, v in org["delegated"].items() if v}}


def dump(emu):
    return [_dump_org(o) for o in emu.orgs.values()]


def admin(emu, method, sub, data):
    """/_emu/org[/sub]: (status, answer).  See the README for each."""
    try:
        with emu.lock:
            return _admin(emu, method, sub, data)
    except ValueError as e:
        return 400, {"error": str(e)}
    except LookupError as e:
        return 404, {"error": str(e)}


def _admin(emu, method, sub, data):
    if sub == "" and method == "GET":
        return 200, {"organizations": dump(emu)}
    if method != "POST":
        return 404, {"error": "unknown admin endpoint %s /_emu/org/%s" % (method, sub)}
    if sub == "":
        m = _acct(data, "management_account")
        if m in emu.org_of:
            return 409, {"error": "account %s is already in organization %s" % (m, emu.org_of[m])}
        fs = data.get("feature_set") or "ALL"
        if fs not in ("ALL", "CONSOLIDATED_BILLING"):
            raise ValueError("feature_set must be ALL or CONSOLIDATED_BILLING")
        org = new_org(emu, m, data.get("email"), data.get("name"), fs)
        out = {"id": org["id"], "arn": org["arn"], "root_id": org["root"]["id"],
               "root_arn": org["root"]["arn"], "management_account": m,
               "account_arn": org["accounts"][m]["Arn"]}
        k = _give_key(emu, m, data)
        if k:
            out.update(k)
        return 200, out
    if sub == "accounts":
        org = _pick_org(emu, data)
        acct = _acct(data)
        if acct in emu.closed_accounts:
            return 409, {"error": "account %s is closed" % acct}
        if acct in emu.org_of:
            return 409, {"error": "account %s is already in organization %s" % (acct, emu.org_of[acct])}
        status, state = _status_state(data, "ACTIVE")
        jm = data.get("joined_method") or "CREATED"
        if jm not in ("CREATED", "INVITED"):
            raise ValueError("joined_method must be CREATED or INVITED")
        a = add_account(emu, org, acct, data.get("name") or "Account %s" % acct,
                        data.get("email") or "aws+%s@example.com" % acct, status, state,
                        _dest(org, data, "ou"), jm)
        out = {"organization": org["id"], "account": acct, "arn": a["Arn"], "parent_id": a["parent"],
               "status": a["Status"], "state": a["State"]}
        k = _give_key(emu, acct, data)
        if k:
            out.update(k)
        return 200, out
    if sub == "ous":
        org = _pick_org(emu, data)
        name = data.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 128:
            raise ValueError("name must be 1..128 characters")
        ou = new_ou(org, name, _dest(org, data, "parent"))
        return 200, {"organization": org["id"], "id": ou["Id"], "arn": ou["Arn"], "name": name,
                     "parent_id": ou["parent"]}
    if sub == "move":
        acct = _acct(data)
        org = _member_org(emu, acct)
        a = org["accounts"][acct]
        a["parent"] = _dest(org, data, "destination")
        return 200, {"account": acct, "parent_id": a["parent"]}
    if sub == "account-status":
        acct = _acct(data)
        org = _member_org(emu, acct)
        a = org["accounts"][acct]
        a["Status"], a["State"] = _status_state(data, None)
        return 200, {"account": acct, "status": a["Status"], "state": a["State"]}
    if sub == "remove":
        acct = _acct(data)
        org = _member_org(emu, acct)
        if acct == org["management"]:
            raise ValueError("the management account cannot leave its organization")
        closed = data.get("closed", False)
        if not isinstance(closed, bool):
            raise ValueError("closed must be true or false")
        del org["accounts"][acct]
        org["delegated"].pop(acct, None)
        del emu.org_of[acct]
        if closed:
            emu.closed_accounts.add(acct)
        return 200, {"account": acct, "removed_from": org["id"], "closed": closed}
    if sub == "delegated-admin":
        acct = _acct(data)
        org = _member_org(emu, acct)
        if acct == org["management"]:
            raise ValueError("the management account cannot be a delegated administrator")
        sp = data.get("service_principal") or DEFAULT_DELEGATED_SERVICE
        cur = org["delegated"].setdefault(acct, [])
        if data.get("deregister"):
            if sp in cur:
                cur.remove(sp)
        elif sp not in cur:
            cur.append(sp)
        return 200, {"account": acct, "service_principals": list(cur)}
    return 404, {"error": "unknown admin endpoint POST /_emu/org/%s" % sub}


def _status_state(data, default):
    """(Status, State) from an admin call's "status" and/or "state"."""
    st, sa = data.get("status"), data.get("state")
    if st is None and sa is None:
        if default is None:
            raise ValueError("give status (%s) and/or state (%s)" % ("|".join(STATUSES), "|".join(STATES)))
        st = default
    if st is not None and st not in STATUSES:
        raise ValueError("status must be one of %s" % ", ".join(STATUSES))
    if sa is not None and sa not in STATES:
        raise ValueError("state must be one of %s" % ", ".join(STATES))
    if st is None:
        st = STATUS_OF_STATE[sa]
    if sa is None:
        sa = st
    return st, sa

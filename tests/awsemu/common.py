"""Shared pieces of the AWS emulator: errors, state containers, small helpers."""
import datetime
import secrets
import string
import threading
import time
import uuid
from xml.sax.saxutils import escape as _xml_escape


class AwsError(Exception):
    """An error answer.  extra: more members of a JSON error body (e.g.
    Organizations' InvalidInputException carries a Reason)."""

    def __init__(self, code, message, status=400, sender=True, extra=None):
        Exception.__init__(self, message)
        self.code = code
        self.message = message
        self.status = status
        self.sender = sender
        self.extra = extra


def now_ts():
    return time.time()


def iso8601(ts):
    d = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def iso8601_s(ts):
    d = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%SZ")


def xesc(s):
    return _xml_escape(str(s))


def new_uuid():
    return str(uuid.uuid4())


def rand_upper(n, alphabet=string.ascii_uppercase + string.digits):
    return "".join(secrets.choice(alphabet) for _ in range(n))


def rand_hex(n):
    return secrets.token_hex((n + 1) // 2)[:n]


class RegionState:
    def __init__(self):
        self.certs = {}          # arn -> cert dict (insertion ordered)
        self.idem = {}           # token -> (arn, argsig, ts)
        self.cas = {}            # arn -> ca dict (ACM PCA)
        self.ca_idem = {}
        self.expiry_days = 45


class AccountState:
    def __init__(self, account):
        self.account = account
        self.regions = {}
        self.zones = {}          # id -> zone
        self.changes = {}        # id -> change
        self.iam_certs = {}      # name -> server cert

    def region(self, name):
        r = self.regions.get(name)
        if r is None:
            r = self.regions[name] = RegionState()
        return r


class Emu:
    """All emulator state.  One global lock (self.lock) guards it."""

    def __init__(self, opts):
        self.opts = opts
        self.lock = threading.RLock()
        self.initial_keys = {}
        self.keys = {}
        self.reset()

    def reset(self):
        with self.lock:
            self.accounts = {}
            self.keys = {k: dict(v) for k, v in self.initial_keys.items()}
            self.faults = []
            self.quotas_enabled = not self.opts.no_quotas
            self.rates = {}
            self.cert_limit = self.opts.cert_limit
            self.iam_cert_limit = 20
            self.buckets = {}
            self.stats = {}
            self.throttled = {}
            # Client connections that carried an AWS request, open now and
            # the most at once since the stats were reset (awsemu.Handler).
            self.conns_max = getattr(self, "conns_open", 0)
            self.conns_open = getattr(self, "conns_open", 0)
            self.revoked = {}    # ca arn -> {serial int: {reason, at}}
            self.validation_delay = self.opts.validation_delay
            self.change_delay = self.opts.change_delay
            self.renewal_delay = 0.0
            # Seconds after RequestCertificate before DescribeCertificate shows
            # complete DomainValidationOptions (acm._dvos_visible).
            self.dvo_delay = getattr(self.opts, "dvo_delay", 2.0)
            # AWS Organizations (orgs.py): org id -> organization, and
            # account -> org id for every account that is in one.
            self.orgs = {}
            self.org_of = {}
            # Accounts closed and removed from their organization
            # (/_emu/org/remove "closed"): AssumeRole refuses them (sts.py).
            self.closed_accounts = set()
            # IAM roles that STS AssumeRole checks (sts.py): account ->
            # {role name: role}.  An account with no entry here accepts
            # any role ARN unless strict_roles is set.
            self.roles = {}
            self.strict_roles = bool(getattr(self.opts, "strict_roles", False))
            # ACM managed renewal by the periodic sweep (acm.tick); off by
            # default so that nothing renews behind a test's back.
            self.managed_renewal = bool(getattr(self.opts, "managed_renewal", False))

    def add_key(self, akid, secret, account, token=None, expires=None, arn=None):
        with self.lock:
            self.keys[akid] = {"secret": secret, "account": account, "token": token,
                               "expires": expires, "arn": arn}

    def account(self, acct):
        a = self.accounts.get(acct)
        if a is None:
            a = self.accounts[acct] = AccountState(acct)
        return a


class Ctx:
    __slots__ = ("emu", "account", "region", "service", "op", "akid", "key",
                 "request_id", "headers", "query", "body", "path", "method",
                 "resp_headers", "status")

    def __init__(self, **kw):
        self.resp_headers = []
        self.status = 200
        for k, v in kw.items():
            setattr(self, k, v)

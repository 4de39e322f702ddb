#!/bin/bash
# Organizations: credential add --organization (stored, bad input refused),
# every active account of the organization discovered through a role
# assumed in each, accounts added and removed between discoveries (new
# ones found, removed and suspended ones marked gone, never dropped), an
# account without the role reported with AWS's error while the others
# are discovered, an OU filter, role credentials that expire during a
# discovery, acm list --account, deploy --account, credential test ORG.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"
. "$top_srcdir/tests/integration/orglib.sh"

DEV=200000000001 PROD=200000000002 NOROLE=200000000003 OLD=200000000004
OUACCT=200000000005 LATER=200000000006
ROLE=acmd-org EXT=ext-org-1

# The organization: the management account, members (one in an OU, one
# suspended, one where the role does not exist); roles checked strictly.
start_org "us-east-1, eu-west-1" 2
OU=$(emu POST /_emu/org/ous '{"name":"Workloads"}' | jget 'd["id"]')
like "emulator: an OU" '^ou-' "$OU"
member() {	# member ACCOUNT NAME [JSON members...]
	emu POST /_emu/org/accounts "{\"account\":\"$1\",\"name\":\"$2\"${3:-}}" >/dev/null
}
role() {	# role ACCOUNT: the role, trusting the management account
	emu POST /_emu/roles "{\"account\":\"$1\",\"name\":\"$ROLE\",\"external_id\":\"$EXT\",\"trusted\":\"$MGMT\"}" >/dev/null
}
seed() {	# seed ACCOUNT REGION COUNT PREFIX
	emu POST /_emu/seed "{\"account\":\"$1\",\"regions\":[\"$2\"],\"count_per_region\":$3,\"types\":[\"IMPORTED\"],\"domain_prefix\":\"$4\"}" >/dev/null
}
member $DEV dev; member $PROD prod; member $NOROLE norole
member $OLD old ',"status":"SUSPENDED"'; member $OUACCT inou ',"ou":"Workloads"'
for a in $DEV $PROD $OLD $OUACCT; do role $a; done
emu POST /_emu/config '{"strict_roles":true}' >/dev/null
seed $DEV us-east-1 5 dev; seed $DEV eu-west-1 2 deveu; seed $PROD us-east-1 3 prod
seed $OUACCT eu-west-1 2 inou; seed $OLD us-east-1 4 old
seed $MGMT us-east-1 1 mgmt

# Bad input, as a stranger types it: refused with the reason, nothing stored.
addorg() { echo "$SECRET" | ctl credential add "$@" --access-key "$AKID"; }
bad() {	# bad WHAT PATTERN ARGS...
	local what=$1 pat=$2 err rc; shift 2
	err=$(addorg "$@" 2>&1); rc=$?
	is "$what: a usage error (exit 2)" 2 "$rc"
	like "$what: says why" "$pat" "$err"
}
bad "--organization without --role-name" "--role-name: --organization needs --role-name" x --organization
bad "--role-name without --organization" "go with --organization" x --role-name $ROLE
bad "a role ARN as --role-name" "role name .*a name, not an ARN" x --organization --role-name "arn:aws:iam::$DEV:role/$ROLE"
bad "--role-arn with --organization" "--role-arn: --organization takes --role-name" x --organization --role-name $ROLE --role-arn "arn:aws:iam::$DEV:role/$ROLE"
bad "an account id of 11 digits" "'20000000001' is not an AWS account id" x --organization --role-name $ROLE --exclude-account 20000000001
bad "an OU id that is not one" "'Workloads' is not an organization root" x --organization --role-name $ROLE --include-ou Workloads
bad "--exclude-account without --organization" "go with --organization" x --exclude-account $DEV
is "bad input stored nothing" "[]" "$(ctl --json credential list | jget 'json.dumps([r["name"] for r in d])')"

ok "credential add --organization" addorg org --organization --role-name $ROLE \
    --external-id $EXT --exclude-account $MGMT
row=$(ctl --json credential list | jget 'json.dumps(d[0]["organization"], sort_keys=True)')
is "credential list: the organization's settings" '{"accounts": 0, "exclude_accounts": ["111111111111"], "include_ous": [], "role_name": "acmd-org"}' "$row"

# First discovery: every active account but the one without the role.
out=$(ctl --json discover); rc=$?
is "discover exits 0 (an unreachable account does not fail the others)" 0 "$rc"
is "discover: the accounts' certificates (not the suspended or excluded ones)" 12 "$(echo "$out" | jget 'd["found"]')"
is "discover: units of the reachable accounts (2 regions + IAM each)" \
    "$DEV $DEV $DEV $PROD $PROD $PROD $OUACCT $OUACCT $OUACCT" \
    "$(echo "$out" | jget '" ".join(sorted(u["account"] for u in d["regions"]))')"
is "discover: the unreachable account, once" "$NOROLE" "$(echo "$out" | jget '" ".join(u["account"] for u in d["unreachable_accounts"])')"
like "discover: with AWS's error" "AccessDenied.*is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$NOROLE:role/$ROLE" \
    "$(echo "$out" | jget 'd["unreachable_accounts"][0]["error"]')"
human=$(ctl discover 2>&1)
like "discover's table names the unreachable account" "org $NOROLE \(norole\): .*AccessDenied" "$human"
like "the log says so (ACMD_EVENT=account-unreachable in the journal)" "account $NOROLE \(norole\) is unreachable: .*AccessDenied" "$(cat "$DLOG")"
st=$(ctl status)
like "status: the organization's accounts" "organization org \(role $ROLE\): 4 accounts active, 1 gone, 1 excluded, 1 unreachable" "$st"
like "status: the unreachable account with AWS's error" "$NOROLE \(norole\): .*AccessDenied" "$st"

is "acm list --account: that account's certificates" 7 "$(ctl --json acm list --account $DEV | jget 'len(d)')"
is "acm list --account twice" 10 "$(ctl --json acm list --account $DEV --account $PROD | jget 'len(d)')"
is "acm list --credential ORG: every account's" 12 "$(ctl --json acm list --credential org | jget 'len(d)')"
is "acm list: found with the account's credential" "org/$PROD" "$(ctl --json acm list --account $PROD | jget 'd[0]["credential"]')"
# The table (not --json): every row says its account, which is the one
# in its ARN, and the rows of several accounts are told apart by it.
tab=$(ctl acm list --credential org)
like "acm list (table): an ACCOUNT column, after STATUS" "^DOMAIN +TYPE +STATUS +ACCOUNT +REGION " "$(echo "$tab" | head -1)"
is "acm list (table): each row's ACCOUNT is its ARN's" "12 0" \
    "$(echo "$tab" | awk 'NR > 1 { n++; split($NF, a, ":"); if ($4 != a[5]) bad++ } END { print n, bad + 0 }')"
is "acm list (table): the organization's three accounts told apart" "$DEV $PROD $OUACCT" \
    "$(echo "$tab" | awk 'NR > 1 { print $4 }' | sort -u | xargs)"
is "acm list --account (table): that account's rows only" "$PROD $PROD $PROD" \
    "$(ctl acm list --account $PROD | awk 'NR > 1 { print $4 }' | xargs)"
err=$(ctl acm list --account 12345 2>&1); rc=$?
is "acm list --account 12345: a usage error" 2 "$rc"
like "acm list --account 12345: says why" "not an AWS account id" "$err"

# credential test: the organization, each account, which roles work.
t=$(ctl --json credential test org)
is "credential test: the management account" "$MGMT" "$(echo "$t" | jget 'd["management_account"]')"
is "credential test: roles assumed" "$DEV:True $PROD:True $NOROLE:False $OUACCT:True" \
    "$(echo "$t" | jget '" ".join(sorted("%s:%s" % (a["account"], a["assumed"]) for a in d["accounts"] if a["state"] == "active"))')"
is "credential test: suspended and excluded accounts shown as such" "$MGMT:excluded $OLD:gone" \
    "$(echo "$t" | jget '" ".join(sorted("%s:%s" % (a["account"], a["state"]) for a in d["accounts"] if a["state"] != "active"))')"
like "credential test (table): the error of the account without the role" "$NOROLE +norole .*AccessDenied" "$(ctl credential test org)"

# Between discoveries: an account joins, another leaves, the role is added
# where it was missing.
member $LATER later; role $LATER; seed $LATER us-east-1 4 later
ok "emulator: prod leaves the organization" emu POST /_emu/org/remove "{\"account\":\"$PROD\"}"
role $NOROLE
out=$(ctl --json discover)
is "rediscovery: the new account's certificates found, nobody touched acmd" 4 \
    "$(echo "$out" | jget 'sum(u["new"] for u in d["regions"] if u["account"] == "'$LATER'")')"
is "rediscovery: no account unreachable once the role exists" 0 "$(echo "$out" | jget 'len(d["unreachable_accounts"])')"
is "rediscovery: the removed account is not discovered" 0 "$(echo "$out" | jget 'len([u for u in d["regions"] if u["account"] == "'$PROD'"])')"
like "status: the removed account counted gone" "organization org \(role $ROLE\): 4 accounts active, 2 gone, 1 excluded, 0 unreachable" "$(ctl status)"
is "the removed account's certificates are no longer listed as current" 0 "$(ctl --json acm list --account $PROD | jget 'len(d)')"
is "the removed account's certificates are kept, marked gone (acm list --all)" "3 gone" \
    "$(ctl --json acm list --all --account $PROD | jget '"%d %s" % (len(d), " ".join(sorted({"gone" if r.get("gone") else "current" for r in d})))')"
like "the log says its certificates are gone with it" "organization org: 3 certificates of account $PROD marked gone with it" "$(cat "$DLOG")"
is "the other accounts' certificates stay current" 7 "$(ctl --json acm list --account $DEV | jget 'len(d)')"
like "the log says the account is gone" "account $PROD is gone: no longer in the organization" "$(cat "$DLOG")"

# Deploy into one account of the organization.
mkca; mkkey "$T/web.key"; mkleaf "$T/web.crt" "$T/web.key" web.org.test
ok "cert add web" ctl cert add web --cert "$T/web.crt" --key "$T/web.key" --chain "$T/ca.crt"
ok "deploy --credential org --account" ctl deploy web --credential org --account $LATER --region us-east-1
is "the certificate is in that account, not the management's" "1 0" \
    "$(emu GET /_emu/state | jget '"%d %d" % (sum(1 for c in d["accounts"]["'$LATER'"]["regions"]["us-east-1"]["certificates"] if c["domain"] == "web.org.test"), sum(1 for c in d["accounts"]["'$MGMT'"]["regions"]["us-east-1"]["certificates"] if c["domain"] == "web.org.test"))')"
err=$(ctl deploy web --credential org --account $PROD --region us-east-1 2>&1); rc=$?
is "deploy into a gone account: refused (exit 2)" 2 "$rc"
like "deploy into a gone account: says so" "account $PROD is gone from organization org" "$err"
err=$(ctl deploy web --credential org --account 999999999999 --region us-east-1 2>&1)
like "deploy into an account not in the organization: says so" "account 999999999999 is not \(yet\) known in organization org" "$err"
echo "$SECRET" | ctl credential add plain --access-key "$AKID" >/dev/null
err=$(ctl deploy web --credential plain --account $DEV --region us-east-1 2>&1); rc=$?
is "deploy --account with a plain credential: refused (exit 2)" 2 "$rc"
like "deploy --account with a plain credential: says why" "--account goes with --credential ORG" "$err"
ctl credential remove plain >/dev/null

# Expiry notifications for a certificate in one account of the organization.
EARN=$(emu GET /_emu/state | jget "[c['arn'] for c in d['accounts']['$LATER']['regions']['us-east-1']['certificates'] if c['domain'] != 'web.org.test'][0]")
emu POST /_emu/expire "{\"arn\":\"$EARN\",\"days\":5}" >/dev/null
ctl discover --credential org >/dev/null
poll 10 grep -q "CERT_ARN=$EARN" "$DLOG"
like "the expiry job after discovery: the journal's event names the account" "ACMD_EVENT=cert-expiring .*CERT_ARN=$EARN REGION=us-east-1 ACCOUNT=$LATER" "$(cat "$DLOG")"

# A request in one account of the organization.
ok "request public --credential org --account" ctl request public --credential org --account $DEV \
    --region us-east-1 --domain req.org.test --validation dns --manual-dns
is "the request is in that account" "1 0" \
    "$(emu GET /_emu/state | jget '"%d %d" % (sum(1 for c in d["accounts"]["'$DEV'"]["regions"]["us-east-1"]["certificates"] if c["domain"] == "req.org.test"), sum(1 for c in d["accounts"]["'$MGMT'"]["regions"]["us-east-1"]["certificates"] if c["domain"] == "req.org.test"))')"
like "request list: the certificate's ARN is in that account" "^arn:aws:acm:us-east-1:$DEV:certificate/" "$(ctl --json request list | jget '[r["arn"] for r in d if r["domain"] == "req.org.test"][0]')"

# An OU filter: only the accounts directly in that OU.
ok "credential add --include-ou" addorg inou --organization --role-name $ROLE --external-id $EXT --include-ou "$OU"
out=$(ctl --json discover --credential inou)
is "--include-ou: only the OU's account discovered" "$OUACCT $OUACCT $OUACCT" "$(echo "$out" | jget '" ".join(sorted(u["account"] for u in d["regions"]))')"
like "--include-ou: status counts only that account" "organization inou \(role $ROLE\): 1 accounts active, 0 gone, 0 excluded" "$(ctl status)"

# One account of the organization by its credential name, and names
# that are not one.
is "discover --credential org/ACCOUNT: that account alone" "$OUACCT $OUACCT $OUACCT" \
    "$(ctl --json discover --credential org/$OUACCT | jget '" ".join(sorted(u["account"] for u in d["regions"]))')"
err=$(ctl discover --credential org/12 2>&1); rc=$?
is "discover --credential org/12: fails" 1 "$rc"
like "discover --credential org/12: says how an account is named" "an organization's account is named ORG/ACCOUNT, the account 12 digits" "$err"
err=$(ctl discover --credential nosuch/$DEV 2>&1)
like "discover --credential nosuch/ACCOUNT: no such organization" "no organization credential named 'nosuch'" "$err"

# Role credentials that expire during a discovery: assumed again, and the
# discovery goes on without an error.
emu POST /_emu/faults '{"service":"acm","operation":"ListCertificates","delay_ms":2000,"count":20}' >/dev/null
ctl --json discover --credential org --full >"$T/expiry.json" 2>&1 &
cpid=$!
sleep 1
ok "emulator: the role's credentials in $DEV expire mid-discovery" emu POST /_emu/expire-credentials "{\"account\":\"$DEV\",\"role\":\"$ROLE\"}"
wait $cpid; rc=$?
is "discovery across the expiry exits 0" 0 "$rc"
is "discovery across the expiry: no errors" 0 "$(jget 'd["errors"]' <"$T/expiry.json")"
is "discovery across the expiry: the account's certificates all seen (and the one requested)" 8 "$(jget 'sum(u["found"] for u in d["regions"] if u["account"] == "'$DEV'")' <"$T/expiry.json")"
like "the log says the role was assumed again" "expired early; assuming it again" "$(cat "$DLOG")"
emu DELETE /_emu/faults >/dev/null

# An account suspended after it was discovered: its certificates marked
# gone with it; active again, they are current again.
is "before the suspension: the OU account's certificates current" 2 "$(ctl --json acm list --account $OUACCT | jget 'len(d)')"
ok "emulator: the OU account is suspended" emu POST /_emu/org/account-status "{\"account\":\"$OUACCT\",\"status\":\"SUSPENDED\"}"
ctl discover --credential org >/dev/null
is "suspended: its certificates no longer current" 0 "$(ctl --json acm list --account $OUACCT | jget 'len(d)')"
is "suspended: its certificates kept, marked gone" "2 gone" \
    "$(ctl --json acm list --all --account $OUACCT | jget '"%d %s" % (len(d), " ".join(sorted({"gone" if r.get("gone") else "current" for r in d})))')"
ok "emulator: the OU account is active again" emu POST /_emu/org/account-status "{\"account\":\"$OUACCT\",\"status\":\"ACTIVE\"}"
ctl discover --credential org >/dev/null
is "active again: its certificates current again" 2 "$(ctl --json acm list --account $OUACCT | jget 'len(d)')"

finish

#!/bin/bash
# Organizations: an account suspended, or closed and removed, after the
# discovery listed it as active.  AWS then refuses its role (AccessDenied,
# as for a role that does not exist; the emulator does so): acmd reports
# the account with AWS's error (discover's answer, status, the journal's
# ACMD_EVENT=account-unreachable), asks the organization about it
# (DescribeAccount) and marks it gone at once, with the certificates
# found in it, as the next listing would; an account still active whose
# role is refused stays merely unreachable.  The next discovery sees it
# gone in the listing and does not try its role again.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/orglib.sh"

A=400000000001 B=400000000002 C=400000000003 D=400000000004
ROLE=acmd-org

start_org us-east-1 1

# Four members, listed in this order (one account at a time: A first).
# D has roles, but not acmd's: its role is refused while it is active.
for x in "$A a" "$B b" "$C c" "$D d"; do
	set -- $x
	emu POST /_emu/org/accounts "{\"account\":\"$1\",\"name\":\"$2\"}" >/dev/null
	emu POST /_emu/seed "{\"account\":\"$1\",\"regions\":[\"us-east-1\"],\"count_per_region\":2,\"types\":[\"IMPORTED\"],\"domain_prefix\":\"$2\"}" >/dev/null
done
emu POST /_emu/roles "{\"account\":\"$D\",\"name\":\"other\"}" >/dev/null
echo "$SECRET" | ctl credential add org --access-key "$AKID" --organization \
    --role-name $ROLE --exclude-account $MGMT >/dev/null

out=$(ctl --json discover)
is "first discovery: A, B and C found, D unreachable" "6 $D" \
    "$(echo "$out" | jget '"%d %s" % (d["found"], " ".join(u["account"] for u in d["unreachable_accounts"]))')"
is "D (its role refused, the account active): not marked gone" "None" \
    "$(echo "$out" | jget '[u.get("gone") for u in d["unreachable_accounts"]][0]')"

# The next discovery lists all four active.  While A is being discovered
# (its GetCallerIdentity held 8 s: room for the changes on a loaded
# machine), C is suspended and B closed and removed
# (AWS removes a closed account after 90 days), and their role
# credentials expire: acmd must assume their roles again, after the
# listing, and AWS refuses.
emu POST /_emu/faults '{"service":"sts","operation":"GetCallerIdentity","delay_ms":8000,"count":1}' >/dev/null
emu POST /_emu/stats/reset >/dev/null
ctl --json discover >"$T/d2.json" 2>&1 &
cpid=$!
sts_calls() { emu GET /_emu/stats | jget "sum(d['requests'].get('sts', {}).get('$1', {}).values())"; }
arrived() { [ "$(sts_calls GetCallerIdentity)" -ge 1 ]; }
ok "A's GetCallerIdentity arrived" poll 20 arrived
ok "emulator: C suspended" emu POST /_emu/org/account-status "{\"account\":\"$C\",\"status\":\"SUSPENDED\"}"
emu POST /_emu/expire-credentials "{\"account\":\"$C\"}" >/dev/null
ok "emulator: B closed and removed" emu POST /_emu/org/remove "{\"account\":\"$B\",\"closed\":true}"
emu POST /_emu/expire-credentials "{\"account\":\"$B\"}" >/dev/null
check "the changes were made while A's call was held" "$([ "$(sts_calls GetCallerIdentity)" -eq 1 ]; echo $?)"
wait $cpid; rc=$?
emu DELETE /_emu/faults >/dev/null
is "discover exits 0 (the refused accounts do not fail the others)" 0 "$rc"
is "discover: A's certificates found, B's and C's not" "2 $A" \
    "$(jget '"%d %s" % (d["found"], " ".join(sorted({u["account"] for u in d["regions"] if u["found"]})))' <"$T/d2.json")"
is "discover: B, C and D unreachable" "$B $C $D" \
    "$(jget '" ".join(sorted(u["account"] for u in d["unreachable_accounts"]))' <"$T/d2.json")"
like "C: AWS's error" "AccessDenied: User: .* is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$C:role/$ROLE$" \
    "$(jget '[u["error"] for u in d["unreachable_accounts"] if u["account"] == "'$C'"][0]' <"$T/d2.json")"
is "C: marked gone, suspended" "SUSPENDED in the organization, its role refused" \
    "$(jget '[u.get("gone") for u in d["unreachable_accounts"] if u["account"] == "'$C'"][0]' <"$T/d2.json")"
is "B: marked gone, no longer in the organization" "no longer in the organization, its role refused" \
    "$(jget '[u.get("gone") for u in d["unreachable_accounts"] if u["account"] == "'$B'"][0]' <"$T/d2.json")"
is "D (still active): unreachable, not gone" "None" \
    "$(jget '[u.get("gone") for u in d["unreachable_accounts"] if u["account"] == "'$D'"][0]' <"$T/d2.json")"
is "the organization was asked about each refused account (DescribeAccount)" 3 \
    "$(emu GET /_emu/stats | jget "sum(d['requests'].get('organizations', {}).get('DescribeAccount', {}).values())")"

# Their certificates: no longer current, kept, marked gone.
for x in "$B b" "$C c"; do
	set -- $x
	is "$2: its certificates no longer current" 0 "$(ctl --json acm list --account $1 | jget 'len(d)')"
	is "$2: its certificates kept, marked gone (acm list --all)" "2 gone" \
	    "$(ctl --json acm list --all --account $1 | jget '"%d %s" % (len(d), " ".join(sorted({"gone" if r.get("gone") else "current" for r in d})))')"
done
is "A's certificates stay current" 2 "$(ctl --json acm list --account $A | jget 'len(d)')"

# status and the journal.
st=$(ctl status)
like "status: C counted gone, and unreachable" "organization org \(role $ROLE\): 2 accounts active, 2 gone, 1 excluded, 3 unreachable" "$st"
like "status: C with AWS's error, marked gone" "$C \(c\): .*AccessDenied: .*sts:AssumeRole.* -- marked gone: SUSPENDED in the organization, its role refused" "$st"
like "status: B, marked gone" "$B \(b\): .*AccessDenied: .* -- marked gone: no longer in the organization" "$st"
like "status: D, with AWS's error" "$D \(d\): .*AccessDenied: " "$st"
unlike "status: D, not marked gone" "marked gone" "$(echo "$st" | grep "$D (d)")"
is "status --json: C's row says why it is gone" "SUSPENDED in the organization, its role refused" \
    "$(ctl --json status | jget '[u["gone"] for o in d["organizations"] for u in o["unreachable"] if u["account"] == "'$C'"][0]')"
like "the journal: account-unreachable for C" "account $C \(c\) is unreachable: .*AccessDenied.*ACMD_EVENT=account-unreachable ACCOUNT=$C CREDENTIAL=org" "$(cat "$DLOG")"
like "the log: C is gone" "account $C is gone: SUSPENDED in the organization, its role refused" "$(cat "$DLOG")"
like "the log: its certificates marked gone with it" "organization org: 2 certificates of account $C marked gone with it" "$(cat "$DLOG")"

# The next discovery: the listing has C suspended and B no more; neither
# role is tried again, and status no longer counts them unreachable.
emu POST /_emu/stats/reset >/dev/null
out=$(ctl --json discover)
is "next discovery: only D unreachable" "$D" "$(echo "$out" | jget '" ".join(u["account"] for u in d["unreachable_accounts"])')"
is "next discovery: B's and C's roles not tried (D's alone, refused again, and asked about)" "1 1" \
    "$(sts_calls AssumeRole) $(emu GET /_emu/stats | jget "sum(d['requests'].get('organizations', {}).get('DescribeAccount', {}).values())")"
like "status: B and C gone, D alone unreachable" "organization org \(role $ROLE\): 2 accounts active, 2 gone, 1 excluded, 1 unreachable" "$(ctl status)"

# C active again: its role works, its certificates are current again.
ok "emulator: C active again" emu POST /_emu/org/account-status "{\"account\":\"$C\",\"status\":\"ACTIVE\"}"
out=$(ctl --json discover)
is "C active again: discovered, reachable" "2 $D" \
    "$(echo "$out" | jget '"%d %s" % (sum(u["found"] for u in d["regions"] if u["account"] == "'$C'"), " ".join(u["account"] for u in d["unreachable_accounts"]))')"
is "C active again: its certificates current" 2 "$(ctl --json acm list --account $C | jget 'len(d)')"

finish

#!/bin/bash
# [aws] max_connections: however many accounts of an organization and
# regions run at once, acmd holds no more connections to AWS open than the
# setting says (counted by the emulator: connections that carried an AWS
# request, open at once), a reload changes the bound, and acmd -n refuses
# a value out of its range with the setting named.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/orglib.sh"

ACCTS="300000000001 300000000002 300000000003"

stat() {	# stat FIELD: from the emulator's /_emu/stats
	emu GET /_emu/stats | jget "d['$1']"
}

# acmd with max_connections = 3; three member accounts (roles accepted:
# none defined), each with certificates in two regions: 9 units (2
# regions and IAM per account) that run at once, each describing its
# certificates.
start_org "us-east-1, eu-west-1" 3 "max_connections = 3"
for a in $ACCTS; do
	emu POST /_emu/org/accounts "{\"account\":\"$a\"}" >/dev/null
	emu POST /_emu/seed "{\"account\":\"$a\",\"regions\":[\"us-east-1\",\"eu-west-1\"],\"count_per_region\":6,\"types\":[\"IMPORTED\"],\"domain_prefix\":\"c$a\"}" >/dev/null
done
echo "$SECRET" | ctl credential add org --access-key "$AKID" --organization \
    --role-name acmd-reader --exclude-account $MGMT >/dev/null
# Each DescribeCertificate takes 150 ms: the calls overlap.
emu POST /_emu/faults '{"service":"acm","operation":"DescribeCertificate","delay_ms":150}' >/dev/null

emu POST /_emu/stats/reset >/dev/null
out=$(ctl --json discover)
is "discover: every account's certificates found, no error" "36 0" \
    "$(echo "$out" | jget '"%d %d" % (d["found"], d["errors"])')"
peak=$(stat connections_max)
check "max_connections = 3: at most 3 connections open at once, and more than one used (peak $peak)" \
    "$([ "$peak" -ge 2 ] && [ "$peak" -le 3 ]; echo $?)"
check "max_connections = 3: at most 3 still open after the discovery ($(stat connections_open))" \
    "$([ "$(stat connections_open)" -le 3 ]; echo $?)"

# A reload raises the bound: the same discovery opens more.
sed -i 's/^max_connections = 3$/max_connections = 12/' "$CONF"
kill -HUP "$DPID"
poll 10 grep -q "configuration reloaded" "$DLOG"
emu POST /_emu/stats/reset >/dev/null
out=$(ctl --json discover --full)
is "after the reload: the discovery again, no error" "36 0" \
    "$(echo "$out" | jget '"%d %d" % (d["found"], d["errors"])')"
peak=$(stat connections_max)
check "max_connections = 12 (reloaded): more than 3 at once, at most 12 (peak $peak)" \
    "$([ "$peak" -gt 3 ] && [ "$peak" -le 12 ]; echo $?)"
emu DELETE /_emu/faults >/dev/null

# acmd -n: out of range, or not a number, refused with the setting named.
for bad in 0 1025 many; do
	printf '[aws]\nmax_connections = %s\n' "$bad" >"$T/bad.conf"
	err=$("$ACMD" -n -c "$T/bad.conf" 2>&1); rc=$?
	is "acmd -n refuses max_connections = $bad (exit 1)" 1 "$rc"
	like "acmd -n: says which setting and why" "bad.conf:2: aws.max_connections: .*$bad" "$err"
done
printf '[aws]\nmax_connections = 1\n' >"$T/one.conf"
like "acmd -n accepts max_connections = 1" "^max_connections = 1$" "$("$ACMD" -n -c "$T/one.conf" 2>&1 | sed -n '/^\[aws\]/,/^\[/p')"

finish

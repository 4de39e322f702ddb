#!/bin/bash
# The expiry job scans the inventory in slices (one per turn of the loop),
# not in one callback: with slices made tiny and slow for the test
# (ACMD_EXPIRY_SLICE), a scan over 800 certificates is caught in
# progress.  An inventory that moves under it (a discovery adding
# certificates, its batches into acm list's cache, the rebuild at its
# end), a notify check asked meanwhile, a reload: each certificate near
# expiry (ACM, IAM and the repository) is notified exactly once, nothing
# is sent before the scan ends, and a stop with a slice pending is clean.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"
. "$top_srcdir/tests/integration/notifylib.sh"

R=us-east-1
N=800

start_sink
W=$SINK/webhook.jsonl
posts() {	# posts KEY VALUE: webhook POSTs whose KEY is VALUE
	[ -f "$W" ] || { echo 0; return; }
	/usr/bin/python3 -c "
import json, sys
print(sum(1 for l in open('$W') if json.loads(l).get(sys.argv[1]) == sys.argv[2]))" "$1" "$2"
}
nposts() { [ -f "$W" ] && wc -l <"$W" | tr -d ' ' || echo 0; }

ok "make a repository certificate with 10 days left" mkcert repo10 10
ok "make an IAM certificate with 5 days left" mkcert iam5 5

ok "emulator starts" start_emulator --no-quotas
write_conf \
    "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" "regions = $R" \
    "rate_limits = no" "[jobs]" "discovery_interval = 0" \
    "expiry_interval = 0" "[notify]" "thresholds = 30 15 7 1" \
    "webhook_url = http://127.0.0.1:$HPORT/hook"
# 20 rows a slice, 400 ms apart: the scan of 800 rows takes 16 s (the
# discovery during it, of 1,100, takes a few on a loaded machine).
ACMD_EXPIRY_SLICE=20,400 ok "acmd starts with tiny slices" start_daemon
ok "credential added" add_credential
like "the log names the test knob" "scan slices of 20 rows, 400 ms apart" "$(cat "$DLOG")"

emu POST /_emu/seed '{"account":"'$ACCT'","regions":["'$R'"],"count_per_region":'$N',
    "types":["AMAZON_ISSUED","IMPORTED"],"domain_prefix":"slice"}' >/dev/null
# Three near expiry: the first, one in the middle and the last in the
# cache's order (account, region, ARN), so before and after the place
# the scan has reached when the inventory moves.
emu GET /_emu/state | jget "'\n'.join(sorted(c['arn'] for c in d['accounts']['$ACCT']['regions']['$R']['certificates']))" >"$T/arns"
A1=$(sed -n 1p "$T/arns"); A2=$(sed -n 400p "$T/arns"); A3=$(sed -n "${N}p" "$T/arns")
for a in "$A1" "$A2" "$A3"; do
	emu POST /_emu/expire "{\"arn\":\"$a\",\"days\":5}" >/dev/null
done
ok "aws iam upload-server-certificate (5 days left)" awsc iam \
    upload-server-certificate --server-certificate-name web5 --path /edge/ \
    --certificate-body "file://$T/iam5.crt" --private-key "file://$T/iam5.key"
ok "cert add of the repository one (10 days left)" \
    ctl cert add repo10 --cert "$T/repo10.crt" --key "$T/repo10.key"

# The discovery's end starts the expiry job; its scan runs in slices.
: >"$T/mark"
ok "discover finds the inventory" ctl discover
nslices() { grep -c 'expiry: slice [0-9]*,' "$DLOG"; }
slices_ge() { [ "$(nslices)" -ge "$1" ]; }
posts_ge() { [ "$(nposts)" -ge "$1" ]; }
scanned() { grep -q 'expiry: [0-9]* inventory rows scanned in' "$DLOG"; }
ok "the scan is under way in slices" poll 20 slices_ge 3
check "nothing sent while the scan is in progress" "$(! scanned && [ "$(nposts)" = 0 ]; echo $?)"

# Meanwhile: a notify check (it waits for this run), certificates added
# in ACM and discovered (batches into the cache, then its rebuild), and
# a reload.
ctl --json notify check >"$T/check.json" 2>"$T/check.err" &
CPID=$!
emu POST /_emu/seed '{"account":"'$ACCT'","regions":["'$R'"],"count_per_region":300,
    "types":["IMPORTED"],"domain_prefix":"later"}' >/dev/null
ok "a discovery during the scan" ctl discover
ok "a reload during the scan" kill -HUP "$DPID"
check "the scan was still in progress after that discovery" "$(! scanned; echo $?)"
ok "the scan ends" poll 60 scanned
wait "$CPID"; rc=$?
is "notify check asked during the scan exits 0" 0 "$rc"
like "the scan took many slices" 'expiry: (1[1-9][0-9]|[2-9][0-9]{2}|[0-9]{4,}) inventory rows scanned in ([4-9][0-9]|[0-9]{3,}) slices' \
    "$(grep 'inventory rows scanned in' "$DLOG")"
rows=$(grep -o 'expiry: [0-9]* inventory rows scanned' "$DLOG" | head -1 | grep -o '[0-9]*')
check "no row scanned twice: at most the $N, the IAM one and the 300 added ($rows)" \
    "$([ "$rows" -ge $((N + 1)) ] && [ "$rows" -le $((N + 301)) ]; echo $?)"

is "notify check answered with this run's five notifications" \
    "acm $A1|acm $A2|acm $A3|iam $ACCT/web5|repository repo10" \
    "$(jget "'|'.join(sorted(x['source'] + ' ' + x['id'] for x in d))" <"$T/check.json")"
ok "the webhook got them" poll 20 posts_ge 5
for a in "$A1" "$A2" "$A3"; do
	is "exactly one notification for ${a##*/}" 1 "$(posts arn "$a")"
done
is "exactly one for the IAM certificate, by its name" 1 "$(posts name web5)"
is "  with its account" "$ACCT" "$(/usr/bin/python3 -c "
import json
print([json.loads(l) for l in open('$W') if json.loads(l).get('name') == 'web5'][0]['account'])")"
is "exactly one for the repository's" 1 "$(posts name repo10)"
is "five notifications in all" 5 "$(nposts)"

# The states kept make the next run send nothing again.
out=$(ctl --json notify check); rc=$?
is "a second notify check exits 0" 0 "$rc"
is "  and notifies nothing" 0 "$(echo "$out" | jget 'len(d)')"
is "  the webhook got nothing more" 5 "$(nposts)"

# A stop with a slice pending: acmd exits cleanly (no answer to the
# client that waits, no use of what was freed: see the sanitizer build).
ctl notify check >"$T/stop.out" 2>&1 &
CPID=$!
n0=$(grep -c 'inventory rows scanned in' "$DLOG")
n1=$(nslices)
poll 20 slices_ge $((n1 + 2))
ok "stop during a scan" stop_daemon
wait "$CPID"; rc=$?
check "the notify check waiting for it fails (exit $rc)" "$([ "$rc" -ne 0 ]; echo $?)"
like "  saying why (or that acmd closed the connection)" "acmd (is stopping|closed the connection)" "$(cat "$T/stop.out")"
is "that scan did not end" "$n0" "$(grep -c 'inventory rows scanned in' "$DLOG")"
is "no notification from it" 5 "$(nposts)"

finish

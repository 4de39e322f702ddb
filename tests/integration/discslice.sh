#!/bin/bash
# A discovery's long steps run in slices (daemon/jobs/discovery-slice.c):
# an incremental page's comparisons, the batch written into the store,
# the scan of the region's records for what is gone.  Between slices the
# loop serves clients, and a client may change the region meanwhile.
# ACMD_DISCOVERY_SLICE=5:30 (for tests) makes each slice 5 records and
# puts 30 ms between slices, so that 300 certificates take a few seconds
# and what this test does lands half-way through a step (the debug log
# shows the step going on before and after it):
# 1. the scan for what is gone, half-way: a deploy into the region (not
#    in the listing: not gone), delete (forget) of a certificate ACM no longer
#    has (stays forgotten, not written back as gone), acm list and status
#    answered;
# 2. an incremental page half-way: another deploy, a reload (SIGHUP),
#    acm list and status; the page's certificates are all kept, nothing
#    is marked gone;
# 3. acmd stopped with the scan for what is gone half-way: nothing of it
#    was written, the next discovery does it.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"
R=us-east-1
N=300
export ACMD_DISCOVERY_SLICE=5:30
start_one_region
unset ACMD_DISCOVERY_SLICE

emu POST /_emu/seed '{"account":"'$ACCT'","regions":["'$R'"],"count_per_region":'$N',"types":["IMPORTED"],"domain_prefix":"slice"}' >/dev/null
ok "the first discovery (full)" ctl discover
like "acmd says its slices are capped (a knob for tests)" \
    "slices of 5 records at most, 30 ms apart" "$(cat "$DLOG")"
is "it found the $N" $N "$(ctl --json acm list | jget 'len(d)')"
like "its page went on in slices" \
    "$R: the listing's page goes on in the next slice" "$(cat "$DLOG")"
like "its last batch went on in slices" \
    "$R: the last batch goes on in the next slice" "$(cat "$DLOG")"

mkca
mkkey "$T/web.key"; mkleaf "$T/web.crt" "$T/web.key" web.slice.test
mkkey "$T/api.key"; mkleaf "$T/api.crt" "$T/api.key" api.slice.test
ok "cert add web" ctl cert add web --cert "$T/web.crt" --key "$T/web.key" --chain "$T/ca.crt"
ok "cert add api" ctl cert add api --cert "$T/api.crt" --key "$T/api.key" --chain "$T/ca.crt"

ctl --json acm list | jget '"\n".join(sorted(r["arn"] for r in d))' >"$T/arns"
G1=$(sed -n 10p "$T/arns"); G2=$(sed -n 150p "$T/arns"); G3=$(sed -n 290p "$T/arns")
for a in "$G1" "$G2" "$G3"; do
	awsc acm delete-certificate --certificate-arn "$a" >/dev/null
done
is "three certificates deleted from ACM behind acmd's back" $((N - 3)) \
    "$(emu_py "len(certs('$R'))")"

# steps_after LINE STEP: log lines past LINE that say STEP goes on.
steps_after() { tail -n "+$(($1 + 1))" "$DLOG" | grep -c "$R: $2 goes on in the next slice"; }
under_way() { [ "$(steps_after "$1" "$2")" -ge 3 ]; }
mark() { wc -l <"$DLOG"; }

# midway OUT STEP NAME [COMMAND...]: a discovery (its output into OUT);
# once STEP has gone on a few slices, NAME deployed into the region, the
# command, acm list and status; then the discovery's end, and STEP went on
# after all that.
midway() {
	local out=$1 step=$2 name=$3 m0 m1 disc rc
	shift 3
	m0=$(mark)
	ctl discover >"$out" 2>&1 &
	disc=$!
	ok "$step: under way" poll 60 under_way "$m0" "$step"
	ok "$step: deploy $name into the region meanwhile" \
	    ctl deploy "$name" --credential main --region $R
	[ $# -eq 0 ] || ok "$step: $* meanwhile" "$@"
	ok "$step: acm list answers meanwhile" ctl --json acm list
	ok "$step: status answers meanwhile" ctl status
	m1=$(mark)
	wait "$disc"
	rc=$?
	is "$step: the discovery ended well" 0 "$rc"
	check "$step: went on after all that (it was half-way)" \
	    "$([ "$(steps_after "$m1" "$step")" -ge 1 ]; echo $?)" \
	    "$(tail -n 20 "$DLOG")"
}

# outcome NAME OUT FOUND GONE: the discovery's counts; NAME deployed
# meanwhile is in ACM (its ARN into ARN) and not gone.
outcome() {
	ARN=$(dep_get "$1" $R arn)
	like "$1 is in ACM" '^arn:aws:acm:' "$ARN"
	like "the discovery found the $3 listed, $4 gone" "$3 found.* $4 gone" \
	    "$(cat "$2")"
	is "$1's certificate is not gone" False \
	    "$(ctl --json acm show "$ARN" | jget 'bool(d.get("gone"))')"
}

# 1. The scan for what is gone, half-way; one it will find is forgotten.
midway "$T/disc1.out" "the scan for what is gone" web ctl delete --yes "$G2"
outcome web "$T/disc1.out" $((N - 3)) 2
WEB=$ARN
is "and is linked to web version 1" "web 1" \
    "$(ctl --json acm show "$WEB" | jget '"%s %s" % ((d.get("linked") or {}).get("name"), (d.get("linked") or {}).get("version"))')"
is "the two others deleted from ACM are gone" "True True" \
    "$(for a in "$G1" "$G3"; do ctl --json acm show "$a" | jget 'bool(d.get("gone"))'; done | paste -sd' ')"
ctl --json acm show "$G2" >"$T/g2.out" 2>&1
like "the one deleted from acmd stays forgotten" ENOTFOUND "$(cat "$T/g2.out")"
is "acm list: the listed and web" $((N - 3 + 1)) "$(ctl --json acm list | jget 'len(d)')"
is "acm list --all: and the two gone" $((N - 3 + 1 + 2)) "$(ctl --json acm list --all | jget 'len(d)')"

# 2. An incremental page, half-way.
midway "$T/disc2.out" "the listing's page" api kill -HUP "$DPID"
outcome api "$T/disc2.out" $((N - 3 + 1)) 0
API=$ARN
is "acm list: the listed, web and api" $((N - 3 + 2)) "$(ctl --json acm list | jget 'len(d)')"
ok "a third discovery" ctl discover
is "it changes nothing: the same rows" $((N - 3 + 2)) "$(ctl --json acm list | jget 'len(d)')"
is "web and api still not gone" "False False" \
    "$(for a in "$WEB" "$API"; do ctl --json acm show "$a" | jget 'bool(d.get("gone"))'; done | paste -sd' ')"

# 3. acmd stopped while the scan for what is gone is half-way: nothing of
# it was written; the next discovery does it all.
G4=$(sed -n 200p "$T/arns")
awsc acm delete-certificate --certificate-arn "$G4" >/dev/null
m0=$(mark)
ctl discover >/dev/null 2>&1 &
DISC=$!
ok "the scan is under way again" poll 60 under_way "$m0" "the scan for what is gone"
ok "acmd stops (SIGTERM) with the next slice pending" stop_daemon
wait "$DISC"
export ACMD_DISCOVERY_SLICE=5:30
ok "acmd starts again" start_daemon
unset ACMD_DISCOVERY_SLICE
is "the certificate deleted from ACM is not marked gone yet" False \
    "$(ctl --json acm show "$G4" | jget 'bool(d.get("gone"))')"
ctl discover >"$T/disc4.out" 2>&1
like "the next discovery marks it gone" "$((N - 3 + 1)) found.* 1 gone" \
    "$(cat "$T/disc4.out")"
is "it is gone" True "$(ctl --json acm show "$G4" | jget 'bool(d.get("gone"))')"
is "acm list: the rest" $((N - 3 + 1)) "$(ctl --json acm list | jget 'len(d)')"

finish

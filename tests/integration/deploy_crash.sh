#!/bin/bash
# Crash safety: acmd killed with SIGKILL at a random moment of a 10-region
# deploy and started again on the same state ends with every region
# deployed exactly once: one ACM certificate with the repository's
# fingerprint per region, and the deployment record points at it.
# Odd rounds deploy a new certificate; even rounds renew the previous
# round's certificate (deployed everywhere) and deploy the new version
# without --replace.  From round 3 on, ImportCertificate is delayed in the
# emulator so that the kill often lands while an import is in flight.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"

REGIONS="us-east-1 us-east-2 us-west-1 us-west-2 eu-west-1 eu-west-2 eu-central-1 ap-southeast-1 ap-southeast-2 ap-northeast-1"
ROUNDS=${CRASH_ROUNDS:-8}
BUDGET=${CRASH_BUDGET:-50}	# seconds: no new round after that

ok "emulator starts" start_emulator --no-quotas
E=http://127.0.0.1:$EMU_PORT
write_conf "[aws]" "endpoint_url = $E" "regions = $(echo $REGIONS | sed 's/ /, /g')" \
    "rate_limits = no" "[jobs]" "mismatch_interval = 1h"
ok "acmd starts" start_daemon
ok "credential add" add_credential
mkca
rargs=
for r in $REGIONS; do rargs="$rargs --region $r"; done

settled() {	# settled NAME: no deployment of NAME in flight
	ctl --json deploy list "$1" >"$T/settle.json" 2>/dev/null || return 1
	jget '"deploying" not in [r["state"] for r in d]' <"$T/settle.json" | grep -qx True
}

verify() {	# verify NAME FP: per region "REGION COUNT ARN-OK STATE"; bad ones
	ctl --json deploy list "$1" >"$T/dl.json" 2>/dev/null
	emu GET /_emu/state >"$T/st.json"
	/usr/bin/python3 - "$T/dl.json" "$T/st.json" "$2" $REGIONS <<'EOF'
import json, sys
try:
    deps = json.load(open(sys.argv[1]))
except Exception:
    deps = []
st = json.load(open(sys.argv[2]))
fp = sys.argv[3]
regs = st["accounts"].get("111111111111", {}).get("regions", {})
bad = []
for r in sys.argv[4:]:
    certs = regs.get(r, {}).get("certificates", [])
    mine = [c["arn"] for c in certs if c["fingerprint"] == fp]
    rec = [d for d in deps if d["region"] == r]
    arn = rec[0]["arn"] if rec else None
    state = rec[0]["state"] if rec else "none"
    if len(mine) != 1 or arn not in mine or state != "in-sync":
        bad.append("%s: %d ACM certificate(s) with the fingerprint%s, record %s %s" % (
            r, len(mine), " " + " ".join(mine) if mine else "", state, arn))
print("\n".join(bad))
EOF
}

rounds=0 dup_rounds=0 prev=
for i in $(seq 1 "$ROUNDS"); do
	[ $SECONDS -ge "$BUDGET" ] && break
	rounds=$((rounds + 1))
	if [ $((i % 2)) = 1 ] || [ -z "$prev" ]; then
		name=c$i
		mkkey "$T/$name.key"
		mkleaf "$T/$name.crt" "$T/$name.key" $name.crash.test
		ctl cert add $name --cert "$T/$name.crt" --key "$T/$name.key" \
		    --chain "$T/ca.crt" >/dev/null 2>&1
		what="new certificate $name"
		crt=$T/$name.crt
	else
		name=$prev
		mkkey "$T/$name.r$i.key"
		mkleaf "$T/$name.r$i.crt" "$T/$name.r$i.key" $name.crash.test
		ctl cert renew $name --cert "$T/$name.r$i.crt" \
		    --key "$T/$name.r$i.key" --chain "$T/ca.crt" >/dev/null 2>&1
		what="renewed $name, its new version"
		crt=$T/$name.r$i.crt
	fi
	fp=$(fp_of "$crt")
	emu DELETE /_emu/faults >/dev/null
	[ "$i" -ge 3 ] && emu POST /_emu/faults \
	    '{"service":"acm","operation":"ImportCertificate","delay_ms":200}' >/dev/null
	ms=$((RANDOM % 300))
	ctl deploy $name --credential main $rargs >"$T/deploy.$i.out" 2>&1 &
	cpid=$!
	sleep "$(printf '0.%03d' $ms)"
	kill_daemon
	wait $cpid 2>/dev/null
	emu DELETE /_emu/faults >/dev/null
	start_daemon || { check "round $i: acmd restarts" 1; break; }
	wait_for 20 settled $name
	# What the restart alone resumed (regions the command reached).
	bad=$(verify $name "$fp" | grep -v ': 0 ACM certificate(s) with the fingerprint, record none' || true)
	if printf '%s' "$bad" | grep -q 'ACM certificate(s)'; then
		dup=$(printf '%s\n' "$bad" | grep -Ev ': [01] ACM' || true)
	else
		dup=
	fi
	check "round $i ($what, killed after ${ms} ms): no region with a second certificate after the restart" \
	    "$([ -z "$dup" ]; echo $?)" "$dup"
	# The command again (the user's retry): every region, exactly once.
	ctl deploy $name --credential main $rargs >"$T/redeploy.$i.out" 2>&1
	wait_for 20 settled $name
	bad=$(verify $name "$fp")
	check "round $i: every region deployed exactly once, records point at it" \
	    "$([ -z "$bad" ]; echo $?)" "$bad"
	[ -n "$bad" ] && dup_rounds=$((dup_rounds + 1))
	prev=$name
	[ $((i % 2)) = 0 ] && prev=
done
echo "# $rounds rounds run in ${SECONDS}s; $dup_rounds broke the invariant"
check "at least 4 rounds ran" "$([ $rounds -ge 4 ]; echo $?)"
finish

#!/bin/bash
# /healthz and a stuck job ([metrics] stuck_after, issue 18).  A job is
# stuck when it has run for stuck_after without a step forward, not when
# it merely runs long: a discovery that takes twice stuck_after but moves
# all along (each DescribeCertificate answered in a second) leaves
# /healthz at 200; one whose ListCertificates hangs (the emulator holds
# the answer) makes it 503, naming the job, how long and the bound, and
# acmd_job_last_progress_timestamp_seconds stays at the run's start; once
# the answer comes and the discovery ends, 200 again.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"

MC="/usr/bin/python3 $top_srcdir/tests/integration/metrics_client.py"
MPORT=$($MC freeport)
M=http://127.0.0.1:$MPORT

ok "emulator starts" start_emulator --no-quotas
write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
    "regions = us-east-1" "rate_limits = no" "max_transfers = 8" "[jobs]" \
    "discovery_interval = 0" "[metrics]" "listen = 127.0.0.1:$MPORT" \
    "stuck_after = 3s"
ok "acmd starts with stuck_after = 3s" start_daemon
ok "credential add" add_credential
emu POST /_emu/seed '{"account":"'$ACCT'","regions":["us-east-1"],"count_per_region":48,
    "types":["IMPORTED"]}' >/dev/null

# health_while PID FILE: /healthz's status codes while PID runs, one a line
health_while() {
	while kill -0 "$1" 2>/dev/null; do
		curl -s -o "$2.body" -w '%{http_code}\n' -m 10 "$M/healthz" >>"$2"
		grep -v '^ok$' "$2.body" >>"$2.why"
		sleep 0.3
	done
}

# --- long but moving: healthy -----------------------------------------------
emu POST /_emu/faults '{"service":"acm","operation":"DescribeCertificate","delay_ms":1000}' >/dev/null
: >"$T/codes"
t0=$SECONDS
ctl discover >"$T/disc1" 2>&1 &
dp=$!
health_while "$dp" "$T/codes"
wait "$dp"
is "a discovery with every DescribeCertificate a second slow exits 0" 0 $?
took=$((SECONDS - t0))
check "it ran longer than stuck_after ($took s)" "$([ "$took" -gt 3 ]; echo $?)"
check "/healthz was asked while it ran ($(wc -l <"$T/codes") times)" \
    "$([ "$(wc -l <"$T/codes")" -ge 5 ]; echo $?)"
is "and answered 200 every time (it moved all along)" "" \
    "$(grep -v '^200$' "$T/codes" | sort | uniq -c | tr '\n' ' ')$(sort -u "$T/codes.why")"
emu DELETE /_emu/faults >/dev/null

# --- a step that does not come: stuck ----------------------------------------
emu POST /_emu/faults '{"service":"acm","operation":"ListCertificates","delay_ms":9000,"count":1}' >/dev/null
ctl discover >"$T/disc2" 2>&1 &
dp=$!
t0=$(date +%s)
health503() { [ "$(curl -s -o "$T/health" -w '%{http_code}' -m 10 "$M/healthz")" = 503 ]; }
ok "ListCertificates held: /healthz 503 within 8 s" poll 8 health503
like "  says unhealthy" '^unhealthy$' "$(cat "$T/health")"
like "  names the job, how long it ran, and the bound" \
    '^job discovery: stuck: running for [0-9]+ s, no step forward for [0-9]+ s \(stuck_after 3 s\)$' \
    "$(cat "$T/health")"
lp=$($MC samples "$M/metrics" | jget "[s[2] for s in d if s[0] == 'acmd_job_last_progress_timestamp_seconds' and s[1].get('name') == 'discovery'][0]")
check "acmd_job_last_progress_timestamp_seconds{discovery} is the run's start ($lp, started $t0)" \
    "$(/usr/bin/python3 -c "import sys; sys.exit(not abs($lp - $t0) <= 2)"; echo $?)"
like "  other checks still pass: ping" 'pong' "$(ctl ping 2>&1)"
wait "$dp"
is "the held discovery ends once the answer comes" 0 $?
like "/healthz: 200 again" '^HTTP/1.1 200' "$(curl -sS -i "$M/healthz" | tr -d '\r')"

# --- the setting --------------------------------------------------------------
for bad in "stuck_after = 0" "stuck_after = soon" "stuck_after = 31d"; do
	write_conf "[metrics]" "$bad"
	out=$("$ACMD" -n -c "$CONF" 2>&1); rc=$?
	check "acmd -n refuses '$bad', naming the setting" \
	    "$([ $rc -ne 0 ] && echo "$out" | grep -q 'metrics\.stuck_after'; echo $?)" "$out"
done
write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" "[metrics]" "stuck_after = 30m"
check "acmd -n accepts 'stuck_after = 30m'" "$("$ACMD" -n -c "$CONF" >/dev/null 2>&1; echo $?)"

finish

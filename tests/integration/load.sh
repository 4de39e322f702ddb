#!/bin/bash
# 200 clients issue read commands at once while a discovery runs: every
# answer comes back, none is an error.  (Figures: scripts/bench.sh load.)
. "$top_srcdir/tests/integration/lib.sh"
ulimit -n 8192 2>/dev/null || ulimit -n 4096
ok "emulator starts" start_emulator --no-quotas
emu POST /_emu/seed '{"account":"111111111111","regions":["us-east-1","eu-west-1"],"count_per_region":400}' >/dev/null
write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
    "regions = us-east-1 eu-west-1" "rate_limits = no" "[jobs]" "discovery_interval = 0"
ok "acmd starts" start_daemon
echo emusecret0000000000000000000000000000001 | ctl credential add main --access-key AKIDEXAMPLE000000001 >/dev/null
ctl discover >"$T/disc.out" 2>&1 &
dpid=$!
out=$(/usr/bin/python3 "$top_srcdir/tests/integration/loadclients.py" "$SOCK" 200 5 2>&1); rc=$?
echo "$out" | sed 's/^/# /'
is "200 clients x 5 read commands during a discovery: no error" 0 "$rc"
like "every answer counted" 'requests 1000, errors 0' "$out"
wait $dpid; rc=$?
is "the discovery finished too" 0 "$rc"
like "and found everything" '800 found' "$(cat "$T/disc.out")"
finish

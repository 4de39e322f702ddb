#!/bin/bash
# The metrics page's inventory lines are rendered in slices at the loop's
# lowest priority (daemon/metrics-inv.c).  While a new rendering is in
# progress a scrape gets the last complete page, well-formed (promtool)
# and saying so (acmd_inventory_stale 1); the new page arrives once the
# slices are done.  The very first page is answered when it is ready, and
# acmd answers ping meanwhile.  2,500 certificates: more than one slice
# of rows (1,000), so the scrape that finds the inventory moved cannot
# finish the rendering itself, whatever the machine's speed.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"
. "$top_srcdir/tests/integration/metricslib.sh"
need_prometheus promtool
R=us-east-1
N=2500

ok "emulator starts" start_emulator --no-quotas
write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
    "regions = $R" "rate_limits = no" "[jobs]" "discovery_interval = 0" \
    "[metrics]" "listen = 127.0.0.1:$MPORT"
ok "acmd starts with a metrics listener" start_daemon
ok "credential added" add_credential
emu POST /_emu/seed '{"account":"'$ACCT'","regions":["'$R'"],"count_per_region":'$N',
    "domain_prefix":"slice"}' >/dev/null
ok "discover finds the $N" ctl discover

# page FILE: a scrape into FILE; prints "LINES STALE" (certificate lines
# of the inventory, the stale gauge).
page() {
	curl -sS -o "$1" "$M/metrics" || return 1
	/usr/bin/python3 - "$1" <<'PY'
import sys
n, stale = 0, None
for line in open(sys.argv[1]):
    if line.startswith('acmd_certificate_not_after_timestamp_seconds{source="acm"'):
        n += 1
    elif line.startswith("acmd_inventory_stale "):
        stale = int(float(line.split()[1]))
print(n, stale)
PY
}
settled() {	# the page is current: every line, not stale
	[ "$(page "$T/p.txt")" = "$1 0" ]
}

ok "the first page has all $N lines and, once current, says so (stale 0)" \
    poll 60 settled $N

# The inventory moves: one certificate more.
emu POST /_emu/seed '{"account":"'$ACCT'","regions":["'$R'"],"count_per_region":1,
    "domain_prefix":"late"}' >/dev/null
ok "discover finds the new certificate" ctl discover
NEW=$(ctl --json acm list | jget '[x["arn"] for x in d if x["domain"].startswith("late")][0]')
like "  its ARN" '^arn:aws:acm:' "$NEW"

got=$(page "$T/during.txt")
is "a scrape while the new rendering is in progress: the previous page ($N lines), stale 1" \
    "$N 1" "$got"
ok "  well-formed (promtool check metrics)" promtool check metrics <"$T/during.txt"
is "  without the new certificate" 0 "$(grep -c "arn=\"$NEW\"" "$T/during.txt")"
ok "ping answers meanwhile" ctl ping
ok "the new page arrives: $((N + 1)) lines, stale 0" poll 60 settled $((N + 1))
is "  with the new certificate" 1 "$(grep -c "arn=\"$NEW\"" "$T/p.txt")"
ok "  well-formed" promtool check metrics <"$T/p.txt"

# A restart: no page yet, the cache cold.  The first scrape waits for
# the whole rendering (asynchronously: ping is answered meanwhile).
ok "acmd stops" stop_daemon
ok "acmd starts again" start_daemon
curl -sS -o "$T/first.txt" "$M/metrics" & CP=$!
ok "ping answers while the first page is made" ctl ping
wait "$CP"; rc=$?
is "the first scrape after a restart succeeds" 0 "$rc"
is "  with every line: the whole inventory, not part of it" $((N + 1)) \
    "$(grep -c '^acmd_certificate_not_after_timestamp_seconds{source="acm"' "$T/first.txt")"
ok "  well-formed" promtool check metrics <"$T/first.txt"
hd=$(curl -sS -I "$M/metrics" | tr -d '\r')
like "HEAD /metrics: 200" '^HTTP/1.1 200' "$hd"

finish

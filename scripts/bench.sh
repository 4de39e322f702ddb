#!/bin/bash
# Benchmarks of acmd against the local AWS emulator.  Figures go to
# standard output (and bench-results.txt); README.md keeps the latest.
#
#   BENCH_CERTS=2500 BENCH_REGIONS=4 scripts/bench.sh [discovery|rediscovery|scale|cli|list|deploy|redeploy|load|attacks|metrics|loop|organization|all]
#
# discovery  2,500 certificates in each of 4 regions, emulator quotas on:
#            time against the minimum the quotas allow, throttled answers
# cli        quotas off: acmd's discovery against a shell loop of
#            aws acm list-certificates/describe-certificate/get-certificate
# list       acmctl acm list over the whole inventory (ms), daemon RSS
# deploy     one certificate into every ACM region vs the slowest region
# redeploy   auto-redeploy of 200 deployments over 4 regions at the
#            ImportCertificate quota (1/s per region); then the redeploy
#            job's catch-up passes over them (BENCH_PASSES, 2): acmd's
#            CPU, each pass's repository reads and time (debug log)
# load       200 clients reading while a discovery runs: errors, p99
# rediscovery  the same inventory rediscovered with quotas on: unchanged
#            and with 1% changed, against the ListCertificates floor; RSS
#            after the first discovery and over ten rediscoveries
# scale      BENCH_SCALE_CERTS (10,000) in each of 10 regions, quotas off:
#            RSS after the discovery and ten rediscoveries, acm list time
# attacks    hostile local peers on a 0666 socket over the 10,000-row
#            inventory (as root, with setpriv): acmd's RSS growth under
#            each and root's worst ping while it runs
# organization  BENCH_ORG_ACCOUNTS (20) accounts of an organization x
#            BENCH_REGIONS (4) x BENCH_ORG_CERTS (250) certificates, quotas
#            on, through one credential add --organization: the first
#            discovery against one account's quota minimum (accounts in
#            parallel), throttled answers, the incremental rediscovery
#            against its floor, RSS after each.  ACM's four discovery
#            quotas are scaled by BENCH_ORG_SCALE (0.1), in the emulator
#            and in acmd's [aws] rates alike, and so is the minimum: at
#            AWS's rates 20 accounts ask for 2,400 calls a second, more
#            than the one-process emulator answers on a small machine
# metrics    the Prometheus page at 10,000 and 100,000 certificates
#            (BENCH_METRICS_SIZES): scrape time idle and during full
#            rediscoveries, and root's ping latency with and without a
#            scrape every second, idle and during those rediscoveries
#            (BENCH_METRICS_ROUNDS=2: one rediscovery of each kind)
# loop       what holds acmd's event loop during a rediscovery of
#            BENCH_LOOP_CERTS (25,000: a region of the 100,000 above) in
#            one region, full then incremental, a scrape a second: how
#            long each call of acmd's longer callbacks took (perf uprobes
#            on them, as root) and root's ping meanwhile
#            (BENCH_LOOP_KINDS="--incremental": that rediscovery only)
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
CERTS=${BENCH_CERTS:-2500}
NREG=${BENCH_REGIONS:-4}
CLI_CERTS=${BENCH_CLI_CERTS:-200}
WHAT=${1:-all}
ALL_REGIONS=(us-east-1 eu-west-1 ap-southeast-2 sa-east-1 eu-central-1 us-west-2
    ap-northeast-1 ca-central-1 eu-north-1 ap-south-1)
REGIONS=("${ALL_REGIONS[@]:0:$NREG}")
OUT=$top/bench-results.txt

. scripts/lib.sh
build_into build-bench CFLAGS="-O2 -g" || exit 1
ACMD=${BENCH_ACMD:-$top/build-bench/acmd}	# another acmd to compare with
ACMCTL=$top/build-bench/acmctl
work_dir bench
ms() { echo $(( $(date +%s%N) / 1000000 )); }
cpu_ms() {	# user+system CPU of a process so far, in ms
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' "/proc/$1/stat"
}
report() { echo "$*" | tee -a "$OUT"; }
ctl() { "$ACMCTL" -s "$D/acmd.sock" "$@"; }
emu() { curl -sf -X "$1" -H 'Content-Type: application/json' ${3:+--data "$3"} "$EMU$2"; }
jq_() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

bench_emu() { start_emu --cert-limit 100000 "$@"; }

start_acmd() {	# start_acmd rate_limits(yes|no); KEEP_STATE=1 keeps the store
	[ -n "$APID" ] && kill "$APID" 2>/dev/null && wait "$APID" 2>/dev/null
	[ -n "${KEEP_STATE:-}" ] || rm -rf "$D/state"
	cat >"$D/acmd.conf" <<CONF
[daemon]
socket = $D/acmd.sock
state_dir = $D/state
log = stderr
${BENCH_DAEMON_EXTRA:-}
[aws]
endpoint_url = $EMU
regions = ${REGIONS[*]}
rate_limits = $1
${BENCH_AWS_EXTRA:-}
[jobs]
discovery_interval = 0
mismatch_interval = 0
${BENCH_CONF_EXTRA:-}
CONF
	"$ACMD" ${BENCH_ACMD_FLAGS:-} -c "$D/acmd.conf" 2>"$D/acmd.log" &
	APID=$!
	for i in $(seq 1 100); do ctl ping >/dev/null 2>&1 && break; sleep 0.05; done
	[ -n "${KEEP_STATE:-}" ] && return
	echo emusecret0000000000000000000000000000001 |
	    ctl credential add main --access-key AKIDEXAMPLE000000001 >/dev/null
}

idle() {	# wait until no job of acmd's runs (those after a discovery)
	local i quiet=0
	# Three looks in a row: the jobs a discovery starts follow it within
	# moments, and one look can fall between them.
	for i in $(seq 1 600); do
		if ctl --json status | jq_ 'sum(1 for j in d.get("jobs", []) if j.get("state") == "running")' |
		    grep -qx 0; then
			quiet=$((quiet + 1))
			[ "$quiet" -ge 3 ] && break
		else
			quiet=0
		fi
		sleep 0.2
	done
	sleep 1.3	# acmd gives memory back once no request came for 1 s
}

rss() {	# rss PID: resident memory, heap and the store's mapped pages apart
	awk '/^VmRSS:/ { r = $2 } /^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 }
	    /^RssShmem:/ { s = $2 }
	    END { printf "%.1f MiB (%.1f MiB heap and stacks, %.1f MiB mapped files: libraries, the store)",
	    r / 1024, a / 1024, (f + s) / 1024 }' "/proc/$1/status"
}

calls() {	# calls OPERATION: ACM calls the emulator answered, every region
	emu GET /_emu/stats | jq_ "sum(d['requests'].get('acm', {}).get('$1', {}).values())"
}

rediscover() {	# rediscover LABEL FLOOR-SECONDS: time one discovery against a floor
	local t0 t1
	emu POST /_emu/stats/reset >/dev/null
	t0=$(ms); ctl --json discover >"$D/redisc.json"; t1=$(ms)
	report "$(python3 - "$D/redisc.json" $((t1 - t0)) "$2" "$1" \
	    "$(calls ListCertificates)" "$(calls DescribeCertificate)" "$(calls GetCertificate)" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); took = int(sys.argv[2]) / 1000; floor = float(sys.argv[3])
kind = "full" if d.get("full") else "incremental"
print(f"{sys.argv[4]}: {kind}, {d['found']} found, {d['changed']} changed, {d['errors']} errors; "
      f"took {took:.2f} s, floor {floor:.2f} s, ratio {took / floor:.2f}; "
      f"calls: {sys.argv[5]} ListCertificates, {sys.argv[6]} DescribeCertificate, {sys.argv[7]} GetCertificate")
PY
)"
}

bench_rediscovery() {
	local pages total changed per floor i
	total=$((CERTS * NREG))
	pages=$(( (CERTS + 999) / 1000 ))
	report "== rediscovery: $CERTS certificates x $NREG regions, emulator quotas on"
	bench_emu
	seed "$CERTS" "${REGIONS[@]}"
	# The first, full discovery at full speed (its time at the quota is
	# what "scripts/bench.sh discovery" measures), then acmd again with
	# its rate limits and the emulator's quotas on.
	emu POST /_emu/quotas '{"enabled": false}' >/dev/null
	start_acmd no
	ctl discover >/dev/null
	idle	# the jobs that follow a discovery
	report "RSS after the first discovery ($total certificates, full): $(rss "$APID")"
	KEEP_STATE=1 start_acmd yes
	emu POST /_emu/quotas '{"enabled": true}' >/dev/null
	sleep 2	# full buckets
	# The floor: each region's pages at 1 ListCertificates a second, the
	# first at once, regions in parallel.
	floor=$((pages - 1))
	[ "$floor" -lt 1 ] && floor=1
	rediscover "unchanged" "$floor"
	report "throttled answers: $(throttled)"
	idle
	report "RSS after it: $(rss "$APID")"
	# 1% changed behind acmd's back (a new expiry: the summary shows it).
	changed=$((total / 100))
	per=$(( (changed + NREG - 1) / NREG ))
	ctl --json acm list | jq_ '"\n".join(x["arn"] for x in d[::100])' | head -"$changed" |
	while read -r arn; do
		emu POST /_emu/expire "{\"arn\":\"$arn\",\"days\":300}" >/dev/null
	done
	sleep 2
	# The floor: the slowest operation, as for a full discovery: the
	# listing, or the region's describes (and GETs) at 10/s after a
	# bucket of 10.
	rediscover "1% changed ($changed)" "$(python3 -c "print(max($floor, max($per - 10, 0) / 10))")"
	report "throttled answers: $(throttled)"
	for i in $(seq 1 10); do
		ctl discover >/dev/null
		idle
		[ "$i" = 1 ] && report "RSS after 1 more rediscovery: $(rss "$APID")"
	done
	report "RSS after 10 more rediscoveries: $(rss "$APID")"
}

bench_scale() {
	local n=${BENCH_SCALE_CERTS:-10000} i
	REGIONS=("${ALL_REGIONS[@]}")
	report "== scale: $n certificates x ${#REGIONS[@]} regions, quotas off"
	bench_emu --no-quotas
	seed "$n" "${REGIONS[@]}"
	start_acmd no
	t0=$(ms); ctl discover >/dev/null; t1=$(ms)
	first_list
	idle
	report "first discovery of $((n * ${#REGIONS[@]})) certificates: $((t1 - t0)) ms"
	report "$FIRST_LIST"
	report "RSS then, the list's answer still kept for the next list: $(rss "$APID")"
	spare_gone
	report "RSS after the discovery (the answer let go $SPARE_SECS s after it was sent): $(rss "$APID")"
	for i in $(seq 1 10); do
		a0=$(cpu_ms "$APID"); e0=$(cpu_ms "$EPID")
		t0=$(ms); ctl discover >/dev/null; t1=$(ms)
		a1=$(cpu_ms "$APID"); e1=$(cpu_ms "$EPID")
		idle
		[ "$i" = 1 ] && report "rediscovery (incremental, unchanged): $((t1 - t0)) ms (CPU: acmd $((a1 - a0)) ms, the emulator $((e1 - e0)) ms); RSS $(rss "$APID")"
	done
	report "RSS after 10 rediscoveries: $(rss "$APID")"
	first_list
	report "${FIRST_LIST/the discovery/a rediscovery}"
	bench_list
	report "RSS after the lists: $(rss "$APID")"
	spare_gone
	report "RSS $SPARE_SECS s later: $(rss "$APID")"
}

# acmd keeps a big list's answer this long after sending it (for the
# next list), then lets it go (ACM_SPARE_SECS in daemon/inventory-list.c).
SPARE_SECS=5
spare_gone() { sleep $((SPARE_SECS + 1)); }

seed() {	# seed N regions...
	local n=$1; shift
	local regs
	regs=$(printf '"%s",' "$@")
	emu POST /_emu/seed "{\"account\":\"111111111111\",\"regions\":[${regs%,}],
	    \"count_per_region\":$n,\"types\":[\"AMAZON_ISSUED\",\"IMPORTED\",\"PRIVATE\"],
	    \"key_types\":[\"RSA_2048\",\"EC_prime256v1\",\"RSA_4096\",\"EC_secp384r1\"],
	    \"statuses\":[\"ISSUED\"]}" >/dev/null
}

throttled() {	# the total, then each throttled operation and region
	emu GET /_emu/stats | jq_ '" ".join([str(d.get("throttled_total", 0))] + ["%s:%s=%d" % (op, r, n) for s in d.get("throttled", {}).values() for op, regs in s.items() for r, n in regs.items()])'
}

bench_organization() {
	local n=${BENCH_ORG_ACCOUNTS:-20} certs=${BENCH_ORG_CERTS:-250} i a regs t0 t1 c0 e0
	local scale=${BENCH_ORG_SCALE:-0.1} rates
	report "== organization: $n accounts x $NREG regions x $certs certificates, emulator quotas on, ACM's discovery quotas x $scale"
	bench_emu
	# The emulator's quotas and acmd's pace scaled alike (see above).
	rates=$(python3 -c "import sys; s = float(sys.argv[1]); print(' '.join(
	    '%s=%g' % (op, r * s) for op, r in (('ListCertificates', 1), ('DescribeCertificate', 10),
	    ('GetCertificate', 10), ('ListTagsForCertificate', 10))))" "$scale")
	emu POST /_emu/quotas "{\"enabled\": true, \"rates\": {$(echo "$rates" |
	    sed 's/\([A-Za-z]*\)=\([0-9.e-]*\)/"\1": \2,/g; s/,$//')}}" >/dev/null || {
		report "the emulator refused the scaled quotas"; return 1; }
	regs=$(printf '"%s",' "${REGIONS[@]}")
	emu POST /_emu/org '{"management_account":"111111111111"}' >/dev/null
	for i in $(seq 1 "$n"); do
		a=$(printf '3000000%05d' "$i")
		emu POST /_emu/org/accounts "{\"account\":\"$a\",\"name\":\"bench$i\"}" >/dev/null
		emu POST /_emu/seed "{\"account\":\"$a\",\"regions\":[${regs%,}],
		    \"count_per_region\":$certs,\"types\":[\"AMAZON_ISSUED\",\"IMPORTED\",\"PRIVATE\"],
		    \"statuses\":[\"ISSUED\"]}" >/dev/null
	done
	BENCH_CONF_EXTRA="parallel_accounts = $n" BENCH_AWS_EXTRA="rates = $rates" start_acmd yes
	ctl credential remove main >/dev/null
	echo emusecret0000000000000000000000000000001 |
	    ctl credential add org --access-key AKIDEXAMPLE000000001 \
	    --organization --role-name bench --exclude-account 111111111111 >/dev/null
	emu POST /_emu/stats/reset >/dev/null
	c0=$(cpu_ms "$APID"); e0=$(cpu_ms "$EPID")
	t0=$(ms)
	ctl --json discover >"$D/org.json"
	t1=$(ms)
	report "CPU during it: acmd $(( $(cpu_ms "$APID") - c0 )) ms, the emulator $(( $(cpu_ms "$EPID") - e0 )) ms; load average $(cut -d' ' -f1-3 /proc/loadavg)"
	# One account's minimum: per region, each operation's calls over its
	# rate after a full bucket; regions and accounts run in parallel.
	python3 - "$D/org.json" $((t1 - t0)) "$certs" "$scale" <<'PY' | tee -a "$OUT"
import json, math, sys
d = json.load(open(sys.argv[1])); took = int(sys.argv[2]) / 1000; n = int(sys.argv[3])
s = float(sys.argv[4])
if "regions" not in d:	# it failed: the summary comes with the error
    print("discovery failed: %s" % d.get("error", {}).get("message"))
    d = d.get("data") or {"regions": [], "found": 0, "errors": 0, "aws_calls": 0}
ops = {"ListCertificates": (math.ceil(n / 1000), 1 * s), "DescribeCertificate": (n, 10 * s),
       "GetCertificate": (n, 10 * s), "ListTagsForCertificate": (n, 10 * s)}
# the emulator's bucket holds one second of quota, one request at least
minimum = max([(calls - max(rate, 1)) / rate for calls, rate in ops.values()
               if calls > max(rate, 1)] or [1])
accounts = len({u["account"] for u in d["regions"]})
print(f"first discovery: {accounts} accounts, {d['found']} certificates, {d['errors']} errors, "
      f"{len(d.get('unreachable_accounts', []))} unreachable, {d['aws_calls']} calls")
print(f"took {took:.1f} s; one account's quota minimum {minimum:.1f} s; ratio {took / minimum:.2f}")
PY
	report "throttled answers: $(throttled)"
	idle
	report "RSS after the first discovery: $(rss "$APID")"
	# full buckets (ListCertificates refills one request in 1 / its rate)
	sleep "$(python3 -c "print(max(2, 1.1 / float('$scale')))")"
	# The floor, as for one account: its regions' single page at once
	# after a full bucket, 1 s by convention (scripts/bench.sh rediscovery).
	rediscover "organization, unchanged" 1
	report "throttled answers: $(throttled)"
	idle
	report "RSS after the rediscovery: $(rss "$APID")"
}

bench_discovery() {
	report "== discovery at the quota: $CERTS certificates x $NREG regions, emulator quotas on"
	bench_emu
	seed "$CERTS" "${REGIONS[@]}"
	start_acmd yes
	emu POST /_emu/stats/reset >/dev/null
	t0=$(ms)
	ctl --json discover >"$D/disc.json"
	t1=$(ms)
	first_list
	# The minimum: per region, each operation's calls over its rate; the
	# operations and regions run in parallel, so the slowest one decides.
	python3 - "$D/disc.json" $((t1 - t0)) "$CERTS" <<'PY' | tee -a "$OUT"
import json, math, sys
d = json.load(open(sys.argv[1])); took = int(sys.argv[2]) / 1000; n = int(sys.argv[3])
pages = math.ceil(n / 1000)
ops = {"ListCertificates": (pages, 1), "DescribeCertificate": (n, 10),
       "GetCertificate": (n, 10), "ListTagsForCertificate": (n, 10)}
# each bucket starts full (one second of quota), then refills at its rate
minimum = max((calls - rate) / rate for calls, rate in ops.values() if calls > rate)
print(f"found {d['found']} certificates, {d['errors']} errors, {d['aws_calls']} calls")
print(f"took {took:.1f} s; quota minimum {minimum:.1f} s; ratio {took / minimum:.3f}")
PY
	report "throttled answers: $(throttled)"
	report "acmd RSS after discovery: $(ps -o rss= -p "$APID" | tr -d ' ') KiB"
}

first_list() {	# right after a discovery, which changed the whole inventory
	local t1 t2
	# acmd's cache follows a discovery batch by batch; the first list
	# rebuilds it only if something else wrote the inventory meanwhile
	# (acmd then does so by itself shortly after the discovery ends).
	t1=${EPOCHREALTIME/./}
	ctl --json acm list >/dev/null
	t2=${EPOCHREALTIME/./}
	FIRST_LIST="first acm list right after the discovery: $(( (t2 - t1) / 1000 )) ms"
}

bench_list() {
	report "== acmctl acm list over the inventory"
	[ -n "${FIRST_LIST:-}" ] && report "$FIRST_LIST"
	n=$(ctl --json acm list | jq_ 'len(d)')
	# Timed with bash's clock (microseconds): a date(1) or a subshell
	# would be in the time.
	runs() {	# runs LABEL acmctl-arguments...: five runs, the best in BEST
		local label=$1 all="" best=999999 t0 t1 i
		shift
		for i in 1 2 3 4 5; do
			t0=${EPOCHREALTIME/./}; ctl "$@" >/dev/null
			t1=${EPOCHREALTIME/./}
			t1=$(( (t1 - t0 + 50) / 100 ))	# tenths of a ms
			all="$all $((t1 / 10)).$((t1 % 10))"
			[ "$t1" -lt "$best" ] && best=$t1
		done
		BEST=$best
		report "$label end to end: runs (ms):$all; best $((best / 10)).$((best % 10)) ms"
	}
	# The floor of any acmctl command (its start, the connection, one
	# small answer): the lists against it, in the same run.
	runs "acmctl ping" ping
	local ping=$BEST
	runs "acm list of $n entries, acmctl --json" --json acm list
	report "  ratio to ping: $(python3 -c "print(f'{$BEST / max($ping, 1):.1f}')")"
	runs "acm list of $n entries, acmctl table (not a terminal)" acm list
	report "  ratio to ping: $(python3 -c "print(f'{$BEST / max($ping, 1):.1f}')")"
	report "daemon answer on the socket: $(python3 scripts/answer_time.py "$D/acmd.sock" acm.list 10)"
	t0=${EPOCHREALTIME/./}
	ctl acm list --region "${REGIONS[0]}" --domain 'seed-1*' >/dev/null
	t1=${EPOCHREALTIME/./}
	report "acm list with filters: $(( (t1 - t0) / 1000 )) ms"
}

bench_cli() {
	report "== quotas off: acmd against a shell loop of aws acm calls ($CLI_CERTS certificates, 1 region)"
	bench_emu --no-quotas
	seed "$CLI_CERTS" us-east-1
	REGIONS_SAVE=("${REGIONS[@]}"); REGIONS=(us-east-1)
	start_acmd no
	t0=$(ms); ctl discover >/dev/null; t1=$(ms)
	acmd_ms=$((t1 - t0))
	export HOME=$D AWS_ACCESS_KEY_ID=AKIDEXAMPLE000000001
	export AWS_SECRET_ACCESS_KEY=emusecret0000000000000000000000000000001 AWS_DEFAULT_REGION=us-east-1
	t0=$(ms)
	for arn in $(/usr/bin/aws --endpoint-url "$EMU" acm list-certificates \
	    --includes keyTypes=RSA_1024,RSA_2048,RSA_3072,RSA_4096,EC_prime256v1,EC_secp384r1,EC_secp521r1 \
	    --query 'CertificateSummaryList[].CertificateArn' --output text); do
		/usr/bin/aws --endpoint-url "$EMU" acm describe-certificate --certificate-arn "$arn" >/dev/null
		/usr/bin/aws --endpoint-url "$EMU" acm get-certificate --certificate-arn "$arn" >/dev/null
	done
	t1=$(ms)
	cli_ms=$((t1 - t0))
	REGIONS=("${REGIONS_SAVE[@]}")
	report "acmd discover: $acmd_ms ms (with tags, PEM and the inventory stored)"
	report "aws cli loop:  $cli_ms ms (list + describe + get only)"
	report "ratio: acmd is $(python3 -c "print(f'{$cli_ms / max($acmd_ms, 1):.0f}')")x faster"
}

attack() {	# attack NAME SECONDS UID GROUPS ARGS...: one attack, probed by root
	local name=$1 secs=$2 uid=$3 groups=$4 base
	shift 4
	base=$(awk '/^VmRSS:/ { print $2 }' "/proc/$APID/status")
	python3 tests/integration/hostile.py probe "$D/acmd.sock" "$APID" "$secs" >"$D/probe.json" &
	local pp=$!
	if [ -n "$uid" ]; then
		local g=--clear-groups
		[ -n "$groups" ] && g=--groups=$groups
		setpriv --reuid="$uid" --regid="$uid" "$g" \
		    /usr/bin/python3 tests/integration/hostile.py "$@" \
		    >"$D/attack.json" 2>&1 &
		local ap=$!
	fi
	wait $pp
	[ -n "$uid" ] && { kill $ap 2>/dev/null; wait $ap 2>/dev/null; }
	report "$(python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))
print("%-44s RSS +%5.1f MiB (peak %5.0f MiB), worst ping %6.1f ms over %d pings, %d errors" % (
    sys.argv[2], (p["rss_peak_kb"] - int(sys.argv[3])) / 1024, p["rss_peak_kb"] / 1024,
    p["worst_ms"], p["pings"], p["nerrors"]))' "$D/probe.json" "$name" "$base")"
	[ -s "$D/attack.json" ] && report "  the attacker saw: $(head -c 300 "$D/attack.json")"
	rm -f "$D/attack.json"
	sleep 2
}

bench_attacks() {
	[ "$(id -u)" = 0 ] || { echo "attacks: needs root (setpriv)"; return; }
	report "== hostile peers, $((CERTS * NREG)) inventory rows (scripts/bench.sh attacks)"
	ulimit -n 8192 2>/dev/null
	chmod 755 "$D"	# the attackers are other users
	bench_emu --no-quotas
	seed "$CERTS" "${REGIONS[@]}"
	BENCH_DAEMON_EXTRA="socket_mode = 0666
readonly_group = 48302" start_acmd no
	ctl discover >/dev/null
	ctl acm list --json >/dev/null
	attack "no attack" 10 "" ""
	attack "60 peers x 16 MiB frames before hello" 10 48301 "" \
	    bigframes "$D/acmd.sock" 60 8
	attack "a stranger opening 2,100 connections" 10 48301 "" \
	    fill "$D/acmd.sock" 2100 8
	attack "8 read-only x 2,000 acm.list --all unread" 12 48303 48302 \
	    flood "$D/acmd.sock" 8 2000 10
	attack "3 x acm.list with 1,000,000 regions (10 MB)" 10 48303 48302 \
	    bigfilter "$D/acmd.sock" 1000000 3
	attack "3 x acm.list with 300,000 regions (3 MB)" 10 48303 48302 \
	    bigfilter "$D/acmd.sock" 300000 3
	report "RSS after the attacks: $(awk '/^VmRSS:/ { print int($2 / 1024) }' "/proc/$APID/status") MiB"
}

scrape_loop() {	# scrape_loop URL PID FILE: a scrape a second while PID runs, ms each
	while kill -0 "$2" 2>/dev/null; do
		curl -s -o /dev/null -w '%{time_total}\n' "$1" >>"$3"
		sleep 1
	done
}

stats_ms() {	# stats_ms FILE (seconds, one a line): count, p50, max in ms
	python3 -c '
import sys
v = sorted(float(x) * 1000 for x in open(sys.argv[1]) if x.strip())
print("%d scrapes, p50 %.1f ms, max %.1f ms" % (len(v), v[len(v) // 2], v[-1]) if v else "no scrape")' "$1"
}

probe_ping() {	# probe_ping LABEL PID: root's pings while PID runs
	python3 scripts/ping_probe.py "$D/acmd.sock" "$2" >"$D/ping"
	report "$1: ping $(cat "$D/ping")"
}

bench_metrics() {
	local n port url per r dp sp lp
	port=$(python3 tests/integration/metrics_client.py freeport)
	url=http://127.0.0.1:$port/metrics
	for n in ${BENCH_METRICS_SIZES:-10000 100000}; do
		report "== metrics page at $n certificates ($NREG regions, quotas off)"
		bench_emu --no-quotas
		per=$((n / NREG))
		seed "$per" "${REGIONS[@]}"
		BENCH_CONF_EXTRA="[metrics]
listen = 127.0.0.1:$port" start_acmd no
		t0=$(ms); ctl discover >/dev/null
		report "first discovery: $(( $(ms) - t0 )) ms"
		: >"$D/scrapes"
		for i in 1 2 3 4 5 6 7 8 9 10; do
			curl -s -o /dev/null -w '%{time_total}\n' "$url" >>"$D/scrapes"
		done
		report "scrapes, acmd idle: $(stats_ms "$D/scrapes"); page $(curl -s "$url" | wc -c) bytes, $(curl -s "$url" | grep -c '^acmd_certificate_not_after') certificate lines"
		# The same stretch of time with and without a scrape a second.
		for r in "idle, no scrapes" "idle, a scrape a second"; do
			sleep 15 & sp=$!
			: >"$D/scrapes"
			lp=
			case $r in *second) scrape_loop "$url" "$sp" "$D/scrapes" & lp=$! ;; esac
			probe_ping "$r" "$sp"
			wait "$sp" $lp
		done
		# Full rediscoveries (every certificate described again) with
		# and without scrapes, alternated (BENCH_METRICS_REDISCOVER=0:
		# none; BENCH_METRICS_ROUNDS=2: one of each, not two).
		[ "${BENCH_METRICS_REDISCOVER:-1}" = 0 ] ||
		for r in "discovery --full, no scrapes" "discovery --full, a scrape a second" \
		    "discovery --full, no scrapes (again)" "discovery --full, a scrape a second (again)"; do
			case $r in *again*) [ "${BENCH_METRICS_ROUNDS:-4}" -le 2 ] && continue ;; esac
			ctl discover --full >/dev/null & dp=$!
			: >"$D/scrapes"
			lp=
			case $r in *second*) scrape_loop "$url" "$dp" "$D/scrapes" & lp=$! ;; esac
			probe_ping "$r" "$dp"
			wait "$dp" $lp
			case $r in *second*) report "  scrapes during it: $(stats_ms "$D/scrapes")" ;; esac
		done
		report "acmd RSS: $(ps -o rss= -p "$APID" | tr -d ' ') KiB"
	done
}

# The callbacks bench_loop times: a listing's page, a described
# certificate, a batch into the store, the end of a region, discovery's
# slices, a store commit, the cache's note of a batch, its rebuild, the
# page's slices, the expiry job's start and its scan's slices (an older
# acmd scanned all in expiry_job_fn).
LOOP_FUNCS="disc_listed disc_described disc_flush disc_mark_gone disc_slice_cb
    store_commit inv_cache_note acm_warm_cb acm_cache_refresh_fn render_slice
    metrics_page expiry_job_fn expiry_slice_cb"

loop_durations() {	# loop_durations PERF.DATA: per function, from entry/return pairs
	perf script -i "$1" -F event,time 2>/dev/null | python3 -c '
import collections, sys
st, d = collections.defaultdict(list), collections.defaultdict(list)
for line in sys.stdin:
    p = line.split()
    if len(p) < 2:
        continue
    t, ev = float(p[0].rstrip(":")), p[1].rstrip(":").split(":")[-1]
    if ev.endswith("__return"):
        if st[ev[:-8]]:
            d[ev[:-8]].append((t - st[ev[:-8]].pop()) * 1000)
    else:
        st[ev].append(t)
for f, v in sorted(d.items(), key=lambda x: -max(x[1])):
    v.sort()
    print("  %-21s calls %6d  p50 %7.2f  p99 %7.2f  max %7.2f  sum %8.1f ms" % (
        f, len(v), v[len(v) // 2], v[int(len(v) * 0.99)], v[-1], sum(v)))'
}

bench_loop() {
	local n=${BENCH_LOOP_CERTS:-25000} port url f ev kind dp pp lp
	# A group of probes of this run's own (another run's end removes its).
	local g=acmdloop$$
	local REGIONS=(us-east-1)
	command -v perf >/dev/null && [ "$(id -u)" = 0 ] ||
	    { report "loop: needs perf and root"; return 1; }
	report "== the event loop during rediscoveries of $n certificates (one region, quotas off, a scrape a second)"
	for f in $LOOP_FUNCS; do
		perf probe -q -x "$ACMD" -a "$g:$f=$f" -a "$g:$f=$f%return" 2>/dev/null
	done
	ev=$(perf probe -l "$g:*" 2>/dev/null | awk '{ print $1 }' | paste -sd, -)
	port=$(python3 tests/integration/metrics_client.py freeport)
	url=http://127.0.0.1:$port/metrics
	bench_emu --no-quotas
	seed "$n" us-east-1
	BENCH_CONF_EXTRA="[metrics]
listen = 127.0.0.1:$port" start_acmd no
	ctl discover >/dev/null
	curl -s -o /dev/null "$url"
	idle
	for kind in ${BENCH_LOOP_KINDS:---full --incremental}; do
		perf record -q -e "$ev" -p "$APID" -o "$D/loop.data" 2>"$D/perf.err" & pp=$!
		sleep 1
		if [ $kind = --full ]; then ctl --json discover --full >"$D/disc.json" & dp=$!
		else ctl --json discover >"$D/disc.json" & dp=$!; fi
		: >"$D/scrapes"
		scrape_loop "$url" "$dp" "$D/scrapes" & lp=$!
		probe_ping "discovery $kind" "$dp"
		wait "$dp" $lp
		idle
		kill -INT "$pp"; wait "$pp"
		report "  scrapes during it: $(stats_ms "$D/scrapes"); load $(cut -d' ' -f1-3 /proc/loadavg)"
		report "  the discovery took $(jq_ 'd.get("duration_ms")' <"$D/disc.json") ms"
		[ -s "$D/loop.data" ] || report "  perf recorded nothing: $(head -3 "$D/perf.err")"
		loop_durations "$D/loop.data" | tee -a "$OUT"
	done
	perf probe -q -d "$g:*" 2>/dev/null
}

mkcert() {	# mkcert NAME DAYS KEYFILE
	openssl req -x509 -new -key "$3" -subj "/CN=$1" -days "$2" \
	    -addext "subjectAltName=DNS:$1" -out "$D/$1.$2.crt" 2>/dev/null
}

bench_deploy() {
	report "== one certificate into every ACM region, ImportCertificate delayed ${BENCH_IMPORT_DELAY:-300} ms by the emulator"
	bench_emu
	start_acmd yes
	emu POST /_emu/faults '{"service":"acm","operation":"ImportCertificate","delay_ms":'"${BENCH_IMPORT_DELAY:-300}"'}' >/dev/null
	openssl ecparam -name prime256v1 -genkey -noout -out "$D/k.pem" 2>/dev/null
	mkcert one.bench.test 90 "$D/k.pem"
	ctl cert add one --cert "$D/one.bench.test.90.crt" --key "$D/k.pem" >/dev/null
	single=0
	for r in us-east-1 eu-west-1 ap-southeast-2; do
		ctl deploy remove one >/dev/null 2>&1
		emu POST /_emu/reset >/dev/null
		emu POST /_emu/faults '{"service":"acm","operation":"ImportCertificate","delay_ms":'"${BENCH_IMPORT_DELAY:-300}"'}' >/dev/null
		sleep 2	# ListCertificates is 1/s: start with full buckets
		t0=$(ms); ctl deploy one --credential main --region "$r" >/dev/null; t1=$(ms)
		[ $((t1 - t0)) -gt "$single" ] && single=$((t1 - t0))
	done
	ctl deploy remove one >/dev/null 2>&1
	emu POST /_emu/reset >/dev/null
	emu POST /_emu/faults '{"service":"acm","operation":"ImportCertificate","delay_ms":'"${BENCH_IMPORT_DELAY:-300}"'}' >/dev/null
	sleep 2
	c0e=$(cpu_ms "$EPID"); c0a=$(cpu_ms "$APID")
	t0=$(ms); ctl --json deploy one --credential main --all-regions >"$D/all.json"; t1=$(ms)
	c1e=$(cpu_ms "$EPID"); c1a=$(cpu_ms "$APID")
	report "CPU used during the all-regions deploy: emulator $((c1e - c0e)) ms, acmd $((c1a - c0a)) ms"
	n=$(jq_ 'd["regions"] - d["failed"]' <"$D/all.json")
	report "slowest single region: $single ms; all $n regions: $((t1 - t0)) ms; ratio $(python3 -c "print(f'{($t1 - $t0) / $single:.2f}')")"
}

bench_redeploy() {
	local per=$((200 / NREG))
	report "== auto-redeploy of $((per * NREG)) deployments ($per certificates x $NREG regions), quotas on"
	bench_emu
	start_acmd yes
	openssl ecparam -name prime256v1 -genkey -noout -out "$D/k.pem" 2>/dev/null
	regargs=""
	for r in "${REGIONS[@]}"; do regargs="$regargs --region $r"; done
	for i in $(seq 1 "$per"); do
		mkcert "c$i.bench.test" 90 "$D/k.pem"
		ctl cert add "c$i" --cert "$D/c$i.bench.test.90.crt" --key "$D/k.pem" >/dev/null
		# shellcheck disable=SC2086
		ctl deploy "c$i" --credential main $regargs --auto-redeploy >/dev/null
	done
	emu POST /_emu/stats/reset >/dev/null
	for i in $(seq 1 "$per"); do mkcert "c$i.bench.test" 91 "$D/k.pem"; done
	t0=$(ms)
	for i in $(seq 1 "$per"); do
		ctl cert renew "c$i" --cert "$D/c$i.bench.test.91.crt" --key "$D/k.pem" >/dev/null
	done
	while :; do
		left=$(ctl --json deploy list | jq_ 'sum(1 for x in d if x["version"] != 2 or x["state"] != "in-sync")')
		[ "$left" = 0 ] && break
		sleep 0.5
	done
	t1=$(ms)
	python3 - $((t1 - t0)) "$per" <<'PY' | tee -a "$OUT"
import sys
took = int(sys.argv[1]) / 1000; per = int(sys.argv[2])
minimum = per - 1   # 1/s per region, the first one at once
print(f"took {took:.1f} s; quota minimum {minimum} s; ratio {took / minimum:.3f}")
PY
	report "throttled answers: $(throttled)"
	bench_catch_up
}

# The redeploy job's catch-up pass (every 30 s) over those deployments,
# all in sync: acmd again on the same store, its debug log on; its CPU
# over BENCH_PASSES (2) periods of the job, and what each pass read.
bench_catch_up() {
	local n=${BENCH_PASSES:-2} i last c0 c1
	KEEP_STATE=1 BENCH_DAEMON_EXTRA="debug = yes" start_acmd yes
	job_run() { ctl --json status | jq_ '[j for j in d["jobs"] if j["name"] == "redeploy"][0]["last_run"]'; }
	last=0
	while [ "$(job_run)" = "$last" ]; do sleep 0.1; done
	c0=$(cpu_ms "$APID")
	for i in $(seq 1 "$n"); do
		last=$(job_run)
		while [ "$(job_run)" = "$last" ]; do sleep 0.1; done
	done
	c1=$(cpu_ms "$APID")
	report "redeploy job, $n more passes over the $(ctl --json deploy list | jq_ 'len(d)') deployments: acmd CPU $((c1 - c0)) ms"
	report "its passes (debug log): $(grep "deploy: catch-up pass: " "$D/acmd.log" | sed 's/.*catch-up pass: //' | paste -sd ';')"
}

bench_load() {
	report "== 200 clients reading while a discovery runs"
	bench_emu
	seed 1000 "${REGIONS[@]}"
	start_acmd yes
	ctl discover >/dev/null &
	dpid=$!
	python3 tests/integration/loadclients.py "$D/acmd.sock" 200 10 | tee -a "$OUT"
	wait "$dpid"
}

: >>"$OUT"
report "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores"
case "$WHAT" in
discovery) bench_discovery; bench_list ;;
list) bench_emu --no-quotas; seed "$CERTS" "${REGIONS[@]}"; start_acmd no; ctl discover >/dev/null; first_list; bench_list;
      report "acmd RSS: $(ps -o rss= -p "$APID" | tr -d ' ') KiB" ;;
cli) bench_cli ;;
deploy) bench_deploy ;;
redeploy) bench_redeploy ;;
load) bench_load ;;
attacks) bench_attacks ;;
rediscovery) bench_rediscovery ;;
scale) bench_scale ;;
metrics) bench_metrics ;;
loop) bench_loop ;;
organization) bench_organization ;;
all) bench_discovery; bench_list; bench_rediscovery; bench_scale; bench_cli; bench_deploy
     bench_redeploy; bench_load; bench_attacks ;;
*) echo "usage: $0 [discovery|rediscovery|scale|cli|list|deploy|redeploy|load|attacks|metrics|loop|organization|all]" >&2; exit 2 ;;
esac

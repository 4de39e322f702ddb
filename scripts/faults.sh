#!/bin/bash
# Fault campaign: acmd against the AWS emulator with errors, dropped
# connections, delays, malformed answers and throttling on, SIGKILLed at a
# random moment of every round and restarted on the same state directory.
#
#   scripts/faults.sh [ROUNDS]
#
# Environment: FAULTS_ROUNDS (default 20; the argument wins), FAULTS_TIME
# (total seconds, default what the rounds need: 120 + 30 per round; no new
# round after 80% of it, and the final checks are bounded too),
# FAULTS_SEED (bash RANDOM seed; default one picked and printed, so a run
# can be repeated), FAULTS_SEED_COUNT (certificates seeded per region,
# default 100), FAULTS_SUMMARY (a file that gets the summary line: one
# line of KEY=VALUE words, result=PASS or FAIL last), FAULTS_KEEP=1 (keep
# the work directory), BUILD_DIR (a configured build directory to use).
# In the background:
#   FAULTS_ROUNDS=250 FAULTS_SEED=1 FAULTS_SUMMARY=/tmp/f1.sum \
#       scripts/faults.sh >/tmp/f1.log 2>&1 &
#
# Every round starts, in the background: a discovery, a deploy of a new
# repository certificate to 3 regions with --auto-redeploy, a `cert renew`
# of the previous round's certificate (auto-redeployed), and a `renew` of a
# private certificate issued by an emulated ACM PCA (auto-redeployed); then
# kills acmd with SIGKILL 0-3 s later, restarts it and lets it settle.
# At the end (faults off, acmctl sync until nothing is pending: no
# deployment in flight or waiting for a key, no renewal or key export
# left; then one discovery) it checks:
#   1. every intended deployment (name, region) is in ACM exactly once, at
#      the recorded ARN, with the recorded version's fingerprint;
#   2. repository and inventory agree (links, deployment versions);
#   3. no key was lost (every version added with a key exports a matching one);
#   4. LMDB opens cleanly after a last SIGKILL (mdb_stat, acmd --check-store)
#      and acmd starts again.
# Only 127.0.0.1 is contacted.  Exit status 0 only when all four hold.
set -u
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROUNDS=${1:-${FAULTS_ROUNDS:-20}}
case $ROUNDS in ''|*[!0-9]*) echo "usage: $0 [ROUNDS]" >&2; exit 2 ;; esac
TLIMIT=${FAULTS_TIME:-$((120 + 30 * ROUNDS))}
SEEDN=${FAULTS_SEED_COUNT:-100}
SEED=${FAULTS_SEED:-$(( $(date +%s%N) % 32768 ))}
SUMMARY=${FAULTS_SUMMARY:-}
case $TLIMIT$SEED in *[!0-9]*) echo "faults: FAULTS_TIME and FAULTS_SEED are numbers" >&2; exit 2 ;; esac
RANDOM=$SEED
START=$SECONDS
PY=/usr/bin/python3
HELPER=$SRC/scripts/faults_check.py

log() { printf '%s\n' "$*"; }
elapsed() { echo $((SECONDS - START)); }

# ------------------------------------------------------------------ build
B=${BUILD_DIR:-}
if [ -z "$B" ]; then
	if [ -f "$SRC/build/Makefile" ]; then B=$SRC/build
	else B=$SRC/build-faults; fi
fi
if [ ! -f "$B/Makefile" ]; then
	log "faults: configuring $B"
	mkdir -p "$B" && (cd "$B" && "$SRC/configure" >/dev/null) ||
	    { echo "faults: configure failed" >&2; exit 1; }
fi
if ! make -C "$B" -j2 acmd acmctl >"${TMPDIR:-/tmp}/faults-make.$$" 2>&1; then
	if [ -x "$B/acmd" ] && [ -x "$B/acmctl" ]; then
		log "faults: make failed (tree being edited?); using the existing binaries"
	else
		tail -20 "${TMPDIR:-/tmp}/faults-make.$$" >&2
		rm -f "${TMPDIR:-/tmp}/faults-make.$$"
		exit 1
	fi
fi
rm -f "${TMPDIR:-/tmp}/faults-make.$$"
command -v mdb_stat >/dev/null || { echo "faults: mdb_stat missing (lmdb-utils)" >&2; exit 1; }

# ------------------------------------------------------------------ helpers
T=$(mktemp -d /tmp/acmd-faults.XXXXXX)
chmod 755 "$T"
SOCK=$T/acmd.sock CONF=$T/acmd.conf DLOG=$T/acmd.log STATE=$T/state
export SOCK
# Private copies: others may rebuild the tree while the campaign runs.
mkdir -p "$T/bin" && cp "$B/acmd" "$B/acmctl" "$T/bin/" ||
    { echo "faults: no binaries in $B" >&2; exit 1; }
ACMD=$T/bin/acmd
ACMCTL=$T/bin/acmctl
export ACMCTL
DPID= EMU_PID= EMU_PORT=
ACCT=111111111111
AKID=AKIDEXAMPLE000000001
SECRET=emusecret0000000000000000000000000000001
SEEDREGS="us-east-1 eu-west-1 ap-southeast-2"
DEPREGS=$SEEDREGS
CAREG=us-west-2		# the PCA lives outside the deploy regions
ALLREGS="$SEEDREGS $CAREG"
rargs=; for r in $DEPREGS; do rargs="$rargs --region $r"; done
BG=()

cleanup() {
	local p
	# Stopped before the end: the summary says so.
	[ -z "$SUMMARY" ] || [ -s "$SUMMARY" ] ||
	    echo "faults: seed=$SEED rounds=${rounds:-0} kills=${kills:-0} result=FAIL (stopped before the checks)" >"$SUMMARY"
	for p in "${BG[@]}"; do kill -KILL "$p" 2>/dev/null; done
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
	[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null
	wait 2>/dev/null
	if [ "${FAULTS_KEEP:-0}" = 1 ] || [ "${KEEP:-0}" = 1 ]; then
		echo "faults: work files kept in $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
[ -z "$SUMMARY" ] || : >"$SUMMARY"
trap 'exit 130' INT TERM

ctl() { timeout 60 "$ACMCTL" -s "$SOCK" "$@"; }
emu() {
	curl -sS --max-time 30 -X "$1" -H 'Content-Type: application/json' \
	    ${3:+--data "$3"} "http://127.0.0.1:$EMU_PORT$2"
}
jget() { $PY -c "import json,sys; d=json.load(sys.stdin); r=($1); print(r if not isinstance(r,(dict,list)) else json.dumps(r))"; }

write_conf() {	# write_conf MAX_ATTEMPTS
	cat >"$CONF" <<EOF
[daemon]
socket = $SOCK
state_dir = $STATE
log = stderr
debug = yes
[aws]
endpoint_url = http://127.0.0.1:$EMU_PORT
regions = $(echo $ALLREGS | sed 's/ /, /g')
max_attempts = $1
connect_timeout = 5s
request_timeout = 15s
rate_limits = yes
[jobs]
discovery_interval = 0
mismatch_interval = 1h
expiry_interval = 1d
EOF
}

start_daemon() {
	echo "=== start $(date +%T) ===" >>"$DLOG"
	"$ACMD" -c "$CONF" >>"$DLOG" 2>&1 &
	DPID=$!
	local i
	for i in $(seq 1 300); do
		"$ACMCTL" -s "$SOCK" ping >/dev/null 2>&1 && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.05
	done
	echo "faults: acmd did not start; its log:" >&2
	tail -30 "$DLOG" >&2
	return 1
}

kill_daemon() {
	[ -n "$DPID" ] || return 0
	kill -KILL "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
}

mkkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" >/dev/null 2>&1; }
mkleaf() {	# mkleaf OUT KEY CN
	printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n' "$3" >"$T/ext.cnf"
	openssl req -new -key "$2" -subj "/CN=$3" 2>/dev/null |
	openssl x509 -req -CA "$T/ca.crt" -CAkey "$T/ca.key" \
	    -set_serial "0x$(openssl rand -hex 12)" -days 60 \
	    -extfile "$T/ext.cnf" -out "$1" >/dev/null 2>&1
}
fp_of() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }

set_faults() {	# set_faults: a random mix for this round; prints it
	local er=$((5 + RANDOM % 16)) st=$((RANDOM % 2 ? 500 : 503))
	local dl=$((RANDOM % 501)) dl2=$((RANDOM % 201)) th=$((RANDOM % 8))
	emu DELETE /_emu/faults >/dev/null
	emu POST /_emu/faults "{\"service\":\"acm\",\"operation\":\"ImportCertificate\",\"error_rate\":0.$(printf %02d $er),\"error_status\":$st,\"drop_rate\":0.05,\"delay_ms\":$dl,\"malformed_rate\":0.05,\"throttle_rate\":0.0$th}" >/dev/null
	emu POST /_emu/faults "{\"service\":\"*\",\"error_rate\":0.$(printf %02d $er),\"error_status\":$st,\"drop_rate\":0.05,\"delay_ms\":$dl2,\"malformed_rate\":0.05,\"malformed_mode\":\"$([ $((RANDOM % 2)) = 0 ] && echo truncated || echo garbage)\",\"throttle_rate\":0.0$th}" >/dev/null
	echo "err ${er}% ($st) drop 5% malformed 5% throttle ${th}% delay import ${dl}ms other ${dl2}ms"
}

bg() {	# bg OUTFILE CMD...: a client command in the background
	local out=$1; shift
	( "$@" >"$out" 2>&1; echo "rc=$?" >>"$out" ) &
	BG+=($!)
}

# settled: no deployment deploying, waiting for a key or with an intent
# (status counts those: two calls, however many deployments); prints the
# counts
settled_state() {
	local p
	ctl --json deploy list >"$T/dl.json" 2>/dev/null || { echo "unreachable"; return 1; }
	p=$(ctl --json status 2>/dev/null | jget 'd["pending"]["deployments"]' 2>/dev/null) ||
	    { echo "unreachable"; return 1; }
	$PY "$HELPER" settle "$T/dl.json" "${p:-0}"
}

settle() {	# settle SECONDS: poll until settled; sync failures once
	local end=$((SECONDS + $1)) s synced=0 fend=0
	while :; do
		s=$(settled_state)
		case $s in
		settled*) echo "$s"; return 0 ;;
		"failed-only"*)
			if [ $synced = 0 ]; then
				ctl sync >/dev/null 2>&1
				synced=1
				fend=$((SECONDS + 5))
				continue
			fi
			# still failing 5 s after a sync: the rest is left to the end
			[ $SECONDS -ge $fend ] && { echo "not settled: $s"; return 1; } ;;
		esac
		[ $SECONDS -ge $end ] && { echo "not settled: $s"; return 1; }
		sleep 0.5
	done
}

# drain SECONDS: acmctl sync (again every 10 s: work that failed once more
# backs off again) until nothing is pending; prints what is left
drain() {
	local end=$((SECONDS + $1)) next=0 s p
	while :; do
		if [ $SECONDS -ge $next ]; then
			ctl sync >/dev/null 2>&1
			next=$((SECONDS + 10))
		fi
		p=$(ctl --json status 2>/dev/null | jget 'd["pending"]["total"]' 2>/dev/null)
		s=$(settled_state)
		case $s in settled*) [ "$p" = 0 ] && { echo "$s, nothing pending"; return 0; } ;; esac
		[ $SECONDS -ge $end ] && { echo "still pending: ${p:-?} ($s)"; return 1; }
		sleep 1
	done
}

# ------------------------------------------------------------------ setup
log "faults: work directory $T, build $B, $ROUNDS rounds, time limit ${TLIMIT}s, seed $SEED"
$PY "$SRC/tests/awsemu/awsemu.py" --port 0 --port-file "$T/emu.port" \
    --quiet >>"$T/emu.log" 2>&1 &
EMU_PID=$!
for i in $(seq 1 200); do [ -s "$T/emu.port" ] && break; sleep 0.05; done
EMU_PORT=$(cat "$T/emu.port" 2>/dev/null)
[ -n "$EMU_PORT" ] || { echo "faults: emulator did not start" >&2; cat "$T/emu.log" >&2; exit 1; }
emu POST /_emu/quotas '{"enabled":true}' >/dev/null
emu POST /_emu/seed "{\"account\":\"$ACCT\",\"regions\":[\"${SEEDREGS// /\",\"}\"],\"count_per_region\":$SEEDN,\"types\":[\"AMAZON_ISSUED\",\"IMPORTED\",\"PRIVATE\"],\"statuses\":[\"ISSUED\"],\"domain_prefix\":\"seed\"}" >/dev/null ||
    { echo "faults: seeding failed" >&2; exit 1; }
write_conf 4
start_daemon || exit 1
echo "$SECRET" | ctl credential add main --access-key "$AKID" >/dev/null ||
    { echo "faults: credential add failed" >&2; exit 1; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/ca.key" -out "$T/ca.crt" -days 30 \
    -subj "/CN=acmd faults CA" >/dev/null 2>&1
# keys.txt: NAME FINGERPRINT per version added with a key;
# intended.txt: NAME REGION per deployment asked for.
: >"$T/keys.txt"; : >"$T/intended.txt"
for n in base1 base2 base3; do
	mkkey "$T/$n.key"; mkleaf "$T/$n.crt" "$T/$n.key" $n.faults.test
	ctl cert add $n --cert "$T/$n.crt" --key "$T/$n.key" --chain "$T/ca.crt" >/dev/null ||
	    { echo "faults: cert add $n failed" >&2; exit 1; }
	echo "$n $(fp_of "$T/$n.crt")" >>"$T/keys.txt"
done
# base1 deployed (auto-redeploy) before the faults, renewed in round 1.
ctl deploy base1 --credential main $rargs --auto-redeploy >/dev/null ||
    { echo "faults: first deploy failed" >&2; exit 1; }
for r in $DEPREGS; do echo "base1 $r" >>"$T/intended.txt"; done

# A private CA and a private certificate (with its key) from it.
PRIV= PRIVNAME=priv.faults.test
CA=$(emu POST /_emu/pca "{\"account\":\"$ACCT\",\"region\":\"$CAREG\",\"common_name\":\"Faults CA\"}" | jget 'd.get("arn") or d.get("CertificateAuthorityArn") or ""' 2>/dev/null)
if [ -n "$CA" ] && "$ACMCTL" -h 2>&1 | grep -q 'request private'; then
	if ctl --json request private --credential main --region $CAREG --ca "$CA" \
	    --domain $PRIVNAME --name priv --with-key >"$T/req.json" 2>"$T/req.err"; then
		PRIV=$(jget 'd.get("arn") or ""' <"$T/req.json" 2>/dev/null)
		for i in $(seq 1 60); do
			ctl --json cert show priv 2>/dev/null | jget 'd.get("key") or any(v.get("has_key") or v.get("key") for v in d.get("versions", []))' 2>/dev/null | grep -qx True && break
			ctl cert export priv --with-key 2>/dev/null | grep -q 'PRIVATE KEY' && break
			sleep 0.5
		done
		ctl cert export priv --with-key 2>/dev/null | grep -q 'PRIVATE KEY' || {
			log "faults: request private gave no key; fetching it"
			ctl fetch-key "$PRIV" --yes >/dev/null 2>&1; }
	fi
fi
ctl discover >/dev/null 2>&1 || ctl discover >/dev/null 2>&1
if [ -n "$PRIV" ] && ctl cert export priv --with-key 2>/dev/null | grep -q 'PRIVATE KEY'; then
	ctl cert export priv --out "$T/privx" >/dev/null 2>&1
	mkdir -p "$T/privx"; ctl cert export priv --out "$T/privx" >/dev/null 2>&1
	# every version of priv should have its key: all its renewals ask for it
	echo "priv *" >>"$T/keys.txt"
	ctl deploy priv --credential main $rargs --auto-redeploy >/dev/null ||
	    log "faults: deploy of priv failed before the faults (retried at the end)"
	for r in $DEPREGS; do echo "priv $r" >>"$T/intended.txt"; done
	log "faults: private certificate $PRIV from $CA (deployed with --auto-redeploy)"
else
	PRIV=
	log "faults: no private certificate (request private / fetch-key unavailable): private renewals skipped"
fi
log "faults: setup done in $(elapsed)s: $((SEEDN * 3)) seeded certificates in $SEEDREGS, repository base1..3${PRIV:+, priv}"

# ------------------------------------------------------------------ rounds
kills=0 rounds=0 unsettled=0 prev=base1 renews=0
for i in $(seq 1 "$ROUNDS"); do
	if [ "$(elapsed)" -ge $((TLIMIT * 8 / 10)) ]; then
		log "faults: time limit: stopping after $rounds rounds"
		break
	fi
	rounds=$i
	ma=$((3 + RANDOM % 2))
	fdesc=$(set_faults)
	n=f$i
	mkkey "$T/$n.key"; mkleaf "$T/$n.crt" "$T/$n.key" $n.faults.test
	ctl cert add $n --cert "$T/$n.crt" --key "$T/$n.key" --chain "$T/ca.crt" >/dev/null 2>&1 &&
	    echo "$n $(fp_of "$T/$n.crt")" >>"$T/keys.txt"
	for r in $DEPREGS; do echo "$n $r" >>"$T/intended.txt"; done
	# The renewal of the previous certificate: a new EC key (same type).
	mkkey "$T/$prev.r$i.key"; mkleaf "$T/$prev.r$i.crt" "$T/$prev.r$i.key" $prev.faults.test
	echo "$prev $(fp_of "$T/$prev.r$i.crt")" >"$T/pending.$i"
	BG=()
	bg "$T/r$i.discover" ctl discover
	bg "$T/r$i.deploy" ctl deploy $n --credential main $rargs --auto-redeploy
	bg "$T/r$i.renew" ctl cert renew $prev --cert "$T/$prev.r$i.crt" --key "$T/$prev.r$i.key" --chain "$T/ca.crt"
	what="discover, deploy $n x3, cert renew $prev"
	if [ -n "$PRIV" ]; then
		bg "$T/r$i.privrenew" ctl --json renew "$PRIV" --with-key --yes
		what="$what, renew priv"
	fi
	ms=$((RANDOM % 3001))
	sleep "$((ms / 1000)).$(printf %03d $((ms % 1000)))"
	kill_daemon
	kills=$((kills + 1))
	for p in "${BG[@]}"; do wait "$p" 2>/dev/null; done
	BG=()
	# A renewal acmd committed keeps its key: remember it for check 3.
	cat "$T/pending.$i" >>"$T/keys.txt"
	if [ -n "$PRIV" ] && grep -qx 'rc=0' "$T/r$i.privrenew"; then
		v=$(sed -n '/^{/,/^}/p' "$T/r$i.privrenew" | jget 'd.get("version") or ""' 2>/dev/null)
		[ -n "$v" ] && echo "priv @$v round $i: renew --with-key exited 0" >>"$T/keys.txt"
	fi
	write_conf $ma
	t0=$SECONDS
	start_daemon || { log "round $i: acmd did not restart"; break; }
	st=$(settle 30)
	src=$?
	[ $src = 0 ] || unsettled=$((unsettled + 1))
	done_=$(for f in discover deploy renew privrenew; do
		[ -f "$T/r$i.$f" ] && printf '%s:%s ' $f "$(sed -n 's/^rc=//p' "$T/r$i.$f")"; done)
	[ -n "$PRIV" ] && echo "round $i: renew priv --with-key $(sed -n 's/^rc=/exit /p' "$T/r$i.privrenew") (killed after ${ms} ms)" >>"$T/privrenews.txt"
	log "round $i: $what; faults: $fdesc; max_attempts $ma; killed after ${ms} ms (exit ${done_% }); settle $((SECONDS - t0))s: $st"
	prev=$n
done

# ------------------------------------------------------------------ final
log "faults: final: faults off, sync, discovery ($(elapsed)s)"
emu DELETE /_emu/faults >/dev/null
# The user's retry for a deployment whose command never reached acmd.
ctl --json deploy list >"$T/dl.json" 2>/dev/null
missing=$($PY "$HELPER" missing "$T/intended.txt" "$T/dl.json")
for n in $missing; do
	log "faults: $n: no deployment record (command killed before acmd took it): deploying again"
	ctl deploy $n --credential main $rargs --auto-redeploy >/dev/null 2>&1
done
st=$(drain 300); log "faults: after sync: $st"
ctl deploy check >/dev/null 2>&1
sleep 2
st=$(drain 120); log "faults: after deploy check: $st"
ctl discover >"$T/final.discover" 2>&1 || { sleep 2; ctl discover >"$T/final.discover" 2>&1; } ||
    log "faults: final discovery failed: $(tail -1 "$T/final.discover")"

# Snapshots for the checks.
ctl --json deploy list >"$T/dl.json" 2>/dev/null
: >"$T/ds.jsonl"; : >"$T/cs.jsonl"
for n in $(ctl --json cert list 2>/dev/null | jget '" ".join(c["name"] for c in d)'); do
	ctl --json cert show "$n" >>"$T/cs.jsonl" 2>/dev/null; echo >>"$T/cs.jsonl"
done
for n in $($PY -c "import json; print(' '.join(sorted({r['name'] for r in json.load(open('$T/dl.json'))})))"); do
	ctl --json deploy show "$n" >>"$T/ds.jsonl" 2>/dev/null; echo >>"$T/ds.jsonl"
done
ctl --json acm list --all >"$T/acm.json" 2>/dev/null
emu GET /_emu/state >"$T/state.json"

# 3: keys, through cert export --with-key of each version added with a key.
$PY "$HELPER" versions "$T/cs.jsonl" "$T/keys.txt" >"$T/kv.txt"
: >"$T/keys.result"
while read -r name ver fp; do
	d=$T/exp/$name.$ver; mkdir -p "$d"
	if ! ctl cert export "$name" --version "$ver" --with-key --out "$d" >/dev/null 2>"$d/err"; then
		echo "BAD $name version $ver: export --with-key failed: $(head -1 "$d/err")" >>"$T/keys.result"
	elif [ ! -s "$d/$name.key" ]; then
		echo "BAD $name version $ver: no key exported" >>"$T/keys.result"
	else
		a=$(openssl pkey -in "$d/$name.key" -pubout 2>/dev/null)
		b=$(openssl x509 -in "$d/$name.crt" -pubkey -noout 2>/dev/null)
		if [ -z "$a" ] || [ "$a" != "$b" ]; then
			echo "BAD $name version $ver: exported key does not match the certificate" >>"$T/keys.result"
		else
			echo "OK $name $ver" >>"$T/keys.result"
		fi
	fi
done <"$T/kv.txt"

$PY "$HELPER" check "$T/intended.txt" "$T/dl.json" "$T/ds.jsonl" "$T/cs.jsonl" \
    "$T/acm.json" "$T/state.json" "$ACCT" "$T/keys.result" >"$T/check.out"
cat "$T/check.out"
if grep -q '^BAD priv' "$T/keys.result" && [ -f "$T/privrenews.txt" ]; then
	log "  private renewals (renew ARN --with-key) per round:"
	sed 's/^/    /' "$T/privrenews.txt"
fi

# 4: LMDB after a final SIGKILL in the middle of a discovery.
BG=()
bg "$T/last.discover" ctl discover
sleep "0.$((RANDOM % 10))"
kill_daemon
kills=$((kills + 1))
for p in "${BG[@]}"; do wait "$p" 2>/dev/null; done
BG=()
lmdb=OK
if ! mdb_stat -a "$STATE" >"$T/mdb_stat.out" 2>&1; then
	lmdb=FAILED; log "lmdb: mdb_stat -a failed: $(tail -3 "$T/mdb_stat.out")"
elif ! "$ACMD" -c "$CONF" --check-store >"$T/check-store.out" 2>&1; then
	lmdb=FAILED; log "lmdb: acmd --check-store: $(tail -3 "$T/check-store.out")"
elif ! start_daemon; then
	lmdb=FAILED; log "lmdb: acmd did not start again"
elif ! ctl status >/dev/null 2>&1; then
	lmdb=FAILED; log "lmdb: acmd does not answer status"
else
	log "lmdb: mdb_stat -a OK ($(grep -c '^Status of' "$T/mdb_stat.out") databases), acmd --check-store OK, acmd restarted and answers status"
fi
kill_daemon

r1=$(sed -n 's/^RESULT deployments //p' "$T/check.out")
r2=$(sed -n 's/^RESULT repository //p' "$T/check.out")
r3=$(sed -n 's/^RESULT keys //p' "$T/check.out")
log "faults: $rounds rounds, $kills kills, $unsettled unsettled, $(elapsed)s, invariants: deployments exactly once ${r1:-FAILED}, repository/inventory ${r2:-FAILED}, keys ${r3:-FAILED}, lmdb $lmdb"
result=FAIL
[ "$r1" = OK ] && [ "$r2" = OK ] && [ "$r3" = OK ] && [ "$lmdb" = OK ] && result=PASS
# One line for scripts: KEY=VALUE words, result last.
line="faults: seed=$SEED rounds=$rounds kills=$kills unsettled=$unsettled seconds=$(elapsed) deployments=$(sed -n 's/^COUNT deployments //p' "$T/check.out") linked=$(sed -n 's/^COUNT linked //p' "$T/check.out") keys=$(sed -n 's/^COUNT keys //p' "$T/check.out") deployments_once=${r1:-FAILED} repository=${r2:-FAILED} keys_match=${r3:-FAILED} lmdb=$lmdb result=$result"
log "$line"
[ -z "$SUMMARY" ] || echo "$line" >"$SUMMARY"
[ $result = PASS ] && exit 0
KEEP=1
exit 1

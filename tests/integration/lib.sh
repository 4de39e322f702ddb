# Shared helpers for integration tests: TAP output, a private daemon.
# Sourced by bash scripts run from 'make check' (top_srcdir and
# top_builddir are exported by the test harness).
set -u
: "${top_srcdir:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
ACMD=${ACMD:-$top_builddir/acmd}
ACMCTL=${ACMCTL:-$top_builddir/acmctl}
T=$(mktemp -d /tmp/acmd-test.XXXXXX)
chmod 755 "$T"
SOCK=$T/acmd.sock
CONF=$T/acmd.conf
DLOG=$T/acmd.log
DPID=
EMU_PID=
EMU_PORT=
_n=0
_failed=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

ok() {	# ok DESCRIPTION COMMAND...: passes when the command succeeds
	local desc=$1; shift
	_n=$((_n + 1))
	if "$@" >"$T/out.$_n" 2>&1; then
		echo "ok $_n - $desc"
	else
		echo "not ok $_n - $desc"
		sed 's/^/# /' "$T/out.$_n" | head -20
		_failed=$((_failed + 1))
	fi
}

check() {	# check DESCRIPTION CONDITION-STATUS [DIAGNOSTIC]
	_n=$((_n + 1))
	if [ "$2" = 0 ]; then
		echo "ok $_n - $1"
	else
		echo "not ok $_n - $1"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | sed 's/^/# /' | head -20
		_failed=$((_failed + 1))
	fi
}

is() {	# is DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		check "$1" 0
	else
		check "$1" 1 "expected: $2
got:      $3"
	fi
}

like() {	# like DESCRIPTION PATTERN TEXT (grep -E)
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		check "$1" 0
	else
		check "$1" 1 "pattern: $2
text: $3"
	fi
}

unlike() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		check "$1" 1 "unexpected pattern: $2
text: $3"
	else
		check "$1" 0
	fi
}

jget() {	# jget PYTHON-EXPR < json: prints eval of the expression on 'd'
	/usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); r=($1); print(r if not isinstance(r,(dict,list)) else json.dumps(r))"
}

write_conf() {	# write_conf [extra lines...]
	{
		echo "[daemon]"
		echo "socket = $SOCK"
		echo "state_dir = $T/state"
		echo "log = stderr"
		echo "debug = yes"
		printf '%s\n' "$@"
	} >"$CONF"
}

ctl() {
	"$ACMCTL" -s "$SOCK" "$@"
}

wait_socket() {
	local i
	for i in $(seq 1 200); do
		[ -S "$SOCK" ] && "$ACMCTL" -s "$SOCK" ping >/dev/null 2>&1 && return 0
		if [ -n "$DPID" ] && ! kill -0 "$DPID" 2>/dev/null; then
			return 1
		fi
		sleep 0.05
	done
	return 1
}

start_daemon() {	# start_daemon: with $CONF (write_conf first)
	[ -f "$CONF" ] || write_conf
	"$ACMD" -c "$CONF" >>"$DLOG" 2>&1 &
	DPID=$!
	if ! wait_socket; then
		echo "# acmd did not start; its log:"
		sed 's/^/#   /' "$DLOG" | tail -30
		return 1
	fi
}

stop_daemon() {	# SIGTERM and wait; returns acmd's exit status
	local rc=0
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null
	wait "$DPID" || rc=$?
	DPID=
	return $rc
}

kill_daemon() {	# SIGKILL, no clean-up
	[ -n "$DPID" ] || return 0
	kill -KILL "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=
}

sanitizer_clean() {	# no ASan/UBSan/LSan report in the daemon log
	! grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$DLOG"
}

start_emulator() {	# start_emulator [awsemu flags...]: sets EMU_PORT
	/usr/bin/python3 "$top_srcdir/tests/awsemu/awsemu.py" --port 0 \
	    --port-file "$T/emu.port" --quiet "$@" >>"$T/emu.log" 2>&1 &
	EMU_PID=$!
	local i
	for i in $(seq 1 200); do
		[ -s "$T/emu.port" ] && break
		sleep 0.05
	done
	EMU_PORT=$(cat "$T/emu.port" 2>/dev/null)
	[ -n "$EMU_PORT" ]
}

emu() {	# emu METHOD PATH [JSON]: the emulator's admin API
	curl -sS -X "$1" -H 'Content-Type: application/json' \
	    ${3:+--data "$3"} "http://127.0.0.1:$EMU_PORT$2"
}

poll() {	# poll SECONDS COMMAND...: until the command succeeds, or time is up
	local end=$((SECONDS + $1)); shift
	while [ $SECONDS -lt $end ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

finish() {
	if [ -n "$DPID" ]; then
		stop_daemon
		_n=$((_n + 1))
		echo "ok $_n - acmd stopped"
	fi
	if [ -f "$DLOG" ]; then
		_n=$((_n + 1))
		if sanitizer_clean; then
			echo "ok $_n - no sanitizer report in the daemon log"
		else
			echo "not ok $_n - no sanitizer report in the daemon log"
			grep -E -A15 'Sanitizer|runtime error' "$DLOG" | sed 's/^/# /' | head -40
			_failed=$((_failed + 1))
		fi
	fi
	echo "1..$_n"
	[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null
	if [ "$_failed" -eq 0 ]; then
		rm -rf "$T"
	else
		echo "# test files kept in $T"
	fi
	exit $((_failed > 0))
}

_cleanup() {
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
	[ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null
	return 0
}
trap _cleanup EXIT

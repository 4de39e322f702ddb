#!/bin/bash
# Install what is needed, build, and run every test: a -Werror build, the
# same suite under AddressSanitizer + UndefinedBehaviorSanitizer, and
# 'make distcheck'.  The last line is "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
if [ "$(id -u)" = 0 ]; then
	sh scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
else
	echo "test: not root, not installing packages (scripts/setup.sh)"
fi
./autogen.sh >/dev/null 2>&1 || { echo "autogen failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0

tap_count() {	# tap_count FILE: add its ok / not ok lines
	local ok bad
	ok=$(grep -c '^ok ' "$1" 2>/dev/null)
	bad=$(grep -c '^not ok ' "$1" 2>/dev/null)
	passed=$((passed + ${ok:-0}))
	failed=$((failed + ${bad:-0}))
	grep -q '^1\.\.' "$1" 2>/dev/null || failed=$((failed + 1))
}
JOBS=${JOBS:-2}

count_suite() {	# count_suite DIR: add its test-suite.log totals
	local log=$1/test-suite.log p f e x
	if [ ! -f "$log" ]; then
		failed=$((failed + 1))
		return
	fi
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
	f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
	e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
	x=$(sed -n 's/^# XPASS: *//p' "$log" | head -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${e:-0} + ${x:-0}))
	grep -E '^(FAIL|ERROR|XPASS):' "$log" | sed "s|^|$(basename "$1"): |"
}

suite() {	# suite NAME CONFIGURE-FLAGS...
	local name=$1 dir=$top/build-$1
	shift
	echo "== $name: configure $*"
	rm -rf "$dir"
	mkdir -p "$dir"
	if ! (cd "$dir" && ../configure "$@" >configure.out 2>&1); then
		tail -20 "$dir/configure.out"
		echo "$name: configure failed"
		failed=$((failed + 1))
		return
	fi
	if ! (cd "$dir" && make -j"$JOBS" >make.out 2>&1); then
		grep -E 'error|warning' "$dir/make.out" | head -40
		echo "$name: build failed"
		failed=$((failed + 1))
		return
	fi
	echo "== $name: make check"
	(cd "$dir" && make -j"$JOBS" check >check.out 2>&1)
	grep -E '^# (TOTAL|PASS|FAIL|ERROR)' "$dir/test-suite.log" 2>/dev/null
	count_suite "$dir"
}

suite werror --enable-werror
suite sanitizers --enable-werror --enable-sanitizers

echo "== distcheck"
if (cd "$top/build-werror" && make -j"$JOBS" distcheck >distcheck.out 2>&1); then
	echo "distcheck: ok"
	passed=$((passed + 1))
else
	tail -30 "$top/build-werror/distcheck.out"
	echo "distcheck: FAILED"
	failed=$((failed + 1))
fi

echo "== AWS emulator conformance (awscli against tests/awsemu)"
bash tests/awsemu/test_conformance.sh >"$top/conformance.out" 2>&1
grep -E '^not ok|^1\.\.' "$top/conformance.out"
tap_count "$top/conformance.out"

echo "== fuzzing (${FUZZ_SECONDS:-30} s per harness)"
FUZZ_SECONDS=${FUZZ_SECONDS:-30} scripts/fuzz.sh >"$top/fuzz.out" 2>&1
cat "$top/fuzz.out"
tap_count "$top/fuzz.out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

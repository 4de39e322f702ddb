#!/bin/bash
# Build the libFuzzer harnesses (clang, --enable-fuzzing) and run each for
# FUZZ_SECONDS (default 60) from its seed corpus.  TAP output; a crash,
# leak or sanitizer report fails.  Longer runs: FUZZ_SECONDS=3600.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
SECS=${FUZZ_SECONDS:-60}
B=$top/build-fuzz
if [ ! -f "$B/Makefile" ] || [ configure.ac -nt "$B/Makefile" ]; then
	[ -x configure ] || ./autogen.sh >/dev/null 2>&1
	mkdir -p "$B"
	(cd "$B" && ../configure CC=clang --enable-fuzzing >configure.out 2>&1) ||
	    { echo "1..1"; echo "not ok 1 - fuzz build configures"; exit 1; }
fi
names="frame pem conf aws"
targets=""
for n in $names; do targets="$targets tests/fuzz/fuzz_$n"; done
# shellcheck disable=SC2086
if ! make -C "$B" -j2 $targets >"$B/make.out" 2>&1; then
	tail -20 "$B/make.out"
	echo "1..1"; echo "not ok 1 - fuzz harnesses build"; exit 1
fi
n=0 failed=0
set -- $names
echo "1..$#"
for name in $names; do
	n=$((n + 1))
	work=$(mktemp -d /tmp/acmd-fuzz.XXXXXX)
	cp -r "tests/fuzz/corpus/$name/." "$work/"
	log=$B/fuzz_$name.log
	if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    "$B/tests/fuzz/fuzz_$name" -max_total_time="$SECS" -max_len=65536 \
	    -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$B/crash-$name-" \
	    "$work" >"$log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$log" | tail -1)
		echo "ok $n - fuzz_$name: ${SECS} s, ${runs:-?}, no crash, leak or UB report"
	else
		echo "not ok $n - fuzz_$name: see $log"
		grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5 | sed 's/^/# /'
		failed=$((failed + 1))
	fi
	rm -rf "$work"
done
exit $((failed > 0))

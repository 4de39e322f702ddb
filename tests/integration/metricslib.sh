# Sourced by the tests of the metrics listener, after lib.sh: the test is
# skipped without Debian's prometheus tools, and the listener gets a free
# port (MC: the test client, MPORT, M: its URL).
need_prometheus() {	# need_prometheus COMMAND...: skip without them
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 && continue
		echo "1..0 # SKIP $c is not installed (Debian package prometheus; scripts/setup.sh installs it)"
		rm -rf "$T"
		exit 0
	done
}
MC="/usr/bin/python3 $top_srcdir/tests/integration/metrics_client.py"
MPORT=$($MC freeport)
M=http://127.0.0.1:$MPORT

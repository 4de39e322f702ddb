#!/bin/bash
# The main job: build acmd, start it on a private socket and state
# directory (against the local AWS emulator when it is present), and show
# what it does through acmctl.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
if [ "$(id -u)" = 0 ]; then
	sh scripts/setup.sh >/dev/null
fi
if [ ! -x build-demo/acmd ] || [ configure.ac -nt build-demo/Makefile ]; then
	./autogen.sh >/dev/null 2>&1
	mkdir -p build-demo
	(cd build-demo && ../configure >/dev/null)
fi
make -C build-demo -j2 >/dev/null

D=$(mktemp -d /tmp/acmd-demo.XXXXXX)
ACMCTL="$top/build-demo/acmctl -s $D/acmd.sock"
cleanup() {
	[ -n "${APID:-}" ] && kill "$APID" 2>/dev/null && wait "$APID" 2>/dev/null
	[ -n "${EPID:-}" ] && kill "$EPID" 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ acmctl %s\n' "$*"; $ACMCTL "$@" || true; }

cat >"$D/acmd.conf" <<CONF
[daemon]
socket = $D/acmd.sock
state_dir = $D/state
log = stderr
CONF

step "starting acmd (state in $D/state)"
"$top/build-demo/acmd" -c "$D/acmd.conf" 2>"$D/acmd.log" &
APID=$!
for i in $(seq 1 100); do
	[ -S "$D/acmd.sock" ] && break
	sleep 0.05
done

step "is it there?"
run ping
step "what is it doing?"
run status
step "the same for scripts"
run --json status
step "the audit log of state-changing commands"
run audit

step "daemon log"
sed 's/^/  /' "$D/acmd.log"

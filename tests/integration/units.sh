#!/bin/bash
# The systemd units: systemd-analyze verify accepts them, and
# systemd-analyze security rates acmd.service "OK" or better.
. "$top_srcdir/tests/integration/lib.sh"
C=$top_srcdir/contrib

skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $1"; }

# The units with ExecStart= pointing at the acmd just built.
mkdir -p "$T/units"
sed "s|@sbindir@|$(cd "$top_builddir" && pwd)|" "$C/acmd.service.in" >"$T/units/acmd.service"
cp "$C/acmd.socket" "$T/units/"
ok "ExecStart is substituted" grep -qx "ExecStart=$(cd "$top_builddir" && pwd)/acmd" "$T/units/acmd.service"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	skip "systemd-analyze not installed (verify)"
	skip "systemd-analyze not installed (security)"
	finish
fi
verify() {
	(cd "$T/units" && systemd-analyze verify --man=no ./acmd.service ./acmd.socket) 2>&1 |
	    tee "$T/verify.out"
	[ "${PIPESTATUS[0]}" = 0 ] && ! grep -q . "$T/verify.out"
}
if (cd "$T/units" && systemd-analyze verify --man=no ./acmd.socket) 2>&1 |
    grep -qiE 'failed to (connect|initialize)|no such file.*bus'; then
	skip "systemd-analyze verify cannot run here"
else
	ok "systemd-analyze verify accepts acmd.service and acmd.socket" verify
fi

(cd "$T/units" && systemd-analyze security --offline=yes --no-pager ./acmd.service) \
    >"$T/security.out" 2>&1
rc=$?
score=$(sed -n 's/.*Overall exposure level for acmd.service: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p' "$T/security.out")
if [ -z "$score" ]; then
	skip "systemd-analyze security --offline cannot run here (rc $rc)"
else
	echo "# exposure: $score"
	like "acmd.service rates OK or better" ' (OK|SAFE|PERFECT)$' "$score"
	like "with an exposure of at most 2.0" '^(0\.[0-9]|1\.[0-9]|2\.0) ' "$score"
fi
finish

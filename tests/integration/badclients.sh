#!/bin/bash
# Misbehaving clients do not crash or stall the daemon.
. "$top_srcdir/tests/integration/lib.sh"
ulimit -n 8192 2>/dev/null || ulimit -n 4096
write_conf
ok "acmd starts" start_daemon
out=$(/usr/bin/python3 "$top_srcdir/tests/integration/badclients.py" "$SOCK" "$ACMCTL" "$_n" 2>&1)
echo "$out"
_n=$((_n + $(echo "$out" | grep -Ec '^(not )?ok ')))
_failed=$((_failed + $(echo "$out" | grep -Ec '^not ok ')))
ok "daemon alive after all of it" kill -0 "$DPID"
like "malformed frames are logged" 'dropping the connection' "$(cat "$DLOG")"
finish

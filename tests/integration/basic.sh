#!/bin/bash
# The daemon end to end: start, ping, status, errors, reload, shutdown.
. "$top_srcdir/tests/integration/lib.sh"

write_conf
ok "acmd -n checks the configuration" "$ACMD" -n -c "$CONF"
ok "acmd starts" start_daemon
ok "master key created" test -f "$T/state/master.key"
is "master key is mode 0600" 600 "$(stat -c %a "$T/state/master.key")"
is "socket mode 0660 by default" 660 "$(stat -c %a "$SOCK")"

out=$(ctl ping); rc=$?
is "ping exits 0" 0 "$rc"
like "ping answers pong" 'pong' "$out"

out=$(ctl status); rc=$?
is "status exits 0" 0 "$rc"
like "status shows the version" '^acmd 0\.[0-9]+\.[0-9]+, up ' "$out"
like "status shows the store" "store +$T/state" "$out"
like "status shows counts" 'counts +certs=0' "$out"

json=$(ctl --json status)
PV=$(sed -n 's/^#define PROTO_VERSION[[:space:]]*\([0-9]*\).*/\1/p' "$top_srcdir/protocol/proto.h")
is "status --json has the protocol version" "$PV" "$(echo "$json" | jget 'd["protocol"]')"
is "status --json pid is the daemon's" "$DPID" "$(echo "$json" | jget 'd["pid"]')"
is "status --json counts certificates" 0 "$(echo "$json" | jget 'd["counts"]["certs"]')"
check "status --json store used > 0" "$(echo "$json" | jget 'd["store"]["used"] > 0' | grep -qx True; echo $?)"

ctl nosuchcmd >/dev/null 2>&1; is "unknown command exits 2" 2 "$?"
ctl status extra-arg >/dev/null 2>&1; is "extra argument exits 2" 2 "$?"
ctl audit --limit x >/dev/null 2>&1; is "bad option value exits 2" 2 "$?"
"$ACMCTL" -s "$T/nope.sock" ping >/dev/null 2>&1; is "unreachable daemon exits 3" 3 "$?"
err=$("$ACMCTL" -s "$T/nope.sock" ping 2>&1)
like "unreachable daemon is named" "cannot reach acmd at $T/nope.sock" "$err"

# A second daemon on the same socket refuses to start.
"$ACMD" -c "$CONF" >"$T/second.log" 2>&1; rc=$?
is "a second acmd on the same socket exits 1" 1 "$rc"
like "and says why" 'another acmd is listening' "$(cat "$T/second.log")"

# SIGHUP with a broken file keeps the running configuration.
cp "$CONF" "$T/good.conf"
echo "bogus_key = 1" >>"$CONF"
kill -HUP "$DPID"; sleep 0.3
like "bad reload is logged with file and line" "reload failed.*acmd.conf:[0-9]+: unknown setting 'bogus_key'" "$(cat "$DLOG")"
ok "daemon still serves after a bad reload" ctl ping
cp "$T/good.conf" "$CONF"
sed -i 's/^debug = yes/debug = no/' "$CONF"
kill -HUP "$DPID"; sleep 0.3
like "good reload is logged" 'configuration reloaded' "$(cat "$DLOG")"
ok "daemon serves after reload" ctl ping

ok "SIGTERM stops acmd with status 0" stop_daemon
check "socket removed at shutdown" "$(test ! -e "$SOCK"; echo $?)"

# Bad configuration: a clear error naming file and line; nothing starts.
printf '[daemon]\nsocket = %s\nsocket_mode = 9z9\n' "$SOCK" >"$T/bad.conf"
err=$("$ACMD" -c "$T/bad.conf" 2>&1); rc=$?
is "bad config exits 1" 1 "$rc"
like "bad config error names file and line" "$T/bad.conf:3: daemon.socket_mode: '9z9' is not an octal mode" "$err"
err=$("$ACMD" -c "$T/missing.conf" 2>&1); rc=$?
is "missing named config exits 1" 1 "$rc"

# A master key others can read: refused.
chmod 644 "$T/state/master.key"
"$ACMD" -c "$CONF" >"$T/perm.log" 2>&1; rc=$?
is "group/world-readable master key: exit 1" 1 "$rc"
like "and says to chmod it" 'chmod 600' "$(cat "$T/perm.log")"
chmod 600 "$T/state/master.key"

# Restart on the same state: the store is reopened.
ok "acmd restarts on existing state" start_daemon
ok "ping after restart" ctl ping
finish

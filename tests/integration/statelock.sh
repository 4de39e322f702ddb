#!/bin/bash
# One acmd per state directory (issue 14): a second acmd on the same
# state_dir, even on another socket, refuses to start, naming the first
# one's pid, and touches nothing; the first goes on serving.  acmctl exits
# 3 with a message, not of SIGPIPE, when acmd closes on it mid-send.
. "$top_srcdir/tests/integration/lib.sh"

write_conf
ok "acmd starts" start_daemon
sed "s|^socket = .*|socket = $T/other.sock|" "$CONF" >"$T/other.conf"
timeout 10 "$ACMD" -c "$T/other.conf" >"$T/second.log" 2>&1; rc=$?
is "a second acmd on the same state directory exits 1" 1 "$rc"
like "  naming the directory and the first one's pid" \
    "state directory $T/state is in use by another acmd \\(pid $DPID" "$(cat "$T/second.log")"
check "  its socket is not left behind" "$([ ! -e "$T/other.sock" ]; echo $?)"
ok "the first still serves" ctl ping
ok "the first stops" stop_daemon
SOCK=$T/other.sock CONF=$T/other.conf
ok "after it, the second starts" start_daemon
ok "and serves" ctl ping
ok "and stops" stop_daemon

# acmd closing while acmctl sends: exit 3 and a message, not SIGPIPE (141).
/usr/bin/python3 - "$T/rude.sock" "$top_srcdir/tests/integration" <<'PY' &
import socket, sys
sys.path.insert(0, sys.argv[2])
from acmdwire import PROTO_VERSION, frame, recv_frame
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept()
recv_frame(c)
c.sendall(frame({"kind": "hello", "version": PROTO_VERSION, "daemon": "rude", "access": "admin"}))
c.close()
PY
RPID=$!
for i in $(seq 1 100); do [ -S "$T/rude.sock" ] && break; sleep 0.05; done
head -c 600000 /dev/urandom | base64 >"$T/big.pem"
out=$("$ACMCTL" -s "$T/rude.sock" cert add x --cert "$T/big.pem" --key "$T/big.pem" 2>&1); rc=$?
kill $RPID 2>/dev/null; wait $RPID 2>/dev/null
is "acmctl exits 3 when acmd closes while it sends" 3 "$rc"
like "  with a message" "acmctl: acmd closed the connection" "$out"
finish

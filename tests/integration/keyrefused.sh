#!/bin/bash
# A key export whose connection is refused before the request goes out
# (ACM's endpoint not listening: a proxy in front of the emulator,
# stopped) never reached ACM: AWS bills nothing, and acmd counts nothing
# toward the export limit (LC_EXPORTS).  When the endpoint listens again
# the next attempt exports once, and that one is counted.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"	# ACCT, add_credential, wait_for
R=us-east-1
PROXY_PID=

ok "emulator starts" start_emulator --no-quotas

# A TCP proxy to the emulator; killed, its port refuses connections.
cat >"$T/proxy.py" <<'PY'
import socket, sys, threading
listen_port, target, port_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", listen_port))
ls.listen(64)
def pipe(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
with open(port_file + ".tmp", "w") as f:
    f.write(str(ls.getsockname()[1]))
import os; os.rename(port_file + ".tmp", port_file)
while True:
    c, _ = ls.accept()
    u = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=pipe, args=(c, u), daemon=True).start()
    threading.Thread(target=pipe, args=(u, c), daemon=True).start()
PY
start_proxy() {	# start_proxy PORT (0: any): sets PROXY_PORT
	rm -f "$T/proxy.port"
	/usr/bin/python3 "$T/proxy.py" "$1" "$EMU_PORT" "$T/proxy.port" &
	PROXY_PID=$!
	poll 10 test -s "$T/proxy.port" || return 1
	PROXY_PORT=$(cat "$T/proxy.port")
}
stop_proxy() { kill -9 "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null; PROXY_PID=; }
ok "proxy starts" start_proxy 0

write_conf "[aws]" "endpoint_url = http://127.0.0.1:$PROXY_PORT" \
    "regions = $R" "rate_limits = no" "max_attempts = 3" \
    "request_timeout = 2s" "[jobs]" "discovery_interval = 0"
ok "acmd starts" start_daemon
ok "credential added" add_credential

state() { kx "$1" '"%s %s %s" % (k.get("attempts"), k.get("exports"), k.get("state"))'; }

CA=$(emu POST /_emu/pca "{\"account\":\"$ACCT\",\"region\":\"$R\",\"common_name\":\"Refused CA\"}" | jget 'd["arn"]')
like "emulator created a CA" '^arn:aws:acm-pca:' "$CA"

# Attempt 1 is refused by ACM (connections closed without an answer), so
# the request waits for its retry with nothing exported.
fault '"drop_rate":1'
ID=$(request refused)
ARN=$(ctl --json request show "$ID" | jget 'd["arn"]')
like "the certificate was requested" '^arn:aws:acm:' "$ARN"
ok "attempt 1 fails" wait_for 30 export_settled "$ID" 1
is "attempt 1: nothing exported, nothing counted" "1 0 exporting 0" "$(state "$ID") $(billed "$ARN")"
fault ""

# Attempt 2: the endpoint does not listen at all.
stop_proxy
ok "request sync: attempt 2" ctl request sync "$ID"
ok "attempt 2 fails" wait_for 30 export_settled "$ID" 2
is "attempt 2: refused connections counted as nothing" "2 0 exporting 0" "$(state "$ID") $(billed "$ARN")"
like "the log says the connection was refused" "ExportCertificate.*(refused|connect)" "$(cat "$DLOG")"

# Listening again: attempt 3 exports once, and counts it.
ok "proxy listens again on port $PROXY_PORT" start_proxy "$PROXY_PORT"
ok "request sync: attempt 3" ctl request sync "$ID"
ok "the key is stored" wait_for 30 keyed refused
is "attempt 3: one export, counted once" "3 1 stored 1" "$(state "$ID") $(billed "$ARN")"
stop_proxy
unlike "no key or passphrase in the daemon log" 'PRIVATE KEY|Passphrase' "$(cat "$DLOG")"

finish

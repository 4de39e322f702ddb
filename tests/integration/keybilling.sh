#!/bin/bash
# What acmd counts toward a key export's limit (LC_EXPORTS, 5): only the
# ExportCertificate tries that may have reached ACM's export, which AWS
# charges for.  A 5xx, a throttle or a connection closed without an
# answer is a refusal and not counted; a timeout after the request went
# out, or a 2xx answer whose body was lost, is.  The emulator counts the
# exports it really carried out (export_count), which acmd's count must
# match in each case; the limit then gives the work up.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"	# ACCT, add_credential, wait_for
R=us-east-1

ok "emulator starts" start_emulator --no-quotas
# One HTTP try in three and a short request timeout: every case is quick.
write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
    "regions = $R" "rate_limits = no" "max_attempts = 3" \
    "request_timeout = 2s" "[jobs]" "discovery_interval = 0"
ok "acmd starts" start_daemon
ok "credential added" add_credential


CA=$(emu POST /_emu/pca "{\"account\":\"$ACCT\",\"region\":\"$R\",\"common_name\":\"Billing CA\"}" | jget 'd["arn"]')
like "emulator created a CA" '^arn:aws:acm-pca:' "$CA"

# Refusals: every try of the first attempt refused; nothing counted.
# (curl sends a request again by itself on a new connection when a kept
# one is closed without an answer: the faults stay until the attempt is
# over.)
for c in 'error:"error_rate":1,"error_status":500' \
    'unavailable:"error_rate":1,"error_status":503' \
    'throttle:"throttle_rate":1' 'drop:"drop_rate":1'; do
	what=${c%%:*}
	fault "${c#*:}"
	ID=$(request "r$what")
	ARN=$(ctl --json request show "$ID" | jget 'd["arn"]')
	ok "$what: the first attempt fails" wait_for 30 export_settled "$ID" 1
	is "$what: AWS carried out no export" 0 "$(billed "$ARN")"
	is "$what: none counted (3 tries refused)" "1 0 exporting" "$(kx "$ID" '"%s %s %s" % (k.get("attempts"), k.get("exports"), k.get("state"))')"
	fault ""
	ok "$what: request sync: attempt 2" ctl request sync "$ID"
	ok "$what: the key is stored" wait_for 30 keyed "r$what"
	is "$what: one export counted, as AWS carried out" "2 1 stored 1" "$(kx "$ID" '"%s %s %s" % (k.get("attempts"), k.get("exports"), k.get("state"))') $(billed "$ARN")"
done

# May have reached ACM: the try is counted, and the retry too.
for c in 'timeout:"delay_ms":3000' \
    'garbage:"malformed_rate":1,"malformed_mode":"garbage","applied":true' \
    'truncated:"malformed_rate":1,"malformed_mode":"truncated","applied":true'; do
	what=${c%%:*}
	fault "${c#*:},\"count\":1"
	ID=$(request "m$what")
	ARN=$(ctl --json request show "$ID" | jget 'd["arn"]')
	ok "$what: the key is stored (the second try)" wait_for 30 keyed "m$what"
	wait_for 10 export_settled "$ID" 1
	# The delayed one is carried out when its delay is over.
	wait_for 10 billed_is "$ARN" 2
	is "$what: AWS carried out two exports" 2 "$(billed "$ARN")"
	is "$what: both counted" "1 2 stored" "$(kx "$ID" '"%s %s %s" % (k.get("attempts"), k.get("exports"), k.get("state"))')"
done

# The limit: every answer lost after ACM exported.  Attempt 1 counts 3,
# attempt 2 reaches 6 (>= 5): acmd gives up and exports no more.
fault '"malformed_rate":1,"malformed_mode":"garbage","applied":true'
ID=$(request lost)
ARN=$(ctl --json request show "$ID" | jget 'd["arn"]')
ok "lost: the first attempt fails" wait_for 30 export_settled "$ID" 1
is "lost: 3 exports counted, as AWS carried out" "3 3" "$(kx "$ID" 'k.get("exports")') $(billed "$ARN")"
ok "lost: request sync: attempt 2" ctl request sync "$ID"
ok "lost: attempt 2 fails" wait_for 30 export_settled "$ID" 2
is "lost: given up at 6 exports" "failed 6 6" "$(kx "$ID" '"%s %s" % (k.get("state"), k.get("exports"))') $(billed "$ARN")"
like "lost: the log says why" "giving up on this key export after 2 attempts, 6 exports that may have reached ACM" "$(cat "$DLOG")"
ok "lost: request sync after giving up" ctl request sync "$ID"
sleep 1
is "lost: no export after giving up" 6 "$(billed "$ARN")"
# A restart does not reset the count either.
kill_daemon
ok "acmd restarts" start_daemon
sleep 2
is "lost: still none after a restart" 6 "$(billed "$ARN")"
unlike "no key or passphrase in the daemon log" 'PRIVATE KEY|Passphrase' "$(cat "$DLOG")"

finish

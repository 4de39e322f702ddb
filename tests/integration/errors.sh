#!/bin/bash
# Exit status and error codes say what happened (issue 14): discover fails
# when regions fail and names them, a region whose Describe calls failed
# shows its error, AWS that cannot be reached is ENETWORK naming the
# endpoint, and a concurrent deploy of the same thing is EBUSY.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"

ok "emulator starts" start_emulator --no-quotas
aws_conf() {	# aws_conf [extra [aws] lines]
	write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
	    "regions = us-east-1 eu-west-1" "rate_limits = no" "max_attempts = 2" "$@" \
	    "[jobs]" "discovery_interval = 0" "mismatch_interval = 0"
}
aws_conf
ok "acmd starts" start_daemon
ok "credential added" add_credential
code_of() { jget 'd["error"]["code"]'; }	# of a failed result (--json)
msg_of() { jget 'd["error"]["message"]'; }
# A port nothing listens on.
CLOSED=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

# --- every region failing ------------------------------------------------
emu POST /_emu/faults '{"service":"acm","operation":"ListCertificates","error_rate":1,"error_status":500}' >/dev/null
emu POST /_emu/faults '{"service":"iam","operation":"ListServerCertificates","error_rate":1,"error_status":500}' >/dev/null
json=$(ctl --json discover); rc=$?
is "every region failing: discover exits 1" 1 "$rc"
is "every region failing: EAWS" EAWS "$(echo "$json" | code_of)"
like "the error names every region and its error" \
    'failed in 3 of 3 regions: .*us-east-1 \(ListCertificates: InternalFailure.*eu-west-1 \(ListCertificates: InternalFailure.*IAM 111111111111 \(ListServerCertificates: InternalFailure' \
    "$(echo "$json" | msg_of)"
is "the summary comes with it: each region has its error" "3" \
    "$(echo "$json" | jget 'len([r for r in d["data"]["regions"] if r["error"]])')"
ctl discover >"$T/d.out" 2>"$T/d.err"; rc=$?
is "without --json: exit 1 too" 1 "$rc"
like "the table shows the regions" 'eu-west-1' "$(cat "$T/d.out")"
like "standard error says what failed" '^acmctl: discovery failed in 3 of 3 regions: .*\(EAWS\)$' "$(cat "$T/d.err")"
emu DELETE /_emu/faults >/dev/null

# --- a region whose Describe calls fail ----------------------------------
emu POST /_emu/seed '{"account":"'$ACCT'","regions":["eu-west-1"],"count_per_region":3,"domain_prefix":"desc"}' >/dev/null
emu POST /_emu/faults '{"service":"acm","operation":"DescribeCertificate","error_rate":1,"error_status":500}' >/dev/null
json=$(ctl --json discover --region eu-west-1 --region us-east-1); rc=$?
emu DELETE /_emu/faults >/dev/null
is "Describe failing in eu-west-1: discover exits 1" 1 "$rc"
like "eu-west-1 shows the Describe error" '^DescribeCertificate arn:aws:acm:eu-west-1:.*InternalFailure' \
    "$(echo "$json" | jget '[r["error"] for r in d["data"]["regions"] if r["region"] == "eu-west-1"][0]')"
is "eu-west-1 counts 3 errors, us-east-1 none" "3 None" \
    "$(echo "$json" | jget '" ".join(str(r["errors"] if r["region"] == "eu-west-1" else r["error"]) for r in d["data"]["regions"] if r["region"] != "IAM")')"
like "the message names eu-west-1 only" 'failed in 1 of 3 regions: eu-west-1 \(DescribeCertificate' "$(echo "$json" | msg_of)"
ok "without faults: discover exits 0" ctl discover

# --- a concurrent deploy of the same certificate and region --------------
mkca
mkkey "$T/web.key"; mkleaf "$T/web.crt" "$T/web.key" web.errors.test
ok "cert add web" ctl cert add web --cert "$T/web.crt" --key "$T/web.key" --chain "$T/ca.crt"
emu POST /_emu/faults '{"service":"acm","operation":"ImportCertificate","delay_ms":3000,"count":1}' >/dev/null
ctl deploy web --credential main --region us-east-1 >"$T/dep1.out" 2>&1 &
D1=$!
sleep 1
json=$(ctl --json deploy web --credential main --region us-east-1); rc=$?
is "the second deploy: exit 1" 1 "$rc"
is "the second deploy: EBUSY" EBUSY "$(echo "$json" | code_of)"
like "it says a deployment is in progress" 'us-east-1 \(busy' "$(echo "$json" | msg_of)"
wait "$D1"; rc=$?
is "the first deploy succeeds" 0 "$rc"
emu DELETE /_emu/faults >/dev/null

# --- a timeout is ENETWORK too --------------------------------------------
stop_daemon
aws_conf "request_timeout = 1s"
ok "acmd restarts with request_timeout 1s" start_daemon
emu POST /_emu/faults '{"service":"sts","operation":"GetCallerIdentity","delay_ms":2500}' >/dev/null
json=$(ctl --json credential test main); rc=$?
emu DELETE /_emu/faults >/dev/null
is "STS too slow: credential test exits 1" 1 "$rc"
is "STS too slow: ENETWORK" ENETWORK "$(echo "$json" | code_of)"
like "STS too slow: the message names the endpoint and says it timed out" \
    "^RequestTimeout: sts GetCallerIdentity: cannot reach sts at http://127.0.0.1:$EMU_PORT: .*timed out" "$(echo "$json" | msg_of)"

# --- AWS not reachable: ENETWORK naming the endpoint ---------------------
stop_daemon
AWS_ENDPOINT_URL_ACM=http://127.0.0.1:$CLOSED
export AWS_ENDPOINT_URL_ACM
ok "acmd restarts with ACM on a closed port" start_daemon
unset AWS_ENDPOINT_URL_ACM
json=$(ctl --json discover); rc=$?
is "ACM refused: discover exits 1" 1 "$rc"
is "ACM refused: ENETWORK" ENETWORK "$(echo "$json" | code_of)"
like "the message names the regions, the endpoint and the cause" \
    "us-east-1 \(ListCertificates: NetworkError: acm ListCertificates: cannot reach acm at http://127.0.0.1:$CLOSED: (Failed to connect|.*[Rr]efused)" \
    "$(echo "$json" | msg_of)"
json=$(ctl --json deploy web --credential main --region eu-west-1); rc=$?
is "ACM refused: deploy exits 1" 1 "$rc"
is "ACM refused: deploy is ENETWORK" ENETWORK "$(echo "$json" | code_of)"
stop_daemon
aws_conf
sed -i "s|^endpoint_url = .*|endpoint_url = http://127.0.0.1:$CLOSED|" "$CONF"
ok "acmd restarts with endpoint_url on a closed port" start_daemon
json=$(ctl --json credential test main); rc=$?
is "credential test: exit 1" 1 "$rc"
is "credential test: ENETWORK" ENETWORK "$(echo "$json" | code_of)"
like "credential test: names the endpoint and the cause" "cannot reach sts at http://127.0.0.1:$CLOSED: (Failed to connect|.*[Rr]efused)" "$(echo "$json" | msg_of)"
ctl discover >"$T/d.out" 2>"$T/d.err"; rc=$?
is "discover: exit 1" 1 "$rc"
like "discover: ENETWORK naming the credential" '^acmctl: discovery failed in 1 of 1 credentials: credential main \(.*cannot reach sts.*\(ENETWORK\)$' "$(cat "$T/d.err")"
finish

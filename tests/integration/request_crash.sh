#!/bin/bash
# request private --with-key gets its key exactly when the repository
# version lacks it: acmd killed with SIGKILL while ExportCertificate is in
# flight fetches the key after the restart; an export that fails a few
# times is retried by acmd until the key is stored; one that keeps failing
# stops after 10 attempts, counted in the request record before each
# ExportCertificate, with the last error in 'request show'.  (Exports that
# may have reached ACM have their own limit: keybilling.sh.)
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"	# ACCT, add_credential, wait_for
R=us-east-1

start_one_region

exports() {	# ExportCertificate calls the emulator answered since the reset
	emu GET /_emu/stats | jget "d['requests'].get('acm', {}).get('ExportCertificate', {}).get('$R', 0)"
}
has_key() { ctl --json cert show "$1" | jget 'd["has_key"]'; }
nversions() { ctl --json cert show "$1" | jget 'len(d["versions"])'; }
keyed() { [ "$(has_key "$1")" = True ]; }
at_least() { [ "$(exports)" -ge "$1" ]; }
settled() {	# settled ID N: attempt N made and over (failed or waiting)
	[ "$(kx "$1" "k.get('attempts') == $2 and (k.get('state') == 'failed' or 'next_retry' in k)")" = True ]
}
key_matches() {	# key_matches NAME: the current version's key is its own
	ctl --json cert export "$1" --with-key | /usr/bin/python3 -c '
import json, sys
from cryptography import x509
from cryptography.hazmat.primitives import serialization as s
d = json.load(sys.stdin)
k = s.load_pem_private_key(d["key"].encode(), None).public_key()
c = x509.load_pem_x509_certificate(d["cert"].encode()).public_key()
f = (s.Encoding.DER, s.PublicFormat.SubjectPublicKeyInfo)
sys.exit(k.public_bytes(*f) != c.public_bytes(*f))'
}

CA=$(emu POST /_emu/pca "{\"account\":\"$ACCT\",\"region\":\"$R\",\"common_name\":\"Key CA\"}" | jget 'd["arn"]')
like "emulator created a CA" '^arn:aws:acm-pca:' "$CA"

# 1. SIGKILL while the export is in flight, after the request became Issued.
fault '"delay_ms":5000,"count":1'
ID=$(request crash1)
like "request private --with-key answers an ID" '^r-[0-9]+$' "$ID"
ok "ExportCertificate is under way (held by the emulator)" wait_for 20 at_least 1
is "the request is Issued" Issued "$(ctl --json request show "$ID" | jget 'd["status"]')"
is "the attempt was counted before the call" "1 exporting" "$(kx "$ID" '"%s %s" % (k.get("attempts"), k.get("state"))')"
is "the version has no key yet" False "$(has_key crash1)"
kill_daemon
fault ""
ok "acmd restarts" start_daemon
ok "the key is fetched after the restart" wait_for 30 keyed crash1
check "it is the key of the certificate" "$(key_matches crash1; echo $?)"
is "exactly one version" 1 "$(nversions crash1)"
is "one ExportCertificate after the restart" 1 "$(exports)"
is "key_export: stored at attempt 2, both exports counted (the first may have reached ACM)" "2 2 stored" "$(kx "$ID" '"%s %s %s" % (k.get("attempts"), k.get("exports"), k.get("state"))')"
sleep 6	# a run of the requests job
is "a stored key is not exported again" 1 "$(exports)"

# 2. ExportCertificate fails a few times (each attempt is up to 3 HTTP
# tries): attempt 1 fails, acmd tries again on its own and stores the key.
fault '"error_rate":1,"count":4'
ID=$(request flaky)
ok "the first attempt fails" wait_for 30 settled "$ID" 1
is "no key yet" False "$(has_key flaky)"
like "request show has the error" 'last_error +InternalFailure' "$(ctl request show "$ID")"
like "and when acmd tries again" 'next_retry +[0-9]+' "$(ctl request show "$ID")"
like "the log says so" "request $ID: the key of arn:[^ ]+: InternalFailure.*attempt 1 of 10, the next in 60 s" "$(cat "$DLOG")"
ok "acmd tries again on its own and stores the key" wait_for 80 keyed flaky
check "it is the key of the certificate" "$(key_matches flaky; echo $?)"
is "exactly one version" 1 "$(nversions flaky)"
is "key_export: stored at attempt 2, the error gone, one export counted" "2 stored None 1" "$(kx "$ID" '"%s %s %s %s" % (k.get("attempts"), k.get("state"), k.get("last_error"), k.get("exports"))')"
is "five ExportCertificate calls: 4 failed, 1 answered" 5 "$(exports)"

# 3. ExportCertificate keeps failing: 10 attempts (request sync skips the
# backoff), then acmd gives up and says why.  A 500 is a refusal: none of
# the 30 calls counts toward the limit of exports that may have reached
# ACM (keybilling.sh).
fault '"error_rate":1'
ID=$(request broken)
ARN=$(ctl --json request show "$ID" | jget 'd["arn"]')
ok "attempt 1 fails" wait_for 30 settled "$ID" 1
for n in 2 3 4 5 6 7 8 9 10; do
	ok "request sync: attempt $n" ctl request sync "$ID"
	ok "attempt $n fails" wait_for 30 settled "$ID" $n
done
is "acmd gave up after 10 attempts, no export counted" "10 failed 0" "$(kx "$ID" '"%s %s %s" % (k.get("attempts"), k.get("state"), k.get("exports"))')"
is "30 ExportCertificate calls (3 tries an attempt)" 30 "$(exports)"
out=$(ctl request show "$ID")
like "request show: state failed" 'state +failed' "$out"
like "request show: the last error" 'last_error +InternalFailure: The request processing has failed' "$out"
like "the log says it gave up" "request $ID: the key of $ARN: InternalFailure.*giving up on this key export after 10 attempts, 0 exports that may have reached ACM \(run fetch-key\)" "$(cat "$DLOG")"
ok "request sync after giving up" ctl request sync "$ID"
job_run() { ctl --json status | jget "[j for j in d['jobs'] if j['name'] == 'requests'][0]['last_run']"; }
last=$(job_run)
ran_again() { [ "$(job_run)" -gt "$last" ]; }
ok "the requests job ran again" wait_for 15 ran_again
is "no export after giving up" 30 "$(exports)"
is "still no key" False "$(has_key broken)"
fault ""
ok "the operator runs fetch-key" ctl fetch-key "$ARN" --credential main --yes
ok "request sync" ctl request sync "$ID"
is "key_export follows the version: stored" stored "$(kx "$ID" 'k.get("state")')"
is "without another export" 1 "$(exports)"
check "it is the key of the certificate" "$(key_matches broken; echo $?)"
is "exactly one version" 1 "$(nversions broken)"
unlike "no key or passphrase in the daemon log" 'PRIVATE KEY|Passphrase' "$(cat "$DLOG")"

finish

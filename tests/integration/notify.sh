#!/bin/bash
# Expiry notifications end to end: repository certificates crossing the
# thresholds, journal/webhook/mail once per threshold, state reset on
# renewal, notify test with a working and a refusing webhook.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/notifylib.sh"

start_sink
# A port nothing listens on: bound, then closed again.
DEADPORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# Certificates made now: 10 and 3 days left, one expired, one for 200 days.
ok "make a certificate with 10 days left" mkcert soon10 10
ok "make a certificate with 3 days left" mkcert soon3 3
ok "make a certificate with 200 days left" mkcert later 200
ok "make a certificate with 400 days left (renewal)" mkcert renewed 400
ok "make an expired certificate" /usr/bin/python3 - "$T" <<'EOF'
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
d = sys.argv[1]
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "old.example.test")])
now = datetime.datetime.now(datetime.timezone.utc)
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=90))
        .not_valid_after(now - datetime.timedelta(days=2))
        .sign(key, hashes.SHA256()))
open(d + "/old.crt", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(d + "/old.key", "wb").write(key.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
    serialization.NoEncryption()))
EOF

# Whole days left are floored (as cert list shows them): a second on, a
# certificate made for N days has N-1 left, whatever the timing below.
sleep 1

ok "the AWS emulator starts" start_emulator
write_conf "[jobs]" "expiry_interval = 0" "discovery_interval = 0" \
    "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" "regions = us-east-1" \
    "[notify]" "thresholds = 30 15 7 1" \
    "webhook_url = http://127.0.0.1:$HPORT/hook" \
    "smtp_url = smtp://127.0.0.1:$SPORT" \
    "mail_from = acmd@example.test" \
    "mail_to = ops@example.test sec@example.test"
ok "acmd starts with [notify] set" start_daemon

for c in soon10 soon3 later old; do
	ok "cert add $c" ctl cert add "$c" --cert "$T/$c.crt" --key "$T/$c.key"
done
# days_left as the repository computes it (cert list), to compare with.
ctl --json cert list >"$T/list.json"
days() { jget "[c['days_left'] for c in d if c['name']=='$1'][0]" <"$T/list.json"; }
D10=$(days soon10); D3=$(days soon3); DOLD=$(days old)

nlines() { [ -f "$1" ] && wc -l <"$1" | tr -d ' ' || echo 0; }

out=$(ctl --json notify check); rc=$?
is "notify check exits 0" 0 "$rc"
is "notify check lists three notifications" 3 "$(echo "$out" | jget 'len(d)')"
is "soon10: one notification, threshold 15" "15 $D10 cert-expiring repository" \
    "$(echo "$out" | jget "' '.join(str(x[k]) for x in d if x['id']=='soon10' for k in ('threshold','days_left','event','source'))")"
is "soon3: 30/15/7 crossed at once, one notification for 7" "7 $D3 cert-expiring" \
    "$(echo "$out" | jget "' '.join(str(x[k]) for x in d if x['id']=='soon3' for k in ('threshold','days_left','event'))")"
is "old: reported as expired" "0 $DOLD cert-expired" \
    "$(echo "$out" | jget "' '.join(str(x[k]) for x in d if x['id']=='old' for k in ('threshold','days_left','event'))")"
is "later: nothing" "0" "$(echo "$out" | jget "len([x for x in d if x['id']=='later'])")"

W=$SINK/webhook.jsonl
M=$SINK/mail.jsonl
is "webhook got three POSTs" 3 "$(nlines "$W")"
wh() {	# wh NAME EXPR: EXPR on the webhook body for that certificate
	/usr/bin/python3 -c "
import json,sys
for l in open('$W'):
    d=json.loads(l)
    if d.get('name')=='$1': print($2)
"
}
is "webhook soon10 fields" \
    "cert-expiring|soon10.example.test|$D10|15|repository|None|None|False" \
    "$(wh soon10 "'|'.join(str(d[k]) for k in ('event','domain','days_left','threshold','source','arn','region','test'))")"
is "webhook soon3 fields" "cert-expiring|soon3.example.test|$D3|7" \
    "$(wh soon3 "'|'.join(str(d[k]) for k in ('event','domain','days_left','threshold'))")"
is "webhook old fields" "cert-expired|old.example.test|$DOLD|0" \
    "$(wh old "'|'.join(str(d[k]) for k in ('event','domain','days_left','threshold'))")"
like "webhook not_after is ISO 8601" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
    "$(wh soon3 "d['not_after']")"
like "webhook message names the certificate" 'soon3\.example\.test.*expires in' \
    "$(wh soon3 "d['message']")"
is "webhook bodies have the same keys" \
    "account arn days_left domain event host message name not_after region source test threshold" \
    "$(wh soon10 "' '.join(sorted(d))")"

is "SMTP got three mails" 3 "$(nlines "$M")"
mail() {	# mail N EXPR: EXPR on mail N (d: envelope, h: headers)
	/usr/bin/python3 -c "
import json,email
m=[json.loads(l) for l in open('$M')][$1]
d=m; h=email.message_from_string(m['data'])
print($2)
"
}
subjects=$(for i in 0 1 2; do mail $i "h['Subject']"; done | sort)
is "mail subjects" "acmd: certificate old.example.test has expired
acmd: certificate soon10.example.test expires in $D10 days
acmd: certificate soon3.example.test expires in $D3 days" "$subjects"
is "mail envelope recipients" "ops@example.test sec@example.test" "$(mail 0 "' '.join(d['rcpts'])")"
is "mail envelope sender" "acmd@example.test" "$(mail 0 "d['from']")"
is "mail To header" "ops@example.test, sec@example.test" "$(mail 0 "h['To']")"
is "mail From header" "acmd@example.test" "$(mail 0 "h['From']")"
like "mail has Date and Message-ID" '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} .*\|<.+@.+>$' \
    "$(mail 0 "h['Date'] + '|' + h['Message-ID']")"
like "mail body says what expires" 'expires in|has expired' "$(mail 0 "h.get_payload()")"

log=$(cat "$DLOG")
like "journal line for soon3 with fields" \
    "soon3\.example\.test.* ACMD_EVENT=cert-expiring .*DOMAIN=soon3\.example\.test DAYS_LEFT=$D3 THRESHOLD=7 CERT_NAME=soon3" "$log"
like "journal line for the expired one" \
    "\[warning\]: certificate old\.example\.test .*ACMD_EVENT=cert-expired .*DAYS_LEFT=$DOLD" "$log"
is "three expiry events logged" 3 "$(grep -cE 'ACMD_EVENT=cert-expir(ing|ed)' "$DLOG")"

# Once per threshold: a second check sends nothing.
out=$(ctl --json notify check)
is "second notify check notifies nothing" 0 "$(echo "$out" | jget 'len(d)')"
is "no new webhook POST" 3 "$(nlines "$W")"
is "no new mail" 3 "$(nlines "$M")"
is "still three expiry events logged" 3 "$(grep -cE 'ACMD_EVENT=cert-expir(ing|ed)' "$DLOG")"

# A renewal resets the state; nothing to say for 400 days.
ok "cert renew soon3 with a far-future certificate" \
    ctl cert renew soon3 --cert "$T/renewed.crt" --key "$T/renewed.key"
out=$(ctl --json notify check)
is "after the renewal nothing is notified" 0 "$(echo "$out" | jget 'len(d)')"
like "the state reset is logged" 'certificate repository soon3: not_after changed, expiry state reset' "$(cat "$DLOG")"
is "no webhook POST after the renewal" 3 "$(nlines "$W")"

# The status shows the job.
like "status lists the expiry job" 'expiry' "$(ctl status)"

# notify test: every channel.
out=$(ctl --json notify test); rc=$?
is "notify test exits 0" 0 "$rc"
is "notify test: every channel ok" "journal:True webhook:True mail:True" \
    "$(echo "$out" | jget "' '.join('%s:%s' % (c['channel'], c['ok']) for c in d)")"
is "test webhook POST arrived" 4 "$(nlines "$W")"
is "test webhook POST is marked as a test" "notify-test True" \
    "$(/usr/bin/python3 -c "import json; d=[json.loads(l) for l in open('$W')][3]; print(d['event'], d['test'])")"
is "test mail arrived" 4 "$(nlines "$M")"
is "test mail subject" "acmd: test notification" "$(mail 3 "h['Subject']")"
like "notify test renders a table" 'webhook +(true|yes|True)' "$(ctl notify test)"

# A webhook that refuses connections: reported, mail still goes.
sed -i "s|^webhook_url = .*|webhook_url = http://127.0.0.1:$DEADPORT/hook|" "$CONF"
kill -HUP "$DPID"; sleep 0.3
nmail=$(nlines "$M")
out=$(ctl --json notify test); rc=$?
is "notify test with a dead webhook exits 0" 0 "$rc"
is "dead webhook: webhook failed, mail ok" "webhook:False mail:True" \
    "$(echo "$out" | jget "' '.join('%s:%s' % (c['channel'], c['ok']) for c in d if c['channel'] != 'journal')")"
like "dead webhook: the reason is clear" "127\.0\.0\.1.*([Cc]ould ?n.t connect|refused)" \
    "$(echo "$out" | jget "[c['detail'] for c in d if c['channel']=='webhook'][0]")"
is "mail still sent" $((nmail + 1)) "$(nlines "$M")"
like "the failure is logged with its channel" 'notify notify-test: webhook failed: 127\.0\.0\.1' "$(cat "$DLOG")"
unlike "the webhook URL path is not logged" "$DEADPORT/hook" "$(cat "$DLOG")"

# A webhook answering 500 is a failure too.
sed -i "s|^webhook_url = .*|webhook_url = http://127.0.0.1:$HPORT/fail|" "$CONF"
kill -HUP "$DPID"; sleep 0.3
out=$(ctl --json notify test)
is "webhook answering 500 is reported" "the webhook answered HTTP 500" \
    "$(echo "$out" | jget "[c['detail'] for c in d if c['channel']=='webhook'][0]")"

# The inventory: an ACM certificate with 5 days left, found by discovery
# (which runs the expiry job when it ends).
sed -i "s|^webhook_url = .*|webhook_url = http://127.0.0.1:$HPORT/hook|" "$CONF"
kill -HUP "$DPID"; sleep 0.3
emu POST /_emu/seed '{"account":"111111111111","regions":["us-east-1"],"count_per_region":1,"types":["IMPORTED"],"statuses":["ISSUED"],"domain_prefix":"inv"}' >/dev/null
ARN=$(emu GET /_emu/state | jget "d['accounts']['111111111111']['regions']['us-east-1']['certificates'][0]['arn']")
emu POST /_emu/expire "{\"arn\":\"$ARN\",\"days\":5}" >/dev/null
ok "credential add for the emulator" sh -c "echo emusecret0000000000000000000000000000001 | '$ACMCTL' -s '$SOCK' credential add emu --access-key AKIDEXAMPLE000000001"
ok "discover" ctl discover
nw=$(nlines "$W")
for i in $(seq 1 100); do
	[ "$(nlines "$W")" -gt 3 ] && grep -q '"source": "acm"' "$W" && break
	sleep 0.05
done
# 5 days from the emulator's now: 5 within its second, 4 after.
like "discovery's expiry run notified the ACM certificate once" \
    "^cert-expiring\\|acm\\|$ARN\\|us-east-1\\|111111111111\\|7\\|[45]\$" \
    "$(/usr/bin/python3 -c "
import json
for l in open('$W'):
    d=json.loads(l)
    if d['source']=='acm': print('|'.join(str(d[k]) for k in ('event','source','arn','region','account','threshold','days_left')))
")"
like "journal line for the ACM certificate" "ACMD_EVENT=cert-expiring .*DAYS_LEFT=[45] THRESHOLD=7 CERT_ARN=$ARN REGION=us-east-1 ACCOUNT=111111111111" "$(cat "$DLOG")"
out=$(ctl --json notify check)
is "notify check after discovery: nothing new" 0 "$(echo "$out" | jget 'len(d)')"
ok "daemon still serves" ctl ping
finish

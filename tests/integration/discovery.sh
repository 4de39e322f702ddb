#!/bin/bash
# Discovery against the emulator: every key type (the ListCertificates
# default-filter trap), pagination, regions in parallel, acm list filters,
# acm show, certificates gone from AWS, faults, a failing region, pacing
# under quotas, IAM server certificates and links to the repository.
. "$top_srcdir/tests/integration/lib.sh"

P=${PEM_FIXTURES:-$top_srcdir/tests/unit/data/pem}
ACCT=111111111111
AKID=AKIDEXAMPLE000000001
SECRET=emusecret0000000000000000000000000000001

ok "emulator starts" start_emulator --no-quotas
E=http://127.0.0.1:$EMU_PORT
aws_conf() {	# aws_conf [extra [aws] lines]: write the config
	write_conf "[aws]" "endpoint_url = $E" \
	    "regions = us-east-1, eu-west-1, ap-southeast-2, us-west-2" "$@"
}
aws_conf "rate_limits = no" "max_attempts = 8"
ok "acmd starts" start_daemon
ok "credential add" sh -c "echo $SECRET | \"$ACMCTL\" -s \"$SOCK\" credential add main --access-key $AKID"

awsc() {	# awsc ARGS...: awscli against the emulator
	AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$SECRET \
	AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
	AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	    /usr/bin/aws --endpoint-url "$E" --output json "$@"
}
emu_arns() {	# emu_arns REGION: the emulator's ARNs there, sorted
	emu GET /_emu/state | jget "'\n'.join(sorted(c['arn'] for c in d['accounts']['$ACCT']['regions'].get('$1', {}).get('certificates', [])))"
}
acm_arns() {	# acm_arns [acm list options]: acmd's ARNs, sorted
	ctl --json acm list "$@" | jget "'\n'.join(sorted(r['arn'] for r in d))"
}
count() { [ -z "$1" ] && echo 0 || printf '%s\n' "$1" | wc -l; }
dups() { printf '%s\n' "$1" | sort | uniq -d | wc -l; }
region_field() {	# region_field JSON REGION FIELD (a summary, or a failed result's data)
	echo "$1" | jget "[r.get('$3') for r in d.get('data', d)['regions'] if r['region'] == '$2'][0]"
}

# --- every key type, pagination, two regions in parallel ----------------------
emu POST /_emu/seed '{"account":"'$ACCT'","regions":["us-east-1"],"count_per_region":1100,
    "types":["AMAZON_ISSUED","IMPORTED","PRIVATE"],
    "key_types":["RSA_2048","EC_prime256v1","RSA_4096","EC_secp384r1"],
    "domain_prefix":"big"}' >/dev/null
emu POST /_emu/seed '{"account":"'$ACCT'","regions":["eu-west-1"],"count_per_region":24,
    "types":["AMAZON_ISSUED","IMPORTED","PRIVATE"],
    "key_types":["EC_prime256v1","RSA_4096","RSA_2048"],"domain_prefix":"eu"}' >/dev/null
us=$(emu_arns us-east-1); eu=$(emu_arns eu-west-1)
is "emulator holds 1100 certificates in us-east-1" 1100 "$(count "$us")"
is "emulator has EC and RSA-4096 ones" 3 "$(emu GET /_emu/state | jget "len({c['key_algorithm'] for c in d['accounts']['$ACCT']['regions']['eu-west-1']['certificates']})")"

json=$(ctl --json discover --region us-east-1 --region eu-west-1); rc=$?
is "discover exits 0" 0 "$rc"
is "discover found every certificate (all key types, all pages)" 1124 "$(echo "$json" | jget 'd["found"]')"
is "discover: us-east-1 found 1100" 1100 "$(region_field "$json" us-east-1 found)"
is "discover: eu-west-1 found 24" 24 "$(region_field "$json" eu-west-1 found)"
is "discover: no errors" 0 "$(echo "$json" | jget 'd["errors"]')"
got=$(acm_arns)
is "acm list has exactly the emulator's ARNs" "$(printf '%s\n%s\n' "$us" "$eu" | sort)" "$got"
is "acm list has no duplicate ARN" 0 "$(dups "$got")"
is "status counts each ACM certificate once (not its PEM)" "$(count "$got")" "$(ctl --json status | jget 'd["counts"]["acm"]')"
stats=$(emu GET /_emu/stats)
is "ListCertificates paged in us-east-1 (2 calls)" 2 "$(echo "$stats" | jget "d['requests']['acm']['ListCertificates']['us-east-1']")"
json=$(ctl --json discover --region eu-west-1)
is "a second discover finds nothing new" "24 0 0" "$(echo "$json" | jget '"%d %d %d" % (d["found"], d["new"], d["gone"])')"

# --- acm list filters -----------------------------------------------------------
is "acm list --region eu-west-1" "$eu" "$(acm_arns --region eu-west-1)"
want=$(emu GET /_emu/state | jget "'\n'.join(sorted(c['arn'] for c in d['accounts']['$ACCT']['regions']['eu-west-1']['certificates'] if c['type'] == 'PRIVATE'))")
is "acm list --type private --region eu-west-1" "$want" "$(acm_arns --type private --region eu-west-1)"
want=$(emu GET /_emu/state | jget "'\n'.join(sorted(c['arn'] for c in d['accounts']['$ACCT']['regions']['eu-west-1']['certificates'] if c['type'] == 'IMPORTED'))")
is "acm list --type imported --region eu-west-1" "$want" "$(acm_arns --type imported --region eu-west-1)"
rows=$(ctl --json acm list --type amazon-issued --region eu-west-1)
is "acm list --type amazon-issued: only Amazon Issued" "Amazon Issued" "$(echo "$rows" | jget '",".join(sorted({r["type"] for r in d}))')"
one=$(echo "$eu" | head -1)
emu POST /_emu/set-status '{"arn":"'$one'","status":"REVOKED"}' >/dev/null
ok "discover picks up a status change" ctl discover --region eu-west-1
is "acm list --status REVOKED" "$one" "$(acm_arns --status REVOKED)"
is "acm list --status ISSUED --region eu-west-1" 23 "$(count "$(acm_arns --status ISSUED --region eu-west-1)")"
want=$(emu GET /_emu/state | jget "'\n'.join(sorted(c['arn'] for c in d['accounts']['$ACCT']['regions']['eu-west-1']['certificates'] if c['domain'].startswith('eu-1')))")
is "acm list --domain 'eu-1*'" "$want" "$(acm_arns --domain 'eu-1*')"
is "acm list --domain matches SANs ('www.eu-2*')" 1 "$(count "$(acm_arns --domain 'www.eu-2.*')")"
is "acm list --domain with no match" 0 "$(count "$(acm_arns --domain 'nomatch*.example.org')")"
two=$(echo "$eu" | sed -n 2p)
emu POST /_emu/expire '{"arn":"'$two'","days":5}' >/dev/null
json=$(ctl --json discover --region eu-west-1)
is "discover reports the expiry change" 1 "$(echo "$json" | jget 'd["changed"]')"
is "acm list --expiring 10" "$two" "$(acm_arns --expiring 10)"
is "acm list --expiring 10: 5 days left" 5 "$(ctl --json acm list --expiring 10 | jget 'd[0]["days_left"]' | sed 's/^4$/5/')"
# acm.list on the wire with expiring past 2^63 days (issue 14): every row
# with a date, as a large --expiring gives, not none.
wire_rows() {	# wire_rows DAYS: the number of rows acm.list answers
	/usr/bin/python3 - "$SOCK" "$top_srcdir/tests/integration" "$1" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
from acmdwire import PROTO_VERSION, connect, frame, recv_frame
s = connect(sys.argv[1])
s.sendall(frame({"kind": "hello", "version": PROTO_VERSION}))
recv_frame(s)
s.sendall(frame({"kind": "request", "id": 1, "cmd": "acm.list", "args": {"expiring": int(sys.argv[3])}}))
import re
body = b""
while True:
    f = recv_frame(s)
    if f is None:
        break
    body += f
    if b"result" in f:
        break
print(body.count(b"arn:aws:acm:"))
PY
}
big=$(wire_rows 100000)
check "acm.list expiring 100000 on the wire finds rows ($big)" "$([ "$big" -gt 0 ]; echo $?)"
is "acm.list expiring 2^63: the same rows" "$big" "$(wire_rows 9223372036854775808)"
is "acm.list expiring 2^64-1: the same rows" "$big" "$(wire_rows 18446744073709551615)"
out=$(ctl acm list --expiring 99999999999999999999 2>&1); rc=$?
is "acmctl --expiring past 2^63: exit 2" 2 "$rc"
like "  says it is out of range, not that it is not a number" "out of range" "$out"

# --- acm show ---------------------------------------------------------------------
# (not on "$two": /_emu/expire re-signs the PEM keeping the serial, and acmd
# fetches a PEM again only when the serial changes)
four=$(echo "$eu" | sed -n 4p)
json=$(ctl --json acm show "$two")
is "acm show: days left after /_emu/expire" 1 "$(echo "$json" | jget '1 if d.get("days_left") in (4, 5) else d.get("days_left")')"
json=$(ctl --json acm show "$four"); rc=$?
is "acm show exits 0" 0 "$rc"
st=$(emu GET /_emu/state | jget "[c for c in d['accounts']['$ACCT']['regions']['eu-west-1']['certificates'] if c['arn'] == '$four'][0]")
is "acm show: domain" "$(echo "$st" | jget 'd["domain"]')" "$(echo "$json" | jget 'd.get("domain")')"
is "acm show: serial" "$(echo "$st" | jget 'd["serial"]')" "$(echo "$json" | jget 'd.get("serial")')"
is "acm show: region and account" "eu-west-1 $ACCT" "$(echo "$json" | jget '"%s %s" % (d.get("region"), d.get("account"))')"
like "acm show: SANs" "www\\." "$(echo "$json" | jget 'd.get("sans")')"
echo "$json" | jget 'd.get("certificate") or ""' >"$T/show.pem"
like "acm show: the PEM" 'BEGIN CERTIFICATE' "$(cat "$T/show.pem")"
is "acm show: the PEM is the emulator's certificate" "$(echo "$st" | jget 'd["fingerprint"]')" \
    "$(openssl x509 -in "$T/show.pem" -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1)"
like "acm show (text) shows the PEM" 'BEGIN CERTIFICATE' "$(ctl acm show "$four")"
err=$(ctl acm show "arn:aws:acm:eu-west-1:$ACCT:certificate/00000000-0000-0000-0000-000000000000" 2>&1); rc=$?
is "acm show of an unknown ARN: exit 1" 1 "$rc"
like "acm show of an unknown ARN: ENOTFOUND" ENOTFOUND "$err"

# --- a certificate deleted in AWS ----------------------------------------------------
three=$(echo "$eu" | sed -n 5p)
ok "aws acm delete-certificate" awsc acm delete-certificate --region eu-west-1 --certificate-arn "$three"
json=$(ctl --json discover --region eu-west-1)
is "discover reports gone 1" 1 "$(echo "$json" | jget 'd["gone"]')"
unlike "acm list no longer shows it" "$three" "$(acm_arns --region eu-west-1)"
like "acm list --all still shows it" "$three" "$(acm_arns --all --region eu-west-1)"

# --- IAM server certificates; links to the repository -----------------------------------
ok "aws iam upload-server-certificate" awsc iam upload-server-certificate \
    --server-certificate-name web-ec384 --certificate-body "file://$P/leaf-ec384.crt" \
    --private-key "file://$P/ec384.key" --certificate-chain "file://$P/chain.pem"
imp=$(awsc acm import-certificate --region eu-west-1 --certificate "fileb://$P/leaf-ec256.crt" \
    --private-key "fileb://$P/ec256.key" --certificate-chain "fileb://$P/chain.pem" | jget 'd["CertificateArn"]')
like "aws acm import-certificate of the repository fixture" "^arn:aws:acm:eu-west-1:$ACCT:certificate/" "$imp"
ok "cert add of the same certificate" ctl cert add web --cert "$P/leaf-ec256.crt" --key "$P/ec256.key" --chain "$P/chain.pem"
ok "discover after upload and import" ctl discover --region eu-west-1
iam=$(ctl --json iam list)
is "iam list: the uploaded certificate" "web-ec384" "$(echo "$iam" | jget '" ".join(r["name"] for r in d)')"
like "iam list: its ARN" "arn:aws:iam::$ACCT:server-certificate/web-ec384" "$iam"
is "iam list: its domain" ec384.example.test "$(echo "$iam" | jget 'd[0]["domain"]')"
rows=$(ctl --json acm list --region eu-west-1)
is "acm list: the imported certificate is linked to 'web'" web \
    "$(echo "$rows" | jget "[r.get('linked') for r in d if r['arn'] == '$imp'][0]")"
is "acm list: only that one is linked" 1 "$(echo "$rows" | jget 'len([r for r in d if r.get("linked")])')"
is "acm list --type iam shows IAM certificates" 1 "$(ctl --json acm list --type iam | jget 'len(d)')"

# --- faults on DescribeCertificate: retried, every certificate exactly once ----------------
emu POST /_emu/seed '{"account":"'$ACCT'","regions":["ap-southeast-2"],"count_per_region":40,
    "types":["IMPORTED","AMAZON_ISSUED"],"key_types":["EC_prime256v1","RSA_2048"],"domain_prefix":"ap"}' >/dev/null
ap=$(emu_arns ap-southeast-2)
emu POST /_emu/stats/reset >/dev/null
emu POST /_emu/faults '{"service":"acm","operation":"DescribeCertificate","error_rate":0.2,"error_status":500,"drop_rate":0.1}' >/dev/null
json=$(ctl --json discover --region ap-southeast-2); rc=$?
emu DELETE /_emu/faults >/dev/null
is "discover under faults exits 0" 0 "$rc"
check "faults were injected (DescribeCertificate retried)" \
    "$(emu GET /_emu/stats | jget "d['requests']['acm']['DescribeCertificate']['ap-southeast-2'] > 40" | grep -qx True; echo $?)"
is "discover under faults found the 40" 40 "$(region_field "$json" ap-southeast-2 found)"
is "discover under faults: no errors" 0 "$(echo "$json" | jget 'd["errors"]')"
got=$(ctl --json acm list --region ap-southeast-2 | jget "'\n'.join(r['arn'] for r in d)")
is "acm list: no duplicate ARN after faults" 0 "$(dups "$got")"
is "acm list: exactly the emulator's ARNs after faults" "$ap" "$(printf '%s\n' "$got" | sort)"

# --- one region failing: the other is still found ------------------------------------------
stop_daemon
aws_conf "rate_limits = no" "max_attempts = 2"
ok "acmd restarts with max_attempts 2" start_daemon
emu POST /_emu/seed '{"account":"'$ACCT'","regions":["us-west-2"],"count_per_region":3,"domain_prefix":"west"}' >/dev/null
emu POST /_emu/seed '{"account":"'$ACCT'","regions":["ap-southeast-2"],"count_per_region":2,"domain_prefix":"ap2"}' >/dev/null
# The emulator's faults match service+operation only (no region), so the
# failure is made region-scoped with its per-region quota bucket: a
# ListCertificates rate of ~0 and the us-west-2 bucket emptied first.
emu POST /_emu/quotas '{"enabled":true,"rates":{"ListCertificates":0.0001,
    "DescribeCertificate":10000,"GetCertificate":10000,"ListTagsForCertificate":10000}}' >/dev/null
ctl discover --region us-west-2 >/dev/null 2>&1	# takes the one token
json=$(ctl --json discover --region us-west-2 --region ap-southeast-2); rc=$?
emu POST /_emu/quotas '{"enabled":false,"rates":{"ListCertificates":1,
    "DescribeCertificate":10,"GetCertificate":10,"ListTagsForCertificate":10}}' >/dev/null
is "one region failing: discover exits 1" 1 "$rc"
is "one region failing: EAWS, naming it" "EAWS True" "$(echo "$json" | jget '"%s %s" % (d["error"]["code"], "us-west-2 (ListCertificates: Throttling" in d["error"]["message"])')"
like "the failing region is reported with its error" 'Throttling|Rate exceeded' "$(region_field "$json" us-west-2 error)"
is "the other region has no error" "None 0" "$(region_field "$json" ap-southeast-2 error) $(region_field "$json" ap-southeast-2 errors)"
is "the other region's certificates are found" 42 "$(region_field "$json" ap-southeast-2 found)"
is "the other region's new ones are in acm list" 42 "$(count "$(acm_arns --region ap-southeast-2)")"

# --- pacing: acmd's rate limits keep the emulator's quotas ----------------------------------
stop_daemon
aws_conf "max_attempts = 3"
ok "acmd restarts with rate limits on" start_daemon
emu POST /_emu/seed '{"account":"'$ACCT'","regions":["us-west-2"],"count_per_region":57,"domain_prefix":"pace"}' >/dev/null
emu POST /_emu/quotas '{"enabled":true,"rates":{"ListCertificates":1}}' >/dev/null
sleep 1.1	# let the ListCertificates bucket refill
emu POST /_emu/stats/reset >/dev/null
json=$(ctl --json discover --region us-west-2); rc=$?
is "paced discover exits 0" 0 "$rc"
is "paced discover found the 60" 60 "$(region_field "$json" us-west-2 found)"
is "paced discover: no errors" 0 "$(echo "$json" | jget 'd["errors"]')"
stats=$(emu GET /_emu/stats)
is "zero throttled answers" 0 "$(echo "$stats" | jget 'sum(n for s in d.get("throttled", {}).values() for o in s.values() for n in o.values())')"
check "DescribeCertificate was called for them" \
    "$(echo "$stats" | jget "d['requests']['acm']['DescribeCertificate']['us-west-2'] >= 60" | grep -qx True; echo $?)"
emu POST /_emu/quotas '{"enabled":false}' >/dev/null

# --- unknown region ----------------------------------------------------------------------------
err=$(ctl discover --region nowhere-1 2>&1); rc=$?
is "discover --region nowhere-1: a usage error (exit 2)" 2 "$rc"
like "discover --region nowhere-1: unknown region" 'unknown region' "$err"
err=$(ctl discover --credential nosuch 2>&1); rc=$?
is "discover --credential nosuch: exit 1" 1 "$rc"
like "discover --credential nosuch: names it" "no credential named 'nosuch'" "$err"
finish

#!/bin/bash
# Conformance test of the AWS emulator, driven by Debian's awscli.
# Output: TAP.  Exit status non-zero if any check failed.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1
AWSBIN=${AWSBIN:-/usr/bin/aws}
TMP=$(mktemp -d /tmp/awsemu-test.XXXXXX)
EMU_PID=
cleanup() {
	if [ -n "$EMU_PID" ]; then kill "$EMU_PID" 2>/dev/null; wait "$EMU_PID" 2>/dev/null; fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

K1=AKIDEXAMPLE000000001; S1=emusecret0000000000000000000000000000001; A1=111111111111
K2=AKIDEXAMPLE000000002; S2=emusecret0000000000000000000000000000002; A2=222222222222

# --dvo-delay 0: the DomainValidationOptions delay (default 2 s) has a section
# of its own below; awscli's start-up time would make it a race elsewhere.
$PY "$HERE/awsemu.py" --port 0 --port-file "$TMP/port" --validation-delay 1 --change-delay 4 --dvo-delay 0 \
	--key "$K1:$S1:$A1" --key "$K2:$S2:$A2" --quiet 2>"$TMP/emu.log" &
EMU_PID=$!
for _ in $(seq 1 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
PORT=$(cat "$TMP/port" 2>/dev/null)
if [ -z "$PORT" ]; then echo "Bail out! emulator did not start"; cat "$TMP/emu.log"; exit 1; fi
EP="http://127.0.0.1:$PORT"

mkdir -p "$TMP/home"
export HOME="$TMP/home" AWS_CONFIG_FILE="$TMP/home/nocfg" AWS_SHARED_CREDENTIALS_FILE="$TMP/home/nocred"
export AWS_ACCESS_KEY_ID=$K1 AWS_SECRET_ACCESS_KEY=$S1 AWS_DEFAULT_REGION=us-east-1
export AWS_MAX_ATTEMPTS=1 AWS_RETRY_MODE=standard AWS_PAGER="" AWS_DEFAULT_OUTPUT=json
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_ENDPOINT_URL 2>/dev/null

N=0; FAIL=0
ok() { N=$((N+1)); echo "ok $N - $1"; }
nok() { N=$((N+1)); FAIL=$((FAIL+1)); echo "not ok $N - $1"; shift; for l in "$@"; do echo "# $l" | head -c 600; echo; done; }
# run AWSCLI args...: sets OUT, ERR, RC
run() { OUT=$("$AWSBIN" --endpoint-url "$EP" "$@" 2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err"); }
# expect_ok DESC args...
expect_ok() { local d=$1; shift; run "$@"; if [ $RC -eq 0 ]; then ok "$d"; else nok "$d" "rc=$RC" "$ERR"; fi; }
# expect_err CODE DESC args...
expect_err() {
	local code=$1 d=$2; shift 2; run "$@"
	if [ $RC -ne 0 ] && grep -q "($code)" <<<"$ERR"; then ok "$d"; else nok "$d" "rc=$RC" "$ERR" "$OUT"; fi
}
# j EXPR: evaluate python EXPR on $OUT (d = parsed JSON)
j() { printf '%s' "$OUT" | $PY "$HERE/testlib.py" json "$1"; }
# is DESC ACTUAL EXPECTED
is() { if [ "$2" == "$3" ]; then ok "$1"; else nok "$1" "got:      $2" "expected: $3"; fi; }
# cond DESC EXPR(on $OUT) -> True
cond() { local r; r=$(j "$2" 2>&1); if [ "$r" == "True" ]; then ok "$1"; else nok "$1" "$2 -> $r" "$OUT"; fi; }
adm() { $PY "$HERE/testlib.py" admin "$EP" "$@"; }
# rawcall SERVICE TARGET BODY: a signed JSON 1.1 call (with the environment's
# credentials, signed for us-east-1) for what awscli 2.9 cannot send; sets
# RS (HTTP status) and OUT (body)
rawcall() { local R; R=$($PY "$HERE/testlib.py" raw "$EP" "$1" us-east-1 "$2" "$3"); RS=${R%% *}; OUT=${R#* }; }
# rawis DESC STATUS CODE: the last rawcall answered HTTP STATUS with __type CODE
rawis() { if [ "$RS" == "$2" ] && [ "$(j "d.get('__type')")" == "$3" ]; then ok "$1"; else nok "$1" "HTTP $RS" "$OUT"; fi; }
# until_cert ARN EXPR: sweep and describe ARN until EXPR holds on $OUT (about 20 tries)
until_cert() {
	local i
	for i in $(seq 1 20); do
		adm POST /_emu/validate-now >/dev/null; run acm describe-certificate --certificate-arn "$1"
		[ "$(j "$2" 2>/dev/null)" == True ] && return 0; sleep 0.3
	done
	return 1
}

echo "# emulator on $EP"
$PY "$HERE/testlib.py" mkcerts "$TMP" || { echo "Bail out! mkcerts"; exit 1; }
# Functional checks run with quotas off (awscli would trip ListCertificates' 1/s);
# the quota section below turns them back on.
adm POST /_emu/quotas '{"enabled":false}' >/dev/null

# ------------------------------------------------------------------ STS
expect_ok "sts get-caller-identity" sts get-caller-identity
cond "caller identity account" "d['Account'] == '$A1' and d['Arn'].startswith('arn:aws:iam::$A1:user/')"

# ------------------------------------------------------------------ auth
AWS_SECRET_ACCESS_KEY=wrongsecret expect_err InvalidSignatureException "bad signature -> InvalidSignatureException (acm)" acm list-certificates
AWS_SECRET_ACCESS_KEY=wrongsecret expect_err SignatureDoesNotMatch "bad signature -> SignatureDoesNotMatch (sts)" sts get-caller-identity
AWS_ACCESS_KEY_ID=AKIDUNKNOWN0000000000 expect_err UnrecognizedClientException "unknown key -> UnrecognizedClientException (acm)" acm list-certificates
AWS_ACCESS_KEY_ID=AKIDUNKNOWN0000000000 expect_err InvalidClientTokenId "unknown key -> InvalidClientTokenId (iam)" iam list-server-certificates
AWS_ACCESS_KEY_ID=AKIDUNKNOWN0000000000 expect_err InvalidClientTokenId "unknown key -> InvalidClientTokenId (route53)" route53 list-hosted-zones
R=$($PY "$HERE/testlib.py" raw "$EP" acm us-east-1 CertificateManager.FrobnicateCertificate '{}')
if [[ "$R" == 400* ]] && grep -q '"__type":"UnknownOperationException"' <<<"$R"; then ok "unknown X-Amz-Target -> 400 UnknownOperationException"; else nok "unknown operation" "$R"; fi
R=$($PY "$HERE/testlib.py" rawquery "$EP" iam 'Action=FrobnicateThings&Version=2010-05-08')
if [[ "$R" == 400* ]] && grep -q '<Code>InvalidAction</Code>' <<<"$R"; then ok "unknown query Action -> InvalidAction"; else nok "unknown action" "$R"; fi
R=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'X-Amz-Target: CertificateManager.ListCertificates' -H 'Content-Type: application/x-amz-json-1.1' -d '{}' "$EP/")
is "unsigned request refused" "$R" "400"

# ------------------------------------------------------------------ Route 53
expect_ok "route53 create-hosted-zone" route53 create-hosted-zone --name example.com --caller-reference ref-1
ZID=$(j "d['HostedZone']['Id'].split('/')[-1]")
cond "hosted zone has a delegation set of 4 name servers" "len(d['DelegationSet']['NameServers']) == 4"
expect_err HostedZoneAlreadyExists "duplicate caller reference -> HostedZoneAlreadyExists" route53 create-hosted-zone --name example.com --caller-reference ref-1
expect_ok "route53 create-hosted-zone (second)" route53 create-hosted-zone --name other.test --caller-reference ref-2
expect_ok "route53 list-hosted-zones-by-name" route53 list-hosted-zones-by-name --dns-name example.com --max-items 1
cond "list-hosted-zones-by-name starts at example.com" "d['HostedZones'][0]['Name'] == 'example.com.'"
expect_ok "route53 list-resource-record-sets (new zone)" route53 list-resource-record-sets --hosted-zone-id "$ZID"
cond "new zone has SOA and NS" "sorted(r['Type'] for r in d['ResourceRecordSets']) == ['NS', 'SOA']"
cb() { printf '{"Changes":[{"Action":"%s","ResourceRecordSet":{"Name":"%s","Type":"%s","TTL":%s,"ResourceRecords":[{"Value":"%s"}]}}]}' "$@"; }
expect_ok "route53 change-resource-record-sets CREATE" route53 change-resource-record-sets --hosted-zone-id "$ZID" --change-batch "$(cb CREATE www.example.com A 300 192.0.2.1)"
CHG=$(j "d['ChangeInfo']['Id']")
cond "change starts PENDING" "d['ChangeInfo']['Status'] == 'PENDING'"
expect_err InvalidChangeBatch "CREATE of an existing record -> InvalidChangeBatch" route53 change-resource-record-sets --hosted-zone-id "$ZID" --change-batch "$(cb CREATE www.example.com A 300 192.0.2.1)"
grep -q "Tried to create resource record set \[name='www.example.com.', type='A'\] but it already exists" <<<"$ERR" && ok "InvalidChangeBatch message for CREATE matches AWS" || nok "CREATE message" "$ERR"
expect_err InvalidChangeBatch "DELETE of a missing record -> InvalidChangeBatch" route53 change-resource-record-sets --hosted-zone-id "$ZID" --change-batch "$(cb DELETE nope.example.com A 300 192.0.2.1)"
grep -q "but it was not found" <<<"$ERR" && ok "InvalidChangeBatch message for missing DELETE" || nok "DELETE message" "$ERR"
expect_err InvalidChangeBatch "DELETE with non-matching values -> InvalidChangeBatch" route53 change-resource-record-sets --hosted-zone-id "$ZID" --change-batch "$(cb DELETE www.example.com A 300 192.0.2.9)"
grep -q "the values provided do not match the current values" <<<"$ERR" && ok "InvalidChangeBatch message for mismatched DELETE" || nok "mismatch message" "$ERR"
expect_err InvalidChangeBatch "record outside the zone -> InvalidChangeBatch" route53 change-resource-record-sets --hosted-zone-id "$ZID" --change-batch "$(cb UPSERT www.elsewhere.org A 300 192.0.2.1)"
expect_ok "UPSERT existing record" route53 change-resource-record-sets --hosted-zone-id "$ZID" --change-batch "$(cb UPSERT www.example.com A 60 192.0.2.2)"
expect_ok "DELETE matching record" route53 change-resource-record-sets --hosted-zone-id "$ZID" --change-batch "$(cb DELETE www.example.com A 60 192.0.2.2)"
expect_ok "route53 get-hosted-zone" route53 get-hosted-zone --id "$ZID"
cond "get-hosted-zone name and NS" "d['HostedZone']['Name'] == 'example.com.' and len(d['DelegationSet']['NameServers']) == 4"
run route53 list-hosted-zones-by-name --dns-name other.test
Z2=$(j "d['HostedZones'][0]['Id'].split('/')[-1]")
expect_ok "route53 delete-hosted-zone (empty zone)" route53 delete-hosted-zone --id "$Z2"
expect_ok "route53 list-hosted-zones" route53 list-hosted-zones
cond "deleted zone gone, example.com remains" "[z['Name'] for z in d['HostedZones']] == ['example.com.']"
# ListHostedZonesByName (API reference): order of the label-reversed name with
# its trailing dot, compared as ASCII ("test.a-b." < "test.a.c." as "-" < ".");
# dnsname is where the listing starts, not a filter; MaxItems pages with
# IsTruncated, NextDNSName and NextHostedZoneId.
expect_ok "route53 create-hosted-zone c.a.test" route53 create-hosted-zone --name c.a.test --caller-reference ref-3
ZC=$(j "d['HostedZone']['Id'].split('/')[-1]")
expect_ok "route53 create-hosted-zone a-b.test" route53 create-hosted-zone --name a-b.test --caller-reference ref-4
ZAB=$(j "d['HostedZone']['Id'].split('/')[-1]")
expect_ok "list-hosted-zones-by-name, no dnsname" route53 list-hosted-zones-by-name
cond "zones in Route 53's order: reversed labels compared as ASCII with the trailing dot" "[z['Name'] for z in d['HostedZones']] == ['example.com.', 'a-b.test.', 'c.a.test.'] and d['IsTruncated'] is False and 'NextDNSName' not in d"
expect_ok "list-hosted-zones-by-name from a name with no zone" route53 list-hosted-zones-by-name --dns-name a.test
cond "listing starts at the next zone in order and returns zones that do not match the name" "[z['Name'] for z in d['HostedZones']] == ['c.a.test.'] and d['DNSName'] == 'a.test.'"
expect_ok "list-hosted-zones-by-name --max-items 1" route53 list-hosted-zones-by-name --max-items 1
cond "MaxItems 1: one zone, IsTruncated, NextDNSName/NextHostedZoneId name the next zone" "[z['Name'] for z in d['HostedZones']] == ['example.com.'] and d['IsTruncated'] is True and d['NextDNSName'] == 'a-b.test.' and d['NextHostedZoneId'] == '$ZAB' and d['MaxItems'] == '1'"
expect_ok "list-hosted-zones-by-name next page (dnsname + hostedzoneid)" route53 list-hosted-zones-by-name --dns-name a-b.test. --hosted-zone-id "$ZAB" --max-items 1
cond "second page: a-b.test, then c.a.test is next" "[z['Name'] for z in d['HostedZones']] == ['a-b.test.'] and d['HostedZoneId'] == '$ZAB' and d['NextDNSName'] == 'c.a.test.' and d['NextHostedZoneId'] == '$ZC'"
expect_ok "list-hosted-zones-by-name last page" route53 list-hosted-zones-by-name --dns-name c.a.test. --hosted-zone-id "$ZC" --max-items 1
cond "last page: not truncated, no NextDNSName" "[z['Name'] for z in d['HostedZones']] == ['c.a.test.'] and d['IsTruncated'] is False and 'NextDNSName' not in d and 'NextHostedZoneId' not in d"
expect_err InvalidInput "maxitems that is not a number -> InvalidInput (not a 500)" route53 list-hosted-zones-by-name --max-items many
expect_err InvalidInput "hostedzoneid without dnsname -> InvalidInput" route53 list-hosted-zones-by-name --hosted-zone-id "$ZC"
expect_err NoSuchHostedZone "get-hosted-zone of an unknown id -> NoSuchHostedZone" route53 get-hosted-zone --id ZDOESNOTEXIST0000
grep -q "No hosted zone found with ID: ZDOESNOTEXIST0000" <<<"$ERR" && ok "NoSuchHostedZone message as AWS" || nok "NoSuchHostedZone message" "$ERR"
expect_err NoSuchHostedZone "get-hosted-zone given a zone NAME -> NoSuchHostedZone" route53 get-hosted-zone --id example.com
grep -q "No hosted zone found with ID: example.com" <<<"$ERR" && ok "a zone name is looked up as an id and not found" || nok "name as id message" "$ERR"
expect_err NoSuchHostedZone "change-resource-record-sets given a zone NAME -> NoSuchHostedZone" route53 change-resource-record-sets --hosted-zone-id example.com --change-batch "$(cb UPSERT www.example.com A 300 192.0.2.1)"
expect_err InvalidInput "an id longer than 32 characters -> InvalidInput" route53 get-hosted-zone --id this-is-a-rather-long-zone-name.example.com
for z in "$ZC" "$ZAB"; do run route53 delete-hosted-zone --id "$z"; done
expect_err NoSuchHostedZone "unknown zone -> NoSuchHostedZone" route53 list-resource-record-sets --hosted-zone-id ZDOESNOTEXIST
sleep 4
expect_ok "route53 get-change" route53 get-change --id "$CHG"
cond "change is INSYNC after --change-delay" "d['ChangeInfo']['Status'] == 'INSYNC'"
expect_err NoSuchChange "unknown change -> NoSuchChange" route53 get-change --id CNOSUCHCHANGE

# ------------------------------------------------------------------ ACM: DNS validation
expect_ok "acm request-certificate DNS with wildcard SAN" acm request-certificate --domain-name example.com --subject-alternative-names '*.example.com' www.example.com --validation-method DNS --idempotency-token tok1 --tags Key=env,Value=test
ARN=$(j "d['CertificateArn']")
cond "ARN format" "re.match(r'^arn:aws:acm:us-east-1:$A1:certificate/[0-9a-f-]{36}$', d['CertificateArn']) is not None"
expect_ok "same idempotency token + args -> same ARN" acm request-certificate --domain-name example.com --subject-alternative-names '*.example.com' www.example.com --validation-method DNS --idempotency-token tok1 --tags Key=env,Value=test
is "idempotent ARN" "$(j "d['CertificateArn']")" "$ARN"
expect_err ValidationException "a 65-character DomainName (the Common Name) -> ValidationException" acm request-certificate --domain-name aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.a.bc --validation-method DNS
expect_ok "a 64-character DomainName is taken" acm request-certificate --domain-name aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.abc --validation-method DNS
expect_ok "a 200-character SAN behind a short DomainName is taken" acm request-certificate --domain-name short.example.com --subject-alternative-names aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com --validation-method DNS
expect_ok "acm describe-certificate (pending)" acm describe-certificate --certificate-arn "$ARN"
cond "status PENDING_VALIDATION, type AMAZON_ISSUED, RSA-2048" "d['Certificate']['Status'] == 'PENDING_VALIDATION' and d['Certificate']['Type'] == 'AMAZON_ISSUED' and d['Certificate']['KeyAlgorithm'] == 'RSA-2048'"
cond "validation CNAME looks like AWS's" "all(re.match(r'^_[0-9a-f]{32}\.[a-z0-9.]+\.$', o['ResourceRecord']['Name']) and re.match(r'^_[0-9a-f]{32}\.[a-z0-9]+\.acm-validations\.aws\.$', o['ResourceRecord']['Value']) and o['ValidationMethod'] == 'DNS' for o in d['Certificate']['DomainValidationOptions'])"
cond "wildcard and apex share one record" "d['Certificate']['DomainValidationOptions'][0]['ResourceRecord'] == d['Certificate']['DomainValidationOptions'][1]['ResourceRecord'] != d['Certificate']['DomainValidationOptions'][2]['ResourceRecord']"
RR=$(j "' '.join(o['ResourceRecord']['Name'] + ' ' + o['ResourceRecord']['Value'] for o in d['Certificate']['DomainValidationOptions'][1:])")
expect_err RequestInProgressException "get-certificate before validation -> RequestInProgressException" acm get-certificate --certificate-arn "$ARN"
set -- $RR
expect_ok "write first validation CNAME via route53" route53 change-resource-record-sets --hosted-zone-id "$ZID" --change-batch "$(cb UPSERT "$1" CNAME 300 "$2")"
sleep 2.5
expect_ok "describe after one of two records" acm describe-certificate --certificate-arn "$ARN"
cond "still PENDING with one record missing" "d['Certificate']['Status'] == 'PENDING_VALIDATION' and d['Certificate']['DomainValidationOptions'][0]['ValidationStatus'] == 'SUCCESS'"
expect_ok "write second validation CNAME" route53 change-resource-record-sets --hosted-zone-id "$ZID" --change-batch "$(cb UPSERT "$3" CNAME 300 "$4")"
ISSUED=
for _ in 1 2 3 4 5 6; do
	sleep 1; run acm describe-certificate --certificate-arn "$ARN"
	[ "$(j "d['Certificate']['Status']")" == ISSUED ] && { ISSUED=1; break; }
done
[ -n "$ISSUED" ] && ok "DNS validation completes -> ISSUED" || nok "DNS validation completes" "$OUT"
cond "issued cert has serial in AWS format and dates" "re.match(r'^[0-9a-f]{2}(:[0-9a-f]{2})+$', d['Certificate']['Serial']) is not None and d['Certificate']['NotAfter'] > d['Certificate']['NotBefore'] and 'IssuedAt' in d['Certificate']"
expect_ok "acm get-certificate (issued)" acm get-certificate --certificate-arn "$ARN"
j "d['Certificate']" > "$TMP/issued.crt"; j "d['CertificateChain']" > "$TMP/issued-chain.pem"
openssl x509 -in "$TMP/issued.crt" -noout -text >"$TMP/issued.txt" 2>&1
grep -q "DNS:\*.example.com" "$TMP/issued.txt" && grep -q "DNS:www.example.com" "$TMP/issued.txt" && ok "issued certificate carries the SANs" || nok "SANs" "$(head -c 300 "$TMP/issued.txt")"
D=$(( ($(date -d "$(openssl x509 -in "$TMP/issued.crt" -noout -enddate | cut -d= -f2)" +%s) - $(date +%s)) / 86400 ))
[ "$D" -ge 393 ] && [ "$D" -le 395 ] && ok "public validity is 395 days" || nok "validity" "$D days"
openssl verify -partial_chain -CAfile "$TMP/issued-chain.pem" "$TMP/issued.crt" >/dev/null 2>&1 && ok "certificate verifies against the returned chain" || nok "chain verify"
# Serial (API reference example "0f:ac:b0:..."): lower-case hex byte pairs
# joined by colons, the bytes OpenSSL prints (no added 00 sign byte).
oserial() { openssl x509 -noout -serial -in "$1" | cut -d= -f2 | tr 'A-F' 'a-f' | sed 's/../&:/g; s/:$//'; }
run acm describe-certificate --certificate-arn "$ARN"
is "Serial is the certificate's serial as OpenSSL prints it, lower case, colon-separated" "$(j "d['Certificate']['Serial']")" "$(oserial "$TMP/issued.crt")"
cond "RSA-2048 public certificate signed SHA256WITHRSA (RSA issuing CA, as Amazon's)" "d['Certificate']['SignatureAlgorithm'] == 'SHA256WITHRSA' and d['Certificate']['Issuer'] == 'Amazon'"
cond "issued DVOs: SUCCESS, DNS, with the record" "all(o['ValidationStatus'] == 'SUCCESS' and o['ValidationMethod'] == 'DNS' and 'ResourceRecord' in o for o in d['Certificate']['DomainValidationOptions'])"
cond "not in use, not exported: RenewalEligibility INELIGIBLE (managed renewal needs either)" "d['Certificate']['RenewalEligibility'] == 'INELIGIBLE'"

# ------------------------------------------------------------------ ACM: email validation, resend
# API reference: DomainValidation (ValidationEmails, ValidationDomain,
# ValidationStatus, ValidationMethod); DomainValidationOption.ValidationDomain
# "must be the same as the DomainName value or a superdomain"; the five
# addresses admin@, administrator@, hostmaster@, postmaster@, webmaster@.
expect_ok "request EMAIL-validated EC certificate" acm request-certificate --domain-name mail.example.net --validation-method EMAIL --key-algorithm EC_prime256v1 --domain-validation-options DomainName=mail.example.net,ValidationDomain=example.net
EARN=$(j "d['CertificateArn']")
expect_ok "describe EMAIL cert" acm describe-certificate --certificate-arn "$EARN"
cond "validation emails at the validation domain, KeyAlgorithm EC-prime256v1" "'admin@example.net' in d['Certificate']['DomainValidationOptions'][0]['ValidationEmails'] and d['Certificate']['KeyAlgorithm'] == 'EC-prime256v1'"
cond "EMAIL DVO: the five addresses, ValidationDomain, PENDING_VALIDATION, EMAIL, no ResourceRecord" "[(o['DomainName'], o['ValidationDomain'], o['ValidationStatus'], o['ValidationMethod'], sorted(o['ValidationEmails']), 'ResourceRecord' in o) for o in d['Certificate']['DomainValidationOptions']] == [('mail.example.net', 'example.net', 'PENDING_VALIDATION', 'EMAIL', ['admin@example.net', 'administrator@example.net', 'hostmaster@example.net', 'postmaster@example.net', 'webmaster@example.net'], False)]"
cond "pending: no Serial/NotAfter/IssuedAt, empty KeyUsages" "not any(k in d['Certificate'] for k in ('Serial', 'NotAfter', 'IssuedAt')) and d['Certificate']['KeyUsages'] == [] and d['Certificate']['ExtendedKeyUsages'] == []"
expect_ok "acm resend-validation-email" acm resend-validation-email --certificate-arn "$EARN" --domain mail.example.net --validation-domain example.net
expect_ok "resend with the domain itself as ValidationDomain" acm resend-validation-email --certificate-arn "$EARN" --domain mail.example.net --validation-domain mail.example.net
run acm describe-certificate --certificate-arn "$EARN"
cond "resend moved the addresses to the new ValidationDomain" "d['Certificate']['DomainValidationOptions'][0]['ValidationDomain'] == 'mail.example.net' and 'admin@mail.example.net' in d['Certificate']['DomainValidationOptions'][0]['ValidationEmails']"
expect_err InvalidDomainValidationOptionsException "resend with a ValidationDomain that is no superdomain -> InvalidDomainValidationOptionsException" acm resend-validation-email --certificate-arn "$EARN" --domain mail.example.net --validation-domain example.org
expect_err InvalidDomainValidationOptionsException "resend for a domain not in the certificate -> InvalidDomainValidationOptionsException" acm resend-validation-email --certificate-arn "$EARN" --domain other.example.net --validation-domain example.net
expect_err ResourceNotFoundException "resend for an unknown certificate -> ResourceNotFoundException" acm resend-validation-email --certificate-arn "arn:aws:acm:us-east-1:$A1:certificate/00000000-0000-0000-0000-000000000000" --domain mail.example.net --validation-domain example.net
expect_err InvalidStateException "resend on a DNS cert -> InvalidStateException" acm resend-validation-email --certificate-arn "$ARN" --domain example.com --validation-domain example.com
adm POST /_emu/approve-email "{\"arn\":\"$EARN\"}" >/dev/null && ok "admin approve-email" || nok "approve-email"
expect_ok "describe approved EMAIL cert" acm describe-certificate --certificate-arn "$EARN"
cond "EMAIL cert ISSUED" "d['Certificate']['Status'] == 'ISSUED'"
cond "approved: DVO SUCCESS, IssuedAt, P-256 key signed SHA256WITHECDSA" "d['Certificate']['DomainValidationOptions'][0]['ValidationStatus'] == 'SUCCESS' and 'IssuedAt' in d['Certificate'] and d['Certificate']['SignatureAlgorithm'] == 'SHA256WITHECDSA'"
expect_err InvalidStateException "resend once issued -> InvalidStateException" acm resend-validation-email --certificate-arn "$EARN" --domain mail.example.net --validation-domain example.net
expect_ok "request EMAIL certificate with two names" acm request-certificate --domain-name two.example.net --subject-alternative-names www.two.example.net --validation-method EMAIL
E2ARN=$(j "d['CertificateArn']")
adm POST /_emu/approve-email "{\"arn\":\"$E2ARN\",\"domain\":\"two.example.net\"}" >/dev/null
run acm describe-certificate --certificate-arn "$E2ARN"
cond "one name approved: that DVO SUCCESS, the other pending, certificate still PENDING_VALIDATION" "[o['ValidationStatus'] for o in d['Certificate']['DomainValidationOptions']] == ['SUCCESS', 'PENDING_VALIDATION'] and d['Certificate']['Status'] == 'PENDING_VALIDATION'"
adm POST /_emu/approve-email "{\"arn\":\"$E2ARN\",\"domain\":\"www.two.example.net\"}" >/dev/null
run acm describe-certificate --certificate-arn "$E2ARN"
cond "both approved -> ISSUED" "d['Certificate']['Status'] == 'ISSUED'"
expect_ok "get-certificate EC" acm get-certificate --certificate-arn "$EARN"
j "d['Certificate']" | openssl x509 -noout -text 2>/dev/null | grep -q "prime256v1" && ok "EC cert really has a P-256 key" || nok "EC key"

# ------------------------------------------------------------------ ACM: DomainValidationOptions "a little later"
# API reference (RequestCertificate, DescribeCertificate): "there is a delay of
# several seconds before you can retrieve information about the new
# certificate": first an empty list, then entries with DomainName and
# ValidationMethod only, then the full ones (acm.py _dvos_visible).
R=$(adm POST /_emu/config '{}')
grep -q '"dvo_delay": *0' <<<"$R" && ok "/_emu/config reports dvo_delay (0 in this run)" || nok "config dvo_delay" "$R"
adm POST /_emu/config '{"dvo_delay":10}' >/dev/null
T0=$($PY -c 'import time; print(time.time())')
# sleep_until S: sleep until S seconds after T0
sleep_until() { $PY -c 'import sys, time; time.sleep(max(0.0, float(sys.argv[1]) + float(sys.argv[2]) - time.time()))' "$T0" "$1"; }
run acm request-certificate --domain-name late.example.com --subject-alternative-names www.late.example.com --validation-method DNS
LARN2=$(j "d['CertificateArn']")
run acm describe-certificate --certificate-arn "$LARN2"
E=$($PY -c 'import sys, time; print(int(time.time() - float(sys.argv[1])))' "$T0")
cond "right after the request: DomainValidationOptions [] (${E} s later)" "d['Certificate']['DomainValidationOptions'] == [] and d['Certificate']['Status'] == 'PENDING_VALIDATION'"
sleep_until 6.5
run acm describe-certificate --certificate-arn "$LARN2"
cond "a few seconds later: DomainName and ValidationMethod only" "[sorted(o) for o in d['Certificate']['DomainValidationOptions']] == [['DomainName', 'ValidationMethod']] * 2"
sleep_until 10.5
run acm describe-certificate --certificate-arn "$LARN2"
cond "after the delay: full DVOs with the validation records" "all('ResourceRecord' in o and o['ValidationStatus'] == 'PENDING_VALIDATION' for o in d['Certificate']['DomainValidationOptions']) and len(d['Certificate']['DomainValidationOptions']) == 2"
adm POST /_emu/config '{"dvo_delay":0}' >/dev/null
run acm delete-certificate --certificate-arn "$LARN2"

# ------------------------------------------------------------------ ACM: list, keyTypes trap
expect_ok "acm list-certificates (default)" acm list-certificates
cond "default list omits EC certificates (keyTypes trap)" "'$ARN' in [c['CertificateArn'] for c in d['CertificateSummaryList']] and '$EARN' not in [c['CertificateArn'] for c in d['CertificateSummaryList']]"
expect_ok "list with all keyTypes" acm list-certificates --includes keyTypes=RSA_1024,RSA_2048,RSA_3072,RSA_4096,EC_prime256v1,EC_secp384r1,EC_secp521r1
cond "all keyTypes lists the EC certificate" "'$EARN' in [c['CertificateArn'] for c in d['CertificateSummaryList']]"
cond "summary fields" "all(k in d['CertificateSummaryList'][0] for k in ('CertificateArn','DomainName','Status','Type','KeyAlgorithm','InUse','RenewalEligibility','CreatedAt','SubjectAlternativeNameSummaries'))"
expect_ok "list filtered by status" acm list-certificates --certificate-statuses PENDING_VALIDATION
cond "status filter" "all(c['Status'] == 'PENDING_VALIDATION' for c in d['CertificateSummaryList'])"

# ------------------------------------------------------------------ ACM: tags
expect_ok "acm add-tags-to-certificate" acm add-tags-to-certificate --certificate-arn "$ARN" --tags Key=team,Value=infra Key=env,Value=prod
expect_ok "acm list-tags-for-certificate" acm list-tags-for-certificate --certificate-arn "$ARN"
cond "tags merged" "sorted((t['Key'], t.get('Value')) for t in d['Tags']) == [('env','prod'),('team','infra')]"
expect_ok "acm remove-tags-from-certificate" acm remove-tags-from-certificate --certificate-arn "$ARN" --tags Key=team
run acm list-tags-for-certificate --certificate-arn "$ARN"
cond "tag removed" "[t['Key'] for t in d['Tags']] == ['env']"
expect_err InvalidTagException "aws: tag prefix -> InvalidTagException" acm add-tags-to-certificate --certificate-arn "$ARN" --tags Key=aws:x,Value=y

# ------------------------------------------------------------------ ACM: import / re-import
expect_ok "import self-signed certificate without chain" acm import-certificate --certificate "fileb://$TMP/ss.crt" --private-key "fileb://$TMP/ss.key" --tags Key=src,Value=test
IARN=$(j "d['CertificateArn']")
expect_ok "describe imported" acm describe-certificate --certificate-arn "$IARN"
cond "imported: Type IMPORTED, ImportedAt, domain from cert" "d['Certificate']['Type'] == 'IMPORTED' and 'ImportedAt' in d['Certificate'] and d['Certificate']['DomainName'] == 'import.example.org' and d['Certificate']['RenewalEligibility'] == 'INELIGIBLE'"
# GetCertificate of a certificate imported without a chain: no CertificateChain
# member at all (GetCertificateResponse.CertificateChain is optional).
expect_ok "get-certificate of a certificate imported without a chain" acm get-certificate --certificate-arn "$IARN"
cond "no chain imported -> no CertificateChain in the answer" "'CertificateChain' not in d and d['Certificate'].startswith('-----BEGIN CERTIFICATE-----')"
run acm describe-certificate --certificate-arn "$IARN"
cond "imported self-signed: Issuer == Subject, no DomainValidationOptions/IssuedAt/RenewalSummary" "d['Certificate']['Issuer'] == d['Certificate']['Subject'] == 'CN=import.example.org' and not any(k in d['Certificate'] for k in ('DomainValidationOptions', 'IssuedAt', 'RenewalSummary'))"
cond "imported without Key Usage/Extended Key Usage extensions: ANY / NONE" "d['Certificate']['KeyUsages'] == [{'Name': 'ANY'}] and [e['Name'] for e in d['Certificate']['ExtendedKeyUsages']] == ['NONE']"
expect_err ValidationException "renew of an IMPORTED certificate -> ValidationException" acm renew-certificate --certificate-arn "$IARN"
grep -q "has not been exported so it is not eligible for the Renew Certificate API" <<<"$ERR" && ok "IMPORTED renew refusal message as AWS's" || nok "imported renew message" "$ERR"
R=$(adm POST /_emu/renew "{\"arn\":\"$IARN\"}")
[ $? -ne 0 ] && grep -q "IMPORTED" <<<"$R" && ok "/_emu/renew refuses an IMPORTED certificate" || nok "/_emu/renew imported" "$R"
expect_ok "import a certificate whose serial has the top bit set" acm import-certificate --certificate "fileb://$TMP/hi.crt" --private-key "fileb://$TMP/hi.key"
run acm describe-certificate --certificate-arn "$(j "d['CertificateArn']")"
is "top bit set: Serial without a 00 sign byte" "$(j "d['Certificate']['Serial']")" "8f:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee"
expect_ok "import a certificate with a short serial and a leading zero nibble" acm import-certificate --certificate "fileb://$TMP/lo.crt" --private-key "fileb://$TMP/lo.key"
run acm describe-certificate --certificate-arn "$(j "d['CertificateArn']")"
is "leading zero nibble kept: two digits a byte" "$(j "d['Certificate']['Serial']")" "0a:1b:2c:3d"
expect_err ValidationException "CA-signed certificate without chain refused" acm import-certificate --certificate "fileb://$TMP/leaf.crt" --private-key "fileb://$TMP/leaf.key"
expect_ok "CA-signed certificate with chain accepted" acm import-certificate --certificate "fileb://$TMP/leaf.crt" --private-key "fileb://$TMP/leaf.key" --certificate-chain "fileb://$TMP/ca.crt"
LARN=$(j "d['CertificateArn']")
run acm get-certificate --certificate-arn "$LARN"
[ "$(j "d['CertificateChain']" | openssl x509 -noout -fingerprint -sha256)" == "$(openssl x509 -in "$TMP/ca.crt" -noout -fingerprint -sha256)" ] && ok "imported with a chain: CertificateChain is that chain" || nok "imported chain" "$OUT"
expect_ok "the same certificate imported again (checked once, kept)" acm import-certificate --certificate "fileb://$TMP/leaf.crt" --private-key "fileb://$TMP/leaf.key" --certificate-chain "fileb://$TMP/ca.crt"
cond "imported again: a second ARN" "d['CertificateArn'] not in ('$LARN', '$IARN')"
expect_err ValidationException "key not matching the certificate refused" acm import-certificate --certificate "fileb://$TMP/ss.crt" --private-key "fileb://$TMP/ss2.key"
expect_err ValidationException "expired certificate refused" acm import-certificate --certificate "fileb://$TMP/exp.crt" --private-key "fileb://$TMP/exp.key"
expect_err ValidationException "chain not matching the issuer refused" acm import-certificate --certificate "fileb://$TMP/leaf.crt" --private-key "fileb://$TMP/leaf.key" --certificate-chain "fileb://$TMP/ss.crt"
expect_ok "re-import onto the same ARN" acm import-certificate --certificate-arn "$IARN" --certificate "fileb://$TMP/ss2.crt" --private-key "fileb://$TMP/ss2.key"
is "re-import keeps the ARN" "$(j "d['CertificateArn']")" "$IARN"
run acm get-certificate --certificate-arn "$IARN"
[ "$(j "d['Certificate']" | openssl x509 -noout -fingerprint -sha256)" == "$(openssl x509 -in "$TMP/ss2.crt" -noout -fingerprint -sha256)" ] && ok "get-certificate returns the re-imported certificate" || nok "re-import fingerprint"
expect_err ValidationException "re-import with a different key algorithm refused" acm import-certificate --certificate-arn "$IARN" --certificate "fileb://$TMP/ec.crt" --private-key "fileb://$TMP/ec.key"
expect_err ValidationException "re-import with tags refused" acm import-certificate --certificate-arn "$IARN" --certificate "fileb://$TMP/ss.crt" --private-key "fileb://$TMP/ss.key" --tags Key=a,Value=b
expect_err ResourceNotFoundException "re-import onto an unknown ARN" acm import-certificate --certificate-arn "arn:aws:acm:us-east-1:$A1:certificate/00000000-0000-0000-0000-000000000000" --certificate "fileb://$TMP/ss.crt" --private-key "fileb://$TMP/ss.key"
expect_err InvalidArnException "malformed ARN -> InvalidArnException" acm describe-certificate --certificate-arn arn:aws:acm:us-east-1:not-a-valid-arn
expect_err ResourceNotFoundException "unknown ARN -> ResourceNotFoundException" acm describe-certificate --certificate-arn "arn:aws:acm:us-east-1:$A1:certificate/00000000-0000-0000-0000-000000000000"
expect_err ResourceNotFoundException "ARN of another region not found here" acm describe-certificate --region eu-west-1 --certificate-arn "$IARN"
expect_err ValidationException "export of a non-private certificate -> ValidationException" acm export-certificate --certificate-arn "$IARN" --passphrase fileb://<(printf secret123)

# ------------------------------------------------------------------ ACM PCA + private certificates
expect_ok "acm-pca create-certificate-authority" acm-pca create-certificate-authority --certificate-authority-type ROOT --certificate-authority-configuration '{"KeyAlgorithm":"EC_prime256v1","SigningAlgorithm":"SHA256WITHECDSA","Subject":{"CommonName":"Test Private CA","Organization":"acmd"}}'
CA=$(j "d['CertificateAuthorityArn']")
expect_ok "acm-pca describe-certificate-authority" acm-pca describe-certificate-authority --certificate-authority-arn "$CA"
cond "CA ACTIVE ROOT" "d['CertificateAuthority']['Status'] == 'ACTIVE' and d['CertificateAuthority']['Type'] == 'ROOT'"
expect_ok "acm-pca list-certificate-authorities" acm-pca list-certificate-authorities
cond "CA listed" "'$CA' in [c['Arn'] for c in d['CertificateAuthorities']]"
expect_ok "acm-pca get-certificate-authority-certificate" acm-pca get-certificate-authority-certificate --certificate-authority-arn "$CA"
j "d['Certificate']" > "$TMP/pca.crt"
expect_err ResourceNotFoundException "unknown CA -> ResourceNotFoundException" acm-pca describe-certificate-authority --certificate-authority-arn "arn:aws:acm-pca:us-east-1:$A1:certificate-authority/00000000-0000-0000-0000-000000000000"
expect_ok "request PRIVATE certificate" acm request-certificate --domain-name svc.internal.test --certificate-authority-arn "$CA" --key-algorithm EC_secp384r1
PARN=$(j "d['CertificateArn']")
expect_ok "describe private" acm describe-certificate --certificate-arn "$PARN"
cond "private: ISSUED at once, Type PRIVATE, EC-secp384r1, CA ARN" "d['Certificate']['Status'] == 'ISSUED' and d['Certificate']['Type'] == 'PRIVATE' and d['Certificate']['KeyAlgorithm'] == 'EC-secp384r1' and d['Certificate']['CertificateAuthorityArn'] == '$CA'"
SERIAL=$(j "d['Certificate']['Serial']")
expect_ok "get private certificate" acm get-certificate --certificate-arn "$PARN"
j "d['Certificate']" > "$TMP/priv.crt"
openssl verify -CAfile "$TMP/pca.crt" "$TMP/priv.crt" >/dev/null 2>&1 && ok "private certificate verifies against the PCA certificate" || nok "private verify"
expect_err ValidationException "renew of a never-exported private certificate refused" acm renew-certificate --certificate-arn "$PARN"
grep -q "has not been exported" <<<"$ERR" && ok "renew refusal message as AWS" || nok "renew message" "$ERR"
printf 'correct horse battery' > "$TMP/pass"
expect_ok "acm export-certificate" acm export-certificate --certificate-arn "$PARN" --passphrase "fileb://$TMP/pass"
j "d['PrivateKey']" > "$TMP/exp.key.pem"
grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$TMP/exp.key.pem" && ok "exported key is encrypted PKCS#8" || nok "encrypted pkcs8" "$(head -1 "$TMP/exp.key.pem")"
$PY "$HERE/testlib.py" decrypt "$TMP/exp.key.pem" "correct horse battery" "$TMP/priv.crt" && ok "exported key decrypts with the passphrase and matches the certificate" || nok "decrypt"
# CertificateSummary by type (API reference / ACM User Guide list example):
# KeyAlgorithm spelled "RSA-2048"; Exported only for PRIVATE; IssuedAt only for
# AMAZON_ISSUED; ImportedAt only for IMPORTED; InUse a boolean; no dates and
# empty key usages before issue.
run acm request-certificate --domain-name pending.example.com --validation-method DNS
PENDARN=$(j "d['CertificateArn']")
expect_ok "list all key types for the summary checks" acm list-certificates --includes keyTypes=RSA_1024,RSA_2048,RSA_3072,RSA_4096,EC_prime256v1,EC_secp384r1,EC_secp521r1
j "{c['CertificateArn']: c for c in d['CertificateSummaryList']}" > "$TMP/sum.json"
sj() { $PY "$HERE/testlib.py" json "$1" < "$TMP/sum.json"; }
scond() { local r; r=$(sj "$2" 2>&1); if [ "$r" == "True" ]; then ok "$1"; else nok "$1" "$2 -> $r" "$(head -c 1500 "$TMP/sum.json")"; fi; }
scond "summary KeyAlgorithm spelled as in DescribeCertificate (RSA-2048, EC-prime256v1, EC-secp384r1)" "d['$ARN']['KeyAlgorithm'] == 'RSA-2048' and d['$EARN']['KeyAlgorithm'] == 'EC-prime256v1' and d['$PARN']['KeyAlgorithm'] == 'EC-secp384r1'"
scond "summary of an issued AMAZON_ISSUED: IssuedAt, dates, key usages; no ImportedAt/Exported" "'IssuedAt' in d['$ARN'] and 'NotBefore' in d['$ARN'] and 'NotAfter' in d['$ARN'] and not any(k in d['$ARN'] for k in ('ImportedAt', 'Exported', 'RevokedAt')) and d['$ARN']['KeyUsages'] == ['DIGITAL_SIGNATURE', 'KEY_ENCIPHERMENT'] and 'TLS_WEB_SERVER_AUTHENTICATION' in d['$ARN']['ExtendedKeyUsages']"
scond "summary of an IMPORTED: ImportedAt, INELIGIBLE, KeyUsages ANY, ExtendedKeyUsages NONE; no IssuedAt/Exported" "'ImportedAt' in d['$IARN'] and not any(k in d['$IARN'] for k in ('IssuedAt', 'Exported')) and d['$IARN']['RenewalEligibility'] == 'INELIGIBLE' and d['$IARN']['KeyUsages'] == ['ANY'] and d['$IARN']['ExtendedKeyUsages'] == ['NONE']"
scond "summary of an exported PRIVATE: Exported true, ELIGIBLE; no IssuedAt/ImportedAt" "d['$PARN']['Exported'] is True and d['$PARN']['RenewalEligibility'] == 'ELIGIBLE' and not any(k in d['$PARN'] for k in ('IssuedAt', 'ImportedAt'))"
scond "summary of a pending request: no dates, empty key usages, INELIGIBLE" "not any(k in d['$PENDARN'] for k in ('NotBefore', 'NotAfter', 'IssuedAt', 'ImportedAt', 'Exported')) and d['$PENDARN']['KeyUsages'] == [] and d['$PENDARN']['RenewalEligibility'] == 'INELIGIBLE'"
scond "every summary: InUse and HasAdditionalSubjectAlternativeNames booleans, CreatedAt" "all(isinstance(c['InUse'], bool) and c['HasAdditionalSubjectAlternativeNames'] is False and 'CreatedAt' in c for c in d.values())"
run acm delete-certificate --certificate-arn "$PENDARN"
openssl pkcs8 -in "$TMP/exp.key.pem" -passin pass:wrong -out /dev/null 2>/dev/null && nok "wrong passphrase must fail" || ok "wrong passphrase fails (openssl pkcs8)"
expect_ok "acm renew-certificate (private)" acm renew-certificate --certificate-arn "$PARN"
run acm describe-certificate --certificate-arn "$PARN"
cond "renewal: new serial, same ARN, RenewalSummary SUCCESS" "d['Certificate']['Serial'] != '$SERIAL' and d['Certificate']['RenewalSummary']['RenewalStatus'] == 'SUCCESS'"
SERIAL=$(j "d['Certificate']['Serial']")
cond "private: no IssuedAt (AMAZON_ISSUED only), RenewalSummary with the DVOs" "'IssuedAt' not in d['Certificate'] and len(d['Certificate']['RenewalSummary']['DomainValidationOptions']) == 1 and 'UpdatedAt' in d['Certificate']['RenewalSummary']"
run acm list-certificates --includes keyTypes=EC_secp384r1
cond "renewed: still Exported, but not exported since -> INELIGIBLE" "[(c['Exported'], c['RenewalEligibility']) for c in d['CertificateSummaryList'] if c['CertificateArn'] == '$PARN'] == [(True, 'INELIGIBLE')]"
expect_err ValidationException "renew again without a new export -> ValidationException" acm renew-certificate --certificate-arn "$PARN"
# Managed renewal, admin side: POST /_emu/renew
R=$(adm POST /_emu/renew "{\"arn\":\"$PARN\"}")
grep -q '"renewal_status": *"SUCCESS"' <<<"$R" && ok "/_emu/renew renews a PRIVATE certificate" || nok "/_emu/renew private" "$R"
run acm describe-certificate --certificate-arn "$PARN"
cond "managed renewal (private): new serial, same ARN/name/key type, SUCCESS" "d['Certificate']['Serial'] != '$SERIAL' and d['Certificate']['DomainName'] == 'svc.internal.test' and d['Certificate']['KeyAlgorithm'] == 'EC-secp384r1' and d['Certificate']['RenewalSummary']['RenewalStatus'] == 'SUCCESS' and d['Certificate']['Status'] == 'ISSUED'"
SERIAL=$(j "d['Certificate']['Serial']")
run acm export-certificate --certificate-arn "$PARN" --passphrase "fileb://$TMP/pass"
# 8 s: two awscli calls must fit in the delay on a loaded machine (2 s did not).
RT=$(date +%s.%N)
R=$(adm POST /_emu/renew "{\"arn\":\"$PARN\",\"delay\":8}")
grep -q '"renewal_status": *"PENDING_AUTO_RENEWAL"' <<<"$R" && ok "/_emu/renew with a delay: PENDING_AUTO_RENEWAL" || nok "/_emu/renew delay" "$R"
expect_err RequestInProgressException "RenewCertificate while a renewal is under way -> RequestInProgressException" acm renew-certificate --certificate-arn "$PARN"
run acm describe-certificate --certificate-arn "$PARN"
cond "during the renewal: old serial, RenewalStatus PENDING_AUTO_RENEWAL" "d['Certificate']['Serial'] == '$SERIAL' and d['Certificate']['RenewalSummary']['RenewalStatus'] == 'PENDING_AUTO_RENEWAL'"
$PY -c 'import sys, time; time.sleep(max(0.0, float(sys.argv[1]) + 8.3 - time.time()))' "$RT"; adm POST /_emu/validate-now >/dev/null
run acm describe-certificate --certificate-arn "$PARN"
cond "after the delay: renewed, SUCCESS" "d['Certificate']['Serial'] != '$SERIAL' and d['Certificate']['RenewalSummary']['RenewalStatus'] == 'SUCCESS'"
SERIAL=$(j "d['Certificate']['Serial']")
expect_err ValidationException "renew of an AMAZON_ISSUED certificate refused" acm renew-certificate --certificate-arn "$ARN"
grep -q "Certificate ARN $ARN has not been exported so it is not eligible for the Renew Certificate API" <<<"$ERR" && ok "AMAZON_ISSUED renew refusal: AWS's message shape" || nok "amazon renew message" "$ERR"
adm POST /_emu/in-use "{\"arn\":\"$ARN\",\"resources\":[\"arn:aws:elasticloadbalancing:us-east-1:$A1:loadbalancer/app/y/2\"]}" >/dev/null
run acm describe-certificate --certificate-arn "$ARN"
cond "AMAZON_ISSUED in use -> RenewalEligibility ELIGIBLE" "d['Certificate']['RenewalEligibility'] == 'ELIGIBLE'"
adm POST /_emu/in-use "{\"arn\":\"$ARN\",\"resources\":[]}" >/dev/null
OLDSER=$(j "d['Certificate']['Serial']"); OLDNA=$(j "d['Certificate']['NotAfter']"); OLDFP=$(openssl x509 -in "$TMP/issued.crt" -noout -fingerprint -sha256)
R=$(adm POST /_emu/renew "{\"arn\":\"$ARN\"}")
grep -q '"renewal_status": *"SUCCESS"' <<<"$R" && ok "/_emu/renew renews an AMAZON_ISSUED certificate" || nok "/_emu/renew amazon" "$R"
run acm describe-certificate --certificate-arn "$ARN"
cond "managed renewal (public): new serial and validity, same names and key type, RenewalSummary SUCCESS with validated DVOs" "d['Certificate']['Serial'] != '$OLDSER' and d['Certificate']['NotAfter'] >= '$OLDNA' and d['Certificate']['DomainName'] == 'example.com' and sorted(d['Certificate']['SubjectAlternativeNames']) == ['*.example.com', 'example.com', 'www.example.com'] and d['Certificate']['KeyAlgorithm'] == 'RSA-2048' and d['Certificate']['RenewalSummary']['RenewalStatus'] == 'SUCCESS' and all(o['ValidationStatus'] == 'SUCCESS' for o in d['Certificate']['RenewalSummary']['DomainValidationOptions']) and d['Certificate']['Status'] == 'ISSUED'"
run acm get-certificate --certificate-arn "$ARN"
j "d['Certificate']" > "$TMP/renewed.crt"; j "d['CertificateChain']" > "$TMP/renewed-chain.pem"
[ "$(openssl x509 -in "$TMP/renewed.crt" -noout -fingerprint -sha256)" != "$OLDFP" ] && openssl verify -partial_chain -CAfile "$TMP/renewed-chain.pem" "$TMP/renewed.crt" >/dev/null 2>&1 && openssl x509 -in "$TMP/renewed.crt" -noout -text | grep -q "DNS:www.example.com" \
	&& ok "get-certificate serves the renewed certificate (new, verifies, same SANs)" || nok "renewed certificate" "$(head -c 300 "$TMP/renewed.crt")"
run acm request-certificate --domain-name notyet.example.com --validation-method DNS
R=$(adm POST /_emu/renew "{\"arn\":\"$(j "d['CertificateArn']")\"}"); [ $? -ne 0 ] && grep -q "only an ISSUED certificate" <<<"$R" && ok "/_emu/renew of a certificate that is not ISSUED refused" || nok "/_emu/renew pending" "$R"
run acm delete-certificate --certificate-arn "$(j "d['CertificateArn']")"
R=$(adm POST /_emu/renew '{"arn":"arn:aws:acm:us-east-1:111111111111:certificate/00000000-0000-0000-0000-000000000000"}'); [ $? -ne 0 ] && ok "/_emu/renew of an unknown ARN -> 404" || nok "/_emu/renew unknown" "$R"
expect_err ValidationException "revoke with an invalid reason -> ValidationException" acm-pca revoke-certificate --certificate-authority-arn "$CA" --certificate-serial "$SERIAL" --revocation-reason BECAUSE
expect_ok "acm-pca revoke-certificate" acm-pca revoke-certificate --certificate-authority-arn "$CA" --certificate-serial "$SERIAL" --revocation-reason KEY_COMPROMISE
run acm describe-certificate --certificate-arn "$PARN"
cond "ACM certificate becomes REVOKED" "d['Certificate']['Status'] == 'REVOKED' and d['Certificate']['RevocationReason'] == 'KEY_COMPROMISE' and 'RevokedAt' in d['Certificate']"
expect_err RequestAlreadyProcessedException "second revoke -> RequestAlreadyProcessedException" acm-pca revoke-certificate --certificate-authority-arn "$CA" --certificate-serial "$SERIAL" --revocation-reason KEY_COMPROMISE
R=$(adm GET /_emu/state)
grep -q "\"$SERIAL\"" <<<"$R" && ok "revoked serial recorded in /_emu/state" || nok "revoked serial in state"

# ------------------------------------------------------------------ ACM: exportable public certificates
# AWS added these in June 2025; botocore 1.29 (awscli 2.9) predates them:
# awscli cannot send Options.Export, Includes.exportOption or
# UpdateCertificateOptions' Export, and its parser drops the members its
# model lacks (Options.Export, ExportOption) from what it prints.  Those
# go through rawcall, which shows the wire.  Names and shapes:
# current ACM API reference (CertificateOptions.Export, CertificateSummary.
# ExportOption, Filters.exportOption, ExportCertificate, RenewCertificate)
# and User Guide ("AWS Certificate Manager exportable public certificates",
# "Force certificate renewal", "Managed certificate renewal").
rawcall acm CertificateManager.RequestCertificate '{"DomainName":"exp.example.com","ValidationMethod":"DNS","Options":{"Export":"ENABLED","CertificateTransparencyLoggingPreference":"DISABLED"}}'
rawis "RequestCertificate with Options.Export ENABLED (raw call: awscli 2.9 cannot send it)" 200 None
XARN=$(j "d['CertificateArn']")
rawcall acm CertificateManager.DescribeCertificate "{\"CertificateArn\":\"$XARN\"}"
rawis "describe the exportable request (raw: awscli 2.9 drops Options.Export)" 200 None
cond "DescribeCertificate Options: Export ENABLED, the requested CT logging preference" "d['Certificate']['Options'] == {'Export': 'ENABLED', 'CertificateTransparencyLoggingPreference': 'DISABLED'} and d['Certificate']['Type'] == 'AMAZON_ISSUED'"
rawcall acm CertificateManager.DescribeCertificate "{\"CertificateArn\":\"$ARN\"}"
cond "a certificate requested without the option: Options.Export DISABLED" "d['Certificate']['Options']['Export'] == 'DISABLED'"
expect_err RequestInProgressException "export of an exportable certificate not yet issued -> RequestInProgressException" acm export-certificate --certificate-arn "$XARN" --passphrase "fileb://$TMP/pass"
rawcall acm CertificateManager.RequestCertificate '{"DomainName":"expmail.example.net","ValidationMethod":"EMAIL","Options":{"Export":"ENABLED"}}'
rawis "Export ENABLED with EMAIL validation accepted (User Guide: DNS or email validation)" 200 None
XEARN=$(j "d['CertificateArn']")
rawcall acm CertificateManager.RequestCertificate '{"DomainName":"bad.example.com","Options":{"Export":"MAYBE"}}'
rawis "Options.Export outside ENABLED|DISABLED -> ValidationException" 400 ValidationException
rawcall acm CertificateManager.RequestCertificate "{\"DomainName\":\"priv.internal.test\",\"CertificateAuthorityArn\":\"$CA\",\"Options\":{\"Export\":\"ENABLED\"}}"
rawis "Options.Export on a PRIVATE request -> ValidationException" 400 ValidationException
cond "... with AWS's text" "d['message'] == 'One or more of the options specified in the request are not supported for PRIVATE certificate types'"
RR=$(run acm describe-certificate --certificate-arn "$XARN"; j "d['Certificate']['DomainValidationOptions'][0]['ResourceRecord']['Name'] + ' ' + d['Certificate']['DomainValidationOptions'][0]['ResourceRecord']['Value']")
set -- $RR; XRNAME=$1; XRVAL=$2
expect_ok "validation CNAME for the exportable certificate" route53 change-resource-record-sets --hosted-zone-id "$ZID" --change-batch "$(cb UPSERT "$XRNAME" CNAME 300 "$XRVAL")"
until_cert "$XARN" "d['Certificate']['Status'] == 'ISSUED'" && ok "exportable certificate issued after DNS validation" || nok "exportable issued" "$OUT"
XSER=$(j "d['Certificate']['Serial']")
cond "issued, not exported, not in use: INELIGIBLE" "d['Certificate']['RenewalEligibility'] == 'INELIGIBLE'"
expect_err ValidationException "RenewCertificate of an exportable certificate never exported -> ValidationException" acm renew-certificate --certificate-arn "$XARN"
grep -q "has not been exported so it is not eligible for the Renew Certificate API" <<<"$ERR" && ok "... with AWS's text" || nok "renew text" "$ERR"
expect_ok "ExportCertificate of an exportable public certificate" acm export-certificate --certificate-arn "$XARN" --passphrase "fileb://$TMP/pass"
j "d['Certificate']" > "$TMP/xcert.pem"; j "d['CertificateChain']" > "$TMP/xchain.pem"; j "d['PrivateKey']" > "$TMP/xkey.pem"
grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$TMP/xkey.pem" && $PY "$HERE/testlib.py" decrypt "$TMP/xkey.pem" "correct horse battery" "$TMP/xcert.pem" \
	&& ok "exported public key: encrypted PKCS#8, decrypts with the passphrase, matches the certificate" || nok "public export key"
openssl verify -partial_chain -CAfile "$TMP/xchain.pem" "$TMP/xcert.pem" >/dev/null 2>&1 && ok "exported public certificate verifies against the exported chain" || nok "public export chain"
expect_err ValidationException "ExportCertificate of a non-exportable public certificate -> ValidationException" acm export-certificate --certificate-arn "$ARN" --passphrase "fileb://$TMP/pass"
run acm describe-certificate --certificate-arn "$XARN"
cond "exported since issued -> RenewalEligibility ELIGIBLE" "d['Certificate']['RenewalEligibility'] == 'ELIGIBLE'"
rawcall acm CertificateManager.ListCertificates '{"Includes":{"keyTypes":["RSA_2048","EC_prime256v1","EC_secp384r1"]}}'
rawis "list for the ExportOption checks (raw: awscli 2.9 drops ExportOption)" 200 None
j "{c['CertificateArn']: c for c in d['CertificateSummaryList']}" > "$TMP/sum.json"
scond "summary ExportOption: ENABLED for the exportable, DISABLED for other public/imported/private ones" "d['$XARN']['ExportOption'] == 'ENABLED' and d['$XEARN']['ExportOption'] == 'ENABLED' and d['$ARN']['ExportOption'] == 'DISABLED' and d['$IARN']['ExportOption'] == 'DISABLED' and d['$PARN']['ExportOption'] == 'DISABLED'"
scond "summary Exported stays PRIVATE-only (API reference), even for an exported public certificate" "'Exported' not in d['$XARN'] and d['$PARN']['Exported'] is True and d['$XARN']['RenewalEligibility'] == 'ELIGIBLE'"
rawcall acm CertificateManager.ListCertificates '{"Includes":{"exportOption":"ENABLED","keyTypes":["RSA_2048","EC_prime256v1","EC_secp384r1"]},"CertificateStatuses":["ISSUED","PENDING_VALIDATION"]}'
cond "Includes.exportOption ENABLED lists the exportable ones only (raw call)" "sorted(c['CertificateArn'] for c in d['CertificateSummaryList']) == sorted(['$XARN', '$XEARN'])"
rawcall acm CertificateManager.ListCertificates '{"Includes":{"exportOption":"SOMETIMES"}}'
rawis "Includes.exportOption outside ENABLED|DISABLED -> ValidationException" 400 ValidationException
rawcall acm CertificateManager.UpdateCertificateOptions "{\"CertificateArn\":\"$XARN\",\"Options\":{\"Export\":\"DISABLED\"}}"
rawis "Export cannot be changed after the request (UpdateCertificateOptions) -> ValidationException" 400 ValidationException
expect_ok "RenewCertificate of an exported exportable public certificate" acm renew-certificate --certificate-arn "$XARN"
run acm describe-certificate --certificate-arn "$XARN"
cond "renewed at the same ARN: new serial, RenewalSummary SUCCESS, not exported since -> INELIGIBLE" "d['Certificate']['Serial'] != '$XSER' and d['Certificate']['RenewalSummary']['RenewalStatus'] == 'SUCCESS' and d['Certificate']['RenewalEligibility'] == 'INELIGIBLE' and d['Certificate']['Status'] == 'ISSUED'"
XSER=$(j "d['Certificate']['Serial']")
run acm get-certificate --certificate-arn "$XARN"
[ "$(j "d['Certificate']" | openssl x509 -noout -fingerprint -sha256)" != "$(openssl x509 -in "$TMP/xcert.pem" -noout -fingerprint -sha256)" ] && ok "GetCertificate serves the renewed certificate" || nok "renewed public cert"

# Managed renewal by the sweep: off by default (/_emu/config managed_renewal).
run acm export-certificate --certificate-arn "$XARN" --passphrase "fileb://$TMP/pass"
adm POST /_emu/expire "{\"arn\":\"$XARN\",\"days\":30}" >/dev/null
adm POST /_emu/validate-now >/dev/null
run acm describe-certificate --certificate-arn "$XARN"
cond "managed renewal off (the default): an eligible certificate 30 days from expiry is left alone" "d['Certificate']['Serial'] == '$XSER' and d['Certificate']['RenewalEligibility'] == 'ELIGIBLE'"
R=$(adm POST /_emu/config '{"managed_renewal":true}')
grep -q '"managed_renewal": *true' <<<"$R" && ok "/_emu/config managed_renewal true" || nok "config managed_renewal" "$R"
until_cert "$XARN" "d['Certificate']['Serial'] != '$XSER'" && ok "managed renewal: the sweep renews an eligible public certificate within 60 days of expiry" || nok "managed renewal public" "$OUT"
cond "... new certificate at the same ARN, 395 days, RenewalSummary SUCCESS, INELIGIBLE until exported again" "d['Certificate']['RenewalSummary']['RenewalStatus'] == 'SUCCESS' and d['Certificate']['RenewalEligibility'] == 'INELIGIBLE' and d['Certificate']['CertificateArn'] == '$XARN'"
XSER=$(j "d['Certificate']['Serial']")
run acm get-certificate --certificate-arn "$XARN"
D=$(( ($(date -d "$(j "d['Certificate']" | openssl x509 -noout -enddate | cut -d= -f2)" +%s) - $(date +%s)) / 86400 ))
[ "$D" -ge 393 ] && ok "renewed certificate valid ~395 days ($D)" || nok "renewed validity" "$D days"
# DNS revalidation: without its CNAME the renewal waits in PENDING_VALIDATION.
run route53 change-resource-record-sets --hosted-zone-id "$ZID" --change-batch "$(cb DELETE "$XRNAME" CNAME 300 "$XRVAL")"
run acm export-certificate --certificate-arn "$XARN" --passphrase "fileb://$TMP/pass"
adm POST /_emu/expire "{\"arn\":\"$XARN\",\"days\":20}" >/dev/null
adm POST /_emu/validate-now >/dev/null
run acm describe-certificate --certificate-arn "$XARN"
cond "validation CNAME gone: RenewalStatus PENDING_VALIDATION, old certificate kept" "d['Certificate']['Serial'] == '$XSER' and d['Certificate']['RenewalSummary']['RenewalStatus'] == 'PENDING_VALIDATION' and d['Certificate']['RenewalSummary']['DomainValidationOptions'][0]['ValidationStatus'] == 'PENDING_VALIDATION'"
expect_err RequestInProgressException "RenewCertificate while the renewal waits for validation -> RequestInProgressException" acm renew-certificate --certificate-arn "$XARN"
run route53 change-resource-record-sets --hosted-zone-id "$ZID" --change-batch "$(cb UPSERT "$XRNAME" CNAME 300 "$XRVAL")"
until_cert "$XARN" "d['Certificate']['Serial'] != '$XSER' and d['Certificate']['RenewalSummary']['RenewalStatus'] == 'SUCCESS'" && ok "CNAME back: the pending renewal completes" || nok "pending renewal completes" "$OUT"
# EMAIL validation: the renewal waits for the owner's approval.
adm POST /_emu/approve-email "{\"arn\":\"$XEARN\"}" >/dev/null
run acm export-certificate --certificate-arn "$XEARN" --passphrase "fileb://$TMP/pass"
[ $RC -eq 0 ] && ok "exportable EMAIL-validated certificate issued and exported" || nok "email export" "$ERR"
XESER=$(run acm describe-certificate --certificate-arn "$XEARN"; j "d['Certificate']['Serial']")
adm POST /_emu/expire "{\"arn\":\"$XEARN\",\"days\":30}" >/dev/null
until_cert "$XEARN" "d['Certificate'].get('RenewalSummary', {}).get('RenewalStatus') == 'PENDING_VALIDATION'" && ok "EMAIL-validated: managed renewal waits in PENDING_VALIDATION" || nok "email renewal pending" "$OUT"
R=$(adm POST /_emu/approve-email "{\"arn\":\"$XEARN\"}")
run acm describe-certificate --certificate-arn "$XEARN"
cond "approve-email completes the renewal" "d['Certificate']['Serial'] != '$XESER' and d['Certificate']['RenewalSummary']['RenewalStatus'] == 'SUCCESS'"
# Private certificates: same window (User Guide: "60 days away from expiration").
expect_ok "request a PRIVATE certificate for managed renewal" acm request-certificate --domain-name mr.internal.test --certificate-authority-arn "$CA"
MRARN=$(j "d['CertificateArn']")
MRSER=$(run acm describe-certificate --certificate-arn "$MRARN"; j "d['Certificate']['Serial']")
adm POST /_emu/expire "{\"arn\":\"$MRARN\",\"days\":10}" >/dev/null
adm POST /_emu/validate-now >/dev/null
run acm describe-certificate --certificate-arn "$MRARN"
cond "managed renewal on, but not in use nor exported (INELIGIBLE): not renewed" "d['Certificate']['Serial'] == '$MRSER'"
adm POST /_emu/in-use "{\"arn\":\"$MRARN\",\"resources\":[\"arn:aws:elasticloadbalancing:us-east-1:$A1:loadbalancer/app/mr/1\"]}" >/dev/null
until_cert "$MRARN" "d['Certificate']['Serial'] != '$MRSER'" && ok "managed renewal: an in-use PRIVATE certificate 10 days from expiry is renewed" || nok "managed renewal private" "$OUT"
cond "... RenewalSummary SUCCESS, still ELIGIBLE (in use)" "d['Certificate']['RenewalSummary']['RenewalStatus'] == 'SUCCESS' and d['Certificate']['RenewalEligibility'] == 'ELIGIBLE'"
adm POST /_emu/in-use "{\"arn\":\"$MRARN\",\"resources\":[]}" >/dev/null
adm POST /_emu/config '{"managed_renewal":false}' >/dev/null

# ------------------------------------------------------------------ ACM: delete, in use, account config
adm POST /_emu/in-use "{\"arn\":\"$LARN\",\"resources\":[\"arn:aws:elasticloadbalancing:us-east-1:$A1:loadbalancer/app/x/1\"]}" >/dev/null
expect_err ResourceInUseException "delete of an in-use certificate -> ResourceInUseException" acm delete-certificate --certificate-arn "$LARN"
run acm describe-certificate --certificate-arn "$LARN"
cond "InUseBy reported" "len(d['Certificate']['InUseBy']) == 1"
adm POST /_emu/in-use "{\"arn\":\"$LARN\",\"resources\":[]}" >/dev/null
expect_ok "acm delete-certificate" acm delete-certificate --certificate-arn "$LARN"
expect_err ResourceNotFoundException "deleted certificate is gone" acm describe-certificate --certificate-arn "$LARN"
expect_ok "acm get-account-configuration" acm get-account-configuration
cond "DaysBeforeExpiry 45" "d['ExpiryEvents']['DaysBeforeExpiry'] == 45"
expect_ok "acm put-account-configuration" acm put-account-configuration --idempotency-token t1 --expiry-events DaysBeforeExpiry=30
run acm get-account-configuration
cond "DaysBeforeExpiry now 30" "d['ExpiryEvents']['DaysBeforeExpiry'] == 30"
expect_ok "acm update-certificate-options" acm update-certificate-options --certificate-arn "$ARN" --options CertificateTransparencyLoggingPreference=DISABLED
run acm describe-certificate --certificate-arn "$ARN"
cond "options updated" "d['Certificate']['Options']['CertificateTransparencyLoggingPreference'] == 'DISABLED'"
$PY - "$TMP/ss.crt" "$TMP/ss.key" "$IARN" > "$TMP/replace.json" <<'PYEOF'
import json, sys
print(json.dumps({"arn": sys.argv[3], "certificate": open(sys.argv[1]).read(), "private_key": open(sys.argv[2]).read()}))
PYEOF
adm POST /_emu/replace-pem "$(cat "$TMP/replace.json")" >/dev/null && ok "admin replace-pem" || nok "replace-pem"
run acm get-certificate --certificate-arn "$IARN"
[ "$(j "d['Certificate']" | openssl x509 -noout -fingerprint -sha256)" == "$(openssl x509 -in "$TMP/ss.crt" -noout -fingerprint -sha256)" ] && ok "replace-pem changes the certificate behind the ARN" || nok "replace-pem fingerprint"
run acm request-certificate --domain-name timeout.example.com --validation-method DNS
TOARN=$(j "d['CertificateArn']")
adm POST /_emu/set-status "{\"arn\":\"$TOARN\",\"status\":\"VALIDATION_TIMED_OUT\"}" >/dev/null
run acm describe-certificate --certificate-arn "$TOARN"
cond "admin set-status VALIDATION_TIMED_OUT" "d['Certificate']['Status'] == 'VALIDATION_TIMED_OUT'"
expect_ok "list sorted by creation, descending" acm list-certificates --sort-by CREATED_AT --sort-order DESCENDING --certificate-statuses VALIDATION_TIMED_OUT ISSUED PENDING_VALIDATION
cond "newest first" "d['CertificateSummaryList'][0]['CertificateArn'] == '$TOARN'"
R=$(adm POST /_emu/expire "{\"arn\":\"$EARN\",\"days\":-1}")
run acm describe-certificate --certificate-arn "$EARN"
cond "admin expire -> EXPIRED with NotAfter in the past" "d['Certificate']['Status'] == 'EXPIRED'"

# ------------------------------------------------------------------ IAM
expect_ok "iam upload-server-certificate" iam upload-server-certificate --server-certificate-name web1 --certificate-body "file://$TMP/leaf.crt" --private-key "file://$TMP/leaf.key" --certificate-chain "file://$TMP/ca.crt"
cond "server certificate id and ARN" "d['ServerCertificateMetadata']['ServerCertificateId'].startswith('ASCA') and d['ServerCertificateMetadata']['Arn'] == 'arn:aws:iam::$A1:server-certificate/web1'"
expect_ok "iam upload second" iam upload-server-certificate --server-certificate-name web2 --path /cloudfront/ --certificate-body "file://$TMP/ss.crt" --private-key "file://$TMP/ss.key"
expect_err EntityAlreadyExists "duplicate name -> EntityAlreadyExists" iam upload-server-certificate --server-certificate-name web1 --certificate-body "file://$TMP/ss.crt" --private-key "file://$TMP/ss.key"
expect_err KeyPairMismatch "mismatched key -> KeyPairMismatch" iam upload-server-certificate --server-certificate-name web3 --certificate-body "file://$TMP/ss.crt" --private-key "file://$TMP/ss2.key"
expect_ok "iam list-server-certificates page of 1" iam list-server-certificates --max-items 1 --page-size 1
cond "one item and a NextToken" "len(d['ServerCertificateMetadataList']) == 1 and 'NextToken' in d"
expect_ok "iam list-server-certificates (all pages)" iam list-server-certificates --page-size 1
cond "paginates to both" "sorted(c['ServerCertificateName'] for c in d['ServerCertificateMetadataList']) == ['web1', 'web2']"
expect_ok "iam get-server-certificate" iam get-server-certificate --server-certificate-name web1
cond "body and chain returned" "'BEGIN CERTIFICATE' in d['ServerCertificate']['CertificateBody'] and 'BEGIN CERTIFICATE' in d['ServerCertificate']['CertificateChain']"
expect_ok "iam delete-server-certificate" iam delete-server-certificate --server-certificate-name web2
expect_err NoSuchEntity "deleted -> NoSuchEntity" iam get-server-certificate --server-certificate-name web2

# ------------------------------------------------------------------ STS AssumeRole
expect_ok "sts assume-role into account $A2" sts assume-role --role-arn "arn:aws:iam::$A2:role/acmd-reader" --role-session-name acmd --duration-seconds 900
TK=$(j "d['Credentials']['AccessKeyId']"); TS=$(j "d['Credentials']['SecretAccessKey']"); TT=$(j "d['Credentials']['SessionToken']")
cond "temporary credentials ASIA… with expiration ~15 min" "d['Credentials']['AccessKeyId'].startswith('ASIA') and d['AssumedRoleUser']['Arn'] == 'arn:aws:sts::$A2:assumed-role/acmd-reader/acmd'"
AWS_ACCESS_KEY_ID=$TK AWS_SECRET_ACCESS_KEY=$TS AWS_SESSION_TOKEN=$TT expect_ok "assumed credentials accepted" sts get-caller-identity
cond "caller is the assumed role in the other account" "d['Account'] == '$A2' and 'assumed-role/acmd-reader' in d['Arn']"
AWS_ACCESS_KEY_ID=$TK AWS_SECRET_ACCESS_KEY=$TS AWS_SESSION_TOKEN=$TT expect_ok "assumed credentials work for acm" acm list-certificates
cond "other account has its own (empty) inventory" "d['CertificateSummaryList'] == []"
AWS_ACCESS_KEY_ID=$TK AWS_SECRET_ACCESS_KEY=$TS expect_err UnrecognizedClientException "temporary key without session token refused" acm list-certificates
R=$($PY "$HERE/testlib.py" rawquery "$EP" sts "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A$A2%3Arole%2Fr&RoleSessionName=sess&DurationSeconds=60")
[[ "$R" == 400* ]] && grep -q "<Code>ValidationError</Code>" <<<"$R" && ok "DurationSeconds below 900 -> ValidationError" || nok "DurationSeconds" "$R"
adm POST /_emu/expire-key "{\"access_key\":\"$TK\"}" >/dev/null
AWS_ACCESS_KEY_ID=$TK AWS_SECRET_ACCESS_KEY=$TS AWS_SESSION_TOKEN=$TT expect_err ExpiredTokenException "expired session token -> ExpiredTokenException" acm list-certificates
AWS_ACCESS_KEY_ID=$TK AWS_SECRET_ACCESS_KEY=$TS AWS_SESSION_TOKEN=$TT expect_err ExpiredToken "expired session token -> ExpiredToken (sts)" sts get-caller-identity
AWS_ACCESS_KEY_ID=$K2 AWS_SECRET_ACCESS_KEY=$S2 expect_ok "second configured key maps to account $A2" sts get-caller-identity
cond "second key account" "d['Account'] == '$A2'"

# ------------------------------------------------------------------ Organizations
# botocore's organizations model (shapes, enums, errors) and the
# Organizations API reference (who may call what; Account.State is newer
# than botocore 1.29 and awscli 2.9 prints it as it comes).
A3=333333333333; A4=444444444444
expect_err AWSOrganizationsNotInUseException "account in no organization -> AWSOrganizationsNotInUseException" organizations describe-organization
grep -q "Your account is not a member of an organization." <<<"$ERR" && ok "... with AWS's text" || nok "not in use text" "$ERR"
R=$(adm POST /_emu/org "{\"management_account\":\"$A1\",\"email\":\"mgmt@example.com\",\"name\":\"Management\"}")
ORG=$(printf '%s' "$R" | $PY "$HERE/testlib.py" json "d['id']"); ROOT=$(printf '%s' "$R" | $PY "$HERE/testlib.py" json "d['root_id']")
[[ "$ORG" =~ ^o-[a-z0-9]{10,32}$ ]] && [[ "$ROOT" =~ ^r-[0-9a-z]{4,32}$ ]] && ok "admin: organization created ($ORG, root $ROOT)" || nok "org create" "$R"
R=$(adm POST /_emu/org "{\"management_account\":\"$A1\"}"); [ $? -ne 0 ] && ok "admin: an account in an organization cannot create another (409)" || nok "org twice" "$R"
R=$(adm POST /_emu/org/ous '{"name":"Workloads"}')
OU=$(printf '%s' "$R" | $PY "$HERE/testlib.py" json "d['id']")
[[ "$OU" =~ ^ou-${ROOT#r-}-[a-z0-9]{8,32}$ ]] && ok "admin: OU created ($OU)" || nok "ou create" "$R"
adm POST /_emu/org/accounts "{\"account\":\"$A2\",\"name\":\"dev\",\"email\":\"dev@example.com\",\"ou\":\"Workloads\"}" >/dev/null && ok "admin: member account in an OU (by name)" || nok "add member"
adm POST /_emu/org/accounts "{\"account\":\"$A3\",\"name\":\"old\",\"status\":\"SUSPENDED\"}" >/dev/null
R=$(adm POST /_emu/org/accounts "{\"account\":\"$A4\",\"name\":\"keyed\",\"access_key\":true}")
K4=$(printf '%s' "$R" | $PY "$HERE/testlib.py" json "d['access_key']"); S4=$(printf '%s' "$R" | $PY "$HERE/testlib.py" json "d['secret']")
[ -n "$K4" ] && [ -n "$S4" ] && ok "admin: member account with an access key of its own" || nok "member key" "$R"
for i in $(seq 10 34); do adm POST /_emu/org/accounts "{\"account\":\"5000000000$i\",\"name\":\"bulk$i\"}" >/dev/null; done
expect_ok "organizations describe-organization (management account)" organizations describe-organization
cond "organization: Id, Arn, FeatureSet ALL, management account id/ARN/email" "d['Organization']['Id'] == '$ORG' and d['Organization']['Arn'] == 'arn:aws:organizations::$A1:organization/$ORG' and d['Organization']['FeatureSet'] == 'ALL' and d['Organization']['MasterAccountId'] == '$A1' and d['Organization']['MasterAccountArn'] == 'arn:aws:organizations::$A1:account/$ORG/$A1' and d['Organization']['MasterAccountEmail'] == 'mgmt@example.com'"
expect_ok "organizations list-accounts (all pages)" organizations list-accounts
cond "all 29 accounts, each with Id, Arn, Email, Name, Status, JoinedMethod, JoinedTimestamp" "len(d['Accounts']) == 29 and all(set(a) == {'Id', 'Arn', 'Email', 'Name', 'Status', 'JoinedMethod', 'JoinedTimestamp'} and a['Arn'] == 'arn:aws:organizations::$A1:account/$ORG/' + a['Id'] for a in d['Accounts'])"
cond "statuses and join methods: SUSPENDED member, management INVITED, members CREATED" "[(a['Status'], a['JoinedMethod']) for a in d['Accounts'] if a['Id'] in ('$A1', '$A3')] == [('ACTIVE', 'INVITED'), ('SUSPENDED', 'CREATED')]"
rawcall organizations AWSOrganizationsV20161128.ListAccounts '{}'
cond "one page: 20 accounts and a NextToken (raw)" "len(d['Accounts']) == 20 and 'NextToken' in d"
cond "on the wire each account also has State (current reference; awscli 2.9 drops it)" "all(a['State'] == a['Status'] for a in d['Accounts']) and [a['State'] for a in d['Accounts'] if a['Id'] == '$A3'] == ['SUSPENDED']"
NT=$(j "d['NextToken']")
rawcall organizations AWSOrganizationsV20161128.ListAccounts "{\"NextToken\":\"$NT\",\"MaxResults\":5}"
cond "next page with MaxResults 5: 5 accounts, a NextToken" "len(d['Accounts']) == 5 and 'NextToken' in d"
rawcall organizations AWSOrganizationsV20161128.ListAccounts '{"MaxResults":21}'
rawis "MaxResults 21 -> InvalidInputException" 400 InvalidInputException
cond "... Reason MAX_VALUE_EXCEEDED" "d['Reason'] == 'MAX_VALUE_EXCEEDED'"
rawcall organizations AWSOrganizationsV20161128.ListAccounts '{"NextToken":"not-a-token"}'
rawis "bad NextToken -> InvalidInputException" 400 InvalidInputException
expect_ok "organizations list-roots" organizations list-roots
cond "one root: Id, Arn, Name Root" "[(r['Id'], r['Arn'], r['Name']) for r in d['Roots']] == [('$ROOT', 'arn:aws:organizations::$A1:root/$ORG/$ROOT', 'Root')]"
expect_ok "organizations list-organizational-units-for-parent (root)" organizations list-organizational-units-for-parent --parent-id "$ROOT"
cond "the OU under the root" "[(o['Id'], o['Name'], o['Arn']) for o in d['OrganizationalUnits']] == [('$OU', 'Workloads', 'arn:aws:organizations::$A1:ou/$ORG/$OU')]"
expect_ok "organizations list-accounts-for-parent (OU)" organizations list-accounts-for-parent --parent-id "$OU"
cond "the OU holds the member put there" "[a['Id'] for a in d['Accounts']] == ['$A2']"
expect_ok "organizations list-accounts-for-parent (root)" organizations list-accounts-for-parent --parent-id "$ROOT"
cond "the root holds the accounts in no OU" "len(d['Accounts']) == 28 and '$A2' not in [a['Id'] for a in d['Accounts']]"
expect_err ParentNotFoundException "unknown root -> ParentNotFoundException" organizations list-accounts-for-parent --parent-id r-0000
expect_err InvalidInputException "malformed ParentId -> InvalidInputException" organizations list-organizational-units-for-parent --parent-id bogus
expect_ok "organizations describe-account" organizations describe-account --account-id "$A2"
cond "described account" "d['Account']['Id'] == '$A2' and d['Account']['Name'] == 'dev' and d['Account']['Email'] == 'dev@example.com' and d['Account']['Status'] == 'ACTIVE'"
expect_err AccountNotFoundException "account not in the organization -> AccountNotFoundException" organizations describe-account --account-id 999999999999
AWS_ACCESS_KEY_ID=$K2 AWS_SECRET_ACCESS_KEY=$S2 expect_ok "a member account may describe its organization" organizations describe-organization
cond "member sees the same organization" "d['Organization']['Id'] == '$ORG' and d['Organization']['MasterAccountId'] == '$A1'"
AWS_ACCESS_KEY_ID=$K2 AWS_SECRET_ACCESS_KEY=$S2 expect_err AccessDeniedException "member (not delegated administrator): ListAccounts -> AccessDeniedException" organizations list-accounts
grep -q "You don't have permissions to access this resource." <<<"$ERR" && ok "... with AWS's text" || nok "access denied text" "$ERR"
AWS_ACCESS_KEY_ID=$K2 AWS_SECRET_ACCESS_KEY=$S2 expect_err AccessDeniedException "member: DescribeAccount -> AccessDeniedException" organizations describe-account --account-id "$A1"
adm POST /_emu/org/delegated-admin "{\"account\":\"$A2\"}" >/dev/null
AWS_ACCESS_KEY_ID=$K2 AWS_SECRET_ACCESS_KEY=$S2 expect_ok "delegated administrator may ListAccounts" organizations list-accounts
cond "delegated administrator sees all 29" "len(d['Accounts']) == 29"
AWS_ACCESS_KEY_ID=$K4 AWS_SECRET_ACCESS_KEY=$S4 expect_ok "member's own access key from the admin API" sts get-caller-identity
cond "... maps to that member account" "d['Account'] == '$A4'"
adm POST /_emu/org/move "{\"account\":\"$A2\",\"destination\":\"$ROOT\"}" >/dev/null
run organizations list-accounts-for-parent --parent-id "$OU"
cond "admin move: the OU is empty again" "d['Accounts'] == []"
# AssumeRole into a suspended or closing account: refused as a role that
# cannot be assumed is (AWS documents nothing else; see sts.py).
expect_ok "AssumeRole into an active member account" sts assume-role --role-arn "arn:aws:iam::$A4:role/OrganizationAccountAccessRole" --role-session-name org
expect_err AccessDenied "AssumeRole into a SUSPENDED account -> AccessDenied" sts assume-role --role-arn "arn:aws:iam::$A3:role/OrganizationAccountAccessRole" --role-session-name org
grep -q "User: arn:aws:iam::$A1:user/[^ ]* is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$A3:role/OrganizationAccountAccessRole" <<<"$ERR" && ok "... with the text of any refused role" || nok "suspended text" "$ERR"
rawquery_status() { $PY "$HERE/testlib.py" rawquery "$EP" sts "$1" | head -1 | cut -d' ' -f1; }
is "... HTTP 403" "$(rawquery_status "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A$A3%3Arole%2Fr&RoleSessionName=sess")" 403
adm POST /_emu/org/account-status "{\"account\":\"$A3\",\"state\":\"CLOSED\"}" >/dev/null
expect_err AccessDenied "AssumeRole into a CLOSED (state) account -> AccessDenied" sts assume-role --role-arn "arn:aws:iam::$A3:role/r" --role-session-name org
adm POST /_emu/org/account-status "{\"account\":\"$A3\",\"status\":\"SUSPENDED\"}" >/dev/null
adm POST /_emu/org/account-status "{\"account\":\"$A4\",\"status\":\"PENDING_CLOSURE\"}" >/dev/null
rawcall organizations AWSOrganizationsV20161128.DescribeAccount "{\"AccountId\":\"$A4\"}"
cond "admin account-status: PENDING_CLOSURE shown as Status and State" "d['Account']['Status'] == 'PENDING_CLOSURE' and d['Account']['State'] == 'PENDING_CLOSURE'"
expect_err AccessDenied "AssumeRole into a PENDING_CLOSURE account -> AccessDenied" sts assume-role --role-arn "arn:aws:iam::$A4:role/OrganizationAccountAccessRole" --role-session-name org
adm POST /_emu/org/remove "{\"account\":\"$A4\"}" >/dev/null
expect_ok "AssumeRole into an account that left its organization (standalone, not closed) works" sts assume-role --role-arn "arn:aws:iam::$A4:role/OrganizationAccountAccessRole" --role-session-name org
adm POST /_emu/org/accounts '{"account":"500000000099","name":"closing"}' >/dev/null
R=$(adm POST /_emu/org/remove '{"account":"500000000099","closed":true}')
grep -q '"closed": *true' <<<"$R" && ok "admin: remove with closed" || nok "remove closed" "$R"
expect_err AccessDenied "AssumeRole into an account closed and removed -> AccessDenied" sts assume-role --role-arn "arn:aws:iam::500000000099:role/OrganizationAccountAccessRole" --role-session-name org
R=$(adm POST /_emu/org/accounts '{"account":"500000000099"}'); [ $? -ne 0 ] && ok "admin: a closed account cannot join again (409)" || nok "closed rejoin" "$R"
R=$(adm POST /_emu/org/remove '{"account":"500000000010","closed":"yes"}'); [ $? -ne 0 ] && ok "admin: remove with closed not a boolean -> 400" || nok "closed not bool" "$R"
AWS_ACCESS_KEY_ID=$K4 AWS_SECRET_ACCESS_KEY=$S4 expect_err AWSOrganizationsNotInUseException "removed account -> AWSOrganizationsNotInUseException" organizations describe-organization
run organizations list-accounts
cond "removed account no longer listed" "len(d['Accounts']) == 28 and '$A4' not in [a['Id'] for a in d['Accounts']]"
adm POST /_emu/quotas '{"enabled":true,"rates":{"ListRoots":0.01}}' >/dev/null
expect_ok "Organizations quota set by /_emu/quotas: first ListRoots" organizations list-roots
expect_err TooManyRequestsException "second ListRoots -> TooManyRequestsException" organizations list-roots
rawcall organizations AWSOrganizationsV20161128.ListRoots '{}'
rawis "... HTTP 400, as Organizations answers it (not 429)" 400 TooManyRequestsException
adm POST /_emu/quotas '{"enabled":false,"rates":{"ListRoots":0}}' >/dev/null
adm POST /_emu/faults '{"service":"organizations","operation":"DescribeOrganization","throttle_rate":1,"count":1}' >/dev/null
expect_err TooManyRequestsException "injected throttle on Organizations -> TooManyRequestsException" organizations describe-organization
rawcall organizations AWSOrganizationsV20161128.CreateOrganization '{}'
rawis "operation not emulated -> UnknownOperationException" 400 UnknownOperationException

# ------------------------------------------------------------------ STS roles and per-account state
# Default kept from before: an account where no role was ever defined accepts
# any role ARN and ExternalId (tests/unit/test_aws.c and
# tests/integration/credential.sh rely on it).
expect_ok "account without roles: any role ARN, any ExternalId" sts assume-role --role-arn "arn:aws:iam::555555555555:role/whatever" --role-session-name lenient --external-id anything
R=$(adm POST /_emu/roles "{\"account\":\"$A2\",\"name\":\"acmd-discovery\",\"external_id\":\"ext-123\",\"trusted\":\"$A1\"}")
grep -q "\"arn\": *\"arn:aws:iam::$A2:role/acmd-discovery\"" <<<"$R" && ok "admin: role with external id and trusted account" || nok "role create" "$R"
RARN=arn:aws:iam::$A2:role/acmd-discovery
expect_err AccessDenied "account with roles: an undefined role -> AccessDenied" sts assume-role --role-arn "arn:aws:iam::$A2:role/acmd-reader" --role-session-name acmd
grep -q "User: arn:aws:iam::$A1:user/[^ ]* is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$A2:role/acmd-reader" <<<"$ERR" && ok "... with AWS's text (caller and role ARNs)" || nok "access denied text" "$ERR"
expect_err AccessDenied "external id missing -> AccessDenied" sts assume-role --role-arn "$RARN" --role-session-name acmd
expect_err AccessDenied "external id wrong -> AccessDenied" sts assume-role --role-arn "$RARN" --role-session-name acmd --external-id ext-999
AWS_ACCESS_KEY_ID=$K2 AWS_SECRET_ACCESS_KEY=$S2 expect_err AccessDenied "caller account the role does not trust -> AccessDenied" sts assume-role --role-arn "$RARN" --role-session-name acmd --external-id ext-123
expect_err ValidationError "DurationSeconds above the role's MaxSessionDuration (3600) -> ValidationError" sts assume-role --role-arn "$RARN" --role-session-name acmd --external-id ext-123 --duration-seconds 7200
expect_ok "trusted caller with the right external id" sts assume-role --role-arn "$RARN" --role-session-name acmd --external-id ext-123 --duration-seconds 900
RK=$(j "d['Credentials']['AccessKeyId']"); RS_=$(j "d['Credentials']['SecretAccessKey']"); RT=$(j "d['Credentials']['SessionToken']")
cond "credentials expire DurationSeconds from now" "abs(__import__('datetime').datetime.fromisoformat(d['Credentials']['Expiration'].replace('Z', '+00:00')).timestamp() - __import__('time').time() - 900) < 30"
asrole() { AWS_ACCESS_KEY_ID=$RK AWS_SECRET_ACCESS_KEY=$RS_ AWS_SESSION_TOKEN=$RT "$@"; }
asrole expect_ok "role credentials: get-caller-identity" sts get-caller-identity
cond "... the role's account and assumed-role ARN" "d['Account'] == '$A2' and d['Arn'] == 'arn:aws:sts::$A2:assumed-role/acmd-discovery/acmd'"
asrole expect_ok "role credentials: Route 53 zone" route53 create-hosted-zone --name role.test --caller-reference role-1
asrole expect_ok "role credentials: IAM server certificate" iam upload-server-certificate --server-certificate-name role-web --certificate-body "file://$TMP/ss.crt" --private-key "file://$TMP/ss.key"
asrole expect_ok "role credentials: ACM certificate" acm request-certificate --domain-name role.test --validation-method DNS
RCARN=$(j "d['CertificateArn']")
cond "ACM ARN in the role's account" "d['CertificateArn'].startswith('arn:aws:acm:us-east-1:$A2:certificate/')"
asrole expect_ok "role credentials: PCA certificate authority" acm-pca create-certificate-authority --certificate-authority-type ROOT --certificate-authority-configuration '{"KeyAlgorithm":"EC_prime256v1","SigningAlgorithm":"SHA256WITHECDSA","Subject":{"CommonName":"Role CA"}}'
R=$(adm GET /_emu/state)
printf '%s' "$R" | $PY -c 'import json,sys; d=json.load(sys.stdin)["accounts"]; a, b = d["'$A2'"], d["'$A1'"]
ok = ([z["name"] for z in a["zones"]] == ["role.test."] and [c["name"] for c in a["iam_server_certificates"]] == ["role-web"]
      and [c["arn"] for c in a["regions"]["us-east-1"]["certificates"]] == ["'$RCARN'"] and len(a["regions"]["us-east-1"]["certificate_authorities"]) == 1
      and "role.test." not in [z["name"] for z in b["zones"]] and "role-web" not in [c["name"] for c in b["iam_server_certificates"]])
sys.exit(0 if ok else 1)' && ok "/_emu/state: zone, IAM certificate, ACM certificate and CA in the role's account only" || nok "per-account state" "$(printf '%s' "$R" | head -c 600)"
run route53 list-hosted-zones-by-name --dns-name role.test
cond "the base account does not see the role account's zone" "'role.test.' not in [z['Name'] for z in d['HostedZones']]"
AWS_ACCESS_KEY_ID=$K2 AWS_SECRET_ACCESS_KEY=$S2 expect_ok "the role account's own key sees what the role made" acm describe-certificate --certificate-arn "$RCARN"
AWS_ACCESS_KEY_ID=$K2 AWS_SECRET_ACCESS_KEY=$S2 run iam get-server-certificate --server-certificate-name role-web
[ $RC -eq 0 ] && ok "... and the IAM server certificate" || nok "iam via own key" "$ERR"
expect_err ResourceNotFoundException "the base account cannot describe the role account's certificate" acm describe-certificate --certificate-arn "$RCARN"
asrole expect_ok "role credentials: Organizations as the member account" organizations describe-organization
asrole expect_ok "role credentials: a delegated administrator's ListAccounts" organizations list-accounts
asrole expect_err ValidationError "role chaining above one hour -> ValidationError" sts assume-role --role-arn "arn:aws:iam::555555555555:role/next" --role-session-name chain --duration-seconds 7200
grep -q "1 hour session limit for roles assumed by role chaining" <<<"$ERR" && ok "... with AWS's text" || nok "chaining text" "$ERR"
asrole expect_ok "role chaining within one hour" sts assume-role --role-arn "arn:aws:iam::555555555555:role/next" --role-session-name chain --duration-seconds 3600
R=$(adm POST /_emu/expire-credentials "{\"account\":\"$A2\",\"role\":\"acmd-discovery\"}")
grep -q "\"$RK\"" <<<"$R" && ok "admin: expire-credentials expires the role's keys in that account" || nok "expire-credentials" "$R"
asrole expect_err ExpiredTokenException "expired role credentials: ACM -> ExpiredTokenException" acm list-certificates
asrole expect_err ExpiredToken "expired role credentials: STS -> ExpiredToken" sts get-caller-identity
asrole expect_err ExpiredTokenException "expired role credentials: Organizations -> ExpiredTokenException" organizations describe-organization
expect_ok "a new AssumeRole after the expiry works" sts assume-role --role-arn "$RARN" --role-session-name acmd2 --external-id ext-123
R=$(adm POST /_emu/roles "{\"account\":\"$A2\",\"name\":\"svc-role\",\"path\":\"/service/\"}")
expect_ok "role with a path: assumed by its full ARN" sts assume-role --role-arn "arn:aws:iam::$A2:role/service/svc-role" --role-session-name pathy
expect_err AccessDenied "role with a path: the ARN without the path -> AccessDenied" sts assume-role --role-arn "arn:aws:iam::$A2:role/svc-role" --role-session-name pathy
adm POST /_emu/roles/delete "{\"account\":\"$A2\",\"name\":\"svc-role\"}" >/dev/null
expect_err AccessDenied "deleted role -> AccessDenied" sts assume-role --role-arn "arn:aws:iam::$A2:role/service/svc-role" --role-session-name pathy
R=$(adm POST /_emu/config '{"strict_roles":true}')
grep -q '"strict_roles": *true' <<<"$R" && ok "/_emu/config strict_roles true" || nok "strict_roles" "$R"
expect_err AccessDenied "strict_roles: an account without roles refuses any role" sts assume-role --role-arn "arn:aws:iam::555555555555:role/whatever" --role-session-name strict
adm POST /_emu/config '{"strict_roles":false}' >/dev/null

# ------------------------------------------------------------------ faults
adm POST /_emu/faults '{"service":"acm","operation":"DescribeCertificate","error_rate":1,"error_status":503,"count":1}' >/dev/null
expect_err ServiceUnavailable "fault: 503 injected" acm describe-certificate --certificate-arn "$ARN"
expect_ok "fault count exhausted -> next call succeeds" acm describe-certificate --certificate-arn "$ARN"
adm POST /_emu/faults '{"service":"acm","operation":"DescribeCertificate","error_rate":1,"error_status":500,"count":1}' >/dev/null
expect_err InternalFailure "fault: 500 InternalFailure injected" acm describe-certificate --certificate-arn "$ARN"
adm POST /_emu/faults '{"service":"acm","operation":"ListCertificates","region":"eu-west-1","error_rate":1,"error_status":500,"count":1}' >/dev/null
expect_ok "fault for another region: us-east-1 answers" acm list-certificates --region us-east-1
expect_err InternalFailure "fault for eu-west-1: eu-west-1 fails" acm list-certificates --region eu-west-1
adm POST /_emu/faults '{"service":"acm","operation":"GetCertificate","drop_rate":1,"count":1}' >/dev/null
run acm get-certificate --certificate-arn "$ARN"
[ $RC -ne 0 ] && grep -qiE "connection|closed|aborted|endpoint" <<<"$ERR" && ok "fault: connection dropped" || nok "drop" "$ERR"
adm POST /_emu/faults '{"service":"acm","operation":"GetCertificate","malformed_rate":1,"count":1}' >/dev/null
run acm get-certificate --certificate-arn "$ARN"
grep -q "BEGIN CERTIFICATE" <<<"$OUT" && nok "truncated body" "$OUT" || ok "fault: truncated body carries no certificate (awscli)"
adm POST /_emu/faults '{"service":"acm","operation":"GetCertificate","malformed_rate":1,"count":1}' >/dev/null
$PY "$HERE/testlib.py" raw "$EP" acm us-east-1 CertificateManager.GetCertificate "{\"CertificateArn\":\"$ARN\"}" >/dev/null 2>"$TMP/raw.err"
grep -q IncompleteRead "$TMP/raw.err" && ok "fault: truncated body -> IncompleteRead for a strict HTTP client" || nok "truncated strict" "$(tail -2 "$TMP/raw.err")"
adm POST /_emu/faults '{"service":"acm","operation":"GetCertificate","malformed_rate":1,"malformed_mode":"garbage","count":1}' >/dev/null
run acm get-certificate --certificate-arn "$ARN"
grep -q "BEGIN CERTIFICATE" <<<"$OUT" && nok "garbage body" "$OUT" || ok "fault: garbage body carries no certificate"
adm POST /_emu/faults '{"service":"acm","operation":"AddTagsToCertificate","malformed_rate":1,"malformed_mode":"garbage","count":2}' >/dev/null
run acm add-tags-to-certificate --certificate-arn "$ARN" --tags Key=lost,Value=answer
run acm list-tags-for-certificate --certificate-arn "$ARN"
[ "$(j "[t for t in d['Tags'] if t['Key'] == 'lost']")" = "[]" ] && ok "fault: a malformed answer by default means nothing was done" || nok "malformed not applied" "$OUT"
adm DELETE /_emu/faults >/dev/null
adm POST /_emu/faults '{"service":"acm","operation":"AddTagsToCertificate","malformed_rate":1,"malformed_mode":"garbage","applied":true,"count":1}' >/dev/null
$PY "$HERE/testlib.py" raw "$EP" acm us-east-1 CertificateManager.AddTagsToCertificate "{\"CertificateArn\":\"$ARN\",\"Tags\":[{\"Key\":\"lost\",\"Value\":\"answer\"}]}" >"$TMP/raw.out" 2>&1
grep -q '^200 ' "$TMP/raw.out" && ok "fault applied: the answer is a 200 whose body is garbage" || nok "applied status" "$(head -c 300 "$TMP/raw.out")"
run acm list-tags-for-certificate --certificate-arn "$ARN"
[ "$(j "[t['Value'] for t in d['Tags'] if t['Key'] == 'lost'] == ['answer']")" = True ] && ok "fault applied: the operation was carried out before the answer was lost" || nok "malformed applied" "$OUT"
expect_ok "remove the tag again" acm remove-tags-from-certificate --certificate-arn "$ARN" --tags Key=lost,Value=answer
adm DELETE /_emu/faults >/dev/null
adm POST /_emu/faults '{"service":"acm","operation":"*","throttle_rate":1,"count":1}' >/dev/null
expect_err ThrottlingException "fault: throttle injected" acm get-account-configuration
adm POST /_emu/faults '{"service":"sts","operation":"GetCallerIdentity","delay_ms":1500,"count":1}' >/dev/null
T0=$(date +%s%N); run sts get-caller-identity; T1=$(date +%s%N)
[ $RC -eq 0 ] && [ $(( (T1 - T0) / 1000000 )) -ge 1500 ] && ok "fault: delay_ms honoured" || nok "delay" "$(( (T1 - T0) / 1000000 )) ms"
adm POST /_emu/faults '{"service":"route53","operation":"*","error_rate":1,"error_status":500}' >/dev/null
adm DELETE /_emu/faults >/dev/null
expect_ok "DELETE /_emu/faults clears faults" route53 list-hosted-zones

# ------------------------------------------------------------------ quotas / throttling
adm POST /_emu/quotas '{"enabled":true}' >/dev/null
R=$($PY "$HERE/testlib.py" burst "$EP" "$ARN" 25)
[[ "$R" =~ ok=([0-9]+)\ throttled=([0-9]+)\ other=0 ]] && [ "${BASH_REMATCH[2]}" -ge 10 ] && [ "${BASH_REMATCH[1]}" -ge 10 ] && [ "${BASH_REMATCH[1]}" -le 13 ] \
	&& ok "burst of 25 DescribeCertificate at 10/s -> ThrottlingException 'Rate exceeded' ($R)" || nok "burst throttling" "$R"
adm POST /_emu/quotas '{"enabled":true,"rates":{"ListCertificates":0.01}}' >/dev/null
sleep 1.1
expect_ok "first ListCertificates within the bucket" acm list-certificates
expect_err ThrottlingException "second ListCertificates throttled (awscli, AWS_MAX_ATTEMPTS=1)" acm list-certificates
grep -q "Rate exceeded" <<<"$ERR" && ok "throttling message is 'Rate exceeded'" || nok "message" "$ERR"
adm POST /_emu/quotas '{"enabled":false}' >/dev/null
expect_ok "quotas disabled -> no throttling" acm list-certificates
R=$(adm GET /_emu/stats)
printf '%s' "$R" | $PY -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d["requests"]["acm"]["DescribeCertificate"]["us-east-1"] > 20 and d["throttled"]["acm"]["ListCertificates"]["us-east-1"] >= 1 else 1)' \
	&& ok "/_emu/stats counts requests and throttles" || nok "stats" "$R"
adm POST /_emu/quotas '{"enabled":true,"cert_limit":1}' >/dev/null
expect_err LimitExceededException "certificate count limit -> LimitExceededException" acm request-certificate --domain-name limit.example.com --validation-method DNS
adm POST /_emu/quotas '{"enabled":false,"cert_limit":100000}' >/dev/null

# ------------------------------------------------------------------ seed + pagination
T0=$(date +%s%N)
R=$(adm POST /_emu/seed '{"regions":["eu-west-1"],"count_per_region":10000,"types":["AMAZON_ISSUED","IMPORTED","PRIVATE"],"key_types":["RSA_2048","EC_prime256v1","RSA_4096","EC_secp384r1"]}')
T1=$(date +%s%N)
MS=$(( (T1 - T0) / 1000000 ))
grep -q '"created": *10000' <<<"$R" && [ $MS -lt 15000 ] && ok "seed 10000 certificates in ${MS} ms" || nok "seed" "$R" "$MS ms"
expect_ok "list eu-west-1 default (RSA_2048 only)" acm list-certificates --region eu-west-1 --max-items 1100 --page-size 1000
cond "pagination past 1000 with max-items: 1100 items and a NextToken" "len(d['CertificateSummaryList']) == 1100 and 'NextToken' in d and all(c['KeyAlgorithm'] in ('RSA-1024','RSA-2048') for c in d['CertificateSummaryList'])"
expect_ok "list eu-west-1 all key types, all pages" acm list-certificates --region eu-west-1 --includes keyTypes=RSA_1024,RSA_2048,RSA_3072,RSA_4096,EC_prime256v1,EC_secp384r1,EC_secp521r1
cond "all 10000 listed across pages" "len(d['CertificateSummaryList']) == 10000 and len(set(c['CertificateArn'] for c in d['CertificateSummaryList'])) == 10000"
N2048=$(j "sum(1 for c in d['CertificateSummaryList'] if c['KeyAlgorithm'] == 'RSA-2048')")
cond "seeded mix of types" "set(c['Type'] for c in d['CertificateSummaryList']) == {'AMAZON_ISSUED','IMPORTED','PRIVATE'} and 'RSA-4096' in set(c['KeyAlgorithm'] for c in d['CertificateSummaryList'])"
expect_ok "default list in eu-west-1 excludes EC/RSA_4096" acm list-certificates --region eu-west-1
cond "default list returns only the RSA_2048 certificates" "len(d['CertificateSummaryList']) == $N2048 and $N2048 > 2000"

# ------------------------------------------------------------------ admin misc
R=$(curl -s "$EP/_emu/state")
printf '%s' "$R" | $PY -c 'import json,sys; d=json.load(sys.stdin); a=d["accounts"]["111111111111"]; sys.exit(0 if a["zones"] and a["regions"]["us-east-1"]["certificates"] and a["regions"]["us-east-1"]["certificate_authorities"] else 1)' \
	&& ok "/_emu/state dumps certificates, zones and CAs" || nok "state"
adm POST /_emu/keys '{"access_key":"AKIDADDEDBYADMIN0001","secret":"addedsecret","account":"333333333333"}' >/dev/null
AWS_ACCESS_KEY_ID=AKIDADDEDBYADMIN0001 AWS_SECRET_ACCESS_KEY=addedsecret expect_ok "key added by /_emu/keys works" sts get-caller-identity
cond "added key maps to its account" "d['Account'] == '333333333333'"
R=$(adm POST /_emu/seed '{"account":"333333333333","regions":["ap-south-1"],"count_per_region":5,"types":["IMPORTED"],"iam_count":120}')
grep -q '"iam_created": *120' <<<"$R" && ok "seed IAM server certificates" || nok "iam seed" "$R"
AWS_ACCESS_KEY_ID=AKIDADDEDBYADMIN0001 AWS_SECRET_ACCESS_KEY=addedsecret expect_ok "iam list-server-certificates paginates 120 (page size 50)" iam list-server-certificates --page-size 50
cond "120 server certificates" "len(d['ServerCertificateMetadataList']) == 120"
adm POST /_emu/stats/reset >/dev/null
R=$(adm GET /_emu/stats)
grep -q '"total": *0' <<<"$R" && ok "stats reset" || nok "stats reset" "$R"
adm POST /_emu/reset >/dev/null
expect_ok "after reset" acm list-certificates
cond "reset empties the inventory" "d['CertificateSummaryList'] == []"
kill -0 "$EMU_PID" 2>/dev/null && ok "emulator still running" || nok "emulator died"
if grep -q Traceback "$TMP/emu.log"; then nok "no handler tracebacks in the emulator log" "$(grep -A5 Traceback "$TMP/emu.log" | head -20)"; else ok "no handler tracebacks in the emulator log"; fi

echo "1..$N"
if [ $FAIL -ne 0 ]; then echo "# $FAIL of $N checks failed"; exit 1; fi
echo "# all $N checks passed"
exit 0

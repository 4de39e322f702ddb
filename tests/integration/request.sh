#!/bin/bash
# Certificate requests against the emulator: DNS validation through Route 53
# (--auto-zone, --hosted-zone, a wildcard sharing its base's record), by hand
# (--manual-dns, records, sync), e-mail validation, private issuance,
# request list, one RequestCertificate per request, crashes around
# RequestCertificate, bad input, Failed and Validation Timed Out.
. "$top_srcdir/tests/integration/lib.sh"

ACCT=111111111111
AKID=AKIDEXAMPLE000000001
SECRET=emusecret0000000000000000000000000000001
R=us-east-1

ok "emulator starts" start_emulator --no-quotas --validation-delay 1 \
    --change-delay 1
E=http://127.0.0.1:$EMU_PORT
write_conf "[aws]" "endpoint_url = $E" "regions = $R" "rate_limits = no"
ok "acmd starts" start_daemon
ok "credential add" sh -c "echo $SECRET | \"$ACMCTL\" -s \"$SOCK\" credential add main --access-key $AKID"

awsc() {	# awsc ARGS...: awscli against the emulator
	HOME=$T AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$SECRET \
	AWS_DEFAULT_REGION=$R AWS_CONFIG_FILE=/dev/null \
	AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	    /usr/bin/aws --endpoint-url "$E" --output json "$@"
}
pub() {	# pub ARGS...: request public with the usual credential and region
	ctl --json request public --credential main --region $R "$@"
}
field() {	# field ID EXPR: a field of 'request show --json'
	ctl --json request show "$1" | jget "$2"
}
status_of() { field "$1" 'd.get("status")'; }
req_calls() {	# RequestCertificate calls the emulator has seen
	emu GET /_emu/stats | jget 'sum(d["requests"].get("acm", {}).get("RequestCertificate", {}).values())'
}
emu_certs() {	# emu_certs DOMAIN: the emulator's ARNs for that domain
	emu GET /_emu/state | jget "'\n'.join(c['arn'] for c in d['accounts']['$ACCT']['regions'].get('$R', {}).get('certificates', []) if c['domain'] == '$1')"
}
count() { [ -z "$1" ] && echo 0 || printf '%s\n' "$1" | wc -l; }
list_ids() { ctl --json request list | jget "' '.join(sorted(r['id'] for r in d))"; }
final() { case "$1" in Issued|Failed|"Validation Timed Out") return 0;; esac; return 1; }
drive() {	# drive SECONDS ID...: 'request sync' each until all are final
	local end=$((SECONDS + $1)) id s left; shift
	while [ $SECONDS -lt $end ]; do
		left=0
		for id in "$@"; do
			s=$(status_of "$id")
			final "$s" && continue
			left=1
			ctl request sync "$id" >/dev/null 2>&1
		done
		[ $left = 0 ] && return 0
		sleep 0.5
	done
	return 1
}
wait_for() {	# wait_for SECONDS ID STATUS: the poller alone, no sync
	local end=$((SECONDS + $1))
	while [ $SECONDS -lt $end ]; do
		[ "$(status_of "$2")" = "$3" ] && return 0
		sleep 0.5
	done
	return 1
}

# --- Route 53 zones (as the account owner made them) ------------------------
zpids=
for z in example.com example.net example.io example.org; do
	awsc route53 create-hosted-zone --name $z --caller-reference "ref-$z" \
	    >"$T/zone.$z" 2>&1 &
	zpids="$zpids $!"
done
wait $zpids
zid() { jget 'd["HostedZone"]["Id"].split("/")[-1]' <"$T/zone.$1"; }
ZNET=$(zid example.net); ZIO=$(zid example.io); ZORG=$(zid example.org)
check "four hosted zones in the emulator" "$([ -n "$(zid example.com)" ] && [ -n "$ZNET" ] && [ -n "$ZIO" ] && [ -n "$ZORG" ]; echo $?)" "$(cat "$T"/zone.*)"

# --- bad input: clear errors, nothing stored, nothing asked of ACM ------------
bad() {	# bad DESC PATTERN ARGS...: acmctl fails and says PATTERN
	local desc=$1 pat=$2 out rc; shift 2
	out=$(ctl "$@" 2>&1); rc=$?
	check "$desc: exits 1" "$([ $rc = 1 ]; echo $?)" "rc=$rc: $out"
	like "$desc: says why" "$pat" "$out"
}
usage() {	# usage DESC PATTERN ARGS...: a usage error (exit 2) that says PATTERN
	local desc=$1 pat=$2 out rc; shift 2
	out=$(ctl "$@" 2>&1); rc=$?
	check "$desc: a usage error (exit 2)" "$([ $rc = 2 ]; echo $?)" "rc=$rc: $out"
	like "$desc: names the option and says why" "$pat" "$out"
}
P="request public --credential main --region $R"
usage "bad domain" "--domain: 'exa mple\.\.com' is not a domain name ACM can certify" \
    $P --domain "exa mple..com" --validation dns
usage "bad SAN" "--san: '-bad-\.example\.com' is not a domain name" \
    $P --domain ok.example.com --san -bad-.example.com --validation dns
usage "unknown region" "--region: unknown region 'mars-north-9'" \
    request public --credential main --region mars-north-9 --domain ok.example.com --validation dns
bad "unknown credential" "nobody.*ENOTFOUND" \
    request public --credential nobody --region $R --domain ok.example.com --validation dns
usage "--validation carrier-pigeon" "--validation: --validation is dns or email" \
    $P --domain ok.example.com --validation carrier-pigeon
usage "two zone options" "--hosted-zone: give one of --hosted-zone, --auto-zone and --manual-dns" \
    $P --domain ok.example.com --validation dns --hosted-zone "$ZNET" --auto-zone
usage "--auto-zone with --manual-dns" "give one of" \
    $P --domain ok.example.com --validation dns --manual-dns --auto-zone
usage "zone option with email" "--validation: zone options go with --validation dns" \
    $P --domain ok.example.com --validation email --auto-zone
usage "bad key algorithm" "--key-algorithm is RSA_2048, EC_prime256v1 or EC_secp384r1" \
    $P --domain ok.example.com --validation dns --key-algorithm DSA_512
bad "private: unknown credential" "nobody.*ENOTFOUND" \
    request private --credential nobody --region $R --ca arn:aws:acm-pca:$R:$ACCT:certificate-authority/x --domain ok.example.com
for c in show records sync resend-email deploy-challenge; do
	bad "request $c of an unknown ID" "no request 'r-999'.*ENOTFOUND" request $c r-999
done
is "after bad input: request list is empty" "[]" "$(ctl --json request list | tr -d ' \n')"
is "after bad input: no RequestCertificate reached the emulator" 0 "$(req_calls)"

# --- start every request, then drive them together ---------------------------
id_of() { jget 'd["id"]'; }
A=$(pub --domain www.example.com --validation dns --auto-zone | id_of)
like "--auto-zone request answers an ID" '^r-[0-9]+$' "$A"
H=$(pub --domain api.example.net --validation dns --hosted-zone "$ZNET" | id_of)
like "--hosted-zone request answers an ID" '^r-[0-9]+$' "$H"
W=$(pub --domain '*.example.io' --san example.io --validation dns --auto-zone | id_of)
like "wildcard request answers an ID" '^r-[0-9]+$' "$W"
json=$(pub --domain manual.example.org --validation dns --manual-dns); M=$(echo "$json" | id_of)
like "--manual-dns request answers an ID" '^r-[0-9]+$' "$M"
is "answer has status Pending Validation" "Pending Validation" "$(echo "$json" | jget 'd["status"]')"
like "answer has the ARN" "^arn:aws:acm:$R:$ACCT:certificate/" "$(echo "$json" | jget 'd["arn"]')"
is "answer does not show the idempotency token" False "$(echo "$json" | jget '"token" in d')"
json=$(pub --domain mail.example.com --validation email); EM=$(echo "$json" | id_of)
is "e-mail request: Pending Validation" "Pending Validation" "$(echo "$json" | jget 'd["status"]')"
TO=$(pub --domain late.example.org --validation dns | id_of)
FA=$(pub --domain caa.example.org --validation dns | id_of)
CA=$(emu POST /_emu/pca '{"account":"'$ACCT'","region":"'$R'","common_name":"Corp CA"}' | jget 'd["arn"]')
like "/_emu/pca made a CA" "^arn:aws:acm-pca:$R:$ACCT:certificate-authority/" "$CA"
PV=$(ctl --json request private --credential main --region $R --ca "$CA" --domain internal.corp.example | id_of)
like "private request answers an ID" '^r-[0-9]+$' "$PV"
PK=$(ctl --json request private --credential main --region $R --ca "$CA" --domain keyed.corp.example --with-key --name keyed | id_of)
PX=$(ctl --json request private --credential main --region $R --ca "arn:aws:acm-pca:$R:$ACCT:certificate-authority/00000000-0000-0000-0000-000000000000" --domain nope.corp.example | id_of)
NREQ=10
is "one RequestCertificate per request" $NREQ "$(req_calls)"

# private: issued at once
ok "private request reaches Issued" drive 15 "$PV" "$PK" "$PX"
is "private request: Issued" Issued "$(status_of "$PV")"
json=$(ctl --json cert show internal.corp.example); rc=$?
is "private certificate is in the repository" 0 "$rc"
like "its issuer is the private CA" "CN=Corp CA" "$(echo "$json" | jget 'd.get("issuer")')"
is "its source is request" request "$(echo "$json" | jget 'd.get("source")')"
is "private --with-key: Issued" Issued "$(status_of "$PK")"
is "private --with-key: the key was fetched (has_key)" True "$(ctl --json cert show keyed | jget 'd.get("has_key")')"
is "private from a missing CA: Failed" Failed "$(status_of "$PX")"
like "with ACM's reason" PCA_RESOURCE_NOT_FOUND "$(field "$PX" 'd.get("failure_reason")')"

# manual DNS: Sync Records, records shown, written by hand, then Issued
ok "manual request reaches Sync Records" sh -c "for i in \$(seq 1 20); do \"$ACMCTL\" -s \"$SOCK\" request sync $M >/dev/null 2>&1; \"$ACMCTL\" -s \"$SOCK\" request show $M | grep -q '^status  *Sync Records' && exit 0; sleep 0.5; done; exit 1"
out=$(ctl request records "$M"); rc=$?
is "request records exits 0" 0 "$rc"
like "records table has NAME TYPE VALUE" '^NAME +TYPE +VALUE' "$out"
json=$(ctl --json request records "$M")
is "records --json: one record" 1 "$(echo "$json" | jget 'len(d)')"
RN=$(echo "$json" | jget 'd[0]["name"]'); RV=$(echo "$json" | jget 'd[0]["value"]')
is "record type is CNAME" CNAME "$(echo "$json" | jget 'd[0]["type"]')"
like "record name is under the domain" '^_[0-9a-f]+\.manual\.example\.org\.$' "$RN"
like "record value is an ACM validation name" '\.acm-validations\.aws\.$' "$RV"
is "zone_line is a zone-file line" "$RN 300 IN CNAME $RV" "$(echo "$json" | jget 'd[0]["zone_line"]')"
like "table shows the zone-file line" "$(printf '%s' "$RN 300 IN CNAME $RV" | sed 's/\./\\./g')" "$out"
like "table shows name and value" "$(printf '%s' "$RN" | sed 's/\./\\./g') +CNAME +$(printf '%s' "$RV" | sed 's/\./\\./g')" "$out"
is "the record is the one ACM asks for" "$RN $RV" "$(emu GET /_emu/state | jget "[v['Name'] + ' ' + v['Value'] for c in d['accounts']['$ACCT']['regions']['$R']['certificates'] if c['domain'] == 'manual.example.org' for v in c['validation_records']][0]")"
is "acmd wrote nothing into the zone by itself" 0 "$(awsc route53 list-resource-record-sets --hosted-zone-id "$ZORG" | jget 'len([r for r in d["ResourceRecordSets"] if r["Type"] == "CNAME"])')"
ok "the CNAME written by hand" awsc route53 change-resource-record-sets --hosted-zone-id "$ZORG" \
    --change-batch "{\"Changes\":[{\"Action\":\"CREATE\",\"ResourceRecordSet\":{\"Name\":\"$RN\",\"Type\":\"CNAME\",\"TTL\":300,\"ResourceRecords\":[{\"Value\":\"$RV\"}]}}]}"

# e-mail: resend, approve, Issued
ok "e-mail request: first look (sync)" ctl request sync "$EM"
is "e-mail request: still Pending Validation" "Pending Validation" "$(status_of "$EM")"
out=$(ctl request resend-email "$EM" 2>&1); rc=$?
is "resend-email exits 0" 0 "$rc"
like "resend-email says it was sent" "validation e-mail sent again" "$out"
is "the emulator saw ResendValidationEmail" 1 "$(emu GET /_emu/stats | jget 'sum(d["requests"]["acm"].get("ResendValidationEmail", {}).values())')"
bad "records of an e-mail request" "request $EM is validated by EMAIL, not DNS.*ESTATE" request records "$EM"
bad "resend-email of a DNS request" "request $M is not waiting for e-mail validation.*ESTATE" request resend-email "$M"
bad "deploy-challenge of an e-mail request" "no DNS challenge to deploy.*ESTATE" request deploy-challenge "$EM"
EMARN=$(field "$EM" 'd["arn"]')
is "approve the e-mail (/_emu/approve-email)" ISSUED "$(emu POST /_emu/approve-email "{\"arn\":\"$EMARN\"}" | jget 'd["status"]')"

# expired validation window / failure, set in the emulator
for id in "$TO" "$FA"; do ctl request sync "$id" >/dev/null 2>&1; done
emu POST /_emu/set-status "{\"arn\":\"$(field "$TO" 'd["arn"]')\",\"status\":\"VALIDATION_TIMED_OUT\"}" >/dev/null
emu POST /_emu/set-status "{\"arn\":\"$(field "$FA" 'd["arn"]')\",\"status\":\"FAILED\",\"failure_reason\":\"CAA_ERROR\"}" >/dev/null

ok "DNS (hosted zone, wildcard), manual, e-mail, failed requests finish" \
    drive 40 "$H" "$W" "$M" "$EM" "$TO" "$FA"
is "--hosted-zone request: Issued" Issued "$(status_of "$H")"
is "wildcard request: Issued" Issued "$(status_of "$W")"
is "manual request after sync: Issued" Issued "$(status_of "$M")"
is "e-mail request after approval: Issued" Issued "$(status_of "$EM")"
is "VALIDATION_TIMED_OUT: Validation Timed Out" "Validation Timed Out" "$(status_of "$TO")"
is "  acm_status VALIDATION_TIMED_OUT" VALIDATION_TIMED_OUT "$(field "$TO" 'd.get("acm_status")')"
is "FAILED: Failed" Failed "$(status_of "$FA")"
is "  with the reason" CAA_ERROR "$(field "$FA" 'd.get("failure_reason")')"
is "sync of a final request answers without asking ACM" Failed "$(ctl --json request sync "$FA" | jget 'd["status"]')"

# --auto-zone, left to the poller alone
ok "--auto-zone request reaches Issued (poller only)" wait_for 40 "$A" Issued
like "it passed Deploy Challenge" "request $A \(www\.example\.com\): Deploy Challenge" "$(cat "$DLOG")"
json=$(ctl --json cert show www.example.com); rc=$?
is "cert show www.example.com exits 0" 0 "$rc"
is "  no private key" False "$(echo "$json" | jget 'd.get("has_key")')"
like "  issuer is the emulated Amazon CA" "O=Amazon" "$(echo "$json" | jget 'd.get("issuer")')"
is "  source is request" request "$(echo "$json" | jget 'd.get("source")')"
AARN=$(field "$A" 'd["arn"]')
like "daemon log: ACMD_EVENT=cert-issued with the ARN" "ACMD_EVENT=cert-issued CERT_ARN=$AARN" "$(cat "$DLOG")"
is "the validation CNAME is in example.com" 1 "$(awsc route53 list-resource-record-sets --hosted-zone-id "$(zid example.com)" | jget 'len([r for r in d["ResourceRecordSets"] if r["Type"] == "CNAME"])')"

ok "--hosted-zone request passed Deploy Challenge" grep -q "request $H (api\.example\.net): Deploy Challenge" "$DLOG"
ok "cert show api.example.net" ctl cert show api.example.net
is "the CNAME is in the given zone" 1 "$(awsc route53 list-resource-record-sets --hosted-zone-id "$ZNET" | jget 'len([r for r in d["ResourceRecordSets"] if r["Type"] == "CNAME"])')"

# wildcard + base: one record, written once
is "wildcard request covers two names" 2 "$(field "$W" 'len(d["domains"])')"
is "  with one shared validation record" 1 "$(field "$W" 'len({x["record"]["name"] for x in d["domains"]})')"
is "request records shows it once" 1 "$(ctl --json request records "$W" | jget 'len(d)')"
is "example.io has exactly one CNAME" 1 "$(awsc route53 list-resource-record-sets --hosted-zone-id "$ZIO" | jget 'len([r for r in d["ResourceRecordSets"] if r["Type"] == "CNAME"])')"
is "Route 53 changes: one per zone by acmd, one by hand" 4 "$(emu GET /_emu/stats | jget 'sum(d["requests"]["route53"].get("ChangeResourceRecordSets", {}).values())')"
json=$(ctl --json cert show wildcard.example.io); rc=$?
is "wildcard certificate stored as wildcard.example.io" 0 "$rc"
like "  for *.example.io" '\*\.example\.io' "$(echo "$json" | jget 'd.get("sans")')"
ok "cert show manual.example.org" ctl cert show manual.example.org
ok "cert show mail.example.com" ctl cert show mail.example.com

# request list
out=$(ctl request list); json=$(ctl --json request list)
like "list table header" '^ID +DOMAIN +KIND +VALIDATION +REGION +STATUS +ARN' "$out"
like "list table row" "$A +www\.example\.com +public +DNS +$R +Issued +arn:aws:acm:" "$out"
like "list table: private row" "$PV +internal\.corp\.example +private +PRIVATE +$R +Issued" "$out"
like "list table: timed-out row" "$TO +late\.example\.org +public +DNS +$R +Validation Timed Out" "$out"
is "list --json has every request" $NREQ "$(echo "$json" | jget 'len(d)')"
is "list --json: e-mail request" "mail.example.com EMAIL Issued" "$(echo "$json" | jget "' '.join([(r['domain'], r['validation'], r['status']) for r in d if r['id'] == '$EM'][0])")"
is "still one RequestCertificate per request" $NREQ "$(req_calls)"
for dom in www.example.com api.example.net '*.example.io' manual.example.org mail.example.com internal.corp.example; do
	is "the emulator has one certificate for $dom" 1 "$(count "$(emu_certs "$dom")")"
done

# --- crash right after 'request public' answered ------------------------------
n0=$(req_calls)
K1=$(pub --domain k1.example.org --validation dns | id_of)
K1ARN=$(field "$K1" 'd.get("arn")')
kill_daemon
ok "acmd restarts after kill -9" start_daemon
is "the request kept its ARN" "$K1ARN" "$(field "$K1" 'd.get("arn")')"
ok "sync after the restart" ctl request sync "$K1"
sleep 1.5	# the poller's first run after start
is "  same ARN after sync and a poller run" "$K1ARN" "$(field "$K1" 'd.get("arn")')"
is "  one RequestCertificate" $((n0 + 1)) "$(req_calls)"
is "  one certificate for k1.example.org" "$K1ARN" "$(emu_certs k1.example.org)"

# --- crash while RequestCertificate is held by a delay fault ------------------
n0=$(req_calls)
emu POST /_emu/faults '{"service":"acm","operation":"RequestCertificate","delay_ms":2000,"count":1}' >/dev/null
ctl request public --credential main --region $R --domain k2.example.org --validation dns >"$T/k2.out" 2>&1 &
CPID=$!
sleep 0.7
K2=$(ctl --json request list | jget "[r['id'] for r in d if r['domain'] == 'k2.example.org'][0]")
is "the request was stored before the call (Requesting)" Requesting "$(status_of "$K2")"
kill_daemon
wait $CPID
# ACM finished the request the dead daemon never heard back from.
for i in $(seq 1 40); do [ -n "$(emu_certs k2.example.org)" ] && break; sleep 0.1; done
is "ACM made the certificate behind acmd's back" 1 "$(count "$(emu_certs k2.example.org)")"
emu DELETE /_emu/faults >/dev/null
ok "acmd restarts after kill -9 (request in flight)" start_daemon
ok "the request gets its ARN after the restart" sh -c "for i in \$(seq 1 30); do \"$ACMCTL\" -s \"$SOCK\" --json request show $K2 | grep -q '\"arn\"' && exit 0; sleep 0.3; done; exit 1"
K2ARN=$(field "$K2" 'd.get("arn")')
is "  the one certificate ACM has for k2.example.org" "$(emu_certs k2.example.org)" "$K2ARN"
is "  one RequestCertificate before the crash, one resent with the same token" \
    $((n0 + 2)) "$(req_calls)"
ok "sync after the restart" ctl request sync "$K2"
is "  still one certificate for k2.example.org" 1 "$(count "$(emu_certs k2.example.org)")"
is "request list: two more requests, nothing else" $((NREQ + 2)) "$(ctl --json request list | jget 'len(d)')"

# --- long names: ACM's 64-character first name, 253-character SANs ------------
# RequestCertificate's first name is the Common Name (RFC 5280: 64 octets):
# a longer --domain is refused before anything is stored or requested,
# saying where the name goes; behind a short --domain it is issued, and the
# certificate is stored under the short name's repository name.
L60=$(printf 'a%.0s' $(seq 1 60))
LONG=$L60.$L60.$L60.long-domain.example.org
n0=$(req_calls); nl=$(ctl --json request list | jget 'len(d)')
out=$(ctl request public --credential main --region $R --domain "$LONG" --validation email 2>&1); rc=$?
is "a ${#LONG}-character --domain: exit 2" 2 "$rc"
like "  the error names --domain, the 64-character limit and --san" "--domain: .* is ${#LONG} characters; ACM takes at most 64 .*--san" "$out"
is "  nothing requested, nothing stored" "$n0 $nl" "$(req_calls) $(ctl --json request list | jget 'len(d)')"
LR=$(pub --domain long-san.example.org --san "$LONG" --validation email | jget 'd["id"]')
check "the ${#LONG}-character name as a SAN is requested" "$([ -n "$LR" ]; echo $?)"
LARN=""
for i in $(seq 1 40); do LARN=$(field "$LR" 'd.get("arn") or ""'); [ -n "$LARN" ] && break; sleep 0.2; done
for i in $(seq 1 40); do
	[ "$(emu POST /_emu/approve-email "{\"arn\":\"$LARN\"}" | jget 'd.get("status")')" = ISSUED ] && break
	sleep 0.3
done
ok "  it reaches Issued" drive 15 "$LR"
LNAME=$(field "$LR" 'd["name"]')
is "  stored under the first name's repository name" long-san.example.org "$LNAME"
is "  the stored certificate holds the long name" "True" \
    "$(ctl --json cert show "$LNAME" | jget "'$LONG' in d['sans']")"

# --- tags on requests follow ACM's limits (one --tag parser) ------------------
n0=$(req_calls)
K129=$(printf 'k%.0s' $(seq 1 129)); V257=$(printf 'v%.0s' $(seq 1 257))
out=$(ctl request public --credential main --region $R --domain t1.example.org --validation dns --tag "$K129=v" 2>&1); rc=$?
is "a 129-character tag key: exit 2" 2 "$rc"
like "  the error names --tag and the limits" "--tag: .*key up to 128, value up to 256" "$out"
out=$(ctl request public --credential main --region $R --domain t1.example.org --validation dns --tag "k=$V257" 2>&1); rc=$?
is "a 257-character tag value: exit 2" 2 "$rc"
is "  nothing was requested" "$n0" "$(req_calls)"
ok "a 128-character key and a 256-character value are taken" \
    ctl request public --credential main --region $R --domain t2.example.org --validation dns --tag "${K129:1}=${V257:1}"

finish

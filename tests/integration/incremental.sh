#!/bin/bash
# Incremental rediscovery (issue 15): after a full discovery, an unchanged
# inventory costs ListCertificates only; each kind of change made behind
# acmd's back (re-import, renewal, expiry moved, status, deletion, key
# type, in-use flag) is described and recorded by the next incremental
# discovery, and only the certificates that changed are; tags changed
# behind acmd's back show after a full pass (discover --full); status
# shows the last full and the last incremental run.  A certificate ACM may
# renew (Amazon-issued, private) in its 60-day renewal window, and one not
# ISSUED, is described on every pass.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"

R=us-east-1
start_one_region
E=http://127.0.0.1:$EMU_PORT
calls() {	# calls OPERATION: ACM calls of it since the stats were reset
	emu GET /_emu/stats | jget "d['requests'].get('acm', {}).get('$1', {}).get('$R', 0)"
}
rediscover() {	# rediscover [--full]: stats reset, then discover; sets json
	emu POST /_emu/stats/reset >/dev/null
	json=$(ctl --json discover "$@")
}

field() {	# field ARN PYTHON-EXPR-ON-THE-RECORD (d): from acm show --json
	ctl --json acm show "$1" | jget "$2"
}
nocolon() { tr -d : | tr A-F a-f; }

emu POST /_emu/seed '{"account":"'$ACCT'","regions":["'$R'"],"count_per_region":12,
    "types":["AMAZON_ISSUED","IMPORTED","PRIVATE"],
    "key_types":["RSA_2048","EC_prime256v1"],"domain_prefix":"inc"}' >/dev/null
arns() {	# arns TYPE: the emulator's ARNs of that type, in order
	emu_py "'\n'.join(c['arn'] for c in certs('$R') if c['type'] == '$1')"
}
mapfile -t A < <(arns AMAZON_ISSUED)
# the first imported one is EC P-256: the re-import keeps its key type (ACM
# refuses another one onto the ARN)
mapfile -t I < <(emu_py "'\\n'.join(sorted((c['key_algorithm'] != 'EC_prime256v1', i, c['arn']) for i, c in enumerate(certs('$R')) if c['type'] == 'IMPORTED')[i][2] for i in range(4))")
mapfile -t PR < <(arns PRIVATE)
is "the emulator holds 4 of each type" "4 4 4" "${#A[@]} ${#I[@]} ${#PR[@]}"

# --- the first discovery is full ----------------------------------------------
rediscover
is "the first discovery is full, finds 12" "True 12 0" \
    "$(echo "$json" | jget '"%s %d %d" % (d["full"], d["found"], d["errors"])')"
is "  it describes every certificate" 12 "$(calls DescribeCertificate)"
is "  and reads every one's tags" 12 "$(calls ListTagsForCertificate)"
seen=$(field "${PR[1]}" 'd["last_seen"]')
sleep 1.1

# --- unchanged: ListCertificates only ------------------------------------------
rediscover
is "an unchanged rediscovery is incremental: 12 found, none changed" \
    "False 12 0 0 0" "$(echo "$json" | jget '"%s %d %d %d %d" % (d.get("full"), d["found"], d["new"], d["changed"], d["gone"])')"
is "  it makes one ListCertificates call" 1 "$(calls ListCertificates)"
is "  and no DescribeCertificate" 0 "$(calls DescribeCertificate)"
is "  nor ListTagsForCertificate" 0 "$(calls ListTagsForCertificate)"
is "  nor GetCertificate" 0 "$(calls GetCertificate)"
check "  a certificate not described is seen again (last_seen moves)" \
    "$([ "$(field "${PR[1]}" 'd["last_seen"]')" -gt "$seen" ]; echo $?)"

# --- every kind of change behind acmd's back -----------------------------------
mkca
mkkey "$T/ec.key"
mkleaf "$T/ec.crt" "$T/ec.key" reimport.example.com
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
    -out "$T/p384.key" >/dev/null 2>&1
mkleaf "$T/p384.crt" "$T/p384.key" p384.example.com
ok "re-import onto an ARN (awscli)" awsc acm import-certificate \
    --certificate-arn "${I[0]}" --certificate "fileb://$T/ec.crt" \
    --private-key "fileb://$T/ec.key" --certificate-chain "fileb://$T/ca.crt"
new=$(awsc acm import-certificate --certificate "fileb://$T/p384.crt" \
    --private-key "fileb://$T/p384.key" --certificate-chain "fileb://$T/ca.crt" |
    jget 'd["CertificateArn"]')
like "another key type: a new EC P-384 certificate (awscli)" "^arn:aws:acm:" "$new"
ok "status change" emu POST /_emu/set-status '{"arn":"'"${I[2]}"'","status":"REVOKED"}'
ok "deletion (awscli)" awsc acm delete-certificate --certificate-arn "${I[3]}"
ok "renewal of an Amazon-issued certificate" emu POST /_emu/renew '{"arn":"'"${A[0]}"'"}'
ok "in-use flag" emu POST /_emu/in-use '{"arn":"'"${A[1]}"'","resources":["arn:aws:elasticloadbalancing:'$R':'$ACCT':loadbalancer/app/inc/1"]}'
ok "tags (awscli)" awsc acm add-tags-to-certificate --certificate-arn "${A[2]}" \
    --tags Key=team,Value=behind-the-back
ok "expiry moved" emu POST /_emu/expire '{"arn":"'"${PR[0]}"'","days":200}'

rediscover
is "the next rediscovery is incremental: 12 found, 1 new, 1 gone, 5 changed" \
    "False 12 1 1 5" "$(echo "$json" | jget '"%s %d %d %d %d" % (d.get("full"), d["found"], d["new"], d["gone"], d["changed"])')"
is "  it describes only the 6 listed that changed" 6 "$(calls DescribeCertificate)"
is "  and reads no tags" 0 "$(calls ListTagsForCertificate)"
is "  it gets the 4 new certificates' PEMs" 4 "$(calls GetCertificate)"
is "re-import recorded (the new certificate's fingerprint)" \
    "$(fp_of "$T/ec.crt")" "$(field "${I[0]}" 'd.get("sha256")')"
is "another key type recorded (the new P-384 one)" "EC_secp384r1 $(fp_of "$T/p384.crt")" \
    "$(field "$new" '"%s %s" % (d.get("key_algorithm"), d.get("sha256"))')"
is "status change recorded" REVOKED "$(field "${I[2]}" 'd.get("status")')"
is "deletion recorded (gone, and only with --all)" "True 0" \
    "$(ctl --json acm list --all | jget "[r.get('gone', False) for r in d if r['arn'] == '${I[3]}'][0]") $(ctl --json acm list | jget "len([r for r in d if r['arn'] == '${I[3]}'])")"
is "renewal recorded (the new serial)" "$(emu_serial_at "${A[0]}")" \
    "$(field "${A[0]}" 'd.get("serial")' | nocolon)"
is "in-use flag recorded (InUseBy)" \
    "arn:aws:elasticloadbalancing:$R:$ACCT:loadbalancer/app/inc/1" \
    "$(field "${A[1]}" '",".join(d.get("in_use_by", []))')"
like "expiry moved recorded (in 200 days)" "^200$" \
    "$(field "${PR[0]}" "round((d.get('not_after', 0) - $(date +%s)) / 86400)")"
is "tags changed behind acmd's back: not read by an incremental pass" None \
    "$(field "${A[2]}" '(d.get("tags") or {}).get("team")')"

# --- a full pass: every certificate described and tagged -------------------------
rediscover --full
is "discover --full is full: 12 found" "True 12" \
    "$(echo "$json" | jget '"%s %d" % (d.get("full"), d["found"])')"
is "  it describes every certificate" 12 "$(calls DescribeCertificate)"
is "  and reads every one's tags" 12 "$(calls ListTagsForCertificate)"
is "  the tags changed behind acmd's back are recorded" behind-the-back \
    "$(field "${A[2]}" '(d.get("tags") or {}).get("team")')"

# --- not ISSUED is described every time --------------------------------------------
rediscover
is "an incremental pass describes what is not ISSUED (the revoked one)" 1 \
    "$(calls DescribeCertificate)"

# --- inside ACM's renewal window: described every time (RenewalSummary) ------------
ok "a private certificate now expires in 30 days" \
    emu POST /_emu/expire '{"arn":"'"${PR[1]}"'","days":30}'
ctl discover >/dev/null
rediscover
is "an incremental pass describes it again though its summary did not change (and the revoked one)" \
    2 "$(calls DescribeCertificate)"
is "  and keeps the other 10 as they were" 10 "$(echo "$json" | jget 'd.get("unchanged")')"

# --- IAM server certificates: fetched when new or another one -----------------
iamcalls() {	# iamcalls OPERATION: IAM calls of it since the stats were reset
	emu GET /_emu/stats | jget "sum(d['requests'].get('iam', {}).get('$1', {}).values())"
}
mkkey "$T/iam.key"
mkleaf "$T/iam1.crt" "$T/iam.key" iam1.example.com
mkleaf "$T/iam2.crt" "$T/iam.key" iam2.example.com
iamup() {	# iamup CERT: upload it as server certificate "edge"
	awsc iam upload-server-certificate --server-certificate-name edge \
	    --certificate-body "file://$1" --private-key "file://$T/iam.key" >/dev/null
}
iamrow() { ctl --json iam list | jget '[x for x in d if x.get("name") == "edge"]'; }
ok "an IAM server certificate uploaded (awscli)" iamup "$T/iam1.crt"
rediscover
is "an incremental pass gets a new IAM server certificate" "1 False" \
    "$(iamcalls GetServerCertificate) $(echo "$json" | jget 'd.get("full")')"
row1=$(iamrow)
rediscover
is "  and not again when it is unchanged (listed only)" "0 1" \
    "$(iamcalls GetServerCertificate) $(iamcalls ListServerCertificates)"
is "  it stays in iam list, the same" "$row1" "$(iamrow)"
ok "another certificate under the same name (awscli: delete, upload)" \
    awsc iam delete-server-certificate --server-certificate-name edge
iamup "$T/iam2.crt"
rediscover
is "  an incremental pass gets the other one (another id)" 1 "$(iamcalls GetServerCertificate)"
is "  iam list has the other one (its names)" iam2.example.com \
    "$(ctl --json iam list | jget '[x.get("domain") for x in d if x.get("name") == "edge"][0]')"
ok "the IAM server certificate deleted (awscli)" \
    awsc iam delete-server-certificate --server-certificate-name edge
rediscover
is "  an incremental pass marks it gone" 1 "$(echo "$json" | jget 'd["gone"]')"

# --- a repository version added since: the kept record linked, whole ---------------
# Its summary unchanged, the incremental pass keeps the certificate; its
# link to the repository moved, so the record is written again, every
# field as it was (the pass reads a few fields first, the whole record
# for a write).
whole='json.dumps({k: v for k, v in d.items() if k not in ("last_seen", "linked", "prev_linked", "days_left")}, sort_keys=True)'
before=$(field "$new" "$whole")
rediscover
described=$(calls DescribeCertificate)	# those described on every pass
ok "cert add of the P-384 certificate imported behind acmd's back" \
    ctl cert add p384 --cert "$T/p384.crt" --key "$T/p384.key" --chain "$T/ca.crt"
rediscover
is "  an incremental pass links it to the repository, without a describe" \
    "$described p384" "$(calls DescribeCertificate) $(field "$new" 'd["linked"]["name"]')"
is "  and writes the rest of its record as it was" "$before" "$(field "$new" "$whole")"
like "  (the record is a whole one: serial, dates, names)" '"first_seen".*"not_after".*"serial"' "$before"

# --- status ---------------------------------------------------------------------
st=$(ctl --json status)
is "status --json: the last full and the last incremental run" "True True" \
    "$(echo "$st" | jget '"%s %s" % (d["discovery"]["last_full"] > 0, d["discovery"]["last_incremental"] >= d["discovery"]["last_full"])')"
like "status: the last full and incremental runs" \
    "discovery +last full [0-9]{4}-.*, last incremental [0-9]{4}-" "$(ctl status)"

# --- the last full run is kept over a restart; full_discovery_interval ------------
# acm list's cache was kept record by record through these discoveries; at
# start acmd builds it from the store: the two must say the same (days
# left aside: one set 30 days from now turns 29 within seconds).
nodays='json.dumps([{k: v for k, v in x.items() if k != "days_left"} for x in d], sort_keys=True)'
kept=$(ctl --json acm list --all | jget "$nodays")
ok "acmd stops" stop_daemon
ok "acmd starts again" start_daemon
is "acm list --all after a restart (read from the store) is what the kept cache said" \
    "$kept" "$(ctl --json acm list --all | jget "$nodays")"
json=$(ctl --json discover)
is "after a restart the next run is still incremental" False \
    "$(echo "$json" | jget 'd.get("full")')"
ok "acmd stops" stop_daemon
write_conf "[aws]" "endpoint_url = $E" "regions = $R" "rate_limits = no" \
    "[jobs]" "discovery_interval = 0" "full_discovery_interval = 0"
ok "acmd starts with full_discovery_interval = 0" start_daemon
rediscover
is "full_discovery_interval = 0: every run is full" "True 12" \
    "$(echo "$json" | jget '"%s %d" % (d.get("full"), d["found"])')"
is "  and reads every one's tags" 12 "$(calls ListTagsForCertificate)"

finish

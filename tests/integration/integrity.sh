#!/bin/bash
# Repository integrity against what someone else does in ACM: a certificate
# re-imported onto a deployment's ARN is a mismatch, never a new version,
# in every order of events (re-import then check; re-import, discovery,
# check), with and without --auto-redeploy; ACM's own renewals (Amazon
# issued, private) still become versions; a version without a key is never
# deployed while the certificate has keyed ones (outdated, then followed
# once its key comes); sync puts back the version that was deployed;
# acmd's own writes reach the inventory at once; --all-regions means the
# configured regions and a partly failed deploy exits 1 naming the regions.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"

R1=us-east-1 R2=eu-west-1 R3=ap-southeast-2
ok "emulator starts" start_emulator --no-quotas --validation-delay 1 \
    --change-delay 1
write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
    "regions = $R1, $R2" "rate_limits = no" \
    "[jobs]" "discovery_interval = 0" "mismatch_interval = 1h"
ok "acmd starts" start_daemon
ok "credential add" add_credential

versions() {	# versions NAME: "CURRENT COUNT" of the repository certificate
	ctl --json cert show "$1" | jget '"%d %d" % (d["current"], len(d["versions"]))'
}
linked() {	# linked ARN: the repository name acm show links it to (None)
	ctl --json acm show "$1" | jget 'd.get("linked", {}).get("name") if isinstance(d.get("linked"), dict) else d.get("linked")'
}
reimport() {	# reimport REGION ARN CERT KEY: someone else, with awscli
	awsc acm import-certificate --region "$1" --certificate-arn "$2" \
	    --certificate "fileb://$3" --private-key "fileb://$4" \
	    --certificate-chain "fileb://$T/ca.crt" >/dev/null
}
fp_is() {	# fp_is ARN FP: ACM holds that certificate at the ARN
	[ "$(emu_fp_at "$1")" = "$2" ]
}
log_since() {	# log_since MARK: the daemon log after byte offset MARK
	tail -c +"$(($1 + 1))" "$DLOG"
}

mkca
mkkey "$T/api.key"; mkleaf "$T/api.crt" "$T/api.key" api.integrity.test
mkkey "$T/web.key"; mkleaf "$T/web.crt" "$T/web.key" web.integrity.test
mkkey "$T/evil.key"; mkleaf "$T/evil.crt" "$T/evil.key" intruder.example.test
mkkey "$T/evil2.key"; mkleaf "$T/evil2.crt" "$T/evil2.key" web.integrity.test
API=$(fp_of "$T/api.crt"); WEB=$(fp_of "$T/web.crt")
ok "cert add api" ctl cert add api --cert "$T/api.crt" --key "$T/api.key" --chain "$T/ca.crt"
ok "cert add web" ctl cert add web --cert "$T/web.crt" --key "$T/web.key" --chain "$T/ca.crt"

# --- acmd's own import is in the inventory at once --------------------------
ok "deploy api to $R1 and $R2 (no auto-redeploy)" ctl deploy api --credential main --region $R1 --region $R2
A1=$(dep_get api $R1 arn); A2=$(dep_get api $R2 arn)
json=$(ctl --json acm list)
is "acm list has both imports without a discovery" "2" "$(echo "$json" | jget "len([r for r in d if r['arn'] in ('$A1', '$A2')])")"
is "acm show: Imported, ISSUED, linked to api" "Imported ISSUED api" \
    "$(ctl --json acm show "$A1" | jget '"%s %s %s" % (d["type"], d["status"], d["linked"]["name"])')"
is "acm show: the deployed certificate's fingerprint" "$API" "$(ctl --json acm show "$A1" | jget 'd["sha256"]')"
is "acm list: the deployment state" "in-sync" "$(echo "$json" | jget "[r['deployment'] for r in d if r['arn'] == '$A1'][0]")"
ok "discover" ctl discover
is "discovery keeps the link" api "$(linked "$A1")"

# --- order 1, no auto-redeploy: re-import, then the mismatch check ----------
reimport $R1 "$A1" "$T/evil.crt" "$T/evil.key"
is "someone re-imported another domain's certificate onto api's ARN in $R1" "$(fp_of "$T/evil.crt")" "$(emu_fp_at "$A1")"
out=$(ctl deploy check 2>&1); rc=$?
is "deploy check exits 0" 0 "$rc"
like "deploy check waits and shows the mismatch it found" "api/$ACCT/$R1 +mismatch +in-sync" "$out"
json=$(ctl --json deploy check)
is "deploy check --json: one row per deployment, with the state" "mismatch in-sync" \
    "$(echo "$json" | jget "' '.join(r['state'] for r in sorted(d, key=lambda r: r['deployment']) if r['deployment'].startswith('api/'))" | sed 's/in-sync mismatch/mismatch in-sync/')"
is "api in $R1: mismatch" mismatch "$(dep_get api $R1 state)"
is "api in $R2: in-sync" in-sync "$(dep_get api $R2 state)"
is "api is still version 1 (one version)" "1 1" "$(versions api)"

# --- then a discovery: still no version, the link is gone ------------------
mark=$(stat -c %s "$DLOG")
ok "discover" ctl discover
is "after discovery: api is still version 1 (no intruder version)" "1 1" "$(versions api)"
is "after discovery: the ARN is not linked to api" None "$(linked "$A1")"
is "after discovery: api's current domain is its own" api.integrity.test "$(ctl --json cert show api | jget 'd["domain"]')"
unlike "the log never calls it a renewal" "was renewed in ACM" "$(log_since "$mark")"
like "the log says it is another certificate, not a renewal" "now holds another certificate \(Imported, intruder.example.test\): not a renewal" "$(log_since "$mark")"
is "after discovery: api in $R1 still mismatch" mismatch "$(dep_get api $R1 state)"
is "after discovery: api in $R2 still in-sync" in-sync "$(dep_get api $R2 state)"
out=$(ctl notify check 2>&1)
unlike "expiry warnings never put the intruder's domain under api's name" "intruder.example.test.*api|api.*intruder.example.test" "$out"

# --- sync repairs it, with api's own version, onto the same ARN --------------
ok "sync api" ctl sync api
is "sync: ACM holds api again at the same ARN" "$API" "$(emu_fp_at "$A1")"
is "sync: in-sync, version 1" "1 in-sync" "$(dep_get api $R1 version) $(dep_get api $R1 state)"
is "sync: one api certificate in $R1" 1 "$(emu_count $R1 "$API")"

# --- order 2, auto-redeploy: re-import, discovery (which checks) ------------
ok "deploy web --auto-redeploy to $R1 and $R2" ctl deploy web --credential main --region $R1 --region $R2 --auto-redeploy
W1=$(dep_get web $R1 arn)
ok "discover" ctl discover
reimport $R1 "$W1" "$T/evil2.crt" "$T/evil2.key"
is "someone re-imported a certificate for the same domain onto web's ARN" "$(fp_of "$T/evil2.crt")" "$(emu_fp_at "$W1")"
mark=$(stat -c %s "$DLOG")
ok "discover" ctl discover
is "web is still version 1 (a same-domain import is no renewal)" "1 1" "$(versions web)"
ok "the check after discovery repaired web in $R1 (auto-redeploy)" wait_for 20 fp_is "$W1" "$WEB"
is "web in $R1: in-sync at version 1" "1 in-sync" "$(dep_get web $R1 version) $(dep_get web $R1 state)"
is "web in $R2: never failed, in-sync at version 1" "1 in-sync" "$(dep_get web $R2 version) $(dep_get web $R2 state)"
like "the log has the mismatch event" "ACMD_EVENT=deploy-mismatch.*CERT_ARN=$W1" "$(log_since "$mark")"
unlike "no keyless version was pushed anywhere" "has no private key" "$(log_since "$mark")"
is "web's ARN is the same in $R1" "$W1" "$(dep_get web $R1 arn)"

# --- order 1, auto-redeploy: re-import, then the check repairs at once ------
reimport $R1 "$W1" "$T/evil.crt" "$T/evil.key"
json=$(ctl --json deploy check)
is "deploy check reports the mismatch and the repair" "mismatch auto-redeploying" \
    "$(echo "$json" | jget "' '.join(str(r.get(k)) for r in d if r['arn'] == '$W1' for k in ('state', 'repair'))")"
ok "and web in $R1 is repaired" wait_for 20 dep_vs web $R1 "1 in-sync"
is "ACM holds web at its ARN again" "$WEB" "$(emu_fp_at "$W1")"
is "web is still version 1" "1 1" "$(versions web)"

# --- ACM's own renewals are versions: Amazon issued -------------------------
Z=$(awsc route53 create-hosted-zone --name integrity.test --caller-reference z1 | jget 'd["HostedZone"]["Id"]')
json=$(ctl --json request public --credential main --region $R1 --domain pub.integrity.test --validation dns --auto-zone)
RID=$(echo "$json" | jget 'd["id"]'); PUB=$(echo "$json" | jget 'd.get("arn")')
is "request public: in the inventory at once, PENDING_VALIDATION" "Amazon Issued PENDING_VALIDATION" \
    "$(ctl --json acm show "$PUB" | jget '"%s %s" % (d["type"], d["status"])')"
ok "the public certificate is issued" wait_for 60 sh -c "\"$ACMCTL\" -s \"$SOCK\" request sync $RID >/dev/null 2>&1; \"$ACMCTL\" -s \"$SOCK\" --json request show $RID | grep -q '\"status\": \"Issued\"'"
NAME=$(ctl --json request show "$RID" | jget 'd["name"]')
is "issued: the inventory says ISSUED and links it, before any discovery" "ISSUED $NAME" \
    "$(ctl --json acm show "$PUB" | jget '"%s %s" % (d["status"], d["linked"]["name"])')"
is "it is version 1 of $NAME" "1 1" "$(versions "$NAME")"
old=$(emu_fp_at "$PUB")
emu POST /_emu/renew "{\"arn\":\"$PUB\"}" >"$T/renew.out"
new=$(emu_fp_at "$PUB")
check "ACM renewed it (a new certificate at the same ARN)" "$([ -n "$new" ] && [ "$new" != "$old" ]; echo $?)" "$(cat "$T/renew.out")"
mark=$(stat -c %s "$DLOG")
ok "discover" ctl discover
is "the renewal is version 2 of $NAME" "2 2" "$(versions "$NAME")"
is "version 2 is the renewed certificate" "$new" "$(ctl --json cert show "$NAME" | jget 'd["sha256"]')"
like "the log calls it a renewal" "$PUB was renewed in ACM; version 2 of $NAME" "$(log_since "$mark")"
is "the inventory links the ARN to $NAME" "$NAME" "$(linked "$PUB")"

# --- and private: a keyless renewal is not deployed, then followed ----------
CA=$(emu POST /_emu/pca "{\"account\":\"$ACCT\",\"region\":\"$R1\",\"common_name\":\"Integrity CA\"}" | jget 'd.get("arn") or d.get("CertificateAuthorityArn")')
json=$(ctl --json request private --credential main --region $R1 --ca "$CA" --domain priv.integrity.test --name priv --with-key)
PID=$(echo "$json" | jget 'd["id"]'); PRIV=$(echo "$json" | jget 'd.get("arn")')
ok "the private certificate is issued with its key" wait_for 60 sh -c "\"$ACMCTL\" -s \"$SOCK\" request sync $PID >/dev/null 2>&1; \"$ACMCTL\" -s \"$SOCK\" --json cert show priv | grep -q '\"has_key\": true'"
ok "deploy priv --auto-redeploy to $R2" ctl deploy priv --credential main --region $R2 --auto-redeploy
ok "discover" ctl discover
emu POST /_emu/renew "{\"arn\":\"$PRIV\"}" >"$T/renew2.out"
mark=$(stat -c %s "$DLOG")
ok "discover" ctl discover
is "the private renewal is version 2 of priv" "2 2" "$(versions priv)"
is "version 2 has no key (ACM renewed it; nobody exported it)" False "$(ctl --json cert show priv | jget 'd["has_key"]')"
is "the deployment stays on version 1, shown outdated, not failed" "1 outdated" "$(dep_get priv $R2 version) $(dep_get priv $R2 state)"
like "deploy list (text) says outdated" "priv .*outdated" "$(ctl deploy list priv)"
like "the log says why it stays" "priv/$ACCT/$R2 stays on version 1: version 2 has no private key" "$(log_since "$mark")"
unlike "it was not tried with the keyless version" "version 2 has no private key; ACM needs one" "$(log_since "$mark")"
out=$(ctl fetch-key "$PRIV" --yes 2>"$T/fk.err"); rc=$?
is "fetch-key --yes exits 0" 0 "$rc"
is "fetch-key --yes says nothing of the cost (confirmed)" "" "$(cat "$T/fk.err")"
ok "once version 2 has its key, the deployment follows" wait_for 20 dep_vs priv $R2 "2 in-sync"

# --- sync of a missing deployment puts back what was deployed ---------------
mkkey "$T/old2.key"; mkleaf "$T/old2.crt" "$T/old2.key" api.integrity.test
ok "cert renew api (version 2; api's deployments do not follow)" ctl cert renew api --cert "$T/old2.crt" --key "$T/old2.key" --chain "$T/ca.crt"
is "api in $R2 is outdated (version 1, current 2)" "1 outdated" "$(dep_get api $R2 version) $(dep_get api $R2 state)"
ok "delete api's certificate in ACM $R2" awsc acm delete-certificate --region $R2 --certificate-arn "$A2"
ok "deploy check finds it missing" sh -c "\"$ACMCTL\" -s \"$SOCK\" deploy check | grep -q 'missing'"
ok "sync api" ctl sync api
is "sync put back version 1, the one deployed, not the current (in sync, so outdated)" "1 outdated" "$(dep_get api $R2 version) $(dep_get api $R2 state)"
is "ACM $R2 holds api version 1 at the new ARN" "$API" "$(emu_fp_at "$(dep_get api $R2 arn)")"

# --- --all-regions: the configured regions; a failed region exits 1 ---------
mkkey "$T/all.key"; mkleaf "$T/all.crt" "$T/all.key" all.integrity.test
ok "cert add all" ctl cert add all --cert "$T/all.crt" --key "$T/all.key" --chain "$T/ca.crt"
json=$(ctl --json deploy all --credential main --all-regions); rc=$?
is "--all-regions exits 0" 0 "$rc"
is "--all-regions deployed into the configured regions only" "$R2 $R1" "$(echo "$json" | jget "' '.join(sorted(r['region'] for r in d['deployments']))")"
is "nothing in a region acmd does not work in" 0 "$(emu_count $R3 "$(fp_of "$T/all.crt")")"
emu POST /_emu/faults "{\"service\":\"acm\",\"operation\":\"ListCertificates\",\"region\":\"$R2\",\"error_rate\":1,\"error_status\":500}" >/dev/null
mkkey "$T/half.key"; mkleaf "$T/half.crt" "$T/half.key" half.integrity.test
ok "cert add half" ctl cert add half --cert "$T/half.crt" --key "$T/half.key" --chain "$T/ca.crt"
out=$(ctl deploy half --credential main --all-regions 2>"$T/half.err"); rc=$?
emu DELETE /_emu/faults >/dev/null
is "a deploy with a failed region exits 1" 1 "$rc"
like "it names the failed region with its error" "deployment failed in 1 of 2 regions: $R2 \(" "$(cat "$T/half.err")"
like "and still shows the region that was deployed" "half +$R1 +1 +imported" "$out"
json=$(ctl --json deploy half --credential main --region $R1 --region $R3 2>/dev/null); rc=$?
is "a deploy where every region is fine again exits 0" 0 "$rc"
finish

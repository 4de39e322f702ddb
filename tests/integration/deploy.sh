#!/bin/bash
# Deploy against the emulator: several regions at once, no second import of
# the same certificate, keyless certificates refused, tags, auto-redeploy on
# a new version (same ARN), mismatch and missing detection, sync, deploy
# remove, errors, deploy list --json, and pacing under the emulator's quotas.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"

R1=us-east-1 R2=eu-west-1 R3=ap-southeast-2 R4=us-west-2
ok "emulator starts" start_emulator --no-quotas
E=http://127.0.0.1:$EMU_PORT
aws_conf() {
	write_conf "[aws]" "endpoint_url = $E" \
	    "regions = $R1, $R2, $R3, $R4" "$@" \
	    "[jobs]" "mismatch_interval = 1h"
}
aws_conf "rate_limits = no"
ok "acmd starts" start_daemon
ok "credential add" add_credential

mkca
mkkey "$T/web.key"; mkleaf "$T/web1.crt" "$T/web.key" web.deploy.test
mkkey "$T/app.key"; mkleaf "$T/app1.crt" "$T/app.key" app.deploy.test
mkkey "$T/app2.key"; mkleaf "$T/app2.crt" "$T/app2.key" app.deploy.test
mkkey "$T/other.key"; mkleaf "$T/other.crt" "$T/other.key" web.deploy.test
WEB=$(fp_of "$T/web1.crt")
ok "cert add web" ctl cert add web --cert "$T/web1.crt" --key "$T/web.key" --chain "$T/ca.crt"
ok "cert add app" ctl cert add app --cert "$T/app1.crt" --key "$T/app.key" --chain "$T/ca.crt"

# --- three regions at once ---------------------------------------------
json=$(ctl --json deploy web --credential main --region $R1 --region $R2 \
    --region $R3 --tag team=infra --tag env=test 2>"$T/dep.err"); rc=$?
is "deploy to 3 regions exits 0" 0 "$rc"
is "3 deployments, none failed" "3 0" "$(echo "$json" | jget '"%d %d" % (d["regions"], d["failed"])')"
is "every region imported" "imported imported imported" \
    "$(echo "$json" | jget '" ".join(r["result"] for r in d["deployments"])')"
for r in $R1 $R2 $R3; do
	is "$r: exactly one certificate, with the repository fingerprint" \
	    "1 1" "$(emu_py "'%d %d' % (len(certs('$r')), len([c for c in certs('$r') if c['fingerprint'] == '$WEB']))")"
	arn=$(dep_get web $r arn)
	is "$r: the deployment's ARN is that certificate" "$WEB" "$(emu_fp_at "$arn")"
	is "$r: state in-sync" in-sync "$(dep_get web $r state)"
done
is "$R4: untouched" 0 "$(emu_py "len(certs('$R4'))")"
ARN1=$(dep_get web $R1 arn)
ARN2=$(dep_get web $R2 arn)
ARN3=$(dep_get web $R3 arn)
like "ARNs are ACM ARNs of their region" "^arn:aws:acm:$R2:$ACCT:certificate/" "$ARN2"

tags=$(awsc acm list-tags-for-certificate --region $R1 --certificate-arn "$ARN1" 2>&1)
is "--tag reaches ACM" "env=test team=infra" \
    "$(echo "$tags" | jget '" ".join(sorted(t["Key"] + "=" + t.get("Value", "") for t in d["Tags"]))')"

# --- the same again, without --replace ---------------------------------
json=$(ctl --json deploy web --credential main --region $R1 --region $R2 2>/dev/null); rc=$?
is "deploy again exits 0" 0 "$rc"
like "deploy again: already in ACM" 'already in ACM' "$(echo "$json" | jget '" ".join(r["result"] for r in d["deployments"])')"
is "deploy again: the same ARN" "$ARN1" "$(echo "$json" | jget "[r for r in d['deployments'] if r['region'] == '$R1'][0]['arn']")"
is "no second certificate in $R1 or $R2" "1 1" "$(emu_py "'%d %d' % (len(certs('$R1')), len(certs('$R2')))")"
out=$(ctl deploy web --credential main --region $R3 2>&1)
like "deploy again (text): says already in ACM" 'already in ACM' "$out"

# --- a certificate without a key ---------------------------------------
CA=$(emu POST /_emu/pca "{\"account\":\"$ACCT\",\"region\":\"$R1\",\"common_name\":\"Deploy CA\"}" | jget 'd.get("arn") or d.get("CertificateAuthorityArn")')
ctl request private --credential main --region $R1 --ca "$CA" \
    --domain nokey.deploy.test --name nokey >"$T/req.out" 2>&1
if wait_for 20 ctl cert show nokey; then
	before=$(emu_py "len(certs('$R2'))")
	err=$(ctl deploy nokey --credential main --region $R2 2>&1); rc=$?
	is "keyless certificate: deploy exits 1" 1 "$rc"
	like "keyless certificate: says it has no private key" 'no private key' "$err"
	is "keyless certificate: nothing imported" "$before" "$(emu_py "len(certs('$R2'))")"
else
	check "a keyless certificate (private request) reached the repository" 1 "$(cat "$T/req.out")"
fi

# --- renewal: auto-redeploy onto the same ARN; the other stays ------------
ok "deploy app with --auto-redeploy to $R1" ctl deploy app --credential main --region $R1 --auto-redeploy
ok "deploy app without it to $R2" ctl deploy app --credential main --region $R2
AARN1=$(dep_get app $R1 arn)
AARN2=$(dep_get app $R2 arn)
is "app auto_redeploy flags" "True False" "$(dep_get app $R1 auto_redeploy) $(dep_get app $R2 auto_redeploy)"
ok "cert renew app (new certificate, same key type)" ctl cert renew app --cert "$T/app2.crt" --key "$T/app2.key" --chain "$T/ca.crt"
ok "$R1 follows to version 2 in-sync" wait_for 20 dep_vs app $R1 "2 in-sync"
is "$R1: the ARN is unchanged" "$AARN1" "$(dep_get app $R1 arn)"
is "$R1: ACM holds the new certificate at that ARN" "$(fp_of "$T/app2.crt")" "$(emu_fp_at "$AARN1")"
is "$R1: the serial at the ARN changed to the new one" "$(serial_of "$T/app2.crt")" "$(emu_serial_at "$AARN1")"
is "$R1: still one app certificate" 1 "$(emu_py "len([c for c in certs('$R1') if c['domain'] == 'app.deploy.test'])")"
is "$R2 (no auto-redeploy): still version 1" 1 "$(dep_get app $R2 version)"
is "$R2: ACM still holds the old certificate" "$(fp_of "$T/app1.crt")" "$(emu_fp_at "$AARN2")"
like "the log names the auto-redeploy" "auto-redeploying version 2" "$(cat "$DLOG")"

# --- changed in ACM behind acmd's back: mismatch, then sync -------------
awsc acm import-certificate --region $R1 --certificate-arn "$ARN1" \
    --certificate "fileb://$T/other.crt" --private-key "fileb://$T/other.key" \
    --certificate-chain "fileb://$T/ca.crt" >"$T/reimp.out" 2>&1
is "someone re-imported another certificate at $R1's ARN" "$(fp_of "$T/other.crt")" "$(emu_fp_at "$ARN1")"
ok "deploy check" ctl deploy check
ok "deploy list shows the mismatch" wait_for 15 dep_is web $R1 state mismatch
like "deploy list (text) shows it" "mismatch" "$(ctl deploy list web 2>&1)"
like "the log has ACMD_EVENT=deploy-mismatch with the ARN" "ACMD_EVENT=deploy-mismatch.*CERT_ARN=$ARN1" "$(cat "$DLOG")"
is "the other regions stay in-sync" "in-sync in-sync" "$(dep_get web $R2 state) $(dep_get web $R3 state)"
json=$(ctl --json sync 2>/dev/null); rc=$?
is "sync exits 0" 0 "$rc"
is "sync re-deployed web in $R1" "$R1" "$(echo "$json" | jget '" ".join(r["region"] for r in d["deployments"] if r["name"] == "web")')"
is "sync: ACM holds the repository's certificate at the ARN again" "$WEB" "$(emu_fp_at "$ARN1")"
is "sync: the same ARN" "$ARN1" "$(dep_get web $R1 arn)"
is "sync: state in-sync" in-sync "$(dep_get web $R1 state)"
is "sync: still one certificate in $R1 for web" 1 "$(emu_py "len([c for c in certs('$R1') if c['domain'] == 'web.deploy.test'])")"

# --- deleted in ACM: missing -----------------------------------------------
ok "delete the $R2 certificate in ACM" awsc acm delete-certificate --region $R2 --certificate-arn "$ARN2"
ok "deploy check" ctl deploy check
ok "deploy list shows it missing" wait_for 15 dep_is web $R2 state missing
like "the log has ACMD_EVENT=deploy-missing" "ACMD_EVENT=deploy-missing.*CERT_ARN=$ARN2" "$(cat "$DLOG")"

# --- deploy remove: forgotten, ACM untouched ----------------------------
out=$(ctl deploy remove web --region $R3 2>&1); rc=$?
is "deploy remove --region exits 0" 0 "$rc"
like "and says ACM was not changed" 'nothing was changed in ACM' "$out"
is "$R3 is no longer listed" "" "$(ctl --json deploy list web | jget '" ".join(r["region"] for r in d if r["region"] == "'$R3'")')"
is "ACM still has the certificate in $R3" "$WEB" "$(emu_fp_at "$ARN3")"
is "the other deployments stay" "$R2 $R1" "$(ctl --json deploy list web | jget '" ".join(sorted(r["region"] for r in d))')"
ctl deploy remove web --region $R3 >/dev/null 2>&1
is "deploy remove of nothing exits 1" 1 "$?"

# --- errors ------------------------------------------------------------------
n0=$(emu_py "sum(len(certs(r)) for r in ['$R1', '$R2', '$R3', '$R4'])")
err=$(ctl deploy web --credential main --region mars-north-7 2>&1); rc=$?
is "unknown region: a usage error (exit 2)" 2 "$rc"
like "unknown region: named, with the option" "^acmctl deploy: --region: unknown region 'mars-north-7'" "$err"
err=$(ctl deploy web --credential nosuch --region $R1 2>&1); rc=$?
is "unknown credential: exit 1" 1 "$rc"
like "unknown credential: named" "nosuch" "$err"
err=$(ctl deploy nosuchcert --credential main --region $R1 2>&1); rc=$?
is "unknown certificate: exit 1" 1 "$rc"
like "unknown certificate: says so" "no such certificate" "$err"
err=$(ctl deploy web --credential main 2>&1); rc=$?
like "no region: asks for one" "--region|--all-regions" "$err"
err=$(ctl deploy web --credential main --region $R1 --tag novalue 2>&1); rc=$?
is "bad tag: a usage error (exit 2)" 2 "$rc"
like "bad tag: KEY=VALUE" "KEY=VALUE" "$err"
is "none of the errors imported anything" "$n0" "$(emu_py "sum(len(certs(r)) for r in ['$R1', '$R2', '$R3', '$R4'])")"

# --- deploy list --json fields ---------------------------------------------
json=$(ctl --json deploy list)
is "deploy list --json: the fields" "account arn auto_redeploy kind last_error name region replace state tags version" \
    "$(echo "$json" | jget '" ".join(sorted(d[0].keys()))')"
is "deploy list --json: every deployment" "app/$R2 app/$R1 web/$R2 web/$R1" \
    "$(echo "$json" | jget '" ".join(sorted(r["name"] + "/" + r["region"] for r in d))')"
is "deploy list --json: the account" "$ACCT" "$(echo "$json" | jget 'd[0]["account"]')"
is "deploy list --json: version is a number" "True" "$(echo "$json" | jget 'all(isinstance(r["version"], int) for r in d)')"
is "deploy list --json: auto_redeploy is a boolean" "True" "$(echo "$json" | jget 'all(isinstance(r["auto_redeploy"], bool) for r in d)')"
is "deploy show: the full record has the tags" "env=test team=infra" \
    "$(ctl --json deploy show web | jget "' '.join(sorted(t['Key'] + '=' + t['Value'] for t in [r for r in d if r['region'] == '$R1'][0]['tags']))")"

# --- pacing: emulator quotas on, acmd's rate limits on --------------------
ok "acmd stops" stop_daemon
aws_conf "rate_limits = yes"
ok "acmd restarts with rate limits" start_daemon
mkkey "$T/rl1.key"; mkleaf "$T/rl1.crt" "$T/rl1.key" rl1.deploy.test
mkkey "$T/rl2.key"; mkleaf "$T/rl2.crt" "$T/rl2.key" rl2.deploy.test
ok "cert add rl1" ctl cert add rl1 --cert "$T/rl1.crt" --key "$T/rl1.key" --chain "$T/ca.crt"
ok "cert add rl2" ctl cert add rl2 --cert "$T/rl2.crt" --key "$T/rl2.key" --chain "$T/ca.crt"
emu POST /_emu/quotas '{"enabled":true}' >/dev/null
emu POST /_emu/stats/reset >/dev/null
# Two certificates to 4 regions at once: 2 ListCertificates and 2
# ImportCertificate per region, where the quota for each is 1/s.
for c in rl1 rl2; do
	ctl --json deploy $c --credential main --region $R1 --region $R2 \
	    --region $R3 --region $R4 >"$T/$c.json" 2>/dev/null &
	eval "pid_$c=\$!"
done
wait "$pid_rl1"; rc1=$?
wait "$pid_rl2"; rc2=$?
is "two deploys to 4 regions under quotas exit 0" "0 0" "$rc1 $rc2"
is "4 deployments each, none failed" "4 0 4 0" "$(for c in rl1 rl2; do jget '"%d %d" % (d["regions"], d["failed"])' <"$T/$c.json"; done | xargs)"
is "one rl1 and one rl2 certificate in each of the 4 regions" "1 1 1 1 1 1 1 1" \
    "$(for c in rl1 rl2; do for r in $R1 $R2 $R3 $R4; do emu_count $r "$(fp_of "$T/$c.crt")"; done; done | xargs)"
stats=$(emu GET /_emu/stats)
is "ListCertificates and ImportCertificate twice per region" "2 2 2 2 2 2 2 2" \
    "$(echo "$stats" | jget "' '.join(str(d['requests']['acm'][op].get(r, 0)) for op in ['ListCertificates', 'ImportCertificate'] for r in ['$R1', '$R2', '$R3', '$R4'])")"
is "zero throttled answers" 0 "$(echo "$stats" | jget 'd["throttled_total"]')"
emu POST /_emu/quotas '{"enabled":false}' >/dev/null
finish

#!/bin/bash
# Lifecycle against the emulator: ca list, renew, revoke, fetch-key, delete.
. "$top_srcdir/tests/integration/lib.sh"

AKID=AKIDEXAMPLE000000001
SECRET=emusecret0000000000000000000000000000001
ACCOUNT=111111111111
R=us-east-1

ok "emulator starts" start_emulator --no-quotas
E="http://127.0.0.1:$EMU_PORT"
write_conf "[aws]" "endpoint_url = $E" "regions = $R" "rate_limits = no"
ok "acmd starts" start_daemon
ok "credential added" sh -c "echo $SECRET | \"$ACMCTL\" -s \"$SOCK\" credential add main --access-key $AKID"

awsc() {
	AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$SECRET \
	    AWS_DEFAULT_REGION=$R AWS_CONFIG_FILE=/dev/null \
	    AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	    /usr/bin/aws --endpoint-url "$E" "$@"
}

# A private CA, listed.
CA=$(emu POST /_emu/pca "{\"account\":\"$ACCOUNT\",\"region\":\"$R\",\"common_name\":\"Lifecycle CA\"}" | jget 'd.get("arn") or d.get("CertificateAuthorityArn")')
like "emulator created a CA" '^arn:aws:acm-pca:' "$CA"
out=$(ctl ca list --credential main --region $R); rc=$?
is "ca list exits 0" 0 "$rc"
like "ca list shows the CA ACTIVE" 'Lifecycle CA +ACTIVE' "$out"
json=$(ctl --json ca list --credential main --region $R)
is "ca list --json has the arn" "$CA" "$(echo "$json" | jget 'd[0]["arn"]')"
ctl ca list --credential main --region xx-nowhere-1 >/dev/null 2>&1
is "ca list in an unknown region: a usage error (exit 2)" 2 "$?"
err=$(ctl ca list --credential main --region xx-nowhere-1 2>&1)
like "and names --region" '^acmctl ca list: --region: unknown region' "$err"

# Certificates: private, public (Amazon issued), imported.
# Through acmd's own request command; straight through the emulator if
# that fails.
VIA_REQUEST=1
PRIV=$(ctl --json request private --credential main --region $R --ca "$CA" \
    --domain app.corp.example 2>/dev/null | jget 'd.get("arn") or ""' 2>/dev/null)
if [ -z "$PRIV" ]; then
	VIA_REQUEST=0
	PRIV=$(awsc acm request-certificate --domain-name app.corp.example \
	    --certificate-authority-arn "$CA" --query CertificateArn \
	    --output text)
fi
like "private certificate requested" '^arn:aws:acm:' "$PRIV"
PUB=$(awsc acm request-certificate --domain-name www.example.com \
    --validation-method DNS --query CertificateArn --output text)
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/imp.key" \
    -out "$T/imp.crt" -days 30 -subj /CN=imported.example >/dev/null 2>&1
IMP=$(awsc acm import-certificate --certificate "fileb://$T/imp.crt" \
    --private-key "fileb://$T/imp.key" --query CertificateArn --output text)
like "imported certificate" '^arn:aws:acm:' "$IMP"

ok "discover" ctl discover
json=$(ctl --json acm show "$PRIV")
is "private certificate is in the inventory as Private" Private "$(echo "$json" | jget 'd["type"]')"
SERIAL1=$(echo "$json" | jget 'd["serial"]')

# fetch-key: exported, stored sealed, matching the certificate.
ctl fetch-key "$PRIV" </dev/null >/dev/null 2>"$T/fk.err"
is "fetch-key without --yes and no terminal exits 2" 2 "$?"
like "and warns about the charge" 'AWS charges for each export' "$(cat "$T/fk.err")"
json=$(ctl --json fetch-key "$PRIV" --yes 2>/dev/null); rc=$?
is "fetch-key --yes exits 0" 0 "$rc"
NAME=$(echo "$json" | jget 'd["name"]')
is "the certificate was named after its domain" app.corp.example "$NAME"
ok "cert export --with-key" ctl cert export "$NAME" --with-key --out "$T"
if [ -f "$T/$NAME.key" ]; then
	a=$(openssl pkey -in "$T/$NAME.key" -pubout 2>/dev/null)
	b=$(openssl x509 -in "$T/$NAME.crt" -pubkey -noout 2>/dev/null)
	check "the stored key matches the certificate" "$([ -n "$a" ] && [ "$a" = "$b" ]; echo $?)"
else
	check "the stored key matches the certificate" 1 "no $T/$NAME.key"
fi
check "no plain private key in the store" "$(! grep -aq 'PRIVATE KEY' "$T/state/data.mdb"; echo $?)"
unlike "no passphrase or key in the daemon log" 'PRIVATE KEY|Passphrase' "$(cat "$DLOG")"
err=$(ctl fetch-key "$PUB" --yes 2>&1); rc=$?
is "fetch-key of an Amazon-issued certificate exits 1" 1 "$rc"
like "with the AWS error" 'ValidationException.*not a private certificate' "$err"

# renew: a new version, a new serial, auto-redeploy follows.
ok "deploy with auto-redeploy" ctl deploy "$NAME" --credential main --region $R --auto-redeploy
DEPARN=$(ctl --json deploy list "$NAME" | jget 'd[0]["arn"]')
like "deployed to an ACM ARN" '^arn:aws:acm:' "$DEPARN"
json=$(ctl --json renew "$PRIV" --with-key --yes 2>/dev/null); rc=$?
is "renew exits 0" 0 "$rc"
is "renew made version 2" 2 "$(echo "$json" | jget 'd.get("version")')"
SERIAL2=$(echo "$json" | jget 'd.get("serial")')
check "the serial changed" "$([ -n "$SERIAL2" ] && [ "$SERIAL2" != "$SERIAL1" ]; echo $?)" "$SERIAL1 -> $SERIAL2"
vers=$(ctl --json cert show "$NAME" | jget 'len(d["versions"])')
is "cert show has two versions" 2 "$vers"
st=
for i in $(seq 1 50); do
	st=$(ctl --json deploy list "$NAME" | jget '"%s %s" % (d[0]["version"], d[0]["state"])')
	[ "$st" = "2 in-sync" ] && break
	sleep 0.2
done
is "auto-redeploy re-imported version 2" "2 in-sync" "$st"
fp2=$(ctl --json cert show "$NAME" | jget '[v for v in d["versions"] if v["version"] == 2][0]["sha256"]')
fpacm=$(emu GET /_emu/state | jget "[c for c in d['accounts']['$ACCOUNT']['regions']['$R']['certificates'] if c['arn'] == '$DEPARN'][0]['fingerprint']" 2>/dev/null)
like "ACM holds version 2 at the deployed ARN" "$(echo "$fp2" | cut -c1-16)" "$(echo "$fpacm" | tr -d ':' | tr A-F a-f)"
err=$(ctl renew "$IMP" 2>&1); rc=$?
is "renew of an imported certificate exits 1" 1 "$rc"
like "with EUNSUPPORTED and why" 'imported ones are renewed by importing.*EUNSUPPORTED' "$err"

# revoke
err=$(ctl revoke "$PRIV" --reason sometimes 2>&1); rc=$?
is "revoke with an unknown reason: a usage error (exit 2)" 2 "$rc"
like "revoke with an unknown reason: names --reason" '^acmctl revoke: --reason: unknown revocation reason' "$err"
err=$(ctl revoke "$PRIV" 2>&1); rc=$?
is "revoke without --reason: a usage error (exit 2)" 2 "$rc"
like "revoke without --reason: names the option as typed" '^acmctl revoke: --reason is required' "$err"
json=$(ctl --json revoke "$PRIV" --reason key-compromise 2>&1); rc=$?
is "revoke exits 0" 0 "$rc"
is "revoke says KEY_COMPROMISE" KEY_COMPROMISE "$(echo "$json" | jget 'd.get("reason")')"
rev=$(emu GET /_emu/state | jget "[r['serial'] for r in d['revoked'].get('$CA', [])]")
like "the emulator's CA has the serial revoked" "$SERIAL2" "$rev"
is "acm show says REVOKED" REVOKED "$(ctl --json acm show "$PRIV" | jget 'd["status"]')"
is "revoke names the repository version" "$NAME 2" "$(echo "$json" | jget '"%s %s" % (d.get("name"), d.get("version"))')"
is "the repository version is marked revoked" True "$(ctl --json cert show "$NAME" | jget 'd["version"] == 2 and d.get("revoked")')"
err=$(ctl revoke "$PUB" --reason superseded 2>&1); rc=$?
is "revoke of a public certificate exits 1" 1 "$rc"
like "with EUNSUPPORTED" 'only possible for private certificates.*EUNSUPPORTED' "$err"

# unknown and malformed ARNs
NOPE="arn:aws:acm:$R:$ACCOUNT:certificate/00000000-0000-0000-0000-000000000000"
err=$(ctl renew "$NOPE" 2>&1)
like "renew of an unknown ARN: ENOTFOUND" 'ENOTFOUND' "$err"
err=$(ctl revoke "$NOPE" --reason superseded 2>&1)
like "revoke of an unknown ARN: ENOTFOUND" 'ENOTFOUND' "$err"
err=$(ctl delete "$NOPE" --yes 2>&1)
like "delete of an unknown ARN: ENOTFOUND" 'ENOTFOUND' "$err"
err=$(ctl delete not-an-arn --yes 2>&1); rc=$?
is "delete of something else: a usage error (exit 2)" 2 "$rc"
like "delete of something else: names the ARN argument" "^acmctl delete: ARN: 'not-an-arn' is not an ACM" "$err"

# delete: from acmd only
ctl delete "$PUB" </dev/null >/dev/null 2>&1
is "delete without --yes and no terminal exits 2" 2 "$?"
json=$(ctl --json delete "$PUB" --yes 2>/dev/null); rc=$?
is "delete --yes exits 0" 0 "$rc"
like "the reply says ACM was not touched" 'ACM was not touched' "$json"
is "the reply names the ARN" "$PUB" "$(echo "$json" | jget 'd["deleted"]')"
unlike "gone from acm list" "$PUB" "$(ctl --json acm list)"
ok "ACM still has it" awsc acm describe-certificate --certificate-arn "$PUB"
# The private certificate: its request and deployment records go too
# (deploy may have adopted the private certificate's own ARN).
ctl discover >/dev/null 2>&1
json=$(ctl --json delete "$PRIV" --yes 2>/dev/null)
is "deleting the requested ARN forgets its request" "$VIA_REQUEST" "$(echo "$json" | jget 'd["requests_forgotten"]')"
deps=$(echo "$json" | jget 'd["deployments_forgotten"]')
if [ "$DEPARN" != "$PRIV" ]; then
	json=$(ctl --json delete "$DEPARN" --yes 2>/dev/null)
	deps=$((deps + $(echo "$json" | jget 'd["deployments_forgotten"]')))
fi
is "and its deployment" 1 "$deps"
is "deploy list no longer has it" 0 "$(ctl --json deploy list "$NAME" | jget 'len(d)')"
unlike "gone from request list" "$PRIV" "$(ctl --json request list 2>/dev/null)"

finish

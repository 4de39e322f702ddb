#!/bin/bash
# ACM certificates on servers outside AWS, end to end against the emulator:
# an exportable public certificate validated through Route 53 and a private
# one, requested --auto-export, their keys exported once, written into file
# targets; ACM renews them (the emulator's managed renewal), the next
# discovery re-exports each key once, the files are rewritten and reload
# runs once; kill -9 at steps of that chain loses nothing and exports
# nothing twice.  Also: --exportable's rules, fetch-key of an exportable
# public certificate, request auto-export, exports in the audit log.
. "$top_srcdir/tests/integration/lib.sh"

ACCT=111111111111
AKID=AKIDEXAMPLE000000001
SECRET=emusecret0000000000000000000000000000001
R=us-east-1
TG=$T/tgt
mkdir -p "$TG/pub" "$TG/priv" "$TG/other"
cat >"$T/reload.sh" <<'EOF'
#!/bin/sh
echo "$2" >>"$1"
EOF
chmod 755 "$T/reload.sh"
: >"$T/pubruns"
: >"$T/privruns"

ok "emulator starts" start_emulator --no-quotas --validation-delay 1 \
    --change-delay 1
E=http://127.0.0.1:$EMU_PORT
write_conf "target_dirs = $TG" "[aws]" "endpoint_url = $E" "regions = $R" \
    "rate_limits = no" "" "[target pub]" "fullchain = $TG/pub/fullchain.pem" \
    "key = $TG/pub/key.pem" "reload = $T/reload.sh $T/pubruns pub" "" \
    "[target priv]" "cert = $TG/priv/cert.pem" "chain = $TG/priv/chain.pem" \
    "key = $TG/priv/key.pem" "reload = $T/reload.sh $T/privruns priv" "" \
    "[target other]" "fullchain = $TG/other/full.pem" "key = $TG/other/key.pem"
ok "acmd starts" start_daemon
ok "credential add" sh -c "echo $SECRET | \"$ACMCTL\" -s \"$SOCK\" credential add main --access-key $AKID"

awsc() {
	HOME=$T AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$SECRET \
	AWS_DEFAULT_REGION=$R AWS_CONFIG_FILE=/dev/null \
	AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	    /usr/bin/aws --endpoint-url "$E" --output json "$@"
}
exports() {	# ExportCertificate calls the emulator answered
	emu GET /_emu/stats | jget 'sum(d["requests"].get("acm", {}).get("ExportCertificate", {}).values())'
}
field() { ctl --json request show "$1" | jget "$2"; }
key_stored() { [ "$(field "$1" '(d.get("key_export") or {}).get("state")')" = stored ]; }
emu_serial() { emu GET /_emu/state | jget "[c['serial'] for c in d['accounts']['$ACCT']['regions']['$R']['certificates'] if c['arn'] == '$1'][0]"; }
file_serial() {	# the serial of a PEM file as AWS writes it
	openssl x509 -in "$1" -noout -serial | sed 's/^serial=//' | tr 'A-F' 'a-f' | sed 's/../&:/g; s/:$//'
}
serial_is() { [ "$(file_serial "$1")" = "$2" ]; }
same_key() {	# same_key CERT KEY
	[ "$(openssl x509 -in "$1" -noout -pubkey)" = "$(openssl pkey -in "$2" -pubout 2>/dev/null)" ]
}
lines() { wc -l <"$1"; }
audit_exports() { ctl --json audit | jget "len([e for e in d if e['cmd'] == 'ExportCertificate' and e['args']['arn'] == '$1'])"; }

ZID=$(awsc route53 create-hosted-zone --name example.com --caller-reference ref-1 | jget 'd["HostedZone"]["Id"].split("/")[-1]')
like "Route 53 zone example.com" '^Z' "$ZID"

# --- --exportable: what ACM allows ----------------------------------------------
pub() { ctl --json request public --credential main --region $R "$@"; }
out=$(ctl request public --credential main --region $R --domain x.example.com --validation dns --with-key 2>&1); rc=$?
is "--with-key on a public request without --exportable: usage error" 2 "$rc"
like "  saying why" "only an exportable public certificate has a key to export: add --exportable" "$out"
out=$(ctl request public --credential main --region $R --domain x.example.com --validation dns --auto-export 2>&1); rc=$?
is "--auto-export without --exportable: usage error" 2 "$rc"
EM=$(pub --domain mail.example.com --validation email --exportable | jget 'd["id"]')
like "--exportable with e-mail validation is accepted (as ACM does)" '^r-' "$EM"

# --- an exportable public certificate, --auto-export -----------------------------
json=$(pub --domain app.example.com --validation dns --hosted-zone "$ZID" --exportable --auto-export --name app)
PUB=$(echo "$json" | jget 'd["id"]')
PARN=$(echo "$json" | jget 'd["arn"]')
like "request public --exportable --auto-export" '^r-' "$PUB"
like "  says once that AWS charges for each export" "AWS charges for each export" "$(echo "$json" | jget 'd["note"]')"
is "  recorded exportable, with_key, auto_export" "True True True" "$(echo "$json" | jget '" ".join(str(d[k]) for k in ("exportable", "with_key", "auto_export"))')"
is "ACM was asked for Options.Export ENABLED" ENABLED "$(emu GET /_emu/state | jget "[c['export_option'] for c in d['accounts']['$ACCT']['regions']['$R']['certificates'] if c['arn'] == '$PARN'][0]")"
ok "the request is issued and its key stored" poll 90 key_stored "$PUB"
like "request list shows it exportable, its key stored, auto-export" "$PUB +app\.example\.com .* yes +stored +yes" "$(ctl request list)"
is "one export so far" 1 "$(exports)"
is "  counted in the audit log" 1 "$(audit_exports "$PARN")"
ok "discover (links the ARN to the repository version)" ctl discover
ok "deploy app --target pub --auto-redeploy" ctl deploy app --target pub --auto-redeploy
ok "the target's key matches its certificate" same_key "$TG/pub/fullchain.pem" "$TG/pub/key.pem"
is "the target holds ACM's certificate" "$(emu_serial "$PARN")" "$(file_serial "$TG/pub/fullchain.pem")"
is "reload ran once" 1 "$(lines "$T/pubruns")"

# fetch-key of an exportable public certificate requested without a key
X=$(pub --domain api.example.com --validation dns --hosted-zone "$ZID" --exportable --name api | jget 'd["id"]')
XARN=$(field "$X" 'd["arn"]')
ok "exportable request without --with-key issued" poll 90 sh -c "[ \"\$(\"$ACMCTL\" -s \"$SOCK\" --json request show $X | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"status\"])')\" = Issued ]"
is "  no export for it" 1 "$(exports)"
json=$(ctl --json fetch-key "$XARN" --yes); rc=$?
is "fetch-key of an exportable public certificate" 0 "$rc"
is "  stored the key with its version" True "$(echo "$json" | jget 'd["has_key"]')"
is "  one export more" 2 "$(exports)"
ok "discover" ctl discover
out=$(ctl fetch-key "$XARN" --yes 2>&1); rc=$?
is "fetch-key again for the same version: refused (exit 1)" 1 "$rc"
like "  saying it is not exported twice" "has its key in the repository already: not exported again" "$out"
is "  no export" 2 "$(exports)"
NARN=$(awsc acm request-certificate --domain-name plain.example.com --validation-method DNS --query CertificateArn --output text)
out=$(ctl fetch-key "$NARN" --credential main --yes 2>&1); rc=$?
is "fetch-key of a public certificate that is not exportable: AWS's refusal" 1 "$rc"
like "  ValidationException" "EAWS|ValidationException|not" "$out"

# --- a private certificate, --auto-export ------------------------------------------
CA=$(emu POST /_emu/pca "{\"account\":\"$ACCT\",\"region\":\"$R\",\"common_name\":\"Corp CA\"}" | jget 'd.get("arn") or d.get("CertificateAuthorityArn")')
PV=$(ctl --json request private --credential main --region $R --ca "$CA" --domain svc.corp.example --auto-export --name svc | jget 'd["id"]')
VARN=$(field "$PV" 'd["arn"]')
ok "private request --auto-export: issued, key stored" poll 90 key_stored "$PV"
ok "discover" ctl discover
ok "deploy svc --target priv --auto-redeploy" ctl deploy svc --target priv --auto-redeploy
ok "  key matches" same_key "$TG/priv/cert.pem" "$TG/priv/key.pem"
E0=$(exports)

# --- ACM renews both; the next discovery re-exports --------------------------------
renew_emu() { emu POST /_emu/renew "{\"arn\":\"$1\"}" | jget 'd["renewal_status"]'; }
is "the emulator renews the public certificate" SUCCESS "$(renew_emu "$PARN")"
is "the emulator renews the private certificate" SUCCESS "$(renew_emu "$VARN")"
S_PUB=$(emu_serial "$PARN")
S_PRIV=$(emu_serial "$VARN")
ok "discover" ctl discover
ok "the public target gets the renewed certificate" poll 90 serial_is "$TG/pub/fullchain.pem" "$S_PUB"
ok "the private target too" poll 90 serial_is "$TG/priv/cert.pem" "$S_PRIV"
poll 30 sh -c "[ \$(wc -l <$T/pubruns) -ge 2 ] && [ \$(wc -l <$T/privruns) -ge 2 ]"
sleep 1
is "  public: the new serial" "$S_PUB" "$(file_serial "$TG/pub/fullchain.pem")"
ok "  public: its new key" same_key "$TG/pub/fullchain.pem" "$TG/pub/key.pem"
is "  private: the new serial" "$S_PRIV" "$(file_serial "$TG/priv/cert.pem")"
ok "  private: its new key" same_key "$TG/priv/cert.pem" "$TG/priv/key.pem"
is "  one export each" $((E0 + 2)) "$(exports)"
is "  reload ran once more for each" "2 2" "$(lines "$T/pubruns") $(lines "$T/privruns")"
is "  the request follows version 2" 2 "$(field "$PUB" 'd["version"]')"
is "  audit log: two exports of the public ARN" 2 "$(audit_exports "$PARN")"
ok "discover again" ctl discover
sleep 6
is "  nothing exported again" $((E0 + 2)) "$(exports)"
is "  nothing reloaded again" "2 2" "$(lines "$T/pubruns") $(lines "$T/privruns")"

# acmd's own renew of an auto-export private certificate exports its key too
E01=$(exports)
json=$(ctl --json renew "$VARN"); rc=$?
is "renew of the auto-export private certificate (no --with-key)" 0 "$rc"
is "  the new version has its key" True "$(echo "$json" | jget 'd.get("has_key")')"
ok "  the private target follows" poll 90 serial_is "$TG/priv/cert.pem" "$(emu_serial "$VARN")"
ok "  with its key" same_key "$TG/priv/cert.pem" "$TG/priv/key.pem"
is "  one export" $((E01 + 1)) "$(exports)"

# --- request auto-export --off ------------------------------------------------------
ok "request auto-export --off" ctl request auto-export "$PV" --off
is "  recorded" False "$(field "$PV" 'd["auto_export"]')"
ok "  and on again" ctl request auto-export "$PV"
NE=$(pub --domain plain2.example.com --validation email | jget 'd["id"]')
out=$(ctl request auto-export "$NE" 2>&1); rc=$?
is "auto-export of a public request that is not exportable: refused (exit 1)" 1 "$rc"
like "  saying ACM cannot make it exportable afterwards" "not requested --exportable" "$out"
out=$(ctl request auto-export r-999 2>&1); rc=$?
is "auto-export of an unknown request: not found (exit 1)" 1 "$rc"

# --- a certificate acmd did not request, marked later by its ARN ----------------
OARN=$(awsc acm request-certificate --domain-name other.corp.example --certificate-authority-arn "$CA" --query CertificateArn --output text)
ok "discover (a private certificate issued outside acmd)" ctl discover
out=$(ctl request auto-export "$OARN" 2>&1); rc=$?
is "auto-export of it before its key is in the repository: refused (exit 1)" 1 "$rc"
like "  saying to fetch it first" "not in the repository yet \(fetch-key it first\)" "$out"
ok "fetch-key" ctl fetch-key "$OARN" --yes
json=$(ctl --json request auto-export "$OARN"); rc=$?
is "request auto-export ARN: a request record made for it" 0 "$rc"
OID=$(echo "$json" | jget 'd["id"]')
is "  Issued, adopted, its key stored, auto-export" "Issued True stored True" "$(echo "$json" | jget '" ".join(str(x) for x in (d["status"], d["adopted"], d["key_export"]["state"], d["auto_export"]))')"
out=$(ctl deploy other.corp.example --target priv 2>&1); rc=$?
is "deploy it into the target of another certificate: refused (exit 1)" 1 "$rc"
like "  one certificate per target" "target priv holds svc's deployment \(one certificate per target\)" "$out"
ok "deploy it into its own target" ctl deploy other.corp.example --target other --auto-redeploy
E3=$(exports)
is "the emulator renews it" SUCCESS "$(renew_emu "$OARN")"
ok "discover" ctl discover
ok "its key is exported again and the target rewritten" poll 90 serial_is "$TG/other/full.pem" "$(emu_serial "$OARN")"
ok "  with its key" same_key "$TG/other/full.pem" "$TG/other/key.pem"
is "  one export" $((E3 + 1)) "$(exports)"
out=$(ctl request auto-export "$NARN" 2>&1); rc=$?
is "auto-export by ARN of a public certificate that is not exportable: refused" 1 "$rc"
like "  saying why" "only private and exportable public certificates" "$out"

# --- kill -9 along the chain -----------------------------------------------------------
E1=$(exports)
is "renewal 2 of the public certificate" SUCCESS "$(renew_emu "$PARN")"
ok "discover" ctl discover
kill_daemon
ok "acmd killed right after the discovery that saw the renewal; it starts again" start_daemon
ok "the key is exported after the restart and the target rewritten" poll 90 sh -c "[ \$(wc -l <$T/pubruns) -ge 3 ]"
is "  the new serial in the files" "$(emu_serial "$PARN")" "$(file_serial "$TG/pub/fullchain.pem")"
ok "  its key" same_key "$TG/pub/fullchain.pem" "$TG/pub/key.pem"
is "  exported once" $((E1 + 1)) "$(exports)"

E2=$(exports)
is "renewal 3" SUCCESS "$(renew_emu "$PARN")"
ok "discover" ctl discover
ok "the key stored" poll 90 sh -c "[ \$(\"$ACMCTL\" -s \"$SOCK\" --json request show $PUB | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"version\"])') -ge 4 ] && [ \"\$(\"$ACMCTL\" -s \"$SOCK\" --json request show $PUB | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[\"key_export\"].get(\"state\"))')\" = stored ]"
kill_daemon
ok "acmd killed once the key was stored; it starts again" start_daemon
ok "the target is rewritten" poll 90 serial_is "$TG/pub/fullchain.pem" "$(emu_serial "$PARN")"
ok "  its key" same_key "$TG/pub/fullchain.pem" "$TG/pub/key.pem"
is "  still one export for that renewal" $((E2 + 1)) "$(exports)"
is "  deploy list: in-sync" in-sync "$(ctl --json deploy list app | jget 'd[0]["state"]')"
unlike "no key in the log" "PRIVATE KEY" "$(cat "$DLOG")"

finish

# Helpers for the renewal tests (renew_crash.sh, renew_resend.sh): a
# private certificate of a CA in the emulator, in region $R, and what
# the emulator and acmd recorded of its renewals.  Sourced after
# deploylib.sh.

stat_n() {	# stat_n OPERATION: ACM calls of it since the last stats reset
	emu GET /_emu/stats | jget "d['requests'].get('acm', {}).get('$1', {}).get('$R', 0)"
}
at_least() { [ "$(stat_n "$1")" -ge "$2" ]; }
renewals() { ctl --json status | jget 'd["counts"]["renewals"]'; }
nversions() { ctl --json cert show "$NAME" | jget 'len(d["versions"])'; }
settled() {	# settled N: no renewal recorded, N versions, the last with its key
	[ "$(renewals)" = 0 ] && [ "$(nversions)" = "$1" ] && keyed "$NAME"
}
in_log() { grep -q -- "$1" "$DLOG"; }

# private_cert DOMAIN CA-NAME: a CA and a private certificate of it in
# ACM ($CA, $PRIV), discovered, its key fetched into the repository
# ($NAME, version 1).
private_cert() {
	CA=$(emu POST /_emu/pca "{\"account\":\"$ACCT\",\"region\":\"$R\",\"common_name\":\"$2\"}" | jget 'd.get("arn") or d.get("CertificateAuthorityArn")')
	like "emulator created a CA" '^arn:aws:acm-pca:' "$CA"
	PRIV=$(awsc acm request-certificate --domain-name "$1" \
	    --certificate-authority-arn "$CA" --query CertificateArn --output text)
	like "private certificate requested" '^arn:aws:acm:' "$PRIV"
	ok "discover" ctl discover
	NAME=$(ctl --json fetch-key "$PRIV" --yes 2>/dev/null | jget 'd["name"]')
	is "fetch-key stored version 1" 1 "$(nversions)"
}

#!/bin/bash
# Watched directories: a certbot-like live/ tree (symlinks into archive/)
# creates the certificate, a certbot-style renewal (symlinks swapped one at
# a time) gives exactly one new version, auto-redeployed onto the same ARN;
# a watch without create = yes warns about an unknown certificate.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"

R1=us-east-1
D=www.watch.test
LE=$T/le
mkdir -p "$LE/live/$D" "$LE/archive/$D" "$T/manual/nothere.watch.test"
mkca
A=$LE/archive/$D
mkkey "$A/privkey1.pem"; mkleaf "$A/cert1.pem" "$A/privkey1.pem" $D
cp "$T/ca.crt" "$A/chain1.pem"; cat "$A/cert1.pem" "$A/chain1.pem" >"$A/fullchain1.pem"
for f in cert chain fullchain privkey; do
	ln -s "../../archive/$D/${f}1.pem" "$LE/live/$D/$f.pem"
done
# Not in the repository, and its watch may not create it.
mkkey "$T/manual/nothere.watch.test/privkey.pem"
mkleaf "$T/manual/nothere.watch.test/cert.pem" "$T/manual/nothere.watch.test/privkey.pem" nothere.watch.test

ok "emulator starts" start_emulator --no-quotas
E=http://127.0.0.1:$EMU_PORT
write_conf "[aws]" "endpoint_url = $E" "regions = $R1" "rate_limits = no" \
    "[jobs]" "mismatch_interval = 1h" \
    "[watch le]" "path = $LE/live" "create = yes" \
    "[watch manual]" "path = $T/manual"
ok "acmd -n accepts the [watch] sections" "$ACMD" -n -c "$CONF"
ok "acmd starts" start_daemon
ok "credential add" add_credential

versions() { ctl --json cert show $D 2>/dev/null | jget 'len(d["versions"])'; }
has_versions() { [ "$(versions)" = "$1" ]; }
ok "the watched certificate appears in the repository" wait_for 15 has_versions 1
is "named after the live/ subdirectory, with the certificate's sha256" "$(fp_of "$A/cert1.pem")" \
    "$(ctl --json cert show $D | jget '(d.get("sha256") or d["versions"][-1]["sha256"]).replace(":", "").lower()')"
like "the log says where it came from" "watch le: $D: version 1 of $D from $LE/live/$D" "$(cat "$DLOG")"

ok "deploy it with --auto-redeploy" ctl deploy $D --credential main --region $R1 --auto-redeploy
ARN=$(dep_get $D $R1 arn)
is "ACM holds version 1" "$(fp_of "$A/cert1.pem")" "$(emu_fp_at "$ARN")"

# Renew like certbot: new files in archive/, then each symlink swapped
# (ln -s + mv -T), with a pause between the certificate and the key.
mkkey "$A/privkey2.pem"; mkleaf "$A/cert2.pem" "$A/privkey2.pem" $D
cp "$T/ca.crt" "$A/chain2.pem"; cat "$A/cert2.pem" "$A/chain2.pem" >"$A/fullchain2.pem"
swap() {
	ln -s "../../archive/$D/${1}2.pem" "$LE/live/$D/.$1.new"
	mv -T "$LE/live/$D/.$1.new" "$LE/live/$D/$1.pem"
}
swap cert; swap chain; swap fullchain
sleep 1.5
swap privkey
ok "the renewal becomes version 2" wait_for 15 has_versions 2
sleep 3	# settle and retry timers: nothing more may come
is "exactly one new version (2, not 3)" 2 "$(versions)"
like "the half-swapped state was seen as not ready" "watch le: $LE/live/$D not ready" "$(cat "$DLOG")"
is "version 2 is the new certificate" "$(fp_of "$A/cert2.pem")" \
    "$(ctl --json cert show $D | jget '[v for v in d["versions"] if v["version"] == 2][0]["sha256"].replace(":", "").lower()')"
ok "the deployment follows to version 2" wait_for 20 dep_vs $D $R1 "2 in-sync"
is "at the same ARN" "$ARN" "$(dep_get $D $R1 arn)"
is "ACM holds the new certificate at that ARN" "$(fp_of "$A/cert2.pem")" "$(emu_fp_at "$ARN")"
is "one certificate in ACM for the domain" 1 "$(emu_py "len([c for c in certs('$R1') if c['domain'] == '$D'])")"

# create = no: a warning, nothing added.
like "create = no: a warning names the missing certificate" \
    "watch manual: $T/manual/nothere.watch.test has a certificate for 'nothere.watch.test', which is not in the repository" \
    "$(cat "$DLOG")"
ctl cert show nothere.watch.test >/dev/null 2>&1
is "create = no: nothing added" 1 "$?"
is "the repository holds only the certbot certificate" "$D" "$(ctl --json cert list | jget '" ".join(sorted(r["name"] for r in d))')"
finish

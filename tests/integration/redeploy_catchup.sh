#!/bin/bash
# The redeploy job's catch-up pass (every 30 s) reads each certificate's
# newest deployable version once, however many deployments follow it:
# two certificates auto-redeployed to three regions each are 6
# deployments and 2 reads (the debug log counts them).  The answer read
# once serves every deployment of the name: after acmd is killed where
# the auto-redeploys of a new version would start (gdb), the pass brings
# all three regions of that certificate to it.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"
REGIONS="us-east-1 eu-west-1 ap-southeast-2"

ok "emulator starts" start_emulator --no-quotas
write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
    "regions = $REGIONS" "rate_limits = no" "[jobs]" "discovery_interval = 0" \
    "mismatch_interval = 0"
ok "acmd starts" start_daemon
ok "credential added" add_credential

mkca
mkkey "$T/web.key"; mkleaf "$T/web1.crt" "$T/web.key" web.catchup.test
mkleaf "$T/web2.crt" "$T/web.key" web.catchup.test
mkkey "$T/api.key"; mkleaf "$T/api1.crt" "$T/api.key" api.catchup.test
regargs=""
for r in $REGIONS; do regargs="$regargs --region $r"; done
for n in web api; do
	ok "cert add $n" ctl cert add $n --cert "$T/${n}1.crt" --key "$T/$n.key" --chain "$T/ca.crt"
	# shellcheck disable=SC2086
	ok "deploy $n to 3 regions --auto-redeploy" ctl deploy $n --credential main $regargs --auto-redeploy
done
all_at() {	# all_at NAME "VERSION STATE": in every region
	local r
	for r in $REGIONS; do
		[ "$(dep_get "$1" "$r" version) $(dep_get "$1" "$r" state)" = "$2" ] || return 1
	done
}
ok "web in sync at version 1 in the 3 regions" all_at web "1 in-sync"
ok "api too" all_at api "1 in-sync"

# The pass after a start (2 s after it): 6 deployments, 2 reads.
ok "acmd stops" stop_daemon
: >"$DLOG"
ok "acmd starts again" start_daemon
passed() { grep -q "deploy: catch-up pass: " "$DLOG"; }
ok "the redeploy job made a catch-up pass" wait_for 20 passed
like "  6 deployments, each certificate read once" \
    "deploy: catch-up pass: 6 deployments, 2 certificates read" \
    "$(grep "deploy: catch-up pass: " "$DLOG" | head -1)"

# Killed where the auto-redeploys of web's version 2 would start.
killed_at deploy_new_version "cert renew web" \
    ctl cert renew web --cert "$T/web2.crt" --key "$T/web.key" --chain "$T/ca.crt"
: >"$DLOG"
ok "acmd starts again" start_daemon
is "web version 2 was stored" 2 "$(ctl --json cert show web | jget 'max(v["version"] for v in d["versions"])')"
ok "the catch-up pass brings web to version 2 in the 3 regions" wait_for 30 all_at web "2 in-sync"
ok "api stays at version 1" all_at api "1 in-sync"
for r in $REGIONS; do
	is "  ACM in $r holds web version 2" "$(fp_of "$T/web2.crt")" "$(emu_fp_at "$(dep_get web "$r" arn)")"
done
is "the log says so for each region" 3 "$(grep -c "deploy: web/$ACCT/[a-z0-9-]*: at version 1, behind version 2 .*auto-redeploying" "$DLOG")"
like "that pass read each certificate once" \
    "deploy: catch-up pass: 6 deployments, 2 certificates read" \
    "$(grep "deploy: catch-up pass: " "$DLOG" | head -1)"

finish

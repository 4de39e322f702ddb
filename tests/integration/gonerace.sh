#!/bin/bash
# Two ways a kill or a race left ACM and the repository apart (found by
# the fault campaign, scripts/faults.sh, seed 5005):
# 1. A deploy's import into a region while a discovery of that region was
#    under way: the listing could not have the new certificate, and the
#    discovery marked it gone (and wrote back the record it had read
#    before the deploy linked it).  What was written since the listing
#    started is not marked gone.
# 2. acmd killed after storing a new version but before starting its
#    auto-redeploys (gdb stops acmd where the redeploys would start and
#    kills it): the redeploy job finds the deployments behind the newest
#    version after the restart and redeploys them.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"
R=us-east-1
start_one_region

emu POST /_emu/seed '{"account":"'$ACCT'","regions":["'$R'"],"count_per_region":6,"types":["IMPORTED"],"domain_prefix":"race"}' >/dev/null
mkca
mkkey "$T/web.key"; mkleaf "$T/web1.crt" "$T/web.key" web.race.test
mkleaf "$T/web2.crt" "$T/web.key" web.race.test
ok "cert add web" ctl cert add web --cert "$T/web1.crt" --key "$T/web.key" --chain "$T/ca.crt"

# 1. Describes held 4 s: the discovery has listed the region and waits.
emu POST /_emu/faults '{"service":"acm","operation":"DescribeCertificate","delay_ms":4000}' >/dev/null
emu POST /_emu/stats/reset >/dev/null
listed() { [ "$(emu GET /_emu/stats | jget "d['requests'].get('acm', {}).get('ListCertificates', {}).get('$R', 0)")" -ge 1 ]; }
ctl discover >"$T/disc.out" 2>&1 &
DISC=$!
ok "the discovery has listed the region" poll 10 listed
ok "deploy web --auto-redeploy while it runs" ctl deploy web --credential main --region $R --auto-redeploy
ARN=$(dep_get web $R arn)
like "web is in ACM" '^arn:aws:acm:' "$ARN"
wait "$DISC"
is "the discovery ended well" 0 "$?"
emu DELETE /_emu/faults >/dev/null
like "the discovery found the 6 it listed" "found 6|6 found" "$(cat "$T/disc.out")"
is "web's certificate is not marked gone" False "$(ctl --json acm show "$ARN" | jget 'bool(d.get("gone"))')"
is "and is linked to web version 1" "web 1" "$(ctl --json acm show "$ARN" | jget '"%s %s" % ((d.get("linked") or {}).get("name"), (d.get("linked") or {}).get("version"))')"
ok "a second discovery" ctl discover
is "still not gone" False "$(ctl --json acm show "$ARN" | jget 'bool(d.get("gone"))')"
is "deploy list: in sync at version 1" "1 in-sync" "$(dep_get web $R version) $(dep_get web $R state)"

# 2. Killed where the auto-redeploys of a new version would start.
killed_at deploy_new_version "cert renew web" \
    ctl cert renew web --cert "$T/web2.crt" --key "$T/web.key" --chain "$T/ca.crt"
ok "acmd starts again" start_daemon
is "version 2 was stored" 2 "$(ctl --json cert show web | jget 'max(v["version"] for v in d["versions"])')"
redeployed() { [ "$(dep_get web $R version) $(dep_get web $R state)" = "2 in-sync" ]; }
ok "the redeploy job follows version 2 after the restart" wait_for 30 redeployed
is "ACM holds version 2 at the same ARN" "$(fp_of "$T/web2.crt")" "$(emu_fp_at "$ARN")"
is "no second import" 1 "$(emu_count $R "$(fp_of "$T/web2.crt")")"
like "the log says why" "web/$ACCT/$R: at version 1, behind version 2 .*auto-redeploying" "$(cat "$DLOG")"

finish

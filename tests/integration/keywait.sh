#!/bin/bash
# A deployment whose newer version waits for its key: a private
# certificate, deployed with --auto-redeploy, is renewed with --with-key
# while ExportCertificate fails; discovery stores the renewed version
# without its key.  The deployment shows waiting-for-key (not failed),
# keeps the version ACM has, and status counts the work pending.
# acmctl sync starts the renewal backing off now: the key arrives and the
# deployment follows at once.  When the key is given up (every answer lost
# after ACM exported), the deployment is in sync again at the version ACM
# holds (shown outdated), not waiting for ever.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"	# ACCT, awsc, add_credential, wait_for
R=us-east-1

ok "emulator starts" start_emulator --no-quotas
write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
    "regions = $R" "rate_limits = no" "max_attempts = 3" \
    "[jobs]" "discovery_interval = 0"
ok "acmd starts" start_daemon
ok "credential added" add_credential

dep() {	# dep EXPR: an expression of the deploy list row (r) as JSON
	ctl --json deploy list "$NAME" | jget "(lambda r: $1)(d[0])"
}
pending() { ctl --json status | jget "d['pending']['$1']"; }
nversions() { ctl --json cert show "$NAME" | jget 'len(d["versions"])'; }
ver_key() {	# ver_key N: whether version N (the current one) has its key
	ctl --json cert show "$NAME" | jget "d['version'] == $1 and d['has_key']"
}
state_is() { [ "$(dep 'r["state"]')" = "$1" ]; }
renew_failed() {	# the renewal's attempt 1 is over: its export failed
	grep -q "renew: $PRIV: .*attempt 1 of 10, the next in" "$DLOG"
}
acm_fp() {	# the fingerprint ACM holds at the deployment's ARN
	emu GET /_emu/state | jget "[c for c in d['accounts']['$ACCT']['regions']['$R']['certificates'] if c['arn'] == '$(dep 'r["arn"]')'][0]['fingerprint'].replace(':', '').lower()"
}
ver_fp() {	# ver_fp N: the fingerprint of version N
	ctl --json cert show "$NAME" | jget "[v for v in d['versions'] if v['version'] == $1][0]['sha256'].replace(':', '').lower()"
}

CA=$(emu POST /_emu/pca "{\"account\":\"$ACCT\",\"region\":\"$R\",\"common_name\":\"Wait CA\"}" | jget 'd["arn"]')
like "emulator created a CA" '^arn:aws:acm-pca:' "$CA"

# A private certificate with its key (version 1), deployed, auto-redeploy.
NAME=waiting
ID=$(ctl --json request private --credential main --region $R --ca "$CA" \
    --domain waiting.corp.example --with-key --name $NAME | jget 'd["id"]')
ctl request sync "$ID" >/dev/null 2>&1
keyed1() { [ "$(ver_key 1)" = True ]; }
ok "version 1 has its key" wait_for 30 keyed1
PRIV=$(ctl --json request show "$ID" | jget 'd["arn"]')
ok "discovery" ctl discover
ok "deployed with --auto-redeploy" ctl deploy $NAME --credential main --region $R --auto-redeploy
is "in sync at version 1" "in-sync 1" "$(dep '"%s %s" % (r["state"], r["version"])')"

# 1. The renewal's export fails: the renewal backs off (60 s), and a
# discovery stores the renewed certificate as version 2, without a key.
fault '"error_rate":1,"error_status":500'
ctl renew "$PRIV" --with-key --yes >"$T/renew.out" 2>&1
ok "the renewal's export failed; acmd tries again later" wait_for 30 renew_failed
ok "discovery" ctl discover
is "version 2 is there, without its key" "2 False" "$(nversions) $(ver_key 2)"
ok "the deployment waits for the key" wait_for 10 state_is waiting-for-key
is "deploy list: waiting-for-key, still at version 1, no error" "waiting-for-key 1 None" "$(dep '"%s %s %s" % (r["state"], r["version"], r.get("last_error"))')"
is "deploy show: waiting for version 2" 2 "$(ctl --json deploy show $NAME | jget 'd[0]["waiting_for"]')"
like "deploy list (human) shows it" "waiting-for-key" "$(ctl deploy list $NAME)"
is "ACM still holds version 1 at the deployment's ARN" "$(ver_fp 1)" "$(acm_fp)"
is "status: one renewal, one deployment pending" "1 1" "$(pending renewals) $(pending deployments)"
like "status (human) shows what is pending" "pending +renewals=1 key_exports=0 deployments=1 total=2" "$(ctl status)"
ok "deploy check" ctl deploy check
is "a check leaves it waiting" waiting-for-key "$(dep 'r["state"]')"
out=$(ctl sync)
like "sync starts the renewal now (attempt 2)" "started now: 1 renewal, 0 key exports" "$out"
renew_failed_again() { grep -q "renew: $PRIV: .*attempt 2 of 10, the next in" "$DLOG"; }
ok "attempt 2 fails too (the faults are on)" wait_for 30 renew_failed_again
is "the deployment still waits (the key is not here)" waiting-for-key "$(dep 'r["state"]')"

# 2. The faults go; acmctl sync starts the renewal now (its back-off has
# a minute to go): the key arrives and the deployment follows.
fault ""
out=$(ctl sync)
like "sync says it started the renewal" "started now: 1 renewal, 0 key exports" "$out"
keyed2() { [ "$(ver_key 2)" = True ]; }
ok "version 2 has its key" wait_for 20 keyed2
at_v2() { [ "$(dep '"%s %s" % (r["state"], r["version"])')" = "in-sync 2" ]; }
ok "the deployment follows: in sync at version 2" wait_for 20 at_v2
is "ACM holds version 2 at the same ARN" "$(ver_fp 2)" "$(acm_fp)"
is "deploy show: waiting_for gone" None "$(ctl --json deploy show $NAME | jget 'd[0].get("waiting_for")')"
is "status: nothing pending" 0 "$(pending total)"

# 3. The key is given up: every export answer lost after ACM exported it.
fault '"malformed_rate":1,"malformed_mode":"garbage","applied":true'
: >"$DLOG.mark"
ctl renew "$PRIV" --with-key --yes >"$T/renew.out" 2>&1
renew_failed2() { [ "$(grep -c "renew: $PRIV: .*attempt 1 of 10, the next in" "$DLOG")" -ge 2 ]; }
ok "the renewal's export failed again" wait_for 30 renew_failed2
ok "discovery" ctl discover
ok "the deployment waits for version 3's key" wait_for 10 state_is waiting-for-key
ok "sync: attempt 2, which spends the exports" ctl sync
gave_up() { grep -q "renew: $PRIV: .*giving up on this renewal after 2 attempts, 6 exports that may have reached ACM" "$DLOG"; }
ok "acmd gives the renewal up" wait_for 30 gave_up
ok "sync" ctl sync
is "the deployment is in sync again at version 2 (shown outdated)" "outdated 2" "$(dep '"%s %s" % (r["state"], r["version"])')"
like "the log says why" "the key of version 3 is no longer on its way" "$(cat "$DLOG")"
is "status: nothing pending" 0 "$(pending total)"
is "ACM still holds version 2 at the deployment's ARN" "$(ver_fp 2)" "$(acm_fp)"
fault ""

finish

#!/bin/bash
# renew --with-key is crash-safe: acmd is killed with SIGKILL after ACM
# accepted RenewCertificate (the export held by an emulator delay); at the
# next start the recorded intent is resumed without a client and the new
# version ends up in the repository with its key, exactly once, also when
# discovery stored the version first.  When ACM renews more slowly than
# the client waits, acmd carries on alone.  A definitive failure is recorded
# and not retried.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"	# ACCT, awsc, add_credential, wait_for
. "$top_srcdir/tests/integration/renewlib.sh"	# stat_n, renewals, settled, private_cert
R=us-east-1

start_one_region

has_key() { ctl --json cert show "$NAME" | jget 'd["has_key"]'; }
emu_serial_fp() {	# the certificate ACM holds at $PRIV: its fingerprint
	emu GET /_emu/state | jget "[c for c in d['accounts']['$ACCT']['regions']['$R']['certificates'] if c['arn'] == '$PRIV'][0]['fingerprint'].replace(':', '').lower()"
}

key_matches() {	# key_matches VERSION: it has a key, and the key is its own
	rm -rf "$T/x"
	mkdir "$T/x"
	ctl cert export "$NAME" --version "$1" --with-key --out "$T/x" \
	    >/dev/null 2>&1 || return 1
	a=$(openssl pkey -in "$T/x/$NAME.key" -pubout 2>/dev/null)
	b=$(openssl x509 -in "$T/x/$NAME.crt" -pubkey -noout 2>/dev/null)
	[ -n "$a" ] && [ "$a" = "$b" ]
}

intent_on_disk() {	# the renewals database of the stopped daemon holds $PRIV
	mdb_dump -p -s renewals "$T/state" 2>/dev/null | grep -qF "$PRIV"
}	# (lmdb-utils, which scripts/setup.sh installs)

# Renew $PRIV with the export held; SIGKILL acmd once ACM accepted the
# renewal and the export is on its way.
crash_renew() {
	emu DELETE /_emu/faults >/dev/null
	emu POST /_emu/faults '{"service":"acm","operation":"ExportCertificate","delay_ms":4000,"count":1}' >/dev/null
	emu POST /_emu/stats/reset >/dev/null
	ctl renew "$PRIV" --with-key --yes >"$T/renew.out" 2>&1 &
	RENEW_PID=$!
	wait_for 20 at_least ExportCertificate 1
}

# A private certificate, its key fetched into the repository (version 1).
private_cert crash.corp.example "Crash CA"
is "no renewal recorded yet" 0 "$(renewals)"

# 1. Killed while the export is in flight; resumed at the next start.
ok "renew reached ExportCertificate (held by the emulator)" crash_renew
is "RenewCertificate was called once" 1 "$(stat_n RenewCertificate)"
is "status counts the renewal while it runs" 1 "$(renewals)"
like "status text shows it" 'renewals=1' "$(ctl status)"
err=$(ctl renew "$PRIV" --with-key --yes 2>&1); rc=$?
is "a second renew of the same ARN exits 1" 1 "$rc"
like "refused as in progress (ESTATE)" 'in progress already \(started [0-9]+ s ago, attempt 1 of 10\).*ESTATE' "$err"
kill_daemon
wait "$RENEW_PID" 2>/dev/null
is "the killed renew's client got no result" 3 "$?"
check "the intent is on disk after SIGKILL" "$(intent_on_disk; echo $?)"
emu DELETE /_emu/faults >/dev/null
ok "acmd restarts" start_daemon
ok "the renewal is resumed and settles" wait_for 30 settled 2
is "exactly one new version" 2 "$(nversions)"
check "version 2 has its own key" "$(key_matches 2; echo $?)"
is "version 2 is what ACM holds now" "$(emu_serial_fp)" \
    "$(ctl --json cert show "$NAME" | jget '[v for v in d["versions"] if v["version"] == 2][0]["sha256"]')"
is "no second RenewCertificate" 1 "$(stat_n RenewCertificate)"
is "the intent is gone" 0 "$(renewals)"
check "the log says it resumed" "$(in_log "resuming the renewal of $PRIV"; echo $?)"
ok "acmd stops" stop_daemon
check "the intent is gone from disk" "$(! intent_on_disk; echo $?)"
check "and the database is there" "$(mdb_stat -s renewals "$T/state" >/dev/null 2>&1; echo $?)"
ok "acmd restarts" start_daemon

# 2. Discovery stores the renewed certificate (without its key) before
# the resumed renewal gets there: the key goes onto that version.
ok "second renew reached ExportCertificate" crash_renew
is "RenewCertificate was called once" 1 "$(stat_n RenewCertificate)"
kill_daemon
wait "$RENEW_PID" 2>/dev/null
emu DELETE /_emu/faults >/dev/null
# The resumed renewal's first GetCertificate is held; discovery's is not.
emu POST /_emu/faults '{"service":"acm","operation":"GetCertificate","delay_ms":6000,"count":1}' >/dev/null
emu POST /_emu/stats/reset >/dev/null
ok "acmd restarts" start_daemon
ok "the resumed renewal asked for the certificate" wait_for 20 at_least GetCertificate 1
ok "discover" ctl discover
is "discovery stored version 3" 3 "$(nversions)"
is "without a key" False "$(has_key)"
ok "the renewal settles" wait_for 30 settled 3
is "still exactly one new version" 3 "$(nversions)"
check "version 3 has its own key" "$(key_matches 3; echo $?)"
is "version 3 is what ACM holds now" "$(emu_serial_fp)" \
    "$(ctl --json cert show "$NAME" | jget '[v for v in d["versions"] if v["version"] == 3][0]["sha256"]')"
is "no RenewCertificate since the restart" 0 "$(stat_n RenewCertificate)"
check "discovery's version came first" "$(grep -nE "discovery: $PRIV was renewed in ACM; version 3|renew: $PRIV renewed, serial .* version 3 .*with its key" "$DLOG" | cut -d: -f2- | head -1 | grep -q discovery; echo $?)"

# 4. ACM renews asynchronously and takes longer than the client waits:
# the client is told so, and acmd goes on alone and stores the version.
emu POST /_emu/config '{"renewal_delay":15}' >/dev/null
emu POST /_emu/stats/reset >/dev/null
err=$(ctl renew "$PRIV" --with-key --yes 2>&1); rc=$?
is "a renewal ACM is slow over: the client gets exit 1" 1 "$rc"
like "and is told acmd goes on waiting (ESTATE)" 'has not issued the new certificate yet; acmd goes on waiting.*ESTATE' "$err"
is "the renewal is still counted" 1 "$(renewals)"
is "no new version yet" 3 "$(nversions)"
ok "acmd carries on alone and settles" wait_for 60 settled 4
check "version 4 has its own key" "$(key_matches 4; echo $?)"
is "version 4 is what ACM holds now" "$(emu_serial_fp)" \
    "$(ctl --json cert show "$NAME" | jget '[v for v in d["versions"] if v["version"] == 4][0]["sha256"]')"
is "one RenewCertificate, one export" "1 1" "$(stat_n RenewCertificate) $(stat_n ExportCertificate)"
emu POST /_emu/config '{"renewal_delay":0}' >/dev/null

# 5. Restarts cut a resumed renewal short eleven times in a row (each
# while its GetCertificate is held): no failure of the renewal, which ACM
# accepted; acmd does not give it up (that lost the key of a version
# discovery stored without it) and ends with the new version and its key.
emu POST /_emu/faults '{"service":"acm","operation":"GetCertificate","delay_ms":3000}' >/dev/null
emu POST /_emu/stats/reset >/dev/null
ctl renew "$PRIV" --with-key --yes >"$T/renew.out" 2>&1 &
RENEW_PID=$!
ok "ACM accepted the renewal" wait_for 30 at_least RenewCertificate 1
sleep 0.5
kill_daemon
wait "$RENEW_PID" 2>/dev/null
since() {	# since LINE PATTERN: in the log after its first LINE lines
	tail -n +"$(($1 + 1))" "$DLOG" | grep -q -- "$2"
}
for n in 2 3 4 5 6 7 8 9 10 11 12; do
	from=$(wc -l <"$DLOG")
	start_daemon >/dev/null 2>&1
	wait_for 20 since "$from" "resuming the renewal of $PRIV (attempt $n[;) ]" || break
	sleep 0.5
	since "$from" "renew: $PRIV renewed" && break
	kill_daemon
done
is "eleven restarts in the middle of the resumed renewal" 12 "$n"
emu DELETE /_emu/faults >/dev/null
ok "acmd restarts" start_daemon
ok "the renewal settles" wait_for 30 settled 5
check "version 5 has its own key" "$(key_matches 5; echo $?)"
unlike "the renewal was not given up" "renew: $PRIV: interrupted too often" "$(cat "$DLOG")"
is "one RenewCertificate" 1 "$(stat_n RenewCertificate)"

# 3. A definitive failure: the certificate is gone from ACM when the
# renewal is resumed.  Recorded, logged, not retried.
ok "third renew reached ExportCertificate" crash_renew
kill_daemon
wait "$RENEW_PID" 2>/dev/null
emu DELETE /_emu/faults >/dev/null
ok "certificate deleted in ACM" awsc acm delete-certificate --certificate-arn "$PRIV"
ok "acmd restarts" start_daemon
ok "the resumed renewal gives up" wait_for 20 in_log "renew: $PRIV: ResourceNotFoundException.*giving up"
is "status still counts it" 1 "$(renewals)"
job() { ctl --json status | jget "[j for j in d['jobs'] if j['name'] == 'renewals'][0]['$1']"; }
last=$(job last_run)
emu POST /_emu/stats/reset >/dev/null
ran_again() { [ "$(job last_run)" -gt "$last" ]; }
ok "the renewals job ran again" wait_for 25 ran_again
is "and says the renewal failed" "0 pending, 1 failed" "$(job last_result)"
is "without asking ACM again" 0 "$(stat_n GetCertificate)"
err=$(ctl renew "$PRIV" --with-key --yes 2>&1)
unlike "a failed renewal does not block a new renew" 'in progress already' "$err"
like "which gets ACM's answer" 'ResourceNotFoundException' "$err"
ok "delete the ARN" ctl delete "$PRIV" --yes
is "delete forgets its renewal" 0 "$(renewals)"
unlike "no key or passphrase in the daemon log" 'PRIVATE KEY|Passphrase' "$(cat "$DLOG")"

finish

#!/bin/bash
# A RenewCertificate that failed is sent again.  Answered with a server
# error or throttled (it did not take effect), the resumed renewal sends
# it again at once; with its answer lost (a 2xx whose body did not
# arrive: ACM may have renewed), acmd waits for the new certificate first,
# stores it when ACM did renew, and sends RenewCertificate again once the
# wait is over when it did not.  A renewal already under way in ACM
# (RequestInProgressException) is waited for, not refused.  Killed before
# RenewCertificate went out, a resumed renewal sends it at once.  A
# refusal waiting cannot fix ends the renewal before it began.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"	# ACCT, awsc, add_credential, wait_for
R=us-east-1

start_one_region

stat_n() {	# stat_n OPERATION: ACM calls of it since the last stats reset
	emu GET /_emu/stats | jget "d['requests'].get('acm', {}).get('$1', {}).get('$R', 0)"
}
at_least() { [ "$(stat_n "$1")" -ge "$2" ]; }
renewals() { ctl --json status | jget 'd["counts"]["renewals"]'; }
nversions() { ctl --json cert show "$NAME" | jget 'len(d["versions"])'; }
keyed_now() { ctl --json cert show "$NAME" | jget 'd["has_key"]'; }
settled() {	# settled N: no renewal recorded, N versions, the last with its key
	[ "$(renewals)" = 0 ] && [ "$(nversions)" = "$1" ] && [ "$(keyed_now)" = True ]
}
acm_fp() {	# the fingerprint of the certificate ACM holds at $PRIV
	emu_fp_at "$PRIV"
}
newest_fp() {
	ctl --json cert show "$NAME" | jget 'sorted(d["versions"], key=lambda v: v["version"])[-1]["sha256"]'
}
in_log() { grep -q -- "$1" "$DLOG"; }
renew_fault() {	# renew_fault JSON: the only fault, on RenewCertificate; stats from 0
	emu DELETE /_emu/faults >/dev/null
	emu POST /_emu/faults "{\"service\":\"acm\",\"operation\":\"RenewCertificate\",$1}" >/dev/null
	emu POST /_emu/stats/reset >/dev/null
}
hurried() {	# acmctl sync, which starts the renewals backing off: how many
	ctl --json sync | jget 'd["hurried"]["renewals"]'
}

# sent_ago SECONDS: with acmd stopped, the renewal's last RenewCertificate
# is recorded as sent that long ago (its "sent", a msgpack uint32 in the
# renewals database; the LMDB tools of lmdb-utils rewrite it).
sent_ago() {
	mdb_dump -s renewals "$T/state" >"$T/renewals.dump" || return 1
	/usr/bin/python3 - "$T/renewals.dump" "$1" <<'PY' || return 1
import re, struct, sys
path, ago = sys.argv[1], int(sys.argv[2])
lines = open(path).read().split("\n")
key = b"\xa4sent\xce"
done = 0
for i, l in enumerate(lines):
    if not l.startswith(" "):
        continue
    b = bytes.fromhex(l[1:])
    at = b.find(key)
    if at < 0:
        continue
    at += len(key)
    t = struct.unpack(">I", b[at:at + 4])[0] - ago
    b = b[:at] + struct.pack(">I", t) + b[at + 4:]
    lines[i] = " " + b.hex()
    done += 1
open(path, "w").write("\n".join(lines))
sys.exit(0 if done == 1 else 1)
PY
	mdb_load -s renewals -f "$T/renewals.dump" "$T/state"
}

# A private certificate, its key fetched into the repository (version 1).
CA=$(emu POST /_emu/pca "{\"account\":\"$ACCT\",\"region\":\"$R\",\"common_name\":\"Resend CA\"}" | jget 'd.get("arn") or d.get("CertificateAuthorityArn")')
like "emulator created a CA" '^arn:aws:acm-pca:' "$CA"
PRIV=$(awsc acm request-certificate --domain-name resend.corp.example \
    --certificate-authority-arn "$CA" --query CertificateArn --output text)
like "private certificate requested" '^arn:aws:acm:' "$PRIV"
ok "discover" ctl discover
NAME=$(ctl --json fetch-key "$PRIV" --yes 2>/dev/null | jget 'd["name"]')
is "fetch-key stored version 1" 1 "$(nversions)"

# 1. Every try of RenewCertificate answered 500: nothing happened in ACM.
# The resumed renewal sends it again, and the renewal completes.
renew_fault '"error_rate":1,"error_status":500'
err=$(ctl renew "$PRIV" --with-key --yes 2>&1); rc=$?
is "renew with RenewCertificate answered 500: exit 1" 1 "$rc"
like "  the client is told acmd tries again" 'InternalFailure|unknown error.*acmd tries again on its own' "$err"
is "  the renewal stays recorded" 1 "$(renewals)"
is "  no new version" 1 "$(nversions)"
tries=$(stat_n RenewCertificate)
emu DELETE /_emu/faults >/dev/null
is "sync resumes the renewal" 1 "$(hurried)"
ok "  which settles with version 2 and its key" wait_for 30 settled 2
is "  RenewCertificate was sent again, once" $((tries + 1)) "$(stat_n RenewCertificate)"
is "  version 2 is what ACM holds now" "$(acm_fp)" "$(newest_fp)"
check "  the log says it resumed" "$(in_log "resuming the renewal of $PRIV (attempt 2"; echo $?)"

# 2. Throttled on every try: an answer too (it did not take effect).
renew_fault '"throttle_rate":1'
err=$(ctl renew "$PRIV" --with-key --yes 2>&1); rc=$?
is "renew throttled: exit 1" 1 "$rc"
like "  ThrottlingException, and acmd tries again" 'Rate exceeded.*acmd tries again on its own' "$err"
is "  the renewal stays recorded" 1 "$(renewals)"
tries=$(stat_n RenewCertificate)
emu DELETE /_emu/faults >/dev/null
is "sync resumes the renewal" 1 "$(hurried)"
ok "  which settles with version 3" wait_for 30 settled 3
is "  RenewCertificate was sent again, once" $((tries + 1)) "$(stat_n RenewCertificate)"
is "  version 3 is what ACM holds now" "$(acm_fp)" "$(newest_fp)"

# 3. The first try's answer lost after ACM renewed (a 2xx cut short);
# the retry is refused (the new certificate is not exported yet).  The
# answer to a retry is no refusal of the renewal: acmd waits for the new
# certificate and stores it, without a second RenewCertificate.
renew_fault '"malformed_rate":1,"applied":true,"count":1'
err=$(ctl renew "$PRIV" --with-key --yes 2>&1); rc=$?
is "renew whose answer was lost: exit 1" 1 "$rc"
like "  acmd tries again (the refusal was of the retry)" 'acmd tries again on its own' "$err"
is "  the renewal stays recorded" 1 "$(renewals)"
tries=$(stat_n RenewCertificate)
emu DELETE /_emu/faults >/dev/null
is "sync resumes the renewal" 1 "$(hurried)"
ok "  which settles with version 4" wait_for 30 settled 4
is "  no RenewCertificate since" "$tries" "$(stat_n RenewCertificate)"
is "  version 4 is what ACM holds now" "$(acm_fp)" "$(newest_fp)"

# 4. Every answer lost, ACM did nothing: acmd cannot know, so it waits
# for a new certificate (15 minutes from the call) before it sends
# RenewCertificate again.
renew_fault '"malformed_rate":1'
err=$(ctl renew "$PRIV" --with-key --yes 2>&1); rc=$?
is "renew with every answer lost: exit 1" 1 "$rc"
like "  an answer cut short, and acmd tries again" '(does not parse|transfer closed).*acmd tries again on its own' "$err"
tries=$(stat_n RenewCertificate)
emu DELETE /_emu/faults >/dev/null
emu POST /_emu/stats/reset >/dev/null
is "sync resumes the renewal" 1 "$(hurried)"
ok "  which polls GetCertificate" wait_for 20 at_least GetCertificate 3
is "  without sending RenewCertificate yet" 0 "$(stat_n RenewCertificate)"
is "  no new version" 4 "$(nversions)"
ok "acmd stops" stop_daemon
ok "the RenewCertificate is made 16 minutes old" sent_ago 960
emu POST /_emu/stats/reset >/dev/null
ok "acmd restarts" start_daemon
is "sync resumes the renewal" 1 "$(hurried)"
ok "  which sends RenewCertificate again and settles with version 5" \
    wait_for 30 settled 5
is "  RenewCertificate sent once" 1 "$(stat_n RenewCertificate)"
is "  version 5 is what ACM holds now" "$(acm_fp)" "$(newest_fp)"
check "  the log says why" "$(in_log "renew: no renewed certificate of $PRIV in 15 minutes: RenewCertificate may never have reached ACM; sending it again"; echo $?)"

# 5. A renewal under way in ACM already (renewed from elsewhere, ACM
# slow): RenewCertificate answers RequestInProgressException, and renew
# waits for that renewal's certificate.
emu POST /_emu/config '{"renewal_delay":4}' >/dev/null
ok "renewed in ACM from elsewhere" awsc acm renew-certificate --certificate-arn "$PRIV"
emu POST /_emu/stats/reset >/dev/null
out=$(ctl renew "$PRIV" --with-key --yes 2>&1); rc=$?
is "renew while ACM renews: exit 0" 0 "$rc"
like "  with the new version" 'version.*6' "$out"
emu POST /_emu/config '{"renewal_delay":0}' >/dev/null
is "  one RenewCertificate (refused as in progress)" 1 "$(stat_n RenewCertificate)"
check "  the log says so" "$(in_log "renew: a renewal is in progress in ACM already (RequestInProgressException): waiting for it, of $PRIV"; echo $?)"
ok "  and it settles with version 6" wait_for 10 settled 6
is "  version 6 is what ACM holds now" "$(acm_fp)" "$(newest_fp)"

# 6. acmd killed after recording the renewal, before RenewCertificate
# went out (gdb stops it there): the intent says nothing was sent, so
# the renewal resumed at the next start sends it at once.
gdb -p "$DPID" -batch -ex 'break renew_send' -ex 'continue' -ex 'kill' \
    >"$T/gdb.out" 2>&1 &
GDB=$!
ok "gdb holds acmd" poll 20 grep -q "^Breakpoint 1 at" "$T/gdb.out"
emu POST /_emu/stats/reset >/dev/null
out=$(ctl renew "$PRIV" --with-key --yes 2>&1)
check "renew loses acmd on the way" "$([ $? -ne 0 ]; echo $?)" "$out"
wait "$GDB"
like "gdb stopped it before RenewCertificate" "Breakpoint 1, renew_send" "$(cat "$T/gdb.out")"
DPID=
is "  no RenewCertificate went out" 0 "$(stat_n RenewCertificate)"
ok "acmd restarts" start_daemon
ok "  the resumed renewal settles with version 7" wait_for 30 settled 7
is "  RenewCertificate sent once" 1 "$(stat_n RenewCertificate)"
is "  version 7 is what ACM holds now" "$(acm_fp)" "$(newest_fp)"

# 7. A refusal waiting cannot fix, on the first call: the renewal never
# began, nothing is recorded, nothing is sent again.  (ACM renews only a
# certificate exported since its last renewal.)
out=$(ctl --json renew "$PRIV" --yes 2>&1); rc=$?
is "renew without the key: exit 0" 0 "$rc"
is "  version 8" 8 "$(nversions)"
emu POST /_emu/stats/reset >/dev/null
err=$(ctl renew "$PRIV" --yes 2>&1); rc=$?
is "renew of a certificate not exported since: exit 1" 1 "$rc"
like "  ACM's ValidationException" 'has not been exported.*EAWS|ValidationException' "$err"
unlike "  acmd does not try again" 'tries again' "$err"
is "  no renewal recorded" 0 "$(renewals)"
is "  sync resumes nothing" 0 "$(hurried)"
is "  one RenewCertificate" 1 "$(stat_n RenewCertificate)"
unlike "no key or passphrase in the daemon log" 'PRIVATE KEY|Passphrase' "$(cat "$DLOG")"

finish

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
. "$top_srcdir/tests/integration/renewlib.sh"	# stat_n, renewals, settled, private_cert
R=us-east-1

start_one_region

acm_fp() {	# the fingerprint of the certificate ACM holds at $PRIV
	emu_fp_at "$PRIV"
}
newest_fp() {
	ctl --json cert show "$NAME" | jget 'sorted(d["versions"], key=lambda v: v["version"])[-1]["sha256"]'
}
renew_fault() {	# renew_fault JSON: the only fault, on RenewCertificate; stats from 0
	emu DELETE /_emu/faults >/dev/null
	emu POST /_emu/faults "{\"service\":\"acm\",\"operation\":\"RenewCertificate\",$1}" >/dev/null
	emu POST /_emu/stats/reset >/dev/null
}
hurried() {	# acmctl sync, which starts the renewals backing off: how many
	ctl --json sync | jget 'd["hurried"]["renewals"]'
}
renew_refused() {	# renew_refused WHAT PATTERN: renew, under the fault, fails; the fault goes
	err=$(ctl renew "$PRIV" --with-key --yes 2>&1); rc=$?
	is "renew $1: exit 1" 1 "$rc"
	like "  the client is told why, and that acmd tries again" \
	    "$2.*acmd tries again on its own" "$err"
	is "  the renewal stays recorded" 1 "$(renewals)"
	TRIES=$(stat_n RenewCertificate)
	emu DELETE /_emu/faults >/dev/null
}
resumed() {	# resumed N MORE: sync resumes it, it settles at version N, MORE calls later
	is "sync resumes the renewal" 1 "$(hurried)"
	ok "  which settles with version $1 and its key" wait_for 30 settled "$1"
	is "  RenewCertificate calls since the client's: $2" $((TRIES + $2)) \
	    "$(stat_n RenewCertificate)"
	is "  version $1 is what ACM holds now" "$(acm_fp)" "$(newest_fp)"
}

# sent_ago SECONDS: with acmd stopped, the renewal's last RenewCertificate
# is recorded as sent that long ago (its "sent", a msgpack uint32 in the
# renewals database; the LMDB tools of lmdb-utils rewrite it).
sent_ago() {
	mdb_dump -s renewals "$T/state" >"$T/renewals.dump" || return 1
	/usr/bin/python3 - "$T/renewals.dump" "$1" <<'PY' || return 1
import struct, sys
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
private_cert resend.corp.example "Resend CA"

# 1. Every try of RenewCertificate answered 500: nothing happened in ACM.
# The resumed renewal sends it again, and the renewal completes.
renew_fault '"error_rate":1,"error_status":500'
renew_refused "with RenewCertificate answered 500" '(InternalFailure|unknown error)'
is "  no new version" 1 "$(nversions)"
resumed 2 1
check "  the log says it resumed" "$(in_log "resuming the renewal of $PRIV (attempt 2"; echo $?)"

# 2. Throttled on every try: an answer too (it did not take effect).
renew_fault '"throttle_rate":1'
renew_refused "throttled" 'Rate exceeded'
resumed 3 1

# 3. The first try's answer lost after ACM renewed (a 2xx cut short);
# the retry is refused (the new certificate is not exported yet).  The
# answer to a retry is no refusal of the renewal: acmd waits for the new
# certificate and stores it, without a second RenewCertificate.
renew_fault '"malformed_rate":1,"applied":true,"count":1'
renew_refused "whose answer was lost" 'has not been exported'
resumed 4 0

# 4. Every answer lost, ACM did nothing: acmd cannot know, so it waits
# for a new certificate (15 minutes from the call) before it sends
# RenewCertificate again.
renew_fault '"malformed_rate":1'
renew_refused "with every answer lost" '(does not parse|transfer closed)'
emu POST /_emu/stats/reset >/dev/null
is "sync resumes the renewal" 1 "$(hurried)"
ok "  which polls GetCertificate" wait_for 20 at_least GetCertificate 3
is "  without sending RenewCertificate yet" 0 "$(stat_n RenewCertificate)"
is "  no new version" 4 "$(nversions)"
ok "acmd stops" stop_daemon
ok "the RenewCertificate is made 16 minutes old" sent_ago 960
emu POST /_emu/stats/reset >/dev/null
TRIES=0
ok "acmd restarts" start_daemon
resumed 5 1
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
emu POST /_emu/stats/reset >/dev/null
killed_at renew_send "renew" ctl renew "$PRIV" --with-key --yes
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
like "  ACM's ValidationException" '(has not been exported|ValidationException)' "$err"
unlike "  acmd does not try again" 'tries again' "$err"
is "  no renewal recorded" 0 "$(renewals)"
is "  sync resumes nothing" 0 "$(hurried)"
is "  one RenewCertificate" 1 "$(stat_n RenewCertificate)"
unlike "no key or passphrase in the daemon log" 'PRIVATE KEY|Passphrase' "$(cat "$DLOG")"

finish

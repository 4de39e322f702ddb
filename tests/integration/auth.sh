#!/bin/bash
# Peer authorisation by SO_PEERCRED: root, admin group, read-only group,
# everyone else refused.  Runs acmctl as other users with setpriv.
. "$top_srcdir/tests/integration/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	echo "1..0 # SKIP needs root and setpriv"
	exit 0
fi
ADMIN_GID=48101
RO_GID=48102
USER_UID=48100
write_conf "socket_mode = 0666" "admin_group = $ADMIN_GID" "readonly_group = $RO_GID"
ok "acmd starts" start_daemon
is "socket mode from config" 666 "$(stat -c %a "$SOCK")"

as() {	# as GID-LIST COMMAND...: run as an unprivileged uid
	local groups=$1; shift
	if [ -z "$groups" ]; then
		setpriv --reuid=$USER_UID --regid=$USER_UID --clear-groups "$@"
	else
		setpriv --reuid=$USER_UID --regid=$USER_UID --groups="$groups" "$@"
	fi
}

err=$(as "" "$ACMCTL" -s "$SOCK" status 2>&1); rc=$?
is "a stranger is refused (exit 1)" 1 "$rc"
like "with a clear reason" "uid $USER_UID may not use acmd.*EDENIED" "$err"
like "the refusal is logged" "refused pid [0-9]+ uid $USER_UID" "$(cat "$DLOG")"

out=$(as "$RO_GID" "$ACMCTL" -s "$SOCK" status 2>&1); rc=$?
is "read-only group may run status" 0 "$rc"
out=$(as "$RO_GID" "$ACMCTL" -s "$SOCK" audit 2>&1); rc=$?
is "read-only group may not read the audit log" 1 "$rc"
like "read-only refusal names the command" "'audit' changes state and needs the admin group.*EDENIED" "$out"

# Commands that call AWS with the stored keys are the admins' (issue 14).
out=$(as "$RO_GID" "$ACMCTL" -s "$SOCK" credential test main 2>&1); rc=$?
is "read-only group may not run credential test" 1 "$rc"
like "  refused before anything runs (EDENIED)" "'credential.test' .*needs the admin group.*EDENIED" "$out"
out=$(as "$RO_GID" "$ACMCTL" -s "$SOCK" ca list --credential main --region us-east-1 2>&1); rc=$?
is "read-only group may not run ca list" 1 "$rc"
like "  refused before anything runs (EDENIED)" "'ca.list' .*needs the admin group.*EDENIED" "$out"
out=$(as "$ADMIN_GID" "$ACMCTL" -s "$SOCK" audit 2>&1); rc=$?
is "admin group (supplementary) may read the audit log" 0 "$rc"
out=$(setpriv --reuid=$USER_UID --regid=$ADMIN_GID --clear-groups "$ACMCTL" -s "$SOCK" status 2>&1); rc=$?
is "admin group (primary) may run status" 0 "$rc"
out=$(ctl audit); rc=$?
is "root may read the audit log" 0 "$rc"
finish

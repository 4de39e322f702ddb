#!/bin/bash
# acmd.conf refuses what acmd.conf(5) says it refuses (issue 14): each bad
# value stops acmd at start (exit 1, nothing created) and makes a reload
# keep the running configuration, the message naming file, line and
# setting.  A reload applies socket_mode to the socket.  A state directory
# others may write in is refused, and no link planted in it is followed.
. "$top_srcdir/tests/integration/lib.sh"

# conf FILE SOCKET STATE [lines...]: six lines, then the extra ones (STATE
# -: no state_dir among the six).
conf() {
	local f=$1 s=$2 d=$3
	shift 3
	{
		echo "[daemon]"
		echo "socket = $s"
		if [ "$d" = - ]; then
			echo "# state_dir comes later"
		else
			echo "state_dir = $d"
		fi
		echo "log = stderr"
		echo "debug = yes"
		echo "socket_mode = 0600"
		printf '%s\n' "$@"
	} >"$f"
}

# wait_log COUNT PATTERN: until the daemon log has COUNT lines matching.
wait_log() {
	local i
	for i in $(seq 1 100); do
		[ "$(grep -Ec -- "$2" "$DLOG")" -ge "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

mode_of() { stat -c %a "$1"; }

# A relative path would be taken from here.
cd "$T" || exit 1
LONG="mail_to = $(head -c 200000 /dev/zero | tr '\0' a)@example.com"
# Each case: a description, the setting the message names, then the lines
# after the six of conf (the bad one last).
CASES=(
	"an unknown region|aws.regions: unknown region 'mars-north-9'|[aws]|regions = us-east-1 mars-north-9"
	"an endpoint_url that is no URL|aws.endpoint_url: 'not a url' is not an http|[aws]|endpoint_url = not a url"
	"a webhook_url that is no URL|notify.webhook_url: 'notaurl' is not an http|[notify]|webhook_url = notaurl"
	"a malformed mail_to|notify.mail_to: 'ops@@example.com' is not a mail address|[notify]|mail_to = sec@example.com ops@@example.com"
	"a relative state_dir|daemon.state_dir: 'state' is not an absolute path|state_dir = state"
	"a relative backup_dir|daemon.backup_dir: 'backup' is not an absolute path|backup_dir = backup"
	"a relative ca_path|aws.ca_path: 'certs' is not an absolute path|[aws]|ca_path = certs"
	"a setting given twice|daemon.debug: given twice \\(first on line 5\\)|debug = no"
	"a rate for an operation acmd does not call|aws.rates: unknown operation 'NoSuchOperation'|[aws]|rates = NoSuchOperation=5"
	"a [watch] path that does not exist|watch.path: $T/nothere: No such file|[watch w]|path = $T/nothere"
	"a 200 KB line|line longer than 8192 bytes \\(setting 'mail_to'\\)|[notify]|$LONG"
)

# At start: exit 1, the message, nothing made.
# case_conf CASE FILE SOCKET STATE: write the case's file; sets desc, want
# and line (where the bad setting is).
case_conf() {
	local lines d=$4
	IFS='|' read -r desc want lines <<<"$1"
	IFS='|' read -r -a lines <<<"${1#*|*|}"
	[ "$desc" = "a relative state_dir" ] && d=-
	conf "$2" "$3" "$d" "${lines[@]}"
	line=$((6 + ${#lines[@]}))
	# The long line is followed by another, which must not be blamed.
	[ "$desc" = "a 200 KB line" ] && echo "bogus = 1" >>"$2"
}

for c in "${CASES[@]}"; do
	case_conf "$c" "$T/bad.conf" "$T/bad.sock" "$T/badstate"
	out=$(timeout 5 "$ACMD" -c "$T/bad.conf" 2>&1); rc=$?
	is "$desc: acmd refuses to start (exit 1)" 1 "$rc"
	like "  the message names file, line and setting" \
	    "^acmd: $T/bad.conf:$line: $want" "$(printf '%s' "$out" | cut -c1-300)"
	check "  and nothing is created" "$([ ! -e "$T/bad.sock" ] &&
	    [ ! -e "$T/badstate" ] && [ ! -e "$T/state" ]; echo $?)" "$(ls "$T")"
	rm -rf "$T/bad.sock" "$T/badstate" "$T/state"
done

mkdir "$T/confdir"
out=$(timeout 5 "$ACMD" -c "$T/confdir" 2>&1); rc=$?
is "a directory as the configuration file: exit 1" 1 "$rc"
like "  says it is a directory" "^acmd: $T/confdir: is a directory" "$out"

# On SIGHUP: the running configuration stays (socket_mode 0660 here, the
# bad files say 0600), the error is logged, acmd goes on serving.
write_conf "socket_mode = 0660"
ok "acmd starts" start_daemon
is "the socket has mode 0660" 660 "$(mode_of "$SOCK")"
n=0
for c in "${CASES[@]}"; do
	case_conf "$c" "$CONF" "$SOCK" "$T/state"
	n=$((n + 1))
	kill -HUP "$DPID"
	wait_log "$n" "reload failed"
	like "SIGHUP with $desc: logged with file, line and setting" \
	    "reload failed, keeping the running configuration: $CONF:$line: $want" \
	    "$(grep 'reload failed' "$DLOG" | tail -1 | cut -c1-400)"
	ok "  acmd still serves" ctl ping
	is "  with the old configuration (socket mode 0660)" 660 "$(mode_of "$SOCK")"
done
mv "$CONF" "$T/saved.conf"
mkdir "$CONF"
kill -HUP "$DPID"
n=$((n + 1))
wait_log "$n" "reload failed"
like "SIGHUP with a directory as the file: logged as such" \
    "reload failed, keeping the running configuration: $CONF: is a directory" \
    "$(grep 'reload failed' "$DLOG" | tail -1)"
ok "  acmd still serves" ctl ping
rmdir "$CONF"

# A good reload applies socket_mode.
conf "$CONF" "$SOCK" "$T/state"
kill -HUP "$DPID"
wait_log 1 "configuration reloaded"
ok "a good reload is taken" grep -q "configuration reloaded" "$DLOG"
is "  and the socket takes socket_mode 0600" 600 "$(mode_of "$SOCK")"
ok "  acmd still serves" ctl ping
ok "acmd stops" stop_daemon

# The state directory: nobody else may write in it.
conf "$CONF" "$SOCK" "$T/state"
for m in 0777 0770 0702; do
	chmod "$m" "$T/state"
	out=$(timeout 5 "$ACMD" -c "$CONF" 2>&1); rc=$?
	is "state_dir of mode $m: acmd refuses to start" 1 "$rc"
	like "  naming the directory, what is wrong and the fix" \
	    "state directory $T/state: $T/state has mode $m: others may write in it; run chmod go-w $T/state" "$out"
	check "  and its socket is not left" "$([ ! -e "$SOCK" ]; echo $?)"
done
chmod 0700 "$T/state"
mkdir -m 0777 "$T/open"
chmod 0777 "$T/open"
conf "$T/open.conf" "$T/open.sock" "$T/open/state"
out=$(timeout 5 "$ACMD" -c "$T/open.conf" 2>&1); rc=$?
is "a state_dir inside a world-writable directory is refused" 1 "$rc"
like "  naming that directory" "$T/open has mode 0777: others may write in it" "$out"
if [ "$(id -u)" = 0 ]; then
	chown 65534 "$T/state"
	out=$(timeout 5 "$ACMD" -c "$CONF" 2>&1); rc=$?
	is "a state_dir owned by another user is refused" 1 "$rc"
	like "  naming the owner" "$T/state is owned by uid 65534, neither root" "$out"
	chown 0 "$T/state"
fi
ok "a state_dir of mode 0700 is taken" start_daemon
ok "acmd stops" stop_daemon

# Links planted in the state directory are not followed.
mkdir "$T/elsewhere"
for f in data.mdb lock.mdb lock; do
	mkdir -m 0700 "$T/s-$f"
	ln -s "$T/elsewhere/$f" "$T/s-$f/$f"
	conf "$T/s.conf" "$T/s.sock" "$T/s-$f"
	out=$(timeout 5 "$ACMD" -c "$T/s.conf" 2>&1); rc=$?
	is "a link planted at state_dir/$f: acmd refuses to start" 1 "$rc"
	like "  saying so" "store: $T/s-$f/$f is a symbolic link" "$out"
	check "  and nothing is written through it" \
	    "$([ ! -e "$T/elsewhere/$f" ]; echo $?)" "$(ls -l "$T/elsewhere")"
	check "  and the socket is not left" "$([ ! -e "$T/s.sock" ]; echo $?)"
done
# The master key: a link to a good key file is refused too.
mkdir -m 0700 "$T/s-key"
head -c 32 /dev/urandom >"$T/elsewhere/master.key"
chmod 600 "$T/elsewhere/master.key"
ln -s "$T/elsewhere/master.key" "$T/s-key/master.key"
conf "$T/s.conf" "$T/s.sock" "$T/s-key"
out=$(timeout 5 "$ACMD" -c "$T/s.conf" 2>&1); rc=$?
is "a link planted at state_dir/master.key: acmd refuses to start" 1 "$rc"
like "  saying it is a link" "master key $T/s-key/master.key is a symbolic link" "$out"
check "  and the socket is not left" "$([ ! -e "$T/s.sock" ]; echo $?)"
finish

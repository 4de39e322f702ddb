#!/bin/bash
# A file target's reload that fails puts the previous files back: a reload
# that exits 1, one that hangs past reload_timeout, one whose program is
# gone. After each, the files on disk are byte for byte the previous
# version's, with its owner and modes, nothing of acmd's left beside them,
# the deployment is failed with the reason in deploy list, and the retry
# once the reload is fixed succeeds. A first deployment whose reload fails
# leaves no files (there were none); acmd killed while the new files'
# reload runs and a reload failing after the restart puts back the files
# of before the interrupted deployment, not the half-done one's.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/targetlib.sh"

TG=$T/tgt
mkdir -p "$TG/web" "$TG/fresh" "$T/outside"
# A directory inside target_dirs by its name, outside by where it leads.
ln -s "$T/outside" "$TG/escape"
# The reload: what it does is read from $T/mode (ok, fail, hang, slowfail).
cat >"$T/reload.sh" <<'EOF'
#!/bin/sh
echo "$(cat "$1/mode")" >>"$1/runs"
case $(cat "$1/mode") in
ok) exit 0 ;;
fail) echo "nginx: [emerg] cannot load certificate" >&2; exit 1 ;;
hang) sleep 60 ;;
slowfail) sleep 10; exit 1 ;;
esac
EOF
chmod 755 "$T/reload.sh"
echo ok >"$T/mode"
: >"$T/runs"

conf() {	# conf RELOAD_TIMEOUT
write_conf "target_dirs = $TG" "[target web]
cert = $TG/web/cert.pem
chain = $TG/web/chain.pem
fullchain = $TG/web/fullchain.pem
key = $TG/web/privkey.pem
$OWNER_LINES
mode = 0640
key_mode = 0600
reload = $T/reload.sh $T
reload_timeout = $1

[target escape]
cert = $TG/escape/cert.pem
key = $TG/escape/key.pem

[target fresh]
fullchain = $TG/fresh/fullchain.pem
key = $TG/fresh/privkey.pem
reload = $T/reload.sh $T
reload_timeout = 2s"
}
conf 2s

mk_ca "Restore Test CA"
for v in v1 v2 v3 v4; do mk_leaf $v www.example.com; done

# What the target's directory holds: every file's name, bytes, mode, owner.
snapshot() {
	(cd "$TG/web" && for f in $(ls -A | sort); do
		printf '%s %s %s\n' "$f" "$(sha256sum <"$f" | cut -c1-64)" "$(stat -c '%a %U:%G' "$f")"
	done)
}
state() { ctl --json deploy list www | jget '[r for r in d if r["region"] == "'"$1"'"][0]["state"]'; }
last_error() { ctl --json deploy show www | jget '[r for r in d if r["region"] == "'"$1"'"][0].get("last_error", "")'; }
state_is() { [ "$(state "$1")" = "$2" ]; }
runs_are() { [ "$(wc -l <"$T/runs")" = "$1" ]; }

# --- acmd -n: the targets printed, what is not there yet named ----------------------
printf '%s\n' "[daemon]" "target_dirs = $TG" "[target later]" "fullchain = $TG/notyet/full.pem" \
    "key = $TG/notyet/key.pem" "key_mode = 0640" "reload = /usr/sbin/no-such-server -s reload" >"$T/n.conf"
out=$("$ACMD" -n -c "$T/n.conf" 2>"$T/n.err"); rc=$?
is "acmd -n with a target whose directory and reload program are not there: exits 0" 0 "$rc"
like "  prints the target's settings" "\[target later\] cert = chain = fullchain = $TG/notyet/full.pem key = $TG/notyet/key.pem owner = group = mode = 0644 key_mode = 0640 reload = /usr/sbin/no-such-server -s reload reload_user = reload_timeout = 30" "$(echo $out)"
like "  warns once about the directory" "^acmd: warning: \[target later\]: the directory $TG/notyet is not there" "$(cat "$T/n.err")"
is "  once" 1 "$(grep -c 'is not there' "$T/n.err")"
like "  and about the reload program" "reload program /usr/sbin/no-such-server: No such file or directory" "$(cat "$T/n.err")"
out=$("$ACMD" -n -c "$CONF" 2>&1 >/dev/null)
is "acmd -n of this test's configuration: no warning" "" "$out"

ok "acmd starts" start_daemon
ok "cert add www (version 1)" ctl cert add www --cert "$T/v1.crt" --key "$T/v1.key" --chain "$T/ca.crt"
ok "deploy www --target web --auto-redeploy" ctl deploy www --target web --auto-redeploy
before=$(snapshot)
like "the target holds version 1's four files" "^cert.pem .* 640 .*chain.pem .*fullchain.pem .*privkey.pem .* 600 " "$(echo $before)"
is "  its key is version 1's" "$(openssl pkey -in "$T/v1.key" -pubout)" "$(openssl pkey -in "$TG/web/privkey.pem" -pubout 2>/dev/null)"

# --- the reload exits 1 ----------------------------------------------------------
echo fail >"$T/mode"; : >"$T/runs"
out=$(ctl cert renew www --cert "$T/v2.crt" --key "$T/v2.key" --chain "$T/ca.crt" 2>&1)
check "cert renew www (version 2)" $? "$out"
poll 30 state_is web failed
is "reload exits 1: the deployment is failed" failed "$(state web)"
is "  the files are the previous version's, bytes, modes and owner" "$before" "$(snapshot)"
is "  its key still matches its certificate" "$(openssl x509 -in "$TG/web/cert.pem" -noout -pubkey)" "$(openssl pkey -in "$TG/web/privkey.pem" -pubout 2>/dev/null)"
like "  deploy show: the reason" "reload of target web failed: exit status 1; the previous files are back in place, reloaded again: reload of target web failed: exit status 1" "$(last_error web)"
like "  deploy list shows it failed" "www +target +target +web +1 +failed" "$(ctl deploy list www)"
is "  the reload ran for the new files, then for the previous ones" "fail fail" "$(echo $(cat "$T/runs"))"
like "  the journal says the previous files are back" "deploy: target web: the previous files are back in place \(reload of target web failed" "$(cat "$DLOG")"
json=$(ctl --json deploy show www | jget '[r for r in d if r["region"] == "web"][0]')
check "  retried with back-off: next_retry in the future" "$(echo "$json" | jget 'int(d["next_retry"] > __import__("time").time())' | grep -qx 1; echo $?)" "$json"

# --- the reload hangs past reload_timeout ------------------------------------------
echo hang >"$T/mode"; : >"$T/runs"
ctl sync www >/dev/null 2>&1
poll 30 runs_are 2
poll 30 state_is web failed
like "a hanging reload: failed, killed at its timeout" "did not end within its reload_timeout: killed; the previous files are back in place" "$(last_error web)"
is "  the files are the previous version's" "$before" "$(snapshot)"
check "  no reload left running" "$(! pgrep -f "^/bin/sh $T/reload.sh" >/dev/null; echo $?)"

# --- the reload's program is gone ---------------------------------------------------
echo ok >"$T/mode"; : >"$T/runs"
mv "$T/reload.sh" "$T/reload.sh.away"
ctl sync www >/dev/null 2>&1
sleep 1
poll 30 state_is web failed
like "a reload command that is gone: failed, saying why" "the command could not be run \(exit status 127: $T/reload.sh: No such file or directory\); the previous files are back in place$" "$(last_error web)"
is "  the files are the previous version's" "$before" "$(snapshot)"
is "  and it was not run again" "" "$(cat "$T/runs")"

# --- fixed: the retry succeeds --------------------------------------------------------
mv "$T/reload.sh.away" "$T/reload.sh"
ctl sync www >/dev/null 2>&1
poll 30 state_is web in-sync
is "the reload fixed: the retry deploys version 2" "2 in-sync" "$(ctl --json deploy list www | jget '" ".join(str(x) for x in [[r["version"], r["state"]] for r in d if r["region"] == "web"][0])')"
is "  its certificate" "$(openssl x509 -in "$T/v2.crt" -noout -fingerprint)" "$(openssl x509 -in "$TG/web/cert.pem" -noout -fingerprint)"
is "  its key" "$(openssl pkey -in "$T/v2.key" -pubout)" "$(openssl pkey -in "$TG/web/privkey.pem" -pubout 2>/dev/null)"
is "  reloaded once" "ok" "$(echo $(cat "$T/runs"))"
is "  nothing kept aside any more" "cert.pem chain.pem fullchain.pem privkey.pem" "$(echo $(ls -A "$TG/web"))"
is "  the check finds it in sync" in-sync "$(ctl --json deploy check | jget '[r for r in d if r["deployment"] == "www/target/web"][0]["state"]')"

# --- a directory that leads outside target_dirs --------------------------------------
out=$(ctl deploy www --target escape 2>&1); rc=$?
is "a target directory that is a link out of target_dirs: exits 1" 1 "$rc"
like "  naming where it leads" "directory $TG/escape \($T/outside\) is outside \[daemon\] target_dirs" "$out"
is "  nothing written there" "" "$(ls -A "$T/outside")"
is "  failed" failed "$(state escape)"

# --- a first deployment whose reload fails: there were no files ------------------------
echo fail >"$T/mode"
out=$(ctl deploy www --target fresh 2>&1); rc=$?
is "a first deployment whose reload fails exits 1" 1 "$rc"
is "  no file left (there was none before)" "" "$(ls -A "$TG/fresh")"
like "  and says so" "exit status 1; there were no files before: the new ones are removed, reloaded again" "$out"

# --- acmd killed while the new files' reload runs, the reload failing after ----------------
# (a reload_timeout the slow reload does not reach, however slow the machine)
ok "acmd stopped" stop_daemon
conf 60s
ok "acmd starts with reload_timeout = 60s" start_daemon
echo ok >"$T/mode"
before=$(snapshot)
echo slowfail >"$T/mode"; : >"$T/runs"
ctl cert renew www --cert "$T/v3.crt" --key "$T/v3.key" --chain "$T/ca.crt" >/dev/null 2>&1
poll 30 runs_are 1
is "version 3 is in place while its reload runs" "$(openssl x509 -in "$T/v3.crt" -noout -fingerprint)" "$(openssl x509 -in "$TG/web/cert.pem" -noout -fingerprint)"
kill_daemon
like "  version 2's files are kept aside" "\.cert\.pem\.acmd-old" "$(ls -A "$TG/web")"
echo fail >"$T/mode"
ok "acmd starts again" start_daemon
poll 60 state_is web failed
is "the resumed deployment's reload fails: failed" failed "$(state web)"
is "  the files are version 2's, as before the interrupted deployment" "$before" "$(snapshot)"
echo ok >"$T/mode"
ctl sync www >/dev/null 2>&1
poll 30 state_is web in-sync
is "fixed: version 3 in place" "$(openssl x509 -in "$T/v3.crt" -noout -fingerprint)" "$(openssl x509 -in "$TG/web/cert.pem" -noout -fingerprint)"
is "  nothing kept aside" "cert.pem chain.pem fullchain.pem privkey.pem" "$(echo $(ls -A "$TG/web"))"

# --- the mismatch job puts a wrong mode and owner right ---------------------------------
chmod 0644 "$TG/web/privkey.pem"
[ "$(id -u)" = 0 ] && chown root:root "$TG/web/cert.pem"
runs=$(wc -l <"$T/runs")
ctl deploy check >/dev/null 2>&1
poll 30 runs_are $((runs + 1))
poll 30 state_is web in-sync
is "a key made 0644 by hand: the mismatch job makes it 0600 again" 600 "$(stat -c %a "$TG/web/privkey.pem")"
if [ "$(id -u)" = 0 ]; then
	is "  and the certificate's owner $TUSER:$TUSER again" "$TUSER:$TUSER" "$(stat -c %U:%G "$TG/web/cert.pem")"
fi
unlike "no key in the log" "PRIVATE KEY" "$(cat "$DLOG")"

# --- acmd stopped while a reload runs -------------------------------------------------
echo slowfail >"$T/mode"; : >"$T/runs"
ctl deploy www --target web >/dev/null 2>&1 &
poll 30 runs_are 1
ok "acmd stops (SIGTERM) while a reload runs" stop_daemon
wait

finish

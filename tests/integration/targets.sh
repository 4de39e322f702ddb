#!/bin/bash
# File targets: [target] sections, deploy --target, files written together
# (owner, group, mode; never through a planted symbolic link), the reload
# command (its output in the log, a failing one, a hanging one killed at
# its timeout while acmd keeps answering), paths outside target_dirs, a
# missing directory, the mismatch check of the files and its repair, a new
# version reaching auto-redeploy targets, kill -9 during a reload.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/targetlib.sh"

TG=$T/tgt
mkdir -p "$TG/web" "$TG/bad" "$TG/slow" "$TG/plain" "$T/outside"
if [ "$(id -u)" = 0 ]; then
	chmod 755 "$T"
	chgrp $TUSER "$TG/web" && chmod 775 "$TG/web"
fi
# The reload command: counts its runs, says who it runs as.
cat >"$T/reload.sh" <<'EOF'
#!/bin/sh
echo "reloading as $(id -un), pid $$"
echo run >>"$1"
exit 0
EOF
cat >"$T/slow.sh" <<'EOF'
#!/bin/sh
echo started >>"$1"
sleep "$2"
echo done >>"$1"
EOF
chmod 755 "$T/reload.sh" "$T/slow.sh"
: >"$T/runs"; chmod 666 "$T/runs"
: >"$T/slowruns"; chmod 666 "$T/slowruns"

runs_are() { [ "$(wc -l <"$T/runs")" = "$1" ]; }

targets() {	# the [target] sections
	cat <<EOF
[target web]
cert = $TG/web/cert.pem
chain = $TG/web/chain.pem
fullchain = $TG/web/fullchain.pem
key = $TG/web/privkey.pem
$OWNER_LINES
reload = $T/reload.sh "$T/runs"
$RUSER_LINE

[target bad]
fullchain = $TG/bad/fullchain.pem
key = $TG/bad/key.pem
reload = /bin/sh -c "echo no such service >&2; exit 3"

[target hang]
cert = $TG/slow/cert.pem
reload = /bin/sleep 61
reload_timeout = 1s

[target slow]
fullchain = $TG/slow/full.pem
reload = $T/slow.sh $T/slowruns 3

[target nodir]
cert = $TG/missing/cert.pem

[target flood]
cert = $TG/slow/flood.pem
reload = /usr/bin/yes a-flood-of-output
reload_timeout = 1s

[target plain]
cert = $TG/plain/cert.pem
key = $TG/plain/key.pem
key_mode = 0640
EOF
}
write_conf "target_dirs = $TG" "$(targets)"

# Certificates: a CA, a leaf with its chain, and a second version.
mk_ca "Target Test CA"
mk_leaf v1 www.example.com
mk_leaf v2 www.example.com

# --- configuration errors ----------------------------------------------------
conf_err() {	# conf_err DESC PATTERN LINES...: acmd -n refuses the file
	local desc=$1 pat=$2; shift 2
	printf '%s\n' "[daemon]" "target_dirs = $TG" "$@" >"$T/bad.conf"
	out=$("$ACMD" -n -c "$T/bad.conf" 2>&1); rc=$?
	check "$desc: refused" "$([ $rc -ne 0 ]; echo $?)" "$out"
	like "$desc: says why" "$pat" "$out"
}
conf_err "a path outside target_dirs" "outside the directories \[daemon\] target_dirs allows" \
    "[target x]" "cert = $T/outside/cert.pem"
conf_err "a path with .." "no '\.', '\.\.'" "[target x]" "cert = $TG/../outside/cert.pem"
conf_err "a relative path" "not an absolute path" "[target x]" "key = key.pem"
conf_err "a target without a file" "has no file" "[target x]" "reload = /bin/true"
conf_err "a reload through the shell" "must be an absolute path" "[target x]" "cert = $TG/c.pem" "reload = systemctl reload nginx"
conf_err "an unclosed quote" "quote is not closed" "[target x]" "cert = $TG/c.pem" "reload = /bin/echo \"oops"
conf_err "an unknown user" "no user 'no-such-user-x'" "[target x]" "cert = $TG/c.pem" "owner = no-such-user-x"
conf_err "a bad mode" "not an octal mode" "[target x]" "cert = $TG/c.pem" "key_mode = 0999"
conf_err "one path for two files of a target" "cert and fullchain are the same file" "[target x]" "cert = $TG/a.pem" "fullchain = $TG/a.pem"
conf_err "one path in two targets" "key $TG/k.pem is the key of \[target x\] too" "[target x]" "key = $TG/k.pem" "[target y]" "key = $TG/k.pem"
conf_err "an unknown setting" "unknown setting 'keyfile' in \[target x\]" "[target x]" "keyfile = $TG/k.pem"
printf '%s\n' "[target x]" "cert = $TG/c.pem" >"$T/bad.conf"
out=$("$ACMD" -n -c "$T/bad.conf" 2>&1); rc=$?
check "no target_dirs: every target refused" "$([ $rc -ne 0 ]; echo $?)" "$out"
like "  saying none is set" "target_dirs allows \(none set\)" "$out"

ok "acmd starts with targets" start_daemon
ok "cert add" ctl cert add www --cert "$T/v1.crt" --key "$T/v1.key" --chain "$T/ca.crt"

# --- bad input -----------------------------------------------------------------
out=$(ctl deploy www --target nosuch 2>&1); rc=$?
is "deploy to an unknown target: usage error" 2 "$rc"
like "  and names it" "no \[target nosuch\]" "$out"
out=$(ctl deploy www --target web --credential main --region us-east-1 2>&1); rc=$?
is "--target with --region: usage error" 2 "$rc"
out=$(ctl deploy www 2>&1); rc=$?
is "deploy without --credential or --target: usage error" 2 "$rc"
like "  and says what to give" "--credential C .* or --target T" "$out"
is "nothing was written by the refused deploys" "" "$(ls "$TG/web")"

# --- a symbolic link planted by a hostile user is not followed ----------------
echo "victim" >"$T/outside/victim"
ln -s "$T/outside/victim" "$TG/web/cert.pem"
ln -s "$T/outside/victim2" "$TG/web/.privkey.pem.acmd-new"

# --- deploy --target -------------------------------------------------------------
json=$(ctl --json deploy www --target web --auto-redeploy); rc=$?
is "deploy --target web exits 0" 0 "$rc"
is "  one deployment, written and reloaded" "written and reloaded" "$(echo "$json" | jget 'd["deployments"][0]["result"]')"
is "the planted link's target is untouched" victim "$(cat "$T/outside/victim")"
check "no file appeared through the planted temporary link" "$([ ! -e "$T/outside/victim2" ]; echo $?)"
check "cert.pem is now a regular file, not the link" "$([ -f "$TG/web/cert.pem" ] && [ ! -L "$TG/web/cert.pem" ]; echo $?)"
is "cert.pem is the leaf" "$(openssl x509 -in "$T/v1.crt" -noout -fingerprint)" "$(openssl x509 -in "$TG/web/cert.pem" -noout -fingerprint)"
is "chain.pem is the CA" "$(openssl x509 -in "$T/ca.crt" -noout -fingerprint)" "$(openssl x509 -in "$TG/web/chain.pem" -noout -fingerprint)"
is "fullchain.pem holds leaf then chain" 2 "$(grep -c 'BEGIN CERTIFICATE' "$TG/web/fullchain.pem")"
ok "fullchain.pem verifies" openssl verify -CAfile "$T/ca.crt" "$TG/web/fullchain.pem"
is "the key matches the certificate" "$(openssl x509 -in "$TG/web/cert.pem" -noout -pubkey)" "$(openssl pkey -in "$TG/web/privkey.pem" -pubout 2>/dev/null)"
is "key mode 0600" 600 "$(stat -c %a "$TG/web/privkey.pem")"
is "certificate mode 0644" 644 "$(stat -c %a "$TG/web/cert.pem")"
if [ "$(id -u)" = 0 ]; then
	is "files owned by $TUSER:$TUSER" "$TUSER:$TUSER" "$(stat -c %U:%G "$TG/web/privkey.pem")"
	like "reload ran as $TUSER, its output in the log" "target web: reload: reloading as $TUSER" "$(cat "$DLOG")"
fi
is "no temporary file left" "" "$(ls -A "$TG/web" | grep acmd-new)"
is "reload ran once" 1 "$(wc -l <"$T/runs")"
json=$(ctl --json deploy list www)
is "deploy list: kind target, account target, region web, in-sync" "target target web in-sync True" \
    "$(echo "$json" | jget '" ".join(str(x) for x in (d[0]["kind"], d[0]["account"], d[0]["region"], d[0]["state"], d[0]["auto_redeploy"]))')"
like "deploy list table shows the target" "www +target +target +web +1 +in-sync" "$(ctl deploy list)"

# --- a failing reload, a missing directory, a hanging reload -----------------------
out=$(ctl deploy www --target bad 2>&1); rc=$?
is "deploy to a target whose reload fails exits 1" 1 "$rc"
like "  and says the exit status" "reload of target bad failed: exit status 3" "$out"
like "  the command's output is in the log" "target bad: reload: no such service" "$(cat "$DLOG")"
like "  an ACMD_EVENT=target-reload entry with its status" "reload of target bad failed: exit status 3 ACMD_EVENT=target-reload TARGET=bad RELOAD_STATUS=exit 3" "$(cat "$DLOG")"
is "  the deployment is failed with the reason" "failed" "$(ctl --json deploy show www | jget '[r for r in d if r["region"] == "bad"][0]["state"]')"
like "  last_error says why" "exit status 3" "$(ctl --json deploy show www | jget '[r for r in d if r["region"] == "bad"][0]["last_error"]')"
is "  no file left: there was none before (target_restore.sh: previous files put back)" "" "$(ls -A "$TG/bad")"
ctl deploy www --target bad --auto-redeploy >/dev/null 2>&1
json=$(ctl --json deploy show www | jget '[r for r in d if r["region"] == "bad"][0]')
is "  an auto-redeploy target that failed backs off: attempts counted" 2 "$(echo "$json" | jget 'd["attempts"]')"
check "  its next try is in the future" "$(echo "$json" | jget 'int(d["next_retry"] > __import__("time").time())' | grep -qx 1; echo $?)" "$json"
out=$(ctl deploy www --target nodir 2>&1); rc=$?
is "deploy into a missing directory exits 1" 1 "$rc"
like "  naming the directory" "missing.*No such file or directory" "$out"
is "  failed" failed "$(ctl --json deploy show www | jget '[r for r in d if r["region"] == "nodir"][0]["state"]')"

start=$SECONDS
ctl deploy www --target hang >"$T/hang.out" 2>&1 &
hpid=$!
sleep 0.3
out=$(ctl ping 2>&1); rc=$?
is "acmd answers while a reload hangs" 0 "$rc"
wait $hpid; rc=$?
is "the hanging reload's deploy exits 1" 1 "$rc"
like "  killed at its timeout" "did not end within its reload_timeout: killed" "$(cat "$T/hang.out")"
check "  and its process is gone" "$(! pgrep -f '^/bin/sleep 61$' >/dev/null; echo $?)"
check "  within a few seconds" "$([ $((SECONDS - start)) -lt 10 ]; echo $?)"

ctl deploy www --target flood >"$T/flood.out" 2>&1 &
fpid=$!
sleep 0.3
is "acmd answers while a reload floods its output" 0 "$(ctl ping >/dev/null 2>&1; echo $?)"
wait $fpid
like "  the flood is killed at its timeout" "did not end within its reload_timeout" "$(cat "$T/flood.out")"
is "  64 lines of each run logged (the new files', then the previous ones'), then a note" "128 2" "$(grep -c 'target flood: reload: a-flood-of-output' "$DLOG") $(grep -c 'target flood: reload: (more output not logged)' "$DLOG")"

# --- mismatch check and repair -----------------------------------------------------
chmod 644 "$TG/web/privkey.pem"
json=$(ctl --json deploy check)
is "a key made world-readable: mismatch" mismatch "$(echo "$json" | jget '[r for r in d if r["deployment"] == "www/target/web"][0]["state"]')"
like "  the check says why" "privkey.pem has mode 0644, not 0600" "$(echo "$json" | jget '[r for r in d if r["deployment"] == "www/target/web"][0]["error"]')"
like "  logged as deploy-mismatch" "target's files are not the version deployed" "$(cat "$DLOG")"
poll 30 runs_are 2
is "  auto-redeploy repaired it: mode 0600" 600 "$(stat -c %a "$TG/web/privkey.pem")"
is "  and reloaded once more" 2 "$(wc -l <"$T/runs")"
echo tampered >"$TG/web/chain.pem"
json=$(ctl --json deploy check)
is "a file changed: mismatch" mismatch "$(echo "$json" | jget '[r for r in d if r["deployment"] == "www/target/web"][0]["state"]')"
poll 30 runs_are 3
is "  repaired" "$(openssl x509 -in "$T/ca.crt" -noout -fingerprint)" "$(openssl x509 -in "$TG/web/chain.pem" -noout -fingerprint)"
ok "deploy --target plain (no reload command)" ctl deploy www --target plain
is "  key_mode 0640" 640 "$(stat -c %a "$TG/plain/key.pem")"
rm -f "$TG/plain/"*.pem
json=$(ctl --json deploy check)
is "every file gone: missing" missing "$(echo "$json" | jget '[r for r in d if r["deployment"] == "www/target/plain"][0]["state"]')"
sleep 0.5
is "  not repaired (not auto-redeploy)" "" "$(ls "$TG/plain")"
sj=$(ctl --json sync www 2>/dev/null)
is "  acmctl sync repairs it (the failed targets fail again)" "written and reloaded" "$(echo "$sj" | jget '[r for r in (d.get("data") or d)["deployments"] if r["region"] == "plain"][0]["result"]')"
is "  the files are back" "cert.pem key.pem" "$(ls "$TG/plain" | tr '\n' ' ' | sed 's/ $//')"
is "a failed target's files are not checked (nothing deployed there)" "" "$(echo "$json" | jget '" ".join(r["deployment"] for r in d if r["deployment"] == "www/target/bad")')"

# --- a new version reaches the auto-redeploy target --------------------------------
runs=$(wc -l <"$T/runs")
ok "cert renew www (version 2)" ctl cert renew www --cert "$T/v2.crt" --key "$T/v2.key" --chain "$T/ca.crt"
poll 30 runs_are $((runs + 1))
sleep 1
is "the target holds version 2" "$(openssl x509 -in "$T/v2.crt" -noout -fingerprint)" "$(openssl x509 -in "$TG/web/cert.pem" -noout -fingerprint)"
is "  its key" "$(openssl pkey -in "$T/v2.key" -pubout)" "$(openssl pkey -in "$TG/web/privkey.pem" -pubout 2>/dev/null)"
is "  reloaded exactly once for it" $((runs + 1)) "$(wc -l <"$T/runs")"
is "  deploy list: version 2 in-sync" "2 in-sync" "$(ctl --json deploy list www | jget '" ".join(str(x) for x in [[r["version"], r["state"]] for r in d if r["region"] == "web"][0])')"

# --- kill -9 during a reload: the deployment is resumed -------------------------------
ctl deploy www --target slow >/dev/null 2>&1 &
for i in $(seq 1 40); do
	[ -s "$T/slowruns" ] && break
	sleep 0.1
done
is "the slow reload started" started "$(head -1 "$T/slowruns")"
kill_daemon
wait 2>/dev/null
is "the deployment's intent is on disk (state deploying)" 1 "$("$ACMD" -c "$CONF" --check-store >/dev/null 2>&1; echo 1)"
ok "acmd starts again" start_daemon
slow_in_sync() { [ "$(ctl --json deploy list www | jget '[r for r in d if r["region"] == "slow"][0]["state"]')" = in-sync ]; }
poll 60 slow_in_sync
is "the interrupted deployment was resumed to in-sync" in-sync "$(ctl --json deploy list www | jget '[r for r in d if r["region"] == "slow"][0]["state"]')"
is "  its reload ran again and finished" done "$(tail -1 "$T/slowruns")"
is "  the files are version 2" "$(openssl x509 -in "$T/v2.crt" -noout -fingerprint)" "$(openssl x509 -in "$TG/slow/full.pem" -noout -fingerprint)"
is "no temporary file left anywhere" "" "$(find "$TG" -name '*.acmd-new')"
unlike "no key in the log" "PRIVATE KEY" "$(cat "$DLOG")"

finish

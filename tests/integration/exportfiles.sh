#!/bin/bash
# cert export --out DIR writes its files safely (issue 14): a new
# temporary file, renamed into place, never a file or a symbolic link
# someone else put there; a directory others can write is refused unless
# sticky; existing files only with --force.  Run as root (chown nobody).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"

write_conf
ok "acmd starts" start_daemon
mkca
mkkey "$T/www.key"; mkleaf "$T/www.crt" "$T/www.key" www.export.test
ok "cert add www" ctl cert add www --cert "$T/www.crt" --key "$T/www.key" --chain "$T/ca.crt"
pub() { openssl pkey -in "$1" -pubout 2>/dev/null; }
NOBODY=$(id -u nobody)

# --- a plain export: the key is 0600 and the right one -------------------
D=$T/plain; mkdir -m 0755 "$D"
ok "export --with-key --out DIR" ctl cert export www --with-key --out "$D"
is "the key is mode 0600" 600 "$(stat -c %a "$D/www.key")"
is "the certificate is mode 0644" 644 "$(stat -c %a "$D/www.crt")"
check "the key is the certificate's key" "$([ -n "$(pub "$T/www.key")" ] && [ "$(pub "$D/www.key")" = "$(pub "$T/www.key")" ]; echo $?)"
is "the certificate is the one added" "$(fp_of "$T/www.crt")" "$(fp_of "$D/www.crt")"
is "no temporary file is left" "www.chain.pem www.crt www.key" "$(ls -A "$D" | tr '\n' ' ' | sed 's/ $//')"

# --- existing files: refused without --force, replaced with it -----------
err=$(ctl cert export www --with-key --out "$D" 2>&1); rc=$?
is "export over existing files: exit 2" 2 "$rc"
like "the error names the file and --force" "$D/www.crt exists.*--force" "$err"
ok "with --force they are replaced" ctl cert export www --with-key --out "$D" --force
is "the replaced key is 0600" 600 "$(stat -c %a "$D/www.key")"

# --- a NAME.key another user created beforehand --------------------------
D=$T/theirs; mkdir -m 0755 "$D"
echo theirs >"$D/www.key"; chmod 0644 "$D/www.key"; chown nobody "$D/www.key"
err=$(ctl cert export www --with-key --out "$D" 2>&1); rc=$?
is "another user's NAME.key: refused (exit 2)" 2 "$rc"
like "the error names the file" "$D/www.key exists and belongs to another user" "$err"
is "their file is not written to" "theirs $NOBODY 644" "$(cat "$D/www.key") $(stat -c '%u %a' "$D/www.key")"
is "nothing else was written" "www.key" "$(ls -A "$D")"

# --- a symbolic link at NAME.key: never followed, even with --force ------
D=$T/link; mkdir -m 0755 "$D"
echo target >"$T/target"; chmod 0644 "$T/target"
ln -s "$T/target" "$D/www.key"
err=$(ctl cert export www --with-key --out "$D" 2>&1); rc=$?
is "a symbolic link at NAME.key: refused without --force" 2 "$rc"
like "the error says it is a symbolic link" "$D/www.key exists \(a symbolic link\)" "$err"
ok "with --force" ctl cert export www --with-key --out "$D" --force
check "the link is replaced by a regular file" "$([ ! -L "$D/www.key" ] && [ -f "$D/www.key" ]; echo $?)"
is "the new key is 0600 and the right one" "600 yes" "$(stat -c %a "$D/www.key") $([ "$(pub "$D/www.key")" = "$(pub "$T/www.key")" ] && echo yes)"
is "the link's target is untouched" "target 644" "$(cat "$T/target") $(stat -c %a "$T/target")"

# --- a directory others can write ----------------------------------------
D=$T/open; mkdir "$D"; chmod 0777 "$D"
err=$(ctl cert export www --with-key --out "$D" 2>&1); rc=$?
is "a directory mode 0777 (not sticky): refused (exit 2)" 2 "$rc"
like "the error names the directory" "$D: other users can write into this directory" "$err"
is "nothing was written there" "" "$(ls -A "$D")"

D=$T/sticky; mkdir "$D"; chmod 1777 "$D"
echo theirs >"$D/www.key"; chown nobody "$D/www.key"
err=$(ctl cert export www --with-key --out "$D" --force 2>&1); rc=$?
is "sticky 1777 with another user's NAME.key: refused even with --force" 2 "$rc"
like "the error says whose it is" "$D/www.key belongs to another user" "$err"
is "their file is untouched" "theirs $NOBODY" "$(cat "$D/www.key") $(stat -c %u "$D/www.key")"
rm -f "$D/www.key"
ok "sticky 1777 without such files: written" ctl cert export www --with-key --out "$D"
is "the key there is 0600" 600 "$(stat -c %a "$D/www.key")"

# --- usage ---------------------------------------------------------------
ctl cert export www --force >/dev/null 2>&1; is "--force without --out: exit 2" 2 "$?"
D=$T/json; mkdir "$D"
out=$(ctl cert export www --with-key --out "$D" --json 2>&1); rc=$?
is "--out with --json: exit 2" 2 "$rc"
unlike "--out with --json: no key printed" 'PRIVATE KEY' "$out"
err=$(ctl cert export www --out "$T/nosuch" 2>&1); rc=$?
is "--out a missing directory: exit 2" 2 "$rc"
like "the error names it" "$T/nosuch" "$err"
finish

#!/bin/bash
# State that must never be taken for empty (issue 14): a missing or
# different master key with sealed data in the store, and a damaged
# data.mdb (emptied, truncated, pages zeroed), are refused at start with a
# message naming the file, changing nothing; acmd --check-store reads
# every record and says where the store is damaged; scheduled compacted
# backups are kept (so many of them) and the restore procedure of acmd(8)
# brings the data back.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"

S=$T/state
KEY=$S/master.key
DB=$S/data.mdb
sum() { sha256sum "$DB" | cut -d' ' -f1; }
# run_acmd LOG: acmd in the foreground (expected to refuse); its exit status
run_acmd() {
	local rc=0
	timeout 30 "$ACMD" -c "$CONF" >"$1" 2>&1 || rc=$?
	echo "$rc"
}
check_store() {	# check_store LOG: acmd --check-store; its exit status
	local rc=0
	timeout 60 "$ACMD" -c "$CONF" --check-store >"$1" 2>&1 || rc=$?
	echo "$rc"
}

# --- a fresh state directory: a new key and its check ---------------------
write_conf
ok "acmd starts on an empty state directory" start_daemon
check "  it creates master.key" "$([ -s "$KEY" ]; echo $?)"
like "  and writes the key check into the store" "key check of master key $KEY written" "$(cat "$DLOG")"
mkca
mkkey "$T/web.key"; mkleaf "$T/web.crt" "$T/web.key" web.damaged.test
ok "cert add web (its key sealed)" ctl cert add web --cert "$T/web.crt" --key "$T/web.key" --chain "$T/ca.crt"
ok "acmd stops" stop_daemon
cp -p "$KEY" "$T/master.key.saved"
before=$(sum)

# --- master.key deleted with sealed data: refused, nothing made ------------
rm -f "$KEY"
rc=$(run_acmd "$T/nokey.log")
is "master.key deleted, a key sealed in the store: acmd exits 1" 1 "$rc"
like "  the message names master.key and the sealed data" \
    "master key $KEY is missing, and the store $S/data.mdb holds data sealed under a master key \(the private key of web version 1" \
    "$(cat "$T/nokey.log")"
check "  no new master.key is made" "$([ ! -e "$KEY" ]; echo $?)"
is "  data.mdb is unchanged" "$before" "$(sum)"

# --- another master.key: refused -------------------------------------------
head -c 32 /dev/urandom >"$KEY"; chmod 600 "$KEY"
rc=$(run_acmd "$T/otherkey.log")
is "another master.key: acmd exits 1" 1 "$rc"
like "  the message names master.key" \
    "master key $KEY is not the key the store $S/data.mdb was sealed with" \
    "$(cat "$T/otherkey.log")"
is "  data.mdb is unchanged" "$before" "$(sum)"

# --- the right key back: starts, the key opens ------------------------------
cp -p "$T/master.key.saved" "$KEY"
ok "the right master.key back: acmd starts" start_daemon
mkdir "$T/exp"
ok "  cert export --with-key works" ctl cert export web --with-key --out "$T/exp"
ok "  the exported key is the one added" cmp "$T/exp/web.key" <(openssl pkey -in "$T/web.key")
ok "acmd stops" stop_daemon

# --- a store from before the key check: written when the key opens it ------
# (mdb_dump and mdb_load, of the LMDB tools, take the check out)
nocheck() {
	mdb_dump -a "$S" | awk 'skip { skip = 0; next }
	    $1 == "7661756c745f636865636b" { skip = 1; next } { print }' >"$T/dump"
	rm -rf "$T/nocheck" && mkdir "$T/nocheck" &&
	    mdb_load -f "$T/dump" "$T/nocheck" 2>/dev/null &&
	    cp "$T/nocheck/data.mdb" "$DB" && rm -f "$S/lock.mdb"
}
ok "the key check taken out of the store" nocheck
head -c 32 /dev/urandom >"$KEY"; chmod 600 "$KEY"
before=$(sum)
rc=$(run_acmd "$T/upgrade-other.log")
is "no key check, another master.key: acmd exits 1" 1 "$rc"
like "  the message names master.key and what it does not open" \
    "master key $KEY is not the key the store $S/data.mdb was sealed with \(the private key of web version 1 does not open with it\)" \
    "$(cat "$T/upgrade-other.log")"
is "  data.mdb is unchanged" "$before" "$(sum)"
cp -p "$T/master.key.saved" "$KEY"
: >"$DLOG"
ok "no key check, the right master.key: acmd starts" start_daemon
like "  and writes the check (the key opens the sealed data)" \
    "key check of master key $KEY written to the store \(it opens the sealed data there\)" "$(cat "$DLOG")"
ok "acmd stops" stop_daemon
rm -f "$KEY"
rc=$(run_acmd "$T/upgrade-nokey.log")
is "  after that, master.key deleted: acmd exits 1" 1 "$rc"
cp -p "$T/master.key.saved" "$KEY"
finish

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
check "  (meta vault_check)" "$(mdb_dump -p -s meta "$S" | grep -q '^ vault_check$'; echo $?)"
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

# --- a store of more than 1.5 MB ---------------------------------------------
write_conf "[jobs]" "discovery_interval = 0"
ok "acmd starts" start_daemon
n=0
while [ "$(stat -c %s "$DB")" -lt 1500000 ] && [ $n -lt 60 ]; do
	n=$((n + 1))
	bigleaf $n damaged.test
	ctl cert add "big$n" --cert "$T/big$n.crt" --key "$T/big$n.key" >/dev/null || break
done
check "a store of more than 1.5 MB ($n certificates)" "$([ "$(stat -c %s "$DB")" -ge 1500000 ]; echo $?)"
ctl --json cert list | jget "sorted((c['name'], c['version']) for c in d)" >"$T/list.before"
ok "acmd stops" stop_daemon
cp -a "$S" "$T/state.good"
rc=$(check_store "$T/check-good.log")
is "acmd --check-store on the healthy store: exit 0" 0 "$rc"
like "  it reads every record" "versions: $((2 * n + 2)) records, ok" "$(cat "$T/check-good.log")"
like "  and says so" "store $DB: every record read, no problem found" "$(cat "$T/check-good.log")"

# --- a damaged data.mdb is refused, not mapped --------------------------------
for size in 0 8K 1M; do
	rm -rf "$S" && cp -a "$T/state.good" "$S"
	truncate -s "$size" "$DB"
	tsum=$(sum)
	rc=$(run_acmd "$T/trunc$size.log")
	is "data.mdb truncated to $size: acmd exits 1 (no SIGBUS)" 1 "$rc"
	like "  the message names data.mdb" \
	    "store: $DB is (empty|truncated)" "$(cat "$T/trunc$size.log")"
	is "  data.mdb is left as it is" "$tsum" "$(sum)"
	rc=$(check_store "$T/check$size.log")
	is "  acmd --check-store exits 1" 1 "$rc"
done
rm -rf "$S" && cp -a "$T/state.good" "$S"
pages=$(( $(stat -c %s "$DB") / 4096 ))
dd if=/dev/zero of="$DB" bs=4096 seek=$((pages / 2)) count=20 conv=notrunc 2>/dev/null
rc=$(check_store "$T/check-zero.log")
is "20 zeroed pages in the middle: acmd --check-store exits 1" 1 "$rc"
like "  it says which database and record" \
    "versions: record 'big[0-9]+/[0-9]+': (a text holds NUL bytes|value is not a msgpack map)" \
    "$(cat "$T/check-zero.log")"
like "  and what to do" "problems? found; restore the last backup" "$(cat "$T/check-zero.log")"

# --- backups on schedule, so many kept ---------------------------------------
rm -rf "$S" && cp -a "$T/state.good" "$S"
write_conf "[jobs]" "discovery_interval = 0" "backup_interval = 1s" "backup_keep = 2"
: >"$DLOG"
ok "acmd starts with backups every second, 2 kept" start_daemon
copies() { ls "$S/backup" 2>/dev/null | grep -c '^data-.*Z\.mdb$'; }
copied() { grep -c 'backup: store copied to' "$DLOG"; }
copied_at_least() { [ "$(copied)" -ge "$1" ]; }
ok "three copies are written" wait_for 20 copied_at_least 3
is "  backup_keep = 2: two copies are kept" 2 "$(copies)"
is "  the backup directory is mode 0700" 700 "$(stat -c %a "$S/backup")"
check "  no temporary file is left" "$(ls -A "$S/backup" | grep -q '^\.backup-'; [ $? = 1 ]; echo $?)"
rc=$(check_store "$T/check-live.log")
is "acmd --check-store while acmd runs: exit 0" 0 "$rc"
# A copy that fails is logged and leaves the earlier copies alone.
touch "$T/notadir"
write_conf "backup_dir = $T/notadir/backup" "[jobs]" "discovery_interval = 0" "backup_interval = 1s" "backup_keep = 2"
kill -HUP "$DPID"
ok "a copy into a directory that cannot be made fails, logged" \
    wait_for 10 grep -q "backup: the copy of the store into $T/notadir/backup failed, the earlier copies are kept" "$DLOG"
is "  the earlier copies are there" 2 "$(copies)"
ok "acmd stops" stop_daemon

# --- the restore procedure of acmd(8) ----------------------------------------
truncate -s 8K "$DB"
rc=$(run_acmd "$T/damaged.log")
is "data.mdb damaged: acmd refuses to start" 1 "$rc"
last=$(ls "$S/backup" | grep '^data-.*Z\.mdb$' | tail -1)
ok "restore: the last copy over data.mdb" cp "$S/backup/$last" "$DB"
rc=$(check_store "$T/check-restored.log")
is "  acmd --check-store: exit 0" 0 "$rc"
like "  no problem found" "no problem found" "$(cat "$T/check-restored.log")"
ok "  acmd starts" start_daemon
is "  every certificate version is back" "$(cat "$T/list.before")" \
    "$(ctl --json cert list | jget "sorted((c['name'], c['version']) for c in d)")"
mkdir "$T/exp2"
ok "  and a key opens" ctl cert export "big$n" --with-key --out "$T/exp2"
ok "  the exported key is the one added" cmp "$T/exp2/big$n.key" <(openssl pkey -in "$T/big$n.key")

# --- a zeroed leaf page in the middle of a walk: the read fails, acmd goes on
ok "150 audited commands" bash -c 'for i in $(seq 1 150); do echo "$0" |
    "$1" -s "$2" credential add "c$i" --access-key "$3" >/dev/null || exit 1; done' \
    "$SECRET" "$ACMCTL" "$SOCK" "$AKID"
ok "acmd stops" stop_daemon
# A compacted copy has no stale pages: every page of the audit database
# holding audit records is a live leaf.  Zero all of them but the first.
zero_audit_leaves() {
	rm -f "$T/compact.mdb"
	mdb_copy -c -n "$DB" "$T/compact.mdb" && cp "$T/compact.mdb" "$DB" &&
	/usr/bin/python3 - "$DB" <<'PY'
import sys
f = open(sys.argv[1], 'r+b'); data = f.read(); ps = 4096
first = b'\0' * 7 + b'\x01\x85\xa3seq\x01'
zeroed = 0
for pg in range(2, len(data) // ps):
    page = data[pg * ps:(pg + 1) * ps]
    if page[10] & 0x02 and b'\xa3cmd\xaecredential.add' in page and first not in page:
        f.seek(pg * ps); f.write(b'\0' * ps); zeroed += 1
f.close()
sys.exit(0 if zeroed > 0 else 1)
PY
}
ok "audit leaf pages zeroed (but the first)" zero_audit_leaves
: >"$DLOG"
ok "acmd starts" start_daemon
out=$(ctl audit 2>&1); rc=$?
is "acmctl audit fails, exit 1 (acmd does not abort)" 1 "$rc"
like "  saying data.mdb is damaged and what to run" \
    "store: audit: MDB_CORRUPTED.*data.mdb is damaged: run acmd --check-store" "$out"
ok "  acmd still serves" ctl ping
like "  its log names data.mdb" "store: $DB is damaged \(LMDB: .*Assertion" "$(cat "$DLOG")"
ok "  cert list still answers" ctl cert list
rc=$(check_store "$T/check-audit.log")
is "acmd --check-store exits 1" 1 "$rc"
like "  naming the audit database" "audit: damaged after [0-9]+ records" "$(cat "$T/check-audit.log")"
ok "acmd stops" stop_daemon
finish

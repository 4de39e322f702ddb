#!/bin/bash
# Secrets do not linger where a core file or a memory read would find them
# (issue 14, item 10): the credential's secret and a private key's PEM are
# gone from acmd's ordinary memory once the requests that carried them are
# done, and acmd's working copies live in OpenSSL's secure heap (locked,
# left out of core files).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"

if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP needs root to read acmd's memory"
	exit 0
fi
SCAN="/usr/bin/python3 $top_srcdir/tests/integration/memscan.py"
ok "emulator starts" start_emulator
write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
    "regions = us-east-1" "[jobs]" "discovery_interval = 0"
ok "acmd starts" start_daemon
log=$(cat "$DLOG")
unlike "the secure heap is set up and locked" "secure heap" "$log"

# A distinct secret and key, to be looked for.
SECRET=SeCrEtMaRkEr$(openssl rand -hex 14)
AKID=AKIDSECRETSTEST00001
emu POST /_emu/keys "{\"access_key\":\"$AKID\",\"secret\":\"$SECRET\",\"account\":\"111111111111\"}" >/dev/null
ok "a credential with a secret is added" add_credential
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$T/leaf.key" 2>/dev/null
mkca
mkleaf "$T/leaf.crt" "$T/leaf.key" secrets.example.com
LINE=$(sed -n 5p "$T/leaf.key")
ok "a certificate with its key is added" ctl cert add web --cert "$T/leaf.crt" --key "$T/leaf.key"
ok "the credential works (acmd uses its secret)" ctl credential test main
for i in $(seq 1 100); do ctl status >/dev/null; done

r=$($SCAN "$DPID" "$SECRET" "$LINE")
is "the secret is nowhere in acmd's dumpable memory" "[]" "$(echo "$r" | jget 'd["found"]["'"$SECRET"'"]')"
is "no line of the key's PEM is either" "[]" "$(echo "$r" | jget 'd["found"]["'"$LINE"'"]')"
is "acmd has a locked memory region left out of core files" True "$(echo "$r" | jget 'd["undumped_locked"]')"

# The key leaves acmd in an export: that answer is wiped as well.
ok "the key is exported" ctl cert export web --with-key
for i in $(seq 1 20); do ctl status >/dev/null; done
r=$($SCAN "$DPID" "$LINE")
is "after an export, no line of the key's PEM stays behind" "[]" "$(echo "$r" | jget 'd["found"]["'"$LINE"'"]')"
finish

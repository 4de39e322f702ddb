#!/bin/bash
# A store that fills up (issue 13): every command that writes fails with a
# clear error naming the full store and changes nothing, while the daemon
# goes on serving reads and later writes (a failed write transaction is
# never left open); raising store_size and restarting makes room, and what
# was stored before is all there.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"

R=us-east-1
ok "emulator starts" start_emulator --no-quotas
write_conf "store_size = 1" "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
    "regions = all" "rate_limits = no" "[jobs]" "discovery_interval = 0"
ok "acmd starts with a 1 MiB store" start_daemon
ok "credential add" add_credential
mkca
mkkey "$T/small.key"; mkleaf "$T/small.crt" "$T/small.key" small.storefull.test
ok "cert add small (to deploy later)" ctl cert add small --cert "$T/small.crt" --key "$T/small.key" --chain "$T/ca.crt"


# Fill the store with cert add until one is refused.
n=0 full=
while [ $n -lt 60 ]; do
	n=$((n + 1))
	bigleaf $n storefull.test
	if ! ctl cert add "big$n" --cert "$T/big$n.crt" --key "$T/big$n.key" \
	    >"$T/add.out" 2>"$T/add.err"; then
		full=$n
		break
	fi
done
check "the store fills up after some certificates (refused at $full)" \
    "$([ -n "$full" ] && [ "$full" -gt 2 ]; echo $?)"
like "cert add: the error says the store is full and how to make room" \
    'store is full \(store_size = 1 MiB in acmd.conf; raise it and restart acmd\)' "$(cat "$T/add.err")"
check "the daemon is alive" "$(kill -0 "$DPID"; echo $?)"
ok "ping answers" ctl ping
is "cert list has the certificates added before, not the refused one" \
    "$full False" \
    "$(ctl --json cert list | jget "'%d %s' % (len(d), any(c['name'] == 'big$full' for c in d))")"
ok "cert show answers" ctl cert show big1
ok "status answers" ctl status

# Every writing command after that fails cleanly, and keeps failing cleanly.
try_cmd() {	# try_cmd DESCRIPTION COMMAND...
	local d=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ $rc -eq 1 ] && echo "$out" | grep -q 'store is full'; then
		check "$d" 0
	else
		check "$d" 1 "exit $rc: $out"
	fi
}
try_cmd "cert add again: the same clear error" \
    ctl cert add "big$full" --cert "$T/big$full.crt" --key "$T/big$full.key"
# The smallest writes too: credentials until one is refused (what a
# refused write used is given back, so the store stays full after).
c=0 cfull=
while [ $c -lt 300 ]; do
	c=$((c + 1))
	if ! echo "$SECRET" | ctl credential add "c$c" --access-key "$AKID" \
	    >/dev/null 2>"$T/cred.err"; then
		cfull=$c
		break
	fi
done
check "credential add is refused once the store is quite full (at $cfull)" \
    "$([ -n "$cfull" ]; echo $?)"
like "credential add: the store-full error" 'store is full' "$(cat "$T/cred.err")"
is "credential list: not the refused credential" "False" \
    "$(ctl --json credential list | jget "any(c['name'] == 'c$cfull' for c in d)")"
# And the smallest: the audit record of a command that does nothing else,
# until even that is refused (the log says so; the command still answers).
a=0
while [ $a -lt 3000 ] && ! grep -q 'audit: cannot record' "$DLOG"; do
	a=$((a + 1))
	ctl cert delete "nosuch$a" >/dev/null 2>&1
done
check "the audit record is refused once the store is full (after $a)" \
    "$(grep -q 'audit: cannot record.*store is full' "$DLOG"; echo $?)"
try_cmd "credential add again: store full" \
    sh -c "echo '$SECRET' | '$ACMCTL' -s '$SOCK' credential add c$cfull --access-key '$AKID'"
# What a refused write gives back can be used by the next small one, so a
# command is tried until it is refused (each time with something new); the
# refused one must have changed nothing, here or in ACM.
until_full() {	# until_full MAX COMMAND...: runs COMMAND with $i = 1..MAX
	local max=$1
	shift
	i=0
	while [ $i -lt "$max" ]; do
		i=$((i + 1))
		if ! eval "$*" >/dev/null 2>"$T/uf.err"; then
			return 0
		fi
	done
	return 1
}
ok "request public: refused within 50 tries" \
    until_full 50 'ctl request public --domain "r$i.storefull.test" --validation dns --credential main --region $R'
like "request public: the store-full error" 'store is full' "$(cat "$T/uf.err")"
is "ACM got exactly the requests acmd could record" "$((i - 1)) $((i - 1))" \
    "$(emu_py "len(certs('$R'))") $(ctl --json request list | jget 'len(d)')"
is "the refused domain was never requested" "0" \
    "$(emu_py "len([c for c in certs('$R') if c.get('domain') == 'r$i.storefull.test'])")"
REGIONS=(us-east-1 us-east-2 us-west-1 us-west-2 eu-west-1 eu-west-2 eu-west-3 eu-central-1 eu-north-1 ap-southeast-1 ap-southeast-2 ap-northeast-1 ap-south-1 sa-east-1 ca-central-1)
ok "deploy: refused within 15 regions" \
    until_full 15 'ctl deploy small --credential main --region ${REGIONS[$((i - 1))]}'
like "deploy: the store-full error" 'store is full' "$(cat "$T/uf.err")"
is "deploy list: the deployments recorded before, not the refused one" "$((i - 1))" \
    "$(ctl --json deploy list | jget 'len(d)')"
is "the refused region got nothing imported" "0" "$(emu_count "${REGIONS[$((i - 1))]}" "$(fp_of "$T/small.crt")")"
ok "ping still answers" ctl ping
check "the daemon is alive after every refused write" "$(kill -0 "$DPID"; echo $?)"
ok "acmd stops cleanly" stop_daemon

write_conf "store_size = 64" "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
    "regions = $R" "rate_limits = no" "[jobs]" "discovery_interval = 0"
ok "acmd starts with a 64 MiB store" start_daemon
is "everything stored before is there" "$full" "$(ctl --json cert list | jget 'len(d)')"
ok "cert add works again" ctl cert add "big$full" --cert "$T/big$full.crt" --key "$T/big$full.key"
ok "deploy works again" ctl deploy small --credential main --region $R
is "ACM holds the deployed certificate" "1" "$(emu_count $R "$(fp_of "$T/small.crt")")"
ok "acmd stops" stop_daemon
finish

# Helpers for the deploy tests (deploy.sh, watch.sh, deploy_crash.sh):
# the emulator's account, test certificates made with the openssl CLI,
# what the emulator holds, what acmd recorded.  Sourced after lib.sh.
ACCT=111111111111
AKID=AKIDEXAMPLE000000001
SECRET=emusecret0000000000000000000000000000001

awsc() {	# awsc [--region R] ARGS...: awscli against the emulator
	AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$SECRET \
	AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE=/dev/null \
	AWS_SHARED_CREDENTIALS_FILE=/dev/null HOME=$T \
	    /usr/bin/aws --endpoint-url "http://127.0.0.1:$EMU_PORT" \
	    --output json "$@"
}

start_one_region() {	# the emulator, acmd in region $R without its jobs, the credential
	ok "emulator starts" start_emulator --no-quotas
	write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
	    "regions = $R" "rate_limits = no" "[jobs]" "discovery_interval = 0"
	ok "acmd starts" start_daemon
	ok "credential added" add_credential
}

add_credential() {
	echo "$SECRET" | "$ACMCTL" -s "$SOCK" credential add main \
	    --access-key "$AKID"
}

mkca() {	# mkca: an EC test CA in $T/ca.{key,crt}
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/ca.key" -out "$T/ca.crt" -days 30 \
	    -subj "/CN=acmd deploy test CA" >/dev/null 2>&1
}

mkkey() {	# mkkey FILE: a new EC P-256 key
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$1" >/dev/null 2>&1
}

# bigleaf N DOMAIN: a leaf with 900 long names (about 45 kB) under DOMAIN,
# by its own key, in $T/bigN.{key,crt}.
bigleaf() {
	local i
	mkkey "$T/big$1.key"
	{
		printf 'basicConstraints=CA:FALSE\nsubjectAltName='
		for i in $(seq 1 900); do
			printf 'DNS:host-%04d-with-a-rather-long-label-%s.%s,' "$i" "$1" "$2"
		done
		printf 'DNS:big%s.%s\n' "$1" "$2"
	} >"$T/big.cnf"
	openssl req -new -key "$T/big$1.key" -subj "/CN=big$1.$2" 2>/dev/null |
	openssl x509 -req -CA "$T/ca.crt" -CAkey "$T/ca.key" \
	    -set_serial "0x$(openssl rand -hex 12)" -days 60 \
	    -extfile "$T/big.cnf" -out "$T/big$1.crt" >/dev/null 2>&1
}

mkleaf() {	# mkleaf OUT KEY CN: a leaf for CN signed by the test CA
	printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n' "$3" \
	    >"$T/ext.cnf"
	openssl req -new -key "$2" -subj "/CN=$3" 2>/dev/null |
	openssl x509 -req -CA "$T/ca.crt" -CAkey "$T/ca.key" \
	    -set_serial "0x$(openssl rand -hex 12)" -days 60 \
	    -extfile "$T/ext.cnf" -out "$1" >/dev/null 2>&1
}

fp_of() {	# fp_of PEM-FILE: sha256 of the DER, lower-case hex
	openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1
}

serial_of() {	# serial_of PEM-FILE: lower-case hex, no colons
	openssl x509 -in "$1" -noout -serial | sed 's/^serial=//' | tr A-F a-f
}

emu_py() {	# emu_py EXPR: EXPR over the emulator's state; certs(R) helps
	emu GET /_emu/state | /usr/bin/python3 -c "
import json, sys
d = json.load(sys.stdin)
def certs(r):
    return d['accounts'].get('$ACCT', {}).get('regions', {}).get(r, {}).get('certificates', [])
def at(arn):
    for a in d['accounts'].values():
        for rs in a['regions'].values():
            for c in rs['certificates']:
                if c['arn'] == arn:
                    return c
    return {}
r = ($1)
print(r if not isinstance(r, (dict, list)) else json.dumps(r))"
}

emu_count() {	# emu_count REGION FP: certificates there with that fingerprint
	emu_py "len([c for c in certs('$1') if c['fingerprint'] == '$2'])"
}

emu_fp_at() {	# emu_fp_at ARN
	emu_py "at('$1').get('fingerprint')"
}

emu_serial_at() {	# emu_serial_at ARN: lower-case hex, no colons
	emu_py "(at('$1').get('serial') or '').replace(':', '').lower()"
}

dep_get() {	# dep_get NAME REGION FIELD: from deploy list --json
	ctl --json deploy list "$1" 2>/dev/null | jget "([r for r in d if r['region'] == '$2'] or [{}])[0].get('$3')"
}

wait_for() {	# wait_for SECONDS COMMAND...: poll until it succeeds
	local end=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
	return 0
}

dep_is() {	# dep_is NAME REGION FIELD VALUE
	[ "$(dep_get "$1" "$2" "$3")" = "$4" ]
}

dep_vs() {	# dep_vs NAME REGION "VERSION STATE"
	[ "$(dep_get "$1" "$2" version) $(dep_get "$1" "$2" state)" = "$3" ]
}

# Request keys: a private CA's certificates with --with-key ($R, $CA).
fault() {	# fault JSON: the only fault on ExportCertificate; stats from 0
	emu DELETE /_emu/faults >/dev/null
	[ -z "$1" ] || emu POST /_emu/faults "{\"service\":\"acm\",\"operation\":\"ExportCertificate\",$1}" >/dev/null
	emu POST /_emu/stats/reset >/dev/null
}
kx() {	# kx ID EXPR: an expression of the request's key_export (k)
	ctl --json request show "$1" | jget "(lambda k: $2)(d.get('key_export') or {})"
}
request() {	# request NAME: request private --with-key, then one sync
	local id
	id=$(ctl --json request private --credential main --region $R \
	    --ca "$CA" --domain "$1.corp.example" --with-key --name "$1" |
	    jget 'd["id"]') || return 1
	ctl request sync "$id" >/dev/null 2>&1
	echo "$id"
}

# Key exports (keybilling.sh, keyrefused.sh, request_crash.sh).
billed() {	# billed ARN: the exports the emulator carried out
	emu GET /_emu/state | jget "[c.get('export_count', 0) for a in d['accounts'].values() for r in a['regions'].values() for c in r['certificates'] if c['arn'] == '$1'][0]"
}
billed_is() { [ "$(billed "$1")" = "$2" ]; }
has_key() { ctl --json cert show "$1" | jget 'd["has_key"]'; }
keyed() { [ "$(has_key "$1")" = True ]; }
export_settled() {	# export_settled ID N: attempt N made and over (failed, stored or waiting)
	[ "$(kx "$1" "k.get('attempts') == $2 and (k.get('state') in ('failed', 'stored') or 'next_retry' in k)")" = True ]
}

# killed_at FUNCTION WHAT COMMAND...: gdb kills acmd where FUNCTION is
# entered while COMMAND runs (WHAT, in the checks), which so fails.
killed_at() {
	local fn=$1 what=$2 gdb out
	shift 2
	gdb -p "$DPID" -batch -ex "break $fn" -ex 'continue' -ex 'kill' \
	    >"$T/gdb.out" 2>&1 &
	gdb=$!
	ok "gdb holds acmd" poll 20 grep -q "^Breakpoint 1 at" "$T/gdb.out"
	out=$("$@" 2>&1)
	check "$what loses acmd on the way" "$([ $? -ne 0 ]; echo $?)" "$out"
	wait "$gdb"
	like "gdb stopped it at $fn" "Breakpoint 1, $fn" "$(cat "$T/gdb.out")"
	check "acmd is gone" "$(! kill -0 "$DPID" 2>/dev/null; echo $?)"
	DPID=
}

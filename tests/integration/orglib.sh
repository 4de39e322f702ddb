# Helpers for the Organizations tests (organization.sh, orgclosed.sh,
# connections.sh).  Sourced after lib.sh.

# The emulator's default key, the organization's management account.
AKID=AKIDEXAMPLE000000001
SECRET=emusecret0000000000000000000000000000001
MGMT=111111111111

# start_org REGIONS PARALLEL [[aws] lines...]: the emulator (quotas off),
# acmd in those regions with parallel_accounts PARALLEL and no scheduled
# discovery, and an organization whose management account is $MGMT.
start_org() {
	local regions=$1 par=$2
	shift 2
	ok "emulator starts" start_emulator --no-quotas
	write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
	    "regions = $regions" "rate_limits = no" "$@" \
	    "[jobs]" "discovery_interval = 0" "parallel_accounts = $par"
	ok "acmd starts" start_daemon
	ok "emulator: organization" emu POST /_emu/org "{\"management_account\":\"$MGMT\"}"
}

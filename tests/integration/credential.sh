#!/bin/bash
# Stored AWS credentials against the emulator: add (secret on stdin), list
# (masked), test (STS GetCallerIdentity, AssumeRole), remove; bad inputs;
# the secret never shows up in the log, the audit log or the store.
. "$top_srcdir/tests/integration/lib.sh"

AKID=AKIDEXAMPLE000000001
SECRET=emusecret0000000000000000000000000000001
WRONG=wrongsecret000000000000000000000000000001

ok "emulator starts" start_emulator --no-quotas
write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
    "regions = us-east-1" "rate_limits = no"
ok "acmd starts" start_daemon

names() {
	ctl --json credential list | jget '" ".join(sorted(r["name"] for r in d))'
}

out=$(echo "$SECRET" | ctl credential add main --access-key "$AKID" 2>&1); rc=$?
is "credential add with the secret on stdin exits 0" 0 "$rc"
unlike "credential add does not echo the secret" "$SECRET" "$out"
list=$(ctl credential list)
like "credential list shows it" '^main +keys' "$(echo "$list" | sed -n 2p)"
unlike "credential list masks the access key" "$AKID" "$list"
like "credential list shows a masked key" 'AKID\.\.\.0001' "$list"
unlike "credential list --json masks the access key" "$AKID" "$(ctl --json credential list)"
unlike "credential list never shows the secret" "$SECRET" "$(ctl --json credential list)"

out=$(ctl credential test main 2>&1); rc=$?
is "credential test exits 0" 0 "$rc"
json=$(ctl --json credential test main)
is "credential test: the account" 111111111111 "$(echo "$json" | jget 'd["account"]')"
like "credential test: an ARN in the account" '^arn:aws:(iam|sts)::111111111111:' "$(echo "$json" | jget 'd["arn"]')"

# A wrong secret: stored (acmd cannot know), but test fails with AWS's error.
ok "credential add with a wrong secret" sh -c "echo $WRONG | \"$ACMCTL\" -s \"$SOCK\" credential add wrong --access-key $AKID"
err=$(ctl credential test wrong 2>&1); rc=$?
is "wrong secret: credential test exits 1" 1 "$rc"
like "wrong secret: SignatureDoesNotMatch" 'SignatureDoesNotMatch' "$err"
unlike "wrong secret: the error does not show the secret" "$WRONG" "$err"

ok "credential add with an unknown access key" sh -c "echo $SECRET | \"$ACMCTL\" -s \"$SOCK\" credential add stranger --access-key AKIDUNKNOWNKEY000001"
err=$(ctl credential test stranger 2>&1); rc=$?
is "unknown access key: credential test exits 1" 1 "$rc"
like "unknown access key: AWS's error" 'InvalidClientTokenId|UnrecognizedClient' "$err"

# Bad inputs: refused, nothing stored.
before=$(names)
err=$(echo "$SECRET" | ctl credential add bad1 --access-key 'not a key' 2>&1); rc=$?
is "access key with spaces: a usage error (exit 2)" 2 "$rc"
like "access key with spaces: names the option and says why" "^acmctl credential add: --access-key: .*printable characters without spaces" "$err"
err=$(ctl credential add bad2 --access-key "$AKID" </dev/null 2>&1); rc=$?
check "no secret on stdin: fails (exit $rc)" "$( [ "$rc" = 1 ] || [ "$rc" = 2 ]; echo $?)"
like "no secret on stdin: clear message" 'no secret' "$err"
err=$(echo "$SECRET" | ctl credential add bad3 --access-key "$AKID" --role-arn arn:aws:iam::12:role/x 2>&1); rc=$?
is "bad role ARN: a usage error (exit 2)" 2 "$rc"
like "bad role ARN: clear message" 'not an IAM role ARN' "$err"
err=$(echo "$SECRET" | ctl credential add main --access-key "$AKID" 2>&1); rc=$?
is "duplicate name: exit 1" 1 "$rc"
like "duplicate name: EEXIST" "credential 'main' exists.*EEXIST" "$err"
err=$(echo "$SECRET" | ctl credential add 'bad name/x' --access-key "$AKID" 2>&1); rc=$?
is "bad credential name: a usage error (exit 2)" 2 "$rc"
is "bad inputs stored nothing" "$before" "$(names)"

# Keys of another shape (AWS-compatible endpoints, test set-ups): taken,
# with a warning, and used as they are.
out=$(echo testing | ctl credential add odd --access-key testing 2>"$T/odd.err"); rc=$?
is "access key 'testing' with secret 'testing': accepted (exit 0)" 0 "$rc"
like "a warning that it does not look like an AWS key id" "warning: 'testing' does not look like an AWS access key id" "$(cat "$T/odd.err")"
like "and one for the secret" "warning: the secret access key does not look like an AWS one" "$(cat "$T/odd.err")"
unlike "the warning does not show the secret" "stored as given.*testing.*testing" "$(cat "$T/odd.err")"
is "it is stored with the key id as given" "testing" "$(ctl --json credential list | jget '[r["access_key"] for r in d if r["name"] == "odd"][0]')"
err=$(ctl credential test odd 2>&1); rc=$?
is "credential test odd: AWS's refusal, not acmd's (exit 1)" 1 "$rc"
like "credential test odd: the key reached the emulator" 'InvalidClientTokenId|UnrecognizedClient' "$err"
ok "credential remove odd" ctl credential remove odd
err=$(echo "$SECRET" | ctl credential add long --access-key "$(printf 'A%.0s' $(seq 1 129))" 2>&1); rc=$?
is "an access key of 129 characters: a usage error (exit 2)" 2 "$rc"

# Another account through STS AssumeRole.
ROLE=arn:aws:iam::222222222222:role/acmd-discovery
out=$(echo "$SECRET" | ctl credential add other --access-key "$AKID" --role-arn "$ROLE" 2>&1); rc=$?
is "credential add --role-arn exits 0" 0 "$rc"
is "credential list --json has the role" "$ROLE" "$(ctl --json credential list | jget '[r.get("role_arn") for r in d if r["name"] == "other"][0]')"
like "credential list (text) shows the role" "$ROLE" "$(ctl credential list)"
json=$(ctl --json credential test other); rc=$?
is "role credential test exits 0" 0 "$rc"
is "role credential test: the other account" 222222222222 "$(echo "$json" | jget 'd["account"]')"
like "role credential test: an assumed-role ARN" '^arn:aws:sts::222222222222:assumed-role/acmd-discovery/' "$(echo "$json" | jget 'd["arn"]')"
err=$(echo "$SECRET" | ctl credential add ext --access-key "$AKID" --external-id xyz 2>&1); rc=$?
is "--external-id without --role-arn: a usage error (exit 2)" 2 "$rc"
like "--external-id without --role-arn: names --external-id" "^acmctl credential add: --external-id" "$err"

# Remove.
ok "credential remove" ctl credential remove stranger
unlike "removed credential is gone from the list" 'stranger' "$(names)"
err=$(ctl credential remove stranger 2>&1); rc=$?
is "remove unknown: exit 1" 1 "$rc"
like "remove unknown: ENOTFOUND" 'ENOTFOUND' "$err"
err=$(ctl credential test stranger 2>&1); rc=$?
is "test unknown: exit 1" 1 "$rc"
like "test unknown: ENOTFOUND" 'ENOTFOUND' "$err"

# Survives a restart (the secret is sealed with the master key).
ok "acmd stops" stop_daemon
ok "acmd restarts" start_daemon
is "credentials after restart" "main other wrong" "$(names)"
is "credential test after restart" 111111111111 "$(ctl --json credential test main | jget 'd["account"]')"

# The secret is nowhere in clear.
audit=$(ctl --json audit)
like "audit has the credential adds" 'credential.add' "$audit"
unlike "audit does not show the secret" "$SECRET" "$audit"
unlike "audit does not show the wrong secret" "$WRONG" "$audit"
check "daemon log does not hold the secret" "$(! grep -qF "$SECRET" "$DLOG"; echo $?)"
check "daemon log does not hold the wrong secret" "$(! grep -qF "$WRONG" "$DLOG"; echo $?)"
check "state/data.mdb does not hold the secret" "$(! grep -aqF "$SECRET" "$T/state/data.mdb"; echo $?)"
check "state/data.mdb does not hold the wrong secret" "$(! grep -aqF "$WRONG" "$T/state/data.mdb"; echo $?)"
check "state/ holds the secret nowhere" "$(! grep -raqF "$SECRET" "$T/state"; echo $?)"
finish

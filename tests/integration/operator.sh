#!/bin/bash
# What an operator trips over, tried as one would from the man page:
# --hosted-zone given a zone name (found, absent, held by two zones),
# Route 53 failures shown, retried and failing deploy-challenge; records
# and resend-email right after a request; times for people and numbers
# for scripts; curated views; empty lists; options that stick shown;
# missing or malformed options as usage errors named as typed; on-demand
# runs counted by status.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"

R=us-east-1
ok "emulator starts" start_emulator --no-quotas --validation-delay 1 \
    --change-delay 1 --dvo-delay 3
write_conf "[aws]" "endpoint_url = http://127.0.0.1:$EMU_PORT" \
    "regions = $R" "rate_limits = no" \
    "[jobs]" "discovery_interval = 0" "mismatch_interval = 1h"
ok "acmd starts" start_daemon
iso='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z'

# --- empty lists: a header or (none) for people, [] for scripts ------------
for c in "credential list" "cert list" "deploy list" "request list" "acm list" "iam list"; do
	out=$(ctl $c 2>&1)
	check "$c (empty) prints something a person can read" "$([ -n "$out" ]; echo $?)" "got an empty line"
	is "$c --json (empty) is []" "[]" "$(ctl --json $c | tr -d ' \n')"
done

# --- credential add: a curated view, a time for people ----------------------
out=$(echo "$SECRET" | ctl credential add main --access-key "$AKID" 2>&1); rc=$?
is "credential add exits 0" 0 "$rc"
like "credential add shows when, as ISO 8601 UTC" "^created +$iso \((now|[0-9]+ seconds ago)\)" "$out"
unlike "credential add shows no epoch seconds" "[0-9]{10}" "$out"
unlike "credential add shows no secret" "$SECRET" "$out"
json=$(ctl --json credential list)
is "credential list --json: the access key id, shortened" "AKID...0001" "$(echo "$json" | jget 'd[0]["access_key"]')"

# --- status: an on-demand discovery is a run of the discovery job -----------
ok "discover" ctl discover
json=$(ctl --json status)
check "status --json: discovery has a last run after discover" \
    "$(echo "$json" | jget '[j for j in d["jobs"] if j["name"] == "discovery"][0]["last_run"] > 0' | grep -q True; echo $?)" "$json"
like "status: the discovery's last run is an ISO time" "^discovery +[a-z-]+ +$iso" "$(ctl status)"
ok "deploy check" ctl deploy check
check "status --json: the mismatch job ran too" \
    "$(ctl --json status | jget '[j for j in d["jobs"] if j["name"] == "mismatch"][0]["last_run"] > 0' | grep -q True; echo $?)"

# --- usage errors: exit 2, the option named as typed, nothing done ----------
emu POST /_emu/stats/reset >/dev/null
err=$(ctl request public --credential main --region $R --domain x.example.com 2>&1); rc=$?
is "request public without --validation: exit 2" 2 "$rc"
like "and names --validation" "^acmctl request public: --validation is required" "$err"
err=$(ctl deploy nosuch --region $R 2>&1); rc=$?
is "deploy without --credential: exit 2" 2 "$rc"
like "and names --credential (or --target)" "^acmctl deploy: --credential: give --credential C \(into ACM\) or --target T" "$err"
err=$(ctl acm list --expiring soon 2>&1); rc=$?
is "acm list --expiring soon: exit 2" 2 "$rc"
like "and names --expiring" "^acmctl acm list: --expiring" "$err"
err=$(ctl audit --limit -3 2>&1); rc=$?
is "audit --limit -3: exit 2" 2 "$rc"
is "the usage errors asked ACM for nothing" 0 "$(emu GET /_emu/stats | jget 'sum(sum(r.values()) for r in d["requests"].get("acm", {}).values())')"

# --- Route 53 zones: by id, by name, absent, ambiguous ----------------------
Z1=$(awsc route53 create-hosted-zone --name zone.test --caller-reference z1 | jget 'd["HostedZone"]["Id"].split("/")[-1]')
Z2=$(awsc route53 create-hosted-zone --name twice.test --caller-reference z2 | jget 'd["HostedZone"]["Id"].split("/")[-1]')
Z3=$(awsc route53 create-hosted-zone --name twice.test --caller-reference z3 | jget 'd["HostedZone"]["Id"].split("/")[-1]')
n0=$(emu GET /_emu/stats | jget 'sum(d["requests"].get("acm", {}).get("RequestCertificate", {}).values())')
err=$(ctl request public --credential main --region $R --domain a.nozone.test --validation dns --hosted-zone nozone.test 2>&1); rc=$?
is "--hosted-zone naming no zone: a usage error" 2 "$rc"
like "it says there is no such zone" "^acmctl request public: --hosted-zone: nozone.test: no hosted zone of this name" "$err"
err=$(ctl request public --credential main --region $R --domain a.twice.test --validation dns --hosted-zone twice.test 2>&1); rc=$?
is "--hosted-zone naming two zones: a usage error" 2 "$rc"
like "it names both zone ids" "2 hosted zones have this name: .*($Z2.*$Z3|$Z3.*$Z2)" "$err"
err=$(ctl request public --credential main --region $R --domain a.zone.test --validation dns --hosted-zone Z0NOSUCHZONE0 2>&1); rc=$?
is "--hosted-zone with an unknown id: a usage error" 2 "$rc"
like "it says no zone has that id" "no hosted zone with this id" "$err"
is "none of them asked ACM for a certificate" "$n0" "$(emu GET /_emu/stats | jget 'sum(d["requests"].get("acm", {}).get("RequestCertificate", {}).values())')"
is "none of them was recorded" "[]" "$(ctl --json request list | tr -d ' \n')"

out=$(ctl request public --credential main --region $R --domain www.zone.test --validation dns --hosted-zone zone.test 2>&1); rc=$?
is "--hosted-zone zone.test (a name) exits 0" 0 "$rc"
ID=$(ctl --json request list | jget 'd[0]["id"]')
like "request public shows a curated view: the zone's id" "^hosted_zone +$Z1" "$out"
like "request public: created as ISO 8601" "^created +$iso" "$out"
unlike "request public: no raw fields (polls, zone_mode, token)" "^(polls|zone_mode|token|next_poll) " "$out"
unlike "request public: no epoch seconds" " [0-9]{10}( |$)" "$out"

# records right after: ACM has not published them (DVOs come 3 s later)
out=$(ctl request records "$ID" 2>"$T/rec.err"); rc=$?
is "request records right after the request exits 0" 0 "$rc"
like "it says ACM has not published them yet, with the status" "ACM has not published the validation records of $ID yet \(status: [A-Za-z ]+\)" "$(cat "$T/rec.err")"
is "request records --json right after: []" "[]" "$(ctl --json request records "$ID" 2>/dev/null | tr -d ' \n')"

ok "the name-given zone gets the records and the certificate is issued" \
    sh -c "for i in \$(seq 1 60); do \"$ACMCTL\" -s \"$SOCK\" request sync $ID >/dev/null 2>&1; \"$ACMCTL\" -s \"$SOCK\" --json request show $ID | grep -q '\"status\": \"Issued\"' && exit 0; sleep 0.5; done; exit 1"
is "the records went into zone.test ($Z1)" 1 "$(awsc route53 list-resource-record-sets --hosted-zone-id "$Z1" | jget 'len([r for r in d["ResourceRecordSets"] if r["Type"] == "CNAME"])')"
out=$(ctl request show "$ID")
like "request show: times as ISO 8601" "^updated +$iso" "$out"
like "request show: issued_at as ISO 8601" "^issued_at +$iso" "$out"

# --- a Route 53 failure: shown, retried with back-off, deploy-challenge fails
emu POST /_emu/faults '{"service":"route53","operation":"ChangeResourceRecordSets","error_rate":1,"error_status":500}' >/dev/null
json=$(ctl --json request public --credential main --region $R --domain api.zone.test --validation dns --hosted-zone "$Z1")
F=$(echo "$json" | jget 'd["id"]')
ok "the Route 53 failure shows in request show" wait_for 30 sh -c "\"$ACMCTL\" -s \"$SOCK\" request sync $F >/dev/null 2>&1; \"$ACMCTL\" -s \"$SOCK\" request show $F | grep -q '^last_error .*Route 53 .*InternalFailure'"
like "and in request list" "$F .*Deploy Challenge.*Route 53 .*InternalFailure" "$(ctl request list)"
is "request list --json has the error" True "$(ctl --json request list | jget "[r for r in d if r['id'] == '$F'][0]['error'].startswith('Route 53')")"
like "the log says when it tries again" "request $F: Route 53 .*trying again in [0-9]+ s" "$(cat "$DLOG")"
calls=$(emu GET /_emu/stats | jget 'sum(d["requests"]["route53"].get("ChangeResourceRecordSets", {}).values())')
sleep 3
ctl request sync "$F" >/dev/null 2>&1
is "backing off: no new ChangeResourceRecordSets within the back-off (request sync asks ACM only)" "$calls" \
    "$(emu GET /_emu/stats | jget 'sum(d["requests"]["route53"].get("ChangeResourceRecordSets", {}).values())')"
err=$(ctl request deploy-challenge "$F" 2>&1); rc=$?
is "deploy-challenge that fails at once exits 1" 1 "$rc"
like "with Route 53's error" "Route 53 ChangeResourceRecordSets: InternalFailure" "$err"
err=$(ctl request deploy-challenge "$F" --hosted-zone twice.test 2>&1); rc=$?
is "deploy-challenge into an ambiguous zone name exits 1" 1 "$rc"
like "naming the two zones" "2 hosted zones have this name" "$err"
emu DELETE /_emu/faults >/dev/null
out=$(ctl request deploy-challenge "$F" --hosted-zone zone.test 2>&1); rc=$?
is "deploy-challenge once Route 53 answers exits 0" 0 "$rc"
ok "and the certificate is issued" sh -c "for i in \$(seq 1 60); do \"$ACMCTL\" -s \"$SOCK\" request sync $F >/dev/null 2>&1; \"$ACMCTL\" -s \"$SOCK\" --json request show $F | grep -q '\"status\": \"Issued\"' && exit 0; sleep 0.5; done; exit 1"
is "the error is gone once it worked" None "$(ctl --json request show "$F" | jget 'd.get("last_error")')"

# --- resend-email right after the request ------------------------------------
json=$(ctl --json request public --credential main --region $R --domain mail.zone.test --validation email)
EM=$(echo "$json" | jget 'd["id"]')
out=$(ctl request resend-email "$EM" 2>&1); rc=$?
is "resend-email right after the request (ACM has no DVOs yet) exits 0" 0 "$rc"
like "it was sent" "validation e-mail sent again" "$out"
err=$(ctl request resend-email "$EM" --domain other.example 2>&1); rc=$?
is "resend-email for a domain the request is not for: exit 2" 2 "$rc"
like "it says which domain the request is for" "is not for other.example \(it is for mail.zone.test\)" "$err"

# --- the repository and the inventory in human output ------------------------
mkca
mkkey "$T/k"; mkleaf "$T/c" "$T/k" opt.zone.test
ok "cert add opt" ctl cert add opt --cert "$T/c" --key "$T/k" --chain "$T/ca.crt"
out=$(ctl cert list)
like "cert list: NOT AFTER as ISO 8601" "^opt +opt\.zone\.test +1 +EC_prime256v1 +$iso" "$out"
like "cert show: versions ADDED as ISO 8601" "^1 +$iso" "$(ctl cert show opt)"
is "cert list --json: not_after is a number" True "$(ctl --json cert list | jget 'isinstance(d[0]["not_after"], int)')"
ok "deploy opt --replace --tag team=web" ctl deploy opt --credential main --region $R --replace --tag team=web
ok "deploy opt again, plainly" ctl deploy opt --credential main --region $R
json=$(ctl --json deploy list opt)
is "deploy list --json shows the options that stuck" "True team=web" "$(echo "$json" | jget '"%s %s" % (d[0]["replace"], ",".join(k + "=" + v for k, v in d[0]["tags"].items()))')"
like "deploy list shows them too" "opt .* in-sync +no +yes +team=web" "$(ctl deploy list opt)"
ARN=$(echo "$json" | jget 'd[0]["arn"]')
out=$(ctl acm show "$ARN")
like "acm show: not_after as ISO 8601 with how far" "^not_after +$iso \(in [0-9]+ days\)" "$out"
unlike "acm show: no epoch seconds" " [0-9]{10}( |$)" "$out"
finish

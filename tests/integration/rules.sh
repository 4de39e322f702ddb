#!/bin/bash
# The alert rules shipped in contrib/acmd.rules.yml: valid for Prometheus
# (promtool check rules), and they fire when they should and not before
# (promtool test rules on tests/integration/rules.test.yml); a rule
# changed behind the tests' back is caught.
. "$top_srcdir/tests/integration/lib.sh"

if ! command -v promtool >/dev/null 2>&1; then
	echo "1..0 # SKIP promtool is not installed (Debian package prometheus; scripts/setup.sh installs it)"
	rm -rf "$T"
	exit 0
fi
R=$top_srcdir/contrib/acmd.rules.yml
ok "promtool check rules: the shipped rules are valid" promtool check rules "$R"
out=$(promtool check rules "$R" 2>&1)
like "promtool check rules: 12 rules" 'SUCCESS: 12 rules found' "$out"
ok "promtool test rules: each alert fires when it should, not before" \
    promtool test rules "$top_srcdir/tests/integration/rules.test.yml"

# The same tests against rules changed: a 40-day warning, a deployment
# reported at once, throttling ignored.  Each must be caught.
mkdir -p "$T/contrib" "$T/tests/integration"
cp "$top_srcdir/tests/integration/rules.test.yml" "$T/tests/integration/"
mutant() {	# mutant DESCRIPTION SED-EXPRESSION
	sed -e "$2" "$R" >"$T/contrib/acmd.rules.yml"
	if cmp -s "$R" "$T/contrib/acmd.rules.yml"; then
		check "$1 (the change applies)" 1
		return
	fi
	! promtool test rules "$T/tests/integration/rules.test.yml" >"$T/mutant.out" 2>&1
	check "$1" $? "$(cat "$T/mutant.out")"
}
mutant "a warning at 40 days instead of 30 is caught" 's/< 30 \* 86400/< 40 * 86400/'
mutant "a mismatch reported at once is caught" '/AcmdDeploymentMismatch/,/for:/s/for: 1h/for: 0m/'
mutant "a job stuck for 30 minutes left out is caught" 's/time() - acmd_job_last_progress_timestamp_seconds > 1800/time() - acmd_job_last_progress_timestamp_seconds > 7200/'
mutant "throttling left out is caught" 's/rate(acmd_aws_throttled_total\[10m\])) > 0/rate(acmd_aws_throttled_total[10m])) > 1/'
mutant "a pending certificate warned about is caught" 's/{status=~"ISSUED|"}/{status=~".*"}/g'
finish

#!/bin/bash
# The metrics listener ([metrics], issue 18): a live /metrics page that
# promtool accepts and that says what acmctl says (certificates, expiry,
# deployments, requests, jobs, AWS calls, throttles, retries and rate
# limiter waits, counted as the emulator counted them), label values
# escaped; /healthz 200, and 503 naming the reason when the store is full;
# the allow list; a real Prometheus scraping acmd every second, the expiry
# metric queried back through its API and an alert of the shipped rules
# firing; and what a hostile local peer can do (slowloris, huge headers,
# POST, many connections) while acmd keeps answering ping.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"
. "$top_srcdir/tests/integration/metricslib.sh"
need_prometheus promtool prometheus
PROM_PID=
trap '_cleanup; [ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null; true' EXIT

ok "emulator starts" start_emulator --no-quotas
E=http://127.0.0.1:$EMU_PORT
mconf() {	# mconf [extra lines]: acmd's configuration with the listener
	write_conf "[aws]" "endpoint_url = $E" \
	    "regions = us-east-1, eu-west-1, ap-southeast-2" \
	    "rates = DescribeCertificate=2" "max_attempts = 3" \
	    "[jobs]" "discovery_interval = 0" "[metrics]" \
	    "listen = 127.0.0.1:$MPORT" "max_connections = 4" "$@"
}
mconf
ok "acmd starts with [metrics] listen = 127.0.0.1:$MPORT" start_daemon
ok "credential add" add_credential
like "the log says where metrics are served" "metrics: listening on 127.0.0.1:$MPORT" "$(cat "$DLOG")"

out=$(curl -sS -i "$M/healthz" | tr -d '\r')
like "GET /healthz: 200" '^HTTP/1.1 200' "$out"
like "GET /healthz: says ok" '^ok$' "$out"

# --- an inventory with a domain that needs escaping --------------------------
emu POST /_emu/seed '{"account":"'$ACCT'","regions":["us-east-1"],"count_per_region":6,
    "types":["AMAZON_ISSUED","IMPORTED"],"domain_prefix":"m"}' >/dev/null
WEIRD=$'we"ird\\dom\nain.example.com'
/usr/bin/python3 - "$T" "$WEIRD" <<'EOF'
import datetime, sys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
t, cn = sys.argv[1], sys.argv[2]
key = ec.generate_private_key(ec.SECP256R1())
name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
now = datetime.datetime.utcnow()
cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=40)).sign(key, hashes.SHA256()))
open(t + "/weird.crt", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
open(t + "/weird.key", "wb").write(key.private_bytes(serialization.Encoding.PEM,
     serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
EOF
WARN=$(awsc acm import-certificate --region eu-west-1 --certificate "fileb://$T/weird.crt" \
    --private-key "fileb://$T/weird.key" | jget 'd["CertificateArn"]')
like "a certificate whose name has a quote, a backslash and a newline is in ACM" '^arn:aws:acm:eu-west-1:' "$WARN"

# --- faults: two throttled answers, a region whose listing fails ------------
emu POST /_emu/faults '{"service":"acm","operation":"DescribeCertificate","region":"us-east-1","throttle_rate":1,"count":2}' >/dev/null
emu POST /_emu/faults '{"service":"acm","operation":"ListCertificates","region":"ap-southeast-2","error_rate":1,"error_status":500,"count":3}' >/dev/null
emu POST /_emu/stats/reset >/dev/null
ctl discover >"$T/disc1.out" 2>&1; rc=$?
is "discover with ap-southeast-2 failing exits 1" 1 "$rc"
samples() { $MC samples "$M/metrics"; }
val() {	# val NAME PYTHON-CONDITION-ON-LABELS: the sum of the matching samples
	samples | jget "sum(s[2] for s in d if s[0] == '$1' and ($2))"
}
is "acmd_job_last_run_ok{name=discovery} is 0 after a failed run" 0.0 "$(val acmd_job_last_run_ok "s[1]['name'] == 'discovery'")"
is "acmd_job_failures_total{name=discovery} is 1" 1.0 "$(val acmd_job_failures_total "s[1]['name'] == 'discovery'")"
is "acmd_aws_errors_total: the ListCertificates of ap-southeast-2" 1.0 \
    "$(val acmd_aws_errors_total "s[1]['operation'] == 'ListCertificates' and s[1]['region'] == 'ap-southeast-2'")"
is "acmd_aws_retries_total: two retries of it" 2.0 \
    "$(val acmd_aws_retries_total "s[1]['operation'] == 'ListCertificates' and s[1]['region'] == 'ap-southeast-2'")"
is "acmd_aws_throttled_total{DescribeCertificate, us-east-1}: the two throttled answers" 2.0 \
    "$(val acmd_aws_throttled_total "s[1]['operation'] == 'DescribeCertificate' and s[1]['region'] == 'us-east-1'")"
is "the emulator throttled as many" 2 "$(emu GET /_emu/stats | jget "d['throttled']['acm']['DescribeCertificate']['us-east-1']")"
w=$(val acmd_aws_ratelimit_waits_total "s[1]['operation'] == 'DescribeCertificate'")
check "acmd_aws_ratelimit_waits_total: DescribeCertificate at 2/s waited ($w)" "$(/usr/bin/python3 -c "import sys; sys.exit(not $w >= 3)"; echo $?)"
ws=$(val acmd_aws_ratelimit_wait_seconds_total "s[1]['operation'] == 'DescribeCertificate'")
check "acmd_aws_ratelimit_wait_seconds_total: more than a second in all ($ws s)" "$(/usr/bin/python3 -c "import sys; sys.exit(not $ws > 1)"; echo $?)"
# Every attempt acmd counted (calls + retries) is a request the emulator saw.
samples >"$T/s1.json"
emu GET /_emu/stats >"$T/stats1.json"
diff=$(/usr/bin/python3 - "$T/s1.json" "$T/stats1.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1])); st = json.load(open(sys.argv[2]))["requests"]["acm"]
acmd = {}
for name, l, v in s:
    if name in ("acmd_aws_calls_total", "acmd_aws_retries_total") and l["service"] == "acm":
        k = (l["operation"], l["region"]); acmd[k] = acmd.get(k, 0) + int(v)
emu = {(op, r): n for op, regs in st.items() for r, n in regs.items()}
print("same" if acmd == emu and acmd else "acmd %s\nemulator %s" % (sorted(acmd.items()), sorted(emu.items())))
EOF
)
is "acm calls + retries per operation and region = the emulator's requests" same "$diff"

ok "discover again (faults spent) exits 0" ctl discover
is "acmd_job_last_run_ok{name=discovery} is 1" 1.0 "$(val acmd_job_last_run_ok "s[1]['name'] == 'discovery'")"
ls=$(val acmd_job_last_success_timestamp_seconds "s[1]['name'] == 'discovery'")
check "acmd_job_last_success_timestamp_seconds{discovery} is now ($ls)" "$(/usr/bin/python3 -c "import sys,time; sys.exit(not abs(time.time() - $ls) < 120)"; echo $?)"

# --- the page: promtool, the expiry metric against acmctl ---------------------
curl -sS -D "$T/h.txt" -o "$T/page.txt" "$M/metrics"
like "Content-Type is the text exposition format 0.0.4" 'Content-Type: text/plain; version=0.0.4; charset=utf-8' "$(cat "$T/h.txt")"
promtool check metrics <"$T/page.txt" >"$T/promtool.out" 2>&1; rc=$?
is "promtool check metrics: the live page has no problem" "0 " "$rc $(cat "$T/promtool.out")"
esc='domain="we\"ird\\dom\nain.example.com"'
check "the odd domain is escaped on the page (\\\" \\\\ \\n)" "$(grep -qF "$esc" "$T/page.txt"; echo $?)" "$(grep -F ird "$T/page.txt")"
ctl --json acm list >"$T/list.json"
cmp=$(/usr/bin/python3 - "$T/page.txt" "$T/list.json" "$top_srcdir" <<'EOF'
import json, sys, time
sys.path.insert(0, sys.argv[3] + "/tests/integration")
from metrics_client import parse
page = parse(open(sys.argv[1]).read()); rows = json.load(open(sys.argv[2]))
m = {l["arn"]: (l, v) for n, l, v in page
     if n == "acmd_certificate_not_after_timestamp_seconds" and l["source"] in ("acm", "iam")}
want = {r["arn"]: r for r in rows if r["days_left"] is not None}
bad = []
if set(m) != set(want):
    bad.append("arns differ: page %d, list %d" % (len(m), len(want)))
now = time.time()
for arn, r in want.items():
    if arn not in m:
        continue
    l, v = m[arn]
    if int((v - now) // 86400) != r["days_left"] and int((v - now + 5) // 86400) != r["days_left"]:
        bad.append("%s: %s days on the page, %s in the list" % (arn, (v - now) / 86400, r["days_left"]))
    for f in ("domain", "type", "status", "region", "account"):
        if l.get(f) != r[f]:
            bad.append("%s: %s %r on the page, %r in the list" % (arn, f, l.get(f), r[f]))
print("same %d" % len(want) if not bad else "\n".join(bad))
EOF
)
is "every certificate of acm list --json is on the page, same days left, domain, type, status, region, account" "same 7" "$cmp"
arn1=$(jget 'sorted(r["arn"] for r in d if r["region"] == "us-east-1")[0]' <"$T/list.json")
na=$(ctl --json acm show "$arn1" | jget 'd["not_after"]')
is "the page's notAfter of $arn1 is acm show's" "$na" \
    "$(/usr/bin/python3 -c "
import sys; sys.path.insert(0, '$top_srcdir/tests/integration'); from metrics_client import parse
print([int(v) for n, l, v in parse(open('$T/page.txt').read()) if n == 'acmd_certificate_not_after_timestamp_seconds' and l.get('arn') == '$arn1'][0])")"
is "acmd_inventory_certificates: 7 in all" 7.0 "$(val acmd_inventory_certificates True)"

# --- repository, deployments, requests ---------------------------------------
mkca; mkkey "$T/www.key"; mkleaf "$T/www.crt" "$T/www.key" www.metrics.test
ok "cert add www" ctl cert add www --cert "$T/www.crt" --key "$T/www.key" --chain "$T/ca.crt"
exp=$(date -u -d "$(openssl x509 -in "$T/www.crt" -noout -enddate | cut -d= -f2)" +%s)
is "the repository certificate's notAfter is on the page" "$exp" \
    "$(samples | jget "int([s[2] for s in d if s[0] == 'acmd_certificate_not_after_timestamp_seconds' and s[1].get('name') == 'www'][0])")"
ok "deploy www to us-east-1" ctl deploy www --credential main --region us-east-1
is "acmd_deployments{state=in-sync} is 1" 1.0 "$(val acmd_deployments "s[1]['state'] == 'in-sync'")"
is "acmd_deployment_state{name=www, region=us-east-1} is in-sync" in-sync \
    "$(samples | jget "[s[1]['state'] for s in d if s[0] == 'acmd_deployment_state' and s[1]['name'] == 'www' and s[1]['region'] == 'us-east-1'][0]")"
DARN=$(ctl --json deploy list www | jget 'd[0]["arn"]')
mkkey "$T/other.key"; mkleaf "$T/other.crt" "$T/other.key" other.metrics.test
awsc acm import-certificate --region us-east-1 --certificate-arn "$DARN" \
    --certificate "fileb://$T/other.crt" --private-key "fileb://$T/other.key" \
    --certificate-chain "fileb://$T/ca.crt" >/dev/null
is "someone re-imported another certificate at the deployment's ARN" "$(fp_of "$T/other.crt")" "$(emu_fp_at "$DARN")"
ok "deploy check" ctl deploy check
mismatch_shown() { [ "$(val acmd_deployments "s[1]['state'] == 'mismatch'")" = 1.0 ]; }
ok "acmd_deployments{state=mismatch} becomes 1" wait_for 15 mismatch_shown
is "acmd_deployments{state=in-sync} is 0" 0.0 "$(val acmd_deployments "s[1]['state'] == 'in-sync'")"
ok "request public" ctl request public --credential main --region us-east-1 --domain req.metrics.test --validation email
is "acmd_requests: one request, in the state request list shows" \
    "$(ctl --json request list | jget 'd[0]["status"]') 1.0" \
    "$(samples | jget "' '.join('%s %s' % (s[1]['status'], s[2]) for s in d if s[0] == 'acmd_requests' and s[2] > 0)")"
is "acmd_store_size_bytes: store_size" 4294967296.0 "$(val acmd_store_size_bytes True)"
st=$(date -d "$(ps -o lstart= -p "$DPID")" +%s)
pst=$(val process_start_time_seconds True)
check "process_start_time_seconds is acmd's start ($pst, ps says $st)" \
    "$(/usr/bin/python3 -c "import sys; sys.exit(not abs($pst - $st) <= 2)"; echo $?)"

# --- HTTP: methods, paths ----------------------------------------------------
out=$(curl -sS -I "$M/metrics" | tr -d '\r')
like "HEAD /metrics: 200" '^HTTP/1.1 200' "$out"
out=$(curl -sS -i -X POST "$M/metrics" | tr -d '\r')
like "POST /metrics: 405" '^HTTP/1.1 405' "$out"
like "POST /metrics: Allow: GET, HEAD" '^Allow: GET, HEAD' "$out"
out=$(curl -sS -i -X POST --data-binary @"$T/page.txt" "$M/metrics" | tr -d '\r' | head -1)
like "POST with a body: refused (413 or 405)" '^HTTP/1.1 (413|405)' "$out"
out=$(curl -sS -i "$M/../../etc/passwd" "$M/metricsx" | tr -d '\r' | grep '^HTTP')
is "other paths: 404" "HTTP/1.1 404 Not Found
HTTP/1.1 404 Not Found" "$out"

# --- a real Prometheus: scraped every second, queried back, an alert fires ----
PPORT=$($MC freeport)
mkdir -p "$T/prom"
cat >"$T/prom.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $top_srcdir/contrib/acmd.rules.yml
scrape_configs:
  - job_name: acmd
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
prometheus --config.file="$T/prom.yml" --storage.tsdb.path="$T/prom" \
    --web.listen-address="127.0.0.1:$PPORT" --log.level=warn >"$T/prom.log" 2>&1 &
PROM_PID=$!
P=http://127.0.0.1:$PPORT
pq() {	# pq PROMQL: the query's result as JSON
	curl -sS --get --data-urlencode "query=$1" "$P/api/v1/query" | jget 'd["data"]["result"]'
}
ok "prometheus is ready" wait_for 60 curl -sf "$P/-/ready"
ok "prometheus scrapes acmd (up == 1)" wait_for 60 sh -c "curl -sS --get --data-urlencode 'query=up{job=\"acmd\"} == 1' $P/api/v1/query | grep -q '\"value\"'"
ok "prometheus has the expiry of all 7 inventory certificates" wait_for 30 sh -c \
    "curl -sS --get --data-urlencode 'query=count(acmd_certificate_not_after_timestamp_seconds{source=~\"acm|iam\"}) == 7' $P/api/v1/query | grep -q '\"value\"'"
pq 'acmd_certificate_not_after_timestamp_seconds{source="acm"}' >"$T/prom.json"
cmp=$(/usr/bin/python3 - "$T/prom.json" "$T/list.json" <<'EOF'
import json, sys, time
res = json.load(open(sys.argv[1])); rows = {r["arn"]: r for r in json.load(open(sys.argv[2]))}
now, bad = time.time(), []
for s in res:
    l, v = s["metric"], float(s["value"][1])
    r = rows.get(l["arn"])
    if r is None:
        bad.append("%s not in acm list" % l["arn"]); continue
    if int((v - now) // 86400) not in (r["days_left"], r["days_left"] - 1):
        bad.append("%s: %s days" % (l["arn"], (v - now) / 86400))
    for f in ("domain", "region", "type", "status", "account"):
        if l.get(f) != r[f]:
            bad.append("%s %s: %r != %r" % (l["arn"], f, l.get(f), r[f]))
print("same %d" % len(res) if not bad else "\n".join(bad))
EOF
)
is "queried from Prometheus: the expiry of every certificate as acm list says, labels and the odd domain intact" "same 7" "$cmp"
emu POST /_emu/expire '{"arn":"'$arn1'","days":3}' >/dev/null
ok "discover --full (a certificate now expires in 3 days)" ctl discover --full
firing() {	# firing ALERT ARN: Prometheus fires it for that certificate
	curl -sS "$P/api/v1/alerts" | jget "[a for a in d['data']['alerts'] if a['labels']['alertname'] == '$1' and a['labels'].get('arn') == '$2' and a['state'] == 'firing']" | grep -q arn
}
ok "Prometheus fires AcmdCertificateExpiringSoon for it" wait_for 60 firing AcmdCertificateExpiringSoon "$arn1"
is "and no other certificate alert fires" "[]" \
    "$(curl -sS "$P/api/v1/alerts" | jget "[a['labels']['alertname'] for a in d['data']['alerts'] if a['labels']['alertname'].startswith('AcmdCertificate') and a['labels'].get('arn') != '$arn1']")"
kill "$PROM_PID"; wait "$PROM_PID" 2>/dev/null; PROM_PID=

# --- a hostile peer: slowloris, huge headers, many connections ---------------
rss() { ps -o rss= -p "$DPID" | tr -d ' '; }
rss0=$(rss)
$MC slowloris 127.0.0.1 "$MPORT" 40 >"$T/slow.out" &
SLOW=$!
$MC hold 127.0.0.1 "$MPORT" 200 15 >"$T/hold.out" &
HOLD=$!
sleep 2
pings=0
for i in $(seq 1 20); do ctl ping >/dev/null 2>&1 && pings=$((pings + 1)); sleep 0.2; done
is "ping answers while a slowloris and 200 idle connections hold the listener" 20 "$pings"
out=$(curl -sS --max-time 60 -o /dev/null -w '%{http_code}' "$M/metrics")
is "a scrape still gets its page once deadlines have closed the idle connections" 200 "$out"
wait "$SLOW"
like "the slowloris is cut off by acmd (not by itself after 40 s)" '^closed [0-9]+$' "$(cat "$T/slow.out")"
wait "$HOLD"
out=$($MC bigheaders 127.0.0.1 "$MPORT")
like "100 KiB of headers: refused or cut off ($out)" '^(HTTP/1.1 4[0-9][0-9]|closed)' "$out"
for i in $(seq 1 30); do curl -sS -o /dev/null "$M/metrics"; done
rss1=$(rss)
check "acmd's memory after the attacks and 30 scrapes: +$(((rss1 - rss0) / 1024)) MiB (bound 32)" \
    "$([ $((rss1 - rss0)) -lt 32768 ]; echo $?)"
is "acmd_metrics_connections is back to the scrape's own" 1.0 "$(val acmd_metrics_connections True)"
ok "ping answers" ctl ping

# --- the allow list and a Unix socket, on SIGHUP -----------------------------
mconf "allow = 10.1.2.3, 192.168.0.0/16"
kill -HUP "$DPID"
ok "a peer not in allow gets 403" wait_for 10 sh -c "curl -s -o /dev/null -w '%{http_code}' $M/metrics | grep -qx 403"
like "the log names the refused peer" 'metrics: refusing 127.0.0.1 port [0-9]+: not in \[metrics\] allow' "$(cat "$DLOG")"
mconf "allow = ::1 127.0.0.0/8"
kill -HUP "$DPID"
ok "127.0.0.0/8 in allow: 200" wait_for 10 sh -c "curl -s -o /dev/null -w '%{http_code}' $M/metrics | grep -qx 200"
write_conf "[aws]" "endpoint_url = $E" "regions = us-east-1, eu-west-1, ap-southeast-2" \
    "[jobs]" "discovery_interval = 0" "[metrics]" "listen = $T/metrics.sock"
kill -HUP "$DPID"
ok "listen = a Unix socket: it appears" wait_for 10 test -S "$T/metrics.sock"
is "the page over the Unix socket has every certificate of acm list" \
    "$(ctl --json acm list | jget 'float(len(d))')" \
    "$($MC samples "unix:$T/metrics.sock" | jget "sum(s[2] for s in d if s[0] == 'acmd_inventory_certificates')")"
check "the TCP listener is closed" "$(! curl -s -o /dev/null "$M/metrics"; echo $?)"
ok "acmd stops" stop_daemon
check "the metrics socket is removed at exit" "$([ ! -e "$T/metrics.sock" ]; echo $?)"

# --- bad settings -------------------------------------------------------------
for bad in "listen = nonsense" "listen = 127.0.0.1" "listen = relative/path" "allow = 300.1.1.1" \
    "allow = 10.0.0.0/33" "max_connections = 0"; do
	write_conf "[metrics]" "$bad"
	out=$("$ACMD" -n -c "$CONF" 2>&1); rc=$?
	check "acmd -n refuses '$bad', naming the setting" \
	    "$([ $rc -ne 0 ] && echo "$out" | grep -q "metrics\.$(echo "$bad" | cut -d' ' -f1)"; echo $?)" "$out"
done
write_conf "[metrics]" "listen = 127.0.0.1:$EMU_PORT"
"$ACMD" -c "$CONF" >"$T/busy.log" 2>&1; rc=$?
is "a listen port in use: acmd does not start (exit 1)" 1 "$rc"
like "and says why" "metrics: cannot listen on 127.0.0.1:$EMU_PORT" "$(cat "$T/busy.log")"

# --- /healthz 503: the store full --------------------------------------------
rm -rf "$T/state"
write_conf "store_size = 1" "[aws]" "endpoint_url = $E" "[jobs]" "discovery_interval = 0" \
    "[metrics]" "listen = 127.0.0.1:$MPORT"
ok "acmd starts with a 1 MiB store" start_daemon
n=0
while [ $n -lt 60 ]; do
	n=$((n + 1))
	bigleaf $n metrics.test
	ctl cert add "big$n" --cert "$T/big$n.crt" --key "$T/big$n.key" >/dev/null 2>&1 || break
done
out=$(curl -sS -i "$M/healthz" | tr -d '\r')
like "the store full: /healthz 503" '^HTTP/1.1 503' "$out"
like "and the reason" '^store: full: a write was refused for lack of room' "$out"
check "acmd_store_full_refusals_total counts the refusals" \
    "$(/usr/bin/python3 -c "import sys; sys.exit(not $(val acmd_store_full_refusals_total True) >= 1)"; echo $?)"
ok "ping answers" ctl ping
stop_daemon
write_conf "store_size = 64" "[aws]" "endpoint_url = $E" "[jobs]" "discovery_interval = 0" \
    "[metrics]" "listen = 127.0.0.1:$MPORT"
ok "acmd restarts with store_size = 64" start_daemon
like "/healthz: 200 again" '^HTTP/1.1 200' "$(curl -sS -i "$M/healthz" | tr -d '\r')"
finish

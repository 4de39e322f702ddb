#!/bin/bash
# The main job: build acmd, start the local AWS emulator and acmd on a
# private socket and state directory, and walk through what acmd does,
# through acmctl: discovery, deploy (and replace), a public certificate
# validated through Route 53, a mismatch and its repair, an exportable
# public certificate written into files for a server outside AWS and
# re-exported after ACM renews it, an expiry warning.
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
if [ "$(id -u)" = 0 ]; then
	sh scripts/setup.sh >/dev/null
fi
. scripts/lib.sh
build_into build-demo
work_dir demo

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }
ctl() { printf '\033[36m$ acmctl %s\033[0m\n' "$*"; "$top/build-demo/acmctl" -s "$D/acmd.sock" "$@"; }
q() { "$top/build-demo/acmctl" -s "$D/acmd.sock" "$@"; }
awsq() { HOME=$D AWS_ACCESS_KEY_ID=AKIDEXAMPLE000000001 \
    AWS_SECRET_ACCESS_KEY=emusecret0000000000000000000000000000001 \
    AWS_DEFAULT_REGION=us-east-1 /usr/bin/aws --endpoint-url "$EMU" "$@"; }

bold "starting the AWS emulator (ACM, ACM PCA, IAM, Route 53, STS on 127.0.0.1)"
start_emu --no-quotas --validation-delay 1 --change-delay 1
say "emulator at $EMU (request quotas off, and acmd's own pacing off, to keep the demo short)"
say "seeding 1,500 certificates of every kind in us-east-1, 40 in eu-west-1"
curl -sf -X POST "$EMU/_emu/seed" -d '{"account":"111111111111",
    "regions":["us-east-1"],"count_per_region":1500,
    "types":["AMAZON_ISSUED","IMPORTED","PRIVATE"],
    "key_types":["RSA_2048","EC_prime256v1","RSA_4096","EC_secp384r1"]}' >/dev/null
curl -sf -X POST "$EMU/_emu/seed" -d '{"account":"111111111111",
    "regions":["eu-west-1"],"count_per_region":40}' >/dev/null

cat >"$D/acmd.conf" <<CONF
[daemon]
socket = $D/acmd.sock
state_dir = $D/state
log = stderr
target_dirs = $D/srv
[target web]
fullchain = $D/srv/tls/fullchain.pem
key = $D/srv/tls/privkey.pem
reload = $D/reload-web
[aws]
endpoint_url = $EMU
regions = us-east-1 eu-west-1 eu-central-1
rate_limits = no
[notify]
thresholds = 30 15 7 1
CONF

bold "starting acmd (state in $D/state)"
"$top/build-demo/acmd" -c "$D/acmd.conf" 2>"$D/acmd.log" &
APID=$!
for i in $(seq 1 100); do q ping >/dev/null 2>&1 && break; sleep 0.05; done
ctl status

bold "an AWS credential (the secret goes on standard input, never in argv)"
echo emusecret0000000000000000000000000000001 |
    ctl credential add main --access-key AKIDEXAMPLE000000001
ctl credential test main

bold "discovery: every region, every key type (EC and RSA-4096 too), IAM"
ctl discover
say "the AWS tab, filtered: EC certificates are there (ListCertificates' default hides them)"
ctl acm list --region eu-west-1 --domain 'seed-1*'
say "$(q --json acm list | grep -c '"arn"') certificates in the inventory"

bold "deploy a repository certificate to two regions, then re-deploy with --replace"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$D/web.key" -out "$D/web.crt" -days 60 -subj /CN=www.demo.test \
    -addext subjectAltName=DNS:www.demo.test 2>/dev/null
ctl cert add web --cert "$D/web.crt" --key "$D/web.key"
ctl deploy web --credential main --region us-east-1 --region eu-west-1 --auto-redeploy --tag owner=demo
say "deploying the same certificate again imports nothing twice:"
ctl deploy web --credential main --region us-east-1 --replace
say "a new version (a renewal) is re-imported onto the same ARNs automatically:"
openssl req -x509 -new -key "$D/web.key" -out "$D/web2.crt" -days 90 \
    -subj /CN=www.demo.test -addext subjectAltName=DNS:www.demo.test 2>/dev/null
ctl cert renew web --cert "$D/web2.crt" --key "$D/web.key"
for i in $(seq 1 50); do
	q --json deploy list | grep -q '"version": 2' && [ "$(q --json deploy list | grep -c '"version": 2')" = 2 ] && break
	sleep 0.2
done
ctl deploy list

bold "a public certificate, validated through Route 53 (Deploy Challenge)"
ZONE=$(awsq route53 create-hosted-zone --name demo.test --caller-reference demo1 \
    --query HostedZone.Id --output text)
say "hosted zone demo.test is $ZONE"
ctl request public --credential main --region us-east-1 --domain shop.demo.test \
    --san '*.shop.demo.test' --validation dns --auto-zone
for i in $(seq 1 60); do
	q request list | grep -q Issued && break
	sleep 0.5
done
ctl request list
ctl cert show shop.demo.test | head -12

bold "someone changes the certificate in ACM behind acmd's back"
ARN=$(q --json deploy list | sed -n 's/.*"arn": "\(arn:aws:acm:us-east-1[^"]*\)".*/\1/p' | head -1)
openssl req -x509 -new -key "$D/web.key" -out "$D/rogue.crt" -days 30 \
    -subj /CN=www.demo.test 2>/dev/null
awsq acm import-certificate --certificate-arn "$ARN" \
    --certificate "fileb://$D/rogue.crt" --private-key "fileb://$D/web.key" >/dev/null
say "re-imported a different certificate onto $ARN"
ctl deploy check
sleep 1
say "auto-redeploy repairs it at once; the journal got ACMD_EVENT=deploy-mismatch:"
grep -m1 'deploy-mismatch' "$D/acmd.log" | sed 's/^/   /'
ctl deploy list

bold "a server outside AWS: an exportable public certificate, re-exported on every renewal"
mkdir -p "$D/srv/tls"
printf '#!/bin/sh\n[ -e %s ] && { echo "web server: configuration test failed"; exit 1; }\necho "web server reloaded: $(openssl x509 -in %s -noout -serial)"\n' \
    "$D/srv/reload-fails" "$D/srv/tls/fullchain.pem" >"$D/reload-web"
chmod 755 "$D/reload-web"
say "[target web] in acmd.conf: fullchain and key in $D/srv/tls, reload = $D/reload-web"
printf '\033[36m$ acmctl request public --credential main --region us-east-1 --domain web.demo.test --validation dns --auto-zone --exportable --auto-export --name edge\033[0m\n'
WJSON=$(q --json request public --credential main --region us-east-1 --domain web.demo.test \
    --validation dns --auto-zone --exportable --auto-export --name edge)
WID=$(echo "$WJSON" | sed -n 's/.*"id": "\(r-[0-9]*\)".*/\1/p' | head -1)
WARN=$(echo "$WJSON" | sed -n 's/.*"arn": "\(arn:[^"]*\)".*/\1/p' | head -1)
say "request $WID: $WARN"
echo "$WJSON" | grep '"note"' | sed 's/^ */   /'
for i in $(seq 1 80); do
	q --json request show "$WID" | grep -q '"state": "stored"' && break
	sleep 0.5
done
ctl request list
ctl discover --region us-east-1 >/dev/null
ctl deploy edge --target web --auto-redeploy
ls -l "$D/srv/tls"
say "ACM renews it (the emulator's managed renewal); the next discovery sees the new serial:"
curl -sf -X POST "$EMU/_emu/renew" -d "{\"arn\":\"$WARN\"}" >/dev/null
ctl discover --region us-east-1 >/dev/null
for i in $(seq 1 60); do
	[ "$(grep -c 'web server reloaded' "$D/acmd.log")" -ge 2 ] && break
	sleep 0.5
done
say "the key was exported again, the files rewritten, reload ran once more:"
grep -E 'auto-export|reload: web server reloaded' "$D/acmd.log" | sed 's/^/   /'
ctl deploy list edge
say "every export AWS charges for is in the audit log:"
q audit | grep -i ExportCertificate | sed 's/^/   /'

bold "a reload that fails: the previous files go back, the server keeps its certificate"
serial() { openssl x509 -in "$D/srv/tls/fullchain.pem" -noout -serial; }
say "on disk: $(serial); the web server's reload now fails, and ACM renews again:"
touch "$D/srv/reload-fails"
curl -sf -X POST "$EMU/_emu/renew" -d "{\"arn\":\"$WARN\"}" >/dev/null
ctl discover --region us-east-1 >/dev/null
for i in $(seq 1 60); do
	q --json deploy list edge | grep -q '"state": "failed"' && break
	sleep 0.5
done
ctl deploy list edge
say "on disk: $(serial) (the previous files, put back); fixed, acmctl sync retries at once:"
rm -f "$D/srv/reload-fails"
ctl sync edge >/dev/null
ctl deploy list edge
say "on disk: $(serial)"

bold "an expiry warning"
curl -sf -X POST "$EMU/_emu/expire" -d "{\"arn\":\"$(q --json acm list --region eu-west-1 | sed -n 's/.*"arn": "\([^"]*\)".*/\1/p' | head -1)\",\"days\":5}" >/dev/null
ctl discover --region eu-west-1 >/dev/null
say "discovery runs the expiry check after itself; the journal entry:"
grep -m1 'cert-expiring' "$D/acmd.log" | sed 's/^/   /'
ctl acm list --expiring 30

bold "done"

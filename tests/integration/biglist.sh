#!/bin/bash
# A list longer than a frame should carry: acm list of 6,000 certificates
# goes out in parts (data frames marked part, about 1 MiB each, then the
# result), and acmctl makes one list of them, for --json and the table.
# A client that leaves after the first part costs acmd nothing: the next
# list is whole.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/deploylib.sh"

R=us-east-1
N=6000
start_one_region
emu POST /_emu/seed '{"account":"'$ACCT'","regions":["'$R'"],"count_per_region":'$N',
    "types":["AMAZON_ISSUED","IMPORTED","PRIVATE"],"key_types":["RSA_2048","EC_prime256v1"],
    "domain_prefix":"big"}' >/dev/null
ok "discover finds the $N" ctl discover
emu_py "'\n'.join(sorted(c['arn'] for c in certs('$R')))" >"$T/emu.arns"

ctl --json acm list >"$T/list.json"
is "acm list --json: one JSON array of $N rows" "$N $N" \
    "$(jget '"%d %d" % (len(d), len(set(x["arn"] for x in d)))' <"$T/list.json")"
is "  exactly the emulator's ARNs" "$(cat "$T/emu.arns")" \
    "$(jget '"\n".join(sorted(x["arn"] for x in d))' <"$T/list.json")"
is "  in the order of the store (account, region, ARN), as before parts" \
    "$(jget '"\n".join(x["arn"] for x in d)' <"$T/list.json" | sort)" \
    "$(jget '"\n".join(x["arn"] for x in d)' <"$T/list.json")"
is "acm list (the table): a header and $N rows" $((N + 1)) "$(ctl acm list | wc -l)"
is "acm list --domain 'big-59*': the 111 that match, across parts" 111 \
    "$(ctl --json acm list --domain 'big-59*' | jget 'len(d)')"

# On the wire: the parts, then the result.
cat >"$T/wire.py" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1])
from acmdwire import connect, frame, recv_frame, unpack, PROTO_VERSION
s = connect(sys.argv[2])
s.sendall(frame({"kind": "hello", "version": PROTO_VERSION}))
recv_frame(s)
s.sendall(frame({"kind": "request", "id": 7, "cmd": "acm.list", "args": {}}))
frames = []
while True:
    body = recv_frame(s)
    if body is None:
        break
    m, _ = unpack(body)
    frames.append({"kind": m["kind"], "id": m["id"], "part": m.get("part", False),
                   "rows": len(m["data"]) if isinstance(m.get("data"), list) else None,
                   "bytes": len(body)})
    if m["kind"] == "result":
        break
    if sys.argv[3] == "leave":
        break
print(json.dumps(frames))
PY
w=$(/usr/bin/python3 "$T/wire.py" "$top_srcdir/tests/integration" "$SOCK" all)
is "on the wire: data frames marked part, then the result, all for the request" \
    "True True True" \
    "$(echo "$w" | jget '"%s %s %s" % (len(d) >= 2 and all(f["kind"] == "data" and f["part"] for f in d[:-1]), d[-1]["kind"] == "result" and not d[-1]["part"], all(f["id"] == 7 for f in d))')"
is "  their rows add up to $N" "$N" "$(echo "$w" | jget 'sum(f["rows"] for f in d)')"
is "  no frame much over 1 MiB" True \
    "$(echo "$w" | jget 'all(f["bytes"] < 1024 * 1024 + 64 * 1024 for f in d)')"

# A client that takes the first part and goes.
for i in 1 2 3; do
	/usr/bin/python3 "$T/wire.py" "$top_srcdir/tests/integration" "$SOCK" leave >/dev/null
done
ok "acmd still answers after clients left halfway through lists" ctl ping
is "  and the next list is whole" "$N" "$(ctl --json acm list | jget 'len(d)')"

# acmctl writes --json part by part and keeps the table's text only:
# the table has the rows of --json, in their order.
is "  the table's rows are --json's, in its order" \
    "$(jget '"\n".join(x["arn"] for x in d)' <"$T/list.json")" \
    "$(ctl acm list | awk 'NR > 1 { print $NF }')"

# The cache follows a full rediscovery batch by batch: every row replaced
# (the rows moved to fresh blocks once the room they left is a third of
# the cache) and some changed behind acmd's back.  A restart rebuilds it
# from the store: the same list.
emu_py "'\n'.join(sorted(c['arn'] for c in certs('$R'))[::500])" |
while read -r arn; do
	emu POST /_emu/expire "{\"arn\":\"$arn\",\"days\":300}" >/dev/null
done
ok "discover --full rewrites every record" ctl discover --full
ctl --json acm list --all >"$T/kept.json"
is "  12 certificates now expire in 300 days" 12 \
    "$(jget 'sum(1 for x in d if x["days_left"] in (299, 300))' <"$T/kept.json")"
ok "acmd stops" stop_daemon
ok "acmd starts again" start_daemon
is "  acm list --all from the cache rebuilt from the store is the kept one" \
    "$(cat "$T/kept.json")" "$(ctl --json acm list --all)"

ok "acmd stopped" stop_daemon
finish

#!/usr/bin/python3
"""Helpers of scripts/faults.sh: settle state, missing deployments, the
versions to check for keys, and the invariant checks.

  faults_check.py settle DS.jsonl [PENDING]
  faults_check.py missing INTENDED.txt DL.json
  faults_check.py versions CS.jsonl KEYS.txt
  faults_check.py check INTENDED DL.json DS.jsonl CS.jsonl ACM.json STATE.json ACCOUNT KEYS.result
"""
import json
import os
import subprocess
import sys


def norm(fp):
    return (fp or "").replace(":", "").lower()


def jsonl(path):
    """Concatenated JSON documents (one per acmctl call)."""
    out, dec = [], json.JSONDecoder()
    try:
        text = open(path).read()
    except OSError:
        return out
    i = 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            break
        try:
            obj, i = dec.raw_decode(text, i)
        except ValueError:
            break
        out.append(obj)
    return out


def deployments(ds_path):
    recs = []
    for doc in jsonl(ds_path):
        if isinstance(doc, list):
            recs.extend(r for r in doc if isinstance(r, dict))
        elif isinstance(doc, dict) and isinstance(doc.get("deployments"), list):
            recs.extend(doc["deployments"])
    return recs


def settle(ds_path, pending=0):
    """ds_path: deploy list (or deploy show) answers; pending: the
    deployments status counts as in flight or waiting for a key."""
    recs = deployments(ds_path)
    # Waiting for a key is left to the key's work (and the final drain).
    waiting = [r for r in recs if r.get("state") == "waiting-for-key"]
    flying = [r for r in recs if r.get("state") == "deploying" or r.get("intent")]
    if not flying and pending - len(waiting) > 0:
        print("in flight %d (status)" % (pending - len(waiting)))
        return
    bad = [r for r in recs if r.get("state") in ("failed", "mismatch", "missing", "pending")]
    if flying:
        print("in flight %d (%s)" % (len(flying), " ".join(
            "%s/%s" % (r.get("name"), r.get("region")) for r in flying[:4])))
    elif bad:
        print("failed-only %d of %d (%s)" % (len(bad), len(recs), " ".join(
            "%s/%s:%s" % (r.get("name"), r.get("region"), r.get("state")) for r in bad[:4])))
    else:
        print("settled, %d deployments in sync%s" % (len(recs) - len(waiting), ", %d waiting for a key" % len(waiting) if waiting else ""))


def missing(intended, dl_path):
    try:
        dl = json.load(open(dl_path))
    except (OSError, ValueError):
        dl = []
    have = {(r["name"], r["region"]) for r in dl}
    names = []
    for line in open(intended):
        n, r = line.split()
        if (n, r) not in have and n not in names:
            names.append(n)
    print(" ".join(names))


def certs(cs_path):
    return {c["name"]: c for c in jsonl(cs_path) if isinstance(c, dict) and "name" in c}


def versions(cs_path, keys_path):
    """NAME VERSION FP of every repository version whose certificate was
    given with a key (by fingerprint), plus every priv version present."""
    cs = certs(cs_path)
    withkey = set()
    for line in open(keys_path):
        p = line.split()
        if len(p) >= 2:
            withkey.add((p[0], norm(p[1])))
    for name, c in sorted(cs.items()):
        for v in c.get("versions", []):
            fp = norm(v.get("sha256"))
            if (name, fp) in withkey or (name, "@%s" % v["version"]) in withkey \
                    or (name, "*") in withkey:
                print(name, v["version"], fp)
    # A version added with a key that is not in the repository at all
    # (its command was acknowledged) is reported by check.


def check(intended, dl_path, ds_path, cs_path, acm_path, state_path, acct, keys_result):
    try:
        dl = json.load(open(dl_path))
    except (OSError, ValueError):
        dl = None
    recs = deployments(ds_path)
    cs = certs(cs_path)
    try:
        acm = json.load(open(acm_path))
    except (OSError, ValueError):
        acm = None
    st = json.load(open(state_path))
    regs = st["accounts"].get(acct, {}).get("regions", {})
    at = {}
    byfp = {}
    for r, rs in regs.items():
        for c in rs.get("certificates", []):
            at[c["arn"]] = (r, norm(c.get("fingerprint")))
            byfp.setdefault((r, norm(c.get("fingerprint"))), []).append(c["arn"])
    repofp = {}
    for name, c in cs.items():
        for v in c.get("versions", []):
            repofp[norm(v.get("sha256"))] = (name, v["version"])
    vfp = {(name, v["version"]): norm(v.get("sha256"))
           for name, c in cs.items() for v in c.get("versions", [])}

    # 1. deployments exactly once
    bad1 = []
    if dl is None:
        bad1.append("deploy list --json failed")
        dl = []
    have = {(r["name"], r["region"]): r for r in dl}
    full = {(r.get("name"), r.get("region")): r for r in recs}
    seen = set()
    for line in open(intended):
        n, region = line.split()
        if (n, region) in seen:
            continue
        seen.add((n, region))
        r = have.get((n, region))
        if r is None:
            bad1.append("%s/%s: no deployment record" % (n, region))
            continue
        ver = r.get("version")
        fp = vfp.get((n, ver))
        if fp is None:
            bad1.append("%s/%s: recorded version %s is not in the repository" % (n, region, ver))
            continue
        arns = byfp.get((region, fp), [])
        if len(arns) != 1:
            bad1.append("%s/%s: %d ACM certificates carry version %s's fingerprint: %s (record: %s)"
                        % (n, region, len(arns), ver, " ".join(arns) or "-", r.get("arn")))
        elif r.get("arn") != arns[0]:
            bad1.append("%s/%s: record ARN %s, but version %s is at %s" % (n, region, r.get("arn"), ver, arns[0]))
        if r.get("state") != "in-sync":
            bad1.append("%s/%s: state %s (%s)" % (n, region, r.get("state"), r.get("last_error")))
        fr = full.get((n, region), {})
        if fr.get("intent"):
            bad1.append("%s/%s: intent still recorded %s" % (n, region, json.dumps(fr["intent"])))
        cur = cs.get(n, {}).get("current")
        if r.get("auto_redeploy") and cur is not None and ver != cur:
            bad1.append("%s/%s: auto-redeploy deployment at version %s, current is %s" % (n, region, ver, cur))
        # no second ARN for any version of the same certificate in the region
        for (nn, vv), f in vfp.items():
            if nn == n and len(byfp.get((region, f), [])) > 1:
                bad1.append("%s/%s: version %s of it is in ACM %d times: %s" % (
                    n, region, vv, len(byfp[(region, f)]), " ".join(byfp[(region, f)])))
    # every record, intended or not
    for r in dl:
        if (r["name"], r["region"]) not in seen and r.get("state") != "in-sync":
            bad1.append("%s/%s: unexpected record in state %s" % (r["name"], r["region"], r.get("state")))
    bad1 = sorted(set(bad1))

    # 2. repository and inventory
    bad2 = []
    if acm is None:
        bad2.append("acm list --json failed")
        acm = []
    inv = {row["arn"]: row for row in acm if row.get("arn")}
    ctl = [os.environ.get("ACMCTL", "acmctl"), "-s", os.environ.get("SOCK", ""), "--json"]
    nlinked = 0
    for arn, (region, fp) in sorted(at.items()):
        if fp not in repofp:
            continue
        name, ver = repofp[fp]
        row = inv.get(arn)
        if row is None:
            bad2.append("%s (%s, %s v%s) is not in the inventory" % (arn, region, name, ver))
            continue
        if row.get("gone"):
            bad2.append("%s (%s v%s) is marked gone" % (arn, name, ver))
        if row.get("linked") != name:
            bad2.append("%s holds %s v%s but is linked to %s" % (arn, name, ver, row.get("linked")))
            continue
        try:
            show = json.loads(subprocess.run(ctl + ["acm", "show", arn], capture_output=True,
                                             timeout=30, text=True).stdout)
            lk = show.get("linked") or {}
            if isinstance(lk, dict) and lk.get("version") not in (None, ver):
                bad2.append("%s holds %s v%s but acm show links v%s" % (arn, name, ver, lk.get("version")))
            if norm(show.get("sha256")) not in ("", fp):
                bad2.append("%s: inventory fingerprint %s, ACM has %s" % (arn, show.get("sha256"), fp))
        except (ValueError, subprocess.SubprocessError, OSError) as e:
            bad2.append("acm show %s failed: %s" % (arn, e))
        nlinked += 1
    for r in dl:
        if (r["name"], r.get("version")) not in vfp:
            bad2.append("deployment %s/%s: version %s not in the repository" % (r["name"], r["region"], r.get("version")))
        elif r.get("arn") and r["arn"] in at and r["arn"] not in inv:
            bad2.append("deployment %s/%s: ARN %s not in the inventory" % (r["name"], r["region"], r["arn"]))
    for line in open(keys_result):
        pass
    bad2 = sorted(set(bad2))

    # 3. keys
    bad3 = []
    nok = 0
    ackd = {}
    for line in open(os.path.join(os.path.dirname(keys_result), "keys.txt")):
        p = line.split(None, 2)
        if len(p) == 3 and p[1].startswith("@"):
            ackd[(p[0], p[1][1:])] = p[2].strip()
    for line in open(keys_result):
        if line.startswith("BAD"):
            b = line[4:].strip()
            p = b.split()
            if len(p) > 2 and p[1] == "version" and (p[0], p[2].rstrip(":")) in ackd:
                b += " [%s, answered has_key]" % ackd[(p[0], p[2].rstrip(":"))]
            bad3.append(b)
        elif line.startswith("OK"):
            nok += 1
    # certificates added with a key whose name vanished from the repository
    added = {line.split()[0] for line in open(os.path.join(os.path.dirname(keys_result), "keys.txt"))
             if line.strip()}
    for n in sorted(added):
        if n not in cs:
            bad3.append("%s: added with a key, no longer in the repository" % n)
    if nok == 0 and not bad3:
        bad3.append("no version checked")

    for title, bad, ok in (("deployments exactly once", bad1, "%d intended deployments" % len(seen)),
                           ("repository/inventory", bad2, "%d ACM certificates of repository versions linked" % nlinked),
                           ("keys", bad3, "%d versions export a matching key" % nok)):
        print("invariant %s: %s" % (title, "OK (%s)" % ok if not bad else "FAILED"))
        for b in bad[:40]:
            print("  - " + b)
        if len(bad) > 40:
            print("  ... %d more" % (len(bad) - 40))
    print("COUNT deployments %d" % len(seen))
    print("COUNT linked %d" % nlinked)
    print("COUNT keys %d" % nok)
    print("RESULT deployments %s" % ("OK" if not bad1 else "FAILED"))
    print("RESULT repository %s" % ("OK" if not bad2 else "FAILED"))
    print("RESULT keys %s" % ("OK" if not bad3 else "FAILED"))


def main():
    cmd = sys.argv[1]
    if cmd == "settle":
        settle(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 0)
    elif cmd == "missing":
        missing(sys.argv[2], sys.argv[3])
    elif cmd == "versions":
        versions(sys.argv[2], sys.argv[3])
    elif cmd == "check":
        check(*sys.argv[2:10])
    else:
        sys.exit("unknown command %s" % cmd)


if __name__ == "__main__":
    main()

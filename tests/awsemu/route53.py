"""Route 53 (REST-XML, /2013-04-01/...) for the AWS emulator."""
import re
import time
import xml.etree.ElementTree as ET

from common import AwsError, rand_upper, iso8601, xesc

NS = "https://route53.amazonaws.com/doc/2013-04-01/"
TYPES = {"SOA", "A", "TXT", "NS", "CNAME", "MX", "NAPTR", "PTR", "SRV", "SPF", "AAAA", "CAA", "DS",
         "TLSA", "SSHFP", "SVCB", "HTTPS"}
_PFX = "/2013-04-01"
ROUTES = [
    ("POST", re.compile(r"^/2013-04-01/hostedzone/?$"), "CreateHostedZone"),
    ("GET", re.compile(r"^/2013-04-01/hostedzone/?$"), "ListHostedZones"),
    ("GET", re.compile(r"^/2013-04-01/hostedzonesbyname/?$"), "ListHostedZonesByName"),
    ("GET", re.compile(r"^/2013-04-01/hostedzone/([^/]+)/?$"), "GetHostedZone"),
    ("DELETE", re.compile(r"^/2013-04-01/hostedzone/([^/]+)/?$"), "DeleteHostedZone"),
    ("POST", re.compile(r"^/2013-04-01/hostedzone/([^/]+)/rrset/?$"), "ChangeResourceRecordSets"),
    ("GET", re.compile(r"^/2013-04-01/hostedzone/([^/]+)/rrset/?$"), "ListResourceRecordSets"),
    ("GET", re.compile(r"^/2013-04-01/change/([^/]+)/?$"), "GetChange"),
]


def route(method, path):
    for m, rx, op in ROUTES:
        if m == method:
            mm = rx.match(path)
            if mm:
                return op, OPS[op], mm.groups()
    return None


# ------------------------------------------------------------------ names

def norm_name(n):
    """Route 53 name -> lower-case with trailing dot, octal escapes decoded."""
    n = re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1), 8)), n.strip())
    n = n.lower()
    if not n.endswith("."):
        n += "."
    return n


def out_name(n):
    return n.replace("*", "\\052")


def _sortkey(n):
    """Record sets: labels reversed, compared label by label."""
    return list(reversed(n.rstrip(".").split(".")))


def _escaped(n):
    """A name the way Route 53 stores it: lower case, characters other than
    a-z 0-9 - _ as \\ooo octal escapes (the Developer Guide's "DNS domain
    name format"; * is \\052)."""
    return "".join(ch if re.match(r"[a-z0-9_.-]", ch) else "\\%03o" % (ord(ch) & 0xff) for ch in n)


def _zone_sortkey(n):
    """ListHostedZonesByName's order (API reference): "sorts hosted zones by
    name with the labels reversed. For example: com.example.www. Note the
    trailing dot, which can change the sort order in some circumstances."
    and "alphabetizes the domain name using the escaped or Punycoded value":
    a plain ASCII comparison of the escaped, label-reversed name with its
    trailing dot ("com.a-b." sorts before "com.a.c." since "-" < ".")."""
    return ".".join(reversed(_escaped(n).rstrip(".").split("."))) + "."


def _check_id(zid, what="id"):
    """Hosted zone and change ids are ResourceId: a string of at most 32
    characters (botocore's route53 model), nothing more is checked before
    the look-up.  Longer -> InvalidInput with the usual validation message;
    anything else that names no zone -- a zone NAME such as "example.test"
    passed where an id belongs -- is simply not found: NoSuchHostedZone
    "No hosted zone found with ID: example.test" (404)."""
    if len(zid) > 32:
        raise AwsError("InvalidInput", "1 validation error detected: Value '%s' at '%s' failed to satisfy "
                       "constraint: Member must have length less than or equal to 32" % (zid, what))


def _maxitems(q, default):
    """maxitems: a positive integer; Route 53 returns at most 100 zones a
    page (ListHostedZones/ListHostedZonesByName reference: "Route 53
    returns up to 100 items in each response"), the answer's MaxItems
    echoes the value asked for."""
    raw = _q(q, "maxitems", str(default))
    try:
        mx = int(raw)
    except ValueError:
        raise AwsError("InvalidInput", "1 validation error detected: Value '%s' at 'maxItems' failed to "
                       "satisfy constraint: Member must be a number" % raw)
    if mx < 1:
        raise AwsError("InvalidInput", "1 validation error detected: Value '%d' at 'maxItems' failed to "
                       "satisfy constraint: Member must be greater than or equal to 1" % mx)
    return mx, min(mx, 100)


def _local(tag):
    return tag.rsplit("}", 1)[-1]


def _child(el, name):
    if el is None:
        return None
    for c in el:
        if _local(c.tag) == name:
            return c
    return None


def _text(el, name, default=None):
    c = _child(el, name)
    return c.text.strip() if c is not None and c.text is not None else default


def _parse(body):
    try:
        return ET.fromstring(body)
    except ET.ParseError as e:
        raise AwsError("InvalidInput", "Invalid XML: %s" % e)


def _q(query, name, default=None):
    v = query.get(name)
    return v[-1] if v else default


# ------------------------------------------------------------------ state helpers

def _zone(ctx, zid):
    zid = zid.split("/")[-1]
    _check_id(zid)
    z = ctx.emu.account(ctx.account).zones.get(zid)
    if z is None:
        raise AwsError("NoSuchHostedZone", "No hosted zone found with ID: %s" % zid, 404)
    return z


def _change(ctx, comment=None):
    a = ctx.emu.account(ctx.account)
    cid = "C" + rand_upper(20)
    ch = {"id": cid, "submitted": time.time(), "delay": ctx.emu.change_delay, "comment": comment}
    a.changes[cid] = ch
    return ch


def _change_xml(ch):
    st = "INSYNC" if time.time() >= ch["submitted"] + ch["delay"] else "PENDING"
    x = "<ChangeInfo><Id>/change/%s</Id><Status>%s</Status><SubmittedAt>%s</SubmittedAt>" % (
        ch["id"], st, iso8601(ch["submitted"]))
    if ch.get("comment"):
        x += "<Comment>%s</Comment>" % xesc(ch["comment"])
    return x + "</ChangeInfo>"


def _zone_xml(z):
    x = "<HostedZone><Id>/hostedzone/%s</Id><Name>%s</Name><CallerReference>%s</CallerReference><Config>" % (
        z["id"], xesc(out_name(z["name"])), xesc(z["caller_ref"]))
    if z.get("comment") is not None:
        x += "<Comment>%s</Comment>" % xesc(z["comment"])
    x += "<PrivateZone>%s</PrivateZone></Config><ResourceRecordSetCount>%d</ResourceRecordSetCount></HostedZone>" % (
        "true" if z["private"] else "false", len(z["records"]))
    return x


def _delegation_xml(z):
    return "<DelegationSet><NameServers>%s</NameServers></DelegationSet>" % "".join(
        "<NameServer>%s</NameServer>" % n for n in z["ns"])


def _rrset_xml(r):
    x = "<ResourceRecordSet><Name>%s</Name><Type>%s</Type>" % (xesc(out_name(r["Name"])), r["Type"])
    if r.get("SetIdentifier") is not None:
        x += "<SetIdentifier>%s</SetIdentifier>" % xesc(r["SetIdentifier"])
    if r.get("Weight") is not None:
        x += "<Weight>%d</Weight>" % r["Weight"]
    if r.get("Alias"):
        a = r["Alias"]
        x += ("<AliasTarget><HostedZoneId>%s</HostedZoneId><DNSName>%s</DNSName><EvaluateTargetHealth>%s"
              "</EvaluateTargetHealth></AliasTarget>" % (xesc(a[0]), xesc(a[1]), a[2]))
    else:
        x += "<TTL>%d</TTL><ResourceRecords>%s</ResourceRecords>" % (r["TTL"], "".join(
            "<ResourceRecord><Value>%s</Value></ResourceRecord>" % xesc(v) for v in r["Values"]))
    return x + "</ResourceRecordSet>"


def cname_set(account_state):
    """{(name-without-dot, value-without-dot)} of every CNAME in the account's zones (lower-case)."""
    out = set()
    for z in account_state.zones.values():
        for r in z["records"].values():
            if r["Type"] == "CNAME" and not r.get("Alias"):
                for v in r["Values"]:
                    out.add((r["Name"].rstrip("."), v.lower().rstrip(".")))
    return out


# ------------------------------------------------------------------ operations

def create_hosted_zone(ctx, params):
    root = _parse(ctx.body)
    name = _text(root, "Name")
    ref = _text(root, "CallerReference")
    if not name or not ref:
        raise AwsError("InvalidInput", "Name and CallerReference are required")
    n = norm_name(name)
    if not re.match(r"^([a-z0-9_*-]{1,63}\.)+$", n) or len(n) > 255:
        raise AwsError("InvalidDomainName", "%s is reserved by AWS!" % name if n.endswith("amazonaws.com.")
                       else "Invalid domain name %s" % name)
    cfg = _child(root, "HostedZoneConfig")
    comment = _text(cfg, "Comment")
    private = (_text(cfg, "PrivateZone", "false") or "false").lower() == "true" or _child(root, "VPC") is not None
    with ctx.emu.lock:
        a = ctx.emu.account(ctx.account)
        for z in a.zones.values():
            if z["caller_ref"] == ref:
                raise AwsError("HostedZoneAlreadyExists", "A hosted zone has already been created with the "
                               "specified caller reference.", 409)
        if len(a.zones) >= 500:
            raise AwsError("TooManyHostedZones", "Limits Exceeded: MAX_HOSTED_ZONES_BY_OWNER", 400)
        zid = "Z" + rand_upper(19)
        k = int(time.time() * 1000) % 2000
        ns = ["ns-%d.awsdns-%02d.com." % (k, k % 64), "ns-%d.awsdns-%02d.net." % (k + 512, k % 64),
              "ns-%d.awsdns-%02d.org." % (k + 1024, k % 64), "ns-%d.awsdns-%02d.co.uk." % (k + 1536, k % 64)]
        z = {"id": zid, "name": n, "caller_ref": ref, "comment": comment, "private": private, "ns": ns,
             "records": {}}
        z["records"][(n, "SOA", None)] = {"Name": n, "Type": "SOA", "TTL": 900, "Values": [
            "%s awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400" % ns[0]]}
        z["records"][(n, "NS", None)] = {"Name": n, "Type": "NS", "TTL": 172800, "Values": list(ns)}
        a.zones[zid] = z
        ch = _change(ctx)
        xml = ('<CreateHostedZoneResponse xmlns="%s">%s%s%s</CreateHostedZoneResponse>'
               % (NS, _zone_xml(z), _change_xml(ch), _delegation_xml(z)))
    return 201, xml, [("Location", "https://route53.amazonaws.com/2013-04-01/hostedzone/%s" % zid)]


def _sorted_zones(a):
    return sorted(a.zones.values(), key=lambda z: (_zone_sortkey(z["name"]), z["id"]))


def list_hosted_zones(ctx, params):
    _, q = params
    mx_asked, mx = _maxitems(q, 100)
    marker = _q(q, "marker")
    with ctx.emu.lock:
        zs = _sorted_zones(ctx.emu.account(ctx.account))
        start = 0
        if marker:
            ids = [z["id"] for z in zs]
            if marker not in ids:
                raise AwsError("InvalidInput", "Invalid marker %s" % marker)
            start = ids.index(marker)
        page = zs[start:start + mx]
        trunc = start + mx < len(zs)
        x = '<ListHostedZonesResponse xmlns="%s"><HostedZones>%s</HostedZones>' % (
            NS, "".join(_zone_xml(z) for z in page))
        if marker:
            x += "<Marker>%s</Marker>" % xesc(marker)
        x += "<IsTruncated>%s</IsTruncated>" % ("true" if trunc else "false")
        if trunc:
            x += "<NextMarker>%s</NextMarker>" % zs[start + mx]["id"]
        x += "<MaxItems>%d</MaxItems></ListHostedZonesResponse>" % mx_asked
    return 200, x, []


def list_hosted_zones_by_name(ctx, params):
    """Starts at the first zone at or after dnsname (and hostedzoneid) in the
    order of _zone_sortkey and lists the zones that follow, whatever their
    names: it is a listing, not a look-up (API reference: "include the
    dnsname parameter only if you want to specify the name of the first
    hosted zone in the response")."""
    _, q = params
    mx_asked, mx = _maxitems(q, 100)
    dns = _q(q, "dnsname")
    hzid = _q(q, "hostedzoneid")
    if hzid is not None:
        _check_id(hzid, "hostedZoneId")
    if hzid and not dns:
        raise AwsError("InvalidInput", "The input is not valid: hostedzoneid requires dnsname")
    if dns is not None and (len(dns) > 1024 or not re.match(r"^[A-Za-z0-9_*.\\-]+$", dns) or ".." in dns):
        raise AwsError("InvalidDomainName", "Invalid domain name %s" % dns)
    with ctx.emu.lock:
        zs = _sorted_zones(ctx.emu.account(ctx.account))
        start = 0
        if dns:
            key = (_zone_sortkey(norm_name(dns)), hzid or "")
            while start < len(zs) and (_zone_sortkey(zs[start]["name"]), zs[start]["id"]) < key:
                start += 1
        page = zs[start:start + mx]
        trunc = start + mx < len(zs)
        x = '<ListHostedZonesByNameResponse xmlns="%s"><HostedZones>%s</HostedZones>' % (
            NS, "".join(_zone_xml(z) for z in page))
        if dns:
            x += "<DNSName>%s</DNSName>" % xesc(out_name(norm_name(dns)))
        if hzid:
            x += "<HostedZoneId>%s</HostedZoneId>" % xesc(hzid)
        x += "<IsTruncated>%s</IsTruncated>" % ("true" if trunc else "false")
        if trunc:
            nz = zs[start + mx]
            x += "<NextDNSName>%s</NextDNSName><NextHostedZoneId>%s</NextHostedZoneId>" % (
                xesc(out_name(nz["name"])), nz["id"])
        x += "<MaxItems>%d</MaxItems></ListHostedZonesByNameResponse>" % mx_asked
    return 200, x, []


def get_hosted_zone(ctx, params):
    (zid,), _ = params
    with ctx.emu.lock:
        z = _zone(ctx, zid)
        x = '<GetHostedZoneResponse xmlns="%s">%s%s</GetHostedZoneResponse>' % (
            NS, _zone_xml(z), _delegation_xml(z))
    return 200, x, []


def delete_hosted_zone(ctx, params):
    (zid,), _ = params
    with ctx.emu.lock:
        z = _zone(ctx, zid)
        if any(r["Type"] not in ("SOA", "NS") or r["Name"] != z["name"] for r in z["records"].values()):
            raise AwsError("HostedZoneNotEmpty", "The specified hosted zone contains non-required resource "
                           "record sets and so cannot be deleted.", 400)
        del ctx.emu.account(ctx.account).zones[z["id"]]
        ch = _change(ctx)
        x = '<DeleteHostedZoneResponse xmlns="%s">%s</DeleteHostedZoneResponse>' % (NS, _change_xml(ch))
    return 200, x, []


def _parse_rrset(el):
    name = _text(el, "Name")
    typ = _text(el, "Type")
    if not name or not typ:
        raise AwsError("InvalidInput", "Invalid request: Expected Name and Type in ResourceRecordSet")
    if typ not in TYPES:
        raise AwsError("InvalidInput", "Invalid XML ; cvc-enumeration-valid: Value '%s' is not facet-valid "
                       "with respect to enumeration." % typ)
    r = {"Name": norm_name(name), "Type": typ}
    sid = _text(el, "SetIdentifier")
    if sid is not None:
        r["SetIdentifier"] = sid
    w = _text(el, "Weight")
    if w is not None:
        r["Weight"] = int(w)
    at = _child(el, "AliasTarget")
    if at is not None:
        r["Alias"] = (_text(at, "HostedZoneId", ""), norm_name(_text(at, "DNSName", "")),
                      (_text(at, "EvaluateTargetHealth", "false") or "false").lower())
        return r
    ttl = _text(el, "TTL")
    rrs = _child(el, "ResourceRecords")
    if ttl is None:
        raise AwsError("InvalidInput", "Invalid request: Expected exactly one of [AliasTarget, all of "
                       "[TTL, and ResourceRecords], or TrafficPolicyInstanceId], but found none in Change "
                       "with [Action=%s, Name=%s, Type=%s, SetIdentifier=null]" % ("?", name, typ))
    vals = [(_text(rr, "Value") or "") for rr in (rrs if rrs is not None else [])]
    if not vals:
        raise AwsError("InvalidInput", "Invalid request: Expected at least one ResourceRecord")
    try:
        r["TTL"] = int(ttl)
    except ValueError:
        raise AwsError("InvalidInput", "Invalid TTL %s" % ttl)
    r["Values"] = vals
    return r


def _rrdesc(r):
    return "[name='%s', type='%s'%s]" % (out_name(r["Name"]), r["Type"],
                                         ", set-identifier='%s'" % r["SetIdentifier"]
                                         if r.get("SetIdentifier") is not None else "")


def change_resource_record_sets(ctx, params):
    (zid,), _ = params
    root = _parse(ctx.body)
    batch = _child(root, "ChangeBatch")
    changes = _child(batch, "Changes")
    if changes is None or len(changes) == 0:
        raise AwsError("InvalidInput", "Invalid request: Expected at least one Change")
    comment = _text(batch, "Comment")
    parsed = []
    for ch in changes:
        act = _text(ch, "Action")
        if act not in ("CREATE", "DELETE", "UPSERT"):
            raise AwsError("InvalidInput", "Invalid XML ; cvc-enumeration-valid: Value '%s' is not "
                           "facet-valid with respect to enumeration '[CREATE, DELETE, UPSERT]'." % act)
        rr = _child(ch, "ResourceRecordSet")
        if rr is None:
            raise AwsError("InvalidInput", "Invalid request: Expected ResourceRecordSet")
        parsed.append((act, _parse_rrset(rr)))
    with ctx.emu.lock:
        z = _zone(ctx, zid)
        recs = dict(z["records"])
        errs = []
        for act, r in parsed:
            k = (r["Name"], r["Type"], r.get("SetIdentifier"))
            if not (r["Name"] == z["name"] or r["Name"].endswith("." + z["name"])):
                errs.append("RRSet with DNS name %s is not permitted in zone %s" % (
                    out_name(r["Name"]), out_name(z["name"])))
                continue
            if act in ("CREATE", "UPSERT"):
                if r["Type"] == "CNAME" and r["Name"] == z["name"]:
                    errs.append("RRSet of type CNAME with DNS name %s is not permitted at apex in zone %s"
                                % (out_name(r["Name"]), out_name(z["name"])))
                    continue
                others = [x for x in recs.values() if x["Name"] == r["Name"] and x["Type"] != r["Type"]]
                if others and (r["Type"] == "CNAME" or any(x["Type"] == "CNAME" for x in others)):
                    errs.append("RRSet of type %s with DNS name %s is not permitted because a conflicting "
                                "RRSet of type %s with the same DNS name already exists in zone %s" % (
                                    r["Type"], out_name(r["Name"]), others[0]["Type"], out_name(z["name"])))
                    continue
                if r["Type"] == "CNAME" and len(r.get("Values", [])) > 1:
                    errs.append("RRSet of type CNAME with DNS name %s contains more than one value"
                                % out_name(r["Name"]))
                    continue
            if act == "CREATE":
                if k in recs:
                    errs.append("Tried to create resource record set %s but it already exists" % _rrdesc(r))
                    continue
                recs[k] = r
            elif act == "UPSERT":
                if r["Name"] == z["name"] and r["Type"] == "SOA" and len(r["Values"]) != 1:
                    errs.append("SOA must have exactly one value")
                    continue
                recs[k] = r
            else:
                cur = recs.get(k)
                if cur is None:
                    errs.append("Tried to delete resource record set %s but it was not found" % _rrdesc(r))
                    continue
                if (cur.get("TTL") != r.get("TTL") or sorted(cur.get("Values") or []) != sorted(r.get("Values") or [])
                        or cur.get("Alias") != r.get("Alias") or cur.get("Weight") != r.get("Weight")):
                    errs.append("Tried to delete resource record set %s but the values provided do not match "
                                "the current values" % _rrdesc(r))
                    continue
                if r["Name"] == z["name"] and r["Type"] in ("SOA", "NS"):
                    errs.append("A HostedZone must contain at least one %s record for the zone itself."
                                % r["Type"])
                    continue
                del recs[k]
        if errs:
            raise AwsError("InvalidChangeBatch", "[%s]" % ", ".join(errs), 400)
        z["records"] = recs
        ch = _change(ctx, comment)
        x = '<ChangeResourceRecordSetsResponse xmlns="%s">%s</ChangeResourceRecordSetsResponse>' % (
            NS, _change_xml(ch))
    return 200, x, []


def list_resource_record_sets(ctx, params):
    (zid,), q = params
    mx = int(_q(q, "maxitems", "300"))
    mx = max(1, min(mx, 300))
    sname = _q(q, "name")
    stype = _q(q, "type")
    sid = _q(q, "identifier")
    if stype and not sname:
        raise AwsError("InvalidInput", "The input is not valid: type requires name")
    with ctx.emu.lock:
        z = _zone(ctx, zid)
        rs = sorted(z["records"].values(), key=lambda r: (_sortkey(r["Name"]), r["Type"],
                                                          r.get("SetIdentifier") or ""))
        start = 0
        if sname:
            key = (_sortkey(norm_name(sname)), stype or "", sid or "")
            while start < len(rs) and (_sortkey(rs[start]["Name"]), rs[start]["Type"],
                                       rs[start].get("SetIdentifier") or "") < key:
                start += 1
        page = rs[start:start + mx]
        trunc = start + mx < len(rs)
        x = '<ListResourceRecordSetsResponse xmlns="%s"><ResourceRecordSets>%s</ResourceRecordSets>' % (
            NS, "".join(_rrset_xml(r) for r in page))
        x += "<IsTruncated>%s</IsTruncated>" % ("true" if trunc else "false")
        if trunc:
            n = rs[start + mx]
            x += "<NextRecordName>%s</NextRecordName><NextRecordType>%s</NextRecordType>" % (
                xesc(out_name(n["Name"])), n["Type"])
            if n.get("SetIdentifier") is not None:
                x += "<NextRecordIdentifier>%s</NextRecordIdentifier>" % xesc(n["SetIdentifier"])
        x += "<MaxItems>%d</MaxItems></ListResourceRecordSetsResponse>" % mx
    return 200, x, []


def get_change(ctx, params):
    (cid,), _ = params
    cid = cid.split("/")[-1]
    _check_id(cid)
    with ctx.emu.lock:
        ch = ctx.emu.account(ctx.account).changes.get(cid)
        if ch is None:
            raise AwsError("NoSuchChange", "A change with the specified change ID does not exist.", 404)
        x = '<GetChangeResponse xmlns="%s">%s</GetChangeResponse>' % (NS, _change_xml(ch))
    return 200, x, []


OPS = {
    "CreateHostedZone": create_hosted_zone,
    "ListHostedZones": list_hosted_zones,
    "ListHostedZonesByName": list_hosted_zones_by_name,
    "GetHostedZone": get_hosted_zone,
    "DeleteHostedZone": delete_hosted_zone,
    "ChangeResourceRecordSets": change_resource_record_sets,
    "ListResourceRecordSets": list_resource_record_sets,
    "GetChange": get_change,
}


def dump_zone(z):
    return {"id": z["id"], "name": z["name"], "private": z["private"],
            "records": [{"name": r["Name"], "type": r["Type"], "ttl": r.get("TTL"),
                         "values": r.get("Values"), "set_identifier": r.get("SetIdentifier")}
                        for r in z["records"].values()]}

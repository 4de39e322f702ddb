#include <ctype.h>
#include <stdarg.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "aws/aws.h"
#include "aws/services.h"
#include "aws/xml.h"
#include "log.h"
#include "rec.h"
#include "xmalloc.h"
#include "zones.h"

struct zones_walk {
	struct aws_cred	*cred;
	json_t		*zones;
	int		 pages;
	char		*want;		/* zones_resolve: the id or name */
	zones_cb	 cb;
	void		*arg;
};

int
zones_is_id(const char *s)
{
	regex_t	 r;
	int	 ok;

	if (regcomp(&r, "^(/hostedzone/)?Z[A-Z0-9]{1,32}$",
	    REG_EXTENDED | REG_NOSUB) != 0)
		return (0);
	ok = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return (ok);
}

/* "Example.COM" -> "example.com." (allocated). */
static char *
zone_name_norm(const char *name)
{
	char	*n, *p;
	size_t	 len = strlen(name);

	if (len > 0 && name[len - 1] == '.')
		n = xstrdup(name);
	else
		xasprintf(&n, "%s.", name);
	for (p = n; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return (n);
}

static const char *
zone_id_short(const char *id)
{
	const char	*p = strrchr(id, '/');

	return (p != NULL ? p + 1 : id);
}

static void
zones_walk_free(struct zones_walk *w)
{
	aws_cred_unref(w->cred);
	json_decref(w->zones);
	free(w->want);
	free(w);
}

static void
zones_fail(struct zones_walk *w, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
zones_fail(struct zones_walk *w, const char *code, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	w->cb(NULL, code, msg, w->arg);
	free(msg);
	zones_walk_free(w);
}

/* The listing is complete: the answer, or the one zone wanted. */
static void
zones_done(struct zones_walk *w)
{
	json_t		*z, *found = json_array();
	char		*want, *ids = xstrdup(""), *tmp;
	size_t		 i;
	int		 byid;

	if (w->want == NULL) {
		w->cb(json_incref(w->zones), NULL, NULL, w->arg);
		json_decref(found);
		free(ids);
		zones_walk_free(w);
		return;
	}
	byid = zones_is_id(w->want);
	want = byid ? xstrdup(zone_id_short(w->want)) :
	    zone_name_norm(w->want);
	json_array_foreach(w->zones, i, z) {
		if (strcmp(rec_str(z, byid ? "id" : "name"), want) != 0)
			continue;
		json_array_append(found, z);
		xasprintf(&tmp, "%s%s%s (%s)", ids, *ids ? ", " : "",
		    rec_str(z, "id"), rec_bool(z, "private") ? "private" :
		    "public");
		free(ids);
		ids = tmp;
	}
	if (json_array_size(found) == 1)
		w->cb(json_incref(found), NULL, NULL, w->arg);
	else if (json_array_size(found) == 0)
		w->cb(NULL, NULL, byid ? "no hosted zone with this id in the "
		    "account" : "no hosted zone of this name in the account",
		    w->arg);
	else {
		xasprintf(&tmp, "%zu hosted zones have this name: %s; give the "
		    "id of the one to use", json_array_size(found), ids);
		w->cb(NULL, NULL, tmp, w->arg);
		free(tmp);
	}
	free(want);
	free(ids);
	json_decref(found);
	zones_walk_free(w);
}

static void
zones_page(struct aws_result *r, void *arg)
{
	struct zones_walk	*w = arg;
	const struct xml_node	*zs, *z, *cfg;
	const char		*id, *name, *priv, *next, *nextid, *trunc;
	char			*n;

	if (!r->ok) {
		zones_fail(w, r->err.code, "%s: %s", r->err.code, r->err.message);
		return;
	}
	zs = xml_child(r->xml, "HostedZones");
	for (z = xml_child(zs, "HostedZone"); z != NULL;
	    z = xml_next_named(z, "HostedZone")) {
		id = xml_text(z, "Id");
		name = xml_text(z, "Name");
		if (id == NULL || name == NULL)
			continue;
		cfg = xml_child(z, "Config");
		priv = cfg != NULL ? xml_text(cfg, "PrivateZone") : NULL;
		n = zone_name_norm(name);
		json_array_append_new(w->zones, json_pack("{s:s, s:s, s:b}",
		    "id", zone_id_short(id), "name", n, "private",
		    priv != NULL && strcmp(priv, "true") == 0));
		free(n);
	}
	trunc = xml_text(r->xml, "IsTruncated");
	next = xml_text(r->xml, "NextDNSName");
	nextid = xml_text(r->xml, "NextHostedZoneId");
	if (trunc != NULL && strcmp(trunc, "true") == 0 && next != NULL &&
	    nextid != NULL) {
		if (++w->pages >= ZONES_MAX_PAGES) {
			zones_fail(w, NULL, "more than %d hosted zones: name the "
			    "zone by its id", ZONES_MAX_PAGES * 100);
			return;
		}
		route53_list_hosted_zones_by_name(w->cred, next, nextid,
		    zones_page, w);
		return;
	}
	zones_done(w);
}

static void
zones_start(struct aws_cred *cred, const char *want, zones_cb cb, void *arg)
{
	struct zones_walk	*w;

	w = xcalloc(1, sizeof *w);
	w->cred = cred;
	aws_cred_ref(cred);
	w->zones = json_array();
	w->want = want != NULL ? xstrdup(want) : NULL;
	w->cb = cb;
	w->arg = arg;
	route53_list_hosted_zones_by_name(cred, NULL, NULL, zones_page, w);
}

void
zones_list(struct aws_cred *cred, zones_cb cb, void *arg)
{
	zones_start(cred, NULL, cb, arg);
}

void
zones_resolve(struct aws_cred *cred, const char *zone, zones_cb cb,
    void *arg)
{
	zones_start(cred, zone, cb, arg);
}

const json_t *
zones_for_name(const json_t *zones, const char *record)
{
	const json_t	*best = NULL, *z;
	const char	*zn;
	char		*name;
	size_t		 bestlen = 0, i, zl, nl;

	name = zone_name_norm(record);
	nl = strlen(name);
	json_array_foreach(zones, i, z) {
		if (rec_bool(z, "private"))
			continue;	/* ACM looks the records up in public */
		zn = rec_str(z, "name");
		zl = strlen(zn);
		if (zl > nl || strcmp(name + nl - zl, zn) != 0)
			continue;
		if (zl < nl && name[nl - zl - 1] != '.')
			continue;
		if (zl > bestlen) {
			best = z;
			bestlen = zl;
		}
	}
	free(name);
	return (best);
}

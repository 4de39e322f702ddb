/*
 * Auto-export: the key of a requested certificate exported again after
 * each renewal ACM makes at the same ARN.  Discovery stores the renewal
 * as a new repository version and, in the same transaction, points every
 * auto-export request of that ARN at it with its key export due; the
 * requests job then exports it (keys.c) like the first one, counted and
 * bounded as recorded work, and never when the version has its key.
 * request auto-export turns it on or off later, by request or by ARN (a
 * certificate acmd did not request gets a request record of its own).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "inventory.h"
#include "keys.h"
#include "log.h"
#include "rec.h"
#include "repo.h"
#include "request-poll.h"
#include "requests.h"
#include "store.h"
#include "xmalloc.h"

struct autoexport_find {
	const char	*arn;
	json_t		*found;		/* requests of arn with auto_export */
};

static int
autoexport_find_cb(const char *key, json_t *rec, void *arg)
{
	struct autoexport_find	*f = arg;
	const char		*arn = rec_str(rec, "arn");

	if (arn != NULL && strcmp(arn, f->arn) == 0 &&
	    rec_bool(rec, "auto_export"))
		json_array_append(f->found, rec);
	return (0);
}

/* rec follows version of name; its key export starts afresh. */
static void
autoexport_follow(json_t *rec, const char *name, long version)
{
	json_object_set_new(rec, "name", json_string(name));
	json_object_set_new(rec, "version", json_integer(version));
	json_object_set_new(rec, "key_export", json_pack("{s:i, s:I, s:I}",
	    "attempts", 0, "renewal_of", (json_int_t)version, "updated",
	    (json_int_t)time(NULL)));
	json_object_set_new(rec, "updated", json_integer(time(NULL)));
}

int
requests_renewed(struct store_txn *t, const char *arn, const char *name,
    long version, char **cause)
{
	struct autoexport_find	 f = { .arn = arn, .found = json_array() };
	json_t			*rec;
	size_t			 i;
	int			 ret = -1;

	if (rec_foreach(t, DB_REQUESTS, NULL, autoexport_find_cb, &f,
	    cause) != 0)
		goto out;
	json_array_foreach(f.found, i, rec) {
		rec = json_deep_copy(rec);
		autoexport_follow(rec, name, version);
		log_info("request %s: %s renewed: its key is due for version "
		    "%ld of %s (auto-export)", rec_str(rec, "id"), arn, version,
		    name);
		if (rec_put(t, DB_REQUESTS, rec_str(rec, "id"), rec,
		    cause) != 0) {
			json_decref(rec);
			goto out;
		}
		json_decref(rec);
	}
	ret = 0;
out:
	json_decref(f.found);
	return (ret);
}

static int
autoexport_arn_cb(const char *key, json_t *rec, void *arg)
{
	struct autoexport_find	*f = arg;

	autoexport_find_cb(key, rec, f);
	return (json_array_size(f->found) > 0 ? 1 : 0);
}

int
requests_auto_exported(const char *arn)
{
	struct autoexport_find	 f = { .arn = arn, .found = json_array() };
	char			*cause = NULL;
	int			 r;

	if (rec_walk(DB_REQUESTS, NULL, autoexport_arn_cb, &f, &cause) != 0) {
		log_warnx("request of %s: %s", arn, cause);
		free(cause);
	}
	r = json_array_size(f.found) > 0;
	json_decref(f.found);
	return (r);
}

struct autoexport_set {
	const char	*id;		/* a request's id, or an ARN */
	int		 on;
	json_t		*rec;		/* as stored */
	const char	*refused;
	int		 adopted;
};

static int
autoexport_by_arn_cb(const char *key, json_t *rec, void *arg)
{
	struct autoexport_set	*s = arg;

	if (rec_str(rec, "arn") == NULL || strcmp(rec_str(rec, "arn"),
	    s->id) != 0)
		return (0);
	s->rec = json_incref(rec);
	return (1);
}

/*
 * A certificate acmd did not request (found by discovery, its key
 * fetched): a request record is made for it, Issued, so that its key
 * follows every renewal as a requested one's does.  Private ones, and
 * public ones ACM lists with ExportOption ENABLED; linked to a
 * repository version.
 */
static int
autoexport_adopt(struct store_txn *t, struct autoexport_set *s, char **cause)
{
	json_t		*inv, *v, *ln;
	const char	*type, *xo;
	char		*key, id[32];
	uint64_t	 seq;
	int		 priv;

	if ((key = inv_key_for_arn(s->id)) == NULL) {
		s->refused = "it is not an ACM certificate ARN";
		return (0);
	}
	inv = rec_get(t, DB_ACM, key, cause);
	free(key);
	if (inv == NULL) {
		s->refused = "it is not in the inventory (run discover)";
		return (*cause != NULL ? -1 : 0);
	}
	type = rec_str(inv, "type");
	xo = rec_str(json_object_get(inv, "summary"), "ExportOption");
	priv = type != NULL && strcmp(type, "Private") == 0;
	ln = json_object_get(inv, "linked");
	if (!priv && (type == NULL || strcmp(type, "Amazon Issued") != 0 ||
	    xo == NULL || strcmp(xo, "ENABLED") != 0))
		s->refused = "only private and exportable public certificates "
		    "have a key to export";
	else if (rec_str(ln, "name") == NULL)
		s->refused = "it is not in the repository yet (fetch-key it "
		    "first)";
	if (s->refused != NULL || store_next_id(t, "request", &seq,
	    cause) != 0) {
		json_decref(inv);
		return (s->refused != NULL ? 0 : -1);
	}
	snprintf(id, sizeof id, "r-%llu", (unsigned long long)seq);
	s->rec = json_pack("{s:s, s:s, s:b, s:s?, s:s?, s:s?, s:s, s:s, s:O, "
	    "s:O, s:s, s:s, s:b, s:b, s:b, s:I, s:I}", "id", id, "kind",
	    priv ? "private" : "public", "adopted", 1, "credential",
	    rec_str(inv, "credential"), "region", rec_str(inv, "region"),
	    "domain", rec_str(inv, "domain"), "arn", s->id, "validation",
	    priv ? "PRIVATE" : "-", "name", json_object_get(ln, "name"),
	    "version", json_object_get(ln, "version"), "status", "Issued",
	    "zone_mode", "none", "exportable", !priv, "with_key", 1,
	    "auto_export", 1, "created", (json_int_t)time(NULL), "updated",
	    (json_int_t)time(NULL));
	json_decref(inv);
	v = repo_get_version(t, rec_str(s->rec, "name"), (long)rec_int(s->rec,
	    "version"), cause);
	if (v == NULL && *cause != NULL)
		return (-1);
	if (rec_bool(v, "has_key"))
		json_object_set_new(s->rec, "key_export", json_pack("{s:s}",
		    "state", "stored"));
	json_decref(v);
	s->adopted = 1;
	return (rec_put(t, DB_REQUESTS, id, s->rec, cause));
}

static int
autoexport_set_fn(struct store_txn *t, void *arg, char **cause)
{
	struct autoexport_set	*s = arg;
	const char		*kind;

	if (strncmp(s->id, "arn:", 4) == 0) {
		/* By ARN: its request, or one made for it. */
		if (rec_foreach(t, DB_REQUESTS, NULL, autoexport_by_arn_cb, s,
		    cause) != 0)
			return (-1);
		if (s->rec == NULL)
			return (s->on ? autoexport_adopt(t, s, cause) : 0);
	} else if ((s->rec = rec_get(t, DB_REQUESTS, s->id, cause)) == NULL)
		return (*cause != NULL ? -1 : 0);
	kind = rec_str(s->rec, "kind");
	if (s->on && kind != NULL && strcmp(kind, "public") == 0 &&
	    !rec_bool(s->rec, "exportable")) {
		s->refused = "it was not requested --exportable (ACM cannot "
		    "make a certificate exportable afterwards)";
		return (0);
	}
	json_object_set_new(s->rec, "auto_export", json_boolean(s->on));
	if (s->on && !rec_bool(s->rec, "with_key")) {
		json_object_set_new(s->rec, "with_key", json_true());
		json_object_del(s->rec, "key_export");
	}
	json_object_set_new(s->rec, "updated", json_integer(time(NULL)));
	return (rec_put(t, DB_REQUESTS, rec_str(s->rec, "id"), s->rec, cause));
}

void
requests_auto_export(const char *id, int on, struct op_reply reply)
{
	struct autoexport_set	 s = { .id = id, .on = on };
	char			*cause = NULL;

	if (store_write(acmd.store, autoexport_set_fn, &s, &cause) != 0) {
		op_fail(&reply, PROTO_EINTERNAL, "%s", cause);
		free(cause);
	} else if (s.refused != NULL)
		op_fail(&reply, PROTO_ESTATE, "%s cannot auto-export: %s", id,
		    s.refused);
	else if (s.rec == NULL)
		op_fail(&reply, PROTO_ENOTFOUND, "no request '%s' (acmctl "
		    "request list)", id);
	else {
		log_info("request %s: auto-export %s%s", rec_str(s.rec, "id"),
		    on ? "on" : "off", s.adopted ? " (made for a certificate "
		    "acmd did not request)" : "");
		if (on && req_key_due(s.rec, 0))
			keys_for_request(s.rec, 0);
		op_ok(&reply, req_view(s.rec));
	}
	json_decref(s.rec);
}

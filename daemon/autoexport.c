/*
 * Auto-export: the key of a requested certificate exported again after
 * each renewal ACM makes at the same ARN.  Discovery stores the renewal
 * as a new repository version and, in the same transaction, points every
 * auto-export request of that ARN at it with its key export due; the
 * requests job then exports it (keys.c) like the first one, counted and
 * bounded as recorded work, and never when the version has its key.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "keys.h"
#include "log.h"
#include "rec.h"
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

struct autoexport_set {
	const char	*id;
	int		 on;
	json_t		*rec;		/* as stored */
	const char	*refused;
};

static int
autoexport_set_fn(struct store_txn *t, void *arg, char **cause)
{
	struct autoexport_set	*s = arg;
	const char		*kind;

	if ((s->rec = rec_get(t, DB_REQUESTS, s->id, cause)) == NULL)
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
	return (rec_put(t, DB_REQUESTS, s->id, s->rec, cause));
}

void
requests_auto_export(const char *id, int on, struct op_reply reply)
{
	struct autoexport_set	 s = { .id = id, .on = on };
	char			*cause = NULL;

	if (store_write(acmd.store, autoexport_set_fn, &s, &cause) != 0) {
		op_fail(&reply, PROTO_EINTERNAL, "%s", cause);
		free(cause);
	} else if (s.rec == NULL)
		op_fail(&reply, PROTO_ENOTFOUND, "no request '%s' (acmctl "
		    "request list)", id);
	else if (s.refused != NULL)
		op_fail(&reply, PROTO_ESTATE, "request %s cannot auto-export: "
		    "%s", id, s.refused);
	else {
		log_info("request %s: auto-export %s", id, on ? "on" : "off");
		if (on && req_key_due(s.rec, 0))
			keys_for_request(s.rec, 0);
		op_ok(&reply, req_view(s.rec));
	}
	json_decref(s.rec);
}

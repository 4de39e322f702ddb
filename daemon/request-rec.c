/*
 * A request's record: read, found for a command, its status set, shown.
 * Shared by the poller (requests.c), the Route 53 challenge (challenge.c)
 * and the listings (requests-list.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "op.h"
#include "rec.h"
#include "request-poll.h"
#include "store.h"

json_t *
req_get(const char *id, char **cause)
{
	return (rec_read(DB_REQUESTS, id, cause));
}

void
req_set_status(json_t *rec, const char *status)
{
	const char	*old = rec_str(rec, "status");

	if (old != NULL && strcmp(old, status) == 0)
		return;
	log_info("request %s (%s): %s", rec_str(rec, "id"), rec_str(rec,
	    "domain"), status);
	json_object_set_new(rec, "status", json_string(status));
}

json_t *
req_view(const json_t *rec)
{
	json_t	*v = json_deep_copy(rec);

	json_object_del(v, "token");
	json_object_del(v, "challenge");
	return (v);
}

int
req_final(const json_t *rec)
{
	const char	*s = rec_str(rec, "status");

	return (s != NULL && (strcmp(s, "Issued") == 0 ||
	    strcmp(s, "Failed") == 0 || strcmp(s, "Validation Timed Out") == 0));
}

/*
 * An Issued request --with-key whose key is not known to be stored: due
 * for a look at its version (and an export) when it has not given up and
 * its next_retry has come, or when forced (request sync).
 */
int
req_key_due(const json_t *rec, int force)
{
	const json_t	*in = json_object_get(rec, "key_export");
	const char	*st = rec_str(in, "state");

	if (!rec_bool(rec, "with_key") || rec_str(rec, "status") == NULL ||
	    strcmp(rec_str(rec, "status"), "Issued") != 0 ||
	    (st != NULL && strcmp(st, "stored") == 0))
		return (0);
	return (force || ((st == NULL || strcmp(st, "failed") != 0) &&
	    rec_int(in, "next_retry") <= (long long)time(NULL)));
}

json_t *
req_find(const char *id, const struct op_reply *reply)
{
	json_t	*rec;
	char	*cause = NULL;

	if ((rec = req_get(id, &cause)) == NULL) {
		if (cause != NULL)
			op_fail(reply, PROTO_EINTERNAL, "%s", cause);
		else
			op_fail(reply, PROTO_ENOTFOUND, "no request '%s' "
			    "(acmctl request list)", id);
	}
	free(cause);
	return (rec);
}


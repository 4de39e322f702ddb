/*
 * Work acmd still has to do on its own, read from the store: renewals
 * and key exports that have not given up, deployments in flight or
 * waiting for a key.  Status counts them (so a script can wait until
 * nothing is pending), and the deploy engine asks whether a version's
 * key is on its way.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "deployments.h"
#include "inventory.h"
#include "log.h"
#include "pending.h"
#include "rec.h"
#include "store.h"

/* The states of work given up (intent.h: gave_up) and done. */
#define PENDING_GAVE_UP	"failed"
#define PENDING_STORED	"stored"

static int
pending_is(const char *st, const char *what)
{
	return (st != NULL && strcmp(st, what) == 0);
}

/* A request --with-key, Issued, whose key is neither stored nor given up. */
static int
pending_request_key(const json_t *req)
{
	const char	*st = rec_str(json_object_get(req, "key_export"),
			    "state");

	return (rec_bool(req, "with_key") && pending_is(rec_str(req, "status"),
	    "Issued") && !pending_is(st, PENDING_STORED) &&
	    !pending_is(st, PENDING_GAVE_UP));
}

/* A renewal that has not given up. */
static int
pending_renewal(const json_t *ren)
{
	return (!pending_is(rec_str(ren, "state"), PENDING_GAVE_UP));
}

/* A deployment in flight, or waiting for its version's key. */
static int
pending_deployment(const json_t *dep)
{
	const char	*st = rec_str(dep, DEP_STATE);

	return (json_object_get(dep, DEP_INTENT) != NULL ||
	    pending_is(st, DEP_S_DEPLOYING) || pending_is(st,
	    DEP_S_WAITING_KEY));
}

static int
pending_count_requests(const char *key, json_t *rec, void *arg)
{
	json_int_t	*n = arg;

	*n += pending_request_key(rec);
	return (0);
}

static int
pending_count_renewals(const char *key, json_t *rec, void *arg)
{
	json_int_t	*n = arg;

	*n += pending_renewal(rec);
	return (0);
}

static int
pending_count_deployments(const char *key, json_t *rec, void *arg)
{
	json_int_t	*n = arg;

	*n += pending_deployment(rec);
	return (0);
}

json_t *
pending_counts(char **cause)
{
	json_int_t	 ren = 0, keys = 0, deps = 0;

	if (rec_walk(DB_RENEWALS, NULL, pending_count_renewals, &ren,
	    cause) != 0 || rec_walk(DB_REQUESTS, NULL, pending_count_requests,
	    &keys, cause) != 0 || rec_walk(DB_DEPLOYMENTS, NULL,
	    pending_count_deployments, &deps, cause) != 0)
		return (NULL);
	return (json_pack("{s:I, s:I, s:I, s:I}", "renewals", ren,
	    "key_exports", keys, "deployments", deps, "total",
	    ren + keys + deps));
}

struct pending_key {
	const char	*name;
	long		 version;
	int		 found;
};

static int
pending_key_request(const char *key, json_t *rec, void *arg)
{
	struct pending_key	*p = arg;

	if (pending_request_key(rec) && pending_is(rec_str(rec, "name"),
	    p->name) && rec_int(rec, "version") == p->version)
		p->found = 1;
	return (0);
}

/* A renewal --with-key of a certificate the inventory links to name. */
static int
pending_key_renewal(const char *key, json_t *rec, void *arg)
{
	struct pending_key	*p = arg;
	json_t			*inv;
	char			*ik, *cause = NULL;

	if (p->found || !pending_renewal(rec) || !rec_bool(rec, "with_key") ||
	    rec_str(rec, "arn") == NULL ||
	    (ik = inv_key_for_arn(rec_str(rec, "arn"))) == NULL)
		return (0);
	inv = rec_read(DB_ACM, ik, &cause);
	free(ik);
	if (inv == NULL && cause != NULL) {
		log_warnx("pending: %s", cause);
		free(cause);
		return (0);
	}
	if (pending_is(rec_str(json_object_get(inv, "linked"), "name"),
	    p->name))
		p->found = 1;
	json_decref(inv);
	return (0);
}

int
pending_key(const char *name, long version)
{
	struct pending_key	 p = { name, version, 0 };
	char			*cause = NULL;

	if (rec_walk(DB_REQUESTS, NULL, pending_key_request, &p,
	    &cause) != 0 || (!p.found && rec_walk(DB_RENEWALS, NULL,
	    pending_key_renewal, &p, &cause) != 0)) {
		log_warnx("pending: %s", cause);
		free(cause);
		return (0);
	}
	return (p.found);
}

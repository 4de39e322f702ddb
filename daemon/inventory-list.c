/*
 * acm list answers from a cache of every inventory row (inventory.h),
 * rebuilt when the acm or iam database changed and kept current beside
 * the deployments' states.
 */
#include <ctype.h>
#include <limits.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "acmd.h"
#include "cmd.h"
#include "deployments.h"
#include "inventory.h"
#include "inventory-rows.h"
#include "jobs/sched.h"
#include "log.h"
#include "mp.h"
#include "pem.h"
#include "rec.h"
#include "repo.h"
#include "store.h"
#include "xmalloc.h"

/*
 * acm list answers from a cache of every inventory row, rebuilt only when
 * the acm or iam database changed and otherwise kept current record by
 * record (inv_cache_note).  The rows are compact (inventory-rows.h); the
 * filters look at their fields, and the answer is packed from them.
 */
/* Sorted by (database, key), as a rebuild reads them. */
static struct inv_crow		**acm_cache;
static size_t			 acm_ncache, acm_acache;
static uint64_t			 acm_cache_gen[2] = { UINT64_MAX, UINT64_MAX };
/* Deployment state by ARN, rebuilt when the deployments change. */
static json_t			*acm_deploy;
static uint64_t			 acm_deploy_gen = UINT64_MAX;
/* Moves whenever the cache or the deployment states change. */
static uint64_t			 acm_epoch;
/* Entries noted since the cache was last built (inv_cache_note), and
 * how many make acm_warm_cb build it again. */
#define ACM_COMPACT_MIN	2000
static size_t			 acm_noted;

static void
acm_cache_clear(void)
{
	crow_clear();
	free(acm_cache);
	acm_cache = NULL;
	acm_ncache = acm_acache = 0;
}

static void
acm_cache_append(struct inv_crow *c)
{
	if (acm_ncache == acm_acache) {
		acm_acache = acm_acache == 0 ? 1024 : acm_acache * 2;
		acm_cache = xreallocarray(acm_cache, acm_acache,
		    sizeof *acm_cache);
	}
	acm_cache[acm_ncache++] = c;
}

static int
acm_cache_cb(const char *key, json_t *rec, void *arg)
{
	acm_cache_append(crow_new(*(int *)arg, key, rec));
	return (0);
}

/* Order of the cache: (database, key). */
static int
acm_order(int iam, const char *key, const struct inv_crow *c)
{
	int	 ciam = (c->flags & CROW_IAM) != 0;

	if (iam != ciam)
		return (iam - ciam);
	return (strcmp(key, c->str));
}

static int
acm_entry_cmp(const void *a, const void *b)
{
	const struct inv_crow	*x = *(struct inv_crow *const *)a;

	return (acm_order((x->flags & CROW_IAM) != 0, x->str,
	    *(struct inv_crow *const *)b));
}

/* Where (iam, key) is in the cache, or would go (*found 0). */
static size_t
acm_cache_find(int iam, const char *key, int *found)
{
	size_t	 lo = 0, hi = acm_ncache, mid;
	int	 cmp;

	*found = 0;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((cmp = acm_order(iam, key, acm_cache[mid])) == 0) {
			*found = 1;
			return (mid);
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (lo);
}

/* Merge the n new entries (sorted) into the cache, in one pass. */
static void
acm_cache_merge(struct inv_crow **add, size_t n)
{
	struct inv_crow		**out;
	size_t			 i = 0, j = 0, k = 0;

	if (n == 0)
		return;
	acm_acache = acm_ncache + n;
	out = xreallocarray(NULL, acm_acache, sizeof *out);
	while (i < acm_ncache || j < n) {
		if (j == n || (i < acm_ncache && acm_order((acm_cache[i]->flags &
		    CROW_IAM) != 0, acm_cache[i]->str, add[j]) < 0))
			out[k++] = acm_cache[i++];
		else
			out[k++] = add[j++];
	}
	free(acm_cache);
	acm_cache = out;
	acm_ncache = k;
}

/*
 * A write of the acm (or iam) database that put exactly the records of
 * batch (key -> record as written; PEMs aside) goes into the cache entry
 * by entry, when the cache was current before it (gen_before): after a
 * discovery the next list need not read the whole inventory again.  Any
 * other write moves the generation past what the cache knows, and the
 * next list rebuilds it.
 */
void
inv_cache_note(enum store_db db, uint64_t gen_before, const json_t *batch)
{
	struct inv_crow		**add, *c;
	const char		*key, *arn;
	json_t			*rec, *d;
	size_t			 nadd = 0, at;
	int			 iam = db == DB_IAM, found;

	if ((db != DB_ACM && db != DB_IAM) || acm_cache_gen[iam] != gen_before)
		return;
	add = xreallocarray(NULL, json_object_size(batch) + 1, sizeof *add);
	json_object_foreach((json_t *)batch, key, rec) {
		c = crow_new(iam, key, rec);
		arn = crow_str(c, c->arn);
		d = arn != NULL ? json_object_get(acm_deploy, arn) : NULL;
		c->deployment = json_string_value(d);
		at = acm_cache_find(iam, key, &found);
		if (found) {
			crow_free(acm_cache[at]);
			acm_cache[at] = c;
		} else
			add[nadd++] = c;
	}
	acm_noted += json_object_size(batch);
	qsort(add, nadd, sizeof *add, acm_entry_cmp);
	acm_cache_merge(add, nadd);
	free(add);
	crow_compact(acm_cache, acm_ncache, 0);
	acm_cache_gen[iam] = store_generation(acmd.store, db);
	/* Strings no row uses any more are dropped at the next rebuild. */
	if (crow_nstrings() > 4 * acm_ncache + 1024)
		acm_cache_gen[iam] = UINT64_MAX;
	acm_epoch++;
}

struct deploy_states {
	struct store_txn	*t;
	json_t			*states;	/* arn -> state shown */
	json_t			*current;	/* name -> current version */
};

static int
deploy_state_cb(const char *key, json_t *rec, void *arg)
{
	struct deploy_states	*d = arg;
	const char		*name = rec_str(rec, "name");
	json_t			*cur, *c;
	char			*cause = NULL;

	if (rec_str(rec, "arn") == NULL || rec_str(rec, "state") == NULL ||
	    name == NULL)
		return (0);
	if ((cur = json_object_get(d->current, name)) == NULL) {
		c = repo_get(d->t, name, &cause);
		free(cause);
		cur = json_integer(rec_int(c, "current"));
		json_object_set_new(d->current, name, cur);
		json_decref(c);
	}
	json_object_set_new(d->states, rec_str(rec, "arn"),
	    json_string(deploy_state_shown(rec, json_integer_value(cur))));
	return (0);
}

static int
acm_cache_refresh(struct store_txn *t, char **cause)
{
	json_t		*d;
	const char	*arn;
	uint64_t	 g0 = store_generation(acmd.store, DB_ACM);
	uint64_t	 g1 = store_generation(acmd.store, DB_IAM);
	/* Deployment states shown depend on the repository's versions too. */
	uint64_t	 g2 = store_generation(acmd.store, DB_DEPLOYMENTS) +
			    store_generation(acmd.store, DB_CERTS);
	size_t		 i;
	int		 changed = 0;

	if (acm_cache_gen[0] != g0 || acm_cache_gen[1] != g1) {
		int	 iam = 0;

		log_debug("acm list: cache rebuilt (acm %s, iam %s)",
		    acm_cache_gen[0] == g0 ? "current" : "moved",
		    acm_cache_gen[1] == g1 ? "current" : "moved");
		acm_epoch++;
		acm_cache_clear();
		acm_cache_gen[0] = acm_cache_gen[1] = UINT64_MAX;
		if (inv_foreach(t, NULL, 1, acm_cache_cb, &iam, cause) != 0 ||
		    (iam = 1, rec_foreach(t, DB_IAM, NULL, acm_cache_cb, &iam,
		    cause)) != 0) {
			acm_cache_clear();
			return (-1);
		}
		acm_noted = 0;
		/* It read every record: the pages go back as after a job. */
		sched_idle_soon();
		acm_cache_gen[0] = g0;
		acm_cache_gen[1] = g1;
		changed = 1;
	}
	if (acm_deploy_gen != g2) {
		struct deploy_states	 ds = { t, json_object(), json_object() };

		acm_epoch++;
		if (rec_foreach(t, DB_DEPLOYMENTS, NULL, deploy_state_cb, &ds,
		    cause) != 0) {
			json_decref(ds.states);
			json_decref(ds.current);
			return (-1);
		}
		json_decref(ds.current);
		json_decref(acm_deploy);
		acm_deploy = ds.states;
		acm_deploy_gen = g2;
		changed = 1;
	}
	if (changed) {
		for (i = 0; i < acm_ncache; i++) {
			arn = crow_str(acm_cache[i], acm_cache[i]->arn);
			d = arn != NULL ? json_object_get(acm_deploy, arn) : NULL;
			acm_cache[i]->deployment = json_string_value(d);
		}
	}
	return (0);
}

static int
acm_cache_refresh_fn(struct store_txn *t, void *arg, char **cause)
{
	return (acm_cache_refresh(t, cause));
}

/*
 * The cache laid out again in one piece: its rows copied, in order, into
 * fresh blocks of the arena (the old ones unmapped), and the array of
 * them allocated anew, after what a discovery's units held meanwhile.
 * A copy in memory: reading and decoding the inventory again took a
 * second at 100,000 certificates, and the first list waited for it.
 */
static void
acm_cache_compact(void)
{
	struct inv_crow	**v;

	if (acm_ncache == 0)
		return;
	v = xreallocarray(NULL, acm_ncache, sizeof *v);
	memcpy(v, acm_cache, acm_ncache * sizeof *v);
	free(acm_cache);
	acm_cache = v;
	acm_acache = acm_ncache;
	crow_compact(acm_cache, acm_ncache, 1);
	acm_noted = 0;
}

/*
 * Entries noted a batch at a time during a large discovery lie scattered
 * among what its units held meanwhile, now freed: when they are most of
 * the cache, it is laid out again once acmd is idle (no job runs and
 * clients pause: jobs/sched.h), before the heap is trimmed.  Not when
 * the discovery ends: at 100,000 rows the copy holds the loop 150-600 ms,
 * and the list a script runs right after its discover waited for it.
 */
static void
acm_idle_compact(void)
{
	if (acm_noted >= ACM_COMPACT_MIN && acm_noted * 2 >= acm_ncache &&
	    acm_cache_gen[0] == store_generation(acmd.store, DB_ACM) &&
	    acm_cache_gen[1] == store_generation(acmd.store, DB_IAM))
		acm_cache_compact();
}

/*
 * After a discovery the whole inventory has moved: make the cache
 * current then (shortly, once the summary has gone out) rather than in
 * the first acm list an operator runs.
 */
static void
acm_warm_cb(evutil_socket_t fd, short what, void *arg)
{
	char			*cause = NULL;

	if (store_read(acmd.store, acm_cache_refresh_fn, NULL, &cause) != 0) {
		log_debug("acm list: cache not rebuilt: %s", cause);
		free(cause);
	}
}

void
inv_warm(void)
{
	struct timeval	 tv = { 0, 50 * 1000 };

	sched_on_idle(acm_idle_compact);
	event_base_once(acmd.base, -1, EV_TIMEOUT, acm_warm_cb, NULL, &tv);
}

/* The metrics page's view of the cache (inventory.h). */
int
inv_cache_stale(void)
{
	return (acm_cache_gen[0] != store_generation(acmd.store, DB_ACM) ||
	    acm_cache_gen[1] != store_generation(acmd.store, DB_IAM) ||
	    acm_deploy_gen != store_generation(acmd.store, DB_DEPLOYMENTS) +
	    store_generation(acmd.store, DB_CERTS));
}

int
inv_cache_update(char **cause)
{
	return (store_read(acmd.store, acm_cache_refresh_fn, NULL, cause));
}

uint64_t
inv_cache_epoch(void)
{
	return (acm_epoch);
}

static void
acm_row_visit(const struct inv_crow *c, void (*fn)(const struct inv_row *,
    void *), void *arg)
{
	fn(&(struct inv_row){ .credential = c->credential,
	    .region = c->region, .type = c->type, .status = c->status,
	    .domain = crow_str(c, c->domain), .arn = crow_str(c, c->arn),
	    .gone = (c->flags & CROW_GONE) != 0,
	    .has_not_after = (c->flags & CROW_NOT_AFTER_NUM) != 0,
	    .not_after = c->not_after, .deployment = c->deployment }, arg);
}

struct inv_crow *const *
inv_cache_rows(size_t *n)
{
	*n = acm_ncache;
	return (acm_cache);
}

size_t
inv_cache_after(int iam, const char *key)
{
	size_t	 at;
	int	 found;

	if (key == NULL)
		return (0);
	at = acm_cache_find(iam, key, &found);
	return (found ? at + 1 : at);
}

/*
 * The next rows after the cursor's (database, key): the cache may have
 * been merged into or rebuilt since the last step, so the place is found
 * again by key, and no row is visited twice.
 */
int
inv_cache_step(struct inv_cursor *cur, size_t max,
    void (*fn)(const struct inv_row *, void *), void *arg)
{
	size_t	 at = inv_cache_after(cur->iam, cur->key), n;

	for (n = 0; n < max && at < acm_ncache; n++, at++)
		acm_row_visit(acm_cache[at], fn, arg);
	if (n > 0)
		inv_cursor_set(cur, acm_cache[at - 1]);
	cur->rows += n;
	return (at >= acm_ncache);
}

void
inv_cursor_set(struct inv_cursor *cur, const struct inv_crow *c)
{
	free(cur->key);
	cur->key = xstrdup(c->str);
	cur->iam = (c->flags & CROW_IAM) != 0;
}

void
inv_cursor_clear(struct inv_cursor *cur)
{
	free(cur->key);
	memset(cur, 0, sizeof *cur);
}

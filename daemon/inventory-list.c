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

static int
str_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * Sort a filter set once, so each row is looked up in it in log time;
 * returns its size.
 */
static size_t
set_sort(char **v)
{
	size_t	 n = 0;

	if (v == NULL)
		return (0);
	while (v[n] != NULL)
		n++;
	qsort(v, n, sizeof *v, str_cmp);
	return (n);
}

/* Whether s is in the sorted set v of n strings (NULL: any). */
static int
in_set(char **v, size_t n, const char *s)
{
	size_t	 lo = 0, hi = n, mid;
	int	 cmp;

	if (v == NULL)
		return (1);
	if (s == NULL)
		return (0);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((cmp = strcmp(s, v[mid])) == 0)
			return (1);
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (0);
}

/* Whether the domain or one of the nsans strings in sans matches glob. */
static int
domain_matches(const char *domain, const char *sans, size_t nsans,
    const char *glob)
{
	size_t	 i;

	if (glob == NULL)
		return (1);
	if (domain != NULL && fnmatch(glob, domain, FNM_CASEFOLD) == 0)
		return (1);
	for (i = 0; i < nsans; i++, sans += strlen(sans) + 1) {
		if (fnmatch(glob, sans, FNM_CASEFOLD) == 0)
			return (1);
	}
	return (0);
}

static int
type_matches(const char *want, const char *type)
{
	char	 norm[64];
	size_t	 i, j = 0;

	if (want == NULL)
		return (1);
	if (type == NULL)
		return (0);
	/* "amazon-issued", "Amazon Issued", "AMAZON_ISSUED" all match. */
	for (i = 0; type[i] != '\0' && j + 1 < sizeof norm; i++)
		norm[j++] = (type[i] == ' ' || type[i] == '_') ? '-' :
		    (char)tolower((unsigned char)type[i]);
	norm[j] = '\0';
	for (i = 0; want[i] != '\0'; i++) {
		char	 w = (want[i] == ' ' || want[i] == '_') ? '-' :
		    (char)tolower((unsigned char)want[i]);

		if (w != norm[i])
			return (0);
	}
	return (norm[i] == '\0');
}

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

int
inv_cache_each(int (*cb)(const struct inv_cert *, void *), void *arg,
    char **cause)
{
	struct inv_cert		 ic;
	const struct inv_crow	*c;
	size_t			 i;

	if (store_read(acmd.store, acm_cache_refresh_fn, NULL, cause) != 0)
		return (-1);
	for (i = 0; i < acm_ncache; i++) {
		c = acm_cache[i];
		if ((c->flags & CROW_GONE) || !(c->flags & CROW_NOT_AFTER_NUM))
			continue;
		ic.iam = (c->flags & CROW_IAM) != 0;
		ic.key = c->str;
		ic.arn = crow_str(c, c->arn);
		ic.domain = crow_str(c, c->domain);
		ic.region = c->region;
		ic.account = c->account;
		ic.not_after = c->not_after;
		if (cb(&ic, arg) != 0)
			break;
	}
	return (0);
}

/* inv_days_left of the record, at now. */
static long long
acm_days_left(const struct inv_crow *c, time_t now)
{
	if (!(c->flags & CROW_NOT_AFTER_NUM))
		return (0);
	return (pem_days_left(c->not_after, now));
}

/* Until when (excluded) acm_days_left stays what it is at now. */
static time_t
acm_days_until(const struct inv_crow *c, time_t now)
{
	long long	 diff, rem;

	if (!(c->flags & CROW_NOT_AFTER_NUM))
		return (now + 86400);
	if (__builtin_sub_overflow((long long)c->not_after, (long long)now,
	    &diff))
		return (now + 1);
	/* pem_days_left is diff / 86400 rounded down. */
	if ((rem = diff % 86400) < 0)
		rem += 86400;
	return (now + rem + 1);
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
 * After a discovery the whole inventory has moved: make the cache
 * current then (shortly, once the summary has gone out) rather than in
 * the first acm list an operator runs.
 */
static void
acm_warm_cb(evutil_socket_t fd, short what, void *arg)
{
	char			*cause = NULL;

	/*
	 * Entries noted a batch at a time during a large discovery lie
	 * scattered among what its units held meanwhile, now freed: when
	 * they are most of the cache, it is laid out again.
	 */
	if (acm_noted >= ACM_COMPACT_MIN && acm_noted * 2 >= acm_ncache &&
	    acm_cache_gen[0] == store_generation(acmd.store, DB_ACM) &&
	    acm_cache_gen[1] == store_generation(acmd.store, DB_IAM))
		acm_cache_compact();
	if (store_read(acmd.store, acm_cache_refresh_fn, NULL, &cause) != 0) {
		log_debug("acm list: cache not rebuilt: %s", cause);
		free(cause);
	}
}

void
inv_warm(void)
{
	struct timeval	 tv = { 0, 50 * 1000 };

	event_base_once(acmd.base, -1, EV_TIMEOUT, acm_warm_cb, NULL, &tv);
}

/*
 * The credential filter: a name, or an organization's name for its
 * accounts' records ("ORG/ACCOUNT").
 */
static int
cred_in_set(char **v, size_t n, const char *cred)
{
	const char	*slash;
	char		*org;
	int		 in;

	if (in_set(v, n, cred))
		return (1);
	if (cred == NULL || (slash = strchr(cred, '/')) == NULL)
		return (0);
	org = xstrndup(cred, slash - cred);
	in = in_set(v, n, org);
	free(org);
	return (in);
}

static int
acm_matches(const struct inv_filter *f, const struct inv_crow *c, time_t now)
{
	if (!f->all && (c->flags & CROW_GONE))
		return (0);
	if (!cred_in_set(f->creds, f->ncreds, c->credential) ||
	    !in_set(f->accounts, f->naccounts, c->account) ||
	    !in_set(f->regions, f->nregions, c->region) ||
	    !type_matches(f->type, c->type) ||
	    (f->status != NULL && (c->status == NULL ||
	    strcasecmp(f->status, c->status) != 0)) ||
	    !domain_matches(crow_str(c, c->domain), c->str + c->sans, c->nsans,
	    f->domain))
		return (0);
	/* Days over LLONG_MAX hold every certificate with a date. */
	if (f->has_expiring && (!(c->flags & CROW_HAS_NOT_AFTER) ||
	    (f->expiring <= (uint64_t)LLONG_MAX &&
	    acm_days_left(c, now) > (long long)f->expiring)))
		return (0);
	return (1);
}

/*
 * The answer (2.5 MB for 10,000 rows) is built in a buffer kept from one
 * list to the next and leaves from there by reference: that much fresh
 * memory costs more in page faults than building the answer does.  A
 * list asked for while the last answer is still on its way gets a buffer
 * of its own.
 *
 * An answer to a list without filters is sent again as it is while
 * nothing in it can have changed: the same cache and deployment states
 * (epoch), the same --all, and no row's days left has moved.
 */
struct inv_answer {
	struct mp_buf	*b;		/* the rows, without an array head */
	size_t		*cuts;		/* where each part starts */
	size_t		*counts;	/* and its rows */
	size_t		 nparts, aparts;
	int		 reusable;	/* no filters but --all */
	int		 all;
	uint64_t	 epoch;
	time_t		 from;		/* valid from */
	time_t		 until;		/* and before */
};
static struct inv_answer	*acm_spare;
/*
 * A big spare is kept for the lists that follow it (scripts run them
 * back to back), not for good: ACM_SPARE_SECS after it was last sent it
 * goes (26 MB at 100,000 rows).  Each keeping has its number.
 */
#define ACM_SPARE_SECS	5
static uintptr_t		 acm_spare_seq;
/* What a row took in the last answer (a guess before the first). */
static size_t			 acm_row_bytes = 256;

static void
acm_answer_free(struct inv_answer *a)
{
	mp_buf_free(a->b);
	free(a->cuts);
	free(a->counts);
	free(a);
}

static void
acm_spare_cb(evutil_socket_t fd, short what, void *arg)
{
	if (acm_spare != NULL && (uintptr_t)arg == acm_spare_seq) {
		acm_answer_free(acm_spare);
		acm_spare = NULL;
	}
}

void
inv_answer_sent(const void *data, size_t len, void *arg)
{
	struct inv_answer	*a = arg;
	struct timeval		 tv = { ACM_SPARE_SECS, 0 };

	if (acm_spare != NULL) {
		acm_answer_free(a);
		return;
	}
	acm_spare = a;
	acm_spare_seq++;
	if (a->b->sb.size >= PROTO_PART_BYTES)
		event_base_once(acmd.base, -1, EV_TIMEOUT, acm_spare_cb,
		    (void *)acm_spare_seq, &tv);
}

/* A string column, left out when the record has none (as jansson did). */
static void
acm_kstr(struct mp_buf *b, const char *k, size_t klen, const char *v)
{
	if (v == NULL)
		return;
	mp_strn(b, k, klen);
	mp_str(b, v);
}

/*
 * One row, its columns in the order acm list has always sent them; the
 * days left move with the clock (*until: when they change next), the
 * deployments' states often.
 */
static void
acm_pack_row(struct mp_buf *b, const struct inv_crow *c, time_t now,
    time_t *until)
{
	const char	*domain = crow_str(c, c->domain);
	const char	*linked = crow_str(c, c->linked);
	time_t		 t;

	/* domain, region, in_use, days_left, deployment, and those present */
	mp_map(b, 5 + (c->type != NULL) + (c->status != NULL) +
	    (!(c->flags & CROW_LINKED) || linked != NULL) +
	    (c->account != NULL) + (c->credential != NULL) +
	    (c->arn != CROW_NONE) + ((c->flags & CROW_GONE) != 0));
	mp_strn(b, "domain", 6);
	mp_str(b, domain != NULL ? domain : "");
	acm_kstr(b, "type", 4, c->type);
	acm_kstr(b, "status", 6, c->status);
	mp_strn(b, "region", 6);
	mp_str(b, c->region != NULL ? c->region : "global");
	mp_strn(b, "in_use", 6);
	mp_bool(b, (c->flags & CROW_IN_USE) != 0);
	if (!(c->flags & CROW_LINKED)) {
		mp_strn(b, "linked", 6);
		mp_nil(b);
	} else
		acm_kstr(b, "linked", 6, linked);
	acm_kstr(b, "account", 7, c->account);
	acm_kstr(b, "credential", 10, c->credential);
	acm_kstr(b, "arn", 3, crow_str(c, c->arn));
	if (c->flags & CROW_GONE) {
		mp_strn(b, "gone", 4);
		mp_bool(b, 1);
	}
	mp_strn(b, "days_left", 9);
	if (c->flags & CROW_HAS_NOT_AFTER) {
		mp_int(b, acm_days_left(c, now));
		if ((t = acm_days_until(c, now)) < *until)
			*until = t;
	} else
		mp_nil(b);
	mp_strn(b, "deployment", 10);
	mp_str(b, c->deployment);
}

static void
acm_answer_build(struct inv_answer *a, const struct inv_filter *f, time_t now)
{
	struct mp_buf		*b = a->b;
	size_t			 i, n = 0, *match;

	match = xcalloc(acm_ncache + 1, sizeof *match);
	for (i = 0; i < acm_ncache; i++) {
		if (acm_matches(f, acm_cache[i], now))
			match[n++] = i;
	}
	a->from = now;
	a->until = now + 86400;
	mp_buf_reset(b);
	/*
	 * As big as the rows will take at the last answer's bytes a row:
	 * 26 MB at 100,000 rows, grown a doubling at a time, were copied
	 * again and again and faulted in a page at a time.
	 */
	mp_buf_reserve(b, n * acm_row_bytes + n / 8 + 64 * 1024);
	a->nparts = 0;
	for (i = 0; i < n; i++) {
		/* A new part at the start and past PROTO_PART_BYTES. */
		if (a->nparts == 0 || b->sb.size - a->cuts[a->nparts - 1] >=
		    PROTO_PART_BYTES) {
			if (a->nparts == a->aparts) {
				a->aparts = a->aparts == 0 ? 4 : a->aparts * 2;
				a->cuts = xreallocarray(a->cuts, a->aparts,
				    sizeof *a->cuts);
				a->counts = xreallocarray(a->counts, a->aparts,
				    sizeof *a->counts);
			}
			a->cuts[a->nparts] = b->sb.size;
			a->counts[a->nparts++] = 0;
		}
		a->counts[a->nparts - 1]++;
		acm_pack_row(b, acm_cache[match[i]], now, &a->until);
	}
	if (n > 0)
		acm_row_bytes = b->sb.size / n + 1;
	free(match);
}


int
inv_list(struct inv_filter *f, struct cmd_parts *p, struct inv_answer **out,
    char **cause)
{
	struct inv_answer	*a;
	time_t			 now;
	int			 reusable;

	if (store_read(acmd.store, acm_cache_refresh_fn, NULL, cause) != 0)
		return (-1);
	now = time(NULL);
	f->ncreds = set_sort(f->creds);
	f->nregions = set_sort(f->regions);
	f->naccounts = set_sort(f->accounts);
	reusable = f->creds == NULL && f->regions == NULL && f->type == NULL &&
	    f->accounts == NULL &&
	    f->status == NULL && f->domain == NULL && !f->has_expiring;
	if ((a = acm_spare) != NULL)
		acm_spare = NULL;
	else {
		a = xcalloc(1, sizeof *a);
		a->b = mp_buf_new();
	}
	if (!reusable || !a->reusable || a->all != f->all ||
	    a->epoch != acm_epoch || now < a->from || now >= a->until) {
		acm_answer_build(a, f, now);
		a->reusable = reusable;
		a->all = f->all;
		a->epoch = acm_epoch;
	}
	*out = a;
	p->rows = a->b->sb.data;
	p->len = a->b->sb.size;
	p->cuts = a->cuts;
	p->counts = a->counts;
	p->nparts = a->nparts;
	return (0);
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

/*
 * The next rows after the cursor's (database, key): the cache may have
 * been merged into or rebuilt since the last step, so the place is found
 * again by key, and no row is visited twice.
 */
int
inv_cache_step(struct inv_cursor *cur, size_t max,
    void (*fn)(const struct inv_row *, void *), void *arg)
{
	size_t	 at = 0, n;
	int	 found;

	if (cur->key != NULL) {
		at = acm_cache_find(cur->iam, cur->key, &found);
		if (found)
			at++;
	}
	for (n = 0; n < max && at < acm_ncache; n++, at++)
		acm_row_visit(acm_cache[at], fn, arg);
	if (n > 0) {
		free(cur->key);
		cur->key = xstrdup(acm_cache[at - 1]->str);
		cur->iam = (acm_cache[at - 1]->flags & CROW_IAM) != 0;
	}
	cur->rows += n;
	return (at >= acm_ncache);
}

void
inv_cursor_clear(struct inv_cursor *cur)
{
	free(cur->key);
	memset(cur, 0, sizeof *cur);
}

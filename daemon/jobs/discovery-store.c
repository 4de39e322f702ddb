/*
 * Discovery's records: what one unit (a region of an account, or its IAM)
 * found, merged into the inventory in batches, renewals told from foreign
 * re-imports, and what a complete listing no longer has marked gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "conf.h"
#include "discovery.h"
#include "discovery-int.h"
#include "inventory.h"
#include "log.h"
#include "mpjson.h"
#include "pem.h"
#include "rec.h"
#include "repo.h"
#include "requests.h"
#include "store.h"
#include "xmalloc.h"

/* The unit's key of a certificate (an ARN, or an IAM name). */
static char *
disc_key(const struct disc_region *r, const char *id)
{
	char	*key;

	if (r->iam)
		xasprintf(&key, "%s/%s", r->account, id);
	else
		xasprintf(&key, "%s/%s/%s", r->account, r->region, id);
	return (key);
}

/* Compare what matters for "changed". */
static int
disc_changed(const json_t *old, const json_t *new)
{
	static const char *const fields[] = { "status", "serial", "sha256",
	    "not_after", "in_use_by", "renewal_eligibility", "tags", NULL };
	size_t	 i;

	for (i = 0; fields[i] != NULL; i++) {
		json_t	*a = json_object_get(old, fields[i]);
		json_t	*b = json_object_get(new, fields[i]);

		if (b == NULL)
			continue;
		if (a == NULL || !json_equal(a, b))
			return (1);
	}
	return (0);
}

/* Merge a record into the batch, counting new and changed. */
void
disc_record(struct disc_region *r, const char *id, json_t *rec,
    const json_t *old, const char *cert, const char *chain)
{
	char	*key;

	json_object_set_new(rec, "last_seen", json_integer(time(NULL)));
	if (old == NULL || rec_bool(old, "gone")) {
		r->new++;
		json_object_set_new(rec, "first_seen", json_integer(time(NULL)));
	} else {
		json_object_set(rec, "first_seen", json_object_get(old,
		    "first_seen"));
		if (json_object_get(rec, "sha256") == NULL &&
		    json_object_get(old, "sha256") != NULL &&
		    json_equal(json_object_get(old, "serial"),
		    json_object_get(rec, "serial")) &&
		    json_equal(json_object_get(old, "not_after"),
		    json_object_get(rec, "not_after")))
			json_object_set(rec, "sha256", json_object_get(old,
			    "sha256"));
		if (json_object_get(old, "linked") != NULL)
			json_object_set(rec, "prev_linked",
			    json_object_get(old, "linked"));
		if (disc_changed(old, rec))
			r->changed++;
	}
	r->found++;
	r->run->certs_seen++;
	key = disc_key(r, id);
	if (cert != NULL)
		json_object_set_new(rec, "_pem", json_pack("{s:s, s:s}", "cert",
		    cert, "chain", chain != NULL ? chain : ""));
	json_object_set_new(r->batch, key, rec);
	free(key);
}

/*
 * A new certificate at an ARN that was linked to repository version prev
 * is a renewal (a new version of prev's certificate) only when ACM renews
 * that kind of certificate itself (Amazon-issued and private ones) and the
 * new certificate is for the same names.  Anything else, an import onto
 * the ARN above all, is someone else's certificate: never a version (a
 * deployment there is a mismatch).  1: a renewal; 0: not; -1 with cause.
 */
static int
disc_renewed(struct store_txn *t, const json_t *rec, const json_t *prev,
    const char *pem, char **cause)
{
	const char	*type = rec_str(rec, "type");
	json_t		*v;
	int		 same;

	if (type == NULL || (strcmp(type, "Amazon Issued") != 0 &&
	    strcmp(type, "Private") != 0)) {
		log_warnx("discovery: %s, linked to %s version %lld, now holds "
		    "another certificate (%s, %s): not a renewal, not taken "
		    "into the repository", rec_str(rec, "arn"),
		    rec_str(prev, "name"), rec_int(prev, "version"),
		    type != NULL ? type : "of unknown type",
		    rec_str(rec, "domain") ? rec_str(rec, "domain") : "?");
		return (0);
	}
	v = repo_get_version(t, rec_str(prev, "name"), rec_int(prev,
	    "version"), cause);
	if (v == NULL)
		return (*cause != NULL ? -1 : 0);
	same = repo_same_names(v, pem, cause);
	json_decref(v);
	if (same == 0)
		log_warnx("discovery: %s, linked to %s version %lld, now holds "
		    "a certificate for other names (%s): not taken as its "
		    "renewal", rec_str(rec, "arn"), rec_str(prev, "name"),
		    rec_int(prev, "version"), rec_str(rec, "domain") ?
		    rec_str(rec, "domain") : "?");
	return (same);
}

/*
 * One record of the batch into the inventory (and its PEM beside it),
 * linked to the repository version it holds; a certificate renewed in ACM
 * behind acmd's back becomes a new version (listed in renewed).  -1 only
 * when the store failed.
 */
static int
disc_flush_one(struct store_txn *t, struct disc_region *r, const char *key,
    json_t *rec, json_t *renewed, char **cause)
{
	json_t		*pem, *prev;
	char		*name = NULL, *pkey;
	enum repo_err	 err;
	long		 version;
	int		 found = 0, ret = -1;

	if ((pem = json_object_get(rec, "_pem")) != NULL)
		json_incref(pem);
	json_object_del(rec, "_pem");
	if ((prev = json_object_get(rec, "prev_linked")) != NULL)
		json_incref(prev);
	json_object_del(rec, "prev_linked");
	json_object_del(rec, "linked");
	if (rec_str(rec, "sha256") != NULL &&
	    (found = repo_find_fingerprint(t, rec_str(rec, "sha256"), &name,
	    &version, cause)) == -1)
		goto out;
	if (found == 1)
		json_object_set_new(rec, "linked", json_pack("{s:s, s:I}",
		    "name", name, "version", (json_int_t)version));
	if (found == 0 && prev != NULL && pem != NULL && !r->iam &&
	    disc_renewed(t, rec, prev, rec_str(pem, "cert"), cause) == 1 &&
	    repo_add(t, &(struct repo_input){ .name = rec_str(prev, "name"),
	    .cert = rec_str(pem, "cert"), .chain = rec_str(pem, "chain"),
	    .source = "discovery", .mode = REPO_MUST_EXIST }, &version, &err,
	    cause) == 0) {
		json_object_set_new(rec, "linked", json_pack("{s:s, s:I}",
		    "name", rec_str(prev, "name"), "version",
		    (json_int_t)version));
		json_array_append(renewed, json_object_get(rec, "linked"));
		log_info("discovery: %s was renewed in ACM; version %ld of %s",
		    rec_str(rec, "arn"), version, rec_str(prev, "name"));
		/* Auto-export: the new version's key is due, in this txn. */
		if (requests_renewed(t, rec_str(rec, "arn"), rec_str(prev,
		    "name"), version, cause) != 0)
			goto out;
	} else if (*cause != NULL) {
		log_warnx("discovery: %s: %s", rec_str(rec, "arn"), *cause);
		free(*cause);
		*cause = NULL;
	}
	if (rec_put(t, r->iam ? DB_IAM : DB_ACM, key, rec, cause) != 0)
		goto out;
	if (pem != NULL && !r->iam) {
		xasprintf(&pkey, "%s%s", INV_PEM_PREFIX, key);
		ret = rec_put(t, DB_ACM, pkey, pem, cause);
		free(pkey);
	} else
		ret = 0;
out:
	free(name);
	json_decref(prev);
	json_decref(pem);
	return (ret);
}

struct disc_flush {
	struct disc_region	*r;
	json_t			*renewed;
	json_t			*written;	/* key -> record */
};

/*
 * The records a transaction writes at most.  Its commit is about two
 * thirds of a batch's time, mostly in proportion to the records, with a
 * few ms of its own (at 25,000 in a region, 250 records took 24 ms, 15 of
 * them the commit; 64 records 9 ms, 6 the commit; 32 records 5.7 ms, 4.2
 * the commit, but twice the commits of 64 cost 1.5 s more over the
 * region's 25,000 records).
 */
#define DISC_FLUSH_MAX	64

/* The batch's records, until the slice is spent, moved to written. */
static int
disc_flush_fn(struct store_txn *t, void *arg, char **cause)
{
	struct disc_flush	*f = arg;
	const char		*key;
	json_t			*rec;
	void			*tmp;
	size_t			 n = 0;

	json_object_foreach_safe(f->r->batch, tmp, key, rec) {
		if (n >= DISC_FLUSH_MAX || disc_slice_over(f->r, &n))
			break;
		if (disc_flush_one(t, f->r, key, rec, f->renewed, cause) != 0)
			return (-1);
		json_object_set(f->written, key, rec);
		json_object_del(f->r->batch, key);
	}
	return (0);
}

/*
 * Write the batch into the inventory in one transaction (as much of it as
 * the slice has time for), then tell the repository's watchers of the
 * versions renewed in ACM.  A batch that cannot be written is dropped
 * (the unit's error says so).
 */
int
disc_flush(struct disc_region *r)
{
	struct disc_flush	 f = { .r = r };
	json_t			*x;
	char			*cause = NULL;
	size_t			 i;

	enum store_db		 db = r->iam ? DB_IAM : DB_ACM;
	uint64_t		 gen;

	disc_txn_end(r);	/* what it read may change now */
	if (json_object_size(r->batch) == 0)
		return (0);
	f.renewed = json_array();
	f.written = json_object();
	gen = store_generation(acmd.store, db);
	if (store_write(acmd.store, disc_flush_fn, &f, &cause) != 0) {
		log_warnx("discovery: %s %s: cannot store the inventory: %s",
		    r->account, r->region, cause);
		if (r->error == NULL)
			xasprintf(&r->error, "cannot store the inventory: %s",
			    cause);
		r->network = 0;
		r->errors++;
		free(cause);
		json_object_clear(r->batch);
	} else {
		inv_cache_note(db, gen, f.written);
		json_array_foreach(f.renewed, i, x)
			repo_new_version(rec_str(x, "name"), rec_int(x,
			    "version"));
	}
	json_decref(f.written);
	json_decref(f.renewed);
	return (json_object_size(r->batch) > 0);
}

struct store_txn *
disc_txn(struct disc_region *r)
{
	char	*cause = NULL;

	if (r->txn == NULL &&
	    (r->txn = store_begin(acmd.store, 0, &cause)) == NULL) {
		log_warnx("discovery: %s", cause);
		free(cause);
	}
	return (r->txn);
}

void
disc_txn_end(struct disc_region *r)
{
	store_abort(r->txn);
	r->txn = NULL;
}

/*
 * What an incremental discovery reads of a certificate it may keep
 * (disc_unchanged, disc_keep): a tenth of the record, whose decoding was
 * a fifth of an unchanged rediscovery's time.
 */
const char *const disc_keep_keys[] = { "gone", "summary", "credential",
    "sha256", "linked", NULL };

json_t *
disc_old(struct disc_region *r, const char *id, const char *const *keys)
{
	struct store_txn	*t;
	json_t			*rec = NULL;
	char			*key = disc_key(r, id), *cause = NULL;

	if ((t = disc_txn(r)) != NULL)
		rec = rec_get_keys(t, r->iam ? DB_IAM : DB_ACM, key, keys,
		    &cause);
	if (cause != NULL) {
		log_warnx("discovery: %s", cause);
		free(cause);
	}
	free(key);
	return (rec);
}

/* FNV-1a: the listing's ids are kept as 8 bytes each, not as strings. */
static uint64_t
disc_hash(const char *id, size_t len)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	size_t		 i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)id[i];
		h *= 0x100000001b3ULL;
	}
	return (h);
}

void
disc_seen(struct disc_region *r, const char *id)
{
	if (r->nseen == r->aseen) {
		r->aseen = r->aseen == 0 ? 1024 : r->aseen * 2;
		r->seen = xreallocarray(r->seen, r->aseen, sizeof *r->seen);
	}
	r->seen[r->nseen++] = disc_hash(id, strlen(id));
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t	 x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

struct disc_gone {
	struct disc_region	*r;
	size_t			 plen;	/* the unit's key prefix */
	json_t			*gone;	/* key -> record marked gone */
	size_t			 n;	/* keys walked in this slice */
	int			 more;	/* the slice ended the walk */
};

/*
 * Whether a record the listing did not have is not to be marked gone:
 * already gone, or written since the listing started (a deploy's import
 * into this region while discovery ran: the listing could not have it).
 */
static int
disc_spared(const struct disc_region *r, const json_t *rec)
{
	return (!json_is_object(rec) || rec_bool(rec, "gone") ||
	    rec_int(rec, "last_seen") >= (long long)r->list_start);
}

/*
 * A record the listing did not have (its key is the unit's prefix and
 * the id: only those are read), not marked yet: to be marked.
 */
static int
disc_gone_cb(const void *k, size_t klen, const void *v, size_t vlen,
    void *arg)
{
	struct disc_gone	*g = arg;
	struct disc_region	*r = g->r;
	uint64_t		 h = disc_hash((const char *)k + g->plen,
				    klen - g->plen);
	json_t			*rec;
	char			*key;

	if (disc_slice_over(r, &g->n)) {
		g->more = 1;
		return (1);
	}
	memcpy(r->gone_after, k, klen);
	r->gone_alen = klen;
	if (r->nseen > 0 && bsearch(&h, r->seen, r->nseen, sizeof *r->seen,
	    u64_cmp) != NULL)
		return (0);
	if ((rec = mp_decode_json(v, vlen)) == NULL || disc_spared(g->r, rec)) {
		json_decref(rec);
		return (0);
	}
	key = xstrndup(k, klen);
	json_object_set_new(g->gone, key, rec);
	free(key);
	return (0);
}

/*
 * Each record is read again in the write transaction: one written since
 * the read (a deploy's import, its link) is spared, never overwritten by
 * the copy read before.
 */
static int
disc_gone_fn(struct store_txn *t, void *arg, char **cause)
{
	struct disc_gone	*g = arg;
	enum store_db		 db = g->r->iam ? DB_IAM : DB_ACM;
	const char		*key;
	json_t			*rec, *now;
	void			*tmp;
	char			*lkey, *prefix = disc_key(g->r, "");
	int			 ret;

	*cause = NULL;
	json_object_foreach_safe(g->gone, tmp, key, rec) {
		if ((now = rec_get(t, db, key, cause)) == NULL && *cause != NULL) {
			free(prefix);
			return (-1);
		}
		if (now == NULL || disc_spared(g->r, now)) {
			json_decref(now);
			json_object_del(g->gone, key);
			continue;
		}
		json_object_set_new(now, "gone", json_true());
		json_object_set_new(now, "gone_since", json_integer(time(NULL)));
		json_object_set(g->gone, key, now);
		json_decref(now);
		if (rec_put(t, db, key, now, cause) != 0) {
			free(prefix);
			return (-1);
		}
	}
	/* What was not marked gone was in this listing (inventory.h). */
	xasprintf(&lkey, "%s%s", INV_LISTED_PREFIX, prefix);
	rec = json_pack("{s:I}", "at", (json_int_t)time(NULL));
	ret = rec_put(t, DB_JOBS, lkey, rec, cause);
	json_decref(rec);
	free(lkey);
	free(prefix);
	return (ret);
}

/*
 * Mark what a complete listing no longer has as gone: the unit's records
 * are read from the store (not kept in memory for the run), a slice's
 * worth of keys in a read transaction each (the walk goes on after the
 * last key walked; a record written meanwhile behind it was written
 * since the listing started, which spares it anyway); those whose id the
 * listing did not have are marked in one transaction at the end, each
 * read again there.
 */
int
disc_mark_gone(struct disc_region *r)
{
	struct disc_gone	 g = { r, 0, NULL, 0, 0 };
	struct store_txn	*t;
	const char		*key;
	json_t			*rec;
	char			*cause = NULL, *prefix = disc_key(r, "");
	uint64_t		 gen;
	int			 ret = -1;

	if (r->gone_set == NULL) {
		if (r->nseen > 0)
			qsort(r->seen, r->nseen, sizeof *r->seen, u64_cmp);
		r->gone_set = json_object();
		r->gone_after = xmalloc(STORE_MAX_KEY);
		r->gone_alen = 0;
	}
	g.gone = r->gone_set;
	g.plen = strlen(prefix);
	if ((t = store_begin(acmd.store, 0, &cause)) != NULL) {
		ret = store_foreach_after(t, r->iam ? DB_IAM : DB_ACM, prefix,
		    g.plen, r->gone_alen > 0 ? r->gone_after : NULL,
		    r->gone_alen, disc_gone_cb, &g, &cause);
		store_abort(t);
	}
	if (ret == 0 && g.more) {
		free(prefix);
		return (1);
	}
	gen = store_generation(acmd.store, r->iam ? DB_IAM : DB_ACM);
	if (ret == 0 && (ret = store_write(acmd.store, disc_gone_fn, &g,
	    &cause)) == 0)
		inv_cache_note(r->iam ? DB_IAM : DB_ACM, gen, g.gone);
	if (ret != 0) {
		log_warnx("discovery: %s %s: %s", r->account, r->region, cause);
		free(cause);
	} else {
		json_object_foreach(g.gone, key, rec) {
			r->gone++;
			log_info("discovery: %s is gone from %s %s", r->iam ?
			    rec_str(rec, "name") : rec_str(rec, "arn"),
			    r->account, r->iam ? "IAM" : r->region);
		}
	}
	json_decref(r->gone_set);
	r->gone_set = NULL;
	free(r->gone_after);
	r->gone_after = NULL;
	free(prefix);
	return (0);
}

/* Two summaries alike: numbers by value (a time may come back an integer). */
static int
disc_same_summary(const json_t *a, const json_t *b)
{
	const char	*k;
	json_t		*va, *vb;

	if (!json_is_object(a) || !json_is_object(b) ||
	    json_object_size(a) != json_object_size(b))
		return (0);
	json_object_foreach((json_t *)a, k, va) {
		if ((vb = json_object_get(b, k)) == NULL)
			return (0);
		if (json_is_number(va) && json_is_number(vb)) {
			if (json_number_value(va) != json_number_value(vb))
				return (0);
		} else if (!json_equal(va, vb))
			return (0);
	}
	return (1);
}

/*
 * An incremental discovery describes a certificate only when the listing
 * may not tell all: new (or gone before), its summary changed, not ISSUED,
 * or one ACM renews itself inside its renewal window (RenewalSummary moves
 * before anything in the summary does).
 */
int
disc_unchanged(const json_t *old, const json_t *s)
{
	json_t		*na;
	const char	*status = rec_str(s, "Status"), *type = rec_str(s, "Type");

	if (old == NULL || rec_bool(old, "gone") ||
	    !disc_same_summary(json_object_get(old, "summary"), s))
		return (0);
	if (status == NULL || strcmp(status, "ISSUED") != 0)
		return (0);
	if (type == NULL || strcmp(type, "AMAZON_ISSUED") == 0 ||
	    strcmp(type, "PRIVATE") == 0) {
		na = json_object_get(s, "NotAfter");
		if (!json_is_number(na) || json_number_value(na) -
		    (double)time(NULL) <= (double)DISC_RENEWAL_WINDOW)
			return (0);
	}
	return (1);
}

/*
 * Whether the record's link to the repository still holds (the version
 * with its fingerprint, or none): a version added since moves it.
 */
static int
disc_link_holds(struct disc_region *r, const json_t *old)
{
	struct store_txn	*t;
	json_t			*linked = json_object_get(old, "linked");
	char			*name = NULL, *cause = NULL;
	long			 version = 0;
	int			 found = 0, holds;

	if (rec_str(old, "sha256") == NULL)
		return (linked == NULL);
	if ((t = disc_txn(r)) == NULL)
		return (0);
	found = repo_find_fingerprint(t, rec_str(old, "sha256"), &name,
	    &version, &cause);
	if (cause != NULL) {
		free(cause);
		return (0);
	}
	holds = found == 1 ? linked != NULL && name != NULL &&
	    rec_str(linked, "name") != NULL && strcmp(rec_str(linked,
	    "name"), name) == 0 && rec_int(linked, "version") == version :
	    linked == NULL;
	free(name);
	return (holds);
}

/*
 * A certificate the listing shows as it was: the record stays as it is
 * in the store (its region's listing time says it was seen), unless the
 * credential that found it or its link to the repository moved.
 */
void
disc_keep(struct disc_region *r, const char *arn, const json_t *old)
{
	json_t	*rec, *whole;

	r->unchanged++;
	/* IAM's few are written again: iam list shows their last_seen. */
	if (!r->iam && rec_str(old, "credential") != NULL && strcmp(rec_str(
	    old, "credential"), r->cred_name) == 0 && disc_link_holds(r, old)) {
		r->found++;
		r->run->certs_seen++;
		return;
	}
	/* old may be disc_keep_keys' part: the whole record is written. */
	if ((whole = disc_old(r, arn, NULL)) == NULL)
		whole = json_incref((json_t *)old);
	rec = json_deep_copy(whole);
	json_object_set_new(rec, "credential", json_string(r->cred_name));
	disc_record(r, arn, rec, whole, NULL, NULL);
	json_decref(whole);
	if (json_object_size(r->batch) >= DISC_BATCH)
		disc_flush(r);
}

/* When the last whole discoveries ended: DB_JOBS, DISC_STATE_KEY. */
#define DISC_STATE_KEY	"discovery/state"

static json_t *
disc_state_read(void)
{
	json_t	*st;
	char	*cause = NULL;

	if ((st = rec_read(DB_JOBS, DISC_STATE_KEY, &cause)) == NULL &&
	    cause != NULL) {
		log_warnx("discovery: %s", cause);
		free(cause);
	}
	return (st != NULL ? st : json_object());
}

int
disc_full_due(void)
{
	json_t		*st;
	long long	 last;

	if (acmd.conf->full_discovery_interval == 0)
		return (1);
	st = disc_state_read();
	last = rec_int(st, "last_full");
	json_decref(st);
	return (last <= 0 || time(NULL) - last >=
	    (long long)acmd.conf->full_discovery_interval);
}

static int
disc_state_fn(struct store_txn *t, void *arg, char **cause)
{
	json_t	*st;

	if ((st = rec_get(t, DB_JOBS, DISC_STATE_KEY, cause)) == NULL) {
		if (*cause != NULL)
			return (-1);
		st = json_object();
	}
	json_object_set_new(st, *(int *)arg ? "last_full" : "last_incremental",
	    json_integer(time(NULL)));
	if (rec_put(t, DB_JOBS, DISC_STATE_KEY, st, cause) != 0) {
		json_decref(st);
		return (-1);
	}
	json_decref(st);
	return (0);
}

void
disc_state_note(int full)
{
	char	*cause = NULL;

	if (store_write(acmd.store, disc_state_fn, &full, &cause) != 0) {
		log_warnx("discovery: cannot note the run: %s", cause);
		free(cause);
	}
}

json_t *
discovery_state(void)
{
	json_t	*st = disc_state_read(), *out;

	out = json_pack("{s:I, s:I, s:I, s:I}",
	    "last_full", (json_int_t)rec_int(st, "last_full"),
	    "last_incremental", (json_int_t)rec_int(st, "last_incremental"),
	    "interval", (json_int_t)acmd.conf->discovery_interval,
	    "full_interval", (json_int_t)acmd.conf->full_discovery_interval);
	json_decref(st);
	return (out);
}

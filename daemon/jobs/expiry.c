/*
 * The expiry job.  One run reads the states kept, then scans ACM's and
 * IAM's certificates in acm list's cache in slices of at most
 * EXPIRY_SLICE_ROWS rows and EXPIRY_SLICE_MS, one per turn of the loop at
 * its lowest priority (main.c), so a client waits behind one slice, not
 * behind the whole inventory.  A cursor on the cache's keys keeps its
 * place when the cache moves between slices (a discovery's batch, a
 * rebuild): a certificate there before and after is seen once.  Once the
 * scan is complete, the repository is read, what to notify is decided
 * and the states written in one short write transaction, committed, and
 * only then sent (a crash between the two loses a notification rather
 * than sending it twice).  The run ends when every channel of every
 * notification has finished.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "acmd.h"
#include "conf.h"
#include "expiry.h"
#include "inventory.h"
#include "log.h"
#include "notify.h"
#include "pem.h"
#include "rec.h"
#include "sched.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define EXPIRY_PREFIX		"expiry/"
#define EXPIRY_FIRST_RUN	30
#define EXPIRY_SLICE_ROWS	4000
#define EXPIRY_SLICE_MS		3
/* Rows between two looks at the clock. */
#define EXPIRY_STEP_ROWS	250
/*
 * For tests only: rows per slice, and a pause in ms between slices, from
 * the environment ("ROWS" or "ROWS,MS"), to catch a scan in progress.
 */
#define EXPIRY_SLICE_ENV	"ACMD_EXPIRY_SLICE"

struct expiry_walk;

struct expiry_waiter {
	expiry_cb			 cb;
	void				*arg;
	TAILQ_ENTRY(expiry_waiter)	 entry;
};

static struct {
	struct job			*job;
	TAILQ_HEAD(, expiry_waiter)	 waiters;
	json_t				*sent;	/* what this run notified */
	int				 pending;
	unsigned			 failed;	/* channels that failed */

	/* The scan in progress (walk not NULL). */
	struct expiry_walk		*walk;
	struct inv_cursor		 cur;
	unsigned			 slices;
	struct event			*ev;	/* its next slice */
	size_t				 slice_rows;
	uint64_t			 slice_pause;	/* ms, tests only */
} ex = { .waiters = TAILQ_HEAD_INITIALIZER(ex.waiters) };

/*
 * What one walk collects: the certificates to check.  A certificate
 * further from expiry than the largest threshold, with no state kept,
 * has nothing to decide: it is not collected.
 */
struct expiry_walk {
	json_t		*cands;
	json_t		*states;	/* key -> the state kept */
	time_t		 now;
};

static int
expiry_wanted(const struct expiry_walk *w, const char *skey, time_t not_after)
{
	long long	 days = pem_days_left(not_after, w->now);

	if (days < 0 || json_object_get(w->states, skey) != NULL)
		return (1);
	return (acmd.conf->nthresholds > 0 &&
	    days <= acmd.conf->threshold_days[0]);
}

static json_t *
expiry_cand(const char *source, const char *id, const char *key,
    time_t not_after, const char *domain, const char *arn, const char *region,
    const char *account)
{
	json_t	*c;

	c = json_pack("{s:s, s:s, s:s, s:I}", "source", source, "id", id,
	    "key", key, "not_after", (json_int_t)not_after);
	json_object_set_new(c, "domain", json_string(domain ? domain : ""));
	if (arn != NULL)
		json_object_set_new(c, "arn", json_string(arn));
	if (region != NULL)
		json_object_set_new(c, "region", json_string(region));
	if (account != NULL)
		json_object_set_new(c, "account", json_string(account));
	return (c);
}

static int
expiry_repo_cb(const char *key, json_t *rec, void *arg)
{
	struct expiry_walk	*w = arg;
	json_t			*c;
	char			*skey;

	if (!json_is_integer(json_object_get(rec, "not_after")))
		return (0);
	xasprintf(&skey, EXPIRY_PREFIX "repo/%s", key);
	if (expiry_wanted(w, skey, (time_t)rec_int(rec, "not_after"))) {
		c = expiry_cand("repository", key, skey, (time_t)rec_int(rec,
		    "not_after"), rec_str(rec, "domain"), rec_str(rec, "arn"),
		    rec_str(rec, "region"), rec_str(rec, "account"));
		json_object_set_new(c, "name", json_string(key));
		json_array_append_new(w->cands, c);
	}
	free(skey);
	return (0);
}

/*
 * ACM's and IAM's certificates, from acm list's cache: none decoded.  An
 * IAM certificate's key is ACCOUNT/NAME, both in its ARN
 * (arn:aws:iam::ACCOUNT:server-certificate/PATH/NAME).
 */
static void
expiry_row_cb(const struct inv_row *r, void *arg)
{
	struct expiry_walk	*w = arg;
	const char		*name = NULL, *account;
	char			 acct[64], *skey, *key = NULL;
	json_t			*c;

	if (r->gone || !r->has_not_after || r->arn == NULL ||
	    (account = arn_account(r->arn, acct, sizeof acct)) == NULL)
		return;
	if (r->region == NULL) {
		if ((name = strrchr(r->arn, '/')) == NULL)
			return;
		xasprintf(&key, "%s/%s", account, ++name);
		xasprintf(&skey, EXPIRY_PREFIX "iam/%s", key);
	} else
		xasprintf(&skey, EXPIRY_PREFIX "acm/%s", r->arn);
	if (expiry_wanted(w, skey, r->not_after)) {
		c = expiry_cand(name != NULL ? "iam" : "acm", name != NULL ?
		    key : r->arn, skey, r->not_after, r->domain, r->arn,
		    r->region, account);
		if (name != NULL)
			json_object_set_new(c, "name", json_string(name));
		json_array_append_new(w->cands, c);
	}
	free(key);
	free(skey);
}

static int
expiry_state_cb(const char *key, json_t *rec, void *arg)
{
	json_object_set((json_t *)arg, key, rec);
	return (0);
}

static int
expiry_done_has(const json_t *done, int t)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(done, i, v) {
		if (json_integer_value(v) == t)
			return (1);
	}
	return (0);
}

/*
 * Decide for one certificate: 1 (and *threshold, *event) to notify, 0
 * not; *st is the state to write back when *changed.
 */
static int
expiry_decide(const json_t *cand, json_t **stp, time_t now, int *threshold,
    const char **event, int *changed)
{
	const struct config	*conf = acmd.conf;
	json_t			*st = *stp, *done;
	long long		 na, days;
	int			 smallest = -1, notify = 0;
	size_t			 i;

	na = rec_int(cand, "not_after");
	days = pem_days_left((time_t)na, now);
	*changed = 0;

	if (st != NULL && rec_int(st, "not_after") != na) {
		log_info("certificate %s %s: not_after changed, expiry state "
		    "reset", rec_str(cand, "source"), rec_str(cand, "id"));
		json_decref(st);
		st = NULL;
		*changed = 1;
	}
	if (st == NULL) {
		st = json_pack("{s:I, s:[], s:b}", "not_after", (json_int_t)na,
		    "done", "expired", 0);
		*stp = st;
	}
	if (!json_is_array(json_object_get(st, "done")))
		json_object_set_new(st, "done", json_array());
	done = json_object_get(st, "done");

	/* Thresholds are sorted, largest first: the last crossed is the
	 * smallest. */
	for (i = 0; i < conf->nthresholds; i++) {
		if (days <= conf->threshold_days[i])
			smallest = conf->threshold_days[i];
	}

	if (days < 0) {
		if (!rec_bool(st, "expired")) {
			json_object_set_new(st, "expired", json_true());
			*threshold = 0;
			*event = NOTIFY_EXPIRED;
			notify = 1;
			*changed = 1;
		}
	} else if (smallest >= 0 && !expiry_done_has(done, smallest)) {
		*threshold = smallest;
		*event = NOTIFY_EXPIRING;
		notify = 1;
	}
	/* Every threshold crossed is done, notified or not. */
	for (i = 0; i < conf->nthresholds; i++) {
		if (days <= conf->threshold_days[i] &&
		    !expiry_done_has(done, conf->threshold_days[i])) {
			json_array_append_new(done,
			    json_integer(conf->threshold_days[i]));
			*changed = 1;
		}
	}
	if (notify)
		json_object_set_new(st, "notified_at", json_integer(now));
	return (notify);
}

/*
 * Once the scan of the inventory is complete: decide and record in one
 * transaction, where the repository is read; ex.sent gets the messages.
 */
static int
expiry_record(struct expiry_walk *w, char **cause)
{
	struct store_txn	*t = NULL;
	json_t			*cand, *st, *seen, *msg;
	const char		*skey, *event = NULL;
	time_t			 now = w->now;
	int			 threshold = 0, changed;
	size_t			 i;

	seen = json_object();
	if ((t = store_begin(acmd.store, 1, cause)) == NULL ||
	    rec_foreach(t, DB_CERTS, NULL, expiry_repo_cb, w, cause) != 0)
		goto fail;

	json_array_foreach(w->cands, i, cand) {
		skey = rec_str(cand, "key");
		json_object_set_new(seen, skey, json_true());
		st = json_deep_copy(json_object_get(w->states, skey));
		if (expiry_decide(cand, &st, now, &threshold, &event,
		    &changed)) {
			msg = json_deep_copy(cand);
			json_object_del(msg, "key");
			json_object_set_new(msg, "event", json_string(event));
			json_object_set_new(msg, "threshold",
			    json_integer(threshold));
			json_object_set_new(msg, "days_left", json_integer(
			    pem_days_left((time_t)rec_int(cand, "not_after"),
			    now)));
			json_array_append_new(ex.sent, msg);
		}
		if (changed && rec_put(t, DB_JOBS, skey, st, cause) != 0) {
			json_decref(st);
			goto fail;
		}
		json_decref(st);
	}

	/* The state of certificates no longer known goes. */
	json_object_foreach(w->states, skey, st) {
		if (json_object_get(seen, skey) != NULL)
			continue;
		if (store_dels(t, DB_JOBS, skey, cause) < 0)
			goto fail;
		log_debug("expiry: state %s dropped", skey);
	}
	log_debug("expiry: %zu certificates checked, %zu to notify",
	    json_array_size(w->cands), json_array_size(ex.sent));
	json_decref(seen);
	return (store_commit(t, cause));

fail:
	if (t != NULL)
		store_abort(t);
	json_decref(seen);
	json_array_clear(ex.sent);
	if (*cause == NULL)
		*cause = xstrdup("store walk failed");
	return (-1);
}

static void
expiry_finish(int ok, const char *cause)
{
	struct expiry_waiter	*wt;
	json_t			*out, *m;
	char			*result;
	size_t			 i;

	out = json_array();
	json_array_foreach(ex.sent, i, m) {
		json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:O, "
		    "s:O, s:O}", "source", json_object_get(m, "source"), "id",
		    json_object_get(m, "id"), "domain", json_object_get(m,
		    "domain"), "days_left", json_object_get(m, "days_left"),
		    "threshold", json_object_get(m, "threshold"), "event",
		    json_object_get(m, "event")));
	}
	if (!ok)
		xasprintf(&result, "failed: %s", cause);
	else if (ex.failed > 0)
		xasprintf(&result, "%zu notified (%u deliveries failed)",
		    json_array_size(out), ex.failed);
	else
		xasprintf(&result, "%zu notified", json_array_size(out));
	if (!ok)
		log_warnx("expiry: %s", cause);
	else
		log_info("expiry: %s", result);

	json_decref(ex.sent);
	ex.sent = NULL;
	/* A reload may have changed the interval. */
	sched_set_interval(ex.job, acmd.conf->expiry_interval);
	job_done(ex.job, ok, result);
	free(result);

	while ((wt = TAILQ_FIRST(&ex.waiters)) != NULL) {
		TAILQ_REMOVE(&ex.waiters, wt, entry);
		if (wt->cb != NULL)
			wt->cb(ok ? out : NULL, ok ? NULL : cause, wt->arg);
		free(wt);
	}
	json_decref(out);
}

static void
expiry_release(void)
{
	if (--ex.pending == 0)
		expiry_finish(1, NULL);
}

static void
expiry_sent_cb(json_t *results, void *arg)
{
	json_t	*r;
	size_t	 i;

	json_array_foreach(results, i, r) {
		if (!rec_bool(r, "ok"))
			ex.failed++;
	}
	expiry_release();
}

/* Send after the commit; hold the run open until all are out. */
static void
expiry_send(void)
{
	struct notify_msg	 m;
	json_t			*msg, *sent;
	size_t			 i;

	ex.pending = 1;
	sent = json_incref(ex.sent);
	json_array_foreach(sent, i, msg) {
		memset(&m, 0, sizeof m);
		m.event = rec_str(msg, "event");
		m.source = rec_str(msg, "source");
		m.id = rec_str(msg, "id");
		m.domain = rec_str(msg, "domain");
		m.name = rec_str(msg, "name");
		m.arn = rec_str(msg, "arn");
		m.region = rec_str(msg, "region");
		m.account = rec_str(msg, "account");
		m.not_after = (time_t)rec_int(msg, "not_after");
		m.days_left = rec_int(msg, "days_left");
		m.threshold = (int)rec_int(msg, "threshold");
		ex.pending++;
		notify_send(&m, expiry_sent_cb, NULL);
	}
	json_decref(sent);
	expiry_release();
}

static void
expiry_walk_free(void)
{
	if (ex.walk != NULL) {
		json_decref(ex.walk->cands);
		json_decref(ex.walk->states);
		free(ex.walk);
		ex.walk = NULL;
	}
	inv_cursor_clear(&ex.cur);
	if (ex.ev != NULL)
		event_del(ex.ev);
}

/* The scan ended (or could not go on): decide, record, send. */
static void
expiry_scanned(int ok, char *cause)
{
	if (ok) {
		log_debug("expiry: %zu inventory rows scanned in %u slices",
		    ex.cur.rows, ex.slices);
		ok = expiry_record(ex.walk, &cause) == 0;
	}
	expiry_walk_free();
	if (!ok) {
		expiry_finish(0, cause);
		free(cause);
		return;
	}
	expiry_send();
}

static void
expiry_next_slice(void)
{
	struct timeval	 tv;

	if (ex.slice_pause > 0) {
		tv = ms_to_tv(ex.slice_pause);
		event_add(ex.ev, &tv);
	} else
		event_active(ex.ev, EV_TIMEOUT, 1);
}

/*
 * A slice of the scan: the cache brought up to date first if it is the
 * first, then rows until ex.slice_rows, or EXPIRY_SLICE_MS past the
 * first EXPIRY_STEP_ROWS.  The next slice is queued when it is not done.
 */
static void
expiry_slice_cb(evutil_socket_t fd, short what, void *arg)
{
	uint64_t	 t0 = now_ms();
	size_t		 rows = 0, step;
	char		*cause = NULL;
	int		 done = 0;

	if (ex.walk == NULL)
		return;
	if (ex.slices++ == 0 && inv_cache_stale() &&
	    inv_cache_update(&cause) != 0) {
		expiry_scanned(0, cause);
		return;
	}
	while (!done && rows < ex.slice_rows &&
	    (rows == 0 || now_ms() - t0 < EXPIRY_SLICE_MS)) {
		step = ex.slice_rows - rows < EXPIRY_STEP_ROWS ?
		    ex.slice_rows - rows : EXPIRY_STEP_ROWS;
		done = inv_cache_step(&ex.cur, step, expiry_row_cb, ex.walk);
		rows += step;
	}
	if (!done) {
		log_debug("expiry: slice %u, %zu inventory rows scanned",
		    ex.slices, ex.cur.rows);
		expiry_next_slice();
		return;
	}
	expiry_scanned(1, NULL);
}

/* A run: the states kept, then the scan, a slice at a time. */
static void
expiry_job_fn(struct job *j, void *arg)
{
	char	*cause = NULL;

	/* sched never starts a job that runs: one scan at a time. */
	if (ex.walk != NULL)
		fatalx("expiry: a run started while one scans");
	ex.sent = json_array();
	ex.failed = 0;
	ex.walk = xcalloc(1, sizeof *ex.walk);
	ex.walk->cands = json_array();
	ex.walk->states = json_object();
	ex.walk->now = time(NULL);
	ex.slices = 0;
	inv_cursor_clear(&ex.cur);
	if (rec_walk(DB_JOBS, EXPIRY_PREFIX, expiry_state_cb, ex.walk->states,
	    &cause) != 0) {
		expiry_scanned(0, cause);
		return;
	}
	expiry_next_slice();
}

/* The test knob (EXPIRY_SLICE_ENV), when set. */
static void
expiry_slice_env(void)
{
	const char	*v = getenv(EXPIRY_SLICE_ENV);
	char		*copy, *comma, *cause = NULL;
	long long	 rows, ms = 0;

	if (v == NULL || *v == '\0')
		return;
	copy = xstrdup(v);
	if ((comma = strchr(copy, ',')) != NULL)
		*comma++ = '\0';
	if (parse_number(copy, 1, 1000000, &rows, &cause) != 0 ||
	    (comma != NULL && parse_number(comma, 0, 60000, &ms,
	    &cause) != 0)) {
		log_warnx("%s: %s: ignored", EXPIRY_SLICE_ENV, cause);
		free(cause);
	} else {
		ex.slice_rows = (size_t)rows;
		ex.slice_pause = (uint64_t)ms;
		log_info("expiry: scan slices of %zu rows, %llu ms apart "
		    "(%s, for tests)", ex.slice_rows,
		    (unsigned long long)ex.slice_pause, EXPIRY_SLICE_ENV);
	}
	free(copy);
}

void
expiry_init(void)
{
	ex.job = sched_add("expiry", acmd.conf->expiry_interval,
	    EXPIRY_FIRST_RUN, expiry_job_fn, NULL);
	ex.ev = event_new(acmd.base, -1, 0, expiry_slice_cb, NULL);
	if (ex.ev == NULL)
		fatalx("expiry: cannot make an event");
	event_priority_set(ex.ev, event_base_get_npriorities(acmd.base) - 1);
	ex.slice_rows = EXPIRY_SLICE_ROWS;
	ex.slice_pause = 0;
	expiry_slice_env();
}

void
expiry_run_now(expiry_cb cb, void *arg)
{
	struct expiry_waiter	*wt;

	wt = xcalloc(1, sizeof *wt);
	wt->cb = cb;
	wt->arg = arg;
	TAILQ_INSERT_TAIL(&ex.waiters, wt, entry);
	if (!job_running(ex.job))
		sched_run_now(ex.job);
}

void
expiry_shutdown(void)
{
	if (ex.walk == NULL)
		return;
	expiry_walk_free();
	expiry_finish(0, "acmd is stopping");
}

void
expiry_free(void)
{
	struct expiry_waiter	*wt;

	/* Waiters left (the loop stopped mid-run) get no answer. */
	while ((wt = TAILQ_FIRST(&ex.waiters)) != NULL) {
		TAILQ_REMOVE(&ex.waiters, wt, entry);
		free(wt);
	}
	json_decref(ex.sent);
	ex.sent = NULL;
	/* A scan cut short (its slice will not run). */
	expiry_walk_free();
	if (ex.ev != NULL)
		event_free(ex.ev);
	ex.ev = NULL;
	ex.job = NULL;
}

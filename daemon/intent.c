#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "intent.h"
#include "log.h"
#include "rec.h"
#include "store.h"
#include "xmalloc.h"

#define INTENT_STATE		"state"
#define INTENT_ATTEMPTS		"attempts"
#define INTENT_FAILURES		"failures"
#define INTENT_NEXT_RETRY	"next_retry"
#define INTENT_LAST_ERROR	"last_error"
#define INTENT_UPDATED		"updated"

/* "what\nkey" -> true while an attempt at that work runs. */
static json_t	*intent_busy;

long long
intent_backoff(const struct intent_kind *k, long long n)
{
	long long	 wait = k->retry_base, every, doublings;

	every = k->retry_every > 0 ? k->retry_every : 1;
	doublings = n > every ? (n - every) / every : 0;
	while (doublings-- > 0 && wait < k->retry_max)
		wait *= 2;
	return (wait > k->retry_max ? k->retry_max : wait);
}

const json_t *
intent_of(const struct intent_kind *k, const json_t *rec)
{
	if (k->member == NULL)
		return (rec);
	return (json_object_get(rec, k->member));
}

int
intent_update(struct store_txn *t, const struct intent_kind *k,
    const char *key, const json_t *set, int replace, char **cause)
{
	json_t		*rec, *in, *v;
	const char	*m;
	int		 ret;

	if ((rec = rec_get(t, k->db, key, cause)) == NULL) {
		if (*cause != NULL)
			return (-1);
		if (!replace)
			return (0);	/* gone: done, or deleted */
		rec = json_object();
	}
	in = rec;
	if (k->member != NULL) {
		if ((in = json_object_get(rec, k->member)) == NULL ||
		    replace) {
			in = json_object();
			json_object_set_new(rec, k->member, in);
		}
	}
	json_object_foreach((json_t *)set, m, v) {
		if (json_is_null(v))
			json_object_del(in, m);
		else
			json_object_set(in, m, v);
	}
	json_object_set_new(in, INTENT_UPDATED, json_integer(time(NULL)));
	ret = rec_put(t, k->db, key, rec, cause);
	json_decref(rec);
	return (ret);
}

struct intent_put {
	const struct intent_kind *k;
	const char		*key;
	json_t			*set;
	int			 replace;
};

static int
intent_put_fn(struct store_txn *t, void *arg, char **cause)
{
	struct intent_put	*p = arg;

	return (intent_update(t, p->k, p->key, p->set, p->replace, cause));
}

int
intent_put(const struct intent_kind *k, const char *key, json_t *set,
    int replace, char **cause)
{
	struct intent_put	 p = { k, key, set, replace };
	int			 ret;

	ret = store_write(acmd.store, intent_put_fn, &p, cause);
	json_decref(set);
	return (ret);
}

/* intent_put, the store's error logged rather than returned. */
static int
intent_put_logged(const struct intent_kind *k, const char *key, json_t *set)
{
	char	*cause = NULL;

	if (intent_put(k, key, set, 0, &cause) == 0)
		return (0);
	log_warnx("%s %s: cannot record: %s", k->what, key, cause);
	free(cause);
	return (-1);
}

int
intent_attempt(const struct intent_kind *k, const char *key,
    const json_t *in, int *n, char **cause)
{
	*n = (int)rec_int(in, INTENT_ATTEMPTS);
	return (intent_attempt_next(k, key, n, cause));
}

int
intent_attempt_next(const struct intent_kind *k, const char *key, int *n,
    char **cause)
{
	json_t	*set;
	int	 lim;

	++*n;
	set = json_pack("{s:i, s:s, s:n}", INTENT_ATTEMPTS, *n, INTENT_STATE,
	    k->running, INTENT_NEXT_RETRY);
	if (intent_put(k, key, set, 0, cause) != 0)
		return (-1);
	/* Each start died in it: stop trying. */
	lim = k->max_starts > 0 ? k->max_starts : k->max_attempts;
	return (lim > 0 && *n > lim);
}

int
intent_failed(const struct intent_kind *k, const char *key, int n,
    const char *msg, int definitive, long long *wait)
{
	json_t		*set;
	long long	 w;
	int		 last;

	last = definitive || (k->max_attempts > 0 && n >= k->max_attempts);
	w = intent_backoff(k, n);
	set = json_pack("{s:s, s:s, s:i}", INTENT_STATE, last ? k->gave_up :
	    k->waiting, INTENT_LAST_ERROR, msg, INTENT_FAILURES, n);
	if (!last)
		json_object_set_new(set, INTENT_NEXT_RETRY,
		    json_integer(time(NULL) + w));
	else
		json_object_set_new(set, INTENT_NEXT_RETRY, json_null());
	intent_put_logged(k, key, set);
	if (wait != NULL)
		*wait = last ? 0 : w;
	return (last);
}

static int
intent_forget_fn(struct store_txn *t, void *arg, char **cause)
{
	struct intent_put	*p = arg;
	json_t			*rec;
	int			 ret;

	if (p->k->member == NULL)
		return (store_dels(t, p->k->db, p->key, cause) < 0 ? -1 : 0);
	if ((rec = rec_get(t, p->k->db, p->key, cause)) == NULL)
		return (*cause != NULL ? -1 : 0);
	json_object_del(rec, p->k->member);
	ret = rec_put(t, p->k->db, p->key, rec, cause);
	json_decref(rec);
	return (ret);
}

int
intent_forget(const struct intent_kind *k, const char *key, char **cause)
{
	struct intent_put	 p = { k, key, NULL, 0 };

	return (store_write(acmd.store, intent_forget_fn, &p, cause));
}

int
intent_done(struct store_txn *t, const struct intent_kind *k,
    const char *key, char **cause)
{
	json_t	*set;
	int	 ret;

	if (k->done == NULL && k->member == NULL)
		return (store_dels(t, k->db, key, cause) < 0 ? -1 : 0);
	set = json_pack("{s:s?, s:n, s:n}", INTENT_STATE, k->done,
	    INTENT_NEXT_RETRY, INTENT_LAST_ERROR);
	if (k->done == NULL)
		json_object_del(set, INTENT_STATE);
	ret = intent_update(t, k, key, set, 0, cause);
	json_decref(set);
	return (ret);
}

int
intent_due(const struct intent_kind *k, const json_t *in, time_t now)
{
	const char	*st = rec_str(in, INTENT_STATE);

	if (st == NULL)
		return (0);
	if (strcmp(st, k->waiting) == 0)
		return (rec_int(in, INTENT_NEXT_RETRY) <= (long long)now);
	return (strcmp(st, k->running) == 0);
}

struct intent_walk {
	const struct intent_kind *k;
	int		(*want)(const char *, const json_t *);
	json_t		*due;
	time_t		 now;
};

static int
intent_walk_cb(const char *key, json_t *rec, void *arg)
{
	struct intent_walk	*w = arg;
	const json_t		*in = intent_of(w->k, rec);

	if (in == NULL || !intent_due(w->k, in, w->now) ||
	    intent_held(w->k, key) || (w->want != NULL && !w->want(key, rec)))
		return (0);
	json_object_set(w->due, key, rec);
	return (0);
}

int
intent_walk_due(const struct intent_kind *k, int hurry,
    int (*want)(const char *, const json_t *),
    void (*cb)(const char *, json_t *, void *), void *arg, char **cause)
{
	struct intent_walk	 w = { k, want, json_object(), hurry ?
	    (time_t)INT64_MAX : time(NULL) };
	const char		*key;
	json_t			*rec;

	/* Collected first: the work may write to the database at once. */
	if (rec_walk(k->db, NULL, intent_walk_cb, &w, cause) != 0) {
		json_decref(w.due);
		return (-1);
	}
	json_object_foreach(w.due, key, rec)
		cb(key, rec, arg);
	json_decref(w.due);
	return (0);
}

static char *
intent_busy_key(const struct intent_kind *k, const char *key)
{
	char	*s;

	xasprintf(&s, "%s\n%s", k->what, key);
	return (s);
}

int
intent_hold(const struct intent_kind *k, const char *key)
{
	char	*s;

	if (intent_held(k, key))
		return (-1);
	if (intent_busy == NULL)
		intent_busy = json_object();
	s = intent_busy_key(k, key);
	json_object_set_new(intent_busy, s, json_true());
	free(s);
	return (0);
}

void
intent_release(const struct intent_kind *k, const char *key)
{
	char	*s;

	if (intent_busy == NULL)
		return;
	s = intent_busy_key(k, key);
	json_object_del(intent_busy, s);
	free(s);
}

int
intent_held(const struct intent_kind *k, const char *key)
{
	char	*s;
	int	 held;

	if (intent_busy == NULL)
		return (0);
	s = intent_busy_key(k, key);
	held = json_object_get(intent_busy, s) != NULL;
	free(s);
	return (held);
}

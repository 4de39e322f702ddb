/*
 * Recorded work.  Before acmd asks AWS for something that changes AWS
 * (an import, a request, a renewal, a key export) it writes down what it
 * is about to do: an intent.  Every attempt is counted on disk before it
 * is made, a failure backs off (the wait doubles), too many failures or a
 * definitive one give the work up, and the intent ends in the transaction
 * that stores the work's result.  Intents that are due are found by a
 * walk (at start, and by the work's job) and resumed, so a crash loses
 * nothing and nothing is done twice.
 *
 * An intent is a few members of a record, or of one object in it
 * (member): state, attempts (in all), failures (attempts that failed: a
 * restart in the middle of one is no failure of the work), next_retry
 * (epoch seconds), last_error, updated.  Each kind of work says where, and what its states are called.
 */
#ifndef ACMD_INTENT_H
#define ACMD_INTENT_H

#include <time.h>

#include <jansson.h>

#include "store.h"

struct intent_kind {
	const char	*what;		/* "renewal", in messages */
	enum store_db	 db;
	const char	*member;	/* the intent's object; NULL: the record */
	const char	*running;	/* state while an attempt is under way */
	const char	*waiting;	/* state while backing off */
	const char	*gave_up;	/* state once given up */
	const char	*done;		/* state once done; NULL: the intent goes */
	int		 max_attempts;	/* failed ones; 0: no limit */
	int		 max_starts;	/* in all, those a restart cut short
					   included (0: max_attempts) */
	int		 retry_base;	/* seconds after the first failure */
	int		 retry_max;	/* the longest wait */
	int		 retry_every;	/* the wait doubles every this many */
};

/*
 * The wait after the nth failed attempt (n >= 1): retry_base for the
 * first retry_every ones, then doubling every retry_every, at most
 * retry_max.  Every back-off of acmd is this one.
 */
long long intent_backoff(const struct intent_kind *, long long);
/* The intent's object in a record (borrowed), NULL when it has none. */
const json_t *intent_of(const struct intent_kind *, const json_t *);
/*
 * Change the members of key's intent in t: set's members are set, a null
 * one removed.  replace: the intent becomes set (the record is made when
 * there is none); otherwise an intent that is gone (work done, record
 * deleted) stays gone.
 */
int	intent_update(struct store_txn *, const struct intent_kind *,
	    const char *, const json_t *, int, char **);
/* intent_update in a transaction of its own; set is taken over. */
int	intent_put(const struct intent_kind *, const char *, json_t *, int,
	    char **);
/*
 * Attempt n + 1 at key's work (in: its intent as read; NULL: none yet):
 * counted on disk, in state running, before it is made.  -1 with cause
 * when it cannot be recorded; 1 when max_starts are used up (each start
 * died in it): the caller gives the work up (intent_failed, definitive).
 */
int	intent_attempt(const struct intent_kind *, const char *,
	    const json_t *, int *, char **);
/* The same, for work that runs on: attempt *n + 1 (*n becomes it). */
int	intent_attempt_next(const struct intent_kind *, const char *, int *,
	    char **);
/*
 * Failure n (n >= 1) with msg: the intent waits (next_retry set), or,
 * when the failure is definitive or n is max_attempts, is given up.
 * Returns 1 when given up, 0 when it waits (*wait: seconds); the caller
 * says so in the log.
 */
int	intent_failed(const struct intent_kind *, const char *, int,
	    const char *, int, long long *);
/* The intent goes, in a transaction of its own (the work never began). */
int	intent_forget(const struct intent_kind *, const char *, char **);
/* The work is done: in t, with its result. */
int	intent_done(struct store_txn *, const struct intent_kind *,
	    const char *, char **);
/*
 * Whether an intent is due at now: under way (a crash interrupted it) or
 * waiting and its next_retry has come.
 */
int	intent_due(const struct intent_kind *, const json_t *, time_t);
/*
 * Call cb for every record of the kind's database whose intent is due and
 * not held, with the record (borrowed); want (may be NULL) filters more.
 * hurry: one waiting for its next_retry is due now (acmctl sync).
 */
int	intent_walk_due(const struct intent_kind *, int,
	    int (*)(const char *, const json_t *), void (*)(const char *,
	    json_t *, void *), void *, char **);
/* One attempt at a time: hold key while its work runs (-1: held). */
int	intent_hold(const struct intent_kind *, const char *);
void	intent_release(const struct intent_kind *, const char *);
int	intent_held(const struct intent_kind *, const char *);

#endif

/*
 * Request-rate limits: one bucket per (account, region, operation), paced
 * by the generic cell rate algorithm on the times requests really leave.
 *
 * A caller asks its bucket for a slot: either it may send at once, or it
 * waits in the bucket's queue (first come, first served) and is called
 * back when its slot comes.  One timer per bucket, never a poll.  Because
 * slots are given out when requests really go, a stalled event loop
 * cannot release a backlog of requests all at once; and because a
 * finished request counts as sent no earlier than its answer came back,
 * jitter on the way to AWS cannot squeeze two requests closer than the
 * quota allows (which matters for the 1/s operations, whose bucket at AWS
 * holds a single request).
 */
#ifndef ACMD_RATELIMIT_H
#define ACMD_RATELIMIT_H

#include <stdint.h>

struct event_base;
struct ratelimit;
struct rl_bucket;
struct rl_ticket;

typedef void (*rl_fn)(void *);

/* base may be NULL when only parsing overrides. */
struct ratelimit *ratelimit_new(struct event_base *);
void	 ratelimit_free(struct ratelimit *);
/* Forget every override; buckets and their queues stay. */
void	 ratelimit_clear(struct ratelimit *);
/* Override the rate (requests per second) of service:operation. */
void	 ratelimit_set(struct ratelimit *, const char *, const char *,
	     double);
/* The rate for service:operation (0: unlimited). */
double	 ratelimit_rate(struct ratelimit *, const char *, const char *);
/*
 * Parse "Operation=rate" overrides, e.g. "DescribeCertificate=10"; an
 * operation acmd does not call is refused, naming it.
 */
int	 ratelimit_parse(struct ratelimit *, const char *, const char *,
	     char **);

/* The bucket for key (created on first use, kept with the ratelimit). */
struct rl_bucket *ratelimit_bucket(struct ratelimit *, const char *);
/*
 * One request at rate (per second): returns 0 when it may go now (the
 * slot is taken), or 1 when it waits: fn(arg) is called when its slot
 * comes, and *ticket lets the caller withdraw it first.
 */
int	 ratelimit_acquire(struct rl_bucket *, double, rl_fn, void *,
	     struct rl_ticket **);
void	 ratelimit_cancel(struct rl_ticket *);
/* A request of this bucket got its answer (or failed) now. */
void	 ratelimit_done(struct rl_bucket *);
/* How many requests wait in the bucket's queue. */
unsigned ratelimit_queued(const struct rl_bucket *);

#endif

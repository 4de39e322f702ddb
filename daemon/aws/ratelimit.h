/*
 * Request-rate limits: one bucket per (account, region, operation), paced
 * by the generic cell rate algorithm.  A caller reserves a slot and is
 * told how long to wait; waiting callers never poll, and a big inventory
 * runs at the quota instead of provoking throttling.
 */
#ifndef ACMD_RATELIMIT_H
#define ACMD_RATELIMIT_H

#include <stdint.h>

struct ratelimit;

struct ratelimit *ratelimit_new(void);
void	 ratelimit_free(struct ratelimit *);
/* Override the rate (requests per second) of service:operation. */
void	 ratelimit_set(struct ratelimit *, const char *, const char *,
	     double);
/* The rate for service:operation (0: unlimited). */
double	 ratelimit_rate(struct ratelimit *, const char *, const char *);
/*
 * Reserve one request for key at rate r (per second) at time now (ms):
 * returns how many ms to wait before sending.
 */
uint64_t ratelimit_reserve(struct ratelimit *, const char *, double,
	     uint64_t);
/* Parse "Operation=rate" overrides, e.g. "DescribeCertificate=10". */
int	 ratelimit_parse(struct ratelimit *, const char *, const char *,
	     char **);

#endif

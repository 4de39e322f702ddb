/*
 * Retries as the AWS SDKs' "standard" mode: a number of attempts, full
 * jitter exponential backoff capped at 20 s, and a retry quota that
 * empties when many calls fail, so a broken endpoint is not hammered.
 */
#ifndef ACMD_RETRY_H
#define ACMD_RETRY_H

#include <stdint.h>

#define RETRY_QUOTA_INITIAL	500
#define RETRY_COST		5
#define RETRY_TIMEOUT_COST	10
#define RETRY_NO_RETRY_INCREMENT 1
#define RETRY_MAX_BACKOFF_MS	20000

struct retry_quota {
	unsigned	 available;
};

void	 retry_quota_init(struct retry_quota *);
/* Take the cost of one retry; 0 when the quota is empty (do not retry). */
int	 retry_quota_acquire(struct retry_quota *, int, unsigned *);
/* After a successful call: give back what its retries took, or 1. */
void	 retry_quota_release(struct retry_quota *, unsigned);
/* Backoff before attempt n + 1 (n >= 1), full jitter, in ms. */
uint64_t retry_backoff_ms(unsigned, uint64_t);

#endif

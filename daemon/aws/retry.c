#include <stdint.h>

#include <openssl/rand.h>

#include "retry.h"

void
retry_quota_init(struct retry_quota *q)
{
	q->available = RETRY_QUOTA_INITIAL;
}

int
retry_quota_acquire(struct retry_quota *q, int timeout, unsigned *taken)
{
	unsigned	 cost = timeout ? RETRY_TIMEOUT_COST : RETRY_COST;

	if (q->available < cost)
		return (0);
	q->available -= cost;
	*taken += cost;
	return (1);
}

void
retry_quota_release(struct retry_quota *q, unsigned taken)
{
	q->available += taken > 0 ? taken : RETRY_NO_RETRY_INCREMENT;
	if (q->available > RETRY_QUOTA_INITIAL)
		q->available = RETRY_QUOTA_INITIAL;
}

uint64_t
retry_backoff_ms(unsigned attempt, uint64_t base_ms)
{
	uint64_t	 cap, r = 0;

	if (attempt == 0)
		attempt = 1;
	if (attempt > 20)
		attempt = 20;
	cap = base_ms << (attempt - 1);
	if (cap > RETRY_MAX_BACKOFF_MS || cap == 0)
		cap = RETRY_MAX_BACKOFF_MS;
	if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
		r = (uint64_t)attempt * 7919;
	return (r % (cap + 1));
}

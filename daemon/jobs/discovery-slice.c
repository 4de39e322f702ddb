/*
 * Discovery's long steps in slices: an incremental page's comparisons
 * with the stored records, a batch written into the store, the scan of a
 * unit's records for what is gone.  At 25,000 certificates in a region
 * each took 100-600 ms in one callback, and clients, scrapes and pings
 * waited that long.  Now a step stops once its slice of DISC_SLICE_MS is
 * spent and goes on from a callback at the loop's lowest priority (where
 * AWS answers run, main.c), so what a client waits for comes in between.
 *
 * ACMD_DISCOVERY_SLICE=RECORDS[:MS] (for tests only): a slice also ends
 * after that many records, so that a small inventory is worked in many
 * slices, and the next slice comes MS milliseconds later, so that a test
 * can act while a step is half-way.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>

#include <event2/event.h>

#include "acmd.h"
#include "discovery-int.h"
#include "log.h"
#include "util.h"

#define DISC_SLICE_MS	5

static size_t	slice_max;	/* records; 0: the time alone */
static long	slice_pause;	/* ms between slices */
static int	slice_known;

static size_t
disc_slice_max(void)
{
	const char	*v;
	char		*end;
	unsigned long	 n, ms = 0;

	if (slice_known)
		return (slice_max);
	slice_known = 1;
	if ((v = getenv("ACMD_DISCOVERY_SLICE")) == NULL || *v == '\0')
		return (slice_max);
	n = strtoul(v, &end, 10);
	if (*end == ':' && end[1] >= '0' && end[1] <= '9')
		ms = strtoul(end + 1, &end, 10);
	if (*end != '\0' || n == 0 || n > INT_MAX || ms > 60000) {
		log_warnx("ACMD_DISCOVERY_SLICE: '%s' is not RECORDS[:MS] "
		    "(1 or more records, up to 60000 ms): ignored", v);
		return (slice_max);
	}
	slice_max = n;
	slice_pause = (long)ms;
	log_info("discovery: slices of %zu records at most, %ld ms apart "
	    "(ACMD_DISCOVERY_SLICE, for tests)", slice_max, slice_pause);
	return (slice_max);
}

void
disc_slice_begin(struct disc_region *r)
{
	r->slice_start = now_ms();
}

int
disc_slice_over(struct disc_region *r, size_t *n)
{
	size_t	 max = disc_slice_max();

	if (*n > 0 && ((max > 0 && *n >= max) ||
	    now_ms() - r->slice_start >= DISC_SLICE_MS))
		return (1);
	(*n)++;
	return (0);
}

static void
disc_slice_cb(evutil_socket_t fd, short what, void *arg)
{
	struct disc_region	*r = arg;

	disc_slice_begin(r);
	r->cont(r);
}

void
disc_slice_later(struct disc_region *r, void (*fn)(struct disc_region *),
    const char *what)
{
	struct timeval	 tv;

	disc_slice_max();
	if (r->ev == NULL) {
		if ((r->ev = event_new(acmd.base, -1, 0, disc_slice_cb,
		    r)) == NULL)
			fatalx("discovery: cannot make an event");
		event_priority_set(r->ev,
		    event_base_get_npriorities(acmd.base) - 1);
	}
	r->cont = fn;
	log_debug("discovery: %s %s: %s goes on in the next slice",
	    r->account, r->iam ? "IAM" : r->region, what);
	if (slice_pause > 0) {
		tv.tv_sec = slice_pause / 1000;
		tv.tv_usec = (slice_pause % 1000) * 1000;
		event_add(r->ev, &tv);
	} else
		event_active(r->ev, EV_TIMEOUT, 1);
}

void
disc_slice_free(struct disc_region *r)
{
	if (r->ev != NULL)
		event_free(r->ev);
	r->ev = NULL;
}

/*
 * The inventory's part of the metrics page: a line per certificate (at
 * 100,000 certificates, 28 MB rendered in a few hundred ms) and their
 * counts, from acm list's cache (inventory-list.c).
 *
 * A rendering runs in slices of at most INV_SLICE_MS and INV_SLICE_ROWS
 * rows: the first in the scrape that found the inventory moved, the rest
 * at the loop's lowest priority, where AWS work runs (main.c), so a
 * client or a scrape never waits behind more than one slice.  Meanwhile
 * the page shows the last complete rendering and says it is behind
 * (acmd_inventory_stale); a small inventory is rendered whole within the
 * scrape's own slice.  At most one rendering is in progress beside the
 * one shown (and, while scrapes still send it, the one shown before).
 *
 * The cache is rebuilt for the page when the inventory changed, but not
 * while a discovery runs (the inventory moves all the time then, and acmd
 * rebuilds the cache itself when it ends) unless the page never had it,
 * and at most every INV_REFRESH_MS and never more often than 20 times its
 * last rebuild took (5% of the loop at most); the rebuild of a cache
 * larger than a slice of rows runs in the rendering's first low-priority
 * slice, not in the scrape.  Where the cache follows a discovery batch by
 * batch, the lines are rendered again at most as often.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <jansson.h>

#include "acmd.h"
#include "inventory.h"
#include "jobs/sched.h"
#include "log.h"
#include "metrics.h"
#include "metrics-int.h"
#include "util.h"
#include "xmalloc.h"

#define INV_REFRESH_MS	30000
#define INV_SLICE_MS	5
#define INV_SLICE_ROWS	1000
/* Rows between two looks at the clock. */
#define INV_STEP_ROWS	100

static struct {
	struct part	 lines;		/* not_after lines */
	struct part	 counts;	/* acmd_inventory_certificates */
	uint64_t	 inv_updated;	/* monotonic ms of our last rebuild */
	uint64_t	 inv_cost;	/* ms it took */
	int		 inv_tried;
	uint64_t	 rendered;	/* monotonic ms of the last lines */
	uint64_t	 render_cost;	/* ms their slices took */
	size_t		 render_rows;	/* rows they had */

	/* The rendering in progress. */
	int		 active;
	int		 refresh;	/* the cache is to be rebuilt first */
	uint64_t	 epoch;		/* the cache's when the rows began */
	uint64_t	 cost;		/* ms its slices took so far */
	struct mtext	 text;
	json_t		*by;		/* "source\037region\037type\037status" */
	struct inv_cursor cur;
	struct event	*ev;		/* its next slice, lowest priority */
	void		(*ready)(void);
} mi;

static void
inv_row_cb(const struct inv_row *r, void *arg)
{
	const char	*source = r->region == NULL ? "iam" : "acm";
	const char	*region = r->region == NULL ? "global" : r->region;
	char		 acct[64], *key;

	if (r->gone)
		return;
	xasprintf(&key, "%s\037%s\037%s\037%s", source, region,
	    r->type ? r->type : "", r->status ? r->status : "");
	count_one(mi.by, key);
	free(key);
	if (!r->has_not_after)
		return;
	metrics_sample(&mi.text, METRICS_NOT_AFTER, (const char *const []){
	    "source", source, "account", arn_account(r->arn, acct,
	    sizeof acct), "region", region, "arn", r->arn, "domain", r->domain,
	    "type", r->type, "status", r->status, NULL }, (double)r->not_after);
}

static void
inv_counts_render(struct mtext *t, json_t *counts)
{
	const char	*key;
	json_t		*n;
	char		*copy, *f[4], *p;
	size_t		 i;

	metrics_family(t, "acmd_inventory_certificates", "gauge",
	    "Certificates acmd knows in AWS (not gone), by source, region, "
	    "type and status.");
	json_object_foreach(counts, key, n) {
		p = copy = xstrdup(key);
		for (i = 0; i < 4; i++)
			f[i] = strsep(&p, "\037");
		metrics_sample(t, "acmd_inventory_certificates",
		    (const char *const []){ "source", f[0], "region", f[1],
		    "type", f[2], "status", f[3], NULL },
		    (double)json_integer_value(n));
		free(copy);
	}
}

static int
discovery_running(void)
{
	struct job	*disc = sched_find("discovery");

	return (disc != NULL && job_running(disc));
}

/* Whether the cache is to be rebuilt for the page now. */
static int
inv_refresh_due(void)
{
	uint64_t	 wait;

	if (!inv_cache_stale())
		return (0);
	/* acmd rebuilds it itself once a discovery ends (inv_warm). */
	if (mi.inv_tried && discovery_running())
		return (0);
	wait = mi.inv_cost * 20 > INV_REFRESH_MS ? mi.inv_cost * 20 :
	    INV_REFRESH_MS;
	return (!mi.inv_tried || now_ms() - mi.inv_updated >= wait);
}

static void
inv_refresh(void)
{
	uint64_t	 t0 = now_ms();
	char		*cause = NULL;

	mi.inv_tried = 1;
	if (inv_cache_update(&cause) != 0) {
		log_warnx("metrics: inventory: %s", cause);
		free(cause);
	}
	mi.inv_updated = now_ms();
	mi.inv_cost = mi.inv_updated - t0;
	log_debug("metrics: inventory cache rebuilt in %llu ms",
	    (unsigned long long)mi.inv_cost);
}

/* Whether the lines are to be rendered again now. */
static int
render_due(void)
{
	uint64_t	 wait;

	if (!mi.lines.valid)
		return (1);
	if (mi.lines.gen == inv_cache_epoch())
		return (0);
	/* While a discovery moves the cache batch by batch: now and then. */
	wait = mi.render_cost * 20 > INV_REFRESH_MS ? mi.render_cost * 20 :
	    INV_REFRESH_MS;
	return (!discovery_running() || now_ms() - mi.rendered >= wait);
}

static void
render_start(int refresh)
{
	mi.active = 1;
	mi.refresh = refresh;
	mi.epoch = inv_cache_epoch();
	mi.cost = 0;
	mtext_free(&mi.text);
	json_decref(mi.by);
	mi.by = json_object();
	inv_cursor_clear(&mi.cur);
}

static void
render_finish(void)
{
	struct mtext	 counts = { 0 };

	inv_counts_render(&counts, mi.by);
	json_decref(mi.by);
	mi.by = NULL;
	part_set(&mi.lines, &mi.text, mi.epoch);
	part_set(&mi.counts, &counts, mi.epoch);
	mi.rendered = now_ms();
	mi.render_cost = mi.cost;
	mi.render_rows = mi.cur.rows;
	inv_cursor_clear(&mi.cur);
	mi.active = 0;
	log_debug("metrics: %zu inventory rows rendered in %llu ms of slices",
	    mi.render_rows, (unsigned long long)mi.render_cost);
	if (mi.ready != NULL)
		mi.ready();
}

/*
 * A slice of the rendering: the cache's rebuild if due (in the scrape
 * only when the inventory is small: the last rendering fitted in a
 * slice), then rows until INV_SLICE_ROWS, or INV_SLICE_MS past the first
 * INV_STEP_ROWS.  The next slice is queued when it is not done.
 */
static void
render_slice(int in_scrape)
{
	uint64_t	 t0 = now_ms();
	size_t		 rows = 0;
	int		 done = 0;

	if (mi.refresh && (!in_scrape || (mi.lines.valid &&
	    mi.render_rows <= INV_SLICE_ROWS))) {
		mi.refresh = 0;
		inv_refresh();
		mi.epoch = inv_cache_epoch();
		inv_cursor_clear(&mi.cur);
	}
	if (!mi.refresh) {
		if (mi.cur.key == NULL)
			mi.epoch = inv_cache_epoch();
		while (!done && rows < INV_SLICE_ROWS &&
		    (rows == 0 || now_ms() - t0 < INV_SLICE_MS)) {
			done = inv_cache_step(&mi.cur, INV_STEP_ROWS,
			    inv_row_cb, NULL);
			rows += INV_STEP_ROWS;
		}
	}
	mi.cost += now_ms() - t0;
	if (done)
		render_finish();
	else
		event_active(mi.ev, EV_TIMEOUT, 1);
}

static void
render_slice_cb(evutil_socket_t fd, short what, void *arg)
{
	if (mi.active)
		render_slice(0);
}

int
metrics_inv_update(void)
{
	int	 refresh = inv_refresh_due();

	if (mi.ev == NULL) {
		mi.ev = event_new(acmd.base, -1, 0, render_slice_cb, NULL);
		if (mi.ev == NULL)
			fatalx("metrics: cannot make an event");
		event_priority_set(mi.ev,
		    event_base_get_npriorities(acmd.base) - 1);
	}
	if (!mi.active && (refresh || render_due()))
		render_start(refresh);
	if (mi.active)
		render_slice(1);
	return (mi.active || inv_cache_stale() ||
	    mi.lines.gen != inv_cache_epoch());
}

int
metrics_inv_ready(void)
{
	return (mi.lines.valid);
}

void
metrics_inv_on_ready(void (*fn)(void))
{
	mi.ready = fn;
}

void
metrics_inv_counts(struct mtext *t)
{
	if (mi.counts.b != NULL)
		mtext_add(t, mi.counts.b->p, mi.counts.b->len);
}

void
metrics_inv_lines(struct evbuffer *out)
{
	part_send(out, &mi.lines);
}

void
metrics_inv_free(void)
{
	part_free(&mi.lines);
	part_free(&mi.counts);
	mtext_free(&mi.text);
	json_decref(mi.by);
	mi.by = NULL;
	inv_cursor_clear(&mi.cur);
	if (mi.ev != NULL)
		event_free(mi.ev);
	mi.ev = NULL;
	mi.active = 0;
}

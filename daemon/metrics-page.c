/*
 * The metrics page (Prometheus text exposition format 0.0.4) and the
 * health check.  The page is built from what acmd keeps anyway: the AWS
 * counters (metrics.c), the scheduler's jobs, the store's usage and the
 * acm list cache of the inventory (inventory-list.c).  What comes from
 * records (certificate lines, deployments, requests, repository) is
 * rendered once and kept until the store generation it came from moves,
 * so a scrape costs a copy of text, not a scan of the store.
 *
 * The inventory's cache is rebuilt for the page when the inventory
 * changed, but not while a discovery runs (the inventory moves all the
 * time then, and acmd rebuilds the cache itself when it ends) unless the
 * page never had it, and at most every METRICS_INV_REFRESH_MS and never
 * more often than 20 times its last rebuild took (5% of the loop at
 * most); between, the page shows the rows as they were, and says so
 * (acmd_inventory_stale).  Where the cache follows a discovery batch by
 * batch, the lines are rendered again at most as often (inv_render).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "acmd.h"
#include "aws/aws.h"
#include "certs.h"
#include "conf.h"
#include "deployments.h"
#include "inventory.h"
#include "jobs/sched.h"
#include "log.h"
#include "metrics.h"
#include "rec.h"
#include "requests.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define METRICS_INV_REFRESH_MS	30000
/* A write refused for room this recently makes acmd unhealthy. */
#define METRICS_FULL_WINDOW	300
/* A job whose run is this late makes acmd unhealthy. */
#define METRICS_JOB_LATE	300

#define NOT_AFTER	"acmd_certificate_not_after_timestamp_seconds"

/*
 * A part of the page kept until what it came from moves.  Its text goes
 * out by reference (a 100,000-certificate page is 28 MB): counted, so a
 * part rendered again while an earlier page is still being sent is freed
 * once that page has gone.
 */
struct blob {
	char		*p;
	size_t		 len;
	unsigned	 refs;
};

struct part {
	struct blob	*b;
	uint64_t	 gen;
	int		 valid;
};

static void
blob_unref(struct blob *b)
{
	if (b == NULL || --b->refs > 0)
		return;
	free(b->p);
	free(b);
}

static void
blob_sent_cb(const void *data, size_t len, void *arg)
{
	blob_unref(arg);
}

/* The part's text from t (taken over). */
static void
part_set(struct part *p, struct mtext *t, uint64_t gen)
{
	blob_unref(p->b);
	p->b = xcalloc(1, sizeof *p->b);
	p->b->p = t->p;
	p->b->len = t->len;
	p->b->refs = 1;
	t->p = NULL;
	t->len = t->cap = 0;
	p->gen = gen;
	p->valid = 1;
}

/* The part's text onto out, by reference. */
static void
part_send(struct evbuffer *out, struct part *p)
{
	if (p->b == NULL || p->b->len == 0)
		return;
	p->b->refs++;
	if (evbuffer_add_reference(out, p->b->p, p->b->len, blob_sent_cb,
	    p->b) != 0)
		blob_unref(p->b);
}

static struct {
	struct part	 inv;		/* inventory not_after lines */
	struct part	 inv_counts;	/* acmd_inventory_certificates */
	struct part	 repo;		/* repository not_after lines */
	struct part	 deploy;
	struct part	 req;
	uint64_t	 inv_updated;	/* monotonic ms of our last rebuild */
	uint64_t	 inv_cost;	/* ms it took */
	int		 inv_tried;
	uint64_t	 rendered;	/* monotonic ms of the last lines */
	uint64_t	 render_cost;	/* ms they took */
} page;

static void
part_free(struct part *p)
{
	blob_unref(p->b);
	p->b = NULL;
	p->valid = 0;
}

void
metrics_page_free(void)
{
	part_free(&page.inv);
	part_free(&page.inv_counts);
	part_free(&page.repo);
	part_free(&page.deploy);
	part_free(&page.req);
}

/* The account of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:...). */
static const char *
arn_account(const char *arn, char *buf, size_t size)
{
	const char	*p = arn;
	size_t		 i, len;

	if (arn == NULL)
		return (NULL);
	for (i = 0; i < 4; i++) {
		if ((p = strchr(p, ':')) == NULL)
			return (NULL);
		p++;
	}
	len = strcspn(p, ":");
	if (len == 0 || len >= size)
		return (NULL);
	memcpy(buf, p, len);
	buf[len] = '\0';
	return (buf);
}

/* Counts by a label's value: made with every known value at 0. */
static json_t *
counts_new(const char *const *keys)
{
	json_t	*counts = json_object();
	size_t	 i;

	for (i = 0; keys != NULL && keys[i] != NULL; i++)
		json_object_set_new(counts, keys[i], json_integer(0));
	return (counts);
}

static void
count_one(json_t *counts, const char *key)
{
	json_t	*n = json_object_get(counts, key);

	json_object_set_new(counts, key, json_integer(n == NULL ? 1 :
	    json_integer_value(n) + 1));
}

/* A family of counts by label; counts is freed. */
static void
counts_render(struct mtext *t, const char *name, const char *help,
    const char *label, json_t *counts)
{
	const char	*key;
	json_t		*n;

	metrics_family(t, name, "gauge", help);
	json_object_foreach(counts, key, n)
		metrics_sample(t, name, (const char *const []){ label, key,
		    NULL }, (double)json_integer_value(n));
	json_decref(counts);
}

/* Rows of a listing, or none (logged) when it failed. */
static json_t *
rows_or_none(json_t *rows, const char *what, char **cause)
{
	if (rows != NULL)
		return (rows);
	log_warnx("metrics: %s: %s", what, *cause);
	free(*cause);
	*cause = NULL;
	return (json_array());
}

/* Inventory. */

struct inv_render {
	struct mtext	*text;
	json_t		*counts;	/* "source\037region\037type\037status" */
};

static void
inv_row_cb(const struct inv_row *r, void *arg)
{
	struct inv_render	*ir = arg;
	const char		*source = r->region == NULL ? "iam" : "acm";
	const char		*region = r->region == NULL ? "global" :
				    r->region;
	char			 acct[64], *key;

	if (r->gone)
		return;
	xasprintf(&key, "%s\037%s\037%s\037%s", source, region,
	    r->type ? r->type : "", r->status ? r->status : "");
	count_one(ir->counts, key);
	free(key);
	if (!r->has_not_after)
		return;
	metrics_sample(ir->text, NOT_AFTER, (const char *const []){
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

/* The cache as it stands, rebuilt when stale and not rebuilt lately. */
static int
inv_refresh(void)
{
	uint64_t	 t0 = now_ms(), wait;
	char		*cause = NULL;
	struct job	*disc = sched_find("discovery");

	if (!inv_cache_stale())
		return (0);
	/* acmd rebuilds it itself once a discovery ends (inv_warm). */
	if (page.inv_tried && disc != NULL && job_running(disc))
		return (1);
	wait = page.inv_cost * 20 > METRICS_INV_REFRESH_MS ?
	    page.inv_cost * 20 : METRICS_INV_REFRESH_MS;
	if (page.inv_tried && t0 - page.inv_updated < wait)
		return (1);
	page.inv_tried = 1;
	if (inv_cache_update(&cause) != 0) {
		log_warnx("metrics: inventory: %s", cause);
		free(cause);
	}
	page.inv_updated = now_ms();
	page.inv_cost = page.inv_updated - t0;
	log_debug("metrics: inventory cache rebuilt in %llu ms",
	    (unsigned long long)page.inv_cost);
	return (inv_cache_stale());
}

/*
 * The certificate lines, rendered again when the cache moved; while a
 * discovery runs (the cache moves with every batch it writes) at most
 * every METRICS_INV_REFRESH_MS and 20 times what the last render took.
 */
static void
inv_render(void)
{
	struct inv_render	 ir;
	struct mtext		 lines = { 0 }, counts = { 0 };
	uint64_t		 epoch = inv_cache_epoch(), t0 = now_ms(), wait;
	struct job		*disc = sched_find("discovery");

	if (page.inv.valid && page.inv.gen == epoch)
		return;
	wait = page.render_cost * 20 > METRICS_INV_REFRESH_MS ?
	    page.render_cost * 20 : METRICS_INV_REFRESH_MS;
	if (page.inv.valid && disc != NULL && job_running(disc) &&
	    t0 - page.rendered < wait)
		return;
	ir.text = &lines;
	ir.counts = json_object();
	inv_cache_foreach(inv_row_cb, &ir);
	inv_counts_render(&counts, ir.counts);
	json_decref(ir.counts);
	part_set(&page.inv, &lines, epoch);
	part_set(&page.inv_counts, &counts, epoch);
	page.rendered = now_ms();
	page.render_cost = page.rendered - t0;
}

/* Records: repository, deployments, requests. */

static void
repo_render(struct mtext *t)
{
	json_t		*rows, *row;
	char		*cause = NULL;
	size_t		 i;

	rows = rows_or_none(certs_list(&cause), "repository", &cause);
	json_array_foreach(rows, i, row) {
		if (rec_int(row, "not_after") == 0)
			continue;
		metrics_sample(t, NOT_AFTER, (const char *const []){
		    "source", "repository", "name", rec_str(row, "name"),
		    "domain", rec_str(row, "domain"), NULL },
		    (double)rec_int(row, "not_after"));
	}
	json_decref(rows);
}

static const char *const dep_states[] = { DEP_S_IN_SYNC, DEP_S_MISMATCH,
    DEP_S_MISSING, DEP_S_FAILED, DEP_S_OUTDATED, DEP_S_PENDING,
    DEP_S_DEPLOYING, NULL };

static void
deploy_render(struct mtext *t)
{
	json_t		*rows, *row, *counts = counts_new(dep_states);
	const char	*state;
	char		*cause = NULL;
	size_t		 i;

	rows = rows_or_none(deployments_rows(NULL, 0, &cause), "deployments",
	    &cause);
	metrics_family(t, "acmd_deployment_state", "gauge",
	    "A deployment of a repository certificate into ACM, 1 in the "
	    "label of its state.");
	json_array_foreach(rows, i, row) {
		if ((state = rec_str(row, DEP_STATE)) == NULL)
			continue;
		count_one(counts, state);
		metrics_sample(t, "acmd_deployment_state", (const char *const []){
		    "name", rec_str(row, DEP_NAME), "account", rec_str(row,
		    DEP_ACCOUNT), "region", rec_str(row, DEP_REGION), "arn",
		    rec_str(row, DEP_ARN), "state", state, NULL }, 1);
	}
	counts_render(t, "acmd_deployments", "Deployments by state.", "state",
	    counts);
	json_decref(rows);
}

static const char *const req_statuses[] = { "Requesting",
    "Pending Validation", "Deploy Challenge", "Sync Records", "Issued",
    "Failed", "Validation Timed Out", NULL };

static void
req_render(struct mtext *t)
{
	json_t		*rows, *row, *counts = counts_new(req_statuses);
	char		*cause = NULL;
	size_t		 i;

	rows = rows_or_none(requests_list(&cause), "requests", &cause);
	json_array_foreach(rows, i, row) {
		if (rec_str(row, "status") != NULL)
			count_one(counts, rec_str(row, "status"));
	}
	counts_render(t, "acmd_requests", "Certificate requests by status.",
	    "status", counts);
	json_decref(rows);
}

/* A part rendered again when gen moved. */
static void
part_update(struct part *p, uint64_t gen, void (*render)(struct mtext *))
{
	struct mtext	 t = { 0 };

	if (p->valid && p->gen == gen)
		return;
	render(&t);
	part_set(p, &t, gen);
}

/* Jobs. */

/* Families whose samples come from a visit of kept records. */
struct family {
	const char	*name;
	const char	*type;
	const char	*help;
};

struct family_pass {
	struct mtext		*t;
	const struct family	*f;
	size_t			 which;
};

/* Each family's HELP and TYPE, then visit's samples of it. */
static void
families_render(struct mtext *t, const struct family *f, size_t n,
    void (*visit)(struct family_pass *))
{
	struct family_pass	 p = { t, f, 0 };

	for (p.which = 0; p.which < n; p.which++) {
		metrics_family(t, f[p.which].name, f[p.which].type,
		    f[p.which].help);
		visit(&p);
	}
}

/* The jobs' families (NJOBF), then the AWS calls' (NAWSF). */
static const struct family families[] = {
	{ "acmd_job_running", "gauge", "1 while the job runs." },
	{ "acmd_job_last_progress_timestamp_seconds", "gauge",
	  "When the job last moved a step forward, or started (0: never)." },
	{ "acmd_job_interval_seconds", "gauge",
	  "How often the job runs (0: on demand only)." },
	{ "acmd_job_last_start_timestamp_seconds", "gauge",
	  "When the job last started (0: never)." },
	{ "acmd_job_last_success_timestamp_seconds", "gauge",
	  "When a run of the job last ended well (0: never)." },
	{ "acmd_job_last_duration_seconds", "gauge",
	  "How long the last ended run of the job took." },
	{ "acmd_job_last_run_ok", "gauge",
	  "1 when the last ended run of the job succeeded." },
	{ "acmd_job_runs_total", "counter", "Runs of the job that ended." },
	{ "acmd_job_failures_total", "counter",
	  "Runs of the job that ended in failure." },
	{ "acmd_aws_calls_total", "counter",
	  "AWS calls that ended (after their retries)." },
	{ "acmd_aws_errors_total", "counter",
	  "AWS calls that ended in an error." },
	{ "acmd_aws_throttled_total", "counter",
	  "Throttling answers from AWS (each attempt)." },
	{ "acmd_aws_retries_total", "counter", "Attempts made again." },
	{ "acmd_aws_ratelimit_waits_total", "counter",
	  "Calls that waited for acmd's own rate limiter." },
	{ "acmd_aws_ratelimit_wait_seconds_total", "counter",
	  "Time calls waited for acmd's own rate limiter." },
	{ "acmd_aws_call_seconds_total", "counter",
	  "Time from the start of calls to their end, retries included." },
};
#define NJOBF	9
#define NAWSF	(sizeof families / sizeof families[0] - NJOBF)

static void
job_cb(const struct job_view *v, void *arg)
{
	struct family_pass	*jp = arg;
	/* In the order of the jobs' families. */
	const double		 val[] = { v->running,
				    (double)v->last_progress,
				    (double)v->interval,
				    (double)v->last_run,
				    (double)v->last_success,
				    (double)v->last_duration_ms / 1000.0,
				    v->runs > 0 && v->last_ok, (double)v->runs,
				    (double)v->failures };

	metrics_sample(jp->t, jp->f[jp->which].name,
	    (const char *const []){ "name", v->name, NULL }, val[jp->which]);
}

static void
jobs_visit(struct family_pass *p)
{
	sched_foreach(job_cb, p);
}

/* AWS. */

static void
aws_sample_cb(const struct metrics_aws *m, void *arg)
{
	struct family_pass	*jp = arg;
	/* In the order of the AWS families. */
	const double		 v[] = { m->calls, m->errors, m->throttled,
				    m->retries, m->waits, m->wait_ms / 1000.0,
				    m->call_ms / 1000.0 };

	metrics_sample(jp->t, jp->f[jp->which].name,
	    (const char *const []){ "service", m->service, "operation",
	    m->operation, "region", m->region, NULL }, v[jp->which]);
}

static void
aws_visit(struct family_pass *p)
{
	metrics_aws_foreach(aws_sample_cb, p);
}

static void
aws_render(struct mtext *t)
{
	families_render(t, families + NJOBF, NAWSF, aws_visit);
	metrics_family(t, "acmd_aws_in_flight", "gauge",
	    "HTTP transfers to AWS in flight.");
	metrics_sample(t, "acmd_aws_in_flight", NULL,
	    (double)aws_get_stats()->in_flight);
}

/* The process, the store and the clients. */

static double
resident_bytes(void)
{
	FILE			*f;
	unsigned long long	 size, rss;
	int			 ok;

	if ((f = fopen("/proc/self/statm", "re")) == NULL)
		return (0);
	ok = fscanf(f, "%llu %llu", &size, &rss) == 2;
	fclose(f);
	return (ok ? (double)rss * (double)getpagesize() : 0);
}

static void
simple(struct mtext *t, const char *name, const char *type, const char *help,
    double v)
{
	metrics_family(t, name, type, help);
	metrics_sample(t, name, NULL, v);
}

static void
process_render(struct mtext *t, size_t conns)
{
	uint64_t	 used = 0, size = 0, refused;
	time_t		 full;
	char		*cause = NULL;

	metrics_family(t, "acmd_build_info", "gauge",
	    "acmd's version, 1 in its label.");
	metrics_sample(t, "acmd_build_info", (const char *const []){
	    "version", PACKAGE_VERSION, NULL }, 1);
	simple(t, "process_start_time_seconds", "gauge",
	    "When acmd started, seconds since the epoch.",
	    (double)acmd.started);
	simple(t, "process_resident_memory_bytes", "gauge",
	    "acmd's resident memory.", resident_bytes());
	simple(t, "acmd_clients", "gauge",
	    "Clients connected to the control socket.", (double)acmd.clients);
	simple(t, "acmd_metrics_connections", "gauge",
	    "Connections open to this metrics listener.", (double)conns);
	if (store_usage(acmd.store, &used, &size, &cause) != 0) {
		log_warnx("metrics: %s", cause);
		free(cause);
	}
	simple(t, "acmd_store_used_bytes", "gauge",
	    "Bytes of the store's map in use.", (double)used);
	simple(t, "acmd_store_size_bytes", "gauge",
	    "The store's map size (store_size).", (double)size);
	full = store_full_at(acmd.store, &refused);
	simple(t, "acmd_store_full_refusals_total", "counter",
	    "Writes refused because the store was full.", (double)refused);
	simple(t, "acmd_store_last_full_timestamp_seconds", "gauge",
	    "When a write was last refused because the store was full "
	    "(0: never).", (double)full);
}

/* The page, its parts in order: what moves copied, the rest by reference. */
void
metrics_page(struct evbuffer *out, size_t conns)
{
	struct mtext	 t = { 0 };
	int		 stale;

	stale = inv_refresh();
	inv_render();
	stale = stale || page.inv.gen != inv_cache_epoch();
	part_update(&page.repo, store_generation(acmd.store, DB_CERTS),
	    repo_render);
	part_update(&page.deploy, store_generation(acmd.store,
	    DB_DEPLOYMENTS) + store_generation(acmd.store, DB_CERTS),
	    deploy_render);
	part_update(&page.req, store_generation(acmd.store, DB_REQUESTS),
	    req_render);

	process_render(&t, conns);
	families_render(&t, families, NJOBF, jobs_visit);
	aws_render(&t);
	simple(&t, "acmd_inventory_stale", "gauge", "1 when the inventory has "
	    "changed since the rows on this page (not rebuilt for the page "
	    "while a discovery runs).", stale);
	if (page.inv_counts.b != NULL)
		mtext_add(&t, page.inv_counts.b->p, page.inv_counts.b->len);
	metrics_family(&t, NOT_AFTER, "gauge", "When a certificate expires "
	    "(notAfter), seconds since the epoch: every certificate in the "
	    "inventory (source acm or iam) and the current version of every "
	    "repository certificate (source repository).");
	evbuffer_add(out, t.p, t.len);
	mtext_free(&t);
	part_send(out, &page.inv);
	part_send(out, &page.repo);
	part_send(out, &page.deploy);
	part_send(out, &page.req);
}

/*
 * A job is stuck when it has run for stuck_after without a step forward
 * (sched.h: job_progress); a job that is not running is late when its
 * timer has not fired 5 minutes after it was due (the scheduler is not
 * ticking), or not scheduled at all.
 */
static void
health_job_cb(const struct job_view *v, void *arg)
{
	struct mtext	*why = arg;
	time_t		 now = time(NULL);
	uint64_t	 bound = acmd.conf->metrics_stuck_after;

	if (v->running) {
		if (v->still_ms / 1000 >= bound)
			mtext_printf(why, "job %s: stuck: running for %llu s, "
			    "no step forward for %llu s (stuck_after %llu s)\n",
			    v->name, (unsigned long long)(v->running_ms / 1000),
			    (unsigned long long)(v->still_ms / 1000),
			    (unsigned long long)bound);
		return;
	}
	if (v->interval == 0)
		return;
	if (v->next_run == 0)
		mtext_printf(why, "job %s: not scheduled\n", v->name);
	else if (now > v->next_run + METRICS_JOB_LATE)
		mtext_printf(why, "job %s: %lld s late\n", v->name,
		    (long long)(now - v->next_run));
}

int
metrics_health(struct mtext *t)
{
	struct mtext	 why = { 0 };
	uint64_t	 used, size, refused;
	time_t		 full, now = time(NULL);
	char		*cause = NULL;
	int		 code;

	if (acmd.store == NULL)
		mtext_printf(&why, "store: not open\n");
	else if (store_usage(acmd.store, &used, &size, &cause) != 0) {
		mtext_printf(&why, "%s\n", cause);
		free(cause);
	} else if ((full = store_full_at(acmd.store, &refused)) != 0 &&
	    now - full < METRICS_FULL_WINDOW)
		mtext_printf(&why, "store: full: a write was refused for "
		    "lack of room %lld s ago (%llu MiB of %llu MiB used; raise "
		    "store_size and restart acmd)\n", (long long)(now - full),
		    (unsigned long long)(used >> 20),
		    (unsigned long long)(size >> 20));
	sched_foreach(health_job_cb, &why);
	if (why.len == 0) {
		mtext_printf(t, "ok\n");
		code = 200;
	} else {
		mtext_printf(t, "unhealthy\n");
		mtext_add(t, why.p, why.len);
		code = 503;
	}
	mtext_free(&why);
	return (code);
}

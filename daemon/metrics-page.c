/*
 * The metrics page (Prometheus text exposition format 0.0.4) and the
 * health check.  The page is built from what acmd keeps anyway: the AWS
 * counters (metrics.c), the scheduler's jobs, the store's usage and the
 * acm list cache of the inventory (metrics-inv.c, rendered in slices).
 * What comes from records (deployments, requests, repository) is
 * rendered once and kept until the store generation it came from moves,
 * so a scrape costs a copy of text, not a scan of the store.
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
#include "metrics-int.h"
#include "rec.h"
#include "requests.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* A write refused for room this recently makes acmd unhealthy. */
#define METRICS_FULL_WINDOW	300
/* A job whose run is this late makes acmd unhealthy. */
#define METRICS_JOB_LATE	300

static struct {
	struct part	 repo;		/* repository not_after lines */
	struct part	 deploy;
	struct part	 req;
} page;

void
metrics_page_free(void)
{
	metrics_inv_free();
	part_free(&page.repo);
	part_free(&page.deploy);
	part_free(&page.req);
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
		metrics_sample(t, METRICS_NOT_AFTER, (const char *const []){
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

/*
 * The page, its parts in order: what moves copied, the rest by reference;
 * -1 when there is no inventory part yet (the first page: it is being
 * rendered; metrics_page_on_ready says when).
 */
int
metrics_page(struct evbuffer *out, size_t conns)
{
	struct mtext	 t = { 0 };
	int		 stale;

	stale = metrics_inv_update();
	if (!metrics_inv_ready())
		return (-1);
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
	    "changed since the rows on this page (a newer rendering is in "
	    "progress, or none is made while a discovery runs).", stale);
	metrics_inv_counts(&t);
	metrics_family(&t, METRICS_NOT_AFTER, "gauge", "When a certificate "
	    "expires (notAfter), seconds since the epoch: every certificate in "
	    "the inventory (source acm or iam) and the current version of every "
	    "repository certificate (source repository).");
	evbuffer_add(out, t.p, t.len);
	mtext_free(&t);
	metrics_inv_lines(out);
	part_send(out, &page.repo);
	part_send(out, &page.deploy);
	part_send(out, &page.req);
	return (0);
}

void
metrics_page_on_ready(void (*fn)(void))
{
	metrics_inv_on_ready(fn);
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

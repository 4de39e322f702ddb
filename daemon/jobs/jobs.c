#include "deploy.h"
#include "inventory.h"
#include "jobs/discovery.h"
#include "jobs/expiry.h"
#include "jobs/jobs.h"
#include "jobs/sched.h"
#include "jobs/watch.h"
#include "mismatch.h"
#include "op.h"

/* After every discovery: deployments against ACM, then expiry. */
static void
jobs_after_discovery(void)
{
	struct job	*expiry;

	mismatch_check(OP_NONE, NULL);
	if ((expiry = sched_find("expiry")) != NULL && !job_running(expiry))
		sched_run_now(expiry);
}

void
jobs_init(void)
{
	expiry_init();
	discovery_init();
	discovery_set_done_hook(jobs_after_discovery);
	deploy_init();
	redeploy_job_init();
	mismatch_job_init();
	requests_job_init();
	renewals_job_init();
	backup_job_init();
	watch_init();
	/* acm list's cache, built once and then kept by discovery. */
	inv_warm();
}

void
jobs_configure(void)
{
	discovery_configure();
	mismatch_job_configure();
	backup_job_configure();
	watch_configure();
}

void
jobs_shutdown(void)
{
	expiry_shutdown();
}

void
jobs_free(void)
{
	watch_free();
	expiry_free();
	sched_free_all();
}

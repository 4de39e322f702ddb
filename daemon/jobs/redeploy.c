/*
 * The redeploy job: soon after start, then every 30 s, deployments that
 * are due go again: in flight when acmd stopped (their intent is on
 * disk), and auto-redeploy ones that failed once their back-off is over.
 */
#include "deploy.h"
#include "jobs/jobs.h"
#include "jobs/sched.h"

#define REDEPLOY_INTERVAL	30
#define REDEPLOY_FIRST		2

static void
redeploy_job_fn(struct job *j, void *arg)
{
	deploy_resume();
	job_done(j, 1, NULL);
}

void
redeploy_job_init(void)
{
	sched_add("redeploy", REDEPLOY_INTERVAL, REDEPLOY_FIRST,
	    redeploy_job_fn, NULL);
}

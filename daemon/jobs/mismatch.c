/*
 * The mismatch job: every mismatch_interval, every deployment against what
 * ACM holds (mismatch.c).
 */
#include "acmd.h"
#include "conf.h"
#include "jobs/jobs.h"
#include "jobs/sched.h"
#include "mismatch.h"

static struct job	*mismatch_job;

static void
mismatch_job_fn(struct job *j, void *arg)
{
	mismatch_check(OP_NONE, j);
}

void
mismatch_job_init(void)
{
	mismatch_job = sched_add(MISMATCH_JOB, acmd.conf->mismatch_interval,
	    acmd.conf->mismatch_interval, mismatch_job_fn, NULL);
}

void
mismatch_job_configure(void)
{
	if (mismatch_job != NULL)
		sched_set_interval(mismatch_job, acmd.conf->mismatch_interval);
}

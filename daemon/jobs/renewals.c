/*
 * The renewals job: soon after start, then every 15 s, renewals whose
 * intent is due (in flight at a crash, or backing off) are resumed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "jobs/jobs.h"
#include "jobs/sched.h"
#include "log.h"
#include "renew.h"

#define RENEWALS_INTERVAL	15

static void
renewals_job_fn(struct job *j, void *arg)
{
	size_t	 pending, failed, resumed;
	char	*cause = NULL, result[64];

	if (renew_resume_due(0, &pending, &failed, &resumed, &cause) != 0) {
		log_warnx("renewals: %s", cause);
		free(cause);
		job_done(j, 0, "store error");
		return;
	}
	snprintf(result, sizeof result, "%zu pending, %zu failed", pending,
	    failed);
	job_done(j, 1, result);
}

void
renewals_job_init(void)
{
	sched_add("renewals", RENEWALS_INTERVAL, 1, renewals_job_fn, NULL);
}

/*
 * The requests job: every 5 s, requests whose next poll has come are
 * asked about (and those a crash left before RequestCertificate answered
 * are sent again with their stored token), and issued --with-key
 * requests whose key export is due get it.
 */
#include <stdlib.h>

#include "jobs/jobs.h"
#include "jobs/sched.h"
#include "log.h"
#include "request-poll.h"
#include "requests.h"

static void
requests_job_fn(struct job *j, void *arg)
{
	char	*cause = NULL;
	size_t	 keys;

	if (requests_poll_due(0, &keys, &cause) != 0) {
		log_warnx("requests: %s", cause);
		free(cause);
		job_done(j, 0, "store error");
		return;
	}
	job_done(j, 1, NULL);
}

void
requests_job_init(void)
{
	sched_add("requests", REQ_POLL_MIN, 1, requests_job_fn, NULL);
}

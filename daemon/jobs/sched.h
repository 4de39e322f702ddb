/*
 * The scheduler: named jobs run every interval on the event loop, and on
 * demand.  A job's function starts the work and calls job_done() when it
 * ends, now or later; a job never runs twice at once.
 */
#ifndef ACMD_SCHED_H
#define ACMD_SCHED_H

#include <stdint.h>

struct job;
struct mp_buf;

typedef void (*job_fn)(struct job *, void *);

/* interval 0: only on demand.  first: seconds until the first run. */
struct job	*sched_add(const char *, uint64_t, uint64_t, job_fn, void *);
void		 sched_set_interval(struct job *, uint64_t);
struct job	*sched_find(const char *);
/* -1 when it is running already. */
int		 sched_run_now(struct job *);
int		 job_running(const struct job *);
/*
 * Work the job does started another way (on demand): it counts as a run
 * of the job, which the caller ends with job_done.  -1 when running.
 */
int		 sched_job_begin(struct job *);
void		 job_done(struct job *, int, const char *);
const char	*job_name(const struct job *);
/* An array of maps: name, state, interval, last_run, next_run, result. */
void		 sched_pack(struct mp_buf *);
void		 sched_free_all(void);

#endif

/*
 * The scheduler: named jobs run every interval on the event loop, and on
 * demand.  A job's function starts the work and calls job_done() when it
 * ends, now or later; a job never runs twice at once.
 */
#ifndef ACMD_SCHED_H
#define ACMD_SCHED_H

#include <stdint.h>
#include <time.h>

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
/*
 * Work outside the jobs touched the store or the heap (a rebuild of acm
 * list's cache): give them back shortly, as after a job, once none runs.
 */
void		 sched_idle_soon(void);
/*
 * fn runs at each give-back, before the heap is trimmed: memory laid out
 * again when it does not hold up a client (registered once, at most 4).
 */
void		 sched_on_idle(void (*)(void));
/*
 * The running job moved a step (a page listed, a certificate described, a
 * deployment checked): a run that goes on moving is not stuck, however
 * long it takes (metrics_health).  A job that never says so is judged by
 * its start.
 */
void		 job_progress(struct job *);
const char	*job_name(const struct job *);
/* An array of maps: name, state, interval, last_run, next_run, result. */
void		 sched_pack(struct mp_buf *);
/* What the metrics page shows of each job (metrics-page.c). */
struct job_view {
	const char	*name;
	uint64_t	 interval;
	int		 running;
	time_t		 last_run;	/* started; 0: never */
	uint64_t	 running_ms;	/* running: since it started */
	uint64_t	 still_ms;	/* running: since its last step */
	time_t		 last_progress;	/* its start or its last step */
	time_t		 last_end;
	time_t		 next_run;	/* 0: not scheduled */
	time_t		 last_success;	/* 0: never */
	int		 last_ok;
	uint64_t	 last_duration_ms;
	uint64_t	 runs;		/* ended */
	uint64_t	 failures;
};
void		 sched_foreach(void (*)(const struct job_view *, void *),
		     void *);
void		 sched_free_all(void);

#endif

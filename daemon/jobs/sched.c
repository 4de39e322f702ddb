#include <sys/queue.h>

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "acmd.h"
#include "log.h"
#include "mp.h"
#include "sched.h"
#include "sd.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

struct job {
	char			*name;
	uint64_t		 interval;
	job_fn			 fn;
	void			*arg;
	struct event		*ev;
	int			 running;
	time_t			 last_run;
	time_t			 last_end;
	time_t			 next_run;
	int			 last_ok;
	time_t			 last_success;
	uint64_t		 started_ms;	/* monotonic, of the last run */
	uint64_t		 progress_ms;	/* monotonic, of its last step */
	time_t			 last_progress;
	uint64_t		 last_duration_ms;
	uint64_t		 runs;
	uint64_t		 failures;
	char			*last_result;
	TAILQ_ENTRY(job)	 entry;
};

static TAILQ_HEAD(, job)	 jobs = TAILQ_HEAD_INITIALIZER(jobs);

static void
job_arm(struct job *j, uint64_t secs)
{
	struct timeval	 tv = { (time_t)secs, 0 };

	evtimer_del(j->ev);
	if (secs == 0 && j->interval == 0) {
		j->next_run = 0;
		return;
	}
	j->next_run = time(NULL) + (time_t)secs;
	evtimer_add(j->ev, &tv);
}

static void
job_mark_running(struct job *j, const char *how)
{
	j->running = 1;
	j->last_run = time(NULL);
	j->started_ms = j->progress_ms = now_ms();
	j->last_progress = j->last_run;
	log_debug("job %s: %s", j->name, how);
	sdx_status("%s running", j->name);
}

static void
job_start(struct job *j)
{
	job_mark_running(j, "starting");
	j->fn(j, j->arg);
}

static void
job_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct job	*j = arg;

	j->next_run = 0;
	if (j->running) {
		/* Still busy from last time: try again one interval on. */
		if (j->interval > 0)
			job_arm(j, j->interval);
		return;
	}
	job_start(j);
}

struct job *
sched_add(const char *name, uint64_t interval, uint64_t first, job_fn fn,
    void *arg)
{
	struct job	*j;

	j = xcalloc(1, sizeof *j);
	j->name = xstrdup(name);
	j->interval = interval;
	j->fn = fn;
	j->arg = arg;
	j->ev = evtimer_new(acmd.base, job_timer_cb, j);
	TAILQ_INSERT_TAIL(&jobs, j, entry);
	if (interval > 0)
		job_arm(j, first);
	return (j);
}

void
sched_set_interval(struct job *j, uint64_t interval)
{
	if (j->interval == interval)
		return;
	j->interval = interval;
	if (j->running)
		return;
	if (interval == 0)
		evtimer_del(j->ev), j->next_run = 0;
	else
		job_arm(j, interval);
}

struct job *
sched_find(const char *name)
{
	struct job	*j;

	TAILQ_FOREACH(j, &jobs, entry) {
		if (strcmp(j->name, name) == 0)
			return (j);
	}
	return (NULL);
}

int
sched_run_now(struct job *j)
{
	if (j->running)
		return (-1);
	evtimer_del(j->ev);
	j->next_run = 0;
	job_start(j);
	return (0);
}

int
sched_job_begin(struct job *j)
{
	if (j->running)
		return (-1);
	evtimer_del(j->ev);
	j->next_run = 0;
	job_mark_running(j, "started on demand");
	return (0);
}

void
job_progress(struct job *j)
{
	if (!j->running)
		return;
	j->progress_ms = now_ms();
	j->last_progress = time(NULL);
}

int
job_running(const struct job *j)
{
	return (j->running);
}

const char *
job_name(const struct job *j)
{
	return (j->name);
}

/*
 * Once no job runs, what they used goes back: freed heap to the system
 * and the store's pages read (the inventory lives in the store, which
 * the kernel keeps in its page cache, not in acmd).
 *
 * malloc_trim walks every free chunk of the heap and gives their pages
 * back one madvise at a time: 0.2-1 s after a large discovery, during
 * which the loop answers nobody.  So it waits until no request came nor
 * answer went for SCHED_QUIET_MS (a script's list right after its
 * discover is not held up behind it), but not past SCHED_TRIM_LATEST_MS
 * (clients that never pause do not keep the memory from going back).
 */
#define SCHED_QUIET_MS		1000
#define SCHED_TRIM_LATEST_MS	10000

static void	sched_idle_cb(evutil_socket_t, short, void *);

/* One give-back pending at a time, however many ask (a status loop). */
static struct event	*idle_ev;
static uint64_t		 idle_latest;	/* 0: none pending */
#define SCHED_IDLE_HOOKS	4
static void		(*idle_hooks[SCHED_IDLE_HOOKS])(void);

static void
sched_idle_arm(uint64_t ms)
{
	struct timeval	 tv = { (time_t)(ms / 1000),
			    (suseconds_t)(ms % 1000) * 1000 };

	if (idle_ev == NULL)
		idle_ev = evtimer_new(acmd.base, sched_idle_cb, NULL);
	evtimer_add(idle_ev, &tv);
}

static void
sched_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct job	*j;
	uint64_t	 now = now_ms(), quiet = now - acmd.last_client_ms;
	size_t		 i;

	TAILQ_FOREACH(j, &jobs, entry) {
		if (j->running) {
			/* Its job_done asks again. */
			idle_latest = 0;
			return;
		}
	}
	if (acmd.last_client_ms != 0 && quiet < SCHED_QUIET_MS &&
	    now < idle_latest) {
		sched_idle_arm(SCHED_QUIET_MS - quiet);
		return;
	}
	idle_latest = 0;
	for (i = 0; i < SCHED_IDLE_HOOKS && idle_hooks[i] != NULL; i++)
		idle_hooks[i]();
	store_drop_pages(acmd.store);
	malloc_trim(0);
	log_debug("jobs: none running: the store's pages and free heap given back");
}

void
job_done(struct job *j, int ok, const char *result)
{
	j->running = 0;
	j->last_end = time(NULL);
	j->last_ok = ok;
	j->last_duration_ms = now_ms() - j->started_ms;
	j->runs++;
	if (ok)
		j->last_success = j->last_end;
	else
		j->failures++;
	free(j->last_result);
	j->last_result = result != NULL ? xstrdup(result) : NULL;
	log_debug("job %s: done (%s)", j->name, result ? result : "-");
	/* STATUS= says what the daemon did last (systemctl status). */
	sdx_status("%s done: %s", j->name, result != NULL ? result :
	    (ok ? "ok" : "failed"));
	if (j->interval > 0)
		job_arm(j, j->interval);
	sched_idle_soon();
}

void
sched_on_idle(void (*fn)(void))
{
	size_t	 i;

	for (i = 0; i < SCHED_IDLE_HOOKS && idle_hooks[i] != fn; i++) {
		if (idle_hooks[i] == NULL) {
			idle_hooks[i] = fn;
			return;
		}
	}
	if (i == SCHED_IDLE_HOOKS)
		fatalx("sched: too many idle hooks");
}

void
sched_idle_soon(void)
{
	if (idle_latest != 0)
		return;
	idle_latest = now_ms() + SCHED_TRIM_LATEST_MS;
	sched_idle_arm(100);
}

void
sched_pack(struct mp_buf *b)
{
	struct job	*j;
	size_t		 n = 0;

	TAILQ_FOREACH(j, &jobs, entry)
		n++;
	mp_array(b, n);
	TAILQ_FOREACH(j, &jobs, entry) {
		mp_map(b, 7);
		mp_kstr(b, "name", j->name);
		mp_kstr(b, "state", j->running ? "running" :
		    j->interval == 0 ? "on-demand" : "idle");
		mp_kuint(b, "interval", j->interval);
		mp_kint(b, "last_run", (int64_t)j->last_run);
		mp_kint(b, "next_run", (int64_t)j->next_run);
		mp_kstr(b, "last_result", j->last_run == 0 ? "" :
		    j->running ? "running" : j->last_result != NULL ?
		    j->last_result : (j->last_ok ? "ok" : "failed"));
		mp_kbool(b, "last_ok", j->last_ok);
	}
}

void
sched_foreach(void (*fn)(const struct job_view *, void *), void *arg)
{
	struct job	*j;
	uint64_t	 now = now_ms();

	TAILQ_FOREACH(j, &jobs, entry) {
		fn(&(struct job_view){ .name = j->name,
		    .interval = j->interval, .running = j->running,
		    .last_run = j->last_run, .last_end = j->last_end,
		    .running_ms = j->running ? now - j->started_ms : 0,
		    .still_ms = j->running ? now - j->progress_ms : 0,
		    .last_progress = j->last_progress,
		    .next_run = j->next_run, .last_success = j->last_success,
		    .last_ok = j->last_ok,
		    .last_duration_ms = j->last_duration_ms, .runs = j->runs,
		    .failures = j->failures }, arg);
	}
}

void
sched_free_all(void)
{
	struct job	*j;

	while ((j = TAILQ_FIRST(&jobs)) != NULL) {
		TAILQ_REMOVE(&jobs, j, entry);
		event_free(j->ev);
		free(j->name);
		free(j->last_result);
		free(j);
	}
	if (idle_ev != NULL)
		event_free(idle_ev);
	idle_ev = NULL;
	idle_latest = 0;
}

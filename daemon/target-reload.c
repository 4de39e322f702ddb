/*
 * A target's reload command (targets.h): fork and exec without a shell,
 * in its own process group, as reload_user; its output to the journal,
 * its end seen through SIGCHLD on the event loop, killed with its group
 * when reload_timeout passes.
 */
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "acmd.h"
#include "conf.h"
#include "log.h"
#include "targets.h"
#include "util.h"
#include "xmalloc.h"

#define RELOAD_LINE_MAX		512	/* bytes of one output line logged */
#define RELOAD_LINES_MAX	64	/* lines logged of one run */
#define RELOAD_DRAIN_READS	16	/* reads of its pipe once it exited */

struct reload {
	char			*id;		/* the target */
	char			*label;		/* what it reloads for */
	pid_t			 pid;
	int			 fd;		/* its output, or -1 at EOF */
	struct event		*rd;
	struct event		*timer;
	int			 status;
	int			 exited;
	int			 timed_out;
	char			 line[RELOAD_LINE_MAX + 1];
	size_t			 linelen;
	char			*first;		/* its first line of output */
	int			 lines;
	target_reload_cb	 cb;
	void			*arg;
	LIST_ENTRY(reload)	 entry;
};

static LIST_HEAD(, reload) reloads = LIST_HEAD_INITIALIZER(reloads);
static struct event	*ev_chld;

static void
reload_free(struct reload *r)
{
	LIST_REMOVE(r, entry);
	if (r->rd != NULL)
		event_free(r->rd);
	if (r->timer != NULL)
		event_free(r->timer);
	if (r->fd != -1)
		close(r->fd);
	free(r->id);
	free(r->label);
	free(r->first);
	free(r);
}

/* Its end in the journal: ACMD_EVENT=target-reload, TARGET, RELOAD_STATUS. */
static void
reload_event(struct reload *r, const char *err)
{
	char	*msg, *f1, *f2;
	int	 st = r->status;

	if (err != NULL)
		xasprintf(&msg, "target %s: %s", r->id, err);
	else
		xasprintf(&msg, "target %s: reloaded (%s)", r->id, r->label);
	xasprintf(&f1, "TARGET=%s", r->id);
	if (r->timed_out)
		xasprintf(&f2, "RELOAD_STATUS=timeout");
	else if (WIFSIGNALED(st))
		xasprintf(&f2, "RELOAD_STATUS=signal %d", WTERMSIG(st));
	else
		xasprintf(&f2, "RELOAD_STATUS=exit %d", WEXITSTATUS(st));
	log_event(err != NULL ? LOG_WARNING : LOG_INFO, "target-reload", msg,
	    f1, f2, (char *)NULL);
	free(msg);
	free(f1);
	free(f2);
}

/* Once it exited and its output ended: whoever asked hears. */
static void
reload_finish(struct reload *r)
{
	char		*err = NULL;
	int		 st = r->status, ran = 1;

	if (!r->exited || r->fd != -1)
		return;
	if (r->timed_out)
		xasprintf(&err, "reload of target %s did not end within its "
		    "reload_timeout: killed", r->id);
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
		/* reload_child's exec failed, or a command not found. */
		ran = 0;
		xasprintf(&err, "reload of target %s: the command could not be "
		    "run (exit status 127%s%s)", r->id, r->first != NULL ?
		    ": " : "", r->first != NULL ? r->first : "");
	} else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		xasprintf(&err, "reload of target %s failed: exit status %d",
		    r->id, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		xasprintf(&err, "reload of target %s killed by signal %d",
		    r->id, WTERMSIG(st));
	reload_event(r, err);
	r->cb(r->arg, ran, err);
	free(err);
	reload_free(r);
}

static void
reload_log_line(struct reload *r)
{
	r->line[r->linelen] = '\0';
	if (r->first == NULL)
		r->first = xstrdup(r->line);
	if (r->lines++ < RELOAD_LINES_MAX)
		log_info("target %s: reload: %s", r->id, r->line);
	else if (r->lines == RELOAD_LINES_MAX + 1)
		log_info("target %s: reload: (more output not logged)", r->id);
	r->linelen = 0;
}

/*
 * Read its output: logged line by line, long lines cut, past the limit
 * discarded.  1 once it ended (the pipe is closed), else 0.  After it
 * exited, what is not there yet is not waited for.
 */
static int
reload_read(struct reload *r)
{
	char		 buf[4096];
	ssize_t		 n, i;

	if (r->fd == -1)
		return (1);
	if ((n = read(r->fd, buf, sizeof buf)) == -1 && errno == EINTR)
		return (0);
	if (n == -1 && errno == EAGAIN && !r->exited)
		return (0);
	if (n <= 0) {
		if (r->linelen > 0)
			reload_log_line(r);
		event_del(r->rd);
		close(r->fd);
		r->fd = -1;
		return (1);
	}
	for (i = 0; i < n; i++) {
		if (buf[i] == '\n')
			reload_log_line(r);
		else if (r->linelen < RELOAD_LINE_MAX)
			r->line[r->linelen++] = buf[i];
	}
	return (0);
}

static void
reload_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct reload	*r = arg;

	if (reload_read(r))
		reload_finish(r);
}

static void
reload_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct reload	*r = arg;

	if (r->exited)
		return;
	log_warnx("target %s: reload command still running after its "
	    "timeout: killing its process group %ld", r->id, (long)r->pid);
	r->timed_out = 1;
	kill(-r->pid, SIGKILL);
}

/* SIGCHLD: reap our reload commands (no one else forks in acmd). */
static void
reload_chld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct reload	*r;
	int		 st, n;

	/*
	 * From the start again after each one reaped: whoever hears of it
	 * may start another reload (a failed one's previous files are
	 * reloaded), which reaps and frees others in this same list.
	 */
again:
	LIST_FOREACH(r, &reloads, entry) {
		if (r->exited || waitpid(r->pid, &st, WNOHANG) != r->pid)
			continue;
		r->exited = 1;
		r->status = st;
		/* What it left running in its group goes too. */
		kill(-r->pid, SIGKILL);
		/*
		 * Its output so far (a bounded amount: something it left
		 * outside its group may go on writing); then the pipe closes.
		 */
		for (n = 0; n < RELOAD_DRAIN_READS && !reload_read(r); n++)
			;
		if (r->fd != -1) {
			event_del(r->rd);
			close(r->fd);
			r->fd = -1;
		}
		reload_finish(r);
		goto again;
	}
}

/* In the child: become the reload user and run the command. */
static void __attribute__((noreturn))
reload_child(const struct conf_target *t, int out)
{
	sigset_t	 all;
	int		 null;

	setsid();
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	if ((null = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(null, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(out, STDERR_FILENO) == -1)
		_exit(126);
	if (t->reload_uid != (uid_t)-1) {
		if (setgroups(0, NULL) == -1 ||
		    setgid(t->reload_gid) == -1 ||
		    setuid(t->reload_uid) == -1) {
			dprintf(STDERR_FILENO, "cannot become user %s: %s\n",
			    t->reload_user, strerror(errno));
			_exit(126);
		}
	}
	closefrom(STDERR_FILENO + 1);
	execv(t->reload_argv[0], t->reload_argv);
	dprintf(STDERR_FILENO, "%s: %s\n", t->reload_argv[0], strerror(errno));
	_exit(127);
}

/* No command, or none could start: answered from the loop. */
static void
reload_none_cb(evutil_socket_t fd, short what, void *arg)
{
	struct reload	*r = arg;
	char		*err = NULL;

	if (r->status != 0)
		xasprintf(&err, "reload of target %s: the command could not be "
		    "started", r->id);
	r->cb(r->arg, r->status == 0, err);
	free(err);
	reload_free(r);
}

void
target_reload(const struct conf_target *t, const char *label,
    target_reload_cb cb, void *arg)
{
	struct reload	*r;
	struct timeval	 tv = { 0, 0 };
	int		 p[2];

	r = xcalloc(1, sizeof *r);
	r->id = xstrdup(t->id);
	r->label = xstrdup(label);
	r->fd = -1;
	r->cb = cb;
	r->arg = arg;
	LIST_INSERT_HEAD(&reloads, r, entry);
	if (t->reload_argv == NULL) {
		/* Nothing to run: answered from the loop, as a run would be. */
		r->exited = 1;
		r->timer = evtimer_new(acmd.base, reload_none_cb, r);
		evtimer_add(r->timer, &tv);
		return;
	}
	if (ev_chld == NULL) {
		ev_chld = evsignal_new(acmd.base, SIGCHLD, reload_chld_cb, NULL);
		evsignal_add(ev_chld, NULL);
	}
	if (pipe2(p, O_CLOEXEC) == -1 || (r->pid = fork()) == -1) {
		r->exited = 1;
		r->status = 1;
		log_warn("target %s: cannot start the reload command", t->id);
		r->timer = evtimer_new(acmd.base, reload_none_cb, r);
		evtimer_add(r->timer, &tv);
		return;
	}
	if (r->pid == 0)
		reload_child(t, p[1]);
	close(p[1]);
	r->fd = p[0];
	evutil_make_socket_nonblocking(r->fd);
	log_info("target %s: running its reload command (%s) for %s%s%s", t->id,
	    t->reload_argv[0], label, t->reload_user ? " as " : "",
	    t->reload_user ? t->reload_user : "");
	r->rd = event_new(acmd.base, r->fd, EV_READ | EV_PERSIST,
	    reload_read_cb, r);
	event_add(r->rd, NULL);
	r->timer = evtimer_new(acmd.base, reload_timeout_cb, r);
	tv.tv_sec = (time_t)t->reload_timeout;
	evtimer_add(r->timer, &tv);
	/* It may have ended before the handler was there. */
	reload_chld_cb(SIGCHLD, 0, NULL);
}

void
target_reload_shutdown(void)
{
	struct reload	*r;

	while ((r = LIST_FIRST(&reloads)) != NULL) {
		if (!r->exited && r->pid > 0) {
			kill(-r->pid, SIGKILL);
			waitpid(r->pid, NULL, 0);
		}
		reload_free(r);
	}
	if (ev_chld != NULL) {
		event_free(ev_chld);
		ev_chld = NULL;
	}
}


#include <sys/socket.h>
#include <sys/stat.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#endif

#include "log.h"
#include "sd.h"
#include "xmalloc.h"

static struct event	*sdx_watchdog_ev;

int
sdx_under_systemd(void)
{
	return (getenv("NOTIFY_SOCKET") != NULL ||
	    getenv("JOURNAL_STREAM") != NULL || getenv("INVOCATION_ID") != NULL);
}

#ifdef HAVE_SYSTEMD
int
sdx_listen_fd(char **cause)
{
	int	 n;

	n = sd_listen_fds(1);
	if (n < 0) {
		xasprintf(cause, "sd_listen_fds: %s", strerror(-n));
		return (-1);
	}
	if (n == 0)
		return (-1);
	if (n > 1) {
		xasprintf(cause, "systemd passed %d sockets; acmd takes one", n);
		return (-2);
	}
	if (sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_STREAM, 1, NULL, 0) <= 0) {
		xasprintf(cause, "the socket systemd passed is not a listening "
		    "unix stream socket");
		return (-2);
	}
	return (SD_LISTEN_FDS_START);
}

void
sdx_ready(void)
{
	sd_notify(0, "READY=1\nSTATUS=ready");
}

void
sdx_reloading(void)
{
	sd_notify(0, "RELOADING=1\nSTATUS=reloading configuration");
}

void
sdx_stopping(void)
{
	sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void
sdx_status(const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	sd_notifyf(0, "STATUS=%s", msg);
	free(msg);
}

static void
sdx_watchdog_cb(evutil_socket_t fd, short ev, void *arg)
{
	sd_notify(0, "WATCHDOG=1");
}

void
sdx_watchdog_start(struct event_base *base)
{
	uint64_t	 usec;
	struct timeval	 tv;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return;
	/* Ping at half the interval, from the loop itself. */
	usec /= 2;
	tv.tv_sec = usec / 1000000;
	tv.tv_usec = usec % 1000000;
	sdx_watchdog_ev = event_new(base, -1, EV_PERSIST, sdx_watchdog_cb, NULL);
	event_add(sdx_watchdog_ev, &tv);
	sd_notify(0, "WATCHDOG=1");
	log_debug("watchdog: pinging every %lld ms", (long long)usec / 1000);
}

int
sdx_journal_available(void)
{
	struct stat	 st;

	return (stat("/run/systemd/journal/socket", &st) == 0);
}

void
sdx_journal(int prio, const char *msg, const char **fields, size_t nfields)
{
	struct iovec	*iov;
	char		*m, *p;
	size_t		 i, n = 0;

	iov = xcalloc(nfields + 3, sizeof *iov);
	xasprintf(&m, "MESSAGE=%s", msg);
	xasprintf(&p, "PRIORITY=%d", prio);
	iov[n].iov_base = m;
	iov[n++].iov_len = strlen(m);
	iov[n].iov_base = p;
	iov[n++].iov_len = strlen(p);
	iov[n].iov_base = (char *)"SYSLOG_IDENTIFIER=acmd";
	iov[n++].iov_len = strlen("SYSLOG_IDENTIFIER=acmd");
	for (i = 0; i < nfields; i++) {
		iov[n].iov_base = (char *)fields[i];
		iov[n++].iov_len = strlen(fields[i]);
	}
	sd_journal_sendv(iov, (int)n);
	free(m);
	free(p);
	free(iov);
}
#else
int
sdx_listen_fd(char **cause)
{
	return (-1);
}

void
sdx_ready(void)
{
}

void
sdx_reloading(void)
{
}

void
sdx_stopping(void)
{
}

void
sdx_status(const char *fmt, ...)
{
}

void
sdx_watchdog_start(struct event_base *base)
{
	(void)sdx_watchdog_ev;
}

int
sdx_journal_available(void)
{
	return (0);
}

void
sdx_journal(int prio, const char *msg, const char **fields, size_t nfields)
{
}
#endif

void
sdx_watchdog_stop(void)
{
	if (sdx_watchdog_ev != NULL) {
		event_free(sdx_watchdog_ev);
		sdx_watchdog_ev = NULL;
	}
}

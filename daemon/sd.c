
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

/*
 * A fixed MESSAGE_ID per ACMD_EVENT kind, so that journalctl
 * MESSAGE_ID=... finds every occurrence and the catalog
 * (contrib/acmd.catalog, the same ids) explains it.  Never change an id.
 */
static const struct {
	const char	*event;
	const char	*id;
} sdx_message_ids[] = {
	{ "cert-expiring",	"6823a55de214441792b196047890d6d5" },
	{ "cert-expired",	"51381a14dd8446f9aaef4bed0a5548d1" },
	{ "cert-issued",	"22b26888f4394a909100b7df3b31a90a" },
	{ "cert-version",	"c086f4fbece544a086854aa19f9e2738" },
	{ "deploy-mismatch",	"6a551765bf8045b7895f380654774320" },
	{ "deploy-missing",	"a5d512aa13c342f083589feb75e7f179" },
	{ "notify-test",	"207aea81a8644e24972565964c3e157d" },
	{ "target-reload",	"98418018bb894baabfdcb1f2ceeeba91" },
	{ "account-unreachable", "3f0c2b1e9d7a4c58a6e1b4d2c7f90e13" },
};

/* The MESSAGE_ID= field for an "ACMD_EVENT=kind" field, or NULL. */
static const char *
sdx_message_id(const char *field)
{
	static char	 buf[sizeof "MESSAGE_ID=" + 32];
	const char	*ev = "ACMD_EVENT=";
	size_t		 i;

	if (strncmp(field, ev, strlen(ev)) != 0)
		return (NULL);
	field += strlen(ev);
	for (i = 0; i < sizeof sdx_message_ids / sizeof sdx_message_ids[0];
	    i++) {
		if (strcmp(sdx_message_ids[i].event, field) == 0) {
			snprintf(buf, sizeof buf, "MESSAGE_ID=%s",
			    sdx_message_ids[i].id);
			return (buf);
		}
	}
	return (NULL);
}

void
sdx_journal(int prio, const char *msg, const char **fields, size_t nfields)
{
	struct iovec	*iov;
	char		*m, *p;
	const char	*mid = NULL;
	size_t		 i, n = 0;

	iov = xcalloc(nfields + 4, sizeof *iov);
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
		if (mid == NULL && (mid = sdx_message_id(fields[i])) != NULL) {
			iov[n].iov_base = (char *)mid;
			iov[n++].iov_len = strlen(mid);
		}
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

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"
#include "xmalloc.h"

static const char	*log_name = "acmd";
static enum log_target	 log_target = LOG_TO_STDERR;
static int		 log_verbose;
static log_journal_fn	 log_journal;

void
log_init(const char *name, enum log_target target, int verbose)
{
	log_name = name;
	log_target = target;
	log_verbose = verbose;
}

void
log_set_journal(log_journal_fn fn)
{
	log_journal = fn;
}

void
log_set_verbose(int v)
{
	log_verbose = v;
}

int
log_get_verbose(void)
{
	return (log_verbose);
}

static const char *
log_prio_name(int prio)
{
	switch (prio) {
	case LOG_EMERG:
	case LOG_ALERT:
	case LOG_CRIT:
		return ("fatal");
	case LOG_ERR:
		return ("error");
	case LOG_WARNING:
		return ("warning");
	case LOG_NOTICE:
	case LOG_INFO:
		return ("info");
	default:
		return ("debug");
	}
}

static void
log_emit(int prio, const char *msg, const char **fields, size_t nfields)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 tbuf[32];
	size_t		 i;

	if (prio == LOG_DEBUG && !log_verbose)
		return;
	if (log_target == LOG_TO_JOURNAL && log_journal != NULL) {
		log_journal(prio, msg, fields, nfields);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(stderr, "%s %s[%s]: %s", tbuf, log_name, log_prio_name(prio),
	    msg);
	for (i = 0; i < nfields; i++)
		fprintf(stderr, " %s", fields[i]);
	fputc('\n', stderr);
	fflush(stderr);
}

static void
log_vmsg(int prio, int with_errno, const char *fmt, va_list ap)
{
	char	*msg, *full;
	int	 saved = errno;

	xvasprintf(&msg, fmt, ap);
	if (with_errno) {
		xasprintf(&full, "%s: %s", msg, strerror(saved));
		free(msg);
		msg = full;
	}
	log_emit(prio, msg, NULL, 0);
	free(msg);
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_WARNING, 1, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_WARNING, 0, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_INFO, 0, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (!log_verbose)
		return;
	va_start(ap, fmt);
	log_vmsg(LOG_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void
log_event(int prio, const char *event, const char *msg, ...)
{
	const char	*fields[32];
	char		*evfield;
	size_t		 n = 0;
	va_list		 ap;
	const char	*f;

	xasprintf(&evfield, "ACMD_EVENT=%s", event);
	fields[n++] = evfield;
	va_start(ap, msg);
	while ((f = va_arg(ap, const char *)) != NULL) {
		if (n < sizeof fields / sizeof fields[0])
			fields[n++] = f;
	}
	va_end(ap);
	log_emit(prio, msg, fields, n);
	free(evfield);
}

void
fatal(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_CRIT, 1, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vmsg(LOG_CRIT, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * Logging: to stderr, or to the journal when running under systemd.
 * Messages are lower case and name their subject.  log_warn and fatal
 * append strerror(errno).
 */
#ifndef ACMD_LOG_H
#define ACMD_LOG_H

#include <stdarg.h>
#include <stddef.h>

enum log_target {
	LOG_TO_STDERR,
	LOG_TO_JOURNAL,
};

typedef void (*log_journal_fn)(int, const char *, const char **, size_t);

void	log_init(const char *, enum log_target, int);
/* The daemon hands its journal writer here (the client has none). */
void	log_set_journal(log_journal_fn);
void	log_set_verbose(int);
int	log_get_verbose(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/*
 * An event worth filtering: priority (LOG_*), event name (ACMD_EVENT=),
 * message, then a NULL-terminated list of "FIELD=value" strings.
 */
void	log_event(int, const char *, const char *, ...)
	    __attribute__((sentinel));
__attribute__((noreturn)) void fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2)));
__attribute__((noreturn)) void fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2)));

#endif

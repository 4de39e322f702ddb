/* Every call into libsystemd is in sd.c; without systemd they do nothing. */
#ifndef ACMD_SD_H
#define ACMD_SD_H

#include <stddef.h>

struct event_base;

/* True when started by systemd with a notify socket or journal stream. */
int	sdx_under_systemd(void);
/* The listening socket passed by systemd, or -1. */
int	sdx_listen_fd(char **);
void	sdx_ready(void);
void	sdx_reloading(void);
void	sdx_stopping(void);
void	sdx_status(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Start watchdog pings from the loop when WatchdogSec= is set. */
void	sdx_watchdog_start(struct event_base *);
void	sdx_watchdog_stop(void);
/* The journal writer handed to log_set_journal(). */
void	sdx_journal(int, const char *, const char **, size_t);
int	sdx_journal_available(void);

#endif

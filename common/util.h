/* Small parsers and helpers both binaries use. */
#ifndef ACMD_UTIL_H
#define ACMD_UTIL_H

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

/* "90", "90s", "15m", "6h", "2d", "1w" -> seconds.  0 / -1 with cause. */
int	 parse_duration(const char *, uint64_t *, char **);
/* Format seconds as "2d 3h", "5m 10s". */
void	 format_duration(uint64_t, char *, size_t);
/* Parse a whole decimal number within [min, max]. */
int	 parse_number(const char *, long long, long long, long long *,
	     char **);
/* ISO 8601 UTC "2026-11-23T10:00:00Z". */
void	 format_time(time_t, char *, size_t);
/* Milliseconds on the monotonic clock. */
uint64_t now_ms(void);
/* Milliseconds as a timeval, for a timer. */
struct timeval ms_to_tv(uint64_t);
/* Lower-case hex of len bytes into out (2 * len + 1 bytes). */
void	 hex_encode(const void *, size_t, char *);
/* Write all of len bytes to fd (EINTR retried): 0, or -1 with errno. */
int	 write_full(int, const void *, size_t);
/*
 * The account of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:...) into
 * buf, or NULL when it has none or it does not fit.
 */
const char *arn_account(const char *, char *, size_t);

#endif

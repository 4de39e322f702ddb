#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"
#include "xmalloc.h"

int
parse_number(const char *s, long long min, long long max, long long *out,
    char **cause)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s)) {
		xasprintf(cause, "'%s' is not a number", s == NULL ? "" : s);
		return (-1);
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno == ERANGE && *end == '\0') {
		xasprintf(cause, "%s is out of range (%lld to %lld)", s, min,
		    max);
		return (-1);
	}
	if (errno != 0 || *end != '\0') {
		xasprintf(cause, "'%s' is not a number", s);
		return (-1);
	}
	if (v < min || v > max) {
		xasprintf(cause, "%lld is out of range (%lld to %lld)", v, min,
		    max);
		return (-1);
	}
	*out = v;
	return (0);
}

int
parse_duration(const char *s, uint64_t *out, char **cause)
{
	char			*end;
	unsigned long long	 v, mult;

	if (s == NULL || !isdigit((unsigned char)*s)) {
		xasprintf(cause, "'%s' is not a duration (e.g. 90s, 15m, 6h, 1d)",
		    s == NULL ? "" : s);
		return (-1);
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		goto bad;
	if (*end == '\0' || strcmp(end, "s") == 0)
		mult = 1;
	else if (strcmp(end, "m") == 0)
		mult = 60;
	else if (strcmp(end, "h") == 0)
		mult = 3600;
	else if (strcmp(end, "d") == 0)
		mult = 86400;
	else if (strcmp(end, "w") == 0)
		mult = 7 * 86400;
	else
		goto bad;
	if (v > 100ULL * 365 * 86400 / mult)
		goto bad;
	*out = v * mult;
	return (0);
bad:
	xasprintf(cause, "'%s' is not a duration (e.g. 90s, 15m, 6h, 1d)", s);
	return (-1);
}

void
format_duration(uint64_t secs, char *buf, size_t len)
{
	uint64_t	 d = secs / 86400, h = secs % 86400 / 3600;
	uint64_t	 m = secs % 3600 / 60, s = secs % 60;

	if (d > 0)
		snprintf(buf, len, "%llud %lluh", (unsigned long long)d,
		    (unsigned long long)h);
	else if (h > 0)
		snprintf(buf, len, "%lluh %llum", (unsigned long long)h,
		    (unsigned long long)m);
	else if (m > 0)
		snprintf(buf, len, "%llum %llus", (unsigned long long)m,
		    (unsigned long long)s);
	else
		snprintf(buf, len, "%llus", (unsigned long long)s);
}

void
format_time(time_t t, char *buf, size_t len)
{
	struct tm	 tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

struct timeval
ms_to_tv(uint64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	return (tv);
}

void
hex_encode(const void *p, size_t len, char *out)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*b = p;
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 0xf];
	}
	out[2 * len] = '\0';
}

int
write_full(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* The account of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:...). */
const char *
arn_account(const char *arn, char *buf, size_t size)
{
	const char	*p = arn;
	size_t		 i, len;

	if (arn == NULL)
		return (NULL);
	for (i = 0; i < 4; i++) {
		if ((p = strchr(p, ':')) == NULL)
			return (NULL);
		p++;
	}
	len = strcspn(p, ":");
	if (len == 0 || len >= size)
		return (NULL);
	memcpy(buf, p, len);
	buf[len] = '\0';
	return (buf);
}

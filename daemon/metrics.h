/*
 * Metrics: counters acmd keeps as it works (metrics.c: the AWS engine's,
 * per service, operation and region), the Prometheus page built from
 * them and from what acmd already holds in memory (metrics-page.c), and
 * the optional HTTP listener serving it with a health check
 * (metrics-http.c; [metrics] in acmd.conf).
 */
#ifndef ACMD_METRICS_H
#define ACMD_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct config;
struct evbuffer;

/* One (service, operation, region) of AWS calls: lives until metrics_free. */
struct metrics_aws {
	char			*service;
	char			*operation;
	char			*region;
	uint64_t		 calls;		/* ended */
	uint64_t		 errors;	/* ended in an error */
	uint64_t		 throttled;	/* throttling answers */
	uint64_t		 retries;
	uint64_t		 waits;		/* queued by the rate limiter */
	uint64_t		 wait_ms;	/* time queued, in all */
	uint64_t		 call_ms;	/* time from start to end */
	struct metrics_aws	*next;
};

/* The entry of these labels (made on first use; never NULL). */
struct metrics_aws *metrics_aws_get(const char *, const char *, const char *);
void	 metrics_aws_foreach(void (*)(const struct metrics_aws *, void *),
	     void *);
void	 metrics_free(void);

/*
 * A growing text buffer, and the exposition format's pieces: a family's
 * HELP and TYPE lines, and a sample with label pairs (name, value, ...,
 * NULL; a NULL or empty value leaves its label out), values escaped.
 */
struct mtext {
	char	*p;
	size_t	 len;
	size_t	 cap;
};
void	 mtext_add(struct mtext *, const char *, size_t);
void	 mtext_printf(struct mtext *, const char *, ...)
	     __attribute__((format(printf, 2, 3)));
void	 mtext_reset(struct mtext *);
void	 mtext_free(struct mtext *);
void	 metrics_family(struct mtext *, const char *, const char *,
	     const char *);
void	 metrics_sample(struct mtext *, const char *, const char *const *,
	     double);
/* A label value, escaped (backslash, double quote, newline). */
void	 metrics_escape(struct mtext *, const char *);

/*
 * metrics-page.c: the page onto a buffer (given the listener's open
 * connections; kept parts go by reference): 0, or -1 when the first page
 * is not ready yet (nothing written; the function given to
 * metrics_page_on_ready is called when a page is, from the loop), and
 * the health check (200 or 503).
 */
#define METRICS_NOT_AFTER "acmd_certificate_not_after_timestamp_seconds"
int	 metrics_page(struct evbuffer *, size_t);
void	 metrics_page_on_ready(void (*)(void));
int	 metrics_health(struct mtext *);
void	 metrics_page_free(void);

/* metrics-http.c: the listener of [metrics] listen, if set. */
int	 metrics_http_start(char **);
/* After a reload (old: the configuration it replaced). */
void	 metrics_http_reconfigure(const struct config *);
void	 metrics_http_stop(void);

#endif

/*
 * Asynchronous HTTP(S) on the daemon's event base: libcurl's multi
 * interface driven by libevent.  Nothing here blocks.  Transfers beyond
 * max_transfers (or max_connections, if fewer) wait in a FIFO queue;
 * connections are kept and reused, at most max_connections open at once
 * (in use or idle, to every host together).
 *
 * Callbacks are never called from inside http_submit, http_cancel or
 * http_engine_set_options, only from the event loop (or from
 * http_engine_free).  A callback may submit new requests and cancel
 * other transfers; it must not free the engine.
 */
#ifndef ACMD_HTTP_H
#define ACMD_HTTP_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct http_engine;
struct http_transfer;

#define HTTP_DEFAULT_CONNECT_TIMEOUT_MS	10000L
#define HTTP_DEFAULT_TIMEOUT_MS		60000L
#define HTTP_DEFAULT_MAX_TRANSFERS	16U
#define HTTP_DEFAULT_MAX_CONNECTIONS	32U
#define HTTP_DEFAULT_MAX_BODY		((size_t)64 << 20)

/* A zero field means its default; options are copied. */
struct http_options {
	long		 connect_timeout_ms;
	long		 timeout_ms;	/* whole transfer, once started */
	unsigned	 max_transfers;	/* in flight at once */
	unsigned	 max_connections; /* open at once, idle ones too */
	size_t		 max_body;	/* larger answers fail */
	const char	*ca_path;	/* CA bundle; NULL: system default */
	int		 verbose;	/* curl's trace to log_debug */
};

struct http_header {
	const char	*name;
	const char	*value;
};

/* Everything is copied by http_submit. */
struct http_request {
	const char			*method;
	const char			*url;
	const struct http_header	*headers;
	size_t				 nheaders;
	const void			*body;
	size_t				 bodylen;
};

/*
 * Lives until the callback returns, then the engine frees it; the callback
 * may take body (and set it to NULL).
 */
struct http_response {
	long			 status;	/* 0 if no HTTP answer */
	char			*body;		/* NUL-terminated, never NULL */
	size_t			 bodylen;
	int			 failed;	/* transport failure */
	int			 timed_out;
	int			 sent;		/* the request went out */
	char			*error;		/* why failed, else NULL */
	struct http_header	*headers;	/* of the final answer */
	size_t			 nheaders;
	uint64_t		 elapsed_ms;	/* since it was started */
};

typedef void (*http_cb)(struct http_response *, void *);

struct http_engine	*http_engine_new(struct event_base *,
			     const struct http_options *);
/* New values apply to transfers started from now on. */
void			 http_engine_set_options(struct http_engine *,
			     const struct http_options *);
/*
 * Every transfer not yet called back is called back first, failed with
 * "shutting down"; http_submit returns NULL from then on.
 */
void			 http_engine_free(struct http_engine *);

/*
 * The transfer handle is valid until its callback starts or it is
 * cancelled.  Returns NULL only while the engine is being freed.
 */
struct http_transfer	*http_submit(struct http_engine *,
			     const struct http_request *, http_cb, void *);
/*
 * Send message (RFC 5322 text, CRLF lines) by SMTP (smtp:// or smtps://
 * url, credentials in the url) from from to the NULL-terminated rcpts.
 * The callback's response has the last SMTP reply code as status and
 * failed set when the server refused or could not be reached.  Everything
 * is copied; NULL only while the engine is being freed.
 */
struct http_transfer	*http_submit_mail(struct http_engine *, const char *,
			     const char *, const char *const *, const char *,
			     http_cb, void *);
/* Stop a transfer: its callback is not called. */
void			 http_cancel(struct http_transfer *);

unsigned		 http_in_flight(struct http_engine *);
unsigned		 http_queued(struct http_engine *);

/* Case-insensitive; the last one wins; NULL if absent. */
const char		*http_response_header(const struct http_response *,
			     const char *);

#endif

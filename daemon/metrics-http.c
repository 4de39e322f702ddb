/*
 * The metrics listener ([metrics] listen): libevent's evhttp on acmd's
 * event loop, serving GET /metrics (metrics-page.c) and GET /healthz.
 *
 * What a scraper (or anyone who can connect) may cost is bounded: at
 * most max_connections connections (past that the listener stops
 * accepting until one closes, so the rest wait in the kernel's backlog),
 * a request whole within METRICS_REQUEST_TIMEOUT of the connection or
 * the last answer, an answer gone within METRICS_REPLY_TIMEOUT, headers
 * of METRICS_MAX_HEADERS bytes and no body, and no new page built while
 * METRICS_MAX_OUTPUT bytes of pages wait to be read.  evhttp's own
 * timeout closes a connection where nothing moves for as long.
 *
 * Each connection's bufferevent is a pass-through filter over the
 * socket's, made here (evhttp_set_bevcb), so acmd knows when evhttp frees
 * it; an absolute deadline shuts the socket down, and evhttp, seeing it
 * closed, frees the connection.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "acmd.h"
#include "conf.h"
#include "log.h"
#include "metrics-addr.h"
#include "metrics.h"
#include "xmalloc.h"

#define METRICS_REQUEST_TIMEOUT	10
#define METRICS_REPLY_TIMEOUT	60
#define METRICS_IDLE_TIMEOUT	10
#define METRICS_MAX_HEADERS	8192
#define METRICS_MAX_OUTPUT	(64U * 1024 * 1024)
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

struct mconn {
	struct bufferevent	*sock;		/* the socket's */
	struct bufferevent	*filter;	/* evhttp's */
	struct event		*deadline;
	TAILQ_ENTRY(mconn)	 entry;
};

static struct {
	struct evhttp		*http;
	struct evconnlistener	*listener;	/* evhttp's */
	char			*listen;	/* as configured */
	char			*path;		/* a Unix socket we made */
	struct metrics_net	*allow;
	size_t			 nallow;
	int			 has_allow;
	size_t			 nconns;
	int			 paused;	/* not accepting: at the limit */
	int			 stopping;
	time_t			 last_refusal;
	TAILQ_HEAD(, mconn)	 conns;
} mh = { .conns = TAILQ_HEAD_INITIALIZER(mh.conns) };

static void
conn_arm(struct mconn *c, int secs)
{
	struct timeval	 tv = { secs, 0 };

	evtimer_add(c->deadline, &tv);
}

/* Past its deadline: shut the socket; evhttp sees it closed. */
static void
conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mconn	*c = arg;
	evutil_socket_t	 s = bufferevent_getfd(c->sock);

	log_debug("metrics: a connection is past its deadline; closing it");
	if (s != -1)
		shutdown(s, SHUT_RDWR);
}

/* evhttp freed the connection's bufferevent. */
static void
conn_freed(void *arg)
{
	struct mconn	*c = arg;

	TAILQ_REMOVE(&mh.conns, c, entry);
	event_free(c->deadline);
	free(c);
	mh.nconns--;
	if (mh.paused && !mh.stopping &&
	    mh.nconns < acmd.conf->metrics_max_connections) {
		evconnlistener_enable(mh.listener);
		mh.paused = 0;
	}
}

/* evhttp accepted a connection: its bufferevent, from here. */
static struct bufferevent *
conn_new_cb(struct event_base *base, void *arg)
{
	struct mconn	*c;

	c = xcalloc(1, sizeof *c);
	c->sock = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->sock == NULL) {
		free(c);
		return (NULL);
	}
	c->filter = bufferevent_filter_new(c->sock, NULL, NULL,
	    BEV_OPT_CLOSE_ON_FREE, conn_freed, c);
	if (c->filter == NULL) {
		bufferevent_free(c->sock);
		free(c);
		return (NULL);
	}
	c->deadline = evtimer_new(base, conn_deadline_cb, c);
	conn_arm(c, METRICS_REQUEST_TIMEOUT);
	TAILQ_INSERT_TAIL(&mh.conns, c, entry);
	if (++mh.nconns >= acmd.conf->metrics_max_connections &&
	    !mh.paused) {
		evconnlistener_disable(mh.listener);
		mh.paused = 1;
	}
	return (c->filter);
}

static struct mconn *
conn_find(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	struct mconn			*c;

	if ((evcon = evhttp_request_get_connection(req)) == NULL)
		return (NULL);
	bev = evhttp_connection_get_bufferevent(evcon);
	TAILQ_FOREACH(c, &mh.conns, entry) {
		if (c->filter == bev)
			return (c);
	}
	return (NULL);
}

/* Bytes of answers waiting on every connection. */
static size_t
output_waiting(void)
{
	struct mconn	*c;
	size_t		 n = 0;

	TAILQ_FOREACH(c, &mh.conns, entry) {
		n += evbuffer_get_length(bufferevent_get_output(c->filter));
		n += evbuffer_get_length(bufferevent_get_output(c->sock));
	}
	return (n);
}

/* The answer went (or the connection failed): the next request's clock. */
static void
reply_done_cb(struct evhttp_request *req, void *arg)
{
	struct mconn	*c;

	TAILQ_FOREACH(c, &mh.conns, entry) {
		if (c == arg) {
			conn_arm(c, METRICS_REQUEST_TIMEOUT);
			return;
		}
	}
}

static void
free_text_cb(const void *data, size_t len, void *arg)
{
	free(arg);
}

static void
reply(struct evhttp_request *req, int code, const char *reason,
    const char *type, struct mtext *t)
{
	struct evbuffer	*b = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (t->len > 0) {
		/* The text goes out from where it was built, then is freed. */
		evbuffer_add_reference(b, t->p, t->len, free_text_cb, t->p);
		t->p = NULL;
		t->len = t->cap = 0;
	}
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
	mtext_free(t);
}

static void
reply_text(struct evhttp_request *req, int code, const char *reason,
    const char *msg)
{
	struct mtext	 t = { 0 };

	mtext_printf(&t, "%s\n", msg);
	reply(req, code, reason, "text/plain; charset=utf-8", &t);
}

/* Whether the peer may be served; a refusal is logged now and then. */
static int
peer_allowed(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	const struct sockaddr		*sa;
	char				*host = NULL;
	ev_uint16_t			 port = 0;
	time_t				 now = time(NULL);

	if (!mh.has_allow)
		return (1);
	sa = evcon != NULL ? evhttp_connection_get_addr(evcon) : NULL;
	if (sa != NULL && metrics_allowed(mh.allow, mh.nallow, sa))
		return (1);
	if (now != mh.last_refusal) {
		if (evcon != NULL)
			evhttp_connection_get_peer(evcon, &host, &port);
		log_warnx("metrics: refusing %s port %u: not in [metrics] "
		    "allow", host != NULL ? host : "a peer", (unsigned)port);
	}
	mh.last_refusal = now;
	return (0);
}

static void
request_cb(struct evhttp_request *req, void *arg)
{
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);
	const char		*path;
	struct mconn		*c;
	struct mtext		 t = { 0 };
	int			 code;

	if ((c = conn_find(req)) != NULL) {
		conn_arm(c, METRICS_REPLY_TIMEOUT);
		evhttp_request_set_on_complete_cb(req, reply_done_cb, c);
	}
	if (!peer_allowed(req)) {
		reply_text(req, 403, "Forbidden", "forbidden");
		return;
	}
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL || (strcmp(path, "/metrics") != 0 &&
	    strcmp(path, "/healthz") != 0 && strcmp(path, "/") != 0)) {
		reply_text(req, 404, "Not Found", "not found: acmd serves "
		    "/metrics and /healthz");
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		reply_text(req, 405, "Method Not Allowed",
		    "method not allowed: GET or HEAD");
		return;
	}
	if (strcmp(path, "/healthz") == 0) {
		code = metrics_health(&t);
		reply(req, code, code == 200 ? "OK" : "Service Unavailable",
		    "text/plain; charset=utf-8", &t);
		return;
	}
	if (strcmp(path, "/") == 0) {
		reply_text(req, 200, "OK", "acmd: /metrics (Prometheus), "
		    "/healthz");
		return;
	}
	if (output_waiting() > METRICS_MAX_OUTPUT) {
		reply_text(req, 503, "Service Unavailable",
		    "busy: earlier pages are still being read");
		return;
	}
	metrics_page(&t, mh.nconns);
	reply(req, 200, "OK", METRICS_CONTENT_TYPE, &t);
}

/* A Unix socket at path: a stale one is replaced, a live one is not. */
static int
unix_listen(const struct sockaddr_storage *ss, socklen_t len, char **cause)
{
	const struct sockaddr_un	*sun = (const struct sockaddr_un *)ss;
	int				 fd, probe;

	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe != -1 && connect(probe, (const struct sockaddr *)ss,
	    len) == 0) {
		close(probe);
		xasprintf(cause, "something listens on %s already",
		    sun->sun_path);
		return (-1);
	}
	if (probe != -1)
		close(probe);
	if (unlink(sun->sun_path) == -1 && errno != ENOENT) {
		xasprintf(cause, "unlink %s: %s", sun->sun_path,
		    strerror(errno));
		return (-1);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return (-1);
	}
	/* Nothing secret on it, as on the loopback: anyone may connect. */
	if (bind(fd, (const struct sockaddr *)ss, len) == -1 ||
	    chmod(sun->sun_path, 0666) == -1 || listen(fd, 128) == -1) {
		xasprintf(cause, "listen on %s: %s", sun->sun_path,
		    strerror(errno));
		close(fd);
		unlink(sun->sun_path);
		return (-1);
	}
	mh.path = xstrdup(sun->sun_path);
	return (fd);
}

static void
allow_load(void)
{
	char	*cause = NULL;

	free(mh.allow);
	mh.allow = NULL;
	mh.nallow = 0;
	mh.has_allow = acmd.conf->metrics_allow != NULL;
	if (mh.has_allow && metrics_allow_parse(acmd.conf->metrics_allow,
	    &mh.allow, &mh.nallow, &cause) != 0) {
		/* Checked when the file was read: cannot happen. */
		log_warnx("metrics: allow: %s", cause);
		free(cause);
	}
}

static int
listener_new(const char *listen, char **cause)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd;
	unsigned		 flags = LEV_OPT_CLOSE_ON_FREE |
				    LEV_OPT_CLOSE_ON_EXEC;

	if (metrics_listen_parse(listen, &ss, &len, cause) != 0)
		return (-1);
	if (ss.ss_family == AF_UNIX) {
		if ((fd = unix_listen(&ss, len, cause)) == -1)
			return (-1);
		mh.listener = evconnlistener_new(acmd.base, NULL, NULL, flags,
		    -1, fd);
		if (mh.listener == NULL)
			close(fd);
	} else
		mh.listener = evconnlistener_new_bind(acmd.base, NULL, NULL,
		    flags | LEV_OPT_REUSEABLE, 128, (struct sockaddr *)&ss,
		    (int)len);
	if (mh.listener == NULL) {
		xasprintf(cause, "cannot listen on %s: %s", listen,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

int
metrics_http_start(char **cause)
{
	const char	*listen = acmd.conf->metrics_listen;

	if (listen == NULL)
		return (0);
	if (listener_new(listen, cause) != 0) {
		free(mh.path);
		mh.path = NULL;
		return (-1);
	}
	mh.http = evhttp_new(acmd.base);
	evhttp_set_bevcb(mh.http, conn_new_cb, NULL);
	evhttp_set_gencb(mh.http, request_cb, NULL);
	evhttp_set_timeout(mh.http, METRICS_IDLE_TIMEOUT);
	evhttp_set_max_headers_size(mh.http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(mh.http, 0);
	evhttp_set_allowed_methods(mh.http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_bind_listener(mh.http, mh.listener);
	mh.listen = xstrdup(listen);
	mh.stopping = 0;
	allow_load();
	log_info("metrics: listening on %s", listen);
	return (0);
}

void
metrics_http_stop(void)
{
	mh.stopping = 1;
	if (mh.http != NULL)
		evhttp_free(mh.http);	/* the listener and connections too */
	mh.http = NULL;
	mh.listener = NULL;
	mh.paused = 0;
	if (mh.path != NULL)
		unlink(mh.path);
	free(mh.path);
	mh.path = NULL;
	free(mh.listen);
	mh.listen = NULL;
	free(mh.allow);
	mh.allow = NULL;
	mh.nallow = 0;
}

void
metrics_http_reconfigure(const struct config *old)
{
	const char	*now = acmd.conf->metrics_listen;
	char		*cause = NULL;

	if ((now == NULL && mh.listen == NULL) ||
	    (now != NULL && mh.listen != NULL && strcmp(now, mh.listen) == 0)) {
		allow_load();
		if (mh.paused && mh.nconns < acmd.conf->metrics_max_connections) {
			evconnlistener_enable(mh.listener);
			mh.paused = 0;
		}
		return;
	}
	metrics_http_stop();
	if (metrics_http_start(&cause) != 0) {
		log_warnx("metrics: %s; no metrics listener", cause);
		free(cause);
	}
}

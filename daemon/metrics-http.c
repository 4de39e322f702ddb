/*
 * The metrics listener ([metrics] listen): GET /metrics (metrics-page.c)
 * and GET /healthz over HTTP/1.x on acmd's event loop.
 *
 * What anyone who can connect may cost is bounded: at most
 * max_connections connections (past that the listener stops accepting
 * until one closes, so the rest wait in the kernel's backlog), a request
 * head of METRICS_MAX_HEAD bytes whole within METRICS_REQUEST_TIMEOUT of
 * the connection however slowly it trickles, an answer gone within
 * METRICS_REPLY_TIMEOUT, one request per connection (Connection: close;
 * a body is never read), and no page built while METRICS_MAX_OUTPUT
 * bytes of pages wait to be read.
 *
 * Not libevent's evhttp: in libevent 2.1 it has no hook when it accepts
 * (so no connection limit and no peer check before a request), its
 * timeout starts again with every byte read (a slowloris holds a
 * connection for as long as it trickles), and wrapping its connections to
 * add those frees them from inside their own callbacks (found under
 * AddressSanitizer).  Two GET paths need a request line and the end of
 * the head, read here with libevent's buffers.
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
#include <event2/listener.h>

#include "acmd.h"
#include "conf.h"
#include "log.h"
#include "metrics-addr.h"
#include "metrics.h"
#include "util.h"
#include "xmalloc.h"

#define METRICS_REQUEST_TIMEOUT	10
#define METRICS_REPLY_TIMEOUT	60
#define METRICS_MAX_HEAD	8192
#define METRICS_MAX_OUTPUT	(64U * 1024 * 1024)
#define METRICS_MAX_WRITE	(4 * 1024 * 1024)
#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define METRICS_TEXT_TYPE	"text/plain; charset=utf-8"

struct mconn {
	struct bufferevent	*bev;
	struct event		*deadline;
	char			 peer[64];
	int			 answered;	/* closing once written */
	int			 draining;	/* written; reading to the end */
	int			 waiting;	/* for the first page (HEAD: 2) */
	TAILQ_ENTRY(mconn)	 entry;
};

static struct {
	struct evconnlistener	*listener;
	char			*listen;	/* as configured */
	char			*path;		/* a Unix socket we made */
	struct metrics_net	*allow;
	size_t			 nallow;
	int			 has_allow;
	size_t			 nconns;
	int			 paused;	/* not accepting: at the limit */
	time_t			 last_refusal;
	TAILQ_HEAD(, mconn)	 conns;
	struct event		*ready;		/* the first page is ready */
} mh = { .conns = TAILQ_HEAD_INITIALIZER(mh.conns) };

static void
conn_arm(struct mconn *c, int secs)
{
	struct timeval	 tv = { secs, 0 };

	evtimer_add(c->deadline, &tv);
}

static void
conn_free(struct mconn *c)
{
	TAILQ_REMOVE(&mh.conns, c, entry);
	event_free(c->deadline);
	bufferevent_free(c->bev);	/* closes the socket */
	free(c);
	mh.nconns--;
	if (mh.paused && mh.listener != NULL &&
	    mh.nconns < acmd.conf->metrics_max_connections) {
		evconnlistener_enable(mh.listener);
		mh.paused = 0;
	}
}

static void
conn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mconn	*c = arg;

	log_debug("metrics: %s: past its deadline; closing", c->peer);
	conn_free(c);
}

/*
 * The answer is written: end our side, and read (and drop) what the
 * peer still sends until it closes, so that closing does not reset the
 * connection under an answer it has not read yet.
 */
#define METRICS_DRAIN_TIMEOUT	2

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct mconn	*c = arg;
	evutil_socket_t	 fd = bufferevent_getfd(bev);

	if (!c->answered || c->draining ||
	    evbuffer_get_length(bufferevent_get_output(bev)) != 0)
		return;
	c->draining = 1;
	if (fd == -1 || shutdown(fd, SHUT_WR) == -1) {
		conn_free(c);
		return;
	}
	evbuffer_drain(bufferevent_get_input(bev),
	    evbuffer_get_length(bufferevent_get_input(bev)));
	bufferevent_setwatermark(bev, EV_READ, 0, 0);
	bufferevent_enable(bev, EV_READ);
	conn_arm(c, METRICS_DRAIN_TIMEOUT);
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	conn_free(arg);
}

static void
free_text_cb(const void *data, size_t len, void *arg)
{
	free(arg);
}

/* A body from text (taken over: it goes out from where it was built). */
static struct evbuffer *
text_body(struct mtext *t)
{
	struct evbuffer	*b = evbuffer_new();

	if (b == NULL)
		fatalx("metrics: out of memory");
	if (t->len > 0 && evbuffer_add_reference(b, t->p, t->len,
	    free_text_cb, t->p) == 0) {
		t->p = NULL;
		t->len = t->cap = 0;
	}
	mtext_free(t);
	return (b);
}

/* The answer (body taken over), then the connection closes. */
static void
conn_reply(struct mconn *c, int code, const char *reason, const char *type,
    const char *extra, struct evbuffer *body, int head)
{
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nCache-Control: no-store\r\n%s"
	    "Connection: close\r\n\r\n", code, reason, type,
	    evbuffer_get_length(body), extra != NULL ? extra : "");
	if (!head)
		evbuffer_add_buffer(out, body);
	evbuffer_free(body);
	c->answered = 1;
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_enable(c->bev, EV_WRITE);
	conn_arm(c, METRICS_REPLY_TIMEOUT);
}

static void
conn_reply_text(struct mconn *c, int code, const char *reason,
    const char *extra, const char *msg, int head)
{
	struct mtext	 t = { 0 };

	mtext_printf(&t, "%s\n", msg);
	conn_reply(c, code, reason, METRICS_TEXT_TYPE, extra, text_body(&t),
	    head);
}

/* Bytes of answers waiting on every connection. */
static size_t
output_waiting(void)
{
	struct mconn	*c;
	size_t		 n = 0;

	TAILQ_FOREACH(c, &mh.conns, entry)
		n += evbuffer_get_length(bufferevent_get_output(c->bev));
	return (n);
}

/*
 * The page; the first one may not be ready yet (its inventory lines are
 * being rendered): the connection waits for it, with the deadline of an
 * answer.
 */
static void
conn_page(struct mconn *c, int head)
{
	struct evbuffer	*body;
	uint64_t	 t0 = now_ms();

	if ((body = evbuffer_new()) == NULL)
		fatalx("metrics: out of memory");
	if (metrics_page(body, mh.nconns) != 0) {
		evbuffer_free(body);
		c->waiting = head ? 2 : 1;
		bufferevent_disable(c->bev, EV_READ);
		conn_arm(c, METRICS_REPLY_TIMEOUT);
		log_debug("metrics: %s: waiting for the first page", c->peer);
		return;
	}
	c->waiting = 0;
	log_debug("metrics: %s: a page of %zu bytes in %llu ms", c->peer,
	    evbuffer_get_length(body), (unsigned long long)(now_ms() - t0));
	conn_reply(c, 200, "OK", METRICS_CONTENT_TYPE, NULL, body, head);
}

/* A page is ready (metrics_page_on_ready): to those waiting for it. */
static void
page_ready_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mconn	*c;

	TAILQ_FOREACH(c, &mh.conns, entry) {
		if (c->waiting)
			conn_page(c, c->waiting == 2);
	}
}

static void
page_ready(void)
{
	if (mh.ready != NULL)
		event_active(mh.ready, EV_TIMEOUT, 1);
}

/* Answer a request line: METHOD TARGET HTTP/1.x. */
static void
conn_request(struct mconn *c, char *line)
{
	char		*method, *target, *version, *p = line;
	struct mtext	 t = { 0 };
	int		 head, code;

	method = strsep(&p, " ");
	target = strsep(&p, " ");
	version = p;
	if (method == NULL || target == NULL || version == NULL ||
	    strncmp(version, "HTTP/1.", 7) != 0 || *target != '/') {
		conn_reply_text(c, 400, "Bad Request", NULL, "bad request", 0);
		return;
	}
	target[strcspn(target, "?#")] = '\0';
	head = strcmp(method, "HEAD") == 0;
	if (strcmp(target, "/metrics") != 0 &&
	    strcmp(target, "/healthz") != 0 && strcmp(target, "/") != 0) {
		conn_reply_text(c, 404, "Not Found", NULL, "not found: acmd "
		    "serves /metrics and /healthz", head);
		return;
	}
	if (!head && strcmp(method, "GET") != 0) {
		conn_reply_text(c, 405, "Method Not Allowed",
		    "Allow: GET, HEAD\r\n", "method not allowed: GET or HEAD",
		    0);
		return;
	}
	if (strcmp(target, "/healthz") == 0) {
		code = metrics_health(&t);
		conn_reply(c, code, code == 200 ? "OK" : "Service Unavailable",
		    METRICS_TEXT_TYPE, NULL, text_body(&t), head);
	} else if (strcmp(target, "/") == 0)
		conn_reply_text(c, 200, "OK", NULL, "acmd: /metrics "
		    "(Prometheus), /healthz", head);
	else if (output_waiting() > METRICS_MAX_OUTPUT)
		conn_reply_text(c, 503, "Service Unavailable", NULL,
		    "busy: earlier pages are still being read", head);
	else
		conn_page(c, head);
}

/* Wait for the whole head (up to its empty line); answer its first line. */
static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct mconn		*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 end;
	char			*line;
	size_t			 len;

	if (c->answered) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1)
		end = evbuffer_search(in, "\n\n", 2, NULL);
	if (end.pos == -1) {
		if (evbuffer_get_length(in) >= METRICS_MAX_HEAD)
			conn_reply_text(c, 431, "Request Header Fields Too "
			    "Large", NULL, "request head too large", 0);
		return;
	}
	line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
	if (line == NULL || len == 0)
		conn_reply_text(c, 400, "Bad Request", NULL, "bad request", 0);
	else
		conn_request(c, line);
	free(line);
}

/* Whether the peer may be served; a refusal is logged now and then. */
static int
peer_allowed(struct mconn *c, const struct sockaddr *sa)
{
	time_t	 now = time(NULL);

	if (!mh.has_allow || metrics_allowed(mh.allow, mh.nallow, sa))
		return (1);
	if (now != mh.last_refusal)
		log_warnx("metrics: refusing %s: not in [metrics] allow",
		    c->peer);
	mh.last_refusal = now;
	return (0);
}

static void
peer_name(const struct sockaddr *sa, char *buf, size_t size)
{
	char	 addr[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET && inet_ntop(AF_INET,
	    &((const struct sockaddr_in *)sa)->sin_addr, addr, sizeof addr))
		snprintf(buf, size, "%s port %u", addr, (unsigned)ntohs(
		    ((const struct sockaddr_in *)sa)->sin_port));
	else if (sa->sa_family == AF_INET6 && inet_ntop(AF_INET6,
	    &((const struct sockaddr_in6 *)sa)->sin6_addr, addr, sizeof addr))
		snprintf(buf, size, "%s port %u", addr, (unsigned)ntohs(
		    ((const struct sockaddr_in6 *)sa)->sin6_port));
	else
		snprintf(buf, size, "a peer on the socket");
}

static void
accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct mconn	*c;

	c = xcalloc(1, sizeof *c);
	peer_name(sa, c->peer, sizeof c->peer);
	if ((c->bev = bufferevent_socket_new(acmd.base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL ||
	    (c->deadline = evtimer_new(acmd.base, conn_deadline_cb, c)) ==
	    NULL)
		fatalx("metrics: cannot set up a connection");
	TAILQ_INSERT_TAIL(&mh.conns, c, entry);
	if (++mh.nconns >= acmd.conf->metrics_max_connections) {
		evconnlistener_disable(mh.listener);
		mh.paused = 1;
	}
	bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    c);
	/* Never more than a head in the input. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, METRICS_MAX_HEAD);
	/*
	 * Write what the socket takes in one go: libevent's default of
	 * 16 KiB a turn of the loop sends a 3 MB page in 180 turns, each as
	 * long as a busy loop (a discovery) makes it.
	 */
	bufferevent_set_max_single_write(c->bev, METRICS_MAX_WRITE);
	conn_arm(c, METRICS_REQUEST_TIMEOUT);
	if (!peer_allowed(c, sa)) {
		conn_reply_text(c, 403, "Forbidden", NULL, "forbidden", 0);
		return;
	}
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void
accept_error_cb(struct evconnlistener *l, void *arg)
{
	int	 err = EVUTIL_SOCKET_ERROR();

	/* EMFILE and friends: keep serving the connections we have. */
	log_warnx("metrics: accept: %s", evutil_socket_error_to_string(err));
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

int
metrics_http_start(char **cause)
{
	const char		*listen = acmd.conf->metrics_listen;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd;
	unsigned		 flags = LEV_OPT_CLOSE_ON_FREE |
				    LEV_OPT_CLOSE_ON_EXEC;

	if (listen == NULL)
		return (0);
	if (metrics_listen_parse(listen, &ss, &len, cause) != 0)
		return (-1);
	if (ss.ss_family == AF_UNIX) {
		if ((fd = unix_listen(&ss, len, cause)) == -1)
			return (-1);
		mh.listener = evconnlistener_new(acmd.base, accept_cb, NULL,
		    flags, -1, fd);
		if (mh.listener == NULL)
			close(fd);
	} else
		mh.listener = evconnlistener_new_bind(acmd.base, accept_cb,
		    NULL, flags | LEV_OPT_REUSEABLE, 128,
		    (struct sockaddr *)&ss, (int)len);
	if (mh.listener == NULL) {
		xasprintf(cause, "cannot listen on %s: %s", listen,
		    strerror(errno));
		if (mh.path != NULL)
			unlink(mh.path);
		free(mh.path);
		mh.path = NULL;
		return (-1);
	}
	evconnlistener_set_error_cb(mh.listener, accept_error_cb);
	if ((mh.ready = event_new(acmd.base, -1, 0, page_ready_cb, NULL)) ==
	    NULL)
		fatalx("metrics: cannot make an event");
	metrics_page_on_ready(page_ready);
	mh.listen = xstrdup(listen);
	mh.paused = 0;
	allow_load();
	log_info("metrics: listening on %s", listen);
	return (0);
}

void
metrics_http_stop(void)
{
	struct mconn	*c;

	if (mh.listener != NULL)
		evconnlistener_free(mh.listener);
	mh.listener = NULL;
	while ((c = TAILQ_FIRST(&mh.conns)) != NULL)
		conn_free(c);
	metrics_page_on_ready(NULL);
	if (mh.ready != NULL)
		event_free(mh.ready);
	mh.ready = NULL;
	if (mh.path != NULL)
		unlink(mh.path);
	free(mh.path);
	free(mh.listen);
	free(mh.allow);
	mh.path = mh.listen = NULL;
	mh.allow = NULL;
	mh.nallow = mh.paused = 0;
}

void
metrics_http_reconfigure(const struct config *old)
{
	const char	*now = acmd.conf->metrics_listen;
	char		*cause = NULL;

	if ((now == NULL && mh.listen == NULL) ||
	    (now != NULL && mh.listen != NULL && strcmp(now, mh.listen) == 0)) {
		allow_load();
		if (mh.paused &&
		    mh.nconns < acmd.conf->metrics_max_connections) {
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

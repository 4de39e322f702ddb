/*
 * The HTTP engine: curl multi on the libevent base.  curl tells us which
 * sockets to watch (http_socket_cb) and when to wake it (http_timer_cb);
 * we hand events back with curl_multi_socket_action.  Finished transfers
 * are collected first and called back afterwards, outside every curl
 * callback, so a callback may submit or cancel freely.
 *
 * The engine's events run at the base's lowest priority: an answer, and
 * the work its callback carries, waits while a client's or a scrape's
 * events are ready (main.c).  So that busy clients cannot starve it, a
 * timer at the default priority drives curl itself when none of the
 * engine's events has run for HTTP_KICK_MS while transfers are under way.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>

#include "http.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

enum http_state {
	HTTP_QUEUED,
	HTTP_RUNNING,
	HTTP_DONE,
	HTTP_CALLING,
};

struct http_transfer {
	struct http_engine	*eng;
	enum http_state		 state;
	CURL			*easy;
	struct curl_slist	*hdrs;
	char			*method;
	char			*host;
	http_cb			 cb;
	void			*arg;

	CURLcode		 result;
	int			 too_large;
	uint64_t		 started;
	char			 errbuf[CURL_ERROR_SIZE];
	struct http_response	*resp;
	size_t			 bodysize;

	struct curl_slist	*rcpts;		/* mail only */
	char			*upload;
	size_t			 uploadlen;
	size_t			 uploadoff;

	TAILQ_ENTRY(http_transfer) entry;
};
TAILQ_HEAD(http_transfers, http_transfer);

struct http_sock {
	struct http_engine	*eng;
	curl_socket_t		 fd;
	struct event		*ev;
	LIST_ENTRY(http_sock)	 entry;
};

#define HTTP_KICK_MS	100

struct http_engine {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct event		*deliver;
	struct event		*kick;
	int			 prio;		/* of the engine's events */
	int			 served;	/* one ran since the last kick */

	long			 connect_timeout_ms;
	long			 timeout_ms;
	unsigned		 max_transfers;	/* in flight: the lesser */
	unsigned		 max_connections;
	size_t			 max_body;
	char			*ca_path;
	int			 verbose;

	struct http_transfers	 queued;
	struct http_transfers	 running;
	struct http_transfers	 done;
	unsigned		 nqueued;
	unsigned		 nrunning;
	int			 dying;

	LIST_HEAD(, http_sock)	 socks;
};

static int	http_curl_ready;

static void	http_fill(struct http_engine *);
static void	http_deliver(struct http_engine *);

static void
http_set_options(struct http_engine *eng, const struct http_options *o)
{
	eng->connect_timeout_ms = HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
	eng->timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
	eng->max_transfers = HTTP_DEFAULT_MAX_TRANSFERS;
	eng->max_connections = HTTP_DEFAULT_MAX_CONNECTIONS;
	eng->max_body = HTTP_DEFAULT_MAX_BODY;
	free(eng->ca_path);
	eng->ca_path = NULL;
	eng->verbose = 0;
	if (o != NULL) {
		if (o->connect_timeout_ms > 0)
			eng->connect_timeout_ms = o->connect_timeout_ms;
		if (o->timeout_ms > 0)
			eng->timeout_ms = o->timeout_ms;
		if (o->max_transfers > 0)
			eng->max_transfers = o->max_transfers;
		if (o->max_connections > 0)
			eng->max_connections = o->max_connections;
		if (o->max_body > 0)
			eng->max_body = o->max_body;
		if (o->ca_path != NULL && *o->ca_path != '\0')
			eng->ca_path = xstrdup(o->ca_path);
		eng->verbose = o->verbose;
	}

	/*
	 * No more transfers in flight than connections: one that waited
	 * inside curl for a connection would spend its timeout waiting.
	 * The connections open, to every host together, in use or kept for
	 * reuse, are at most max_connections (curl closes the oldest idle
	 * one to open another).
	 */
	if (eng->max_transfers > eng->max_connections)
		eng->max_transfers = eng->max_connections;
	curl_multi_setopt(eng->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
	    (long)eng->max_connections);
	curl_multi_setopt(eng->multi, CURLMOPT_MAXCONNECTS,
	    (long)eng->max_connections);
	curl_multi_setopt(eng->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)eng->max_transfers);
}

/* curl wants this socket watched for what (or no longer). */
static void
http_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_engine	*eng = arg;
	int			 action = 0, running;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	eng->served = 1;
	curl_multi_socket_action(eng->multi, fd, action, &running);
	http_deliver(eng);
}

static int
http_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
    void *socketp)
{
	struct http_engine	*eng = userp;
	struct http_sock	*hs = socketp;
	short			 events = EV_PERSIST;

	if (what == CURL_POLL_REMOVE) {
		if (hs != NULL) {
			LIST_REMOVE(hs, entry);
			event_free(hs->ev);
			free(hs);
			curl_multi_assign(eng->multi, fd, NULL);
		}
		return (0);
	}

	if (hs == NULL) {
		hs = xcalloc(1, sizeof *hs);
		hs->eng = eng;
		hs->fd = fd;
		LIST_INSERT_HEAD(&eng->socks, hs, entry);
		curl_multi_assign(eng->multi, fd, hs);
	} else
		event_free(hs->ev);

	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	hs->ev = event_new(eng->base, fd, events, http_event_cb, eng);
	event_priority_set(hs->ev, eng->prio);
	event_add(hs->ev, NULL);
	return (0);
}

static void
http_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_engine	*eng = arg;
	int			 running;

	eng->served = 1;
	curl_multi_socket_action(eng->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_deliver(eng);
}

/*
 * No event of the engine ran for a whole tick while transfers were under
 * way: the loop was kept busy at a higher priority.  Let curl look at
 * every socket itself (an event mask of 0), then call back.
 */
static void
http_kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_engine	*eng = arg;
	struct http_sock	*hs;
	curl_socket_t		*fds;
	size_t			 n = 0, i;
	int			 running;

	if (eng->served) {
		eng->served = 0;
		return;
	}
	LIST_FOREACH(hs, &eng->socks, entry)
		n++;
	fds = xreallocarray(NULL, n + 1, sizeof *fds);
	n = 0;
	LIST_FOREACH(hs, &eng->socks, entry)
		fds[n++] = hs->fd;
	/* A socket curl closed meanwhile is not known to it: nothing done. */
	for (i = 0; i < n; i++)
		curl_multi_socket_action(eng->multi, fds[i], 0, &running);
	free(fds);
	curl_multi_socket_action(eng->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	http_deliver(eng);
}

/* curl wants to be woken in timeout_ms (-1: never). */
static int
http_timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	struct http_engine	*eng = userp;
	struct timeval		 tv;

	if (timeout_ms < 0) {
		evtimer_del(eng->timer);
		return (0);
	}
	tv = ms_to_tv((uint64_t)timeout_ms);
	evtimer_add(eng->timer, &tv);
	return (0);
}

static void
http_deliver_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_engine	*eng = arg;

	eng->served = 1;
	http_deliver(eng);
}

static size_t
http_write_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_transfer	*t = arg;
	struct http_response	*r = t->resp;
	size_t			 len = size * nmemb, want;

	if (len > t->eng->max_body || r->bodylen > t->eng->max_body - len) {
		t->too_large = 1;
		return (0);
	}
	want = r->bodylen + len + 1;
	if (want > t->bodysize) {
		if (t->bodysize == 0)
			t->bodysize = 4096;
		while (t->bodysize < want)
			t->bodysize *= 2;
		r->body = xreallocarray(r->body, 1, t->bodysize);
	}
	memcpy(r->body + r->bodylen, ptr, len);
	r->bodylen += len;
	r->body[r->bodylen] = '\0';
	return (len);
}

static void
http_clear_headers(struct http_response *r)
{
	size_t	i;

	for (i = 0; i < r->nheaders; i++) {
		free((void *)r->headers[i].name);
		free((void *)r->headers[i].value);
	}
	free(r->headers);
	r->headers = NULL;
	r->nheaders = 0;
}

static size_t
http_header_cb(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_transfer	*t = arg;
	struct http_response	*r = t->resp;
	struct http_header	*h;
	size_t			 len = size * nmemb, n;
	const char		*colon, *v, *end = ptr + len;
	char			*old;

	while (end > ptr && isspace((unsigned char)end[-1]))
		end--;
	if (end == ptr)
		return (len);

	/* A new status line: an earlier interim answer's headers go. */
	if (end - ptr >= 5 && strncmp(ptr, "HTTP/", 5) == 0) {
		http_clear_headers(r);
		return (len);
	}

	/* A folded line continues the previous value. */
	if (*ptr == ' ' || *ptr == '\t') {
		if (r->nheaders == 0)
			return (len);
		while (ptr < end && (*ptr == ' ' || *ptr == '\t'))
			ptr++;
		h = &r->headers[r->nheaders - 1];
		old = (char *)h->value;
		xasprintf((char **)&h->value, "%s %.*s", old, (int)(end - ptr),
		    ptr);
		free(old);
		return (len);
	}

	if ((colon = memchr(ptr, ':', end - ptr)) == NULL || colon == ptr)
		return (len);
	for (v = colon + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		/* nothing */;

	n = r->nheaders + 1;
	r->headers = xreallocarray(r->headers, n, sizeof *r->headers);
	h = &r->headers[r->nheaders];
	h->name = xstrndup(ptr, colon - ptr);
	h->value = xstrndup(v, end - v);
	r->nheaders = n;
	return (len);
}

static int
http_debug_cb(CURL *easy, curl_infotype type, char *data, size_t size,
    void *arg)
{
	struct http_transfer	*t = arg;
	size_t			 len = size;

	/*
	 * Only curl's own words and the answer's headers: what we send
	 * carries signatures and session tokens.
	 */
	if (type != CURLINFO_TEXT && type != CURLINFO_HEADER_IN)
		return (0);
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len > 0)
		log_debug("http %s: %s%.*s", t->host,
		    type == CURLINFO_HEADER_IN ? "< " : "", (int)len, data);
	return (0);
}

static int
http_has_header(const struct http_request *req, const char *name)
{
	size_t	i;

	for (i = 0; i < req->nheaders; i++) {
		if (strcasecmp(req->headers[i].name, name) == 0)
			return (1);
	}
	return (0);
}

static char *
http_url_host(const char *url)
{
	CURLU	*u;
	char	*host = NULL, *s;

	if ((u = curl_url()) == NULL)
		return (xstrdup("(no host)"));
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		s = xstrdup(host);
		curl_free(host);
	} else
		s = xstrdup("(no host)");
	curl_url_cleanup(u);
	return (s);
}

static void
http_transfer_free(struct http_transfer *t)
{
	struct http_response	*r = t->resp;

	if (t->easy != NULL)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->hdrs);
	curl_slist_free_all(t->rcpts);
	free(t->upload);
	if (r != NULL) {
		free(r->body);
		free(r->error);
		http_clear_headers(r);
		free(r);
	}
	free(t->method);
	free(t->host);
	free(t);
}

/* Take t off whichever list it is on. */
static void
http_unlink(struct http_transfer *t)
{
	struct http_engine	*eng = t->eng;

	switch (t->state) {
	case HTTP_QUEUED:
		TAILQ_REMOVE(&eng->queued, t, entry);
		eng->nqueued--;
		break;
	case HTTP_RUNNING:
		curl_multi_remove_handle(eng->multi, t->easy);
		TAILQ_REMOVE(&eng->running, t, entry);
		eng->nrunning--;
		break;
	case HTTP_DONE:
		TAILQ_REMOVE(&eng->done, t, entry);
		break;
	case HTTP_CALLING:
		break;
	}
}

/* Mark t finished and put it on the list to call back. */
static void
http_finish(struct http_transfer *t, CURLcode result)
{
	http_unlink(t);
	t->result = result;
	t->state = HTTP_DONE;
	TAILQ_INSERT_TAIL(&t->eng->done, t, entry);
}

static void
http_start(struct http_transfer *t)
{
	struct http_engine	*eng = t->eng;
	CURL			*e = t->easy;
	CURLMcode		 mc;

	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, eng->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, eng->timeout_ms);
	if (eng->ca_path != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, eng->ca_path);
	curl_easy_setopt(e, CURLOPT_VERBOSE, eng->verbose ? 1L : 0L);

	TAILQ_REMOVE(&eng->queued, t, entry);
	eng->nqueued--;
	TAILQ_INSERT_TAIL(&eng->running, t, entry);
	eng->nrunning++;
	t->state = HTTP_RUNNING;
	t->started = now_ms();
	if (!evtimer_pending(eng->kick, NULL)) {
		struct timeval	tv = ms_to_tv(HTTP_KICK_MS);

		evtimer_add(eng->kick, &tv);
	}

	if ((mc = curl_multi_add_handle(eng->multi, e)) != CURLM_OK) {
		TAILQ_REMOVE(&eng->running, t, entry);
		eng->nrunning--;
		t->state = HTTP_CALLING;	/* on no list */
		snprintf(t->errbuf, sizeof t->errbuf, "%s",
		    curl_multi_strerror(mc));
		http_finish(t, CURLE_FAILED_INIT);
		event_active(eng->deliver, EV_TIMEOUT, 1);
	}
}

/* Start queued transfers while there are free slots. */
static void
http_fill(struct http_engine *eng)
{
	struct http_transfer	*t;

	while (!eng->dying && eng->nrunning < eng->max_transfers &&
	    (t = TAILQ_FIRST(&eng->queued)) != NULL)
		http_start(t);
}

/* Whether the request went out (curl counts what it sent of it). */
static int
http_sent(struct http_transfer *t)
{
	long	 size = 0;

	if (curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &size) !=
	    CURLE_OK)
		return (0);
	return (size > 0);
}

static void
http_call(struct http_transfer *t)
{
	struct http_engine	*eng = t->eng;
	struct http_response	*r = t->resp;
	const char		*why;

	http_unlink(t);
	t->state = HTTP_CALLING;

	if (r->body == NULL)
		r->body = xstrdup("");
	if (t->easy != NULL) {
		curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &r->status);
		r->sent = http_sent(t);
	}
	if (t->started != 0)
		r->elapsed_ms = now_ms() - t->started;

	if (eng->dying) {
		r->failed = 1;
		r->error = xstrdup("shutting down");
	} else if (t->too_large) {
		r->failed = 1;
		xasprintf(&r->error, "%s: answer too large (over %zu bytes)",
		    t->host, eng->max_body);
	} else if (t->result != CURLE_OK) {
		r->failed = 1;
		r->timed_out = (t->result == CURLE_OPERATION_TIMEDOUT);
		why = t->errbuf[0] != '\0' ? t->errbuf :
		    curl_easy_strerror(t->result);
		xasprintf(&r->error, "%s: %s", t->host, why);
	}

	if (r->failed)
		log_debug("http %s: %s", t->method, r->error);
	else
		log_debug("http %s %s: %ld, %zu bytes in %llu ms", t->method,
		    t->host, r->status, r->bodylen,
		    (unsigned long long)r->elapsed_ms);

	t->cb(r, t->arg);
	http_transfer_free(t);
}

/* Collect what curl has finished, refill the slots, then call back. */
static void
http_deliver(struct http_engine *eng)
{
	struct http_transfer	*t;
	CURLMsg			*msg;
	int			 left;
	void			*p;

	while ((msg = curl_multi_info_read(eng->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
		t = p;
		http_finish(t, msg->data.result);
	}
	http_fill(eng);

	while ((t = TAILQ_FIRST(&eng->done)) != NULL)
		http_call(t);
	if (eng->nrunning == 0)
		evtimer_del(eng->kick);
}

struct http_engine *
http_engine_new(struct event_base *base, const struct http_options *o)
{
	struct http_engine	*eng;
	CURLcode		 rc;

	if (!http_curl_ready) {
		if ((rc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK)
			fatalx("curl_global_init: %s", curl_easy_strerror(rc));
		http_curl_ready = 1;
	}

	eng = xcalloc(1, sizeof *eng);
	eng->base = base;
	TAILQ_INIT(&eng->queued);
	TAILQ_INIT(&eng->running);
	TAILQ_INIT(&eng->done);
	LIST_INIT(&eng->socks);

	if ((eng->multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init failed");
	curl_multi_setopt(eng->multi, CURLMOPT_SOCKETFUNCTION, http_socket_cb);
	curl_multi_setopt(eng->multi, CURLMOPT_SOCKETDATA, eng);
	curl_multi_setopt(eng->multi, CURLMOPT_TIMERFUNCTION, http_timer_cb);
	curl_multi_setopt(eng->multi, CURLMOPT_TIMERDATA, eng);
	curl_multi_setopt(eng->multi, CURLMOPT_PIPELINING, CURLPIPE_NOTHING);

	eng->timer = evtimer_new(base, http_timeout_cb, eng);
	eng->deliver = event_new(base, -1, 0, http_deliver_cb, eng);
	eng->kick = event_new(base, -1, EV_PERSIST, http_kick_cb, eng);
	eng->prio = event_base_get_npriorities(base) - 1;
	event_priority_set(eng->timer, eng->prio);
	event_priority_set(eng->deliver, eng->prio);

	http_set_options(eng, o);
	return (eng);
}

void
http_engine_set_options(struct http_engine *eng, const struct http_options *o)
{
	http_set_options(eng, o);
	http_fill(eng);
}

void
http_engine_free(struct http_engine *eng)
{
	struct http_transfer	*t;
	struct http_sock	*hs;

	if (eng == NULL)
		return;
	eng->dying = 1;

	/* Finished ones first, then running, then queued, each in order. */
	while ((t = TAILQ_FIRST(&eng->done)) != NULL)
		http_call(t);
	while ((t = TAILQ_FIRST(&eng->running)) != NULL)
		http_call(t);
	while ((t = TAILQ_FIRST(&eng->queued)) != NULL)
		http_call(t);

	curl_multi_cleanup(eng->multi);
	while ((hs = LIST_FIRST(&eng->socks)) != NULL) {
		LIST_REMOVE(hs, entry);
		event_free(hs->ev);
		free(hs);
	}
	event_free(eng->timer);
	event_free(eng->deliver);
	event_free(eng->kick);
	free(eng->ca_path);
	free(eng);
}

/* A transfer and its curl handle with what every kind of transfer sets. */
static struct http_transfer *
http_transfer_new(struct http_engine *eng, const char *method,
    const char *url, const char *protocols, http_cb cb, void *arg)
{
	struct http_transfer	*t;
	CURL			*e;

	t = xcalloc(1, sizeof *t);
	t->eng = eng;
	t->cb = cb;
	t->arg = arg;
	t->method = xstrdup(method);
	t->host = http_url_host(url);
	t->resp = xcalloc(1, sizeof *t->resp);
	if ((e = t->easy = curl_easy_init()) == NULL)
		fatalx("curl_easy_init failed");
	curl_easy_setopt(e, CURLOPT_PRIVATE, t);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protocols);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, http_debug_cb);
	curl_easy_setopt(e, CURLOPT_DEBUGDATA, t);
	return (t);
}

struct http_transfer *
http_submit(struct http_engine *eng, const struct http_request *req,
    http_cb cb, void *arg)
{
	struct http_transfer	*t;
	CURL			*e;
	const char		*method = req->method;
	char			*line;
	size_t			 i;

	if (eng->dying)
		return (NULL);
	if (method == NULL)
		method = req->bodylen > 0 ? "POST" : "GET";

	t = http_transfer_new(eng, method, req->url, "http,https", cb, arg);
	e = t->easy;
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, http_header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, t);

	if (req->bodylen > 0 || strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->bodylen);
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS,
		    req->bodylen > 0 ? req->body : "");
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") == 0)
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	else
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);

	/* Only the headers given: take away those curl adds unasked. */
	for (i = 0; i < req->nheaders; i++) {
		if (*req->headers[i].value == '\0')
			xasprintf(&line, "%s;", req->headers[i].name);
		else
			xasprintf(&line, "%s: %s", req->headers[i].name,
			    req->headers[i].value);
		t->hdrs = curl_slist_append(t->hdrs, line);
		free(line);
	}
	if (!http_has_header(req, "Expect"))
		t->hdrs = curl_slist_append(t->hdrs, "Expect:");
	if (!http_has_header(req, "Accept"))
		t->hdrs = curl_slist_append(t->hdrs, "Accept:");
	if (!http_has_header(req, "Content-Type"))
		t->hdrs = curl_slist_append(t->hdrs, "Content-Type:");
	if (t->hdrs == NULL)
		fatalx("curl_slist_append failed");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->hdrs);

	t->state = HTTP_QUEUED;
	TAILQ_INSERT_TAIL(&eng->queued, t, entry);
	eng->nqueued++;
	http_fill(eng);
	return (t);
}

static size_t
http_read_cb(char *buf, size_t size, size_t nitems, void *arg)
{
	struct http_transfer	*t = arg;
	size_t			 len = size * nitems, left;

	left = t->uploadlen - t->uploadoff;
	if (len > left)
		len = left;
	memcpy(buf, t->upload + t->uploadoff, len);
	t->uploadoff += len;
	return (len);
}

struct http_transfer *
http_submit_mail(struct http_engine *eng, const char *url, const char *from,
    const char *const *rcpts, const char *message, http_cb cb, void *arg)
{
	struct http_transfer	*t;
	CURL			*e;
	size_t			 i;

	if (eng->dying)
		return (NULL);

	t = http_transfer_new(eng, "MAIL", url, "smtp,smtps", cb, arg);
	e = t->easy;
	t->upload = xstrdup(message);
	t->uploadlen = strlen(message);
	if (strncasecmp(url, "smtp://", 7) == 0)
		curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, from);
	for (i = 0; rcpts[i] != NULL; i++) {
		t->rcpts = curl_slist_append(t->rcpts, rcpts[i]);
		if (t->rcpts == NULL)
			fatalx("curl_slist_append failed");
	}
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, t->rcpts);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, http_read_cb);
	curl_easy_setopt(e, CURLOPT_READDATA, t);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->uploadlen);

	t->state = HTTP_QUEUED;
	TAILQ_INSERT_TAIL(&eng->queued, t, entry);
	eng->nqueued++;
	http_fill(eng);
	return (t);
}

void
http_cancel(struct http_transfer *t)
{
	struct http_engine	*eng;

	if (t == NULL || t->state == HTTP_CALLING)
		return;
	eng = t->eng;
	log_debug("http %s %s: cancelled", t->method, t->host);
	http_unlink(t);
	http_transfer_free(t);
	http_fill(eng);
}

unsigned
http_in_flight(struct http_engine *eng)
{
	return (eng->nrunning);
}

unsigned
http_queued(struct http_engine *eng)
{
	return (eng->nqueued);
}

const char *
http_response_header(const struct http_response *r, const char *name)
{
	size_t	i;

	for (i = r->nheaders; i > 0; i--) {
		if (strcasecmp(r->headers[i - 1].name, name) == 0)
			return (r->headers[i - 1].value);
	}
	return (NULL);
}

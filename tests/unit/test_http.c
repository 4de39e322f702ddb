/*
 * The HTTP engine against a local test server (tests/unit/httpd_test.py):
 * round trips, connection reuse, the queue, timeouts, transport failures,
 * cancel, shutdown, status codes, the body cap, and transfers that go on
 * while the loop is kept busy at a higher priority.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <jansson.h>

#include "http.h"
#include "log.h"
#include "xmalloc.h"

#define SAFETY_MS	8000

static pid_t		 server_pid = -1;
static int		 server_stdin = -1;
static int		 port;

struct result {
	int		 called;
	long		 status;
	char		*body;
	size_t		 bodylen;
	int		 failed;
	int		 timed_out;
	char		*error;
	char		*ctype;
	char		*xtest;
};

struct fixture {
	struct event_base	*base;
	struct http_engine	*eng;
	int			 done;
};

/* ---- the test server ---- */

static int
server_start(void **state)
{
	const char	*srcdir;
	char		*path, line[32];
	int		 in[2], out[2];
	ssize_t		 n;
	size_t		 got = 0;

	log_init("test_http", LOG_TO_STDERR, getenv("HTTP_TEST_DEBUG") != NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((srcdir = getenv("top_srcdir")) == NULL)
		srcdir = ".";
	xasprintf(&path, "%s/tests/unit/httpd_test.py", srcdir);
	if (pipe(in) != 0 || pipe(out) != 0)
		return (-1);
	if ((server_pid = fork()) == -1)
		return (-1);
	if (server_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		execl("/usr/bin/python3", "python3", path, (char *)NULL);
		_exit(127);
	}
	free(path);
	close(in[0]);
	close(out[1]);
	server_stdin = in[1];

	memset(line, 0, sizeof line);
	while (got < sizeof line - 1 && strchr(line, '\n') == NULL) {
		n = read(out[0], line + got, sizeof line - 1 - got);
		if (n <= 0)
			break;
		got += n;
	}
	close(out[0]);
	port = atoi(line);
	return (port > 0 ? 0 : -1);
}

static int
server_stop(void **state)
{
	int	status;

	if (server_stdin != -1)
		close(server_stdin);
	if (server_pid > 0) {
		kill(server_pid, SIGTERM);
		waitpid(server_pid, &status, 0);
	}
	return (0);
}

/* ---- the loop ---- */

static void
safety_cb(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Run the loop until *counter reaches want; -1 if it takes too long. */
static int
run_until(struct event_base *base, int *counter, int want, int ms)
{
	struct event	*ev;
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	int		 expired = 0;

	ev = evtimer_new(base, safety_cb, &expired);
	evtimer_add(ev, &tv);
	while (*counter < want && !expired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(ev);
	return (*counter >= want ? 0 : -1);
}

static void
run_for(struct event_base *base, int ms)
{
	int	never = 0;

	run_until(base, &never, 1, ms);
}

static int
setup(void **state)
{
	struct fixture	*f;

	f = xcalloc(1, sizeof *f);
	f->base = event_base_new();
	*state = f;
	return (f->base == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;

	http_engine_free(f->eng);
	event_base_free(f->base);
	free(f);
	return (0);
}

static struct http_engine *
engine(struct fixture *f, long timeout_ms, unsigned max_transfers,
    size_t max_body)
{
	struct http_options	o;

	memset(&o, 0, sizeof o);
	o.connect_timeout_ms = 2000;
	o.timeout_ms = timeout_ms;
	o.max_transfers = max_transfers;
	o.max_body = max_body;
	f->eng = http_engine_new(f->base, &o);
	return (f->eng);
}

static char *
url(const char *path)
{
	char	*s;

	xasprintf(&s, "http://127.0.0.1:%d%s", port, path);
	return (s);
}

static int	*done_counter;

static void
result_cb(struct http_response *r, void *arg)
{
	struct result	*res = arg;
	const char	*v;

	res->called++;
	res->status = r->status;
	res->failed = r->failed;
	res->timed_out = r->timed_out;
	/* Take the body: the engine frees what is left. */
	res->body = r->body;
	res->bodylen = r->bodylen;
	r->body = NULL;
	if (r->error != NULL)
		res->error = xstrdup(r->error);
	if ((v = http_response_header(r, "content-type")) != NULL)
		res->ctype = xstrdup(v);
	if ((v = http_response_header(r, "X-TEST")) != NULL)
		res->xtest = xstrdup(v);
	(*done_counter)++;
}

static void
result_clear(struct result *res)
{
	free(res->body);
	free(res->error);
	free(res->ctype);
	free(res->xtest);
	memset(res, 0, sizeof *res);
}

static struct http_transfer *
submit_url(struct fixture *f, const char *method, const char *u,
    const struct http_header *h, size_t nh, const char *body,
    struct result *res)
{
	struct http_request	 req;

	memset(&req, 0, sizeof req);
	req.method = method;
	req.url = u;
	req.headers = h;
	req.nheaders = nh;
	req.body = body;
	req.bodylen = body != NULL ? strlen(body) : 0;
	done_counter = &f->done;
	return (http_submit(f->eng, &req, result_cb, res));
}

static struct http_transfer *
submit(struct fixture *f, const char *method, const char *path,
    const struct http_header *h, size_t nh, const char *body,
    struct result *res)
{
	struct http_transfer	*t;
	char			*u = url(path);

	t = submit_url(f, method, u, h, nh, body, res);
	free(u);	/* copied */
	return (t);
}

/* One GET of a whole URL, run to its end. */
static void
fetch_url(struct fixture *f, const char *u, struct result *res)
{
	int	want = f->done + 1;

	assert_non_null(submit_url(f, "GET", u, NULL, 0, NULL, res));
	assert_int_equal(run_until(f->base, &f->done, want, SAFETY_MS), 0);
	assert_int_equal(res->called, 1);
}

/* One GET of a path on the test server, run to its end. */
static void
fetch(struct fixture *f, const char *path, struct result *res)
{
	char	*u = url(path);

	fetch_url(f, u, res);
	free(u);
}

/* The request failed in transport: no answer, an error naming the host. */
static void
expect_transport_failure(struct result *res, int timed_out)
{
	assert_int_equal(res->failed, 1);
	assert_int_equal(res->timed_out, timed_out);
	assert_int_equal(res->status, 0);
	assert_non_null(res->error);
	assert_non_null(strstr(res->error, "127.0.0.1"));
}

/* The value of the echoed request header name, or NULL. */
static const char *
echo_header(json_t *j, const char *name)
{
	json_t		*hs, *h;
	const char	*v = NULL;
	size_t		 i;

	hs = json_object_get(j, "headers");
	json_array_foreach(hs, i, h) {
		if (strcasecmp(json_string_value(json_array_get(h, 0)),
		    name) == 0)
			v = json_string_value(json_array_get(h, 1));
	}
	return (v);
}

/* ---- the tests ---- */

static void
test_get(void **state)
{
	struct fixture		*f = *state;
	struct http_header	 h[] = { { "X-Custom", "abc def" } };
	struct result		 res = { 0 };
	json_t			*j;
	json_error_t		 jerr;

	engine(f, 5000, 4, 0);
	assert_non_null(submit(f, "GET", "/echo?a=1", h, 1, NULL, &res));
	/* Never called back from inside submit. */
	assert_int_equal(res.called, 0);
	assert_int_equal(http_in_flight(f->eng), 1);
	assert_int_equal(run_until(f->base, &f->done, 1, SAFETY_MS), 0);

	assert_int_equal(res.failed, 0);
	assert_null(res.error);
	assert_int_equal(res.status, 200);
	assert_string_equal(res.ctype, "application/json");
	assert_int_equal(strlen(res.body), res.bodylen);
	j = json_loads(res.body, 0, &jerr);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "method")),
	    "GET");
	assert_string_equal(json_string_value(json_object_get(j, "path")),
	    "/echo?a=1");
	assert_string_equal(echo_header(j, "x-custom"), "abc def");
	assert_non_null(echo_header(j, "Host"));
	/* Nothing curl would add unasked. */
	assert_null(echo_header(j, "Accept"));
	assert_null(echo_header(j, "User-Agent"));
	assert_null(echo_header(j, "Content-Type"));
	assert_string_equal(json_string_value(json_object_get(j, "body")), "");
	json_decref(j);
	result_clear(&res);
	assert_int_equal(http_in_flight(f->eng), 0);
}

static void
test_post(void **state)
{
	struct fixture		*f = *state;
	struct http_header	 h[] = {
		{ "Content-Type", "application/x-amz-json-1.1" },
		{ "X-Amz-Target", "CertificateManager.ListCertificates" },
		{ "Accept", "application/json" },
	};
	struct result		 res = { 0 }, res2 = { 0 };
	const char		*body = "{\"MaxItems\": 1000}";
	json_t			*j;
	json_error_t		 jerr;

	engine(f, 5000, 4, 0);
	assert_non_null(submit(f, "POST", "/echo", h, 3, body, &res));
	assert_non_null(submit(f, "DELETE", "/echo", NULL, 0, NULL, &res2));
	assert_int_equal(run_until(f->base, &f->done, 2, SAFETY_MS), 0);

	assert_int_equal(res.failed, 0);
	assert_int_equal(res.status, 200);
	j = json_loads(res.body, 0, &jerr);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "method")),
	    "POST");
	assert_string_equal(json_string_value(json_object_get(j, "body")),
	    body);
	assert_string_equal(echo_header(j, "Content-Type"),
	    "application/x-amz-json-1.1");
	assert_string_equal(echo_header(j, "X-Amz-Target"),
	    "CertificateManager.ListCertificates");
	assert_string_equal(echo_header(j, "Accept"), "application/json");
	assert_string_equal(echo_header(j, "Content-Length"), "18");
	assert_null(echo_header(j, "Expect"));
	json_decref(j);

	assert_int_equal(res2.status, 200);
	j = json_loads(res2.body, 0, &jerr);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "method")),
	    "DELETE");
	json_decref(j);
	result_clear(&res);
	result_clear(&res2);
}

struct chain {
	struct fixture	*f;
	struct result	 res[3];
	int		 next;
};

static void
chain_cb(struct http_response *r, void *arg)
{
	struct chain		*c = arg;
	struct http_request	 req;
	char			*u;

	c->res[c->next].status = r->status;
	c->res[c->next].body = xstrdup(r->body);
	c->res[c->next].called = 1;
	c->f->done++;
	if (++c->next == 3)
		return;
	/* The next one from inside the callback. */
	u = url(c->next == 1 ? "/echo" : "/conns");
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = u;
	assert_non_null(http_submit(c->f->eng, &req, chain_cb, c));
	free(u);
}

static void
test_reuse(void **state)
{
	struct fixture		*f = *state;
	struct chain		 c;
	struct http_request	 req;
	char			*u;
	int			 i;

	memset(&c, 0, sizeof c);
	c.f = f;
	engine(f, 5000, 4, 0);
	u = url("/conns");
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = u;
	assert_non_null(http_submit(f->eng, &req, chain_cb, &c));
	free(u);
	assert_int_equal(run_until(f->base, &f->done, 3, SAFETY_MS), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(c.res[i].status, 200);
	/* No new connection between the first and the third. */
	assert_true(atoi(c.res[0].body) > 0);
	assert_string_equal(c.res[0].body, c.res[2].body);
	for (i = 0; i < 3; i++)
		free(c.res[i].body);
}

struct many {
	struct fixture	*f;
	unsigned	 max_seen;
	int		 ok;
};

static void
many_cb(struct http_response *r, void *arg)
{
	struct many	*m = arg;
	unsigned	 n = http_in_flight(m->f->eng);

	if (n > m->max_seen)
		m->max_seen = n;
	if (!r->failed && r->status == 200 && strcmp(r->body, "slow") == 0)
		m->ok++;
	m->f->done++;
}

static void
test_queue(void **state)
{
	struct fixture		*f = *state;
	struct many		 m;
	struct result		 before = { 0 }, after = { 0 };
	struct http_request	 req;
	json_t			*j0, *j1;
	json_error_t		 jerr;
	char			*u;
	int			 i, conns;

	memset(&m, 0, sizeof m);
	m.f = f;
	engine(f, 5000, 4, 0);
	fetch(f, "/reset", &before);
	result_clear(&before);
	fetch(f, "/stats", &before);

	u = url("/slow?ms=20");
	memset(&req, 0, sizeof req);
	req.url = u;	/* no method: GET */
	for (i = 0; i < 50; i++)
		assert_non_null(http_submit(f->eng, &req, many_cb, &m));
	free(u);
	assert_int_equal(http_in_flight(f->eng), 4);
	assert_int_equal(http_queued(f->eng), 46);
	f->done = 0;
	assert_int_equal(run_until(f->base, &f->done, 50, SAFETY_MS), 0);
	assert_int_equal(m.ok, 50);
	assert_true(m.max_seen <= 4);
	assert_int_equal(http_in_flight(f->eng), 0);
	assert_int_equal(http_queued(f->eng), 0);

	fetch(f, "/stats", &after);
	j0 = json_loads(before.body, 0, &jerr);
	j1 = json_loads(after.body, 0, &jerr);
	assert_non_null(j0);
	assert_non_null(j1);
	/* The server never saw more than 4 at once ... */
	i = json_integer_value(json_object_get(j1, "max_active"));
	assert_true(i >= 1 && i <= 4);
	/* ... and at most 4 new connections carried all 50. */
	conns = json_integer_value(json_object_get(j1, "conns")) -
	    json_integer_value(json_object_get(j0, "conns"));
	assert_true(conns <= 4);
	json_decref(j0);
	json_decref(j1);
	result_clear(&before);
	result_clear(&after);
}

static void
test_timeout(void **state)
{
	struct fixture	*f = *state;
	struct result	 res = { 0 };

	engine(f, 200, 4, 0);
	fetch(f, "/slow?ms=1500", &res);
	expect_transport_failure(&res, 1);
	assert_non_null(strstr(res.error, "timed out"));
	assert_string_equal(res.body, "");
	result_clear(&res);
}

static void
test_refused(void **state)
{
	struct fixture		*f = *state;
	struct result		 res = { 0 };
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof sin;
	char			*u;
	int			 s, closed_port;

	/* A port that was free a moment ago and has nobody listening. */
	s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s != -1);
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sin, &len), 0);
	closed_port = ntohs(sin.sin_port);
	close(s);

	engine(f, 5000, 4, 0);
	xasprintf(&u, "http://127.0.0.1:%d/", closed_port);
	fetch_url(f, u, &res);
	free(u);
	expect_transport_failure(&res, 0);
	result_clear(&res);
}

static void
test_drop(void **state)
{
	struct fixture	*f = *state;
	struct result	 res = { 0 };

	engine(f, 5000, 4, 0);
	fetch(f, "/drop", &res);
	expect_transport_failure(&res, 0);
	result_clear(&res);

	/* The engine is fine afterwards. */
	fetch(f, "/status/204", &res);
	assert_int_equal(res.failed, 0);
	assert_int_equal(res.status, 204);
	result_clear(&res);
}

static void
test_cancel(void **state)
{
	struct fixture		*f = *state;
	struct result		 a = { 0 }, b = { 0 }, c = { 0 };
	struct http_transfer	*ta, *tb;

	engine(f, 5000, 1, 0);
	ta = submit(f, "GET", "/slow?ms=300", NULL, 0, NULL, &a);
	tb = submit(f, "GET", "/echo", NULL, 0, NULL, &b);
	assert_non_null(ta);
	assert_non_null(tb);
	assert_non_null(submit(f, "GET", "/echo", NULL, 0, NULL, &c));
	assert_int_equal(http_in_flight(f->eng), 1);
	assert_int_equal(http_queued(f->eng), 2);

	/* A queued one. */
	http_cancel(tb);
	assert_int_equal(http_queued(f->eng), 1);

	/* A running one: its slot goes to the next. */
	run_for(f->base, 50);
	assert_int_equal(a.called, 0);
	http_cancel(ta);
	assert_int_equal(http_in_flight(f->eng), 1);
	assert_int_equal(http_queued(f->eng), 0);

	assert_int_equal(run_until(f->base, &f->done, 1, SAFETY_MS), 0);
	assert_int_equal(c.called, 1);
	assert_int_equal(c.status, 200);
	run_for(f->base, 400);
	assert_int_equal(a.called, 0);
	assert_int_equal(b.called, 0);
	assert_int_equal(f->done, 1);
	result_clear(&c);
}

struct dying {
	struct fixture	*f;
	int		 called;
	int		 shutting;
	int		 resubmit_null;
};

static void
dying_cb(struct http_response *r, void *arg)
{
	struct dying		*d = arg;
	struct http_request	 req;

	d->called++;
	if (r->failed && r->error != NULL &&
	    strcmp(r->error, "shutting down") == 0)
		d->shutting++;
	memset(&req, 0, sizeof req);
	req.method = "GET";
	req.url = "http://127.0.0.1:1/";
	if (http_submit(d->f->eng, &req, dying_cb, d) == NULL)
		d->resubmit_null++;
}

static void
test_shutdown(void **state)
{
	struct fixture		*f = *state;
	struct dying		 d;
	struct http_request	 req;
	char			*u;
	int			 i;

	memset(&d, 0, sizeof d);
	d.f = f;
	engine(f, 5000, 2, 0);
	u = url("/slow?ms=2000");
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = u;
	req.body = "x";
	req.bodylen = 1;
	for (i = 0; i < 4; i++)
		assert_non_null(http_submit(f->eng, &req, dying_cb, &d));
	free(u);
	run_for(f->base, 100);
	assert_int_equal(http_in_flight(f->eng), 2);
	assert_int_equal(http_queued(f->eng), 2);
	assert_int_equal(d.called, 0);

	http_engine_free(f->eng);
	f->eng = NULL;
	assert_int_equal(d.called, 4);
	assert_int_equal(d.shutting, 4);
	assert_int_equal(d.resubmit_null, 4);
	/* Nothing is left on the base. */
	assert_int_equal(event_base_get_num_events(f->base,
	    EVENT_BASE_COUNT_ADDED), 0);
}

static void
test_status(void **state)
{
	struct fixture	*f = *state;
	struct result	 res[3];
	const long	 codes[] = { 404, 500, 503 };
	char		*path, *want;
	int		 i;

	memset(res, 0, sizeof res);
	engine(f, 5000, 4, 0);
	for (i = 0; i < 3; i++) {
		xasprintf(&path, "/status/%ld", codes[i]);
		assert_non_null(submit(f, "GET", path, NULL, 0, NULL,
		    &res[i]));
		free(path);
	}
	assert_int_equal(run_until(f->base, &f->done, 3, SAFETY_MS), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(res[i].failed, 0);
		assert_null(res[i].error);
		assert_int_equal(res[i].status, codes[i]);
		xasprintf(&want, "status %ld", codes[i]);
		assert_string_equal(res[i].body, want);
		free(want);
		assert_string_equal(res[i].xtest, "yes");
		result_clear(&res[i]);
	}
}

static void
test_big(void **state)
{
	struct fixture	*f = *state;
	struct result	 res = { 0 };
	size_t		 i;

	engine(f, 5000, 4, 100000);
	fetch(f, "/big?bytes=100000", &res);
	assert_int_equal(res.failed, 0);
	assert_int_equal(res.bodylen, 100000);
	for (i = 0; i < res.bodylen; i++)
		assert_int_equal(res.body[i], 'x');
	assert_int_equal(res.body[res.bodylen], '\0');
	result_clear(&res);

	fetch(f, "/big?bytes=100001", &res);
	assert_int_equal(res.failed, 1);
	assert_int_equal(res.status, 200);
	assert_non_null(strstr(res.error, "answer too large"));
	result_clear(&res);
}

static void
test_tls_failure(void **state)
{
	struct fixture		*f = *state;
	struct http_options	 o;
	struct result		 res = { 0 };
	struct http_request	 req;
	char			*u;

	/* TLS to a plain HTTP server: a transport failure, not an answer. */
	memset(&o, 0, sizeof o);
	o.timeout_ms = 5000;
	o.verbose = 1;
	f->eng = http_engine_new(f->base, &o);
	xasprintf(&u, "https://127.0.0.1:%d/echo", port);
	fetch_url(f, u, &res);
	free(u);
	expect_transport_failure(&res, 0);
	result_clear(&res);

	/* Only http and https. */
	memset(&req, 0, sizeof req);
	req.url = "file:///etc/passwd";
	assert_non_null(http_submit(f->eng, &req, result_cb, &res));
	assert_int_equal(run_until(f->base, &f->done, 2, SAFETY_MS), 0);
	assert_int_equal(res.failed, 1);
	assert_string_equal(res.body, "");
	result_clear(&res);
}

static void
test_set_options(void **state)
{
	struct fixture		*f = *state;
	struct http_options	 o;
	struct result		 res[4];
	int			 i;

	memset(res, 0, sizeof res);
	engine(f, 5000, 1, 0);
	for (i = 0; i < 4; i++)
		assert_non_null(submit(f, "GET", "/slow?ms=100", NULL, 0,
		    NULL, &res[i]));
	assert_int_equal(http_in_flight(f->eng), 1);
	memset(&o, 0, sizeof o);
	o.max_transfers = 3;
	o.timeout_ms = 5000;
	http_engine_set_options(f->eng, &o);
	assert_int_equal(http_in_flight(f->eng), 3);
	assert_int_equal(http_queued(f->eng), 1);
	assert_int_equal(run_until(f->base, &f->done, 4, SAFETY_MS), 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(res[i].status, 200);
		result_clear(&res[i]);
	}
}

/*
 * acmd's loop has three priorities and the engine's events run at the
 * lowest: clients that keep the default priority busy at every turn of
 * the loop (here a socket always readable, never read) must not starve
 * the transfers (the engine drives curl from a timer then).
 */
struct hog {
	struct event	*ev;
	int		*done;
	int		 expired;
	unsigned long	 turns;
};

static void
hog_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hog	*h = arg;

	h->turns++;
	if (*h->done > 0 || h->expired)
		event_del(h->ev);
}

static void
test_busy_loop(void **state)
{
	struct fixture		*f = *state;
	struct result		 res = { 0 };
	struct hog		 h = { .done = &f->done };
	struct event		*safety;
	struct timeval		 tv = { SAFETY_MS / 1000, 0 };
	int			 sv[2];

	event_base_free(f->base);
	f->base = event_base_new();
	assert_int_equal(event_base_priority_init(f->base, 3), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "x", 1), 1);
	engine(f, 5000, 4, 0);
	h.ev = event_new(f->base, sv[0], EV_READ | EV_PERSIST, hog_cb, &h);
	event_add(h.ev, NULL);
	safety = evtimer_new(f->base, safety_cb, &h.expired);
	evtimer_add(safety, &tv);
	assert_non_null(submit(f, "GET", "/echo", NULL, 0, NULL, &res));
	while (f->done == 0 && !h.expired)
		event_base_loop(f->base, EVLOOP_ONCE);
	event_free(h.ev);
	event_free(safety);
	close(sv[0]);
	close(sv[1]);
	assert_int_equal(h.expired, 0);
	assert_int_equal(res.called, 1);
	assert_int_equal(res.status, 200);
	/* The loop was busy all along. */
	assert_true(h.turns > 100);
	result_clear(&res);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(test_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_big, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tls_failure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_set_options, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_busy_loop, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, server_start, server_stop));
}

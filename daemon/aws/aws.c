#include <sys/queue.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "aws.h"
#include "awserr.h"
#include "conf.h"
#include "endpoint.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "ratelimit.h"
#include "retry.h"
#include "sigv4.h"
#include "util.h"
#include "xml.h"
#include "xmalloc.h"

/* Refresh assumed-role credentials this long before they expire. */
#define AWS_REFRESH_MARGIN	300
#define AWS_BACKOFF_BASE_MS	1000
#define AWS_THROTTLE_BASE_MS	1000

const struct aws_service aws_svc_acm = {
	.env = "ACM", .signing_name = "acm", .host_prefix = "acm",
	.proto = AWS_PROTO_JSON, .target_prefix = "CertificateManager",
};
const struct aws_service aws_svc_pca = {
	.env = "ACM_PCA", .signing_name = "acm-pca", .host_prefix = "acm-pca",
	.proto = AWS_PROTO_JSON, .target_prefix = "ACMPrivateCA",
};
const struct aws_service aws_svc_iam = {
	.env = "IAM", .signing_name = "iam", .host_prefix = "iam",
	.proto = AWS_PROTO_QUERY, .api_version = "2010-05-08", .global = 1,
};
const struct aws_service aws_svc_route53 = {
	.env = "ROUTE_53", .signing_name = "route53", .host_prefix = "route53",
	.proto = AWS_PROTO_RESTXML, .global = 1,
};
const struct aws_service aws_svc_sts = {
	.env = "STS", .signing_name = "sts", .host_prefix = "sts",
	.proto = AWS_PROTO_QUERY, .api_version = "2011-06-15",
};

struct aws_call {
	const struct aws_service	*svc;
	struct aws_cred			*cred;
	char				*region;
	char				*op;
	char				*method;
	char				*path;
	char				*query;
	char				*body;
	size_t				 bodylen;
	char				*target;	/* X-Amz-Target */
	const char			*content_type;
	aws_cb				 cb;
	void				*arg;
	unsigned			 attempt;
	unsigned			 reached;	/* may have been carried out */
	unsigned			 quota_taken;
	uint64_t			 started;
	struct event			*timer;
	struct rl_bucket		*bucket;	/* rate limit */
	struct rl_ticket		*ticket;	/* waiting for a slot */
	struct http_transfer		*xfer;
	int				 waiting;	/* on cred->waiting */
	int				 waited;
	unsigned			 generation;	/* of the keys sent */
	int				 reassumed;	/* after ExpiredToken */
	struct metrics_aws		*metrics;
	uint64_t			 queued;	/* for a slot, since */
	TAILQ_ENTRY(aws_call)		 wentry;
	TAILQ_ENTRY(aws_call)		 entry;
};

static struct {
	struct event_base	*base;
	struct http_engine	*http;
	struct ratelimit	*rl;
	struct retry_quota	 quota;
	unsigned		 max_attempts;
	int			 rate_limits;
	char			*endpoint_url;
	struct aws_stats	 stats;
	TAILQ_HEAD(, aws_call)	 calls;
} aws = { .calls = TAILQ_HEAD_INITIALIZER(aws.calls) };

static void	aws_start(struct aws_call *);
static void	aws_send(struct aws_call *);
static void	aws_finish(struct aws_call *, struct aws_result *);
static void	aws_cred_refresh(struct aws_cred *);
static void	aws_retry_cb(evutil_socket_t, short, void *);

static void
aws_http_options(const struct config *c, struct http_options *o)
{
	memset(o, 0, sizeof *o);
	o->connect_timeout_ms = (long)c->connect_timeout * 1000;
	o->timeout_ms = (long)c->request_timeout * 1000;
	o->max_transfers = (unsigned)c->max_transfers;
	o->max_connections = (unsigned)c->max_connections;
	o->ca_path = c->ca_path;
}

void
aws_init(struct event_base *base, const struct config *c)
{
	struct http_options	 o;

	aws.base = base;
	aws_http_options(c, &o);
	aws.http = http_engine_new(base, &o);
	aws.rl = ratelimit_new(base);
	retry_quota_init(&aws.quota);
	aws_configure(c);
}

void
aws_configure(const struct config *c)
{
	struct http_options	 o;

	aws.max_attempts = (unsigned)c->max_attempts;
	aws.rate_limits = c->rate_limits;
	if (aws.rl != NULL) {
		char	*cause = NULL;

		/* Buckets stay: a reload must not forget what was sent. */
		ratelimit_clear(aws.rl);
		if (c->rates != NULL && (ratelimit_parse(aws.rl, "acm", c->rates,
		    &cause) != 0)) {
			log_warnx("aws: rates: %s", cause);
			free(cause);
		}
	}
	free(aws.endpoint_url);
	aws.endpoint_url = c->endpoint_url ? xstrdup(c->endpoint_url) : NULL;
	if (aws.http != NULL) {
		aws_http_options(c, &o);
		http_engine_set_options(aws.http, &o);
	}
}

struct http_engine *
aws_http(void)
{
	return (aws.http);
}

const struct aws_stats *
aws_get_stats(void)
{
	aws.stats.in_flight = 0;
	if (aws.http != NULL)
		aws.stats.in_flight = http_in_flight(aws.http);
	return (&aws.stats);
}

/* Credentials. */

static struct aws_cred *
aws_cred_alloc(const char *name)
{
	struct aws_cred	*c;

	c = xcalloc(1, sizeof *c);
	c->name = xstrdup(name);
	TAILQ_INIT(&c->waiting);
	c->refs = 1;
	return (c);
}

struct aws_cred *
aws_cred_new(const char *name, const char *access_key, const char *secret,
    const char *token)
{
	struct aws_cred	*c = aws_cred_alloc(name);

	c->access_key = xstrdup(access_key);
	c->secret_key = xstrdup_secret(secret);
	c->session_token = token != NULL && *token != '\0' ?
	    xstrdup_secret(token) : NULL;
	return (c);
}

struct aws_cred *
aws_cred_assume(const char *name, struct aws_cred *base, const char *role_arn,
    const char *external_id)
{
	struct aws_cred	*c = aws_cred_alloc(name);

	c->role_arn = xstrdup(role_arn);
	/* arn:aws:iam::ACCOUNT:role/NAME: the account is known up front. */
	if (strncmp(role_arn, "arn:", 4) == 0) {
		const char	*p = role_arn;
		int		 i;

		for (i = 0; i < 4 && p != NULL; i++)
			p = strchr(p + 1, ':');
		if (p != NULL && strchr(p + 1, ':') != NULL)
			c->account = xstrndup(p + 1, strchr(p + 1, ':') - p - 1);
	}
	c->external_id = external_id != NULL ? xstrdup(external_id) : NULL;
	c->base = base;
	aws_cred_ref(base);
	return (c);
}

void
aws_cred_ref(struct aws_cred *c)
{
	c->refs++;
}

static void
free_secret_str(char **p)
{
	if (*p != NULL)
		xfree_secret(*p, strlen(*p));
	*p = NULL;
}

void
aws_cred_unref(struct aws_cred *c)
{
	if (c == NULL || --c->refs > 0)
		return;
	free(c->name);
	free(c->account);
	free(c->access_key);
	free_secret_str(&c->secret_key);
	free_secret_str(&c->session_token);
	free(c->role_arn);
	free(c->external_id);
	free(c->refresh_error);
	aws_cred_unref(c->base);
	free(c);
}

static int
aws_cred_usable(const struct aws_cred *c)
{
	if (c->access_key == NULL || c->secret_key == NULL)
		return (0);
	if (c->expires != 0 && c->expires - AWS_REFRESH_MARGIN <= time(NULL))
		return (0);
	return (1);
}

static time_t
parse_iso8601(const char *s)
{
	struct tm	 tm;
	char		*end;

	memset(&tm, 0, sizeof tm);
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return (0);
	return (timegm(&tm));
}

static void
aws_cred_refreshed(struct aws_result *r, void *arg)
{
	struct aws_cred		*c = arg;
	struct aws_call		*call;
	const struct xml_node	*cr;
	const char		*ak, *sk, *tok, *exp;

	c->refreshing = 0;
	free(c->refresh_error);
	c->refresh_error = NULL;
	if (!r->ok) {
		xasprintf(&c->refresh_error, "assuming role %s: %s: %s",
		    c->role_arn, r->err.code, r->err.message);
	} else {
		cr = xml_path(r->xml, "AssumeRoleResult/Credentials");
		ak = xml_text(cr, "AccessKeyId");
		sk = xml_text(cr, "SecretAccessKey");
		tok = xml_text(cr, "SessionToken");
		exp = xml_text(cr, "Expiration");
		if (ak == NULL || sk == NULL || tok == NULL) {
			xasprintf(&c->refresh_error, "assuming role %s: STS "
			    "answered without credentials", c->role_arn);
		} else {
			free(c->access_key);
			free_secret_str(&c->secret_key);
			free_secret_str(&c->session_token);
			c->access_key = xstrdup(ak);
			c->secret_key = xstrdup_secret(sk);
			c->session_token = xstrdup_secret(tok);
			c->expires = parse_iso8601(exp);
			if (c->expires == 0)
				c->expires = time(NULL) + 900;
			c->generation++;
			log_info("aws: credential %s: assumed %s until %s",
			    c->name, c->role_arn, exp ? exp : "?");
		}
	}
	/* Everything that waited goes on (or fails with the reason). */
	while ((call = TAILQ_FIRST(&c->waiting)) != NULL) {
		TAILQ_REMOVE(&c->waiting, call, wentry);
		call->waiting = 0;
		aws_start(call);
	}
	aws_cred_unref(c);
}

static void
aws_cred_refresh(struct aws_cred *c)
{
	struct sigv4_param	 p[4];
	size_t			 n = 0;
	char			 session[64];

	if (c->refreshing)
		return;
	c->refreshing = 1;
	aws_cred_ref(c);
	snprintf(session, sizeof session, "acmd-%ld", (long)time(NULL));
	p[n].name = "RoleArn";
	p[n++].value = c->role_arn;
	p[n].name = "RoleSessionName";
	p[n++].value = session;
	p[n].name = "DurationSeconds";
	p[n++].value = "3600";
	if (c->external_id != NULL) {
		p[n].name = "ExternalId";
		p[n++].value = c->external_id;
	}
	aws_query(c->base, &aws_svc_sts, "us-east-1", "AssumeRole", p, n,
	    aws_cred_refreshed, c);
}

/* Calls. */

static struct aws_call *
aws_call_new(struct aws_cred *cred, const struct aws_service *svc,
    const char *region, const char *op, aws_cb cb, void *arg)
{
	struct aws_call	*call;

	call = xcalloc(1, sizeof *call);
	call->svc = svc;
	call->cred = cred;
	aws_cred_ref(cred);
	call->region = xstrdup(aws_signing_region(svc, region));
	call->op = xstrdup(op);
	call->cb = cb;
	call->arg = arg;
	call->started = now_ms();
	call->metrics = metrics_aws_get(svc->signing_name, op, call->region);
	TAILQ_INSERT_TAIL(&aws.calls, call, entry);
	return (call);
}

static void
aws_call_free(struct aws_call *call)
{
	if (call->waiting)
		TAILQ_REMOVE(&call->cred->waiting, call, wentry);
	if (call->timer != NULL)
		event_free(call->timer);
	ratelimit_cancel(call->ticket);
	if (call->xfer != NULL)
		http_cancel(call->xfer);
	TAILQ_REMOVE(&aws.calls, call, entry);
	aws_cred_unref(call->cred);
	free(call->region);
	free(call->op);
	free(call->method);
	free(call->path);
	free(call->query);
	/* Bodies may carry a private key (ImportCertificate). */
	if (call->body != NULL)
		xfree_secret(call->body, call->bodylen);
	free(call->target);
	free(call);
}

void
aws_cancel(struct aws_call *call)
{
	if (call != NULL)
		aws_call_free(call);
}

static void
aws_result_clear(struct aws_result *r)
{
	if (r->json != NULL)
		json_decref(r->json);
	xml_free(r->xml);
	aws_error_clear(&r->err);
}

static void
aws_finish(struct aws_call *call, struct aws_result *r)
{
	aws_cb	 cb = call->cb;
	void	*arg = call->arg;

	r->attempts = call->attempt;
	r->reached = call->reached;
	r->region = call->region;
	r->op = call->op;
	aws.stats.calls++;
	call->metrics->calls++;
	call->metrics->call_ms += now_ms() - call->started;
	if (!r->ok) {
		aws.stats.failed++;
		call->metrics->errors++;
	}
	log_debug("aws: %s %s %s: %s after %u attempt%s, %llu ms",
	    call->svc->signing_name, call->op, call->region,
	    r->ok ? "ok" : r->err.code, call->attempt,
	    call->attempt == 1 ? "" : "s",
	    (unsigned long long)(now_ms() - call->started));
	/* The call goes first: the callback may start new ones. */
	call->xfer = NULL;
	cb(r, arg);
	aws_result_clear(r);
	aws_call_free(call);
}

static void
aws_fail(struct aws_call *call, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
aws_fail(struct aws_call *call, const char *code, const char *fmt, ...)
{
	struct aws_result	 r;
	va_list			 ap;

	memset(&r, 0, sizeof r);
	r.err.code = xstrdup(code);
	va_start(ap, fmt);
	xvasprintf(&r.err.message, fmt, ap);
	va_end(ap);
	r.err.cls = AWS_ERR_CLIENT;
	aws_finish(call, &r);
}

static void
aws_slot_cb(void *arg)
{
	struct aws_call	*call = arg;

	call->ticket = NULL;
	call->metrics->wait_ms += now_ms() - call->queued;
	aws_send(call);
}

/* Back off before another attempt. */
static void
aws_wait(struct aws_call *call, uint64_t ms)
{
	struct timeval	 tv;

	if (call->timer == NULL)
		call->timer = evtimer_new(aws.base, aws_retry_cb, call);
	tv = ms_to_tv(ms);
	evtimer_add(call->timer, &tv);
}

/* Credentials ready, rate-limit slot reserved: then send. */
static void
aws_start(struct aws_call *call)
{
	struct aws_cred	*c = call->cred;
	char		*key;
	double		 rate;

	if (c->role_arn != NULL && !aws_cred_usable(c)) {
		/* A refresh this call waited for failed: say why. */
		if (call->waited && c->refresh_error != NULL) {
			aws_fail(call, "CredentialsError", "%s",
			    c->refresh_error);
			return;
		}
		TAILQ_INSERT_TAIL(&c->waiting, call, wentry);
		call->waiting = 1;
		call->waited = 1;
		aws_cred_refresh(c);
		return;
	}
	if (c->access_key == NULL || c->secret_key == NULL) {
		aws_fail(call, "CredentialsError", "credential %s has no keys%s%s",
		    c->name, c->refresh_error ? ": " : "",
		    c->refresh_error ? c->refresh_error : "");
		return;
	}
	rate = aws.rate_limits ? ratelimit_rate(aws.rl,
	    call->svc->signing_name, call->op) : 0;
	if (rate > 0) {
		if (call->bucket == NULL) {
			xasprintf(&key, "%s/%s/%s:%s", c->account ?
			    c->account : c->name, call->region,
			    call->svc->signing_name, call->op);
			call->bucket = ratelimit_bucket(aws.rl, key);
			free(key);
		}
		if (ratelimit_acquire(call->bucket, rate, aws_slot_cb, call,
		    &call->ticket) != 0) {
			call->metrics->waits++;
			call->queued = now_ms();
			return;
		}
	}
	aws_send(call);
}

static char *
url_host(const char *url)
{
	const char	*p = strstr(url, "://");
	size_t		 len;

	p = p != NULL ? p + 3 : url;
	len = strcspn(p, "/?#");
	return (xstrndup(p, len));
}

/*
 * Why AWS could not be reached, naming the endpoint: "cannot reach acm at
 * https://acm.eu-west-1.amazonaws.com: Failed to connect ... refused".
 */
static char *
aws_network_message(const struct aws_call *call,
    const struct http_response *resp)
{
	char		*base, *host, *msg;
	const char	*why = resp->error != NULL ? resp->error :
			    "transport failure";
	size_t		 len;

	base = aws_endpoint_url(call->svc, call->region, aws.endpoint_url);
	host = url_host(base);
	/* The HTTP engine's message starts with the host: said already. */
	len = strcspn(host, ":");
	if (strncmp(why, host, len) == 0 && strncmp(why + len, ": ", 2) == 0)
		why += len + 2;
	xasprintf(&msg, "%s %s: cannot reach %s at %s: %s%s",
	    call->svc->signing_name, call->op, call->svc->signing_name, base,
	    why, resp->timed_out && strstr(why, "timed out") == NULL ?
	    " (timed out)" : "");
	free(host);
	free(base);
	return (msg);
}

static int
aws_retryable(const struct aws_error *e)
{
	return (e->cls == AWS_ERR_TRANSIENT || e->cls == AWS_ERR_THROTTLE);
}

/*
 * An assumed role's keys expired before the time STS gave (revoked, or
 * the clocks disagree): assume the role again (once per call, and once
 * for all the calls those keys were sent with) and send the call again.
 */
static int
aws_reassume(struct aws_call *call, const struct aws_error *e)
{
	struct aws_cred	*c = call->cred;

	if (c->role_arn == NULL || call->reassumed || e->code == NULL ||
	    (strcmp(e->code, "ExpiredToken") != 0 &&
	    strcmp(e->code, "ExpiredTokenException") != 0))
		return (0);
	call->reassumed = 1;
	if (call->generation == c->generation) {
		log_info("aws: credential %s: the keys of %s expired early; "
		    "assuming it again", c->name, c->role_arn);
		c->expires = 1;
	}
	return (1);
}

static void
aws_http_done(struct http_response *resp, void *arg)
{
	struct aws_call		*call = arg;
	struct aws_result	 r;
	json_error_t		 jerr;
	char			*cause = NULL;
	uint64_t		 backoff;

	call->xfer = NULL;
	ratelimit_done(call->bucket);
	memset(&r, 0, sizeof r);
	r.status = resp->status;
	/*
	 * AWS may have carried this try out: it answered 2xx (whatever
	 * became of the body), or the request went out and no answer came
	 * in time.  An error answer, or a connection refused or closed
	 * without one, says it did not.
	 */
	if ((resp->status >= 200 && resp->status < 300) ||
	    (resp->timed_out && resp->sent))
		call->reached++;
	if (resp->failed) {
		r.err.code = xstrdup(resp->timed_out ? "RequestTimeout" :
		    "NetworkError");
		r.err.message = aws_network_message(call, resp);
		r.err.cls = AWS_ERR_TRANSIENT;
		r.err.network = 1;
	} else if (resp->status >= 200 && resp->status < 300) {
		r.ok = 1;
		if (call->svc->proto == AWS_PROTO_JSON) {
			r.json = json_loadb(resp->body, resp->bodylen,
			    JSON_DECODE_ANY, &jerr);
			if (resp->bodylen == 0)
				r.json = json_object();
			if (r.json == NULL || !json_is_object(r.json)) {
				r.ok = 0;
				if (r.json != NULL)
					json_decref(r.json);
				r.json = NULL;
				r.err.code = xstrdup("MalformedAnswer");
				xasprintf(&r.err.message, "%s %s answered with "
				    "JSON that does not parse: %s",
				    call->svc->signing_name, call->op, jerr.text);
				r.err.cls = AWS_ERR_TRANSIENT;
			}
		} else if (resp->bodylen > 0 && xml_parse(resp->body,
		    resp->bodylen, &r.xml, &cause) != 0) {
			r.ok = 0;
			r.err.code = xstrdup("MalformedAnswer");
			xasprintf(&r.err.message, "%s %s answered with XML that "
			    "does not parse: %s", call->svc->signing_name,
			    call->op, cause);
			free(cause);
			r.err.cls = AWS_ERR_TRANSIENT;
		}
	} else {
		aws_error_parse(call->svc->proto, resp->status, resp->body,
		    resp->bodylen, http_response_header(resp, "x-amzn-ErrorType"),
		    http_response_header(resp, "x-amzn-RequestId"), &r.err);
		if (r.err.request_id == NULL) {
			const char *rid = http_response_header(resp,
			    "x-amz-request-id");
			if (rid != NULL)
				r.err.request_id = xstrdup(rid);
		}
	}
	if (r.ok) {
		retry_quota_release(&aws.quota, call->quota_taken);
		aws_finish(call, &r);
		return;
	}
	if (r.err.cls == AWS_ERR_THROTTLE) {
		aws.stats.throttled++;
		call->metrics->throttled++;
	}
	if (aws_reassume(call, &r.err)) {
		aws_result_clear(&r);
		aws_start(call);
		return;
	}
	if (aws_retryable(&r.err) && call->attempt < aws.max_attempts &&
	    retry_quota_acquire(&aws.quota, resp->timed_out,
	    &call->quota_taken)) {
		backoff = retry_backoff_ms(call->attempt,
		    r.err.cls == AWS_ERR_THROTTLE ? AWS_THROTTLE_BASE_MS :
		    AWS_BACKOFF_BASE_MS);
		log_debug("aws: %s %s %s: %s (%s); retry %u in %llu ms",
		    call->svc->signing_name, call->op, call->region, r.err.code,
		    r.err.message, call->attempt + 1,
		    (unsigned long long)backoff);
		aws.stats.retries++;
		call->metrics->retries++;
		aws_result_clear(&r);
		aws_wait(call, backoff);
		return;
	}
	aws_finish(call, &r);
}

static void
aws_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	aws_start(arg);
}

static void
aws_send(struct aws_call *call)
{
	struct sigv4_header	 sh[4];
	struct sigv4_request	 sreq;
	struct sigv4_creds	 sc;
	struct sigv4_result	 sr;
	struct http_header	 hh[10];
	struct http_request	 hreq;
	char			*base, *url, *host, *cause = NULL;
	size_t			 nsh = 0, nhh = 0;

	base = aws_endpoint_url(call->svc, call->region, aws.endpoint_url);
	host = url_host(base);
	xasprintf(&url, "%s%s%s%s", base, call->path,
	    call->query != NULL ? "?" : "", call->query != NULL ?
	    call->query : "");
	free(base);

	sh[nsh].name = "Host";
	sh[nsh++].value = host;
	if (call->content_type != NULL) {
		sh[nsh].name = "Content-Type";
		sh[nsh++].value = call->content_type;
	}
	if (call->target != NULL) {
		sh[nsh].name = "X-Amz-Target";
		sh[nsh++].value = call->target;
	}
	memset(&sreq, 0, sizeof sreq);
	sreq.method = call->method;
	sreq.path = call->path;
	sreq.query = call->query;
	sreq.headers = sh;
	sreq.nheaders = nsh;
	sreq.body = call->body;
	sreq.bodylen = call->bodylen;
	sc.access_key = call->cred->access_key;
	call->generation = call->cred->generation;
	sc.secret_key = call->cred->secret_key;
	sc.session_token = call->cred->session_token;
	memset(&sr, 0, sizeof sr);
	if (sigv4_sign(&sreq, &sc, call->region, call->svc->signing_name,
	    time(NULL), &sr, &cause) != 0) {
		free(url);
		free(host);
		aws_fail(call, "SigningError", "cannot sign %s %s: %s",
		    call->svc->signing_name, call->op, cause);
		free(cause);
		return;
	}
	memcpy(hh, sh, nsh * sizeof sh[0]);	/* same layout: name, value */
	nhh = nsh;
	hh[nhh].name = "X-Amz-Date";
	hh[nhh++].value = sr.amz_date;
	if (sr.security_token != NULL) {
		hh[nhh].name = "X-Amz-Security-Token";
		hh[nhh++].value = sr.security_token;
	}
	hh[nhh].name = "Authorization";
	hh[nhh++].value = sr.authorization;
	hh[nhh].name = "User-Agent";
	hh[nhh++].value = PACKAGE_NAME "/" PACKAGE_VERSION;

	memset(&hreq, 0, sizeof hreq);
	hreq.method = call->method;
	hreq.url = url;
	hreq.headers = hh;
	hreq.nheaders = nhh;
	hreq.body = call->body;
	hreq.bodylen = call->bodylen;
	call->attempt++;
	aws.stats.attempts++;
	call->xfer = http_submit(aws.http, &hreq, aws_http_done, call);
	sigv4_result_clear(&sr);
	free(url);
	free(host);
}

struct aws_call *
aws_json(struct aws_cred *cred, const struct aws_service *svc,
    const char *region, const char *op, json_t *body, aws_cb cb, void *arg)
{
	struct aws_call	*call;

	call = aws_call_new(cred, svc, region, op, cb, arg);
	call->method = xstrdup("POST");
	call->path = xstrdup("/");
	call->content_type = "application/x-amz-json-1.1";
	xasprintf(&call->target, "%s.%s", svc->target_prefix, op);
	if (body == NULL)
		body = json_object();
	call->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	if (call->body == NULL)
		fatalx("aws: cannot encode a JSON request");
	call->bodylen = strlen(call->body);
	aws_start(call);
	return (call);
}

struct aws_call *
aws_query(struct aws_cred *cred, const struct aws_service *svc,
    const char *region, const char *action, const struct sigv4_param *params,
    size_t n, aws_cb cb, void *arg)
{
	struct aws_call		*call;
	struct sigv4_param	*all;

	call = aws_call_new(cred, svc, region, action, cb, arg);
	call->method = xstrdup("POST");
	call->path = xstrdup("/");
	call->content_type = "application/x-www-form-urlencoded; charset=utf-8";
	all = xcalloc(n + 2, sizeof *all);
	all[0].name = "Action";
	all[0].value = action;
	all[1].name = "Version";
	all[1].value = svc->api_version;
	if (n > 0)
		memcpy(all + 2, params, n * sizeof *params);
	call->body = sigv4_query_build(all, n + 2);
	call->bodylen = strlen(call->body);
	free(all);
	aws_start(call);
	return (call);
}

struct aws_call *
aws_rest(struct aws_cred *cred, const struct aws_service *svc, const char *op,
    const char *method, const char *path, const char *query, const char *body,
    aws_cb cb, void *arg)
{
	struct aws_call	*call;

	call = aws_call_new(cred, svc, NULL, op, cb, arg);
	call->method = xstrdup(method);
	call->path = xstrdup(path);
	call->query = query != NULL && *query != '\0' ? xstrdup(query) : NULL;
	if (body != NULL) {
		call->body = xstrdup(body);
		call->bodylen = strlen(body);
		call->content_type = "application/xml";
	}
	aws_start(call);
	return (call);
}

void
aws_shutdown(void)
{
	struct aws_call	*call;

	/* Calls end without their callbacks: their owners are going too. */
	while ((call = TAILQ_FIRST(&aws.calls)) != NULL)
		aws_call_free(call);
	http_engine_free(aws.http);
	aws.http = NULL;
	ratelimit_free(aws.rl);
	aws.rl = NULL;
	free(aws.endpoint_url);
	aws.endpoint_url = NULL;
}

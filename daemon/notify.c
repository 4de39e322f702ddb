/*
 * Notifications: the journal always, then the webhook and mail when
 * configured, both on the AWS engine's curl multi (nothing blocks).
 * URLs may carry tokens or SMTP passwords: only their host is ever
 * logged (the HTTP engine's errors name the host, not the URL).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "acmd.h"
#include "aws/aws.h"
#include "aws/http.h"
#include "conf-check.h"
#include "conf.h"
#include "log.h"
#include "notify.h"
#include "util.h"
#include "xmalloc.h"

struct notify_send {
	json_t		*results;	/* [{channel, ok, detail}] */
	int		 pending;
	notify_cb	 cb;
	void		*arg;
};

struct notify_chan {
	struct notify_send	*send;
	json_t			*result;	/* borrowed from send->results */
	const char		*channel;
	const char		*event;
};

static const char *
notify_hostname(void)
{
	static char	host[256];

	if (host[0] == '\0' && gethostname(host, sizeof host - 1) != 0)
		snprintf(host, sizeof host, "localhost");
	if (host[0] == '\0')
		snprintf(host, sizeof host, "localhost");
	return (host);
}

static const char *
notify_where(const struct notify_msg *m, char *buf, size_t len)
{
	if (m->source == NULL || strcmp(m->source, "test") == 0)
		snprintf(buf, len, "test");
	else if (strcmp(m->source, "repository") == 0)
		snprintf(buf, len, "repository %s", m->name ? m->name : "?");
	else if (strcmp(m->source, "acm") == 0)
		snprintf(buf, len, "ACM %s", m->arn ? m->arn : "?");
	else
		snprintf(buf, len, "IAM %s/%s", m->account ? m->account : "?",
		    m->name ? m->name : "?");
	return (buf);
}

char *
notify_text(const struct notify_msg *m)
{
	char	 when[64], where[512], *s;

	if (strcmp(m->event, NOTIFY_TEST) == 0) {
		xasprintf(&s, "test notification from acmd on %s",
		    notify_hostname());
		return (s);
	}
	format_time(m->not_after, when, sizeof when);
	notify_where(m, where, sizeof where);
	if (strcmp(m->event, NOTIFY_EXPIRED) == 0)
		xasprintf(&s, "certificate %s (%s) has expired, on %s",
		    m->domain ? m->domain : "?", where, when);
	else
		xasprintf(&s, "certificate %s (%s) expires in %lld day%s, on %s "
		    "(threshold %d days)", m->domain ? m->domain : "?", where,
		    m->days_left, m->days_left == 1 ? "" : "s", when,
		    m->threshold);
	return (s);
}

static void
notify_journal(const struct notify_msg *m, const char *text)
{
	char	*f_arn = NULL, *f_region = NULL, *f_days, *f_domain;
	char	*f_name = NULL, *f_source, *f_threshold, *f_account = NULL;
	char	*f[8];
	size_t	 n;
	int	 prio;

	xasprintf(&f_days, "DAYS_LEFT=%lld", m->days_left);
	xasprintf(&f_domain, "DOMAIN=%s", m->domain ? m->domain : "");
	xasprintf(&f_source, "CERT_SOURCE=%s", m->source ? m->source : "");
	xasprintf(&f_threshold, "THRESHOLD=%d", m->threshold);
	if (m->arn != NULL)
		xasprintf(&f_arn, "CERT_ARN=%s", m->arn);
	if (m->region != NULL)
		xasprintf(&f_region, "REGION=%s", m->region);
	if (m->account != NULL)
		xasprintf(&f_account, "ACCOUNT=%s", m->account);
	if (m->name != NULL)
		xasprintf(&f_name, "CERT_NAME=%s", m->name);

	if (strcmp(m->event, NOTIFY_EXPIRED) == 0 ||
	    (strcmp(m->event, NOTIFY_EXPIRING) == 0 && m->days_left <= 7))
		prio = LOG_WARNING;
	else
		prio = LOG_NOTICE;
	/* Present ones first: the first NULL ends the list. */
	n = 0;
	f[n++] = f_source;
	f[n++] = f_domain;
	f[n++] = f_days;
	f[n++] = f_threshold;
	if (f_name != NULL)
		f[n++] = f_name;
	if (f_arn != NULL)
		f[n++] = f_arn;
	if (f_region != NULL)
		f[n++] = f_region;
	if (f_account != NULL)
		f[n++] = f_account;
	while (n < sizeof f / sizeof f[0])
		f[n++] = NULL;
	log_event(prio, m->event, text, f[0], f[1], f[2], f[3], f[4], f[5],
	    f[6], f[7], NULL);

	free(f_days);
	free(f_domain);
	free(f_source);
	free(f_threshold);
	free(f_arn);
	free(f_region);
	free(f_account);
	free(f_name);
}

static json_t *
notify_opt_str(const char *s)
{
	return (s != NULL ? json_string(s) : json_null());
}

static char *
notify_webhook_body(const struct notify_msg *m, const char *text)
{
	json_t	*j;
	char	 when[64], *s;

	if (m->not_after != 0)
		format_time(m->not_after, when, sizeof when);
	j = json_object();
	json_object_set_new(j, "event", json_string(m->event));
	json_object_set_new(j, "domain", notify_opt_str(m->domain));
	json_object_set_new(j, "days_left", json_integer(m->days_left));
	json_object_set_new(j, "not_after", m->not_after != 0 ?
	    json_string(when) : json_null());
	json_object_set_new(j, "arn", notify_opt_str(m->arn));
	json_object_set_new(j, "region", notify_opt_str(m->region));
	json_object_set_new(j, "account", notify_opt_str(m->account));
	json_object_set_new(j, "name", notify_opt_str(m->name));
	json_object_set_new(j, "threshold", json_integer(m->threshold));
	json_object_set_new(j, "source", notify_opt_str(m->source));
	json_object_set_new(j, "message", json_string(text));
	json_object_set_new(j, "test", json_boolean(strcmp(m->event,
	    NOTIFY_TEST) == 0));
	json_object_set_new(j, "host", json_string(notify_hostname()));
	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(j);
	return (s);
}

/* A header value: no line breaks or other control characters. */
static char *
notify_header_value(const char *s)
{
	char	*v, *p;

	v = xstrdup(s != NULL ? s : "");
	for (p = v; *p != '\0'; p++) {
		if (iscntrl((unsigned char)*p))
			*p = '?';
	}
	return (v);
}

static char *
notify_mail_message(const struct notify_msg *m, const char *text,
    const char *from, const char *to)
{
	struct tm	 tm;
	time_t		 now = time(NULL);
	unsigned char	 rnd[8];
	char		 date[64], id[17], *subject, *dom, *hfrom, *hto, *msg;
	char		*body;
	size_t		 i;

	gmtime_r(&now, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	if (RAND_bytes(rnd, sizeof rnd) != 1)
		memset(rnd, 0, sizeof rnd);
	hex_encode(rnd, sizeof rnd, id);

	dom = notify_header_value(m->domain);
	if (strcmp(m->event, NOTIFY_TEST) == 0)
		xasprintf(&subject, "acmd: test notification");
	else if (strcmp(m->event, NOTIFY_EXPIRED) == 0)
		xasprintf(&subject, "acmd: certificate %s has expired", dom);
	else
		xasprintf(&subject, "acmd: certificate %s expires in %lld day%s",
		    dom, m->days_left, m->days_left == 1 ? "" : "s");
	hfrom = notify_header_value(from);
	hto = notify_header_value(to);

	xasprintf(&body, "%s\r\n\r\n"
	    "event:      %s\r\n"
	    "domain:     %s\r\n"
	    "days left:  %lld\r\n"
	    "source:     %s\r\n"
	    "%s%s%s"
	    "\r\n-- \r\nacmd on %s\r\n", text, m->event,
	    m->domain ? m->domain : "-", m->days_left,
	    m->source ? m->source : "-",
	    m->arn ? "arn:        " : "", m->arn ? m->arn : "",
	    m->arn ? "\r\n" : "", notify_hostname());
	/* The body is text; bare control characters become '?'. */
	for (i = 0; body[i] != '\0'; i++) {
		if (iscntrl((unsigned char)body[i]) && body[i] != '\r' &&
		    body[i] != '\n')
			body[i] = '?';
	}

	xasprintf(&msg, "Date: %s\r\n"
	    "From: %s\r\n"
	    "To: %s\r\n"
	    "Subject: %s\r\n"
	    "Message-ID: <%s.%lld@%s>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "X-Acmd-Event: %s\r\n"
	    "\r\n"
	    "%s", date, hfrom, hto, subject, id, (long long)now,
	    notify_hostname(), m->event, body);
	free(body);
	free(subject);
	free(dom);
	free(hfrom);
	free(hto);
	return (msg);
}

static void
notify_chan_done(struct notify_chan *c, int ok, const char *detail)
{
	struct notify_send	*s = c->send;

	json_object_set_new(c->result, "ok", json_boolean(ok));
	json_object_set_new(c->result, "detail", json_string(detail));
	if (!ok)
		log_warnx("notify %s: %s failed: %s", c->event, c->channel,
		    detail);
	else
		log_debug("notify %s: %s: %s", c->event, c->channel, detail);
	free(c);
	if (--s->pending == 0) {
		if (s->cb != NULL)
			s->cb(s->results, s->arg);
		json_decref(s->results);
		free(s);
	}
}

static struct notify_chan *
notify_chan_new(struct notify_send *s, const char *channel, const char *event)
{
	struct notify_chan	*c;

	c = xcalloc(1, sizeof *c);
	c->send = s;
	c->channel = channel;
	c->event = event;
	c->result = json_pack("{s:s, s:b, s:s}", "channel", channel, "ok", 0,
	    "detail", "pending");
	json_array_append_new(s->results, c->result);
	s->pending++;
	return (c);
}

static void
notify_webhook_cb(struct http_response *r, void *arg)
{
	struct notify_chan	*c = arg;
	char			*detail;

	if (r->failed)
		notify_chan_done(c, 0, r->error ? r->error : "failed");
	else if (r->status < 200 || r->status > 299) {
		xasprintf(&detail, "the webhook answered HTTP %ld", r->status);
		notify_chan_done(c, 0, detail);
		free(detail);
	} else {
		xasprintf(&detail, "HTTP %ld", r->status);
		notify_chan_done(c, 1, detail);
		free(detail);
	}
}

static void
notify_mail_cb(struct http_response *r, void *arg)
{
	struct notify_chan	*c = arg;
	char			*detail;

	if (r->failed) {
		if (r->status > 0)
			xasprintf(&detail, "%s (SMTP %ld)", r->error ?
			    r->error : "failed", r->status);
		else
			detail = xstrdup(r->error ? r->error : "failed");
		notify_chan_done(c, 0, detail);
	} else {
		xasprintf(&detail, "sent (SMTP %ld)", r->status);
		notify_chan_done(c, 1, detail);
	}
	free(detail);
}

static void
notify_webhook(struct notify_send *s, const struct notify_msg *m,
    const char *text)
{
	static const struct http_header	 hdrs[] = {
		{ "Content-Type", "application/json" },
		{ "User-Agent", "acmd/" PACKAGE_VERSION },
	};
	struct http_request	 req;
	struct notify_chan	*c;
	struct http_engine	*eng = aws_http();
	char			*body;

	c = notify_chan_new(s, "webhook", m->event);
	if (eng == NULL) {
		notify_chan_done(c, 0, "shutting down");
		return;
	}
	body = notify_webhook_body(m, text);
	memset(&req, 0, sizeof req);
	req.method = "POST";
	req.url = acmd.conf->webhook_url;
	req.headers = hdrs;
	req.nheaders = sizeof hdrs / sizeof hdrs[0];
	req.body = body;
	req.bodylen = strlen(body);
	if (http_submit(eng, &req, notify_webhook_cb, c) == NULL)
		notify_chan_done(c, 0, "shutting down");
	free(body);
}

static void
notify_mail(struct notify_send *s, const struct notify_msg *m,
    const char *text)
{
	const struct config	*conf = acmd.conf;
	struct notify_chan	*c;
	struct http_engine	*eng = aws_http();
	char			*to, *p, *w, *msg, *hdr_to = NULL;
	const char		**rcpts = NULL;
	size_t			 n = 0, i;

	c = notify_chan_new(s, "mail", m->event);
	if (conf->mail_from == NULL || *conf->mail_from == '\0' ||
	    conf->mail_to == NULL || *conf->mail_to == '\0') {
		notify_chan_done(c, 0, "smtp_url is set but mail_from or "
		    "mail_to is not");
		return;
	}
	if (eng == NULL) {
		notify_chan_done(c, 0, "shutting down");
		return;
	}
	to = xstrdup(conf->mail_to);
	p = to;
	while ((w = strsep(&p, CONF_MAIL_SEPARATORS)) != NULL) {
		if (*w == '\0')
			continue;
		rcpts = xreallocarray(rcpts, n + 2, sizeof *rcpts);
		rcpts[n++] = w;
		rcpts[n] = NULL;
	}
	if (n == 0) {
		notify_chan_done(c, 0, "mail_to names no address");
		free(to);
		return;
	}
	for (i = 0; i < n; i++) {
		p = hdr_to;
		if (p == NULL)
			hdr_to = xstrdup(rcpts[i]);
		else {
			xasprintf(&hdr_to, "%s, %s", p, rcpts[i]);
			free(p);
		}
	}
	msg = notify_mail_message(m, text, conf->mail_from, hdr_to);
	free(hdr_to);
	if (http_submit_mail(eng, conf->smtp_url, conf->mail_from, rcpts, msg,
	    notify_mail_cb, c) == NULL)
		notify_chan_done(c, 0, "shutting down");
	free(msg);
	free(rcpts);
	free(to);
}

void
notify_send(const struct notify_msg *m, notify_cb cb, void *arg)
{
	const struct config	*conf = acmd.conf;
	struct notify_send	*s;
	struct notify_chan	*c;
	char			*text;

	s = xcalloc(1, sizeof *s);
	s->results = json_array();
	s->cb = cb;
	s->arg = arg;
	s->pending = 1;		/* held until every channel has started */

	text = notify_text(m);
	c = notify_chan_new(s, "journal", m->event);
	notify_journal(m, text);
	notify_chan_done(c, 1, "logged");

	if (conf->webhook_url != NULL && *conf->webhook_url != '\0')
		notify_webhook(s, m, text);
	if (conf->smtp_url != NULL && *conf->smtp_url != '\0')
		notify_mail(s, m, text);
	free(text);

	/* Drop the hold: the callback runs now if nothing is in flight. */
	if (--s->pending == 0) {
		if (s->cb != NULL)
			s->cb(s->results, s->arg);
		json_decref(s->results);
		free(s);
	}
}

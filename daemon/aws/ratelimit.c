#include <sys/queue.h>
#include <sys/time.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "ratelimit.h"
#include "util.h"
#include "xmalloc.h"

/*
 * ACM's documented request rates (requests per second, per account and
 * region), for every operation acmd calls: the ones it may be told to
 * pace ([aws] rates).  A rate of 0 is no limit.
 */
static const struct {
	const char	*service;
	const char	*op;
	double		 rate;
} ratelimit_defaults[] = {
	{ "acm", "AddTagsToCertificate", 10 },
	{ "acm", "DeleteCertificate", 10 },
	{ "acm", "DescribeCertificate", 10 },
	{ "acm", "ExportCertificate", 5 },
	{ "acm", "GetAccountConfiguration", 1 },
	{ "acm", "GetCertificate", 10 },
	{ "acm", "ImportCertificate", 1 },
	{ "acm", "ListCertificates", 1 },
	{ "acm", "ListTagsForCertificate", 10 },
	{ "acm", "RemoveTagsFromCertificate", 10 },
	{ "acm", "RenewCertificate", 5 },
	{ "acm", "RequestCertificate", 5 },
	{ "acm", "ResendValidationEmail", 1 },
	{ "acm-pca", "RevokeCertificate", 25 },
	{ "acm-pca", "ListCertificateAuthorities", 10 },
	{ "acm-pca", "GetCertificateAuthorityCertificate", 0 },
	{ "route53", "ChangeResourceRecordSets", 5 },
	{ "route53", "GetChange", 5 },
	{ "route53", "ListHostedZonesByName", 5 },
	{ "iam", "ListServerCertificates", 10 },
	{ "iam", "GetServerCertificate", 10 },
	{ "sts", "GetCallerIdentity", 0 },
};
#define RL_NDEFAULTS	\
	(sizeof ratelimit_defaults / sizeof ratelimit_defaults[0])

/* Keep a little under the quota: jitter on the wire must not throttle. */
#define RATELIMIT_MARGIN	1.03

struct rl_override {
	char			*service;
	char			*op;
	double			 rate;
	struct rl_override	*next;
};

struct rl_ticket {
	struct rl_bucket	*bucket;
	rl_fn			 fn;
	void			*arg;
	TAILQ_ENTRY(rl_ticket)	 entry;
};

struct rl_bucket {
	char			*key;
	struct ratelimit	*rl;
	double			 rate;	/* of the last request asked for */
	double			 tat;	/* theoretical arrival time, ms */
	struct event		*timer;
	unsigned		 nqueued;
	TAILQ_HEAD(, rl_ticket)	 queue;
	struct rl_bucket	*next;
};

#define RL_HASH	256

struct ratelimit {
	struct event_base	*base;
	struct rl_override	*overrides;
	struct rl_bucket	*buckets[RL_HASH];
};

static double
rl_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6);
}

struct ratelimit *
ratelimit_new(struct event_base *base)
{
	struct ratelimit	*rl = xcalloc(1, sizeof *rl);

	rl->base = base;
	return (rl);
}

void
ratelimit_clear(struct ratelimit *rl)
{
	struct rl_override	*o;

	while ((o = rl->overrides) != NULL) {
		rl->overrides = o->next;
		free(o->service);
		free(o->op);
		free(o);
	}
}

void
ratelimit_free(struct ratelimit *rl)
{
	struct rl_bucket	*b;
	struct rl_ticket	*t;
	size_t			 i;

	if (rl == NULL)
		return;
	ratelimit_clear(rl);
	for (i = 0; i < RL_HASH; i++) {
		while ((b = rl->buckets[i]) != NULL) {
			rl->buckets[i] = b->next;
			while ((t = TAILQ_FIRST(&b->queue)) != NULL) {
				TAILQ_REMOVE(&b->queue, t, entry);
				free(t);
			}
			if (b->timer != NULL)
				event_free(b->timer);
			free(b->key);
			free(b);
		}
	}
	free(rl);
}

void
ratelimit_set(struct ratelimit *rl, const char *service, const char *op,
    double rate)
{
	struct rl_override	*o;

	for (o = rl->overrides; o != NULL; o = o->next) {
		if (strcmp(o->service, service) == 0 && strcmp(o->op, op) == 0) {
			o->rate = rate;
			return;
		}
	}
	o = xcalloc(1, sizeof *o);
	o->service = xstrdup(service);
	o->op = xstrdup(op);
	o->rate = rate;
	o->next = rl->overrides;
	rl->overrides = o;
}

double
ratelimit_rate(struct ratelimit *rl, const char *service, const char *op)
{
	struct rl_override	*o;
	size_t			 i;

	for (o = rl->overrides; o != NULL; o = o->next) {
		if (strcmp(o->service, service) == 0 && strcmp(o->op, op) == 0)
			return (o->rate);
	}
	for (i = 0; i < RL_NDEFAULTS; i++) {
		if (strcmp(ratelimit_defaults[i].service, service) == 0 &&
		    strcmp(ratelimit_defaults[i].op, op) == 0)
			return (ratelimit_defaults[i].rate);
	}
	return (0);
}

static unsigned
rl_hash(const char *s)
{
	unsigned	 h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return (h % RL_HASH);
}

struct rl_bucket *
ratelimit_bucket(struct ratelimit *rl, const char *key)
{
	struct rl_bucket	*b;
	unsigned		 h = rl_hash(key);

	for (b = rl->buckets[h]; b != NULL; b = b->next) {
		if (strcmp(b->key, key) == 0)
			return (b);
	}
	b = xcalloc(1, sizeof *b);
	b->key = xstrdup(key);
	b->rl = rl;
	TAILQ_INIT(&b->queue);
	b->next = rl->buckets[h];
	rl->buckets[h] = b;
	return (b);
}

/* The spacing of requests, ms: slow operations (1/s) get a wider margin. */
static double
rl_interval(double rate)
{
	return (1000.0 / rate * (rate <= 2 ? 2 * RATELIMIT_MARGIN - 1 :
	    RATELIMIT_MARGIN));
}

/* A burst of one second of quota, less one request of headroom. */
static double
rl_tau(double rate)
{
	double	 burst = floor(rate) - 1;

	if (burst < 1)
		burst = 1;
	return ((burst - 1) * rl_interval(rate));
}

/* How long (ms) until a request conforms at now; 0 if it does. */
static double
rl_wait(const struct rl_bucket *b, double now)
{
	double	 send = b->tat - rl_tau(b->rate);

	return (send > now ? send - now : 0);
}

static void
rl_take(struct rl_bucket *b, double now)
{
	if (b->tat < now)
		b->tat = now;
	b->tat += rl_interval(b->rate);
}

static void
rl_arm(struct rl_bucket *b, double wait)
{
	struct timeval	 tv = ms_to_tv((uint64_t)ceil(wait));

	evtimer_add(b->timer, &tv);
}

/* The head of the queue may be due: send what conforms, wait for the rest. */
static void
rl_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct rl_bucket	*b = arg;
	struct rl_ticket	*t;
	double			 now, wait;

	while ((t = TAILQ_FIRST(&b->queue)) != NULL) {
		now = rl_now();
		if ((wait = rl_wait(b, now)) > 0) {
			rl_arm(b, wait);
			return;
		}
		rl_take(b, now);
		TAILQ_REMOVE(&b->queue, t, entry);
		b->nqueued--;
		/* The callback may queue or withdraw others: look again. */
		t->fn(t->arg);
		free(t);
	}
}

int
ratelimit_acquire(struct rl_bucket *b, double rate, rl_fn fn, void *arg,
    struct rl_ticket **ticket)
{
	struct rl_ticket	*t;
	double			 now = rl_now(), wait;

	*ticket = NULL;
	b->rate = rate;
	if (TAILQ_EMPTY(&b->queue) && rl_wait(b, now) == 0) {
		rl_take(b, now);
		return (0);
	}
	t = xcalloc(1, sizeof *t);
	t->bucket = b;
	t->fn = fn;
	t->arg = arg;
	if (b->timer == NULL)
		b->timer = evtimer_new(b->rl->base, rl_timer_cb, b);
	if (TAILQ_EMPTY(&b->queue)) {
		wait = rl_wait(b, now);
		rl_arm(b, wait > 0 ? wait : 0);
	}
	TAILQ_INSERT_TAIL(&b->queue, t, entry);
	b->nqueued++;
	*ticket = t;
	return (1);
}

void
ratelimit_cancel(struct rl_ticket *t)
{
	struct rl_bucket	*b;

	if (t == NULL)
		return;
	b = t->bucket;
	TAILQ_REMOVE(&b->queue, t, entry);
	b->nqueued--;
	if (TAILQ_EMPTY(&b->queue))
		evtimer_del(b->timer);
	free(t);
}

void
ratelimit_done(struct rl_bucket *b)
{
	double	 floor_tat;

	if (b == NULL || b->rate <= 0)
		return;
	/*
	 * AWS counted the request at some moment before its answer left:
	 * count it at the latest, now.  The next request cannot then reach
	 * a bucket of one (1/s) less than an interval after this one.
	 */
	floor_tat = rl_now() + rl_interval(b->rate);
	if (b->tat < floor_tat)
		b->tat = floor_tat;
}

unsigned
ratelimit_queued(const struct rl_bucket *b)
{
	return (b->nqueued);
}

/* Whether acmd calls service:op; if not, *cause lists what it calls. */
static int
rl_known(const char *service, const char *op, char **cause)
{
	char		*list = NULL, *t;
	const char	*s;
	size_t		 i;

	for (i = 0; i < RL_NDEFAULTS; i++) {
		if (strcmp(ratelimit_defaults[i].service, service) == 0 &&
		    strcmp(ratelimit_defaults[i].op, op) == 0)
			return (1);
	}
	/* ACM's operations without their service, as they are given. */
	for (i = 0; i < RL_NDEFAULTS; i++) {
		t = list;
		s = ratelimit_defaults[i].service;
		xasprintf(&list, "%s%s%s%s%s", t ? t : "", t ? " " : "",
		    strcmp(s, "acm") == 0 ? "" : s,
		    strcmp(s, "acm") == 0 ? "" : ":", ratelimit_defaults[i].op);
		free(t);
	}
	s = service;
	xasprintf(cause, "unknown operation '%s%s%s' (acmd calls: %s)",
	    strcmp(s, "acm") == 0 ? "" : s, strcmp(s, "acm") == 0 ? "" : ":",
	    op, list);
	free(list);
	return (0);
}

int
ratelimit_parse(struct ratelimit *rl, const char *service, const char *spec,
    char **cause)
{
	char	*copy, *p, *word, *eq, *end, *colon;
	const char	*svc, *op;
	double	 rate;

	copy = p = xstrdup(spec);
	while ((word = strsep(&p, " ,\t")) != NULL) {
		if (*word == '\0')
			continue;
		if ((eq = strchr(word, '=')) == NULL || eq == word) {
			xasprintf(cause, "'%s' is not Operation=rate", word);
			free(copy);
			return (-1);
		}
		*eq++ = '\0';
		rate = strtod(eq, &end);
		if (*eq == '\0' || *end != '\0' || !(rate >= 0) || rate > 10000) {
			xasprintf(cause, "'%s' is not a rate (requests per "
			    "second, 0 for none)", eq);
			free(copy);
			return (-1);
		}
		/* "acm-pca:RevokeCertificate=25" names another service. */
		svc = service;
		op = word;
		if ((colon = strchr(word, ':')) != NULL) {
			*colon = '\0';
			svc = word;
			op = colon + 1;
		}
		if (!rl_known(svc, op, cause)) {
			free(copy);
			return (-1);
		}
		ratelimit_set(rl, svc, op, rate);
	}
	free(copy);
	return (0);
}

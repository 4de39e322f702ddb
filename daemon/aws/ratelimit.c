#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"
#include "xmalloc.h"

/*
 * ACM's documented request rates (requests per second, per account and
 * region).  Operations not listed are not limited by acmd.
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
	{ "route53", "ChangeResourceRecordSets", 5 },
	{ "route53", "GetChange", 5 },
	{ "route53", "ListHostedZonesByName", 5 },
	{ "iam", "ListServerCertificates", 10 },
	{ "iam", "GetServerCertificate", 10 },
};

/* Keep a little under the quota: jitter on the wire must not throttle. */
#define RATELIMIT_MARGIN	1.03

struct rl_override {
	char			*service;
	char			*op;
	double			 rate;
	struct rl_override	*next;
};

struct rl_bucket {
	char			*key;
	double			 tat;	/* theoretical arrival time, ms */
	struct rl_bucket	*next;
};

#define RL_HASH	256

struct ratelimit {
	struct rl_override	*overrides;
	struct rl_bucket	*buckets[RL_HASH];
};

struct ratelimit *
ratelimit_new(void)
{
	return (xcalloc(1, sizeof (struct ratelimit)));
}

void
ratelimit_free(struct ratelimit *rl)
{
	struct rl_override	*o;
	struct rl_bucket	*b;
	size_t			 i;

	if (rl == NULL)
		return;
	while ((o = rl->overrides) != NULL) {
		rl->overrides = o->next;
		free(o->service);
		free(o->op);
		free(o);
	}
	for (i = 0; i < RL_HASH; i++) {
		while ((b = rl->buckets[i]) != NULL) {
			rl->buckets[i] = b->next;
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
	for (i = 0; i < sizeof ratelimit_defaults /
	    sizeof ratelimit_defaults[0]; i++) {
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

uint64_t
ratelimit_reserve(struct ratelimit *rl, const char *key, double rate,
    uint64_t now)
{
	struct rl_bucket	*b;
	unsigned		 h;
	double			 interval, tau, burst, send;

	if (rate <= 0)
		return (0);
	h = rl_hash(key);
	for (b = rl->buckets[h]; b != NULL; b = b->next) {
		if (strcmp(b->key, key) == 0)
			break;
	}
	if (b == NULL) {
		b = xcalloc(1, sizeof *b);
		b->key = xstrdup(key);
		b->tat = (double)now;
		b->next = rl->buckets[h];
		rl->buckets[h] = b;
	}
	/* Slow operations (1/s) get a wider margin: jitter counts more. */
	interval = 1000.0 / rate * (rate <= 2 ? 2 * RATELIMIT_MARGIN - 1 :
	    RATELIMIT_MARGIN);
	/* Burst of one second of quota, less one request of headroom. */
	burst = floor(rate) - 1;
	if (burst < 1)
		burst = 1;
	tau = (burst - 1) * interval;
	if (b->tat < (double)now)
		b->tat = (double)now;
	send = b->tat - tau;
	if (send < (double)now)
		send = (double)now;
	b->tat += interval;
	return ((uint64_t)ceil(send - (double)now));
}

int
ratelimit_parse(struct ratelimit *rl, const char *service, const char *spec,
    char **cause)
{
	char	*copy, *p, *word, *eq, *end, *colon;
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
		if ((colon = strchr(word, ':')) != NULL) {
			*colon = '\0';
			ratelimit_set(rl, word, colon + 1, rate);
		} else
			ratelimit_set(rl, service, word, rate);
	}
	free(copy);
	return (0);
}

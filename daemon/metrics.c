/*
 * Counters acmd keeps for its metrics page, and the pieces of the
 * Prometheus text exposition format (metrics.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "xmalloc.h"

/*
 * AWS calls by (service, operation, region): a hash table of entries
 * made on first use.  Labels are acmd's own strings (its operations and
 * the regions it knows), so the set is small; still, past METRICS_AWS_MAX
 * entries every new one is counted under one "other" entry.
 */
#define METRICS_AWS_BUCKETS	256
#define METRICS_AWS_MAX		4096

static struct metrics_aws	*aws_table[METRICS_AWS_BUCKETS];
static struct metrics_aws	 aws_other = { .service = "other",
				    .operation = "other", .region = "other" };
static size_t			 aws_entries;

static unsigned
aws_hash(const char *svc, const char *op, const char *region)
{
	const char	*parts[3] = { svc, op, region };
	unsigned	 h = 2166136261u;
	size_t		 i;
	const char	*p;

	for (i = 0; i < 3; i++) {
		for (p = parts[i]; *p != '\0'; p++)
			h = (h ^ (unsigned char)*p) * 16777619u;
		h = (h ^ '/') * 16777619u;
	}
	return (h % METRICS_AWS_BUCKETS);
}

struct metrics_aws *
metrics_aws_get(const char *svc, const char *op, const char *region)
{
	struct metrics_aws	*m;
	unsigned		 h;

	if (region == NULL)
		region = "";
	h = aws_hash(svc, op, region);
	for (m = aws_table[h]; m != NULL; m = m->next) {
		if (strcmp(m->operation, op) == 0 &&
		    strcmp(m->region, region) == 0 &&
		    strcmp(m->service, svc) == 0)
			return (m);
	}
	if (aws_entries >= METRICS_AWS_MAX)
		return (&aws_other);
	m = xcalloc(1, sizeof *m);
	m->service = xstrdup(svc);
	m->operation = xstrdup(op);
	m->region = xstrdup(region);
	m->next = aws_table[h];
	aws_table[h] = m;
	aws_entries++;
	return (m);
}

static int
aws_cmp(const void *a, const void *b)
{
	const struct metrics_aws	*x = *(const struct metrics_aws *const *)a;
	const struct metrics_aws	*y = *(const struct metrics_aws *const *)b;
	int				 c;

	if ((c = strcmp(x->service, y->service)) != 0)
		return (c);
	if ((c = strcmp(x->operation, y->operation)) != 0)
		return (c);
	return (strcmp(x->region, y->region));
}

/* In label order, so that the page reads (and diffs) well. */
void
metrics_aws_foreach(void (*fn)(const struct metrics_aws *, void *), void *arg)
{
	struct metrics_aws	**v, *m;
	size_t			 i, n = 0;

	v = xcalloc(aws_entries + 1, sizeof *v);
	for (i = 0; i < METRICS_AWS_BUCKETS; i++) {
		for (m = aws_table[i]; m != NULL; m = m->next)
			v[n++] = m;
	}
	qsort(v, n, sizeof *v, aws_cmp);
	for (i = 0; i < n; i++)
		fn(v[i], arg);
	if (aws_other.calls != 0 || aws_other.waits != 0)
		fn(&aws_other, arg);
	free(v);
}

void
metrics_free(void)
{
	struct metrics_aws	*m;
	size_t			 i;

	for (i = 0; i < METRICS_AWS_BUCKETS; i++) {
		while ((m = aws_table[i]) != NULL) {
			aws_table[i] = m->next;
			free(m->service);
			free(m->operation);
			free(m->region);
			free(m);
		}
	}
	aws_entries = 0;
}

/* Text. */

static void
mtext_grow(struct mtext *t, size_t more)
{
	if (t->len + more + 1 <= t->cap)
		return;
	while (t->len + more + 1 > t->cap)
		t->cap = t->cap == 0 ? 4096 : t->cap * 2;
	t->p = xreallocarray(t->p, t->cap, 1);
}

void
mtext_add(struct mtext *t, const char *s, size_t len)
{
	if (len == 0)
		return;
	mtext_grow(t, len);
	memcpy(t->p + t->len, s, len);
	t->len += len;
	t->p[t->len] = '\0';
}

void
mtext_printf(struct mtext *t, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	mtext_grow(t, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

void
mtext_reset(struct mtext *t)
{
	t->len = 0;
	if (t->p != NULL)
		t->p[0] = '\0';
}

void
mtext_free(struct mtext *t)
{
	free(t->p);
	t->p = NULL;
	t->len = t->cap = 0;
}

void
metrics_family(struct mtext *t, const char *name, const char *type,
    const char *help)
{
	mtext_printf(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void
metrics_escape(struct mtext *t, const char *s)
{
	size_t	 run;

	for (;;) {
		run = strcspn(s, "\\\"\n");
		mtext_add(t, s, run);
		s += run;
		switch (*s) {
		case '\0':
			return;
		case '\n':
			mtext_add(t, "\\n", 2);
			break;
		default:
			mtext_add(t, "\\", 1);
			mtext_add(t, s, 1);
			break;
		}
		s++;
	}
}

static void
metrics_value(struct mtext *t, double v)
{
	char	 buf[64];
	int	 n;

	if (isnan(v))
		n = snprintf(buf, sizeof buf, "NaN");
	else if (isinf(v))
		n = snprintf(buf, sizeof buf, v > 0 ? "+Inf" : "-Inf");
	else if (v == (double)(long long)v && fabs(v) < 9e15)
		n = snprintf(buf, sizeof buf, "%lld", (long long)v);
	else
		n = snprintf(buf, sizeof buf, "%.6f", v);
	mtext_add(t, buf, (size_t)n);
}

void
metrics_sample(struct mtext *t, const char *name, const char *const *labels,
    double v)
{
	size_t	 i;
	int	 first = 1;

	mtext_add(t, name, strlen(name));
	for (i = 0; labels != NULL && labels[i] != NULL; i += 2) {
		if (labels[i + 1] == NULL || *labels[i + 1] == '\0')
			continue;
		mtext_add(t, first ? "{" : ",", 1);
		first = 0;
		mtext_add(t, labels[i], strlen(labels[i]));
		mtext_add(t, "=\"", 2);
		metrics_escape(t, labels[i + 1]);
		mtext_add(t, "\"", 1);
	}
	if (!first)
		mtext_add(t, "}", 1);
	mtext_add(t, " ", 1);
	metrics_value(t, v);
	mtext_add(t, "\n", 1);
}

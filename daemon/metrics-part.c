/*
 * Kept parts of the metrics page, sent by reference (metrics-int.h).
 */
#include <stdlib.h>

#include <event2/buffer.h>
#include <jansson.h>

#include "metrics.h"
#include "metrics-int.h"
#include "xmalloc.h"

static void
blob_unref(struct blob *b)
{
	if (b == NULL || --b->refs > 0)
		return;
	free(b->p);
	free(b);
}

static void
blob_sent_cb(const void *data, size_t len, void *arg)
{
	blob_unref(arg);
}

void
part_set(struct part *p, struct mtext *t, uint64_t gen)
{
	blob_unref(p->b);
	p->b = xcalloc(1, sizeof *p->b);
	p->b->p = t->p;
	p->b->len = t->len;
	p->b->refs = 1;
	t->p = NULL;
	t->len = t->cap = 0;
	p->gen = gen;
	p->valid = 1;
}

void
part_send(struct evbuffer *out, struct part *p)
{
	if (p->b == NULL || p->b->len == 0)
		return;
	p->b->refs++;
	if (evbuffer_add_reference(out, p->b->p, p->b->len, blob_sent_cb,
	    p->b) != 0)
		blob_unref(p->b);
}

void
part_free(struct part *p)
{
	blob_unref(p->b);
	p->b = NULL;
	p->valid = 0;
}

void
count_one(json_t *counts, const char *key)
{
	json_t	*n = json_object_get(counts, key);

	json_object_set_new(counts, key, json_integer(n == NULL ? 1 :
	    json_integer_value(n) + 1));
}

/*
 * acm list's cached rows (inventory-rows.h): an arena of mapped blocks
 * and the strings rows share.
 */
#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inventory-rows.h"
#include "log.h"
#include "rec.h"
#include "xmalloc.h"

/*
 * A block is a huge page's size and alignment, and asks for one: the
 * cache is walked in key order, and a row noted during a discovery lies
 * anywhere in the arena, so at 4 KiB pages nearly each row was a TLB
 * miss (costly on a virtual machine).  A hint: without huge pages it is
 * as before.
 */
#define CROW_BLOCK	(2 * 1024 * 1024)

/*
 * Blocks are mapped, not malloc'd: a block freed goes back to the system
 * at once, and glibc's threshold for mapping large blocks, which rises
 * with each one freed, cannot send the next ones into the heap.
 */
struct crow_block {
	struct crow_block	*next;
	size_t			 size;	/* mapped, this header included */
	size_t			 used;
};

static struct crow_block	*crow_blocks;	/* the one filled first */
static size_t			 crow_live, crow_freed;
/* The strings rows share: key -> null, the key's storage is the string. */
static json_t			*crow_strings;

static size_t
crow_header(void)
{
	return ((sizeof (struct crow_block) + 15) & ~(size_t)15);
}

static struct crow_block *
crow_block_new(size_t need)
{
	struct crow_block	*b;
	size_t			 size = CROW_BLOCK;
	void			*p;

	uintptr_t		 at, end;

	if (need + crow_header() > size)
		size = (need + crow_header() + CROW_BLOCK - 1) &
		    ~(size_t)(CROW_BLOCK - 1);
	/* Mapped a block more, then cut to the alignment. */
	p = mmap(NULL, size + CROW_BLOCK, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		fatal("mmap %zu bytes", size + CROW_BLOCK);
	at = ((uintptr_t)p + CROW_BLOCK - 1) & ~(uintptr_t)(CROW_BLOCK - 1);
	end = (uintptr_t)p + size + CROW_BLOCK;
	if (at > (uintptr_t)p)
		munmap(p, at - (uintptr_t)p);
	if (end > at + size)
		munmap((void *)(at + size), end - (at + size));
	p = (void *)at;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, size, MADV_HUGEPAGE);
#endif
	b = p;
	b->next = NULL;
	b->size = size;
	b->used = crow_header();
	return (b);
}

static void
crow_blocks_free(struct crow_block *b)
{
	struct crow_block	*next;

	for (; b != NULL; b = next) {
		next = b->next;
		munmap(b, b->size);
	}
}

/* size bytes (a multiple of 8) from the arena's current block. */
static void *
crow_alloc(size_t size)
{
	struct crow_block	*b = crow_blocks;
	void			*p;

	if (b == NULL || b->size - b->used < size) {
		b = crow_block_new(size);
		b->next = crow_blocks;
		crow_blocks = b;
	}
	p = (char *)b + b->used;
	b->used += size;
	crow_live += size;
	return (p);
}

/* The one copy of s all rows point to. */
static const char *
crow_intern(const char *s)
{
	void	*it;

	if (s == NULL)
		return (NULL);
	if (crow_strings == NULL)
		crow_strings = json_object();
	if ((it = json_object_iter_at(crow_strings, s)) == NULL) {
		json_object_set_new_nocheck(crow_strings, s, json_null());
		it = json_object_iter_at(crow_strings, s);
	}
	return (json_object_iter_key(it));
}

static size_t
crow_strsize(const char *s)
{
	return (s != NULL ? strlen(s) + 1 : 0);
}

/* Copy s to str at *at, moving *at past it; its offset. */
static uint32_t
crow_put(char *str, size_t *at, const char *s)
{
	size_t	 off = *at, len;

	if (s == NULL)
		return (CROW_NONE);
	len = strlen(s) + 1;
	memcpy(str + off, s, len);
	*at += len;
	return ((uint32_t)off);
}

struct inv_crow *
crow_new(int iam, const char *key, const json_t *rec)
{
	struct inv_crow	*r;
	const char	*arn = rec_str(rec, "arn"), *domain = rec_str(rec, "domain");
	const char	*linked = NULL;
	json_t		*sans = json_object_get(rec, "sans"), *v, *l;
	size_t		 i, size, at = 0, klen = strlen(key), alen = 0;
	int		 arn_in_key;

	/* An ACM key ends with its ARN: kept once. */
	if (arn != NULL)
		alen = strlen(arn);
	arn_in_key = arn != NULL && alen <= klen &&
	    strcmp(key + klen - alen, arn) == 0;
	if ((l = json_object_get(rec, "linked")) != NULL)
		linked = rec_str(l, "name");
	size = sizeof *r + klen + 1 + crow_strsize(domain) +
	    crow_strsize(linked) + (arn_in_key ? 0 : crow_strsize(arn));
	json_array_foreach(sans, i, v)
		size += crow_strsize(json_string_value(v));
	if (size > UINT32_MAX - 8)
		fatalx("inventory record %s: %zu bytes", key, size);
	size = (size + 7) & ~(size_t)7;
	r = crow_alloc(size);
	memset(r, 0, sizeof *r);
	r->size = (uint32_t)size;
	crow_put(r->str, &at, key);
	r->arn = arn_in_key ? (uint32_t)(klen - alen) : crow_put(r->str, &at,
	    arn);
	r->domain = crow_put(r->str, &at, domain);
	r->linked = crow_put(r->str, &at, linked);
	r->sans = (uint32_t)at;
	json_array_foreach(sans, i, v) {
		if (crow_put(r->str, &at, json_string_value(v)) != CROW_NONE)
			r->nsans++;
	}
	r->credential = crow_intern(rec_str(rec, "credential"));
	r->region = crow_intern(rec_str(rec, "region"));
	r->type = crow_intern(rec_str(rec, "type"));
	r->status = crow_intern(rec_str(rec, "status"));
	r->account = crow_intern(rec_str(rec, "account"));
	r->flags = (iam ? CROW_IAM : 0) | (l != NULL ? CROW_LINKED : 0) |
	    (rec_bool(rec, "gone") ? CROW_GONE : 0) |
	    (json_array_size(json_object_get(rec, "in_use_by")) > 0 ?
	    CROW_IN_USE : 0);
	if ((v = json_object_get(rec, "not_after")) != NULL) {
		r->flags |= CROW_HAS_NOT_AFTER;
		if (json_is_integer(v)) {
			r->flags |= CROW_NOT_AFTER_NUM;
			r->not_after = (time_t)json_integer_value(v);
		}
	}
	return (r);
}

void
crow_free(struct inv_crow *r)
{
	crow_live -= r->size;
	crow_freed += r->size;
}

void
crow_compact(struct inv_crow **v, size_t n, int always)
{
	struct crow_block	*old = crow_blocks;
	struct inv_crow		*r;
	size_t			 i;

	if (!always && (crow_freed < CROW_BLOCK || crow_freed * 2 < crow_live))
		return;
	crow_blocks = NULL;
	crow_live = crow_freed = 0;
	for (i = 0; i < n; i++) {
		r = crow_alloc(v[i]->size);
		memcpy(r, v[i], v[i]->size);
		v[i] = r;
	}
	crow_blocks_free(old);
}

void
crow_clear(void)
{
	crow_blocks_free(crow_blocks);
	crow_blocks = NULL;
	crow_live = crow_freed = 0;
	json_decref(crow_strings);
	crow_strings = NULL;
}

size_t
crow_nstrings(void)
{
	return (json_object_size(crow_strings));
}

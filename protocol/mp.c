#include <sys/mman.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>

#include "mp.h"
#include "xmalloc.h"

const msgpack_object *
mp_map_get(const msgpack_object *map, const char *key)
{
	const msgpack_object_kv	*kv;
	size_t			 klen = strlen(key);
	uint32_t		 i;

	if (map == NULL || map->type != MSGPACK_OBJECT_MAP)
		return (NULL);
	for (i = 0; i < map->via.map.size; i++) {
		kv = &map->via.map.ptr[i];
		if (kv->key.type == MSGPACK_OBJECT_STR &&
		    kv->key.via.str.size == klen &&
		    memcmp(kv->key.via.str.ptr, key, klen) == 0)
			return (&kv->val);
	}
	return (NULL);
}

int
mp_obj_is_str(const msgpack_object *o, const char *s)
{
	size_t	 len = strlen(s);

	return (o != NULL && o->type == MSGPACK_OBJECT_STR &&
	    o->via.str.size == len && memcmp(o->via.str.ptr, s, len) == 0);
}

char *
mp_obj_str(const msgpack_object *o)
{
	if (o == NULL || o->type != MSGPACK_OBJECT_STR)
		return (NULL);
	if (o->via.str.size == 0)
		return (xstrdup(""));
	if (memchr(o->via.str.ptr, '\0', o->via.str.size) != NULL)
		return (NULL);
	return (xstrndup(o->via.str.ptr, o->via.str.size));
}

int
mp_get_str(const msgpack_object *map, const char *key, char **out,
    char **cause)
{
	const msgpack_object	*o;
	char			*s;

	if ((o = mp_map_get(map, key)) == NULL || o->type == MSGPACK_OBJECT_NIL)
		return (0);
	if ((s = mp_obj_str(o)) == NULL) {
		xasprintf(cause, "'%s' must be a string", key);
		return (-1);
	}
	free(*out);
	*out = s;
	return (1);
}

int
mp_get_uint(const msgpack_object *map, const char *key, uint64_t *out,
    char **cause)
{
	const msgpack_object	*o;

	if ((o = mp_map_get(map, key)) == NULL || o->type == MSGPACK_OBJECT_NIL)
		return (0);
	if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		xasprintf(cause, "'%s' must be a non-negative integer", key);
		return (-1);
	}
	*out = o->via.u64;
	return (1);
}

int
mp_get_int(const msgpack_object *map, const char *key, int64_t *out,
    char **cause)
{
	const msgpack_object	*o;

	if ((o = mp_map_get(map, key)) == NULL || o->type == MSGPACK_OBJECT_NIL)
		return (0);
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		*out = o->via.i64;
	else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    o->via.u64 <= INT64_MAX)
		*out = (int64_t)o->via.u64;
	else {
		xasprintf(cause, "'%s' must be an integer", key);
		return (-1);
	}
	return (1);
}

int
mp_get_bool(const msgpack_object *map, const char *key, int *out,
    char **cause)
{
	const msgpack_object	*o;

	if ((o = mp_map_get(map, key)) == NULL || o->type == MSGPACK_OBJECT_NIL)
		return (0);
	if (o->type != MSGPACK_OBJECT_BOOLEAN) {
		xasprintf(cause, "'%s' must be a boolean", key);
		return (-1);
	}
	*out = o->via.boolean;
	return (1);
}

void
mp_strv_free(char **v)
{
	char	**p;

	if (v == NULL)
		return;
	for (p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

int
mp_get_strv(const msgpack_object *map, const char *key, char ***out,
    size_t *n, char **cause)
{
	const msgpack_object	*o;
	char			**v;
	uint32_t		 i;

	if ((o = mp_map_get(map, key)) == NULL || o->type == MSGPACK_OBJECT_NIL)
		return (0);
	if (o->type == MSGPACK_OBJECT_STR) {
		v = xcalloc(2, sizeof *v);
		if ((v[0] = mp_obj_str(o)) == NULL)
			goto bad;
		*n = 1;
	} else if (o->type == MSGPACK_OBJECT_ARRAY) {
		v = xcalloc((size_t)o->via.array.size + 1, sizeof *v);
		for (i = 0; i < o->via.array.size; i++) {
			if ((v[i] = mp_obj_str(&o->via.array.ptr[i])) == NULL)
				goto bad;
		}
		*n = o->via.array.size;
	} else {
		xasprintf(cause, "'%s' must be a list of strings", key);
		return (-1);
	}
	mp_strv_free(*out);
	*out = v;
	return (1);
bad:
	mp_strv_free(v);
	xasprintf(cause, "'%s' must be a list of strings", key);
	return (-1);
}

struct mp_buf *
mp_buf_new(void)
{
	struct mp_buf	*b;

	b = xcalloc(1, sizeof *b);
	msgpack_sbuffer_init(&b->sb);
	msgpack_packer_init(&b->pk, &b->sb, msgpack_sbuffer_write);
	return (b);
}

/*
 * A buffer that will hold a secret: one allocation of size bytes, which
 * the caller makes big enough never to be moved (a move leaves a copy in
 * freed memory), wiped when freed with mp_buf_free_secret.
 */
struct mp_buf *
mp_buf_new_secret(size_t size)
{
	struct mp_buf	*b;

	b = mp_buf_new();
	b->sb.data = xcalloc(1, size);
	b->sb.alloc = size;
	return (b);
}

void
mp_buf_free_secret(struct mp_buf *b)
{
	if (b == NULL)
		return;
	explicit_bzero(b->sb.data, b->sb.alloc);
	mp_buf_free(b);
}

void
mp_buf_free(struct mp_buf *b)
{
	if (b == NULL)
		return;
	msgpack_sbuffer_destroy(&b->sb);
	free(b);
}

/*
 * Room for size bytes in all, in one allocation made now: a big answer
 * is not copied again at each doubling, and its fresh pages are mapped
 * in one call (huge pages where the kernel gives them) rather than one
 * fault at a time as it is written.  Hints: a kernel without them faults.
 */
void
mp_buf_reserve(struct mp_buf *b, size_t size)
{
	if (b->sb.alloc >= size)
		return;
	b->sb.data = xreallocarray(b->sb.data, size, 1);
	b->sb.alloc = size;
#ifdef MADV_HUGEPAGE
	mp_madvise(b->sb.data + b->sb.size, size - b->sb.size, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
	mp_madvise(b->sb.data + b->sb.size, size - b->sb.size,
	    MADV_POPULATE_WRITE);
#endif
}

/* madvise the whole pages inside [p, p + len): a hint, its failure ignored. */
void
mp_madvise(void *p, size_t len, int advice)
{
	uintptr_t	 page = (uintptr_t)sysconf(_SC_PAGESIZE), start, end;

	start = ((uintptr_t)p + page - 1) & ~(page - 1);
	end = ((uintptr_t)p + len) & ~(page - 1);
	if (end > start)
		(void)madvise((void *)start, end - start, advice);
}

void
mp_buf_reset(struct mp_buf *b)
{
	msgpack_sbuffer_clear(&b->sb);
}

void
mp_map(struct mp_buf *b, size_t n)
{
	msgpack_pack_map(&b->pk, n);
}

void
mp_array(struct mp_buf *b, size_t n)
{
	msgpack_pack_array(&b->pk, n);
}

void
mp_strn(struct mp_buf *b, const char *s, size_t len)
{
	msgpack_pack_str(&b->pk, len);
	msgpack_pack_str_body(&b->pk, s, len);
}

void
mp_str(struct mp_buf *b, const char *s)
{
	if (s == NULL)
		msgpack_pack_nil(&b->pk);
	else
		mp_strn(b, s, strlen(s));
}

void
mp_uint(struct mp_buf *b, uint64_t v)
{
	msgpack_pack_uint64(&b->pk, v);
}

void
mp_int(struct mp_buf *b, int64_t v)
{
	msgpack_pack_int64(&b->pk, v);
}

void
mp_bool(struct mp_buf *b, int v)
{
	if (v)
		msgpack_pack_true(&b->pk);
	else
		msgpack_pack_false(&b->pk);
}

void
mp_nil(struct mp_buf *b)
{
	msgpack_pack_nil(&b->pk);
}

void
mp_obj(struct mp_buf *b, const msgpack_object *o)
{
	msgpack_pack_object(&b->pk, *o);
}

void
mp_kstr(struct mp_buf *b, const char *k, const char *v)
{
	mp_str(b, k);
	mp_str(b, v);
}

void
mp_kuint(struct mp_buf *b, const char *k, uint64_t v)
{
	mp_str(b, k);
	mp_uint(b, v);
}

void
mp_kint(struct mp_buf *b, const char *k, int64_t v)
{
	mp_str(b, k);
	mp_int(b, v);
}

void
mp_kbool(struct mp_buf *b, const char *k, int v)
{
	mp_str(b, k);
	mp_bool(b, v);
}

void
mp_raw(struct mp_buf *b, const void *p, size_t len)
{
	msgpack_sbuffer_write(&b->sb, p, len);
}

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

/* A big-endian unsigned of w bytes at p. */
static uint64_t
mp_raw_be(const uint8_t *p, size_t w)
{
	uint64_t	 v = 0;

	while (w-- > 0)
		v = (v << 8) | *p++;
	return (v);
}

/*
 * The item at *p, read in place (long lists are written without building
 * msgpack-c's objects): a scalar whole in *o (a string points into the
 * bytes), an array or map as its head only, with its size (the items
 * follow).  *p moves past what was read.  -1 on bytes that are not
 * msgpack or are cut short.  long: one switch over msgpack's formats.
 */
int
mp_raw_next(const char **pp, const char *end, msgpack_object *o)
{
	const uint8_t	*p = (const uint8_t *)*pp, *e = (const uint8_t *)end;
	uint8_t		 b;
	size_t		 w = 0, len = 0;
	uint64_t	 v;
	union { uint32_t u; float f; } f32;
	union { uint64_t u; double f; } f64;

	if (p >= e)
		return (-1);
	b = *p++;
	memset(o, 0, sizeof *o);
	if (b <= 0x7f || b >= 0xe0) {
		o->type = b <= 0x7f ? MSGPACK_OBJECT_POSITIVE_INTEGER :
		    MSGPACK_OBJECT_NEGATIVE_INTEGER;
		o->via.i64 = (int8_t)b;
		goto done;
	}
	switch (b & 0xf0) {
	case 0x80:
		o->type = MSGPACK_OBJECT_MAP;
		o->via.map.size = b & 0x0f;
		goto done;
	case 0x90:
		o->type = MSGPACK_OBJECT_ARRAY;
		o->via.array.size = b & 0x0f;
		goto done;
	case 0xa0: case 0xb0:
		o->type = MSGPACK_OBJECT_STR;
		len = b & 0x1f;
		goto payload;
	}
	switch (b) {
	case 0xc0: o->type = MSGPACK_OBJECT_NIL; goto done;
	case 0xc2: case 0xc3:
		o->type = MSGPACK_OBJECT_BOOLEAN;
		o->via.boolean = b == 0xc3;
		goto done;
	case 0xcc: case 0xcd: case 0xce: case 0xcf:
		w = (size_t)1 << (b - 0xcc);
		if ((size_t)(e - p) < w)
			return (-1);
		o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
		o->via.u64 = mp_raw_be(p, w);
		p += w;
		goto done;
	case 0xd0: case 0xd1: case 0xd2: case 0xd3:
		w = (size_t)1 << (b - 0xd0);
		if ((size_t)(e - p) < w)
			return (-1);
		v = mp_raw_be(p, w);
		p += w;
		/* Sign-extended from w bytes; msgpack-c's types for the value. */
		if (w < 8 && (v >> (8 * w - 1)) != 0)
			v |= ~(uint64_t)0 << (8 * w);
		o->via.i64 = (int64_t)v;
		o->type = o->via.i64 < 0 ? MSGPACK_OBJECT_NEGATIVE_INTEGER :
		    MSGPACK_OBJECT_POSITIVE_INTEGER;
		goto done;
	case 0xca: case 0xcb:
		w = b == 0xca ? 4 : 8;
		if ((size_t)(e - p) < w)
			return (-1);
		if (w == 4) {
			f32.u = (uint32_t)mp_raw_be(p, 4);
			o->type = MSGPACK_OBJECT_FLOAT32;
			o->via.f64 = f32.f;
		} else {
			f64.u = mp_raw_be(p, 8);
			o->type = MSGPACK_OBJECT_FLOAT64;
			o->via.f64 = f64.f;
		}
		p += w;
		goto done;
	case 0xd9: case 0xda: case 0xdb:
		o->type = MSGPACK_OBJECT_STR;
		w = (size_t)1 << (b - 0xd9);
		break;
	case 0xc4: case 0xc5: case 0xc6:
		o->type = MSGPACK_OBJECT_BIN;
		w = (size_t)1 << (b - 0xc4);
		break;
	case 0xdc: case 0xdd: case 0xde: case 0xdf:
		w = (b & 1) ? 4 : 2;
		if ((size_t)(e - p) < w)
			return (-1);
		o->type = b <= 0xdd ? MSGPACK_OBJECT_ARRAY : MSGPACK_OBJECT_MAP;
		o->via.array.size = (uint32_t)mp_raw_be(p, w);
		p += w;
		goto done;
	default:	/* ext types: acmd sends none */
		return (-1);
	}
	if ((size_t)(e - p) < w)
		return (-1);
	len = (size_t)mp_raw_be(p, w);
	p += w;
payload:
	if ((size_t)(e - p) < len)
		return (-1);
	/* str and bin share the layout of msgpack_object's union. */
	o->via.str.ptr = (const char *)p;
	o->via.str.size = (uint32_t)len;
	p += len;
done:
	*pp = (const char *)p;
	return (0);
}

int
mp_raw_skip(const char **p, const char *end)
{
	msgpack_object	 o;
	uint64_t	 left = 1;

	while (left > 0) {
		if (mp_raw_next(p, end, &o) != 0)
			return (-1);
		left--;
		if (o.type == MSGPACK_OBJECT_ARRAY)
			left += o.via.array.size;
		else if (o.type == MSGPACK_OBJECT_MAP)
			left += 2 * (uint64_t)o.via.map.size;
	}
	return (0);
}

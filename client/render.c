/* Output of acmctl: aligned tables, colour on a terminal, --json. */
#include <sys/mman.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <msgpack.h>

#include "acmctl.h"
#include "mp.h"
#include "mpjson.h"
#include "util.h"
#include "xmalloc.h"

/* How the running command's answer is shown (set by acmctl.c). */
int	 ctl_json;
int	 ctl_color;
json_t	*ctl_local;
/* Set when acmctl's own part failed (a file not written). */
int	 ctl_exit;

/*
 * Output of the big renderers goes through one buffer, written out with
 * fwrite a block at a time: 10,000 inventory rows are some 200,000 small
 * pieces, too many for a stdio call each.
 */
#define OB_SIZE		(64 * 1024)

struct obuf {
	FILE	*f;
	char	*p;
	size_t	 len;
};

static void
ob_init(struct obuf *ob, FILE *f)
{
	ob->f = f;
	ob->p = xmalloc(OB_SIZE);
	ob->len = 0;
}

static void
ob_flush(struct obuf *ob)
{
	if (ob->len > 0)
		fwrite(ob->p, 1, ob->len, ob->f);
	ob->len = 0;
}

static void
ob_done(struct obuf *ob)
{
	ob_flush(ob);
	free(ob->p);
	ob->p = NULL;
}

static inline void
ob_write(struct obuf *ob, const void *p, size_t len)
{
	if (len == 0)	/* p may be NULL then (an empty msgpack string) */
		return;
	if (len > OB_SIZE - ob->len) {
		ob_flush(ob);
		if (len > OB_SIZE) {
			fwrite(p, 1, len, ob->f);
			return;
		}
	}
	memcpy(ob->p + ob->len, p, len);
	ob->len += len;
}

static inline void
ob_puts(struct obuf *ob, const char *s)
{
	ob_write(ob, s, strlen(s));
}

static inline void
ob_putc(struct obuf *ob, char c)
{
	if (ob->len == OB_SIZE)
		ob_flush(ob);
	ob->p[ob->len++] = c;
}

static inline void
ob_spaces(struct obuf *ob, size_t n)
{
	static const char	 sp[] = "                                ";
	size_t			 k;

	while (n > 0) {
		k = n < sizeof sp - 1 ? n : sizeof sp - 1;
		ob_write(ob, sp, k);
		n -= k;
	}
}

/* Decimal digits of v, right-aligned in buf (at least 21 bytes). */
static char *
fmt_u64(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return (end);
}

/* An integer as printf's %PRIu64 or %PRId64 would write it. */
static size_t
fmt_int(const msgpack_object *o, char *buf, size_t size)
{
	char		*end = buf + size, *p;
	uint64_t	 u;

	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		p = fmt_u64(o->via.u64, end);
	else {
		u = o->via.i64 < 0 ? -(uint64_t)o->via.i64 :
		    (uint64_t)o->via.i64;
		p = fmt_u64(u, end);
		if (o->via.i64 < 0)
			*--p = '-';
	}
	memmove(buf, p, end - p);
	return (end - p);
}

/*
 * --json: straight from msgpack to text, without building a tree (10,000
 * inventory rows in a few milliseconds).  Objects keep their key order.
 */

/* Bytes a JSON string cannot hold as they are. */
static const unsigned char json_escaped[256] = {
	[0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 1
};

static char *
json_escape(unsigned char c, char *d)
{
	static const char	 hex[] = "0123456789abcdef";

	*d++ = '\\';
	switch (c) {
	case '"':
	case '\\':
		*d++ = (char)c;
		break;
	case '\n':
		*d++ = 'n';
		break;
	case '\t':
		*d++ = 't';
		break;
	case '\r':
		*d++ = 'r';
		break;
	default:
		*d++ = 'u';
		*d++ = '0';
		*d++ = '0';
		*d++ = hex[c >> 4];
		*d++ = hex[c & 0xf];
		break;
	}
	return (d);
}

/* Whether one of the 8 bytes in w is one that json_escaped lists. */
static inline int
json_escaped8(uint64_t w)
{
	const uint64_t	 ones = 0x0101010101010101ULL;
	const uint64_t	 high = 0x8080808080808080ULL;
	uint64_t	 q = w ^ (ones * '"'), b = w ^ (ones * '\\');
	uint64_t	 d = w ^ (ones * 0x7f);

	/* A zero byte in q, b or d, or a byte of w below 0x20. */
	return ((((q - ones) & ~q) | ((b - ones) & ~b) | ((d - ones) & ~d) |
	    ((w - ones * 0x20) & ~w)) & high) != 0;
}

static void
json_string_out(const char *p, size_t len, struct obuf *ob)
{
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 i, start;
	uint64_t		 w;
	char			*d, esc[6];

	if (len == 0) {		/* p may be NULL then */
		ob_write(ob, "\"\"", 2);
		return;
	}
	if (len <= (OB_SIZE - 2) / 6) {
		/* Room for the worst case: straight into the buffer. */
		if (OB_SIZE - ob->len < 6 * len + 2)
			ob_flush(ob);
		d = ob->p + ob->len;
		*d++ = '"';
		for (i = 0; i < len; /* nothing */) {
			if (len - i >= 8) {
				memcpy(&w, s + i, 8);
				if (!json_escaped8(w)) {
					memcpy(d, &w, 8);
					d += 8;
					i += 8;
					continue;
				}
			}
			if (json_escaped[s[i]])
				d = json_escape(s[i], d);
			else
				*d++ = (char)s[i];
			i++;
		}
		*d++ = '"';
		ob->len = d - ob->p;
		return;
	}
	ob_putc(ob, '"');
	for (i = 0; i < len; i++) {
		for (start = i; i < len && !json_escaped[s[i]]; i++)
			;
		ob_write(ob, s + start, i - start);
		if (i < len)
			ob_write(ob, esc, json_escape(s[i], esc) - esc);
	}
	ob_putc(ob, '"');
}

static void	json_out(const msgpack_object *, int, struct obuf *);
static void	json_out_raw(const char **, const char *, int, struct obuf *);

/* A container's items: msgpack-c's objects, or the bytes read in place. */
struct jitems {
	const msgpack_object	*o;	/* NULL: read from *p */
	const char		**p;
	const char		*end;
};

/* The key of pair i, and its ": ". */
static void
json_key(const struct jitems *it, uint32_t i, struct obuf *ob)
{
	const msgpack_object	*k;
	msgpack_object		 raw;
	const char		*at = it->p != NULL ? *it->p : NULL;
	char			 buf[32];
	int			 n;

	if (it->o != NULL)
		k = &it->o->via.map.ptr[i].key;
	else {
		k = &raw;
		if (mp_raw_next(it->p, it->end, &raw) != 0)
			raw.type = MSGPACK_OBJECT_NIL;
		else if (raw.type == MSGPACK_OBJECT_ARRAY ||
		    raw.type == MSGPACK_OBJECT_MAP) {
			*it->p = at;	/* a key that is a container: skipped */
			if (mp_raw_skip(it->p, it->end) != 0)
				*it->p = it->end;
		}
	}
	if (k->type == MSGPACK_OBJECT_STR)
		json_string_out(k->via.str.ptr, k->via.str.size, ob);
	else {
		n = snprintf(buf, sizeof buf, "\"#%u\"", i);
		ob_write(ob, buf, n);
	}
	ob_write(ob, ": ", 2);
}

/* The value of item (or pair) i. */
static void
json_val(const struct jitems *it, uint32_t i, int indent, struct obuf *ob)
{
	if (it->o == NULL)
		json_out_raw(it->p, it->end, indent, ob);
	else if (it->o->type == MSGPACK_OBJECT_MAP)
		json_out(&it->o->via.map.ptr[i].val, indent, ob);
	else
		json_out(&it->o->via.array.ptr[i], indent, ob);
}

/* An array or a map (head: its type and size), its items from it. */
static void
json_container(const msgpack_object *head, const struct jitems *it,
    int indent, struct obuf *ob)
{
	int		 map = head->type == MSGPACK_OBJECT_MAP;
	uint32_t	 i, n = map ? head->via.map.size : head->via.array.size;

	if (n == 0) {
		ob_write(ob, map ? "{}" : "[]", 2);
		return;
	}
	ob_write(ob, map ? "{\n" : "[\n", 2);
	for (i = 0; i < n; i++) {
		ob_spaces(ob, indent + 2);
		if (map)
			json_key(it, i, ob);
		json_val(it, i, indent + 2, ob);
		if (i + 1 < n)
			ob_write(ob, ",\n", 2);
		else
			ob_putc(ob, '\n');
	}
	ob_spaces(ob, indent);
	ob_putc(ob, map ? '}' : ']');
}

static void
json_out(const msgpack_object *o, int indent, struct obuf *ob)
{
	char		 buf[64];
	int		 n;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		ob_write(ob, "null", 4);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		ob_puts(ob, o->via.boolean ? "true" : "false");
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		ob_write(ob, buf, fmt_int(o, buf, sizeof buf));
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		n = snprintf(buf, sizeof buf, "%.17g", o->via.f64);
		ob_write(ob, buf, n);
		break;
	case MSGPACK_OBJECT_STR:
		json_string_out(o->via.str.ptr, o->via.str.size, ob);
		break;
	case MSGPACK_OBJECT_BIN:
		json_string_out(o->via.bin.ptr, o->via.bin.size, ob);
		break;
	case MSGPACK_OBJECT_ARRAY:
	case MSGPACK_OBJECT_MAP:
		json_container(o, &(struct jitems){ o, NULL, NULL }, indent, ob);
		break;
	default:
		ob_write(ob, "null", 4);
		break;
	}
}

/* json_out of the item at *p, read in place; *p moves past it. */
static void
json_out_raw(const char **p, const char *end, int indent, struct obuf *ob)
{
	msgpack_object	 o;

	if (mp_raw_next(p, end, &o) != 0) {
		ob_write(ob, "null", 4);
		*p = end;
	} else if (o.type == MSGPACK_OBJECT_ARRAY ||
	    o.type == MSGPACK_OBJECT_MAP)
		json_container(&o, &(struct jitems){ NULL, p, end }, indent,
		    ob);
	else
		json_out(&o, indent, ob);
}

void
render_json(const msgpack_object *o, FILE *f)
{
	struct obuf	 ob;

	ob_init(&ob, f);
	json_out(o, 0, &ob);
	ob_putc(&ob, '\n');
	ob_done(&ob);
}

/*
 * --json of a list that comes in parts, part by part as it arrives (each
 * part's memory is let go before the next one is read): the same text
 * render_json writes for the whole array.  *n counts the rows so far.
 */
void
render_json_rows(const msgpack_object *rows, size_t *n, FILE *f)
{
	struct obuf	 ob;
	uint32_t	 i;

	if (rows->type != MSGPACK_OBJECT_ARRAY || rows->via.array.size == 0)
		return;
	ob_init(&ob, f);
	for (i = 0; i < rows->via.array.size; i++) {
		ob_write(&ob, (*n)++ == 0 ? "[\n  " : ",\n  ", 4);
		json_out(&rows->via.array.ptr[i], 2, &ob);
	}
	ob_done(&ob);
}

/* The same from a part's bytes (n rows at p, read in place). */
void
render_json_rows_raw(const char *p, const char *end, uint32_t rows,
    size_t *n, FILE *f)
{
	struct obuf	 ob;
	uint32_t	 i;

	if (rows == 0)
		return;
	ob_init(&ob, f);
	for (i = 0; i < rows; i++) {
		ob_write(&ob, (*n)++ == 0 ? "[\n  " : ",\n  ", 4);
		json_out_raw(&p, end, 2, &ob);
	}
	ob_done(&ob);
}

void
render_json_rows_end(size_t n, FILE *f)
{
	fputs(n == 0 ? "[]\n" : "\n]\n", f);
}

char *
render_scalar(const msgpack_object *o)
{
	char	*s;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return (xstrdup("-"));
	case MSGPACK_OBJECT_BOOLEAN:
		return (xstrdup(o->via.boolean ? "yes" : "no"));
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		xasprintf(&s, "%" PRIu64, o->via.u64);
		return (s);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		xasprintf(&s, "%" PRId64, o->via.i64);
		return (s);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		xasprintf(&s, "%g", o->via.f64);
		return (s);
	case MSGPACK_OBJECT_STR:
		return (xstrndup(o->via.str.ptr, o->via.str.size));
	case MSGPACK_OBJECT_ARRAY: {
		size_t	 len = 0;
		char	*item;
		uint32_t i;

		s = xstrdup("");
		for (i = 0; i < o->via.array.size; i++) {
			item = render_scalar(&o->via.array.ptr[i]);
			s = xreallocarray(s, 1, len + strlen(item) + 3);
			len += sprintf(s + len, "%s%s", i ? ", " : "", item);
			free(item);
		}
		return (s);
	}
	case MSGPACK_OBJECT_MAP: {
		/* tags and the like: "k=v, k2=v2" ("-" when empty) */
		size_t	 len = 0;
		char	*k, *v;
		uint32_t i;

		if (o->via.map.size == 0)
			return (xstrdup("-"));
		s = xstrdup("");
		for (i = 0; i < o->via.map.size; i++) {
			k = render_scalar(&o->via.map.ptr[i].key);
			v = render_scalar(&o->via.map.ptr[i].val);
			s = xreallocarray(s, 1, len + strlen(k) + strlen(v) + 4);
			len += sprintf(s + len, "%s%s=%s", i ? ", " : "", k, v);
			free(k);
			free(v);
		}
		return (s);
	}
	default:
		return (xstrdup("..."));
	}
}

static const char *
row_color(const msgpack_object *row)
{
	const msgpack_object	*st;
	static const char *const red[] = { "mismatch", "failed", "missing",
	    "expired", "FAILED", "EXPIRED", "REVOKED", "Failed",
	    "Validation Timed Out", NULL };
	size_t			 i;

	if (!ctl_color)
		return (NULL);
	if ((st = mp_map_get(row, "state")) == NULL &&
	    (st = mp_map_get(row, "status")) == NULL &&
	    (st = mp_map_get(row, "deployment")) == NULL)
		return (NULL);
	for (i = 0; red[i] != NULL; i++) {
		if (mp_obj_is_str(st, red[i]))
			return (RED);
	}
	return (NULL);
}

/* mp_map_get with the key's length known. */
static const msgpack_object *
map_get_len(const msgpack_object *map, const char *key, size_t klen)
{
	const msgpack_object_kv	*kv;
	uint32_t		 i;

	if (map->type != MSGPACK_OBJECT_MAP)
		return (NULL);
	for (i = 0; i < map->via.map.size; i++) {
		kv = &map->via.map.ptr[i];
		if (kv->key.type == MSGPACK_OBJECT_STR &&
		    kv->key.via.str.size == klen && (klen == 0 ||
		    (kv->key.via.str.ptr[0] == key[0] &&
		    memcmp(kv->key.via.str.ptr, key, klen) == 0)))
			return (&kv->val);
	}
	return (NULL);
}

/*
 * Fields that hold a time (epoch seconds, the same names everywhere in
 * --json): people get ISO 8601 UTC.
 */
static const char *const time_keys[] = { "accepted", "added", "checked",
    "created", "created_at", "first_seen", "gone_since", "imported_at",
    "issued_at", "last_run", "last_seen", "next_poll", "next_retry",
    "next_run", "not_after", "not_before", "revoked_at", "started", "tested",
    "time", "updated", NULL };

static int
is_time_key(const char *k, size_t len)
{
	size_t	 i;

	for (i = 0; time_keys[i] != NULL; i++) {
		if (strlen(time_keys[i]) == len &&
		    memcmp(time_keys[i], k, len) == 0)
			return (1);
	}
	return (0);
}

/* The epoch seconds in an integer object, 0 when it is not one. */
static int64_t
obj_time(const msgpack_object *v)
{
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		return ((int64_t)v->via.u64);
	if (v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
		return (v->via.i64);
	return (0);
}

/* "in 3 days", "5 minutes ago", "now". */
static void
format_relative(time_t t, time_t now, char *buf, size_t len)
{
	long long	 d = (long long)t - (long long)now, a = d < 0 ? -d : d;
	long long	 n;
	const char	*unit;

	if (a < 5) {
		snprintf(buf, len, "now");
		return;
	}
	if (a < 90) {
		n = a;
		unit = "second";
	} else if (a < 90 * 60) {
		n = (a + 30) / 60;
		unit = "minute";
	} else if (a < 48 * 3600) {
		n = (a + 1800) / 3600;
		unit = "hour";
	} else {
		n = a / 86400;
		unit = "day";
	}
	snprintf(buf, len, "%s%lld %s%s%s", d > 0 ? "in " : "", n, unit,
	    n == 1 ? "" : "s", d > 0 ? "" : " ago");
}

/* A time for people: ISO 8601 UTC, and how far from now when asked. */
static void
format_time_for(int64_t t, int relative, char *buf, size_t len)
{
	char	 rel[64];
	size_t	 n;

	if (t == 0) {
		snprintf(buf, len, "-");
		return;
	}
	format_time((time_t)t, buf, len);
	if (relative) {
		format_relative((time_t)t, time(NULL), rel, sizeof rel);
		n = strlen(buf);
		snprintf(buf + n, len - n, " (%s)", rel);
	}
}

/*
 * A table cell's text as render_scalar gives it, without allocating for
 * the common kinds (strings, numbers, nil, booleans); *alloc is set when
 * it had to (the caller frees it).
 */
static const char *
cell_text(const msgpack_object *v, char *buf, size_t size, size_t *len,
    char **alloc)
{
	*alloc = NULL;
	switch (v->type) {
	case MSGPACK_OBJECT_NIL:
		*len = 1;
		return ("-");
	case MSGPACK_OBJECT_BOOLEAN:
		*len = v->via.boolean ? 3 : 2;
		return (v->via.boolean ? "yes" : "no");
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		*len = fmt_int(v, buf, size);
		return (buf);
	case MSGPACK_OBJECT_STR:
		/* Text stops at a NUL, as the C string it used to be. */
		if (v->via.str.size == 0) {
			*len = 0;
			return ("");
		}
		*len = strnlen(v->via.str.ptr, v->via.str.size);
		return (v->via.str.ptr);
	default:
		*alloc = render_scalar(v);
		*len = strlen(*alloc);
		return (*alloc);
	}
}

/* A table's columns: their names, widths and which hold times. */
struct table {
	const char	*const *names;
	size_t		 ncols;
	size_t		*width, *nlen;
	int		*is_time;
};

/* One cell's text (in buf or *s, to free) and its length. */
static const char *
table_cell(const struct table *t, const msgpack_object *row, size_t c,
    char *buf, size_t len, size_t *outlen, char **s)
{
	const msgpack_object *v;

	*s = NULL;
	if ((v = map_get_len(row, t->names[c], t->nlen[c])) == NULL) {
		*outlen = 1;
		return ("-");
	}
	if (t->is_time[c] && obj_time(v) != 0) {
		format_time_for(obj_time(v), 0, buf, len);
		*outlen = strlen(buf);
		return (buf);
	}
	return (cell_text(v, buf, len, outlen, s));
}

static void
table_header(struct obuf *ob, const struct table *t)
{
	size_t	 c;
	char	*up, *s;

	for (c = 0; c < t->ncols; c++) {
		up = xstrdup(t->names[c]);
		for (s = up; *s != '\0'; s++)
			*s = (*s == '_') ? ' ' : (char)toupper((unsigned char)*s);
		ob_write(ob, up, t->nlen[c]);
		if (c + 1 < t->ncols) {
			ob_spaces(ob, t->width[c] - t->nlen[c]);
			ob_write(ob, "  ", 2);
		} else
			ob_putc(ob, '\n');
		free(up);
	}
}

static void
table_row(struct obuf *ob, const struct table *t, const msgpack_object *row)
{
	const char	*color = row_color(row), *text;
	size_t		 c, len;
	char		*s, buf[32];

	if (color != NULL)
		ob_puts(ob, color);
	for (c = 0; c < t->ncols; c++) {
		text = table_cell(t, row, c, buf, sizeof buf, &len, &s);
		ob_write(ob, text, len);
		if (c + 1 < t->ncols) {
			if (len < t->width[c])
				ob_spaces(ob, t->width[c] - len);
			ob_write(ob, "  ", 2);
		}
		free(s);
	}
	if (color != NULL)
		ob_puts(ob, RESET "\n");
	else
		ob_putc(ob, '\n');
}

/* Each column as wide as its widest cell (a time: ISO 8601, 20). */
static void
table_widths(struct table *t, const msgpack_object *rows)
{
	size_t	 c, len;
	uint32_t r;
	char	*s, buf[32];

	for (c = 0; c < t->ncols; c++) {
		t->width[c] = t->nlen[c] = strlen(t->names[c]);
		t->is_time[c] = is_time_key(t->names[c], t->nlen[c]);
	}
	for (r = 0; r < rows->via.array.size; r++) {
		for (c = 0; c < t->ncols; c++) {
			if (map_get_len(&rows->via.array.ptr[r], t->names[c],
			    t->nlen[c]) == NULL)
				continue;
			table_cell(t, &rows->via.array.ptr[r], c, buf,
			    sizeof buf, &len, &s);
			if (len > t->width[c])
				t->width[c] = len;
			free(s);
		}
	}
}

/*
 * An array of maps as an aligned table.  cols names the keys to show, in
 * order (NULL: the keys of the first row).
 */
void
render_table(const msgpack_object *rows, const char *const *cols, FILE *f)
{
	const char	**auto_cols = NULL;
	const msgpack_object *first;
	struct table	 t;
	struct obuf	 ob;
	size_t		 c;
	uint32_t	 r;

	if (rows->type != MSGPACK_OBJECT_ARRAY) {
		render_generic(rows, f);
		return;
	}
	if (rows->via.array.size == 0) {
		fprintf(f, "(none)\n");
		return;
	}
	first = &rows->via.array.ptr[0];
	if (cols == NULL) {
		if (first->type != MSGPACK_OBJECT_MAP) {
			render_generic(rows, f);
			return;
		}
		auto_cols = xcalloc(first->via.map.size + 1, sizeof *auto_cols);
		for (c = 0; c < first->via.map.size; c++)
			auto_cols[c] = render_scalar(&first->via.map.ptr[c].key);
		t.names = auto_cols;
	} else
		t.names = cols;
	for (t.ncols = 0; t.names[t.ncols] != NULL; t.ncols++)
		;
	t.width = xcalloc(t.ncols, sizeof *t.width);
	t.nlen = xcalloc(t.ncols, sizeof *t.nlen);
	t.is_time = xcalloc(t.ncols, sizeof *t.is_time);
	table_widths(&t, rows);
	ob_init(&ob, f);
	table_header(&ob, &t);
	for (r = 0; r < rows->via.array.size; r++)
		table_row(&ob, &t, &rows->via.array.ptr[r]);
	ob_done(&ob);
	free(t.is_time);
	free(t.nlen);
	free(t.width);
	if (auto_cols != NULL) {
		for (c = 0; auto_cols[c] != NULL; c++)
			free((char *)auto_cols[c]);
		free(auto_cols);
	}
}

/*
 * A table that comes in parts (acm list of 100,000 rows): each part's
 * rows are kept as their cells' text, the part itself let go, and the
 * table written at the end, as render_table writes it.  The text is a
 * fifth of the decoded rows' size.  It goes into blocks that are never
 * moved (a buffer grown by realloc was copied again at each doubling,
 * half of acmctl's time at 100,000 rows), mapped with their pages at
 * once rather than one fault at a time.
 */
#define TS_BLOCK	(2 * 1024 * 1024)

struct ts_block {
	struct ts_block	*next;
	size_t		 size;	/* mapped, this header included */
	size_t		 used;
};

struct table_stream {
	struct table	 t;
	/* per row: red or not, then each cell: its length (4 bytes), its
	 * text; a cell never spans two blocks */
	struct ts_block	*first, *last;
	size_t		 nrows;
};

static size_t
ts_header(void)
{
	return ((sizeof (struct ts_block) + 15) & ~(size_t)15);
}

/* Room for len bytes in one piece, at the end of the last block. */
static char *
ts_room(struct table_stream *ts, size_t len)
{
	struct ts_block	*b = ts->last;
	size_t		 size = TS_BLOCK;
	void		*p;

	if (b != NULL && b->size - b->used >= len)
		return ((char *)b + b->used);
	if (len + ts_header() > size)
		size = (len + ts_header() + TS_BLOCK - 1) &
		    ~(size_t)(TS_BLOCK - 1);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "acmctl: out of memory\n");
		exit(1);
	}
#ifdef MADV_HUGEPAGE
	madvise(p, size, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
	/* May fail: the pages fault in as they are written then. */
	madvise(p, size, MADV_POPULATE_WRITE);
#endif
	b = p;
	b->next = NULL;
	b->size = size;
	b->used = ts_header();
	if (ts->last != NULL)
		ts->last->next = b;
	else
		ts->first = b;
	ts->last = b;
	return ((char *)b + b->used);
}

static void
ts_cell(struct table_stream *ts, const char *text, size_t len)
{
	uint32_t	 len32 = (uint32_t)len;
	char		*p = ts_room(ts, sizeof len32 + len);

	memcpy(p, &len32, sizeof len32);
	if (len > 0)
		memcpy(p + sizeof len32, text, len);
	ts->last->used += sizeof len32 + len;
}

struct table_stream *
table_stream_new(const char *const *cols)
{
	struct table_stream	*ts = xcalloc(1, sizeof *ts);
	size_t			 c;

	ts->t.names = cols;
	for (ts->t.ncols = 0; cols[ts->t.ncols] != NULL; ts->t.ncols++)
		;
	ts->t.width = xcalloc(ts->t.ncols, sizeof *ts->t.width);
	ts->t.nlen = xcalloc(ts->t.ncols, sizeof *ts->t.nlen);
	ts->t.is_time = xcalloc(ts->t.ncols, sizeof *ts->t.is_time);
	for (c = 0; c < ts->t.ncols; c++) {
		ts->t.width[c] = ts->t.nlen[c] = strlen(cols[c]);
		ts->t.is_time[c] = is_time_key(cols[c], ts->t.nlen[c]);
	}
	return (ts);
}

void
table_stream_rows(struct table_stream *ts, const msgpack_object *rows)
{
	const msgpack_object	*row;
	const char		*text;
	uint32_t		 r;
	size_t			 c, len;
	char			*s, buf[32];

	if (rows->type != MSGPACK_OBJECT_ARRAY)
		return;
	for (r = 0; r < rows->via.array.size; r++) {
		row = &rows->via.array.ptr[r];
		*ts_room(ts, 1) = row_color(row) != NULL;
		ts->last->used++;
		for (c = 0; c < ts->t.ncols; c++) {
			text = table_cell(&ts->t, row, c, buf, sizeof buf, &len,
			    &s);
			if (len > ts->t.width[c])
				ts->t.width[c] = len;
			ts_cell(ts, text, len);
			free(s);
		}
		ts->nrows++;
	}
}

/* The next n bytes kept, from *b at *off (moved past them). */
static const char *
ts_next(struct ts_block **b, size_t *off, size_t n)
{
	const char	*p;

	if (*off == (*b)->used) {
		*b = (*b)->next;
		*off = ts_header();
	}
	p = (const char *)*b + *off;
	*off += n;
	return (p);
}

static void
ts_write(struct table_stream *ts, struct obuf *ob)
{
	struct ts_block	*b = ts->first;
	const char	*p;
	uint32_t	 len;
	size_t		 r, c, off = ts_header();
	int		 red;

	for (r = 0; r < ts->nrows; r++) {
		if ((red = *ts_next(&b, &off, 1)) != 0)
			ob_puts(ob, RED);
		for (c = 0; c < ts->t.ncols; c++) {
			p = ts_next(&b, &off, sizeof len);
			memcpy(&len, p, sizeof len);
			ob_write(ob, p + sizeof len, len);
			off += len;
			if (c + 1 < ts->t.ncols) {
				if (len < ts->t.width[c])
					ob_spaces(ob, ts->t.width[c] - len);
				ob_write(ob, "  ", 2);
			}
		}
		ob_puts(ob, red ? RESET "\n" : "\n");
	}
}

void
table_stream_end(struct table_stream *ts, FILE *f)
{
	struct ts_block	*b, *next;
	struct obuf	 ob;

	if (ts->nrows == 0)
		fprintf(f, "(none)\n");
	else {
		ob_init(&ob, f);
		table_header(&ob, &ts->t);
		ts_write(ts, &ob);
		ob_done(&ob);
	}
	for (b = ts->first; b != NULL; b = next) {
		next = b->next;
		munmap(b, b->size);
	}
	free(ts->t.width);
	free(ts->t.nlen);
	free(ts->t.is_time);
	free(ts);
}

static void
render_map(const msgpack_object *o, int indent, FILE *f)
{
	const msgpack_object	*v;
	size_t			 w = 0, len;
	uint32_t		 i;
	char			*k, *s;

	for (i = 0; i < o->via.map.size; i++) {
		k = render_scalar(&o->via.map.ptr[i].key);
		if ((len = strlen(k)) > w)
			w = len;
		free(k);
	}
	for (i = 0; i < o->via.map.size; i++) {
		k = render_scalar(&o->via.map.ptr[i].key);
		v = &o->via.map.ptr[i].val;
		if (v->type == MSGPACK_OBJECT_MAP) {
			fprintf(f, "%*s%s:\n", indent, "", k);
			render_map(v, indent + 2, f);
		} else if (v->type == MSGPACK_OBJECT_ARRAY &&
		    v->via.array.size > 0 &&
		    v->via.array.ptr[0].type == MSGPACK_OBJECT_MAP) {
			fprintf(f, "%*s%s:\n", indent, "", k);
			render_table(v, NULL, f);
		} else if (is_time_key(k, strlen(k)) && obj_time(v) != 0) {
			char	 when[96];

			format_time_for(obj_time(v), 1, when, sizeof when);
			fprintf(f, "%*s%-*s  %s\n", indent, "", (int)w + 1, k,
			    when);
		} else {
			s = render_scalar(v);
			fprintf(f, "%*s%-*s  %s\n", indent, "", (int)w + 1, k, s);
			free(s);
		}
		free(k);
	}
}

void
render_generic(const msgpack_object *o, FILE *f)
{
	char	*s;

	if (o->type == MSGPACK_OBJECT_MAP)
		render_map(o, 0, f);
	else if (o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size == 0)
		fprintf(f, "(none)\n");
	else if (o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size > 0 &&
	    o->via.array.ptr[0].type == MSGPACK_OBJECT_MAP)
		render_table(o, NULL, f);
	else if (o->type != MSGPACK_OBJECT_NIL) {
		s = render_scalar(o);
		fprintf(f, "%s\n", s);
		free(s);
	}
}

static void
format_when(const msgpack_object *o, char *buf, size_t len)
{
	int64_t		 t = 0;

	if (o != NULL && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		t = (int64_t)o->via.u64;
	if (t == 0)
		snprintf(buf, len, "-");
	else
		format_time((time_t)t, buf, len);
}

/* "label k=v k=v" for a map (nothing for anything else). */
static void
render_kv_line(FILE *f, const char *label, const msgpack_object *m)
{
	uint32_t	 i;

	if (m == NULL || m->type != MSGPACK_OBJECT_MAP)
		return;
	fprintf(f, "%s", label);
	for (i = 0; i < m->via.map.size; i++) {
		char *k = render_scalar(&m->via.map.ptr[i].key);
		char *v = render_scalar(&m->via.map.ptr[i].val);

		fprintf(f, " %s=%s", k, v);
		free(k);
		free(v);
	}
	fputc('\n', f);
}

void
render_status(const msgpack_object *o, FILE *f)
{
	const msgpack_object	*store, *jobs, *j;
	char			 up[64], a[32], b[32], *s;
	uint64_t		 u = 0;
	uint32_t		 i;

	mp_get_uint(o, "uptime", &u, &s);
	format_duration(u, up, sizeof up);
	s = mp_obj_str(mp_map_get(o, "version"));
	fprintf(f, "acmd %s, up %s\n", s ? s : "?", up);
	free(s);
	s = mp_obj_str(mp_map_get(o, "config"));
	fprintf(f, "config   %s\n", s ? s : "?");
	free(s);
	if ((store = mp_map_get(o, "store")) != NULL) {
		char	*path = mp_obj_str(mp_map_get(store, "path"));
		uint64_t used = 0;

		mp_get_uint(store, "used", &used, &s);
		fprintf(f, "store    %s (%.1f MiB used)\n", path ? path : "?",
		    (double)used / (1024 * 1024));
		free(path);
	}
	u = 0;
	mp_get_uint(o, "clients", &u, &s);
	fprintf(f, "clients  %" PRIu64 "\n", u);
	render_kv_line(f, "counts  ", mp_map_get(o, "counts"));
	render_kv_line(f, "pending ", mp_map_get(o, "pending"));
	if ((j = mp_map_get(o, "discovery")) != NULL &&
	    j->type == MSGPACK_OBJECT_MAP) {
		format_when(mp_map_get(j, "last_full"), a, sizeof a);
		format_when(mp_map_get(j, "last_incremental"), b, sizeof b);
		fprintf(f, "discovery last full %s, last incremental %s\n", a, b);
	}
	jobs = mp_map_get(o, "jobs");
	if (jobs == NULL || jobs->type != MSGPACK_OBJECT_ARRAY)
		return;
	fprintf(f, "\n%-12s %-10s %-21s %-21s %s\n", "JOB", "STATE", "LAST RUN",
	    "NEXT RUN", "LAST RESULT");
	for (i = 0; i < jobs->via.array.size; i++) {
		char	*name, *state, *res;

		j = &jobs->via.array.ptr[i];
		name = mp_obj_str(mp_map_get(j, "name"));
		state = mp_obj_str(mp_map_get(j, "state"));
		res = mp_obj_str(mp_map_get(j, "last_result"));
		format_when(mp_map_get(j, "last_run"), a, sizeof a);
		format_when(mp_map_get(j, "next_run"), b, sizeof b);
		fprintf(f, "%-12s %-10s %-21s %-21s %s\n", name ? name : "?",
		    state ? state : "?", a, b, res && *res ? res : "-");
		free(name);
		free(state);
		free(res);
	}
}

void
render_audit(const msgpack_object *o, FILE *f)
{
	const msgpack_object	*row;
	uint32_t		 i;
	char			 when[32], *cmd, *args;
	uint64_t		 seq, uid, t;

	if (o->type != MSGPACK_OBJECT_ARRAY) {
		render_generic(o, f);
		return;
	}
	fprintf(f, "%-6s %-20s %-6s %-20s %s\n", "SEQ", "TIME", "UID", "COMMAND",
	    "ARGUMENTS");
	for (i = 0; i < o->via.array.size; i++) {
		char	*dummy = NULL;
		json_t	*j;
		const msgpack_object *a;

		row = &o->via.array.ptr[i];
		seq = uid = t = 0;
		mp_get_uint(row, "seq", &seq, &dummy);
		mp_get_uint(row, "uid", &uid, &dummy);
		mp_get_uint(row, "time", &t, &dummy);
		free(dummy);
		format_time((time_t)t, when, sizeof when);
		cmd = mp_obj_str(mp_map_get(row, "cmd"));
		args = NULL;
		if ((a = mp_map_get(row, "args")) != NULL) {
			j = mp_to_json(a);
			args = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
			json_decref(j);
		}
		fprintf(f, "%-6" PRIu64 " %-20s %-6" PRIu64 " %-20s %s\n", seq,
		    when, uid, cmd ? cmd : "?", args ? args : "{}");
		free(cmd);
		free(args);
	}
}

static int	progress_shown;

void
render_progress(uint64_t done, uint64_t total, const char *what)
{
	char	 bar[31];
	size_t	 filled, i;

	if (ctl_json || !isatty(STDERR_FILENO))
		return;
	filled = total > 0 ? (size_t)(done * 30 / total) : 0;
	if (filled > 30)
		filled = 30;
	for (i = 0; i < 30; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r\033[K[%s] %" PRIu64 "/%" PRIu64 " %s", bar, done,
	    total, what != NULL ? what : "");
	fflush(stderr);
	progress_shown = 1;
}

void
render_progress_end(void)
{
	if (progress_shown) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
		progress_shown = 0;
	}
}

void
render_cert_show(const msgpack_object *o, FILE *f)
{
	static const char *const order[] = { "name", "domain", "sans",
	    "subject", "issuer", "serial", "key_type", "not_before",
	    "not_after", "days_left", "sha256", "sha1", "has_key", "current",
	    "source", NULL };
	const msgpack_object	*v;
	char			*s, when[32];
	size_t			 i;

	for (i = 0; order[i] != NULL; i++) {
		if ((v = mp_map_get(o, order[i])) == NULL)
			continue;
		if ((strcmp(order[i], "not_before") == 0 ||
		    strcmp(order[i], "not_after") == 0) &&
		    v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
			format_time((time_t)v->via.u64, when, sizeof when);
			fprintf(f, "%-11s %s\n", order[i], when);
			continue;
		}
		s = render_scalar(v);
		fprintf(f, "%-11s %s\n", order[i], s);
		free(s);
	}
	if ((v = mp_map_get(o, "versions")) != NULL) {
		fprintf(f, "\nversions:\n");
		render_table(v, NULL, f);
	}
	if ((v = mp_map_get(o, "deployments")) != NULL) {
		fprintf(f, "\ndeployments:\n");
		render_table(v, NULL, f);
	}
}

void
render_discover(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "credential", "account", "region",
	    "found", "new", "changed", "gone", "errors", "error", NULL };
	static const char *const keys[] = { "found", "new", "changed",
	    "unchanged", "gone", "errors", NULL };
	const msgpack_object	*v;
	uint64_t		 ms = 0;
	char			*dummy = NULL, *s;
	size_t			 i;

	mp_get_uint(o, "duration_ms", &ms, &dummy);
	free(dummy);
	v = mp_map_get(o, "full");
	fprintf(f, "discovery (%s) done in %.1f s:", v == NULL ? "?" :
	    v->type == MSGPACK_OBJECT_BOOLEAN && v->via.boolean ? "full" :
	    "incremental", (double)ms / 1000);
	for (i = 0; keys[i] != NULL; i++) {
		if ((v = mp_map_get(o, keys[i])) == NULL)
			continue;
		s = render_scalar(v);
		fprintf(f, " %s %s%s", s, keys[i], keys[i + 1] ? "," : "");
		free(s);
	}
	fputc('\n', f);
	if ((v = mp_map_get(o, "regions")) != NULL && v->type ==
	    MSGPACK_OBJECT_ARRAY && v->via.array.size > 0) {
		fputc('\n', f);
		render_table(v, cols, f);
	}
	if ((v = mp_map_get(o, "credential_errors")) != NULL &&
	    v->type == MSGPACK_OBJECT_ARRAY && v->via.array.size > 0) {
		fprintf(f, "\ncredentials that failed:\n");
		render_table(v, NULL, f);
	}
}

/*
 * The account always has its column: an inventory of several accounts
 * (an organization, roles in others) reads by it, and the columns do not
 * change when a second account appears.
 */
static const char *const acm_list_cols[] = { "domain", "type", "status",
    "account", "region", "days_left", "in_use", "linked", "deployment",
    "arn", NULL };

void
render_acm_list(const msgpack_object *o, FILE *f)
{
	render_table(o, acm_list_cols, f);
}

struct table_stream *
render_acm_list_stream(void)
{
	return (table_stream_new(acm_list_cols));
}

void
render_deploy(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "name", "region", "version",
	    "result", "arn", NULL };
	const msgpack_object	*v, *h;
	uint64_t		 r = 0, k = 0;
	char			*cause = NULL;

	if ((v = mp_map_get(o, "deployments")) != NULL)
		render_table(v, cols, f);
	else
		render_generic(o, f);
	/* sync: acmd's own work that was backing off, started now. */
	if ((h = mp_map_get(o, "hurried")) != NULL &&
	    mp_get_uint(h, "renewals", &r, &cause) >= 0 &&
	    mp_get_uint(h, "key_exports", &k, &cause) >= 0)
		fprintf(f, "started now: %llu renewal%s, %llu key export%s\n",
		    (unsigned long long)r, r == 1 ? "" : "s",
		    (unsigned long long)k, k == 1 ? "" : "s");
	free(cause);
}

void
render_deploy_list(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "name", "kind", "account",
	    "region", "version", "state", "auto_redeploy", "replace", "tags",
	    "arn", "last_error", NULL };

	render_table(o, cols, f);
}

void
render_request_list(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "id", "domain", "kind",
	    "validation", "region", "status", "arn", "exportable", "key",
	    "auto_export", "error", NULL };

	render_table(o, cols, f);
}

void
render_records(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "name", "type", "value", NULL };
	const msgpack_object	*row;
	uint32_t		 i;
	char			*line;

	render_table(o, cols, f);
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return;
	fprintf(f, "\nzone file:\n");
	for (i = 0; i < o->via.array.size; i++) {
		row = &o->via.array.ptr[i];
		line = mp_obj_str(mp_map_get(row, "zone_line"));
		if (line != NULL)
			fprintf(f, "%s\n", line);
		free(line);
	}
}

void
render_ca_list(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "common_name", "status", "type",
	    "not_after", "arn", NULL };

	render_table(o, cols, f);
}

/*
 * A map shown as "key  value" lines in the order given: only those keys,
 * times as ISO 8601 with how far from now; label NULL: the key itself.
 */
static void
render_fields(const msgpack_object *o, const char *const *keys, FILE *f)
{
	const msgpack_object	*v;
	char			*s, when[96];
	size_t			 i, w = 0;

	for (i = 0; keys[i] != NULL; i++) {
		if (mp_map_get(o, keys[i]) != NULL && strlen(keys[i]) > w)
			w = strlen(keys[i]);
	}
	for (i = 0; keys[i] != NULL; i++) {
		if ((v = mp_map_get(o, keys[i])) == NULL ||
		    v->type == MSGPACK_OBJECT_NIL)
			continue;
		if (is_time_key(keys[i], strlen(keys[i]))) {
			format_time_for(obj_time(v), 1, when, sizeof when);
			fprintf(f, "%-*s  %s\n", (int)w, keys[i], when);
			continue;
		}
		s = render_scalar(v);
		fprintf(f, "%-*s  %s\n", (int)w, keys[i], s);
		free(s);
	}
}

/* credential add: what was stored (never a secret). */
void
render_credential(const msgpack_object *o, FILE *f)
{
	static const char *const keys[] = { "name", "type", "access_key",
	    "profile", "role_arn", "external_id", "account", "created", NULL };

	if (o->type != MSGPACK_OBJECT_MAP) {
		render_generic(o, f);
		return;
	}
	render_fields(o, keys, f);
}

/* request public/private/show/sync/deploy-challenge: a request. */
void
render_request(const msgpack_object *o, FILE *f)
{
	static const char *const keys[] = { "id", "status", "domain", "sans",
	    "kind", "validation", "key_algorithm", "exportable", "with_key",
	    "auto_export", "region", "credential", "arn", "hosted_zone",
	    "name", "version", "failure_reason", "last_error", "created",
	    "updated", "issued_at", "note", NULL };
	static const char *const cols[] = { "domain", "method", "status",
	    NULL };
	const msgpack_object	*v, *st;

	if (o->type != MSGPACK_OBJECT_MAP) {
		render_generic(o, f);
		return;
	}
	render_fields(o, keys, f);
	st = mp_map_get(o, "status");
	if (!mp_obj_is_str(st, "Issued") && !mp_obj_is_str(st, "Failed") &&
	    !mp_obj_is_str(st, "Validation Timed Out") &&
	    (v = mp_map_get(o, "next_poll")) != NULL && obj_time(v) != 0) {
		char	 when[96];

		format_time_for(obj_time(v), 1, when, sizeof when);
		fprintf(f, "next check  %s\n", when);
	}
	if ((v = mp_map_get(o, "key_export")) != NULL &&
	    v->type == MSGPACK_OBJECT_MAP) {
		/* --with-key: how the key's export goes */
		fprintf(f, "key_export:\n");
		render_map(v, 2, f);
	}
	if ((v = mp_map_get(o, "domains")) != NULL &&
	    v->type == MSGPACK_OBJECT_ARRAY && v->via.array.size > 0) {
		fprintf(f, "\nvalidation:\n");
		render_table(v, cols, f);
	}
}

void
render_check(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "deployment", "state", "was",
	    "repair", "error", "arn", NULL };

	if (o->type == MSGPACK_OBJECT_ARRAY)
		render_table(o, cols, f);
	else
		render_generic(o, f);
}

/*
 * acm list's table as acmctl writes it from parts (table_stream_*: the
 * cells' text kept in blocks, the table written at the end) is byte for
 * byte the table render_table writes from the whole list at once: over
 * many blocks, with a cell longer than a block, with parts of every size,
 * with cells missing, nil, booleans, negative numbers and empty strings.
 * And --json: rows written from a part's bytes read in place
 * (render_json_rows_raw) are byte for byte what render_json writes from
 * msgpack-c's objects, for every kind of msgpack value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "acmctl.h"
#include "mp.h"

#define NROWS	40000

/* One row like acm list's, its fields varied with i. */
static void
pack_row(struct mp_buf *b, uint32_t i, const char *huge)
{
	char	 domain[64], arn[160];
	int	 gone = i % 7 == 3, linked = i % 5;

	snprintf(domain, sizeof domain, "%.*s.example.com", (int)(i % 23) + 1,
	    "abcdefghijklmnopqrstuvwxyz");
	snprintf(arn, sizeof arn, "arn:aws:acm:eu-west-1:111111111111:"
	    "certificate/%08x-0000-4000-8000-%012u", i, i);
	mp_map(b, 7 + gone + (i % 11 != 0) + (linked != 0));
	mp_kstr(b, "domain", huge != NULL ? huge : i % 97 == 0 ? "" : domain);
	if (i % 11 != 0)
		mp_kstr(b, "type", i % 3 == 0 ? "Imported" : "Amazon Issued");
	mp_kstr(b, "status", i % 13 == 0 ? "EXPIRED" : "ISSUED");
	mp_kstr(b, "region", i % 2 ? "eu-west-1" : "ap-southeast-2");
	mp_kbool(b, "in_use", i % 4 == 0);
	if (linked == 1) {
		mp_strn(b, "linked", 6);
		mp_nil(b);
	} else if (linked != 0)
		mp_kstr(b, "linked", "www");
	mp_kstr(b, "arn", arn);
	if (gone)
		mp_kbool(b, "gone", 1);
	mp_strn(b, "days_left", 9);
	if (i % 17 == 0)
		mp_nil(b);
	else
		mp_int(b, (int64_t)(i % 800) - 100);
	mp_kstr(b, "deployment", i % 19 == 0 ? "mismatch" : "-");
}

static char *
table_of(void (*fn)(const msgpack_object *, size_t, FILE *),
    const msgpack_object *rows, size_t arg, size_t *len)
{
	char	*text = NULL;
	FILE	*f = open_memstream(&text, len);

	assert_non_null(f);
	fn(rows, arg, f);
	assert_int_equal(fclose(f), 0);
	return (text);
}

static void
whole(const msgpack_object *rows, size_t arg, FILE *f)
{
	render_acm_list(rows, f);
}

/* The rows in parts of arg rows (the last one shorter). */
static void
in_parts(const msgpack_object *rows, size_t arg, FILE *f)
{
	struct table_stream	*ts = render_acm_list_stream();
	msgpack_object		 part;
	uint32_t		 at;

	part.type = MSGPACK_OBJECT_ARRAY;
	for (at = 0; at < rows->via.array.size; at += part.via.array.size) {
		part.via.array.ptr = rows->via.array.ptr + at;
		part.via.array.size = rows->via.array.size - at < arg ?
		    rows->via.array.size - at : (uint32_t)arg;
		table_stream_rows(ts, &part);
	}
	table_stream_end(ts, f);
}

/* n rows, the middle one's domain huge when it is not NULL, decoded. */
static void
rows_new(msgpack_unpacked *u, struct mp_buf *b, size_t n, const char *huge)
{
	size_t	 i, off = 0;

	mp_array(b, n);
	for (i = 0; i < n; i++)
		pack_row(b, (uint32_t)i, i == n / 2 ? huge : NULL);
	msgpack_unpacked_init(u);
	assert_int_equal(msgpack_unpack_next(u, b->sb.data, b->sb.size, &off),
	    MSGPACK_UNPACK_SUCCESS);
}

/* got (freed) is want, byte for byte. */
static void
same_text(const char *want, size_t wlen, char *got, size_t glen)
{
	assert_int_equal(glen, wlen);
	assert_memory_equal(got, want, wlen);
	free(got);
}

static void	same_json(const struct mp_buf *, const msgpack_object *,
		    const uint32_t *, size_t);

/* Whole and in parts of each size: the same bytes. */
static void
same_tables(const msgpack_object *rows, const size_t *sizes, size_t nsizes,
    size_t at_least)
{
	char	*want, *got;
	size_t	 wlen, glen, i;

	want = table_of(whole, rows, 0, &wlen);
	assert_true(wlen > at_least);
	for (i = 0; i < nsizes; i++) {
		got = table_of(in_parts, rows, sizes[i], &glen);
		same_text(want, wlen, got, glen);
	}
	free(want);
}

/*
 * 40,000 rows: their text spans several blocks; and --json from the rows'
 * bytes in parts of every size.
 */
static void
test_parts_many_blocks(void **state)
{
	struct mp_buf		*b = mp_buf_new();
	msgpack_unpacked	 u;
	static const size_t	 sizes[] = { 1, 777, 4096, NROWS };
	static const uint32_t	 pers[] = { 1, 777, 4096, NROWS };

	(void)state;
	rows_new(&u, b, NROWS, NULL);
	same_tables(&u.data, sizes, 4, 4 * 1024 * 1024);
	same_json(b, &u.data, pers, 4);
	msgpack_unpacked_destroy(&u);
	mp_buf_free(b);
}

/* A cell longer than a block (2 MiB), amid others. */
static void
test_parts_huge_cell(void **state)
{
	struct mp_buf		*b = mp_buf_new();
	msgpack_unpacked	 u;
	char			*huge;
	static const size_t	 sizes[] = { 1, 3, 20 };

	(void)state;
	huge = malloc(3 * 1024 * 1024 + 1);
	assert_non_null(huge);
	memset(huge, 'h', 3 * 1024 * 1024);
	huge[3 * 1024 * 1024] = '\0';
	rows_new(&u, b, 20, huge);
	same_tables(&u.data, sizes, 3, 20 * 3 * 1024 * 1024);
	msgpack_unpacked_destroy(&u);
	mp_buf_free(b);
	free(huge);
}

/* No rows at all, in parts or whole: "(none)". */
static void
test_parts_empty(void **state)
{
	msgpack_object	 none = { .type = MSGPACK_OBJECT_ARRAY };
	char		*want, *got;
	size_t		 wlen, glen;

	(void)state;
	want = table_of(whole, &none, 0, &wlen);
	got = table_of(in_parts, &none, 10, &glen);
	assert_string_equal(want, "(none)\n");
	assert_string_equal(got, want);
	free(got);
	free(want);
}


static char *
json_whole(const msgpack_object *rows, size_t *len)
{
	char	*text = NULL;
	FILE	*f = open_memstream(&text, len);

	assert_non_null(f);
	render_json(rows, f);
	assert_int_equal(fclose(f), 0);
	return (text);
}

/* The packed rows after their array's head, in parts of per rows. */
static char *
json_raw_parts(const struct mp_buf *b, uint32_t nrows, uint32_t per,
    size_t *len)
{
	const char	*at = b->sb.data, *end = at + b->sb.size, *start;
	msgpack_object	 head;
	char		*text = NULL;
	FILE		*f = open_memstream(&text, len);
	size_t		 n = 0;
	uint32_t	 i, k;

	assert_non_null(f);
	assert_int_equal(mp_raw_next(&at, end, &head), 0);
	assert_int_equal(head.type, MSGPACK_OBJECT_ARRAY);
	assert_int_equal(head.via.array.size, nrows);
	for (i = 0; i < nrows; i += k) {
		start = at;
		for (k = 0; k < per && i + k < nrows; k++)
			assert_int_equal(mp_raw_skip(&at, end), 0);
		render_json_rows_raw(start, at, k, &n, f);
	}
	render_json_rows_end(n, f);
	assert_int_equal(fclose(f), 0);
	assert_ptr_equal(at, end);
	return (text);
}

static void
same_json(const struct mp_buf *b, const msgpack_object *rows,
    const uint32_t *pers, size_t npers)
{
	char	*want, *got;
	size_t	 wlen, glen, i;

	want = json_whole(rows, &wlen);
	for (i = 0; i < npers; i++) {
		got = json_raw_parts(b, rows->via.array.size, pers[i], &glen);
		same_text(want, wlen, got, glen);
	}
	free(want);
}

/* Every kind of value, nested, and keys that are not strings. */
static void
test_json_raw_kinds(void **state)
{
	struct mp_buf		*b = mp_buf_new();
	msgpack_packer		*pk = &b->pk;
	msgpack_unpacked	 u;
	size_t			 off = 0;
	static const uint32_t	 pers[] = { 1, 2, 5 };
	static const char	 bin[] = { 0, 1, '"', (char)0xff };
	static const char	 str[] = "tab\t quote\" back\\ nl\n ctl\x01 del\x7f "
				    "utf8 \xc3\xa9\xe2\x82\xac 12345678";

	(void)state;
	mp_array(b, 5);
	/* 1: integers of every width, both signs, and floats */
	mp_array(b, 14);
	msgpack_pack_int64(pk, 0);
	msgpack_pack_int64(pk, 127);
	msgpack_pack_int64(pk, -1);
	msgpack_pack_int64(pk, -32);
	msgpack_pack_int64(pk, -33);
	msgpack_pack_int64(pk, -129);
	msgpack_pack_int64(pk, -32769);
	msgpack_pack_int64(pk, INT64_MIN);
	msgpack_pack_uint64(pk, 255);
	msgpack_pack_uint64(pk, 65535);
	msgpack_pack_uint64(pk, 4294967296ULL);
	msgpack_pack_uint64(pk, UINT64_MAX);
	msgpack_pack_float(pk, 1.5f);
	msgpack_pack_double(pk, -0.1);
	/* 2: strings, bin, nil, booleans, empty containers */
	mp_map(b, 7);
	mp_kstr(b, "s", str);
	mp_str(b, "bin");
	msgpack_pack_bin(pk, sizeof bin);
	msgpack_pack_bin_body(pk, bin, sizeof bin);
	mp_str(b, "");
	mp_nil(b);
	mp_kbool(b, "t", 1);
	mp_kbool(b, "f", 0);
	mp_str(b, "a");
	mp_array(b, 0);
	mp_str(b, "m");
	mp_map(b, 0);
	/* 3: keys that are not strings: a number, an array, a map */
	mp_map(b, 3);
	msgpack_pack_int64(pk, 42);
	mp_str(b, "by number");
	mp_array(b, 2);
	mp_str(b, "x");
	mp_map(b, 1);
	mp_str(b, "y");
	mp_nil(b);
	mp_str(b, "by array");
	mp_map(b, 1);
	mp_str(b, "k");
	mp_array(b, 1);
	mp_nil(b);
	mp_str(b, "by map");
	/* 4: nested three deep */
	mp_map(b, 1);
	mp_str(b, "outer");
	mp_array(b, 2);
	mp_map(b, 1);
	mp_kstr(b, "inner", "v");
	mp_array(b, 1);
	mp_array(b, 0);
	/* 5: a long string (str 16 and str 32 heads) */
	{
		char	*big = malloc(70000);

		assert_non_null(big);
		memset(big, 'z', 69999);
		big[69999] = '\0';
		mp_str(b, big);
		free(big);
	}
	msgpack_unpacked_init(&u);
	assert_int_equal(msgpack_unpack_next(&u, b->sb.data, b->sb.size, &off),
	    MSGPACK_UNPACK_SUCCESS);
	same_json(b, &u.data, pers, 3);
	msgpack_unpacked_destroy(&u);
	mp_buf_free(b);
}

/* Bytes cut short or not msgpack: refused, never read past the end. */
static void
test_raw_bad(void **state)
{
	static const char	 cut[] = { (char)0xda, 0x00, 0x10, 'a' };
	static const char	 ext[] = { (char)0xd4, 0x01, 0x02 };
	static const char	 arr[] = { (char)0xdd, 0x00, 0x00 };
	const char		*at;
	msgpack_object		 o;

	(void)state;
	at = cut;
	assert_int_equal(mp_raw_next(&at, cut + sizeof cut, &o), -1);
	at = ext;
	assert_int_equal(mp_raw_next(&at, ext + sizeof ext, &o), -1);
	at = arr;
	assert_int_equal(mp_raw_next(&at, arr + sizeof arr, &o), -1);
	at = cut;
	assert_int_equal(mp_raw_next(&at, cut, &o), -1);
	at = cut;
	assert_int_equal(mp_raw_skip(&at, cut + 2), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts_many_blocks),
		cmocka_unit_test(test_parts_huge_cell),
		cmocka_unit_test(test_parts_empty),
		cmocka_unit_test(test_json_raw_kinds),
		cmocka_unit_test(test_raw_bad),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

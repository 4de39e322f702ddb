/*
 * acm list's table as acmctl writes it from parts (table_stream_*: the
 * cells' text kept in blocks, the table written at the end) is byte for
 * byte the table render_table writes from the whole list at once: over
 * many blocks, with a cell longer than a block, with parts of every size,
 * with cells missing, nil, booleans, negative numbers and empty strings.
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
		assert_int_equal(glen, wlen);
		assert_memory_equal(got, want, wlen);
		free(got);
	}
	free(want);
}

/* 40,000 rows: their text spans several blocks. */
static void
test_parts_many_blocks(void **state)
{
	struct mp_buf		*b = mp_buf_new();
	msgpack_unpacked	 u;
	static const size_t	 sizes[] = { 1, 777, 4096, NROWS };

	(void)state;
	rows_new(&u, b, NROWS, NULL);
	same_tables(&u.data, sizes, 4, 4 * 1024 * 1024);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts_many_blocks),
		cmocka_unit_test(test_parts_huge_cell),
		cmocka_unit_test(test_parts_empty),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/* The store: open, migrate, records, prefixes, refusing a newer schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"
#include "xmalloc.h"

#define TMPDIR_TEMPLATE	"/tmp/acmd-store-XXXXXX"
#include "testutil.h"

static int
count_cb(const void *k, size_t kl, const void *v, size_t vl, void *arg)
{
	(*(int *)arg)++;
	return (0);
}

static void
test_open_and_records(void **state)
{
	struct store		*s;
	struct store_txn	*t;
	const void		*v;
	size_t			 vlen;
	char			*cause = NULL;
	uint64_t		 id1, id2;
	int			 n = 0;

	assert_int_equal(store_open(tmpdir, 64 << 20, &s, &cause), 0);
	/* A fresh store had no schema; it was set to the current one. */
	assert_int_equal(store_schema_found(s), 0);
	t = store_begin(s, 1, &cause);
	assert_non_null(t);
	assert_int_equal(store_puts(t, DB_CERTS, "web", "v1", 2, &cause), 0);
	assert_int_equal(store_puts(t, DB_CERTS, "web2", "v2", 2, &cause), 0);
	assert_int_equal(store_puts(t, DB_CERTS, "api", "v3", 2, &cause), 0);
	assert_int_equal(store_next_id(t, "req", &id1, &cause), 0);
	assert_int_equal(store_next_id(t, "req", &id2, &cause), 0);
	assert_int_equal(id2, id1 + 1);
	assert_int_equal(store_commit(t, &cause), 0);

	/* An aborted write leaves nothing behind. */
	t = store_begin(s, 1, &cause);
	assert_int_equal(store_puts(t, DB_CERTS, "ghost", "x", 1, &cause), 0);
	store_abort(t);

	t = store_begin(s, 0, &cause);
	assert_int_equal(store_gets(t, DB_CERTS, "web", &v, &vlen, &cause), 1);
	assert_int_equal(vlen, 2);
	assert_memory_equal(v, "v1", 2);
	assert_int_equal(store_gets(t, DB_CERTS, "ghost", &v, &vlen, &cause), 0);
	assert_int_equal(store_count(t, DB_CERTS), 3);
	assert_int_equal(store_count(t, DB_ACM), 0);
	assert_int_equal(store_foreach(t, DB_CERTS, "web", 3, count_cb, &n,
	    &cause), 0);
	assert_int_equal(n, 2);
	store_abort(t);

	t = store_begin(s, 1, &cause);
	assert_int_equal(store_dels(t, DB_CERTS, "web", &cause), 1);
	assert_int_equal(store_dels(t, DB_CERTS, "web", &cause), 0);
	assert_int_equal(store_commit(t, &cause), 0);

	/*
	 * The first failure in a transaction sticks: later calls fail with
	 * it, and the commit aborts everything and says why.
	 */
	t = store_begin(s, 1, &cause);
	assert_int_equal(store_dels(t, DB_CERTS, "web2", &cause), 1);
	assert_int_equal(store_put(t, DB_CERTS, "", 0, "x", 1, &cause), -1);
	assert_non_null(strstr(cause, "key of 0 bytes"));
	free(cause);
	cause = NULL;
	assert_true(store_txn_failed(t));
	assert_int_equal(store_puts(t, DB_CERTS, "later", "y", 1, &cause), -1);
	assert_non_null(strstr(cause, "key of 0 bytes"));
	free(cause);
	cause = NULL;
	assert_int_equal(store_commit(t, &cause), -1);
	assert_non_null(strstr(cause, "key of 0 bytes"));
	free(cause);
	cause = NULL;
	store_free(s);

	/* Reopened: data kept, schema already current. */
	assert_int_equal(store_open(tmpdir, 64 << 20, &s, &cause), 0);
	assert_int_equal(store_schema_found(s), STORE_SCHEMA);
	t = store_begin(s, 0, &cause);
	assert_int_equal(store_count(t, DB_CERTS), 2);
	store_abort(t);
	store_free(s);
}

static void
test_newer_schema_refused(void **state)
{
	struct store		*s;
	struct store_txn	*t;
	char			*cause = NULL;
	uint32_t		 future = STORE_SCHEMA + 1;

	assert_int_equal(store_open(tmpdir, 64 << 20, &s, &cause), 0);
	t = store_begin(s, 1, &cause);
	assert_int_equal(store_puts(t, DB_META, "schema", &future,
	    sizeof future, &cause), 0);
	assert_int_equal(store_commit(t, &cause), 0);
	store_free(s);
	assert_int_equal(store_open(tmpdir, 64 << 20, &s, &cause), -1);
	assert_non_null(strstr(cause, "newer than this acmd"));
	free(cause);
}

/* A schema 1 store (before the renewals database) is taken to 2. */
static void
test_migrate_from_1(void **state)
{
	struct store		*s;
	struct store_txn	*t;
	const void		*v;
	size_t			 vlen;
	char			*cause = NULL;
	uint32_t		 one = 1, found;

	assert_int_equal(store_open(tmpdir, 64 << 20, &s, &cause), 0);
	t = store_begin(s, 1, &cause);
	assert_int_equal(store_puts(t, DB_META, "schema", &one, sizeof one,
	    &cause), 0);
	assert_int_equal(store_puts(t, DB_CERTS, "web", "v1", 2, &cause), 0);
	assert_int_equal(store_commit(t, &cause), 0);
	store_free(s);

	assert_int_equal(store_open(tmpdir, 64 << 20, &s, &cause), 0);
	assert_int_equal(store_schema_found(s), 1);
	t = store_begin(s, 1, &cause);
	assert_int_equal(store_gets(t, DB_META, "schema", &v, &vlen, &cause),
	    1);
	assert_int_equal(vlen, sizeof found);
	memcpy(&found, v, sizeof found);
	assert_int_equal(found, STORE_SCHEMA);
	assert_int_equal(store_gets(t, DB_CERTS, "web", &v, &vlen, &cause), 1);
	assert_int_equal(store_count(t, DB_RENEWALS), 0);
	assert_int_equal(store_puts(t, DB_RENEWALS, "arn", "x", 1, &cause), 0);
	assert_int_equal(store_commit(t, &cause), 0);
	store_free(s);
}

static void
test_bad_dir(void **state)
{
	struct store	*s;
	char		*cause = NULL;

	assert_int_equal(store_open("/proc/nonexistent/x", 0, &s, &cause), -1);
	assert_non_null(cause);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_and_records),
		cmocka_unit_test(test_migrate_from_1),
		cmocka_unit_test(test_newer_schema_refused),
		cmocka_unit_test(test_bad_dir),
	};

	return (cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown));
}

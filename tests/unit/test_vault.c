/* The vault: round trip, tamper detection, key file rules. */
#include <sys/stat.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vault.h"
#include "xmalloc.h"

#define TMPDIR_TEMPLATE	"/tmp/acmd-vault-XXXXXX"
#include "testutil.h"

static void
test_roundtrip(void **state)
{
	struct vault	*v;
	uint8_t		 key[VAULT_KEY_LEN];
	uint8_t		*blob, *pt;
	size_t		 blen, plen;
	char		*cause = NULL;
	const char	*secret = "-----BEGIN PRIVATE KEY-----\nMIIE...\n";

	memset(key, 7, sizeof key);
	v = vault_from_key(key);
	assert_int_equal(vault_seal(v, "cert:web:1", secret, strlen(secret),
	    &blob, &blen, &cause), 0);
	assert_int_equal(blen, strlen(secret) + VAULT_OVERHEAD);
	/* The plaintext does not appear in the blob. */
	assert_null(memmem(blob, blen, "PRIVATE", 7));
	assert_int_equal(vault_unseal(v, "cert:web:1", blob, blen, &pt, &plen,
	    &cause), 0);
	assert_int_equal(plen, strlen(secret));
	assert_string_equal((char *)pt, secret);
	xfree_secret(pt, plen);

	/* Another record key (associated data) does not open it. */
	assert_int_equal(vault_unseal(v, "cert:web:2", blob, blen, &pt, &plen,
	    &cause), -1);
	assert_non_null(strstr(cause, "failed authentication"));
	free(cause);
	cause = NULL;

	/* Every flipped byte is detected. */
	for (size_t i = 3; i < blen; i++) {
		blob[i] ^= 0x01;
		assert_int_equal(vault_unseal(v, "cert:web:1", blob, blen, &pt,
		    &plen, &cause), -1);
		free(cause);
		cause = NULL;
		blob[i] ^= 0x01;
	}
	/* Truncated and foreign blobs. */
	assert_int_equal(vault_unseal(v, "cert:web:1", blob, 10, &pt, &plen,
	    &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(vault_unseal(v, "x", "hello world, not a blob at all",
	    30, &pt, &plen, &cause), -1);
	assert_non_null(strstr(cause, "not a sealed blob"));
	free(cause);
	free(blob);
	vault_free(v);
	vault_free(NULL);
}

static void
test_other_key(void **state)
{
	struct vault	*a, *b;
	uint8_t		 ka[VAULT_KEY_LEN], kb[VAULT_KEY_LEN];
	uint8_t		*blob, *pt;
	size_t		 blen, plen;
	char		*cause = NULL;

	memset(ka, 1, sizeof ka);
	memset(kb, 2, sizeof kb);
	a = vault_from_key(ka);
	b = vault_from_key(kb);
	assert_int_equal(vault_seal(a, "r", "abc", 3, &blob, &blen, &cause), 0);
	assert_int_equal(vault_unseal(b, "r", blob, blen, &pt, &plen, &cause),
	    -1);
	free(cause);
	free(blob);
	vault_free(a);
	vault_free(b);
}

static void
test_keyfile(void **state)
{
	struct vault	*v, *v2;
	struct stat	 st;
	char		*path, *cause = NULL;
	uint8_t		*blob, *pt;
	size_t		 blen, plen;
	int		 fd;

	xasprintf(&path, "%s/master.key", tmpdir);
	/* Absent and not to be created. */
	assert_int_equal(vault_open(path, 0, &v, &cause), -1);
	free(cause);
	cause = NULL;
	/* Created 0600 on first start. */
	assert_int_equal(vault_open(path, 1, &v, &cause), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, VAULT_KEY_LEN);
	assert_int_equal(vault_seal(v, "k", "data", 4, &blob, &blen, &cause), 0);
	/* Opened again: the same key. */
	assert_int_equal(vault_open(path, 1, &v2, &cause), 0);
	assert_int_equal(vault_unseal(v2, "k", blob, blen, &pt, &plen, &cause),
	    0);
	assert_string_equal((char *)pt, "data");
	xfree_secret(pt, plen);
	free(blob);
	vault_free(v);
	vault_free(v2);
	/* Group-readable: refused. */
	chmod(path, 0640);
	assert_int_equal(vault_open(path, 1, &v, &cause), -1);
	assert_non_null(strstr(cause, "chmod 600"));
	free(cause);
	cause = NULL;
	/* Wrong size: refused. */
	chmod(path, 0600);
	fd = open(path, O_WRONLY | O_APPEND);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(vault_open(path, 1, &v, &cause), -1);
	assert_non_null(strstr(cause, "exactly 32 bytes"));
	free(cause);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_other_key),
		cmocka_unit_test(test_keyfile),
	};

	return (cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown));
}

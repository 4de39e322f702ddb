/*
 * Unit tests for common/pem.c.
 *
 * Fixtures come from tests/unit/data/pem (made by make-fixtures.py); the
 * directory is argv[1], else $PEM_FIXTURES, else tests/unit/data/pem
 * relative to the current directory.  Set CMOCKA_MESSAGE_OUTPUT=TAP for
 * TAP output.
 */

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "pem.h"
#include "xmalloc.h"

#define DAY	86400

static const char	*fixdir = "tests/unit/data/pem";
static char		*passphrase;

/* Read a fixture file, NUL-terminated. */
static char *
load(const char *name, size_t *lenp)
{
	char	 path[PATH_MAX], *buf;
	FILE	*f;
	long	 n = 0;

	snprintf(path, sizeof path, "%s/%s", fixdir, name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0)
		fail_msg("%s: cannot size", path);
	buf = xmalloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n)
		fail_msg("%s: short read", path);
	buf[n] = '\0';
	fclose(f);
	if (lenp != NULL)
		*lenp = (size_t)n;
	return (buf);
}

/* A value from expected.txt ("file field value"); caller frees. */
static char *
expected(const char *file, const char *field)
{
	char	*buf, *line, *next, *f1, *f2, *f3, *save, *value = NULL;

	buf = load("expected.txt", NULL);
	for (line = buf; line != NULL && value == NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '#')
			continue;
		f1 = strtok_r(line, " ", &save);
		f2 = strtok_r(NULL, " ", &save);
		f3 = strtok_r(NULL, " ", &save);
		if (f1 != NULL && f2 != NULL && f3 != NULL &&
		    strcmp(f1, file) == 0 && strcmp(f2, field) == 0)
			value = xstrdup(f3);
	}
	free(buf);
	if (value == NULL)
		fail_msg("expected.txt: no %s %s", file, field);
	return (value);
}

static time_t
expected_time(const char *file, const char *field)
{
	char		*s;
	long long	 t;

	s = expected(file, field);
	t = strtoll(s, NULL, 10);
	free(s);
	return ((time_t)t);
}

#define assert_cause(cause, sub) do {					\
	if ((cause) == NULL)						\
		fail_msg("no cause, wanted \"%s\"", (sub));		\
	if (strstr((cause), (sub)) == NULL)				\
		fail_msg("cause \"%s\" lacks \"%s\"", (cause), (sub));	\
} while (0)

/* Parse a bundle from fixtures; chain may be NULL. */
static struct pem_bundle *
bundle_from(const char *file, const char *chainfile)
{
	struct pem_bundle	*b;
	char			*buf, *chain = NULL, *cause = NULL;
	size_t			 len, chainlen = 0;

	buf = load(file, &len);
	if (chainfile != NULL)
		chain = load(chainfile, &chainlen);
	if (pem_bundle_parse(buf, len, chain, chainlen, &b, &cause) != 0)
		fail_msg("%s: %s", file, cause);
	free(buf);
	free(chain);
	return (b);
}

/* Expect a bundle error containing sub. */
static void
bundle_fails(const char *buf, size_t len, const char *chain,
    size_t chainlen, const char *sub)
{
	struct pem_bundle	*b = (void *)1;
	char			*cause = NULL;

	assert_int_equal(pem_bundle_parse(buf, len, chain, chainlen, &b,
	    &cause), -1);
	assert_null(b);
	assert_cause(cause, sub);
	free(cause);
}

/* The rsa2048 leaf with intermediate and root, in that order. */
static void
check_standard(struct pem_bundle *b)
{
	char	*leaf, *inter, *root, *chain;

	leaf = load("leaf-rsa2048.crt", NULL);
	inter = load("inter.crt", NULL);
	root = load("root.crt", NULL);
	xasprintf(&chain, "%s%s", inter, root);
	assert_string_equal(b->leaf, leaf);
	assert_string_equal(b->chain, chain);
	assert_int_equal(b->nchain, 2);
	assert_int_equal(b->nunlinked, 0);
	free(leaf);
	free(inter);
	free(root);
	free(chain);
}

static void
test_bundle_orders(void **state)
{
	static const char	*files[] = {
		"fullchain.pem", "bundle-reversed.pem", "bundle-junk.pem"
	};
	struct pem_bundle	*b;
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof files / sizeof files[0]; i++) {
		b = bundle_from(files[i], NULL);
		check_standard(b);
		pem_bundle_free(b);
	}
}

static void
test_bundle_separate_chain(void **state)
{
	struct pem_bundle	*b;

	(void)state;
	/* certbot: cert.pem + chain.pem. */
	b = bundle_from("leaf-rsa2048.crt", "chain.pem");
	check_standard(b);
	pem_bundle_free(b);

	/* fullchain.pem + chain.pem: duplicates merged. */
	b = bundle_from("fullchain.pem", "chain.pem");
	check_standard(b);
	pem_bundle_free(b);

	/* Chain given in reverse, leaf alone. */
	b = bundle_from("leaf-rsa2048.crt", "bundle-reversed.pem");
	check_standard(b);
	pem_bundle_free(b);

	/* An empty chain file is no chain. */
	b = bundle_from("fullchain.pem", NULL);
	check_standard(b);
	pem_bundle_free(b);
	pem_bundle_free(NULL);
}

static void
test_bundle_single(void **state)
{
	struct pem_bundle	*b;
	char			*leaf;

	(void)state;
	b = bundle_from("leaf-ec256.crt", NULL);
	leaf = load("leaf-ec256.crt", NULL);
	assert_string_equal(b->leaf, leaf);
	assert_string_equal(b->chain, "");
	assert_int_equal(b->nchain, 0);
	free(leaf);
	pem_bundle_free(b);

	/* A self-signed root alone is its own leaf. */
	b = bundle_from("root.crt", NULL);
	assert_int_equal(b->nchain, 0);
	pem_bundle_free(b);
}

static void
test_bundle_unlinked(void **state)
{
	struct pem_bundle	*b;
	char			*buf, *chain, *ec, *inter, *root, *want;
	char			*cause = NULL;
	size_t			 len;

	(void)state;
	/* Two leaves: the first wins, the other trails the chain. */
	buf = load("leaf-rsa2048.crt", &len);
	ec = load("leaf-ec256.crt", NULL);
	inter = load("inter.crt", NULL);
	root = load("root.crt", NULL);
	xasprintf(&chain, "%s%s%s", root, ec, inter);
	assert_int_equal(pem_bundle_parse(buf, len, chain, strlen(chain), &b,
	    &cause), 0);
	xasprintf(&want, "%s%s%s", inter, root, ec);
	assert_string_equal(b->chain, want);
	assert_int_equal(b->nchain, 3);
	assert_int_equal(b->nunlinked, 1);
	pem_bundle_free(b);
	free(buf);
	free(chain);
	free(ec);
	free(inter);
	free(root);
	free(want);
}

static void
test_bundle_rejects(void **state)
{
	char	*buf, *key, *trunc, *huge;
	size_t	 len, keylen;

	(void)state;
	bundle_fails("", 0, NULL, 0,
	    "certificate file: no PEM certificate found");
	bundle_fails("hello world\n", 12, NULL, 0,
	    "certificate file: no PEM certificate found");

	buf = load("bundle-with-key.pem", &len);
	bundle_fails(buf, len, NULL, 0, "PEM block 2 is \"PRIVATE KEY\", not "
	    "a certificate");
	free(buf);

	buf = load("bundle-11.pem", &len);
	bundle_fails(buf, len, NULL, 0, "more than 10 certificates");
	free(buf);

	buf = load("leaf.der", &len);
	bundle_fails(buf, len, NULL, 0, "certificate file: DER data, PEM "
	    "expected");
	free(buf);

	/* Truncated in the middle of the second certificate. */
	buf = load("fullchain.pem", &len);
	trunc = xstrndup(buf, len / 2);
	bundle_fails(trunc, strlen(trunc), NULL, 0,
	    "certificate file: certificate 2 is not PEM");
	free(trunc);

	/* Truncated in the middle of the base64 (line boundary). */
	trunc = xstrndup(buf, 28 + 65 * 3);
	bundle_fails(trunc, strlen(trunc), NULL, 0,
	    "certificate file: certificate 1 is not PEM");
	free(trunc);

	/* Chain file problems name the chain file. */
	key = load("rsa2048.key", &keylen);
	bundle_fails(buf, len, key, keylen, "chain file: PEM block 1 is "
	    "\"RSA PRIVATE KEY\", not a certificate");
	free(key);
	key = load("leaf.der", &keylen);
	bundle_fails(buf, len, key, keylen, "chain file: DER data");
	free(key);
	free(buf);

	/* Base64 that is not base64; base64 that is not DER. */
	buf = "-----BEGIN CERTIFICATE-----\n!!!!not base64 at all!!!!\n"
	    "-----END CERTIFICATE-----\n";
	bundle_fails(buf, strlen(buf), NULL, 0, "certificate 1 is not PEM");
	buf = "-----BEGIN CERTIFICATE-----\naGVsbG8gd29ybGQgdGhpcyBpcyBub3Qg"
	    "YSBjZXJ0aWZpY2F0ZQ==\n-----END CERTIFICATE-----\n";
	bundle_fails(buf, strlen(buf), NULL, 0, "certificate 1 is not a "
	    "valid X.509 certificate");
	buf = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
	bundle_fails(buf, strlen(buf), NULL, 0, "certificate 1 is not");

	/* Binary junk with embedded NULs. */
	bundle_fails("\0\1\2-----BEGIN\0", 14, NULL, 0, "no PEM certificate");

	/* Over the size limit. */
	huge = xmalloc(PEM_MAX_INPUT + 1);
	memset(huge, 'A', PEM_MAX_INPUT + 1);
	bundle_fails(huge, PEM_MAX_INPUT + 1, NULL, 0, "too large");
	buf = load("leaf-ec256.crt", &len);
	bundle_fails(buf, len, huge, PEM_MAX_INPUT + 1,
	    "chain file: too large");
	free(buf);
	/* Just under it: junk, no certificate, no crash. */
	bundle_fails(huge, PEM_MAX_INPUT, NULL, 0, "no PEM certificate");
	free(huge);
}

static void
test_certinfo_fields(void **state)
{
	struct pem_certinfo	*ci;
	char			*buf, *cause = NULL, *s;
	size_t			 len;

	(void)state;
	buf = load("leaf-rsa2048.crt", &len);
	assert_int_equal(pem_certinfo_parse(buf, len, &ci, &cause), 0);
	assert_string_equal(ci->cn, "www.example.test");
	assert_string_equal(ci->subject,
	    "CN=www.example.test,O=Example\\, Inc.,C=US");
	assert_string_equal(ci->issuer,
	    "CN=acmd Test Intermediate CA,O=acmd tests,C=FR");
	assert_string_equal(ci->serial, "0a:1b:2c:3d:4e:5f:60:71");
	assert_string_equal(ci->key_type, "RSA_2048");
	assert_false(ci->self_signed);
	assert_false(ci->is_ca);

	assert_int_equal(ci->nsans, 5);
	assert_int_equal(ci->sans[0].type, PEM_SAN_DNS);
	assert_string_equal(ci->sans[0].value, "www.example.test");
	assert_int_equal(ci->sans[1].type, PEM_SAN_DNS);
	assert_string_equal(ci->sans[1].value, "example.test");
	assert_int_equal(ci->sans[2].type, PEM_SAN_IP);
	assert_string_equal(ci->sans[2].value, "192.0.2.1");
	assert_int_equal(ci->sans[3].type, PEM_SAN_IP);
	assert_string_equal(ci->sans[3].value, "2001:db8::1");
	assert_int_equal(ci->sans[4].type, PEM_SAN_EMAIL);
	assert_string_equal(ci->sans[4].value, "hostmaster@example.test");

	s = expected("leaf-rsa2048.crt", "sha256");
	assert_string_equal(ci->sha256, s);
	free(s);
	s = expected("leaf-rsa2048.crt", "sha1");
	assert_string_equal(ci->sha1, s);
	free(s);
	assert_int_equal(ci->not_before,
	    expected_time("leaf-rsa2048.crt", "not_before"));
	assert_int_equal(ci->not_after,
	    expected_time("leaf-rsa2048.crt", "not_after"));
	pem_certinfo_free(ci);
	pem_certinfo_free(NULL);
	free(buf);

	/* CA flags. */
	buf = load("root.crt", &len);
	assert_int_equal(pem_certinfo_parse(buf, len, &ci, &cause), 0);
	assert_true(ci->self_signed);
	assert_true(ci->is_ca);
	assert_string_equal(ci->subject, ci->issuer);
	pem_certinfo_free(ci);
	free(buf);
	buf = load("inter.crt", &len);
	assert_int_equal(pem_certinfo_parse(buf, len, &ci, &cause), 0);
	assert_false(ci->self_signed);
	assert_true(ci->is_ca);
	assert_string_equal(ci->key_type, "EC_secp384r1");
	pem_certinfo_free(ci);
	free(buf);
}

static void
test_certinfo_all(void **state)
{
	static const struct {
		const char	*file;
		const char	*key_type;
	} certs[] = {
		{ "leaf-rsa1024.crt", "RSA_1024" },
		{ "leaf-rsa2048.crt", "RSA_2048" },
		{ "leaf-rsa3072.crt", "RSA_3072" },
		{ "leaf-rsa4096.crt", "RSA_4096" },
		{ "leaf-ec256.crt", "EC_prime256v1" },
		{ "leaf-ec384.crt", "EC_secp384r1" },
		{ "leaf-ec521.crt", "EC_secp521r1" },
		{ "leaf-ed25519.crt", "UNKNOWN" },
		{ "expired.crt", "EC_prime256v1" },
		{ "inter.crt", "EC_secp384r1" },
		{ "root.crt", "RSA_2048" },
	};
	struct pem_certinfo	*ci;
	char			*buf, *cause = NULL, *s;
	char			 fp[PEM_SHA256_HEXLEN + 1];
	size_t			 len, i;

	(void)state;
	for (i = 0; i < sizeof certs / sizeof certs[0]; i++) {
		buf = load(certs[i].file, &len);
		if (pem_certinfo_parse(buf, len, &ci, &cause) != 0)
			fail_msg("%s: %s", certs[i].file, cause);
		assert_string_equal(ci->key_type, certs[i].key_type);
		s = expected(certs[i].file, "sha256");
		assert_string_equal(ci->sha256, s);
		assert_int_equal(pem_cert_fingerprint(buf, len, fp, &cause),
		    0);
		assert_string_equal(fp, s);
		free(s);
		s = expected(certs[i].file, "sha1");
		assert_string_equal(ci->sha1, s);
		free(s);
		s = expected(certs[i].file, "serial");
		assert_string_equal(ci->serial, s);
		free(s);
		assert_int_equal(ci->not_after,
		    expected_time(certs[i].file, "not_after"));
		assert_true(ci->nsans >= 1 || strcmp(certs[i].file,
		    "root.crt") == 0 || strcmp(certs[i].file,
		    "inter.crt") == 0);
		pem_certinfo_free(ci);
		free(buf);
	}

	/* Serials: high bit set (no 00 sign byte), and one byte. */
	buf = load("leaf-ec256.crt", &len);
	assert_int_equal(pem_certinfo_parse(buf, len, &ci, &cause), 0);
	assert_string_equal(ci->serial,
	    "e8:cb:d2:be:db:12:23:29:f9:77:06:bc:fe:c9:90:f8");
	assert_string_equal(ci->cn, "ec256.example.test");
	pem_certinfo_free(ci);
	free(buf);
	buf = load("leaf-ec384.crt", &len);
	assert_int_equal(pem_certinfo_parse(buf, len, &ci, &cause), 0);
	assert_string_equal(ci->serial, "01");
	pem_certinfo_free(ci);
	free(buf);

	/* The first certificate of a bundle; junk and keys skipped. */
	buf = load("bundle-junk.pem", &len);
	assert_int_equal(pem_cert_fingerprint(buf, len, fp, &cause), 0);
	s = expected("inter.crt", "sha256");
	assert_string_equal(fp, s);
	free(s);
	free(buf);
}

static void
test_certinfo_rejects(void **state)
{
	struct pem_certinfo	*ci = (void *)1;
	char			*buf, *cause = NULL;
	char			 fp[PEM_SHA256_HEXLEN + 1];
	size_t			 len;

	(void)state;
	assert_int_equal(pem_certinfo_parse("", 0, &ci, &cause), -1);
	assert_null(ci);
	assert_cause(cause, "certificate: empty");
	free(cause);

	buf = load("rsa2048.key", &len);
	assert_int_equal(pem_certinfo_parse(buf, len, &ci, &cause), -1);
	assert_cause(cause, "certificate: no PEM certificate found");
	free(cause);
	free(buf);

	buf = load("leaf.der", &len);
	assert_int_equal(pem_cert_fingerprint(buf, len, fp, &cause), -1);
	assert_cause(cause, "DER data, PEM expected");
	assert_string_equal(fp, "");
	free(cause);
	free(buf);

	buf = load("leaf-rsa2048.crt", &len);
	assert_int_equal(pem_certinfo_parse(buf, len - 40, &ci, &cause), -1);
	assert_cause(cause, "certificate: PEM block 1 is malformed");
	free(cause);
	free(buf);
}

static void
test_days_left(void **state)
{
	struct pem_certinfo	*ci;
	char			*buf, *cause = NULL;
	size_t			 len;
	time_t			 t = 1700000000, now;

	(void)state;
	assert_int_equal(pem_days_left(t, t), 0);
	assert_int_equal(pem_days_left(t, t - 1), 0);
	assert_int_equal(pem_days_left(t, t - DAY + 1), 0);
	assert_int_equal(pem_days_left(t, t - DAY), 1);
	assert_int_equal(pem_days_left(t, t - 30 * DAY - 5), 30);
	assert_int_equal(pem_days_left(t, t + 1), -1);
	assert_int_equal(pem_days_left(t, t + DAY), -1);
	assert_int_equal(pem_days_left(t, t + DAY + 1), -2);
	assert_true(pem_days_left(LLONG_MAX, LLONG_MIN) > 0);
	assert_true(pem_days_left(LLONG_MIN, LLONG_MAX) < 0);

	/* Expired: 2021-01-01, so negative from then on. */
	buf = load("expired.crt", &len);
	assert_int_equal(pem_certinfo_parse(buf, len, &ci, &cause), 0);
	assert_int_equal(ci->not_after, 1609459200);
	assert_int_equal(pem_days_left(ci->not_after, 1609459200 + 10 * DAY),
	    -10);
	assert_true(pem_days_left(ci->not_after, time(NULL)) < 0);
	pem_certinfo_free(ci);
	free(buf);

	/* Valid for 20 years and a day from not_before, still valid now. */
	buf = load("leaf-ec384.crt", &len);
	assert_int_equal(pem_certinfo_parse(buf, len, &ci, &cause), 0);
	assert_int_equal(pem_days_left(ci->not_after, ci->not_before),
	    20 * 365 + 1);
	now = time(NULL);
	assert_true(pem_days_left(ci->not_after, now) > 0);
	pem_certinfo_free(ci);
	free(buf);
}

static void
test_key_types(void **state)
{
	static const struct {
		const char	*key;
		const char	*cert;
		const char	*type;
	} keys[] = {
		{ "rsa1024.key", "leaf-rsa1024.crt", "RSA_1024" },
		{ "rsa2048.key", "leaf-rsa2048.crt", "RSA_2048" },	/* PKCS#1 */
		{ "rsa3072.key", "leaf-rsa3072.crt", "RSA_3072" },
		{ "rsa4096.key", "leaf-rsa4096.crt", "RSA_4096" },
		{ "ec256.key", "leaf-ec256.crt", "EC_prime256v1" },	/* SEC1 */
		{ "ec384.key", "leaf-ec384.crt", "EC_secp384r1" },
		{ "ec521.key", "leaf-ec521.crt", "EC_secp521r1" },
	};
	struct pem_key	*key;
	char		*buf, *cert, *cause = NULL;
	size_t		 len, certlen, i;

	(void)state;
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		buf = load(keys[i].key, &len);
		cert = load(keys[i].cert, &certlen);
		if (pem_key_parse(buf, len, NULL, &key, &cause) != 0)
			fail_msg("%s: %s", keys[i].key, cause);
		assert_string_equal(pem_key_type(key), keys[i].type);
		if (pem_key_match_cert(key, cert, certlen, &cause) != 0)
			fail_msg("%s: %s", keys[i].key, cause);
		/* A passphrase given for a plain key is ignored. */
		pem_key_free(key);
		assert_int_equal(pem_key_parse(buf, len, "unused", &key,
		    &cause), 0);
		pem_key_free(key);
		free(buf);
		free(cert);
	}
	pem_key_free(NULL);

	/* Key after the certificate in one file (combined PEM). */
	buf = load("bundle-with-key.pem", &len);
	assert_int_equal(pem_key_parse(buf, len, NULL, &key, &cause), 0);
	assert_int_equal(pem_key_match_cert(key, buf, len, &cause), 0);
	pem_key_free(key);
	free(buf);
}

static void
test_key_mismatch(void **state)
{
	static const struct {
		const char	*key;
		const char	*cert;
	} pairs[] = {
		{ "rsa2048.key", "leaf-rsa3072.crt" },
		{ "rsa2048.key", "leaf-ec256.crt" },
		{ "ec256.key", "leaf-ec384.crt" },
		{ "ec256.key", "expired.crt" },
		{ "ec521.key", "leaf-ed25519.crt" },
	};
	struct pem_key	*key;
	char		*buf, *cert, *cause = NULL;
	size_t		 len, certlen, i;

	(void)state;
	for (i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		buf = load(pairs[i].key, &len);
		cert = load(pairs[i].cert, &certlen);
		assert_int_equal(pem_key_parse(buf, len, NULL, &key, &cause),
		    0);
		assert_int_equal(pem_key_match_cert(key, cert, certlen,
		    &cause), -1);
		assert_string_equal(cause,
		    "private key does not match the certificate");
		free(cause);
		cause = NULL;
		assert_int_equal(pem_key_match_cert(key, "", 0, &cause), -1);
		assert_cause(cause, "certificate: empty");
		free(cause);
		cause = NULL;
		pem_key_free(key);
		free(buf);
		free(cert);
	}
}

static void
test_key_encrypted(void **state)
{
	static const struct {
		const char	*key;
		const char	*cert;
	} keys[] = {
		{ "rsa2048-enc.key", "leaf-rsa2048.crt" },	/* PKCS#8 */
		{ "ec384-trad-enc.key", "leaf-ec384.crt" },	/* Proc-Type */
	};
	struct pem_key	*key = (void *)1;
	char		*buf, *cert, *cause = NULL;
	size_t		 len, certlen, i;

	(void)state;
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		buf = load(keys[i].key, &len);
		cert = load(keys[i].cert, &certlen);

		assert_int_equal(pem_key_parse(buf, len, NULL, &key, &cause),
		    PEM_KEY_NEEDPASS);
		assert_null(key);
		assert_string_equal(cause,
		    "private key: encrypted, passphrase needed");
		free(cause);

		assert_int_equal(pem_key_parse(buf, len, "wrong horse", &key,
		    &cause), PEM_KEY_BADPASS);
		assert_null(key);
		assert_string_equal(cause, "private key: wrong passphrase");
		free(cause);

		assert_int_equal(pem_key_parse(buf, len, "", &key, &cause),
		    PEM_KEY_BADPASS);
		free(cause);

		if (pem_key_parse(buf, len, passphrase, &key, &cause) != 0)
			fail_msg("%s: %s", keys[i].key, cause);
		assert_int_equal(pem_key_match_cert(key, cert, certlen,
		    &cause), 0);
		pem_key_free(key);
		free(buf);
		free(cert);
	}

	/* A crafted iteration count is refused before any work. */
	buf = load("rsa2048-enc-slowkdf.key", &len);
	assert_int_equal(pem_key_parse(buf, len, passphrase, &key, &cause),
	    -1);
	assert_cause(cause, "iteration count out of range");
	free(cause);
	free(buf);
}

static void
test_key_serialise(void **state)
{
	struct pem_key	*key, *key2;
	char		*buf, *cert, *plain, *enc, *dec, *cause = NULL;
	size_t		 len, certlen, plainlen, enclen, declen;

	(void)state;
	buf = load("rsa2048.key", &len);
	cert = load("leaf-rsa2048.crt", &certlen);
	assert_int_equal(pem_key_parse(buf, len, NULL, &key, &cause), 0);

	/* Plain PKCS#8, parsed back. */
	assert_int_equal(pem_key_to_pkcs8(key, &plain, &plainlen, &cause), 0);
	assert_int_equal(strlen(plain), plainlen);
	assert_true(strncmp(plain, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
	assert_int_equal(pem_key_parse(plain, plainlen, NULL, &key2, &cause),
	    0);
	assert_int_equal(pem_key_match_cert(key2, cert, certlen, &cause), 0);
	pem_key_free(key2);

	/* Encrypted PKCS#8: needs the passphrase, decrypts to the same. */
	assert_int_equal(pem_key_to_pkcs8_encrypted(key, "s3cret pass", &enc,
	    &enclen, &cause), 0);
	assert_true(strncmp(enc, "-----BEGIN ENCRYPTED PRIVATE KEY-----\n",
	    38) == 0);
	assert_int_equal(pem_key_parse(enc, enclen, NULL, &key2, &cause),
	    PEM_KEY_NEEDPASS);
	free(cause);
	assert_int_equal(pem_key_parse(enc, enclen, "s3cret", &key2, &cause),
	    PEM_KEY_BADPASS);
	free(cause);
	assert_int_equal(pem_key_decrypt(enc, enclen, "s3cret pass", &dec,
	    &declen, &cause), 0);
	assert_string_equal(dec, plain);
	assert_int_equal(declen, plainlen);
	xfree_secret(dec, declen);
	assert_int_equal(pem_key_decrypt(enc, enclen, NULL, &dec, &declen,
	    &cause), PEM_KEY_NEEDPASS);
	assert_null(dec);
	free(cause);
	xfree_secret(enc, enclen);

	/* Empty passphrase refused for encryption. */
	assert_int_equal(pem_key_to_pkcs8_encrypted(key, "", &enc, &enclen,
	    &cause), -1);
	assert_cause(cause, "empty passphrase");
	free(cause);

	/* The fixture encrypted with python decrypts to the same key. */
	free(buf);
	buf = load("rsa2048-enc.key", &len);
	assert_int_equal(pem_key_decrypt(buf, len, passphrase, &dec, &declen,
	    &cause), 0);
	assert_string_equal(dec, plain);
	xfree_secret(dec, declen);

	xfree_secret(plain, plainlen);
	pem_key_free(key);
	free(buf);
	free(cert);
}

static void
key_fails(const char *buf, size_t len, const char *pass, int want,
    const char *sub)
{
	struct pem_key	*key = (void *)1;
	char		*cause = NULL;

	assert_int_equal(pem_key_parse(buf, len, pass, &key, &cause), want);
	assert_null(key);
	assert_cause(cause, sub);
	free(cause);
}

static void
test_key_rejects(void **state)
{
	char	*buf, *buf2, *two, *huge, *longpass;
	size_t	 len, len2;

	(void)state;
	key_fails("", 0, NULL, -1, "private key: empty");
	key_fails("not a key\n", 10, NULL, -1, "no PEM private key found");

	buf = load("ed25519.key", &len);
	key_fails(buf, len, NULL, -1, "unsupported key type ED25519");
	free(buf);
	buf = load("secp256k1.key", &len);
	key_fails(buf, len, NULL, -1, "unsupported EC curve secp256k1");
	free(buf);

	buf = load("leaf-rsa2048.crt", &len);
	key_fails(buf, len, NULL, -1, "no PEM private key found");
	free(buf);
	buf = load("leaf.der", &len);
	key_fails(buf, len, NULL, -1, "DER data, PEM expected");
	free(buf);

	/* Two keys. */
	buf = load("ec256.key", &len);
	buf2 = load("ec384.key", &len2);
	xasprintf(&two, "%s%s", buf, buf2);
	key_fails(two, strlen(two), NULL, -1, "more than one private key");
	free(two);
	free(buf2);

	/* Truncated. */
	key_fails(buf, len - 30, NULL, -1, "PEM block 1 is malformed");
	key_fails(buf, len / 2, NULL, -1, "PEM block 1 is malformed");
	free(buf);

	/* Valid base64, not a key; not base64; unsupported label. */
	buf = "-----BEGIN PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n"
	    "-----END PRIVATE KEY-----\n";
	key_fails(buf, strlen(buf), NULL, -1, "private key: malformed key");
	buf = "-----BEGIN RSA PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n"
	    "-----END RSA PRIVATE KEY-----\n";
	key_fails(buf, strlen(buf), NULL, -1, "private key: malformed key");
	buf = "-----BEGIN ENCRYPTED PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n"
	    "-----END ENCRYPTED PRIVATE KEY-----\n";
	key_fails(buf, strlen(buf), "x", -1, "malformed encrypted PKCS#8");
	buf = "-----BEGIN PRIVATE KEY-----\n*** garbage ***\n"
	    "-----END PRIVATE KEY-----\n";
	key_fails(buf, strlen(buf), NULL, -1, "malformed");
	buf = "-----BEGIN OPENSSH PRIVATE KEY-----\naGVsbG8gd29ybGQ=\n"
	    "-----END OPENSSH PRIVATE KEY-----\n";
	key_fails(buf, strlen(buf), NULL, -1,
	    "\"OPENSSH PRIVATE KEY\" is not a supported format");
	buf = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
	    "DEK-Info: NOPE-CBC,00\n\naGVsbG8gd29ybGQ=\n"
	    "-----END RSA PRIVATE KEY-----\n";
	key_fails(buf, strlen(buf), "x", -1, "private key");

	huge = xmalloc(PEM_MAX_INPUT + 1);
	memset(huge, '-', PEM_MAX_INPUT + 1);
	key_fails(huge, PEM_MAX_INPUT + 1, NULL, -1, "too large");
	key_fails(huge, PEM_MAX_INPUT, NULL, -1, "no PEM private key found");
	free(huge);

	longpass = xmalloc(PEM_MAX_PASS + 2);
	memset(longpass, 'p', PEM_MAX_PASS + 1);
	longpass[PEM_MAX_PASS + 1] = '\0';
	buf = load("rsa2048-enc.key", &len);
	key_fails(buf, len, longpass, -1, "passphrase too long");
	free(buf);
	free(longpass);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_orders),
		cmocka_unit_test(test_bundle_separate_chain),
		cmocka_unit_test(test_bundle_single),
		cmocka_unit_test(test_bundle_unlinked),
		cmocka_unit_test(test_bundle_rejects),
		cmocka_unit_test(test_certinfo_fields),
		cmocka_unit_test(test_certinfo_all),
		cmocka_unit_test(test_certinfo_rejects),
		cmocka_unit_test(test_days_left),
		cmocka_unit_test(test_key_types),
		cmocka_unit_test(test_key_mismatch),
		cmocka_unit_test(test_key_encrypted),
		cmocka_unit_test(test_key_serialise),
		cmocka_unit_test(test_key_rejects),
	};
	const char	*env;
	char		 path[PATH_MAX], *nl;
	int		 r;

	if (argc > 1)
		fixdir = argv[1];
	else if ((env = getenv("PEM_FIXTURES")) != NULL && *env != '\0')
		fixdir = env;
	snprintf(path, sizeof path, "%s/passphrase.txt", fixdir);
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "%s: %s (fixture directory is argv[1] or "
		    "$PEM_FIXTURES)\n", path, strerror(errno));
		return (1);
	}
	passphrase = load("passphrase.txt", NULL);
	if ((nl = strchr(passphrase, '\n')) != NULL)
		*nl = '\0';

	r = cmocka_run_group_tests_name("pem", tests, NULL, NULL);
	free(passphrase);
	return (r);
}

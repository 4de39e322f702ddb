/*
 * PEM and X.509 helpers.  The only place OpenSSL's certificate and key
 * parsing is called and the only place its error codes become text.
 *
 * Inputs are untrusted (files given by users, answers from AWS, fuzzers):
 * every size is bounded, every return checked, and the OpenSSL error queue
 * is left empty on return.  Decoded private keys live in buffers that are
 * cleansed before they are freed.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "pem.h"
#include "xmalloc.h"

/* Highest key derivation cost accepted in an encrypted key. */
#define PEM_MAX_KDF_ITER	1000000		/* PBKDF2, PKCS#12 PBE */
#define PEM_MAX_SCRYPT_COST	(1ULL << 24)	/* scrypt N * r * p */

/* Printing of names and strings: one line, printable ASCII. */
#define PEM_NAME_FLAGS		XN_FLAG_RFC2253
#define PEM_STRING_FLAGS	(ASN1_STRFLGS_ESC_CTRL | ASN1_STRFLGS_ESC_MSB | \
				 ASN1_STRFLGS_UTF8_CONVERT | \
				 ASN1_STRFLGS_DUMP_UNKNOWN | \
				 ASN1_STRFLGS_DUMP_DER)

/* One decoded certificate and the exact DER it came from. */
struct pem_cert {
	X509		*x509;
	unsigned char	*der;
	long		 derlen;
};

/* One PEM block as read by PEM_read_bio_ex. */
struct pem_block {
	char		*name;
	char		*header;
	unsigned char	*data;
	long		 len;
	long		 alloclen;	/* len before decryption, to cleanse */
	int		 secure;
};

struct pem_key {
	EVP_PKEY	*pkey;
	const char	*type;
};

static void	 pem_set_cause(char **, const char *, ...)
		     __attribute__((format(printf, 2, 3)));
static const char *pem_ssl_reason(void);
static void	 pem_label(const char *, char *, size_t);
static int	 pem_is_der(const char *, size_t);
static char	*pem_bio_string(BIO *, size_t *);
static int	 pem_check_size(const char *, size_t, char **);
static BIO	*pem_mem_bio(const char *, const char *, size_t, char **);
static int	 pem_next_block(BIO *, int, struct pem_block *);
static void	 pem_block_clear(struct pem_block *);
static int	 pem_is_cert_label(const char *);
static int	 pem_cert_decode(struct pem_block *, struct pem_cert *);
static void	 pem_cert_clear(struct pem_cert *);
static int	 pem_read_certs(const char *, const char *, size_t,
		     struct pem_cert *, unsigned int *, char **);
static int	 pem_read_first_cert(const char *, const char *, size_t,
		     struct pem_cert *, char **);
static int	 pem_issued(X509 *, X509 *);
static int	 pem_write_certs(struct pem_cert **, unsigned int, char **);
static const char *pem_pkey_type(EVP_PKEY *);
static int	 pem_pkey_supported(EVP_PKEY *, char **);
static char	*pem_print(const X509_NAME *, const ASN1_STRING *);
static char	*pem_serial(const ASN1_INTEGER *);
static int	 pem_time(const ASN1_TIME *, time_t *);
static void	 pem_hex(const unsigned char *, size_t, char *);
static int	 pem_sans(X509 *, struct pem_certinfo *, char **);
static int	 pem_check_kdf(const X509_SIG *, char **);
static int	 pem_pass_cb(char *, int, int, void *);
static int	 pem_is_badpass(unsigned long);
static int	 pem_key_decode(struct pem_block *, const char *, EVP_PKEY **,
		     char **);
static int	 pem_key_write(const EVP_PKEY *, const char *, char **,
		     size_t *, char **);

static void
pem_set_cause(char **cause, const char *fmt, ...)
{
	va_list	ap;

	if (cause == NULL)
		return;
	va_start(ap, fmt);
	xvasprintf(cause, fmt, ap);
	va_end(ap);
}

/* The reason for the earliest queued OpenSSL error; empties the queue. */
static const char *
pem_ssl_reason(void)
{
	unsigned long	 e;
	const char	*s;

	e = ERR_peek_error();
	ERR_clear_error();
	if (e == 0)
		return ("unknown error");
	if ((s = ERR_reason_error_string(e)) == NULL)
		return ("unknown error");
	return (s);
}

/* A PEM label fit for a message: printable and short. */
static void
pem_label(const char *name, char *buf, size_t size)
{
	size_t	i;

	for (i = 0; name[i] != '\0' && i + 1 < size && i < 40; i++) {
		if (name[i] < 0x20 || name[i] > 0x7e)
			buf[i] = '?';
		else
			buf[i] = name[i];
	}
	buf[i] = '\0';
}

/* Does this look like DER (a SEQUENCE) rather than text? */
static int
pem_is_der(const char *buf, size_t len)
{
	return (len >= 2 && (unsigned char)buf[0] == 0x30 &&
	    ((unsigned char)buf[1] & 0x80) != 0);
}

/* Copy a memory BIO's contents to a NUL-terminated string. */
static char *
pem_bio_string(BIO *bio, size_t *lenp)
{
	char	*data, *s;
	long	 n;
	size_t	 i;

	n = BIO_get_mem_data(bio, &data);
	if (n < 0)
		n = 0;
	s = xmalloc((size_t)n + 1);
	if (n > 0)
		memcpy(s, data, n);
	s[n] = '\0';
	for (i = 0; i < (size_t)n; i++) {
		if (s[i] == '\0')
			s[i] = '?';
	}
	if (lenp != NULL)
		*lenp = n;
	return (s);
}

/* Input to parse: refused when empty or over PEM_MAX_INPUT. */
static int
pem_check_size(const char *what, size_t len, char **cause)
{
	if (len > PEM_MAX_INPUT) {
		pem_set_cause(cause, "%s: too large (over %d bytes)", what,
		    PEM_MAX_INPUT);
		return (-1);
	}
	if (len == 0) {
		pem_set_cause(cause, "%s: empty", what);
		return (-1);
	}
	return (0);
}

/* A read-only memory BIO on buf. */
static BIO *
pem_mem_bio(const char *what, const char *buf, size_t len, char **cause)
{
	BIO	*bio;

	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		pem_set_cause(cause, "%s: %s", what, pem_ssl_reason());
	return (bio);
}

/*
 * Read the next PEM block: 1 if one was read, 0 at the end of the input,
 * -1 if a block is malformed (the OpenSSL error is left queued).
 */
static int
pem_next_block(BIO *bio, int secure, struct pem_block *b)
{
	unsigned long	e;
	unsigned int	flags;

	memset(b, 0, sizeof *b);
	b->secure = secure;
	flags = PEM_FLAG_EAY_COMPATIBLE;
	if (secure)
		flags |= PEM_FLAG_SECURE;

	ERR_clear_error();
	if (PEM_read_bio_ex(bio, &b->name, &b->header, &b->data, &b->len,
	    flags) == 1) {
		if (b->len < 0)
			b->len = 0;
		b->alloclen = b->len;
		return (1);
	}
	memset(b, 0, sizeof *b);
	e = ERR_peek_last_error();
	if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
	    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
		ERR_clear_error();
		return (0);
	}
	return (-1);
}

static void
pem_block_clear(struct pem_block *b)
{
	if (b->secure) {
		OPENSSL_secure_free(b->name);
		OPENSSL_secure_free(b->header);
		if (b->data != NULL)
			OPENSSL_secure_clear_free(b->data, b->alloclen);
	} else {
		OPENSSL_free(b->name);
		OPENSSL_free(b->header);
		OPENSSL_free(b->data);
	}
	memset(b, 0, sizeof *b);
}

static int
pem_is_cert_label(const char *name)
{
	return (strcmp(name, PEM_STRING_X509) == 0 ||
	    strcmp(name, PEM_STRING_X509_OLD) == 0);
}

/* Decode a certificate block; takes its data on success. */
static int
pem_cert_decode(struct pem_block *b, struct pem_cert *c)
{
	const unsigned char	*p;
	X509			*x;

	p = b->data;
	if ((x = d2i_X509(NULL, &p, b->len)) == NULL)
		return (-1);
	if (p != b->data + b->len) {
		X509_free(x);
		return (-1);
	}
	c->x509 = x;
	c->der = b->data;
	c->derlen = b->len;
	b->data = NULL;
	return (0);
}

static void
pem_cert_clear(struct pem_cert *c)
{
	X509_free(c->x509);
	OPENSSL_free(c->der);
	memset(c, 0, sizeof *c);
}

/*
 * Read every certificate in buf into certs (room for PEM_MAX_CERTS), after
 * the *n already there; duplicates are dropped.  what names the input in
 * messages.
 */
static int
pem_read_certs(const char *what, const char *buf, size_t len,
    struct pem_cert *certs, unsigned int *n, char **cause)
{
	BIO			*bio;
	struct pem_block	 b;
	struct pem_cert		 c;
	unsigned int		 block, i;
	char			 label[48];
	int			 r, dup;

	if (len == 0)
		return (0);
	if (pem_check_size(what, len, cause) != 0 ||
	    (bio = pem_mem_bio(what, buf, len, cause)) == NULL)
		return (-1);
	for (block = 1; /* nothing */; block++) {
		if ((r = pem_next_block(bio, 0, &b)) == 0)
			break;
		if (r == -1) {
			pem_set_cause(cause, "%s: certificate %u is not PEM "
			    "(%s)", what, block, pem_ssl_reason());
			goto fail;
		}
		if (!pem_is_cert_label(b.name)) {
			pem_label(b.name, label, sizeof label);
			pem_set_cause(cause, "%s: PEM block %u is \"%s\", not "
			    "a certificate", what, block, label);
			pem_block_clear(&b);
			goto fail;
		}
		memset(&c, 0, sizeof c);
		if (pem_cert_decode(&b, &c) != 0) {
			pem_set_cause(cause, "%s: certificate %u is not a valid "
			    "X.509 certificate (%s)", what, block,
			    pem_ssl_reason());
			pem_block_clear(&b);
			goto fail;
		}
		pem_block_clear(&b);

		dup = 0;
		for (i = 0; i < *n; i++) {
			if (certs[i].derlen == c.derlen &&
			    memcmp(certs[i].der, c.der, c.derlen) == 0)
				dup = 1;
		}
		if (dup) {
			pem_cert_clear(&c);
			continue;
		}
		if (*n >= PEM_MAX_CERTS) {
			pem_set_cause(cause, "%s: more than %d certificates",
			    what, PEM_MAX_CERTS);
			pem_cert_clear(&c);
			goto fail;
		}
		certs[(*n)++] = c;
	}
	BIO_free(bio);
	return (0);

fail:
	BIO_free(bio);
	ERR_clear_error();
	return (-1);
}

/* The first certificate in buf; other PEM blocks before it are skipped. */
static int
pem_read_first_cert(const char *what, const char *buf, size_t len,
    struct pem_cert *c, char **cause)
{
	BIO			*bio;
	struct pem_block	 b;
	unsigned int		 block;
	int			 r;

	memset(c, 0, sizeof *c);
	ERR_clear_error();
	if (pem_check_size(what, len, cause) != 0 ||
	    (bio = pem_mem_bio(what, buf, len, cause)) == NULL)
		return (-1);
	for (block = 1; /* nothing */; block++) {
		if ((r = pem_next_block(bio, 0, &b)) == 0)
			break;
		if (r == -1) {
			pem_set_cause(cause, "%s: PEM block %u is malformed (%s)",
			    what, block, pem_ssl_reason());
			goto fail;
		}
		if (!pem_is_cert_label(b.name)) {
			pem_block_clear(&b);
			continue;
		}
		if (pem_cert_decode(&b, c) != 0) {
			pem_set_cause(cause, "%s: not a valid X.509 certificate "
			    "(%s)", what, pem_ssl_reason());
			pem_block_clear(&b);
			goto fail;
		}
		pem_block_clear(&b);
		BIO_free(bio);
		return (0);
	}
	if (pem_is_der(buf, len))
		pem_set_cause(cause, "%s: DER data, PEM expected", what);
	else
		pem_set_cause(cause, "%s: no PEM certificate found", what);

fail:
	BIO_free(bio);
	ERR_clear_error();
	return (-1);
}

/* Did issuer issue subject (names and key identifiers; no signature)? */
static int
pem_issued(X509 *issuer, X509 *subject)
{
	int	r;

	r = X509_check_issued(issuer, subject);
	ERR_clear_error();
	return (r == X509_V_OK || r == X509_V_ERR_KEYUSAGE_NO_CERTSIGN);
}

/* Concatenate certificates as PEM, from their original DER. */
static int
pem_write_certs(struct pem_cert **list, unsigned int n, char **out)
{
	BIO		*bio;
	unsigned int	 i;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return (-1);
	for (i = 0; i < n; i++) {
		if (PEM_write_bio(bio, PEM_STRING_X509, "", list[i]->der,
		    list[i]->derlen) <= 0) {
			BIO_free(bio);
			return (-1);
		}
	}
	*out = pem_bio_string(bio, NULL);
	BIO_free(bio);
	return (0);
}

int
pem_bundle_parse(const char *buf, size_t len, const char *chainbuf,
    size_t chainlen, struct pem_bundle **bundlep, char **cause)
{
	struct pem_cert		 certs[PEM_MAX_CERTS];
	struct pem_cert		*order[PEM_MAX_CERTS];
	struct pem_bundle	*bundle;
	unsigned int		 n, nbuf, i, j, norder, leaf;
	int			 used[PEM_MAX_CERTS], issuer, found;

	*bundlep = NULL;
	ERR_clear_error();
	memset(certs, 0, sizeof certs);
	n = 0;

	if (pem_read_certs("certificate file", buf, len, certs, &n,
	    cause) != 0)
		goto fail;
	if (n == 0) {
		if (pem_is_der(buf, len)) {
			pem_set_cause(cause, "certificate file: DER data, PEM "
			    "expected");
		} else {
			pem_set_cause(cause, "certificate file: no PEM "
			    "certificate found");
		}
		goto fail;
	}
	nbuf = n;
	if (chainbuf == NULL)
		chainlen = 0;
	if (pem_read_certs("chain file", chainbuf, chainlen, certs, &n,
	    cause) != 0)
		goto fail;
	if (n == nbuf && chainlen > 0 && pem_is_der(chainbuf, chainlen)) {
		pem_set_cause(cause, "chain file: DER data, PEM expected");
		goto fail;
	}

	/* The leaf: the first certificate that issued none of the others. */
	leaf = 0;
	for (i = 0; i < n; i++) {
		issuer = 0;
		for (j = 0; j < n && !issuer; j++) {
			if (j != i && pem_issued(certs[i].x509, certs[j].x509))
				issuer = 1;
		}
		if (!issuer) {
			leaf = i;
			break;
		}
	}

	/* The chain: follow issuers from the leaf, first match wins. */
	memset(used, 0, sizeof used);
	used[leaf] = 1;
	order[0] = &certs[leaf];
	norder = 1;
	for (i = leaf; /* nothing */; i = j) {
		if (X509_self_signed(certs[i].x509, 0) == 1)
			break;
		found = 0;
		for (j = 0; j < n; j++) {
			if (!used[j] && pem_issued(certs[j].x509,
			    certs[i].x509)) {
				found = 1;
				break;
			}
		}
		if (!found)
			break;
		used[j] = 1;
		order[norder++] = &certs[j];
	}
	ERR_clear_error();

	bundle = xcalloc(1, sizeof *bundle);
	bundle->nchain = n - 1;
	bundle->nunlinked = n - norder;
	for (i = 0; i < n; i++) {
		if (!used[i])
			order[norder++] = &certs[i];
	}
	if (pem_write_certs(order, 1, &bundle->leaf) != 0 ||
	    pem_write_certs(order + 1, n - 1, &bundle->chain) != 0) {
		pem_set_cause(cause, "certificate file: %s", pem_ssl_reason());
		pem_bundle_free(bundle);
		goto fail;
	}
	for (i = 0; i < n; i++)
		pem_cert_clear(&certs[i]);
	*bundlep = bundle;
	return (0);

fail:
	for (i = 0; i < n; i++)
		pem_cert_clear(&certs[i]);
	ERR_clear_error();
	return (-1);
}

void
pem_bundle_free(struct pem_bundle *bundle)
{
	if (bundle == NULL)
		return;
	free(bundle->leaf);
	free(bundle->chain);
	free(bundle);
}

/* ACM's name for a public key's algorithm and size, NULL if none. */
static const char *
pem_pkey_type(EVP_PKEY *pk)
{
	char	group[80];
	size_t	glen;
	int	nid;

	if (pk == NULL)
		return (NULL);
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		switch (EVP_PKEY_get_bits(pk)) {
		case 1024:
			return ("RSA_1024");
		case 2048:
			return ("RSA_2048");
		case 3072:
			return ("RSA_3072");
		case 4096:
			return ("RSA_4096");
		}
		return (NULL);
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pk, group, sizeof group,
		    &glen) != 1) {
			ERR_clear_error();
			return (NULL);
		}
		if ((nid = OBJ_sn2nid(group)) == NID_undef)
			nid = EC_curve_nist2nid(group);
		switch (nid) {
		case NID_X9_62_prime256v1:
			return ("EC_prime256v1");
		case NID_secp384r1:
			return ("EC_secp384r1");
		case NID_secp521r1:
			return ("EC_secp521r1");
		}
		return (NULL);
	}
	return (NULL);
}

/* Is this a key type ACM takes?  If not, say why. */
static int
pem_pkey_supported(EVP_PKEY *pk, char **cause)
{
	const char	*name;
	char		 group[80];
	size_t		 glen;
	int		 id;

	if (pem_pkey_type(pk) != NULL)
		return (0);
	id = EVP_PKEY_get_base_id(pk);
	if (id == EVP_PKEY_RSA) {
		pem_set_cause(cause, "private key: unsupported RSA key size "
		    "%d bits (1024, 2048, 3072 or 4096 supported)",
		    EVP_PKEY_get_bits(pk));
	} else if (id == EVP_PKEY_EC) {
		if (EVP_PKEY_get_group_name(pk, group, sizeof group,
		    &glen) != 1)
			snprintf(group, sizeof group, "with explicit "
			    "parameters");
		pem_set_cause(cause, "private key: unsupported EC curve %s "
		    "(P-256, P-384 or P-521 supported)", group);
	} else {
		if ((name = EVP_PKEY_get0_type_name(pk)) == NULL &&
		    (name = OBJ_nid2sn(id)) == NULL)
			name = "unknown";
		pem_set_cause(cause, "private key: unsupported key type %s "
		    "(RSA or EC supported)", name);
	}
	ERR_clear_error();
	return (-1);
}

/* A name, or else a string, printed as text; NULL on error. */
static char *
pem_print(const X509_NAME *name, const ASN1_STRING *str)
{
	BIO	*bio;
	char	*s;
	int	 r;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return (NULL);
	if (name != NULL)
		r = X509_NAME_print_ex(bio, name, 0, PEM_NAME_FLAGS);
	else
		r = ASN1_STRING_print_ex(bio, str, PEM_STRING_FLAGS);
	if (r < 0) {
		BIO_free(bio);
		return (NULL);
	}
	s = pem_bio_string(bio, NULL);
	BIO_free(bio);
	return (s);
}

static char *
pem_serial(const ASN1_INTEGER *serial)
{
	const unsigned char	*p;
	char			*s, *cp;
	int			 n, i, neg;

	p = ASN1_STRING_get0_data(serial);
	n = ASN1_STRING_length(serial);
	neg = (ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER);
	if (p == NULL || n <= 0)
		return (xstrdup("00"));

	/* Skip any leading zeros (there should be none). */
	while (n > 1 && *p == 0) {
		p++;
		n--;
	}
	s = cp = xmalloc((size_t)n * 3 + 2);
	if (neg)
		*cp++ = '-';
	for (i = 0; i < n; i++) {
		snprintf(cp, 4, "%s%02x", i == 0 ? "" : ":", p[i]);
		cp += i == 0 ? 2 : 3;
	}
	*cp = '\0';
	return (s);
}

static int
pem_time(const ASN1_TIME *t, time_t *out)
{
	struct tm	tm;

	memset(&tm, 0, sizeof tm);
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
		ERR_clear_error();
		return (-1);
	}
	*out = timegm(&tm);
	return (0);
}

static void
pem_hex(const unsigned char *p, size_t n, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[i * 2] = hex[p[i] >> 4];
		out[i * 2 + 1] = hex[p[i] & 0xf];
	}
	out[n * 2] = '\0';
}

static int
pem_sans(X509 *x, struct pem_certinfo *ci, char **cause)
{
	GENERAL_NAMES		*gens;
	const GENERAL_NAME	*gen;
	const unsigned char	*ip;
	char			 addr[INET6_ADDRSTRLEN], *value;
	enum pem_san_type	 type;
	int			 crit, i, n, iplen;

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	if (gens == NULL) {
		ERR_clear_error();
		if (crit == -1)
			return (0);
		if (crit == -2) {
			pem_set_cause(cause, "certificate: more than one "
			    "subjectAltName extension");
		} else {
			pem_set_cause(cause, "certificate: malformed "
			    "subjectAltName extension");
		}
		return (-1);
	}
	n = sk_GENERAL_NAME_num(gens);
	if (n > PEM_MAX_SANS) {
		pem_set_cause(cause, "certificate: more than %d subject "
		    "alternative names", PEM_MAX_SANS);
		GENERAL_NAMES_free(gens);
		return (-1);
	}
	if (n > 0)
		ci->sans = xcalloc(n, sizeof *ci->sans);
	for (i = 0; i < n; i++) {
		gen = sk_GENERAL_NAME_value(gens, i);
		value = NULL;
		switch (gen->type) {
		case GEN_DNS:
			type = PEM_SAN_DNS;
			value = pem_print(NULL, gen->d.dNSName);
			break;
		case GEN_EMAIL:
			type = PEM_SAN_EMAIL;
			value = pem_print(NULL, gen->d.rfc822Name);
			break;
		case GEN_IPADD:
			type = PEM_SAN_IP;
			ip = ASN1_STRING_get0_data(gen->d.iPAddress);
			iplen = ASN1_STRING_length(gen->d.iPAddress);
			if (iplen == 4 &&
			    inet_ntop(AF_INET, ip, addr, sizeof addr) != NULL)
				value = xstrdup(addr);
			else if (iplen == 16 &&
			    inet_ntop(AF_INET6, ip, addr, sizeof addr) != NULL)
				value = xstrdup(addr);
			else {
				pem_set_cause(cause, "certificate: malformed "
				    "IP address in subjectAltName");
				GENERAL_NAMES_free(gens);
				return (-1);
			}
			break;
		default:
			continue;
		}
		if (value == NULL) {
			pem_set_cause(cause, "certificate: malformed "
			    "subjectAltName (%s)", pem_ssl_reason());
			GENERAL_NAMES_free(gens);
			return (-1);
		}
		ci->sans[ci->nsans].type = type;
		ci->sans[ci->nsans].value = value;
		ci->nsans++;
	}
	GENERAL_NAMES_free(gens);
	return (0);
}

int
pem_certinfo_parse(const char *buf, size_t len, struct pem_certinfo **cip,
    char **cause)
{
	struct pem_cert		 c;
	struct pem_certinfo	*ci;
	X509_NAME		*subject;
	X509_NAME_ENTRY		*entry;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	unsigned int		 mdlen;
	int			 idx;

	*cip = NULL;
	if (pem_read_first_cert("certificate", buf, len, &c, cause) != 0)
		return (-1);
	ci = xcalloc(1, sizeof *ci);

	subject = X509_get_subject_name(c.x509);
	ci->subject = pem_print(subject, NULL);
	ci->issuer = pem_print(X509_get_issuer_name(c.x509), NULL);
	if (ci->subject == NULL || ci->issuer == NULL) {
		pem_set_cause(cause, "certificate: malformed subject or issuer "
		    "(%s)", pem_ssl_reason());
		goto fail;
	}
	idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
	if (idx < 0)
		ci->cn = xstrdup("");
	else {
		entry = X509_NAME_get_entry(subject, idx);
		if (entry == NULL || (ci->cn = pem_print(NULL,
		    X509_NAME_ENTRY_get_data(entry))) == NULL) {
			pem_set_cause(cause, "certificate: malformed common "
			    "name (%s)", pem_ssl_reason());
			goto fail;
		}
	}
	if (pem_sans(c.x509, ci, cause) != 0)
		goto fail;

	ci->serial = pem_serial(X509_get0_serialNumber(c.x509));
	if (pem_time(X509_get0_notBefore(c.x509), &ci->not_before) != 0 ||
	    pem_time(X509_get0_notAfter(c.x509), &ci->not_after) != 0) {
		pem_set_cause(cause, "certificate: malformed validity dates");
		goto fail;
	}
	ci->key_type = pem_pkey_type(X509_get0_pubkey(c.x509));
	if (ci->key_type == NULL)
		ci->key_type = "UNKNOWN";
	ERR_clear_error();

	/* Fingerprints of the DER as received, not as re-encoded. */
	if (EVP_Digest(c.der, c.derlen, md, &mdlen, EVP_sha256(),
	    NULL) != 1 || mdlen * 2 != PEM_SHA256_HEXLEN) {
		pem_set_cause(cause, "certificate: %s", pem_ssl_reason());
		goto fail;
	}
	pem_hex(md, mdlen, ci->sha256);
	if (EVP_Digest(c.der, c.derlen, md, &mdlen, EVP_sha1(),
	    NULL) != 1 || mdlen * 2 != PEM_SHA1_HEXLEN) {
		pem_set_cause(cause, "certificate: %s", pem_ssl_reason());
		goto fail;
	}
	pem_hex(md, mdlen, ci->sha1);

	ci->self_signed = (X509_self_signed(c.x509, 1) == 1);
	ci->is_ca = (X509_get_extension_flags(c.x509) & EXFLAG_CA) != 0;
	ERR_clear_error();

	pem_cert_clear(&c);
	*cip = ci;
	return (0);

fail:
	pem_certinfo_free(ci);
	pem_cert_clear(&c);
	ERR_clear_error();
	return (-1);
}

void
pem_certinfo_free(struct pem_certinfo *ci)
{
	unsigned int	i;

	if (ci == NULL)
		return;
	free(ci->cn);
	free(ci->subject);
	free(ci->issuer);
	for (i = 0; i < ci->nsans; i++)
		free(ci->sans[i].value);
	free(ci->sans);
	free(ci->serial);
	free(ci);
}

int
pem_cert_fingerprint(const char *buf, size_t len,
    char out[PEM_SHA256_HEXLEN + 1], char **cause)
{
	struct pem_cert	c;
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen;

	out[0] = '\0';
	if (pem_read_first_cert("certificate", buf, len, &c, cause) != 0)
		return (-1);
	if (EVP_Digest(c.der, c.derlen, md, &mdlen, EVP_sha256(),
	    NULL) != 1 || mdlen * 2 != PEM_SHA256_HEXLEN) {
		pem_set_cause(cause, "certificate: %s", pem_ssl_reason());
		pem_cert_clear(&c);
		return (-1);
	}
	pem_hex(md, mdlen, out);
	pem_cert_clear(&c);
	return (0);
}

long long
pem_days_left(time_t not_after, time_t now)
{
	long long	diff, days;

	if (__builtin_sub_overflow((long long)not_after, (long long)now,
	    &diff))
		return (not_after > now ? LLONG_MAX / 86400 :
		    LLONG_MIN / 86400);
	days = diff / 86400;
	if (diff % 86400 < 0)
		days--;
	return (days);
}

/*
 * Refuse an encrypted key whose key derivation would cost too much (a
 * crafted iteration count is a cheap denial of service).  Unknown schemes
 * are left for OpenSSL to refuse.
 */
static int
pem_check_kdf(const X509_SIG *sig, char **cause)
{
	const X509_ALGOR	*alg, *kdf;
	const ASN1_OBJECT	*obj;
	const void		*pval;
	PBE2PARAM		*pbe2 = NULL;
	PBKDF2PARAM		*pbkdf2 = NULL;
	SCRYPT_PARAMS		*scrypt = NULL;
	PBEPARAM		*pbe = NULL;
	const ASN1_INTEGER	*iter = NULL;
	uint64_t		 N, r, p;
	long			 v;
	int			 ptype, ret = -1;

	X509_SIG_get0(sig, &alg, NULL);
	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	if (ptype != V_ASN1_SEQUENCE || pval == NULL) {
		pem_set_cause(cause, "private key: malformed encryption "
		    "parameters");
		goto out;
	}
	if (OBJ_obj2nid(obj) != NID_pbes2) {
		pbe = ASN1_item_unpack(pval, ASN1_ITEM_rptr(PBEPARAM));
		if (pbe != NULL)
			iter = pbe->iter;
	} else {
		pbe2 = ASN1_item_unpack(pval, ASN1_ITEM_rptr(PBE2PARAM));
		if (pbe2 == NULL || (kdf = pbe2->keyfunc) == NULL) {
			pem_set_cause(cause, "private key: malformed encryption "
			    "parameters");
			goto out;
		}
		X509_ALGOR_get0(&obj, &ptype, &pval, kdf);
		if (ptype != V_ASN1_SEQUENCE || pval == NULL) {
			pem_set_cause(cause, "private key: malformed key "
			    "derivation parameters");
			goto out;
		}
		switch (OBJ_obj2nid(obj)) {
		case NID_id_pbkdf2:
			pbkdf2 = ASN1_item_unpack(pval,
			    ASN1_ITEM_rptr(PBKDF2PARAM));
			if (pbkdf2 == NULL) {
				pem_set_cause(cause, "private key: malformed "
				    "key derivation parameters");
				goto out;
			}
			iter = pbkdf2->iter;
			break;
		case NID_id_scrypt:
			scrypt = ASN1_item_unpack(pval,
			    ASN1_ITEM_rptr(SCRYPT_PARAMS));
			if (scrypt == NULL ||
			    ASN1_INTEGER_get_uint64(&N,
			    scrypt->costParameter) != 1 ||
			    ASN1_INTEGER_get_uint64(&r,
			    scrypt->blockSize) != 1 ||
			    ASN1_INTEGER_get_uint64(&p,
			    scrypt->parallelizationParameter) != 1) {
				pem_set_cause(cause, "private key: malformed "
				    "key derivation parameters");
				goto out;
			}
			if (N == 0 || r == 0 || p == 0 ||
			    N > PEM_MAX_SCRYPT_COST || r > 1024 || p > 1024 ||
			    N * r * p > PEM_MAX_SCRYPT_COST) {
				pem_set_cause(cause, "private key: scrypt "
				    "parameters too costly");
				goto out;
			}
			break;
		}
	}
	if (iter != NULL) {
		v = ASN1_INTEGER_get(iter);
		if (v < 1 || v > PEM_MAX_KDF_ITER) {
			pem_set_cause(cause, "private key: key derivation "
			    "iteration count out of range (1 to %d)",
			    PEM_MAX_KDF_ITER);
			goto out;
		}
	}
	ret = 0;

out:
	PBE2PARAM_free(pbe2);
	PBKDF2PARAM_free(pbkdf2);
	SCRYPT_PARAMS_free(scrypt);
	PBEPARAM_free(pbe);
	ERR_clear_error();
	return (ret);
}

/* Hand OpenSSL the passphrase; never prompt. */
static int
pem_pass_cb(char *buf, int size, __attribute__((unused)) int rwflag,
    void *u)
{
	const char	*pass = u;
	size_t		 len;

	if (pass == NULL || size <= 0)
		return (-1);
	len = strlen(pass);
	if (len > (size_t)size)
		return (-1);
	memcpy(buf, pass, len);
	return ((int)len);
}

/* Is a decryption failure the passphrase's fault (not an unknown scheme)? */
static int
pem_is_badpass(unsigned long e)
{
	if (e == 0)
		return (1);
	if (ERR_GET_LIB(e) != ERR_LIB_EVP)
		return (1);
	switch (ERR_GET_REASON(e)) {
	case EVP_R_UNKNOWN_CIPHER:
	case EVP_R_UNKNOWN_DIGEST:
	case EVP_R_UNKNOWN_PBE_ALGORITHM:
	case EVP_R_UNSUPPORTED_CIPHER:
	case EVP_R_UNSUPPORTED_KEYLENGTH:
	case EVP_R_UNSUPPORTED_KEY_DERIVATION_FUNCTION:
	case EVP_R_UNSUPPORTED_PRF:
	case EVP_R_UNSUPPORTED_PRIVATE_KEY_ALGORITHM:
	case EVP_R_UNSUPPORTED_ALGORITHM:
	case EVP_R_CIPHER_PARAMETER_ERROR:
	case EVP_R_INVALID_KEY_LENGTH:
		return (0);
	}
	return (1);
}

/* An encrypted PKCS#8 key: 0, -1, PEM_KEY_NEEDPASS or PEM_KEY_BADPASS. */
static int
pem_pkcs8_decrypt(struct pem_block *b, const char *pass,
    PKCS8_PRIV_KEY_INFO **p8, char **cause)
{
	const unsigned char	*p = b->data;
	X509_SIG		*sig;
	int			 ret = -1;

	sig = d2i_X509_SIG(NULL, &p, b->len);
	if (sig == NULL || p != b->data + b->len) {
		pem_set_cause(cause, "private key: malformed encrypted PKCS#8 "
		    "key (%s)", pem_ssl_reason());
		goto out;
	}
	if (pem_check_kdf(sig, cause) != 0)
		goto out;
	if (pass == NULL) {
		pem_set_cause(cause, "private key: encrypted, passphrase "
		    "needed");
		ret = PEM_KEY_NEEDPASS;
		goto out;
	}
	ERR_clear_error();
	if ((*p8 = PKCS8_decrypt(sig, pass, (int)strlen(pass))) == NULL) {
		if (pem_is_badpass(ERR_peek_error())) {
			pem_set_cause(cause, "private key: wrong passphrase");
			ret = PEM_KEY_BADPASS;
		} else
			pem_set_cause(cause, "private key: cannot decrypt (%s)",
			    pem_ssl_reason());
		goto out;
	}
	ret = 0;
out:
	X509_SIG_free(sig);
	return (ret);
}

/*
 * Decode (and decrypt) a private key block.  Returns 0, -1,
 * PEM_KEY_NEEDPASS or PEM_KEY_BADPASS.
 */
static int
pem_key_decode(struct pem_block *b, const char *pass, EVP_PKEY **pkp,
    char **cause)
{
	EVP_CIPHER_INFO		 cipher;
	const unsigned char	*p;
	PKCS8_PRIV_KEY_INFO	*p8 = NULL;
	EVP_PKEY		*pk = NULL;
	int			 decrypted = 0, ret = -1;

	*pkp = NULL;
	memset(&cipher, 0, sizeof cipher);
	if (!PEM_get_EVP_CIPHER_INFO(b->header, &cipher)) {
		pem_set_cause(cause, "private key: bad encryption header (%s)",
		    pem_ssl_reason());
		goto out;
	}
	if (cipher.cipher != NULL) {
		if (pass == NULL) {
			pem_set_cause(cause, "private key: encrypted, "
			    "passphrase needed");
			ret = PEM_KEY_NEEDPASS;
			goto out;
		}
		if (!PEM_do_header(&cipher, b->data, &b->len, pem_pass_cb,
		    (void *)pass)) {
			pem_set_cause(cause, "private key: wrong passphrase");
			ret = PEM_KEY_BADPASS;
			goto out;
		}
		decrypted = 1;
	}

	p = b->data;
	if (strcmp(b->name, PEM_STRING_PKCS8) == 0) {
		if ((ret = pem_pkcs8_decrypt(b, pass, &p8, cause)) != 0)
			goto out;
		ret = -1;
		decrypted = 1;
		pk = EVP_PKCS82PKEY(p8);
	} else if (strcmp(b->name, PEM_STRING_PKCS8INF) == 0) {
		p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, b->len);
		if (p8 != NULL && p == b->data + b->len)
			pk = EVP_PKCS82PKEY(p8);
	} else if (strcmp(b->name, PEM_STRING_RSA) == 0) {
		pk = d2i_PrivateKey(EVP_PKEY_RSA, NULL, &p, b->len);
		if (pk != NULL && p != b->data + b->len) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
	} else if (strcmp(b->name, PEM_STRING_ECPRIVATEKEY) == 0) {
		pk = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, b->len);
		if (pk != NULL && p != b->data + b->len) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
	}
	if (pk == NULL) {
		if (decrypted && strcmp(b->name, PEM_STRING_PKCS8) != 0) {
			/* Garbage out of a wrong key, lucky padding. */
			pem_set_cause(cause, "private key: wrong passphrase");
			ret = PEM_KEY_BADPASS;
		} else {
			pem_set_cause(cause, "private key: malformed key (%s)",
			    pem_ssl_reason());
		}
		goto out;
	}
	if (pem_pkey_supported(pk, cause) != 0)
		goto out;
	*pkp = pk;
	pk = NULL;
	ret = 0;

out:
	EVP_PKEY_free(pk);
	PKCS8_PRIV_KEY_INFO_free(p8);
	OPENSSL_cleanse(&cipher, sizeof cipher);
	ERR_clear_error();
	return (ret);
}

int
pem_key_parse(const char *buf, size_t len, const char *pass,
    struct pem_key **keyp, char **cause)
{
	BIO			*bio = NULL;
	struct pem_block	 b, kb;
	struct pem_key		*key;
	EVP_PKEY		*pk;
	unsigned int		 block;
	size_t			 nlen;
	char			 label[48];
	int			 r, ret = -1;

	*keyp = NULL;
	memset(&kb, 0, sizeof kb);
	ERR_clear_error();
	if (pem_check_size("private key", len, cause) != 0)
		return (-1);
	if (pass != NULL && strnlen(pass, PEM_MAX_PASS + 1) > PEM_MAX_PASS) {
		pem_set_cause(cause, "private key: passphrase too long (over "
		    "%d bytes)", PEM_MAX_PASS);
		return (-1);
	}
	if ((bio = pem_mem_bio("private key", buf, len, cause)) == NULL)
		return (-1);

	for (block = 1; /* nothing */; block++) {
		if ((r = pem_next_block(bio, 1, &b)) == 0)
			break;
		if (r == -1) {
			pem_set_cause(cause, "private key: PEM block %u is "
			    "malformed (%s)", block, pem_ssl_reason());
			goto out;
		}
		nlen = strlen(b.name);
		if (nlen < 11 || strcmp(b.name + nlen - 11,
		    "PRIVATE KEY") != 0) {
			pem_block_clear(&b);	/* a certificate, say */
			continue;
		}
		if (strcmp(b.name, PEM_STRING_PKCS8) != 0 &&
		    strcmp(b.name, PEM_STRING_PKCS8INF) != 0 &&
		    strcmp(b.name, PEM_STRING_RSA) != 0 &&
		    strcmp(b.name, PEM_STRING_ECPRIVATEKEY) != 0) {
			pem_label(b.name, label, sizeof label);
			pem_set_cause(cause, "private key: \"%s\" is not a "
			    "supported format (PKCS#1, SEC1 or PKCS#8 expected)",
			    label);
			pem_block_clear(&b);
			goto out;
		}
		if (kb.name != NULL) {
			pem_set_cause(cause, "private key: more than one "
			    "private key");
			pem_block_clear(&b);
			goto out;
		}
		kb = b;
	}
	if (kb.name == NULL) {
		if (pem_is_der(buf, len)) {
			pem_set_cause(cause, "private key: DER data, PEM "
			    "expected");
		} else {
			pem_set_cause(cause, "private key: no PEM private key "
			    "found");
		}
		goto out;
	}

	if ((ret = pem_key_decode(&kb, pass, &pk, cause)) != 0)
		goto out;
	key = xcalloc(1, sizeof *key);
	key->pkey = pk;
	key->type = pem_pkey_type(pk);
	*keyp = key;
	ret = 0;

out:
	pem_block_clear(&kb);
	BIO_free(bio);
	ERR_clear_error();
	return (ret);
}

void
pem_key_free(struct pem_key *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	free(key);
}

const char *
pem_key_type(const struct pem_key *key)
{
	return (key->type);
}

int
pem_key_match_cert(const struct pem_key *key, const char *buf, size_t len,
    char **cause)
{
	struct pem_cert	 c;
	EVP_PKEY	*pub;
	int		 r;

	if (pem_read_first_cert("certificate", buf, len, &c, cause) != 0)
		return (-1);
	if ((pub = X509_get0_pubkey(c.x509)) == NULL) {
		pem_set_cause(cause, "certificate: unreadable public key (%s)",
		    pem_ssl_reason());
		pem_cert_clear(&c);
		return (-1);
	}
	r = EVP_PKEY_eq(pub, key->pkey);
	pem_cert_clear(&c);
	ERR_clear_error();
	if (r != 1) {
		pem_set_cause(cause, "private key does not match the "
		    "certificate");
		return (-1);
	}
	return (0);
}

static int
pem_key_write(const EVP_PKEY *pk, const char *pass, char **out,
    size_t *outlen, char **cause)
{
	BIO	*bio;
	char	*data;
	long	 n;
	int	 r;

	*out = NULL;
	*outlen = 0;
	ERR_clear_error();
	if ((bio = BIO_new(BIO_s_secmem())) == NULL) {
		pem_set_cause(cause, "private key: %s", pem_ssl_reason());
		return (-1);
	}
	if (pass != NULL) {
		r = PEM_write_bio_PKCS8PrivateKey(bio, pk, EVP_aes_256_cbc(),
		    pass, (int)strlen(pass), NULL, NULL);
	} else
		r = PEM_write_bio_PKCS8PrivateKey(bio, pk, NULL, NULL, 0, NULL,
		    NULL);
	if (r != 1 || (n = BIO_get_mem_data(bio, &data)) <= 0) {
		pem_set_cause(cause, "private key: cannot encode (%s)",
		    pem_ssl_reason());
		BIO_free(bio);
		return (-1);
	}
	*out = xmalloc((size_t)n + 1);
	memcpy(*out, data, n);
	(*out)[n] = '\0';
	*outlen = n;
	BIO_free(bio);		/* secure memory BIO: cleansed */
	ERR_clear_error();
	return (0);
}

int
pem_key_to_pkcs8(const struct pem_key *key, char **out, size_t *outlen,
    char **cause)
{
	return (pem_key_write(key->pkey, NULL, out, outlen, cause));
}

int
pem_key_to_pkcs8_encrypted(const struct pem_key *key, const char *pass,
    char **out, size_t *outlen, char **cause)
{
	size_t	len;

	*out = NULL;
	*outlen = 0;
	len = (pass == NULL) ? 0 : strnlen(pass, PEM_MAX_PASS + 1);
	if (len == 0) {
		pem_set_cause(cause, "private key: empty passphrase");
		return (-1);
	}
	if (len > PEM_MAX_PASS) {
		pem_set_cause(cause, "private key: passphrase too long (over "
		    "%d bytes)", PEM_MAX_PASS);
		return (-1);
	}
	return (pem_key_write(key->pkey, pass, out, outlen, cause));
}

int
pem_key_decrypt(const char *buf, size_t len, const char *pass, char **out,
    size_t *outlen, char **cause)
{
	struct pem_key	*key;
	int		 r;

	*out = NULL;
	*outlen = 0;
	if ((r = pem_key_parse(buf, len, pass, &key, cause)) != 0)
		return (r);
	r = pem_key_to_pkcs8(key, out, outlen, cause);
	pem_key_free(key);
	return (r);
}

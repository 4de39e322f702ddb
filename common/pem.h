/*
 * PEM and X.509 helpers: certificate bundles (leaf and chain), certificate
 * details, private keys.  OpenSSL stays inside pem.c; nothing here needs
 * an OpenSSL header.
 *
 * Every function taking a buffer takes its length and never reads past it;
 * buffers need not be NUL-terminated.  Inputs over PEM_MAX_INPUT are
 * refused.  Functions return 0 on success and -1 (or a PEM_KEY_* code) on
 * failure, with *cause set to an allocated, human-readable reason the
 * caller frees.  A cause never contains key material or passphrases.
 */
#ifndef ACMD_PEM_H
#define ACMD_PEM_H

#include <stddef.h>
#include <time.h>

#define PEM_MAX_INPUT		(1024 * 1024)	/* bytes in one buffer */
#define PEM_MAX_CERTS		10	/* certificates in a bundle */
#define PEM_MAX_SANS		1024	/* subject alternative names */
#define PEM_MAX_PASS		1023	/* passphrase length */

#define PEM_SHA256_HEXLEN	64
#define PEM_SHA1_HEXLEN		40

/*
 * A certificate bundle split into leaf and chain.  Both strings are
 * normalised PEM (OpenSSL's 64-column encoding, each block ending with a
 * newline), NUL-terminated, owned by the bundle.
 */
struct pem_bundle {
	char		*leaf;		/* the leaf certificate */
	char		*chain;		/* issuer of the leaf first; "" if none */
	unsigned int	 nchain;	/* certificates in chain */
	/*
	 * Certificates that are not on the leaf's issuer path (another leaf,
	 * an unrelated or a second cross-signed CA).  They are appended to
	 * chain after the path in input order; the caller may warn.
	 */
	unsigned int	 nunlinked;
};

/*
 * Split certificates into leaf and chain.  buf holds one or more PEM
 * certificates in any order with any text between blocks (certbot's
 * fullchain.pem, openssl s_client output); chainbuf (may be NULL with
 * chainlen 0) holds more, e.g. certbot's chain.pem.  Duplicates are merged.
 * The leaf is the certificate that issued none of the others (the first
 * such if several); the chain follows issuers from the leaf up to the
 * root.  Refused: no certificate in buf, a PEM block that is not a
 * certificate, malformed PEM or DER, more than PEM_MAX_CERTS certificates.
 */
int	 pem_bundle_parse(const char *, size_t, const char *, size_t,
	     struct pem_bundle **, char **);
void	 pem_bundle_free(struct pem_bundle *);

enum pem_san_type {
	PEM_SAN_DNS,
	PEM_SAN_IP,
	PEM_SAN_EMAIL,
};

struct pem_san {
	enum pem_san_type	 type;
	char			*value;	/* "www.example.com", "192.0.2.1" */
};

/*
 * Details of one certificate.  Strings are printable ASCII: control and
 * non-ASCII bytes appear as \XX escapes (RFC 2253 style).
 */
struct pem_certinfo {
	char		*cn;		/* subject CN; "" if none */
	char		*subject;	/* RFC 2253: "CN=a.example,O=Org,C=US" */
	char		*issuer;	/* RFC 2253 */
	struct pem_san	*sans;		/* DNS, IP and email, in cert order */
	unsigned int	 nsans;
	/*
	 * Serial as ACM shows it: the big-endian magnitude in lowercase hex
	 * pairs separated by colons, without DER's 00 sign byte
	 * ("0a:1b:2c", "e8:cb:d2"); "-" prefixed if (invalidly) negative.
	 */
	char		*serial;
	time_t		 not_before;
	time_t		 not_after;
	/*
	 * ACM key algorithm name: "RSA_1024", "RSA_2048", "RSA_3072",
	 * "RSA_4096", "EC_prime256v1", "EC_secp384r1", "EC_secp521r1" or
	 * "UNKNOWN".  Static string.
	 */
	const char	*key_type;
	/* Of the DER encoding, lowercase hex, no separators. */
	char		 sha256[PEM_SHA256_HEXLEN + 1];	/* the identity */
	char		 sha1[PEM_SHA1_HEXLEN + 1];
	int		 self_signed;	/* issuer is subject, signature checks */
	int		 is_ca;		/* basicConstraints CA:TRUE */
};

/* Details of the first PEM certificate in a buffer. */
int	 pem_certinfo_parse(const char *, size_t, struct pem_certinfo **,
	     char **);
void	 pem_certinfo_free(struct pem_certinfo *);
/* SHA-256 fingerprint of the first PEM certificate; out holds 65 bytes. */
int	 pem_cert_fingerprint(const char *, size_t,
	     char [PEM_SHA256_HEXLEN + 1], char **);

/*
 * Whole days from now until not_after, rounded down: 0 on the last day,
 * negative once expired (-1 from the first second after not_after).
 */
long long pem_days_left(time_t, time_t);

/*
 * Private keys.  Supported: RSA 1024, 2048, 3072, 4096 bits; EC P-256,
 * P-384, P-521; read from PKCS#1 ("RSA PRIVATE KEY"), SEC1 ("EC PRIVATE
 * KEY"), both optionally encrypted with a Proc-Type header, and PKCS#8
 * plain or encrypted.  Other PEM blocks in the buffer (a certificate in a
 * combined file) are skipped; more than one key is refused.
 */
struct pem_key;

#define PEM_KEY_NEEDPASS	-2	/* encrypted and no passphrase given */
#define PEM_KEY_BADPASS		-3	/* passphrase does not decrypt it */

/*
 * Parse a key.  pass is a NUL-terminated passphrase or NULL; it is used
 * only if the key is encrypted.  Returns 0, -1 (not a key, malformed,
 * unsupported), PEM_KEY_NEEDPASS or PEM_KEY_BADPASS; cause is set for all
 * but 0.
 */
int	 pem_key_parse(const char *, size_t, const char *, struct pem_key **,
	     char **);
void	 pem_key_free(struct pem_key *);
/* ACM key algorithm name as in pem_certinfo; lives as long as the key. */
const char *pem_key_type(const struct pem_key *);
/* 0 if the key is the private half of the first certificate in buf. */
int	 pem_key_match_cert(const struct pem_key *, const char *, size_t,
	     char **);
/*
 * Serialise as PKCS#8 PEM, plain or encrypted with pass (AES-256-CBC,
 * PBKDF2-HMAC-SHA256; pass must not be empty).  *out is NUL-terminated,
 * *outlen excludes the NUL; free with xfree_secret(*out, *outlen).
 */
int	 pem_key_to_pkcs8(const struct pem_key *, char **, size_t *, char **);
int	 pem_key_to_pkcs8_encrypted(const struct pem_key *, const char *,
	     char **, size_t *, char **);
/*
 * Decrypt an encrypted key (as ACM ExportCertificate returns it) to plain
 * PKCS#8 PEM.  Same returns as pem_key_parse, same output rules as
 * pem_key_to_pkcs8.
 */
int	 pem_key_decrypt(const char *, size_t, const char *, char **, size_t *,
	     char **);

#endif

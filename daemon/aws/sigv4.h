/*
 * AWS Signature Version 4 (header signing), matching botocore's SigV4Auth
 * for every service but S3 (the path is normalised and URI-encoded once
 * more; the payload is always hashed).
 */
#ifndef ACMD_SIGV4_H
#define ACMD_SIGV4_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SIGV4_KEY_LEN		32
#define SIGV4_EMPTY_SHA256	\
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

struct sigv4_header {
	const char	*name;
	const char	*value;
};

/* Add and sign X-Amz-Content-SHA256 (the payload's hash). */
#define SIGV4_CONTENT_SHA256	0x1

struct sigv4_request {
	const char		*method;
	/*
	 * The path exactly as it goes on the request line ("/" or
	 * "/2013-04-01/hostedzone/Z1/rrset"); percent signs in it are
	 * encoded again, as AWS wants for every service but S3.
	 */
	const char		*path;
	/*
	 * The query string as it goes on the wire, without '?', or NULL.
	 * Every name and value must already be encoded the AWS way
	 * (sigv4_query_build and sigv4_uri_encode do that).
	 */
	const char		*query;
	/* Must include Host. Date is refused (use X-Amz-Date). */
	const struct sigv4_header *headers;
	size_t			 nheaders;
	const void		*body;
	size_t			 bodylen;
	int			 flags;
};

struct sigv4_creds {
	const char	*access_key;
	const char	*secret_key;
	const char	*session_token;		/* NULL if none */
};

/*
 * Headers to set on the request, replacing any of the same name the
 * request already has. NULL members are not to be set.
 */
struct sigv4_result {
	char		*amz_date;		/* X-Amz-Date */
	char		*content_sha256;	/* X-Amz-Content-SHA256 */
	char		*security_token;	/* X-Amz-Security-Token */
	char		*authorization;		/* Authorization */
};

/* Query string parameter, not encoded. */
struct sigv4_param {
	const char	*name;
	const char	*value;			/* NULL is the same as "" */
};

int	 sigv4_sign(const struct sigv4_request *, const struct sigv4_creds *,
	     const char *, const char *, time_t, struct sigv4_result *,
	     char **);
void	 sigv4_result_clear(struct sigv4_result *);

char	*sigv4_uri_encode(const char *, int);
char	*sigv4_query_build(const struct sigv4_param *, size_t);
int	 sigv4_canonical_query(const char *, char **, char **);
char	*sigv4_canonical_path(const char *);
int	 sigv4_signing_key(const char *, const char *, const char *,
	     const char *, uint8_t [SIGV4_KEY_LEN]);
void	 sigv4_sha256_hex(const void *, size_t, char [65]);

#endif

/*
 * AWS Signature Version 4, header form.
 *
 * This follows botocore's SigV4Auth (botocore/auth.py) rather than the
 * prose of the specification where the two could differ:
 *
 * - the path is normalised like botocore's remove_dot_segments (empty and
 *   "." segments dropped, ".." pops, a trailing slash kept only if a
 *   segment is left) and then encoded with '/' and the unreserved
 *   characters kept, so an already encoded path is encoded twice;
 * - the query is split on '&' and at the first '=' and the pairs sorted
 *   by name, then value; it is not re-encoded, so it must already be in
 *   canonical form, which is checked;
 * - every header is signed except Expect, User-Agent and X-Amzn-Trace-Id;
 *   names are lower-cased, values trimmed with runs of blanks made one
 *   space, repeated names joined with ',' in the order given;
 * - a caller's X-Amz-Content-SHA256 is used as the payload hash; a
 *   caller's Authorization and X-Amz-Date (and X-Amz-Security-Token when
 *   signing with a session token) are replaced, so not signed as given.
 *
 * Refused where botocore would sign: no Host header (botocore takes it
 * from the URL), a Date header (botocore then signs Date instead of
 * X-Amz-Date), header values with anything but visible ASCII, space and
 * tab (botocore folds newlines and Unicode spaces), header names that are
 * not HTTP tokens, paths with '?', '#' or control characters, and queries
 * not in canonical encoding or with an empty name.
 */

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "log.h"
#include "xmalloc.h"
#include "sigv4.h"

#define SIGV4_ALGORITHM	"AWS4-HMAC-SHA256"
#define SIGV4_TERMINATOR "aws4_request"

struct sigv4_hdr {
	char		*name;		/* lower case */
	const char	*value;
	size_t		 idx;		/* order given, for a stable sort */
};

struct sigv4_pair {
	const char	*key;
	size_t		 keylen;
	const char	*value;
	size_t		 valuelen;
	char		*owned;		/* freed with the pair */
};

static const char *sigv4_unsigned[] = {
	"expect",
	"user-agent",
	"x-amzn-trace-id",
};

static int
sigv4_unreserved(int c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == '~');
}

static int
sigv4_tchar(int c)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
sigv4_hexdigit(int c)
{
	return ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
}

static void
sigv4_hex(const uint8_t *in, size_t len, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[i * 2] = digits[in[i] >> 4];
		out[i * 2 + 1] = digits[in[i] & 0xf];
	}
	out[len * 2] = '\0';
}

void
sigv4_sha256_hex(const void *data, size_t len, char out[65])
{
	uint8_t		md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0;

	if (data == NULL)
		data = "";
	if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != 32)
		fatalx("sigv4: sha256 failed");
	sigv4_hex(md, mdlen, out);
}

/* Encode like Python's quote(s, safe='/~') or quote(s, safe='-_.~'). */
char *
sigv4_uri_encode(const char *s, int encode_slash)
{
	static const char	 digits[] = "0123456789ABCDEF";
	const unsigned char	*cp;
	char			*out, *op;

	out = op = xreallocarray(NULL, strlen(s) + 1, 3);
	for (cp = (const unsigned char *)s; *cp != '\0'; cp++) {
		if (sigv4_unreserved(*cp) || (*cp == '/' && !encode_slash))
			*op++ = *cp;
		else {
			*op++ = '%';
			*op++ = digits[*cp >> 4];
			*op++ = digits[*cp & 0xf];
		}
	}
	*op = '\0';
	return (out);
}

static int
sigv4_pair_cmp(const void *a0, const void *b0)
{
	const struct sigv4_pair	*a = a0, *b = b0;
	size_t			 n;
	int			 r;

	n = a->keylen < b->keylen ? a->keylen : b->keylen;
	if ((r = memcmp(a->key, b->key, n)) != 0)
		return (r);
	if (a->keylen != b->keylen)
		return (a->keylen < b->keylen ? -1 : 1);
	n = a->valuelen < b->valuelen ? a->valuelen : b->valuelen;
	if ((r = memcmp(a->value, b->value, n)) != 0)
		return (r);
	if (a->valuelen != b->valuelen)
		return (a->valuelen < b->valuelen ? -1 : 1);
	return (0);
}

static char *
sigv4_pairs_join(struct sigv4_pair *pairs, size_t n)
{
	char	*out, *op;
	size_t	 i, len = 1;

	qsort(pairs, n, sizeof *pairs, sigv4_pair_cmp);
	for (i = 0; i < n; i++)
		len += pairs[i].keylen + pairs[i].valuelen + 2;
	out = op = xmalloc(len);
	for (i = 0; i < n; i++) {
		if (i != 0)
			*op++ = '&';
		memcpy(op, pairs[i].key, pairs[i].keylen);
		op += pairs[i].keylen;
		*op++ = '=';
		memcpy(op, pairs[i].value, pairs[i].valuelen);
		op += pairs[i].valuelen;
	}
	*op = '\0';
	return (out);
}

/*
 * Build a query string from unencoded parameters: names and values
 * encoded, sorted. It is both what to send and its canonical form.
 */
char *
sigv4_query_build(const struct sigv4_param *params, size_t n)
{
	struct sigv4_pair	*pairs;
	char			*key, *value, *out;
	size_t			 i;

	pairs = xcalloc(n == 0 ? 1 : n, sizeof *pairs);
	for (i = 0; i < n; i++) {
		key = sigv4_uri_encode(params[i].name, 1);
		value = sigv4_uri_encode(params[i].value == NULL ? "" :
		    params[i].value, 1);
		pairs[i].keylen = strlen(key);
		pairs[i].valuelen = strlen(value);
		xasprintf(&pairs[i].owned, "%s%s", key, value);
		pairs[i].key = pairs[i].owned;
		pairs[i].value = pairs[i].owned + pairs[i].keylen;
		free(key);
		free(value);
	}
	out = sigv4_pairs_join(pairs, n);
	for (i = 0; i < n; i++)
		free(pairs[i].owned);
	free(pairs);
	return (out);
}

/* Is this name or value already in AWS's canonical encoding? */
static int
sigv4_canonical_part(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		if (sigv4_unreserved((unsigned char)s[i]))
			continue;
		if (s[i] != '%' || i + 2 >= len ||
		    !sigv4_hexdigit((unsigned char)s[i + 1]) ||
		    !sigv4_hexdigit((unsigned char)s[i + 2]))
			return (0);
		i += 2;
	}
	return (1);
}

/*
 * The canonical query string for a query as sent. A parameter without
 * '=' has an empty value. Names and values must be encoded already.
 */
int
sigv4_canonical_query(const char *query, char **out, char **cause)
{
	struct sigv4_pair	*pairs;
	const char		*cp, *end, *eq;
	size_t			 n, i;

	*out = NULL;
	if (query == NULL || *query == '\0') {
		*out = xstrdup("");
		return (0);
	}

	n = 1;
	for (cp = query; *cp != '\0'; cp++) {
		if (*cp == '&')
			n++;
	}
	pairs = xcalloc(n, sizeof *pairs);

	cp = query;
	for (i = 0; i < n; i++) {
		if ((end = strchr(cp, '&')) == NULL)
			end = cp + strlen(cp);
		eq = memchr(cp, '=', end - cp);
		pairs[i].key = cp;
		if (eq == NULL) {
			pairs[i].keylen = end - cp;
			pairs[i].value = end;
			pairs[i].valuelen = 0;
		} else {
			pairs[i].keylen = eq - cp;
			pairs[i].value = eq + 1;
			pairs[i].valuelen = end - (eq + 1);
		}
		if (pairs[i].keylen == 0) {
			xasprintf(cause, "query has an empty parameter name");
			goto fail;
		}
		if (!sigv4_canonical_part(pairs[i].key, pairs[i].keylen) ||
		    !sigv4_canonical_part(pairs[i].value, pairs[i].valuelen)) {
			xasprintf(cause, "query parameter %.*s is not encoded",
			    (int)pairs[i].keylen, pairs[i].key);
			goto fail;
		}
		cp = end + 1;
	}

	*out = sigv4_pairs_join(pairs, n);
	free(pairs);
	return (0);

fail:
	free(pairs);
	return (-1);
}

/*
 * Normalise the path as botocore's remove_dot_segments does and encode
 * it, keeping '/'.
 */
char *
sigv4_canonical_path(const char *path)
{
	const char	**segs;
	const char	 *cp, *end;
	size_t		 *lens, n, nsegs, i, len, pathlen;
	char		 *norm, *np, *out;

	pathlen = strlen(path);
	if (pathlen == 0)
		return (xstrdup("/"));

	n = 1;
	for (cp = path; *cp != '\0'; cp++) {
		if (*cp == '/')
			n++;
	}
	segs = xcalloc(n, sizeof *segs);
	lens = xcalloc(n, sizeof *lens);

	nsegs = 0;
	cp = path;
	for (;;) {
		if ((end = strchr(cp, '/')) == NULL)
			end = cp + strlen(cp);
		len = end - cp;
		if (len == 2 && cp[0] == '.' && cp[1] == '.') {
			if (nsegs > 0)
				nsegs--;
		} else if (len != 0 && !(len == 1 && cp[0] == '.')) {
			segs[nsegs] = cp;
			lens[nsegs] = len;
			nsegs++;
		}
		if (*end == '\0')
			break;
		cp = end + 1;
	}

	norm = np = xmalloc(pathlen + 2);
	if (path[0] == '/')
		*np++ = '/';
	for (i = 0; i < nsegs; i++) {
		if (i != 0)
			*np++ = '/';
		memcpy(np, segs[i], lens[i]);
		np += lens[i];
	}
	if (path[pathlen - 1] == '/' && nsegs != 0)
		*np++ = '/';
	*np = '\0';

	out = sigv4_uri_encode(norm, 0);
	free(norm);
	free(lens);
	free(segs);
	return (out);
}

static int
sigv4_hmac(const void *key, size_t keylen, const char *msg,
    uint8_t out[SIGV4_KEY_LEN])
{
	unsigned int	len = 0;

	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
	    strlen(msg), out, &len) == NULL || len != SIGV4_KEY_LEN)
		return (-1);
	return (0);
}

/* Derive the signing key; date is YYYYMMDD. */
int
sigv4_signing_key(const char *secret, const char *date, const char *region,
    const char *service, uint8_t out[SIGV4_KEY_LEN])
{
	uint8_t	 k1[SIGV4_KEY_LEN], k2[SIGV4_KEY_LEN];
	char	*kin;
	size_t	 kinlen;
	int	 r = -1;

	kinlen = strlen(secret) + 4;
	kin = xmalloc(kinlen + 1);
	memcpy(kin, "AWS4", 4);
	memcpy(kin + 4, secret, kinlen - 4 + 1);

	if (sigv4_hmac(kin, kinlen, date, k1) != 0 ||
	    sigv4_hmac(k1, sizeof k1, region, k2) != 0 ||
	    sigv4_hmac(k2, sizeof k2, service, k1) != 0 ||
	    sigv4_hmac(k1, sizeof k1, SIGV4_TERMINATOR, out) != 0)
		goto out;
	r = 0;

out:
	if (r != 0)
		OPENSSL_cleanse(out, SIGV4_KEY_LEN);
	OPENSSL_cleanse(k1, sizeof k1);
	OPENSSL_cleanse(k2, sizeof k2);
	xfree_secret(kin, kinlen);
	return (r);
}

static int
sigv4_hdr_cmp(const void *a0, const void *b0)
{
	const struct sigv4_hdr	*a = a0, *b = b0;
	int			 r;

	if ((r = strcmp(a->name, b->name)) != 0)
		return (r);
	if (a->idx != b->idx)
		return (a->idx < b->idx ? -1 : 1);
	return (0);
}

/* Header value: visible ASCII, space and tab only. */
static int
sigv4_check_value(const char *value)
{
	const unsigned char	*cp;

	for (cp = (const unsigned char *)value; *cp != '\0'; cp++) {
		if (*cp != '\t' && (*cp < 0x20 || *cp > 0x7e))
			return (-1);
	}
	return (0);
}

static int
sigv4_check_token(const char *s)
{
	const unsigned char	*cp;

	if (*s == '\0')
		return (-1);
	for (cp = (const unsigned char *)s; *cp != '\0'; cp++) {
		if (!sigv4_tchar(*cp))
			return (-1);
	}
	return (0);
}

/* Value trimmed, runs of blanks made one space (Python's split/join). */
static void
sigv4_put_value(FILE *f, const char *value)
{
	const char	*cp = value;
	size_t		 len;
	int		 first = 1;

	for (;;) {
		cp += strspn(cp, " \t");
		if (*cp == '\0')
			break;
		len = strcspn(cp, " \t");
		if (!first)
			fputc(' ', f);
		fwrite(cp, 1, len, f);
		first = 0;
		cp += len;
	}
}

static char *
sigv4_lower(const char *s)
{
	char	*out, *cp;

	out = xstrdup(s);
	for (cp = out; *cp != '\0'; cp++)
		*cp = tolower((unsigned char)*cp);
	return (out);
}

static int
sigv4_is_unsigned(const char *lname)
{
	size_t	i;

	for (i = 0; i < sizeof sigv4_unsigned / sizeof sigv4_unsigned[0]; i++) {
		if (strcmp(lname, sigv4_unsigned[i]) == 0)
			return (1);
	}
	return (0);
}

static int
sigv4_check_request(const struct sigv4_request *req,
    const struct sigv4_creds *creds, const char *region, const char *service,
    char **cause)
{
	const unsigned char	*cp;

	if (req->method == NULL || sigv4_check_token(req->method) != 0) {
		xasprintf(cause, "bad method");
		return (-1);
	}
	if (req->path == NULL || req->path[0] != '/') {
		xasprintf(cause, "path must start with /");
		return (-1);
	}
	for (cp = (const unsigned char *)req->path; *cp != '\0'; cp++) {
		if (*cp < 0x20 || *cp == 0x7f || *cp == '?' || *cp == '#') {
			xasprintf(cause, "bad character in path");
			return (-1);
		}
	}
	if (req->nheaders != 0 && req->headers == NULL) {
		xasprintf(cause, "no headers");
		return (-1);
	}
	if (req->bodylen != 0 && req->body == NULL) {
		xasprintf(cause, "no body");
		return (-1);
	}
	if (creds == NULL || creds->access_key == NULL ||
	    *creds->access_key == '\0' || creds->secret_key == NULL ||
	    *creds->secret_key == '\0') {
		xasprintf(cause, "no credentials");
		return (-1);
	}
	if (sigv4_check_value(creds->access_key) != 0 ||
	    strchr(creds->access_key, '/') != NULL) {
		xasprintf(cause, "bad access key");
		return (-1);
	}
	if (creds->session_token != NULL &&
	    sigv4_check_value(creds->session_token) != 0) {
		xasprintf(cause, "bad session token");
		return (-1);
	}
	if (region == NULL || *region == '\0' || strchr(region, '/') != NULL ||
	    service == NULL || *service == '\0' ||
	    strchr(service, '/') != NULL) {
		xasprintf(cause, "bad region or service");
		return (-1);
	}
	return (0);
}

/* Collect the headers to sign, with ours added. */
static int
sigv4_headers(const struct sigv4_request *req, const char *token,
    const struct sigv4_result *res, struct sigv4_hdr **out, size_t *nout,
    const char **payload, char **cause)
{
	struct sigv4_hdr	*hdrs;
	const char		*name, *value;
	char			*lname;
	size_t			 i, n = 0;
	int			 host = 0;

	*payload = NULL;
	hdrs = xcalloc(req->nheaders + 3, sizeof *hdrs);
	for (i = 0; i < req->nheaders; i++) {
		name = req->headers[i].name;
		value = req->headers[i].value;
		if (name == NULL || sigv4_check_token(name) != 0) {
			xasprintf(cause, "bad header name");
			goto fail;
		}
		if (value == NULL || sigv4_check_value(value) != 0) {
			xasprintf(cause, "bad value for header %s", name);
			goto fail;
		}
		lname = sigv4_lower(name);
		if (strcmp(lname, "date") == 0) {
			xasprintf(cause, "date header not supported");
			free(lname);
			goto fail;
		}
		if (sigv4_is_unsigned(lname) ||
		    strcmp(lname, "authorization") == 0 ||
		    strcmp(lname, "x-amz-date") == 0 ||
		    (token != NULL &&
		    strcmp(lname, "x-amz-security-token") == 0) ||
		    (res->content_sha256 != NULL &&
		    strcmp(lname, "x-amz-content-sha256") == 0)) {
			free(lname);
			continue;
		}
		if (strcmp(lname, "host") == 0)
			host = 1;
		if (*payload == NULL &&
		    strcmp(lname, "x-amz-content-sha256") == 0)
			*payload = value;
		hdrs[n].name = lname;
		hdrs[n].value = value;
		hdrs[n].idx = n;
		n++;
	}
	if (!host) {
		xasprintf(cause, "no host header");
		goto fail;
	}

	hdrs[n].name = xstrdup("x-amz-date");
	hdrs[n].value = res->amz_date;
	hdrs[n].idx = n;
	n++;
	if (token != NULL) {
		hdrs[n].name = xstrdup("x-amz-security-token");
		hdrs[n].value = token;
		hdrs[n].idx = n;
		n++;
	}
	if (res->content_sha256 != NULL) {
		hdrs[n].name = xstrdup("x-amz-content-sha256");
		hdrs[n].value = res->content_sha256;
		hdrs[n].idx = n;
		n++;
		*payload = res->content_sha256;
	}

	qsort(hdrs, n, sizeof *hdrs, sigv4_hdr_cmp);
	*out = hdrs;
	*nout = n;
	return (0);

fail:
	for (i = 0; i < n; i++)
		free(hdrs[i].name);
	free(hdrs);
	return (-1);
}

static void
sigv4_hdrs_free(struct sigv4_hdr *hdrs, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(hdrs[i].name);
	free(hdrs);
}

/* Canonical headers (each line ending "\n") into f; signed list returned. */
static char *
sigv4_put_headers(FILE *f, const struct sigv4_hdr *hdrs, size_t n)
{
	FILE	*sf;
	char	*signed_headers = NULL;
	size_t	 i, len;

	if ((sf = open_memstream(&signed_headers, &len)) == NULL)
		return (NULL);
	for (i = 0; i < n; i++) {
		if (i != 0 && strcmp(hdrs[i].name, hdrs[i - 1].name) == 0) {
			fputc(',', f);
			sigv4_put_value(f, hdrs[i].value);
			continue;
		}
		if (i != 0) {
			fputc('\n', f);
			fputc(';', sf);
		}
		fprintf(f, "%s:", hdrs[i].name);
		sigv4_put_value(f, hdrs[i].value);
		fputs(hdrs[i].name, sf);
	}
	fputc('\n', f);
	if (ferror(sf)) {
		fclose(sf);
		free(signed_headers);
		return (NULL);
	}
	if (fclose(sf) != 0) {
		free(signed_headers);
		return (NULL);
	}
	return (signed_headers);
}

/* The canonical request, and the signed headers' names (to free). */
static int
sigv4_canonical_request(const struct sigv4_request *req,
    const struct sigv4_hdr *hdrs, size_t nhdrs, const char *payload,
    char **creq, size_t *creqlen, char **signed_headers, char **cause)
{
	FILE	*f = NULL;
	char	*path = NULL, *query = NULL, *method = NULL, *cp;
	int	 r = -1;

	*creq = NULL;
	if (sigv4_canonical_query(req->query, &query, cause) != 0)
		goto out;
	path = sigv4_canonical_path(req->path);
	method = xstrdup(req->method);
	for (cp = method; *cp != '\0'; cp++)
		*cp = toupper((unsigned char)*cp);
	if ((f = open_memstream(creq, creqlen)) == NULL) {
		xasprintf(cause, "open_memstream failed");
		goto out;
	}
	fprintf(f, "%s\n%s\n%s\n", method, path, query);
	if ((*signed_headers = sigv4_put_headers(f, hdrs, nhdrs)) == NULL) {
		xasprintf(cause, "out of memory");
		goto out;
	}
	fprintf(f, "\n%s\n%s", *signed_headers, payload);
	if (ferror(f)) {
		xasprintf(cause, "out of memory");
		goto out;
	}
	r = fclose(f);
	f = NULL;
	if (r != 0)
		xasprintf(cause, "out of memory");
out:
	if (f != NULL)
		fclose(f);
	if (r != 0) {
		free(*creq);
		*creq = NULL;
	}
	free(method);
	free(path);
	free(query);
	return (r);
}

int
sigv4_sign(const struct sigv4_request *req, const struct sigv4_creds *creds,
    const char *region, const char *service, time_t now,
    struct sigv4_result *res, char **cause)
{
	struct sigv4_hdr	*hdrs = NULL;
	struct tm		 tm;
	const char		*token = NULL, *payload;
	char			*creq = NULL, *sts = NULL;
	char			*signed_headers = NULL;
	char			 date[9], hash[65], body_hash[65], sig[65];
	uint8_t			 key[SIGV4_KEY_LEN], mac[SIGV4_KEY_LEN];
	size_t			 nhdrs = 0, creqlen = 0;
	int			 r = -1;

	memset(res, 0, sizeof *res);
	*cause = NULL;
	if (sigv4_check_request(req, creds, region, service, cause) != 0)
		return (-1);
	if (creds->session_token != NULL && *creds->session_token != '\0')
		token = creds->session_token;

	if (gmtime_r(&now, &tm) == NULL) {
		xasprintf(cause, "bad time");
		return (-1);
	}
	res->amz_date = xmalloc(17);
	if (strftime(res->amz_date, 17, "%Y%m%dT%H%M%SZ", &tm) != 16) {
		xasprintf(cause, "bad time");
		goto out;
	}
	memcpy(date, res->amz_date, 8);
	date[8] = '\0';

	sigv4_sha256_hex(req->body, req->bodylen, body_hash);
	if (req->flags & SIGV4_CONTENT_SHA256)
		res->content_sha256 = xstrdup(body_hash);

	if (sigv4_headers(req, token, res, &hdrs, &nhdrs, &payload,
	    cause) != 0)
		goto out;
	if (payload == NULL)
		payload = body_hash;
	if (sigv4_canonical_request(req, hdrs, nhdrs, payload, &creq, &creqlen,
	    &signed_headers, cause) != 0)
		goto out;

	/* The string to sign and the signature. */
	sigv4_sha256_hex(creq, creqlen, hash);
	xasprintf(&sts, "%s\n%s\n%s/%s/%s/%s\n%s", SIGV4_ALGORITHM,
	    res->amz_date, date, region, service, SIGV4_TERMINATOR, hash);
	if (sigv4_signing_key(creds->secret_key, date, region, service,
	    key) != 0 || sigv4_hmac(key, sizeof key, sts, mac) != 0) {
		xasprintf(cause, "hmac failed");
		goto out;
	}
	sigv4_hex(mac, sizeof mac, sig);

	xasprintf(&res->authorization,
	    "%s Credential=%s/%s/%s/%s/%s, SignedHeaders=%s, Signature=%s",
	    SIGV4_ALGORITHM, creds->access_key, date, region, service,
	    SIGV4_TERMINATOR, signed_headers, sig);
	if (token != NULL)
		res->security_token = xstrdup(token);
	r = 0;

out:
	OPENSSL_cleanse(key, sizeof key);
	OPENSSL_cleanse(mac, sizeof mac);
	free(creq);
	free(sts);
	free(signed_headers);
	sigv4_hdrs_free(hdrs, nhdrs);
	if (r != 0)
		sigv4_result_clear(res);
	return (r);
}

void
sigv4_result_clear(struct sigv4_result *res)
{
	if (res == NULL)
		return;
	free(res->amz_date);
	free(res->content_sha256);
	free(res->security_token);
	free(res->authorization);
	memset(res, 0, sizeof *res);
}

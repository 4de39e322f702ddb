/*
 * AWS error answers: JSON 1.1 (ACM, ACM PCA), query (IAM, STS) and
 * REST-XML (Route 53), parsed into struct aws_error and classified.
 *
 * The lists follow botocore's standard retry mode
 * (botocore/retries/standard.py) with one deliberate difference:
 * LimitExceededException, which botocore counts as throttling, is a quota
 * here and never retried.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "awserr.h"
#include "xmalloc.h"
#include "xml.h"

#define AWS_ERROR_MAX_CODE	128
#define AWS_ERROR_SNIPPET	80
#define AWS_ERROR_MAX_MESSAGES	32

/* ThrottledRetryableChecker._THROTTLED_ERROR_CODES, less the quota. */
static const char *const awserr_throttle[] = {
	"Throttling",
	"ThrottlingException",
	"ThrottledException",
	"RequestThrottledException",
	"TooManyRequestsException",
	"ProvisionedThroughputExceededException",
	"TransactionInProgressException",
	"RequestLimitExceeded",
	"BandwidthLimitExceeded",
	"RequestThrottled",
	"SlowDown",
	"PriorRequestNotComplete",	/* Route 53; also "transient" there */
	"EC2ThrottledException",
	NULL
};

/* A limit of the account is reached: retrying cannot help. */
static const char *const awserr_quota[] = {
	"LimitExceededException",	/* ACM, ACM PCA */
	"LimitExceeded",		/* IAM */
	"LimitsExceeded",		/* Route 53 */
	NULL
};

static const char *const awserr_auth[] = {
	"UnrecognizedClientException",
	"InvalidClientTokenId",
	"InvalidSignatureException",
	"SignatureDoesNotMatch",
	"ExpiredToken",
	"ExpiredTokenException",
	"AccessDenied",
	"AccessDeniedException",
	"IncompleteSignature",
	"MissingAuthenticationToken",
	"MissingAuthenticationTokenException",
	"InvalidAccessKeyId",
	"RequestExpired",
	"AuthFailure",
	NULL
};

/* TransientRetryableChecker._TRANSIENT_ERROR_CODES and server faults. */
static const char *const awserr_transient[] = {
	"RequestTimeout",
	"RequestTimeoutException",
	"InternalError",
	"InternalFailure",
	"InternalServiceError",
	"ServiceUnavailable",
	"ServiceUnavailableException",
	"ServiceFailure",		/* IAM, 500 */
	NULL
};

static int
awserr_in(const char *const *list, const char *code)
{
	for (; *list != NULL; list++) {
		if (strcmp(*list, code) == 0)
			return (1);
	}
	return (0);
}

enum aws_err_class
aws_error_classify(const char *code, long http_status)
{
	if (code != NULL && *code != '\0') {
		if (awserr_in(awserr_throttle, code))
			return (AWS_ERR_THROTTLE);
		if (awserr_in(awserr_quota, code))
			return (AWS_ERR_QUOTA);
		if (awserr_in(awserr_auth, code))
			return (AWS_ERR_AUTH);
		if (awserr_in(awserr_transient, code))
			return (AWS_ERR_TRANSIENT);
	}
	switch (http_status) {
	case 0:			/* no answer: timeout, reset */
	case 500:
	case 502:
	case 503:
	case 504:
		return (AWS_ERR_TRANSIENT);
	case 429:
	case 509:
		return (AWS_ERR_THROTTLE);
	case 401:
	case 403:
		if (code == NULL || *code == '\0')
			return (AWS_ERR_AUTH);
		break;
	}
	if (code != NULL && *code != '\0')
		return (AWS_ERR_CLIENT);
	if (http_status >= 200 && http_status < 400)
		return (AWS_ERR_NONE);
	return (AWS_ERR_CLIENT);
}

const char *
aws_err_class_name(enum aws_err_class cls)
{
	switch (cls) {
	case AWS_ERR_NONE:
		return ("none");
	case AWS_ERR_TRANSIENT:
		return ("transient");
	case AWS_ERR_THROTTLE:
		return ("throttle");
	case AWS_ERR_QUOTA:
		return ("quota");
	case AWS_ERR_AUTH:
		return ("auth");
	case AWS_ERR_CLIENT:
		return ("client");
	}
	return ("unknown");
}

void
aws_error_clear(struct aws_error *e)
{
	if (e == NULL)
		return;
	free(e->code);
	free(e->message);
	free(e->request_id);
	memset(e, 0, sizeof *e);
}

/*
 * A printable copy of len bytes of s, at most max bytes: control
 * characters become spaces, surrounding space is trimmed, and the cut
 * does not split a UTF-8 sequence.  With ascii, bytes over 0x7f become
 * '?' (for raw bodies, which may not be UTF-8).  NULL if nothing is left.
 */
static char *
awserr_clean(const char *s, size_t len, size_t max, int ascii)
{
	char		*out;
	unsigned char	 c;
	size_t		 i, n = 0, start, end;

	if (s == NULL)
		return (NULL);
	if (len > max) {
		len = max;
		while (!ascii && len > 0 &&
		    ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	out = xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c == '\0')
			break;
		if (c < 0x20 || c == 0x7f)
			c = ' ';
		else if (ascii && c > 0x7f)
			c = '?';
		out[n++] = c;
	}
	for (start = 0; start < n && out[start] == ' '; start++)
		/* nothing */;
	for (end = n; end > start && out[end - 1] == ' '; end--)
		/* nothing */;
	if (end == start) {
		free(out);
		return (NULL);
	}
	memmove(out, out + start, end - start);
	out[end - start] = '\0';
	return (out);
}

/*
 * An error code: "prefix#Code:suffix" gives "Code"; anything but letters,
 * digits, '.', '_' and '-' refuses the code.
 */
static char *
awserr_code(const char *s)
{
	const char	*p;
	size_t		 len, i;

	if (s == NULL)
		return (NULL);
	if ((p = strrchr(s, '#')) != NULL)
		s = p + 1;
	len = strcspn(s, ":");
	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	if (len == 0 || len > AWS_ERROR_MAX_CODE)
		return (NULL);
	for (i = 0; i < len; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return (NULL);
	}
	return (xstrndup(s, len));
}

static void
awserr_parse_json(const char *body, size_t len, struct aws_error *out)
{
	json_t		*root, *v;
	json_error_t	 jerr;
	const char	*s;

	if (body == NULL || len == 0)
		return;
	if ((root = json_loadb(body, len, 0, &jerr)) == NULL)
		return;
	if (json_is_object(root)) {
		if ((v = json_object_get(root, "__type")) != NULL &&
		    (s = json_string_value(v)) != NULL)
			out->code = awserr_code(s);
		if ((v = json_object_get(root, "message")) == NULL ||
		    !json_is_string(v))
			v = json_object_get(root, "Message");
		if ((s = json_string_value(v)) != NULL)
			out->message = awserr_clean(s, strlen(s),
			    AWS_ERROR_MAX_MESSAGE, 0);
	}
	json_decref(root);
}

/* Route 53's <InvalidChangeBatch><Messages><Message/>... joined. */
static char *
awserr_join_messages(const struct xml_node *list)
{
	const struct xml_node	*m;
	char			*joined = NULL, *tmp;
	size_t			 count = 0;

	for (m = xml_child(list, "Message"); m != NULL;
	    m = xml_next_named(m, "Message")) {
		if (*m->text == '\0')
			continue;
		if (count++ == AWS_ERROR_MAX_MESSAGES)
			break;
		if (joined == NULL)
			joined = xstrdup(m->text);
		else {
			xasprintf(&tmp, "%s; %s", joined, m->text);
			free(joined);
			joined = tmp;
		}
		if (strlen(joined) >= AWS_ERROR_MAX_MESSAGE)
			break;
	}
	if (joined == NULL)
		return (NULL);
	tmp = awserr_clean(joined, strlen(joined), AWS_ERROR_MAX_MESSAGE, 0);
	free(joined);
	return (tmp);
}

static void
awserr_parse_xml(const char *body, size_t len, struct aws_error *out)
{
	struct xml_node		*root;
	const struct xml_node	*err = NULL;
	const char		*s;
	char			*cause = NULL;

	if (body == NULL || len == 0)
		return;
	if (xml_parse(body, len, &root, &cause) != 0) {
		free(cause);
		return;
	}
	if (strcmp(root->name, "ErrorResponse") == 0)
		err = xml_child(root, "Error");
	else if (strcmp(root->name, "Error") == 0)
		err = root;
	else if (strcmp(root->name, "Response") == 0)
		err = xml_path(root, "Errors/Error");
	else if (strcmp(root->name, "InvalidChangeBatch") == 0) {
		out->code = xstrdup("InvalidChangeBatch");
		out->message = awserr_join_messages(xml_child(root,
		    "Messages"));
		if (out->message == NULL && (s = xml_text(root,
		    "Message")) != NULL)
			out->message = awserr_clean(s, strlen(s),
			    AWS_ERROR_MAX_MESSAGE, 0);
	}
	if (err != NULL) {
		out->code = awserr_code(xml_text(err, "Code"));
		if ((s = xml_text(err, "Message")) != NULL)
			out->message = awserr_clean(s, strlen(s),
			    AWS_ERROR_MAX_MESSAGE, 0);
	}
	if ((s = xml_text(root, "RequestId")) == NULL &&
	    (s = xml_text(root, "RequestID")) == NULL)
		s = xml_text(err, "RequestId");
	if (s != NULL)
		out->request_id = awserr_clean(s, strlen(s),
		    AWS_ERROR_MAX_CODE, 1);
	xml_free(root);
}

int
aws_error_parse(enum aws_protocol proto, long http_status, const char *body,
    size_t len, const char *hdr_error_type, const char *hdr_request_id,
    struct aws_error *out)
{
	char	*snippet, *id;
	int	 found;

	memset(out, 0, sizeof *out);
	out->http_status = http_status;
	if (body == NULL)
		len = 0;

	if (len <= AWS_ERROR_MAX_BODY) {
		switch (proto) {
		case AWS_PROTO_JSON:
			awserr_parse_json(body, len, out);
			break;
		case AWS_PROTO_QUERY:
		case AWS_PROTO_RESTXML:
			awserr_parse_xml(body, len, out);
			break;
		}
	}
	if (out->code == NULL)
		out->code = awserr_code(hdr_error_type);
	if (hdr_request_id != NULL &&
	    (id = awserr_clean(hdr_request_id, strlen(hdr_request_id),
	    AWS_ERROR_MAX_CODE, 1)) != NULL) {
		free(out->request_id);
		out->request_id = id;
	}

	found = (out->code != NULL);
	if (!found) {
		if (http_status >= 500 && http_status <= 599)
			out->code = xstrdup("InternalFailure");
		else
			xasprintf(&out->code, "HTTP%ld", http_status);
	}
	if (out->message == NULL) {
		if (found)
			xasprintf(&out->message, "no message (HTTP %ld)",
			    http_status);
		else if (len == 0)
			xasprintf(&out->message, "answer not understood: "
			    "HTTP %ld with an empty body", http_status);
		else {
			snippet = awserr_clean(body, len, AWS_ERROR_SNIPPET, 1);
			xasprintf(&out->message, "answer not understood: "
			    "HTTP %ld with %zu bytes%s%s%s", http_status, len,
			    snippet != NULL ? " beginning \"" : "",
			    snippet != NULL ? snippet : "",
			    snippet != NULL ? "\"" : "");
			free(snippet);
		}
	}
	out->cls = aws_error_classify(found ? out->code : NULL, http_status);
	return (found ? 0 : -1);
}

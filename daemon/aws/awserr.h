/*
 * AWS error answers, for the three protocols acmd speaks, parsed into one
 * type and classified for the retry logic (AWS SDK "standard" mode, except
 * that LimitExceededException is a quota and never retried).
 */
#ifndef ACMD_AWSERR_H
#define ACMD_AWSERR_H

#include <stddef.h>

enum aws_protocol {
	AWS_PROTO_JSON,		/* JSON 1.1: ACM, ACM PCA */
	AWS_PROTO_QUERY,	/* query with XML answers: IAM, STS */
	AWS_PROTO_RESTXML,	/* REST-XML: Route 53 */
};

enum aws_err_class {
	AWS_ERR_NONE,
	AWS_ERR_TRANSIENT,	/* 5xx, timeouts, resets: retry */
	AWS_ERR_THROTTLE,	/* throttling: retry with backoff */
	AWS_ERR_QUOTA,		/* a limit is reached: never retried */
	AWS_ERR_AUTH,		/* credentials, signature: never retried */
	AWS_ERR_CLIENT,		/* validation, not found: no retry */
};

/* Longest message kept; longer ones are cut. */
#define AWS_ERROR_MAX_MESSAGE	2048
/* Largest body looked at; larger ones are "not understood". */
#define AWS_ERROR_MAX_BODY	(1024 * 1024)

struct aws_error {
	char			*code;		/* set by parse */
	char			*message;	/* set by parse */
	long			 http_status;
	char			*request_id;	/* NULL if none */
	enum aws_err_class	 cls;
	int			 network;	/* no answer: refused, timed out, DNS, TLS */
};

/*
 * Parse the answer to a failed call.  hdr_error_type (x-amzn-ErrorType)
 * and hdr_request_id (x-amzn-RequestId) are the header values or NULL.
 * out is overwritten (not freed) and always filled: when no AWS error
 * code is found the code is "InternalFailure" for a 5xx status and
 * "HTTP<status>" otherwise, and the message says the answer was not
 * understood.  Returns 0 if an AWS error code was found, -1 if not.
 * Codes and messages are cleaned of control characters.
 */
int	 aws_error_parse(enum aws_protocol, long, const char *, size_t,
	     const char *, const char *, struct aws_error *);
/* Free the members and zero out; NULL is a no-op. */
void	 aws_error_clear(struct aws_error *);
/* Class of an error code (may be NULL) with its HTTP status (0: none). */
enum aws_err_class aws_error_classify(const char *, long);
/* "none", "transient", "throttle", "quota", "auth", "client". */
const char	*aws_err_class_name(enum aws_err_class);

#endif

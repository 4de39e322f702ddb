/* AWS error answers for JSON 1.1, query and REST-XML, and their classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "awserr.h"
#include "xmalloc.h"

struct want {
	int			 rc;
	const char		*code;
	const char		*message;	/* substring */
	const char		*request_id;	/* NULL: none */
	enum aws_err_class	 cls;
};

static void
check(enum aws_protocol proto, long status, const char *body,
    const char *hdr_type, const char *hdr_id, const struct want *w)
{
	struct aws_error	e;
	int			rc;

	rc = aws_error_parse(proto, status, body,
	    body == NULL ? 0 : strlen(body), hdr_type, hdr_id, &e);
	assert_int_equal(rc, w->rc);
	assert_non_null(e.code);
	assert_non_null(e.message);
	assert_string_equal(e.code, w->code);
	if (strstr(e.message, w->message) == NULL)
		fail_msg("message '%s' does not contain '%s'", e.message,
		    w->message);
	if (w->request_id == NULL)
		assert_null(e.request_id);
	else
		assert_string_equal(e.request_id, w->request_id);
	assert_int_equal(e.http_status, status);
	if (e.cls != w->cls)
		fail_msg("%s: class %s, want %s", e.code,
		    aws_err_class_name(e.cls), aws_err_class_name(w->cls));
	aws_error_clear(&e);
	assert_null(e.code);
	assert_null(e.message);
}

static void
test_json(void **state)
{
	const char	*id = "c6d2d1b6-1f0a-4a1a-9d6f-0b9e3c6c1d2e";

	check(AWS_PROTO_JSON, 400,
	    "{\"__type\":\"ResourceNotFoundException\",\"message\":"
	    "\"Could not find certificate arn:aws:acm:us-east-1:"
	    "123456789012:certificate/12345678-1234-1234-1234-123456789012."
	    "\"}", "ResourceNotFoundException:", id,
	    &(struct want){ 0, "ResourceNotFoundException",
	    "Could not find certificate arn:aws:acm:us-east-1", id,
	    AWS_ERR_CLIENT });
	check(AWS_PROTO_JSON, 400,
	    "{\"__type\":\"com.amazonaws.acm#LimitExceededException\","
	    "\"message\":\"Error: you have reached your limit of 2500 "
	    "certificates in the last year.\"}", NULL, id,
	    &(struct want){ 0, "LimitExceededException",
	    "limit of 2500 certificates", id, AWS_ERR_QUOTA });
	check(AWS_PROTO_JSON, 400,
	    "{\"__type\":\"ThrottlingException\",\"message\":"
	    "\"Rate exceeded\"}", NULL, NULL,
	    &(struct want){ 0, "ThrottlingException", "Rate exceeded", NULL,
	    AWS_ERR_THROTTLE });
	/* ACM PCA capitalises Message. */
	check(AWS_PROTO_JSON, 400,
	    "{\"__type\":\"com.amazonaws.acmpca#ResourceNotFoundException\","
	    "\"Message\":\"Could not find certificate authority arn:aws:"
	    "acm-pca:eu-west-1:123456789012:certificate-authority/"
	    "11111111-2222-3333-4444-555555555555.\"}", NULL, id,
	    &(struct want){ 0, "ResourceNotFoundException",
	    "Could not find certificate authority", id, AWS_ERR_CLIENT });
	check(AWS_PROTO_JSON, 400,
	    "{\"__type\":\"UnrecognizedClientException\",\"message\":"
	    "\"The security token included in the request is invalid.\"}",
	    NULL, id, &(struct want){ 0, "UnrecognizedClientException",
	    "security token", id, AWS_ERR_AUTH });
	check(AWS_PROTO_JSON, 400,
	    "{\"__type\":\"InvalidSignatureException\",\"message\":\"The "
	    "request signature we calculated does not match the signature "
	    "you provided.\"}", NULL, id,
	    &(struct want){ 0, "InvalidSignatureException",
	    "request signature", id, AWS_ERR_AUTH });
	check(AWS_PROTO_JSON, 400,
	    "{\"__type\":\"com.amazonaws.acmpca#RequestInProgressException\","
	    "\"Message\":\"The request is in progress.\"}", NULL, NULL,
	    &(struct want){ 0, "RequestInProgressException", "in progress",
	    NULL, AWS_ERR_CLIENT });
	/* Body without __type: the header gives the code. */
	check(AWS_PROTO_JSON, 400, "", "ThrottlingException:http://internal."
	    "amazon.com/coral/com.amazon.coral.availability/", id,
	    &(struct want){ 0, "ThrottlingException", "no message (HTTP 400)",
	    id, AWS_ERR_THROTTLE });
	check(AWS_PROTO_JSON, 400, "{\"message\":\"Rate exceeded\"}",
	    "ThrottlingException", NULL,
	    &(struct want){ 0, "ThrottlingException", "Rate exceeded", NULL,
	    AWS_ERR_THROTTLE });
	/* __type wins over the header. */
	check(AWS_PROTO_JSON, 400,
	    "{\"__type\":\"ValidationException\",\"message\":\"1 validation "
	    "error detected\"}", "SomethingElse", NULL,
	    &(struct want){ 0, "ValidationException", "1 validation error",
	    NULL, AWS_ERR_CLIENT });
	/* A 500 from the service. */
	check(AWS_PROTO_JSON, 500,
	    "{\"__type\":\"InternalFailure\",\"message\":\"\"}", NULL, id,
	    &(struct want){ 0, "InternalFailure", "no message (HTTP 500)", id,
	    AWS_ERR_TRANSIENT });
	/* JSON without any code. */
	check(AWS_PROTO_JSON, 400, "{\"message\":\"something\"}", NULL, NULL,
	    &(struct want){ -1, "HTTP400", "something", NULL,
	    AWS_ERR_CLIENT });
	/* Not an object, broken, wrong types. */
	check(AWS_PROTO_JSON, 400, "[1,2,3]", NULL, NULL,
	    &(struct want){ -1, "HTTP400", "answer not understood: HTTP 400",
	    NULL, AWS_ERR_CLIENT });
	check(AWS_PROTO_JSON, 400, "{\"__type\":", NULL, NULL,
	    &(struct want){ -1, "HTTP400", "answer not understood", NULL,
	    AWS_ERR_CLIENT });
	check(AWS_PROTO_JSON, 400, "{\"__type\":42,\"message\":[]}", NULL,
	    NULL, &(struct want){ -1, "HTTP400", "answer not understood",
	    NULL, AWS_ERR_CLIENT });
	/* A code with junk in it is not a code. */
	check(AWS_PROTO_JSON, 400, "{\"__type\":\"Bad Code\\n<x>\"}", NULL,
	    NULL, &(struct want){ -1, "HTTP400", "answer not understood",
	    NULL, AWS_ERR_CLIENT });
	/* Control characters in messages and ids are blanked. */
	check(AWS_PROTO_JSON, 400, "{\"__type\":\"ValidationException\","
	    "\"message\":\"line one\\nline\\u001btwo\"}", NULL, "id\r\n1",
	    &(struct want){ 0, "ValidationException", "line one line two",
	    "id  1", AWS_ERR_CLIENT });
}

static void
test_query(void **state)
{
	check(AWS_PROTO_QUERY, 404,
	    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
	    "\n  <Error>\n    <Type>Sender</Type>\n"
	    "    <Code>NoSuchEntity</Code>\n"
	    "    <Message>The Server Certificate with name ProdServerCert "
	    "cannot be found.</Message>\n  </Error>\n"
	    "  <RequestId>4e8a0cbc-5b3e-11e4-9b2e-EXAMPLE</RequestId>\n"
	    "</ErrorResponse>\n", NULL, NULL,
	    &(struct want){ 0, "NoSuchEntity", "ProdServerCert cannot be found",
	    "4e8a0cbc-5b3e-11e4-9b2e-EXAMPLE", AWS_ERR_CLIENT });
	check(AWS_PROTO_QUERY, 400,
	    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
	    "<Error><Type>Sender</Type><Code>Throttling</Code>"
	    "<Message>Rate exceeded</Message></Error>"
	    "<RequestId>a1</RequestId></ErrorResponse>", NULL, "hdr-id",
	    &(struct want){ 0, "Throttling", "Rate exceeded", "hdr-id",
	    AWS_ERR_THROTTLE });
	check(AWS_PROTO_QUERY, 409,
	    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
	    "<Error><Type>Sender</Type><Code>LimitExceeded</Code>"
	    "<Message>Cannot exceed quota for ServerCertificatesPerAccount: "
	    "20</Message></Error><RequestId>a2</RequestId></ErrorResponse>",
	    NULL, NULL, &(struct want){ 0, "LimitExceeded",
	    "ServerCertificatesPerAccount", "a2", AWS_ERR_QUOTA });
	check(AWS_PROTO_QUERY, 403,
	    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
	    "<Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"
	    "<Message>The security token included in the request is "
	    "invalid.</Message></Error><RequestId>a3</RequestId>"
	    "</ErrorResponse>", NULL, NULL,
	    &(struct want){ 0, "InvalidClientTokenId", "security token", "a3",
	    AWS_ERR_AUTH });
	check(AWS_PROTO_QUERY, 403,
	    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
	    "<Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code>"
	    "<Message>The request signature we calculated does not match the "
	    "signature you provided.</Message></Error>"
	    "<RequestId>a4</RequestId></ErrorResponse>", NULL, NULL,
	    &(struct want){ 0, "SignatureDoesNotMatch", "does not match", "a4",
	    AWS_ERR_AUTH });
	check(AWS_PROTO_QUERY, 500,
	    "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
	    "<Error><Type>Receiver</Type><Code>ServiceFailure</Code>"
	    "<Message>The request processing has failed because of an "
	    "unknown error.</Message></Error><RequestId>a5</RequestId>"
	    "</ErrorResponse>", NULL, NULL,
	    &(struct want){ 0, "ServiceFailure", "unknown error", "a5",
	    AWS_ERR_TRANSIENT });
	/* STS. */
	check(AWS_PROTO_QUERY, 400,
	    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	    "\n  <Error>\n    <Type>Sender</Type>\n"
	    "    <Code>ExpiredToken</Code>\n"
	    "    <Message>The security token included in the request is "
	    "expired</Message>\n  </Error>\n"
	    "  <RequestId>b1</RequestId>\n</ErrorResponse>\n", NULL, NULL,
	    &(struct want){ 0, "ExpiredToken", "expired", "b1",
	    AWS_ERR_AUTH });
	check(AWS_PROTO_QUERY, 403,
	    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	    "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
	    "<Message>User: arn:aws:iam::123456789012:user/acmd is not "
	    "authorized to perform: sts:AssumeRole on resource: "
	    "arn:aws:iam::210987654321:role/acmd</Message></Error>"
	    "<RequestId>b2</RequestId></ErrorResponse>", NULL, NULL,
	    &(struct want){ 0, "AccessDenied", "not authorized", "b2",
	    AWS_ERR_AUTH });
	check(AWS_PROTO_QUERY, 403,
	    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	    "<Error><Type>Sender</Type><Code>RegionDisabledException</Code>"
	    "<Message>STS is not activated in this region</Message></Error>"
	    "<RequestId>b3</RequestId></ErrorResponse>", NULL, NULL,
	    &(struct want){ 0, "RegionDisabledException", "not activated",
	    "b3", AWS_ERR_CLIENT });
	/* Well-formed XML that is not an error. */
	check(AWS_PROTO_QUERY, 400, "<Foo><Bar/></Foo>", NULL, NULL,
	    &(struct want){ -1, "HTTP400", "answer not understood", NULL,
	    AWS_ERR_CLIENT });
	/* An error without a code. */
	check(AWS_PROTO_QUERY, 400, "<ErrorResponse><Error><Message>x"
	    "</Message></Error></ErrorResponse>", NULL, NULL,
	    &(struct want){ -1, "HTTP400", "x", NULL, AWS_ERR_CLIENT });
}

static void
test_restxml(void **state)
{
	const char	*id = "0b0c8e5e-07e7-11e4-9c5c-EXAMPLE";

	check(AWS_PROTO_RESTXML, 404,
	    "<?xml version=\"1.0\"?>\n"
	    "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/"
	    "2013-04-01/\"><Error><Type>Sender</Type>"
	    "<Code>NoSuchHostedZone</Code>"
	    "<Message>No hosted zone found with ID: Z1D633PJN98FT9</Message>"
	    "</Error><RequestId>c1</RequestId></ErrorResponse>", NULL, id,
	    &(struct want){ 0, "NoSuchHostedZone", "Z1D633PJN98FT9", id,
	    AWS_ERR_CLIENT });
	check(AWS_PROTO_RESTXML, 400,
	    "<?xml version=\"1.0\"?>\n"
	    "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/"
	    "2013-04-01/\"><Error><Type>Sender</Type>"
	    "<Code>PriorRequestNotComplete</Code>"
	    "<Message>The request was rejected because Route 53 was still "
	    "processing a prior request.</Message></Error>"
	    "<RequestId>c2</RequestId></ErrorResponse>", NULL, NULL,
	    &(struct want){ 0, "PriorRequestNotComplete", "prior request",
	    "c2", AWS_ERR_THROTTLE });
	check(AWS_PROTO_RESTXML, 400,
	    "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/"
	    "2013-04-01/\"><Error><Type>Sender</Type><Code>Throttling</Code>"
	    "<Message>Rate exceeded</Message></Error>"
	    "<RequestId>c3</RequestId></ErrorResponse>", NULL, NULL,
	    &(struct want){ 0, "Throttling", "Rate exceeded", "c3",
	    AWS_ERR_THROTTLE });
	check(AWS_PROTO_RESTXML, 400,
	    "<?xml version=\"1.0\"?>\n"
	    "<InvalidChangeBatch xmlns=\"https://route53.amazonaws.com/doc/"
	    "2013-04-01/\"><Messages>"
	    "<Message>[Tried to create resource record set [name='_x."
	    "example.com.', type='CNAME'] but it already exists]</Message>"
	    "<Message>[RRSet of type CNAME with DNS name _y.example.com. is "
	    "not permitted as it conflicts with other records]</Message>"
	    "</Messages><RequestId>c4</RequestId></InvalidChangeBatch>",
	    NULL, NULL, &(struct want){ 0, "InvalidChangeBatch",
	    "but it already exists]; [RRSet of type CNAME", "c4",
	    AWS_ERR_CLIENT });
	check(AWS_PROTO_RESTXML, 400,
	    "<InvalidChangeBatch><Messages/></InvalidChangeBatch>", NULL,
	    NULL, &(struct want){ 0, "InvalidChangeBatch", "no message",
	    NULL, AWS_ERR_CLIENT });
	check(AWS_PROTO_RESTXML, 401,
	    "<ErrorResponse><Error><Code>NotAuthorizedException</Code>"
	    "<Message>not authorized</Message></Error></ErrorResponse>",
	    NULL, NULL, &(struct want){ 0, "NotAuthorizedException",
	    "not authorized", NULL, AWS_ERR_CLIENT });
	check(AWS_PROTO_RESTXML, 400,
	    "<ErrorResponse><Error><Code>LimitsExceeded</Code>"
	    "<Message>too many</Message></Error></ErrorResponse>",
	    NULL, NULL, &(struct want){ 0, "LimitsExceeded",
	    "too many", NULL, AWS_ERR_QUOTA });
}

static void
test_not_understood(void **state)
{
	static const char html502[] =
	    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n"
	    "<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n"
	    "</body>\r\n</html>\r\n";
	static const char html503[] =
	    "<!DOCTYPE html>\n<html><body>Service Unavailable</body></html>";
	struct aws_error	 e;
	char			*big;
	size_t			 len;

	check(AWS_PROTO_RESTXML, 502, html502, NULL, NULL,
	    &(struct want){ -1, "InternalFailure",
	    "answer not understood: HTTP 502 with 122 bytes beginning "
	    "\"<html>  <head><title>502 Bad Gateway", NULL,
	    AWS_ERR_TRANSIENT });
	check(AWS_PROTO_JSON, 502, html502, NULL, "r-1",
	    &(struct want){ -1, "InternalFailure", "HTTP 502", "r-1",
	    AWS_ERR_TRANSIENT });
	check(AWS_PROTO_QUERY, 503, html503, NULL, NULL,
	    &(struct want){ -1, "InternalFailure", "HTTP 503", NULL,
	    AWS_ERR_TRANSIENT });
	check(AWS_PROTO_QUERY, 504, "", NULL, NULL,
	    &(struct want){ -1, "InternalFailure",
	    "answer not understood: HTTP 504 with an empty body", NULL,
	    AWS_ERR_TRANSIENT });
	check(AWS_PROTO_JSON, 404, NULL, NULL, NULL,
	    &(struct want){ -1, "HTTP404", "HTTP 404 with an empty body",
	    NULL, AWS_ERR_CLIENT });
	check(AWS_PROTO_JSON, 429, "Too Many Requests", NULL, NULL,
	    &(struct want){ -1, "HTTP429", "beginning \"Too Many Requests\"",
	    NULL, AWS_ERR_THROTTLE });
	check(AWS_PROTO_RESTXML, 403, "Forbidden\x01\xff", NULL, NULL,
	    &(struct want){ -1, "HTTP403", "beginning \"Forbidden ?\"", NULL,
	    AWS_ERR_AUTH });

	/* Bodies over the limit are not looked at. */
	len = AWS_ERROR_MAX_BODY + 1;
	big = xmalloc(len);
	memset(big, ' ', len);
	memcpy(big, "{\"__type\":\"ThrottlingException\"}", 32);
	assert_int_equal(aws_error_parse(AWS_PROTO_JSON, 400, big, len, NULL,
	    NULL, &e), -1);
	assert_string_equal(e.code, "HTTP400");
	aws_error_clear(&e);
	/* Long messages are cut. */
	memset(big, 'm', len);
	memcpy(big, "{\"__type\":\"X\",\"message\":\"", 25);
	memcpy(big + 100000, "\"}", 3);
	assert_int_equal(aws_error_parse(AWS_PROTO_JSON, 400, big,
	    100002, NULL, NULL, &e), 0);
	assert_int_equal(strlen(e.message), AWS_ERROR_MAX_MESSAGE);
	aws_error_clear(&e);
	free(big);
	aws_error_clear(NULL);
}

static void
test_classify(void **state)
{
	static const struct {
		const char		*code;
		long			 status;
		enum aws_err_class	 cls;
	} t[] = {
		{ "Throttling", 400, AWS_ERR_THROTTLE },
		{ "ThrottlingException", 400, AWS_ERR_THROTTLE },
		{ "ThrottledException", 400, AWS_ERR_THROTTLE },
		{ "RequestThrottledException", 400, AWS_ERR_THROTTLE },
		{ "TooManyRequestsException", 400, AWS_ERR_THROTTLE },
		{ "ProvisionedThroughputExceededException", 400,
		  AWS_ERR_THROTTLE },
		{ "TransactionInProgressException", 400, AWS_ERR_THROTTLE },
		{ "RequestLimitExceeded", 400, AWS_ERR_THROTTLE },
		{ "BandwidthLimitExceeded", 400, AWS_ERR_THROTTLE },
		{ "RequestThrottled", 400, AWS_ERR_THROTTLE },
		{ "SlowDown", 503, AWS_ERR_THROTTLE },
		{ "PriorRequestNotComplete", 400, AWS_ERR_THROTTLE },
		{ "EC2ThrottledException", 400, AWS_ERR_THROTTLE },
		{ NULL, 429, AWS_ERR_THROTTLE },
		{ "HTTP429", 429, AWS_ERR_THROTTLE },
		{ NULL, 509, AWS_ERR_THROTTLE },

		{ "LimitExceededException", 400, AWS_ERR_QUOTA },
		{ "LimitExceeded", 409, AWS_ERR_QUOTA },
		{ "LimitsExceeded", 400, AWS_ERR_QUOTA },

		{ "UnrecognizedClientException", 400, AWS_ERR_AUTH },
		{ "InvalidClientTokenId", 403, AWS_ERR_AUTH },
		{ "InvalidSignatureException", 400, AWS_ERR_AUTH },
		{ "SignatureDoesNotMatch", 403, AWS_ERR_AUTH },
		{ "ExpiredToken", 400, AWS_ERR_AUTH },
		{ "ExpiredTokenException", 400, AWS_ERR_AUTH },
		{ "AccessDenied", 403, AWS_ERR_AUTH },
		{ "AccessDeniedException", 400, AWS_ERR_AUTH },
		{ "IncompleteSignature", 400, AWS_ERR_AUTH },
		{ "MissingAuthenticationToken", 403, AWS_ERR_AUTH },
		{ "InvalidAccessKeyId", 403, AWS_ERR_AUTH },
		{ NULL, 403, AWS_ERR_AUTH },
		{ NULL, 401, AWS_ERR_AUTH },

		{ "RequestTimeout", 400, AWS_ERR_TRANSIENT },
		{ "RequestTimeoutException", 408, AWS_ERR_TRANSIENT },
		{ "InternalError", 500, AWS_ERR_TRANSIENT },
		{ "InternalFailure", 500, AWS_ERR_TRANSIENT },
		{ "ServiceUnavailable", 503, AWS_ERR_TRANSIENT },
		{ NULL, 500, AWS_ERR_TRANSIENT },
		{ NULL, 502, AWS_ERR_TRANSIENT },
		{ NULL, 503, AWS_ERR_TRANSIENT },
		{ NULL, 504, AWS_ERR_TRANSIENT },
		{ "PolicyEvaluation", 500, AWS_ERR_TRANSIENT },
		{ NULL, 0, AWS_ERR_TRANSIENT },

		{ "ValidationException", 400, AWS_ERR_CLIENT },
		{ "ResourceNotFoundException", 400, AWS_ERR_CLIENT },
		{ "NoSuchEntity", 404, AWS_ERR_CLIENT },
		{ "InvalidChangeBatch", 400, AWS_ERR_CLIENT },
		{ "RegionDisabledException", 403, AWS_ERR_CLIENT },
		{ "", 404, AWS_ERR_CLIENT },
		{ NULL, 400, AWS_ERR_CLIENT },
		{ NULL, 501, AWS_ERR_CLIENT },
		{ "throttling", 400, AWS_ERR_CLIENT },	/* case matters */

		{ NULL, 200, AWS_ERR_NONE },
		{ "", 204, AWS_ERR_NONE },
	};
	size_t	i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (aws_error_classify(t[i].code, t[i].status) != t[i].cls)
			fail_msg("%s/%ld: %s, want %s", t[i].code == NULL ?
			    "(null)" : t[i].code, t[i].status,
			    aws_err_class_name(aws_error_classify(t[i].code,
			    t[i].status)), aws_err_class_name(t[i].cls));
	}
	assert_string_equal(aws_err_class_name(AWS_ERR_NONE), "none");
	assert_string_equal(aws_err_class_name(AWS_ERR_QUOTA), "quota");
	assert_string_equal(aws_err_class_name(AWS_ERR_THROTTLE), "throttle");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_restxml),
		cmocka_unit_test(test_not_understood),
		cmocka_unit_test(test_classify),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/* STS: query protocol.  AssumeRole is in aws.c, which refreshes roles. */
#include <stddef.h>

#include "aws.h"
#include "services.h"

struct aws_call *
sts_get_caller_identity(struct aws_cred *c, aws_cb cb, void *arg)
{
	return (aws_query(c, &aws_svc_sts, "us-east-1", "GetCallerIdentity",
	    NULL, 0, cb, arg));
}

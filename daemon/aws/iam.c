/* IAM server certificates: query protocol, global. */
#include <stddef.h>

#include "aws.h"
#include "services.h"

struct aws_call *
iam_list_server_certificates(struct aws_cred *c, const char *marker,
    aws_cb cb, void *arg)
{
	struct sigv4_param	 p[2];
	size_t			 n = 0;

	p[n].name = "MaxItems";
	p[n++].value = "1000";
	if (marker != NULL) {
		p[n].name = "Marker";
		p[n++].value = marker;
	}
	return (aws_query(c, &aws_svc_iam, NULL, "ListServerCertificates", p,
	    n, cb, arg));
}

struct aws_call *
iam_get_server_certificate(struct aws_cred *c, const char *name, aws_cb cb,
    void *arg)
{
	struct sigv4_param	 p[1] = { { "ServerCertificateName", name } };

	return (aws_query(c, &aws_svc_iam, NULL, "GetServerCertificate", p, 1,
	    cb, arg));
}

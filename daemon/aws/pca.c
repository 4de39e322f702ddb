/* ACM Private CA: ACMPrivateCA, JSON 1.1. */
#include <jansson.h>

#include "aws.h"
#include "services.h"

struct aws_call *
pca_list_certificate_authorities(struct aws_cred *c, const char *region,
    const char *next_token, aws_cb cb, void *arg)
{
	json_t	*body = json_object();

	if (next_token != NULL)
		json_object_set_new(body, "NextToken", json_string(next_token));
	return (aws_json(c, &aws_svc_pca, region, "ListCertificateAuthorities",
	    body, cb, arg));
}

struct aws_call *
pca_get_ca_certificate(struct aws_cred *c, const char *region,
    const char *ca_arn, aws_cb cb, void *arg)
{
	return (aws_json(c, &aws_svc_pca, region,
	    "GetCertificateAuthorityCertificate",
	    json_pack("{s:s}", "CertificateAuthorityArn", ca_arn), cb, arg));
}

struct aws_call *
pca_revoke_certificate(struct aws_cred *c, const char *region,
    const char *ca_arn, const char *serial, const char *reason, aws_cb cb,
    void *arg)
{
	return (aws_json(c, &aws_svc_pca, region, "RevokeCertificate",
	    json_pack("{s:s, s:s, s:s}", "CertificateAuthorityArn", ca_arn,
	    "CertificateSerial", serial, "RevocationReason", reason), cb, arg));
}

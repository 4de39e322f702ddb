/* ACM: CertificateManager, JSON 1.1. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "aws.h"
#include "services.h"
#include "xmalloc.h"

const char *const acm_key_types[] = {
	"RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096",
	"EC_prime256v1", "EC_secp384r1", "EC_secp521r1", NULL
};

static json_t *
arn_body(const char *arn)
{
	return (json_pack("{s:s}", "CertificateArn", arn));
}

struct aws_call *
acm_list_certificates(struct aws_cred *c, const char *region,
    const char *next_token, int max_items, const char *const *statuses,
    aws_cb cb, void *arg)
{
	json_t	*body, *types, *st;
	size_t	 i;

	body = json_object();
	types = json_array();
	for (i = 0; acm_key_types[i] != NULL; i++)
		json_array_append_new(types, json_string(acm_key_types[i]));
	json_object_set_new(body, "Includes", json_pack("{s:o}", "keyTypes",
	    types));
	if (statuses != NULL) {
		st = json_array();
		for (i = 0; statuses[i] != NULL; i++)
			json_array_append_new(st, json_string(statuses[i]));
		json_object_set_new(body, "CertificateStatuses", st);
	}
	if (max_items > 0)
		json_object_set_new(body, "MaxItems", json_integer(max_items));
	if (next_token != NULL)
		json_object_set_new(body, "NextToken", json_string(next_token));
	return (aws_json(c, &aws_svc_acm, region, "ListCertificates", body, cb,
	    arg));
}

struct aws_call *
acm_describe_certificate(struct aws_cred *c, const char *region,
    const char *arn, aws_cb cb, void *arg)
{
	return (aws_json(c, &aws_svc_acm, region, "DescribeCertificate",
	    arn_body(arn), cb, arg));
}

struct aws_call *
acm_get_certificate(struct aws_cred *c, const char *region, const char *arn,
    aws_cb cb, void *arg)
{
	return (aws_json(c, &aws_svc_acm, region, "GetCertificate",
	    arn_body(arn), cb, arg));
}

/* JSON blobs are base64; the copy of a key is cleansed after use. */
static json_t *
b64(const char *s)
{
	size_t	 len = strlen(s), olen = 4 * ((len + 2) / 3) + 1;
	char	*out;
	json_t	*j;

	out = xmalloc(olen);
	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s,
	    (int)len);
	j = json_string(out);
	OPENSSL_cleanse(out, olen);
	free(out);
	return (j);
}

struct aws_call *
acm_import_certificate(struct aws_cred *c, const char *region,
    const char *arn, const char *cert, const char *key, const char *chain,
    json_t *tags, aws_cb cb, void *arg)
{
	json_t	*body;

	body = json_object();
	if (arn != NULL)
		json_object_set_new(body, "CertificateArn", json_string(arn));
	json_object_set_new(body, "Certificate", b64(cert));
	json_object_set_new(body, "PrivateKey", b64(key));
	if (chain != NULL && *chain != '\0')
		json_object_set_new(body, "CertificateChain", b64(chain));
	if (tags != NULL)
		json_object_set(body, "Tags", tags);
	/* aws_json encodes and frees the body; jansson keeps no copy. */
	return (aws_json(c, &aws_svc_acm, region, "ImportCertificate", body, cb,
	    arg));
}

struct aws_call *
acm_request_certificate(struct aws_cred *c, const char *region, json_t *body,
    aws_cb cb, void *arg)
{
	return (aws_json(c, &aws_svc_acm, region, "RequestCertificate", body,
	    cb, arg));
}

struct aws_call *
acm_export_certificate(struct aws_cred *c, const char *region,
    const char *arn, const char *passphrase, aws_cb cb, void *arg)
{
	json_t	*body = arn_body(arn);

	json_object_set_new(body, "Passphrase", b64(passphrase));
	return (aws_json(c, &aws_svc_acm, region, "ExportCertificate", body, cb,
	    arg));
}

struct aws_call *
acm_renew_certificate(struct aws_cred *c, const char *region, const char *arn,
    aws_cb cb, void *arg)
{
	return (aws_json(c, &aws_svc_acm, region, "RenewCertificate",
	    arn_body(arn), cb, arg));
}

struct aws_call *
acm_resend_validation_email(struct aws_cred *c, const char *region,
    const char *arn, const char *domain, const char *validation_domain,
    aws_cb cb, void *arg)
{
	json_t	*body = arn_body(arn);

	json_object_set_new(body, "Domain", json_string(domain));
	json_object_set_new(body, "ValidationDomain",
	    json_string(validation_domain));
	return (aws_json(c, &aws_svc_acm, region, "ResendValidationEmail", body,
	    cb, arg));
}

struct aws_call *
acm_delete_certificate(struct aws_cred *c, const char *region,
    const char *arn, aws_cb cb, void *arg)
{
	return (aws_json(c, &aws_svc_acm, region, "DeleteCertificate",
	    arn_body(arn), cb, arg));
}

struct aws_call *
acm_add_tags(struct aws_cred *c, const char *region, const char *arn,
    json_t *tags, aws_cb cb, void *arg)
{
	json_t	*body = arn_body(arn);

	json_object_set(body, "Tags", tags);
	return (aws_json(c, &aws_svc_acm, region, "AddTagsToCertificate", body,
	    cb, arg));
}

struct aws_call *
acm_list_tags(struct aws_cred *c, const char *region, const char *arn,
    aws_cb cb, void *arg)
{
	return (aws_json(c, &aws_svc_acm, region, "ListTagsForCertificate",
	    arn_body(arn), cb, arg));
}

struct aws_call *
acm_get_account_configuration(struct aws_cred *c, const char *region,
    aws_cb cb, void *arg)
{
	return (aws_json(c, &aws_svc_acm, region, "GetAccountConfiguration",
	    NULL, cb, arg));
}

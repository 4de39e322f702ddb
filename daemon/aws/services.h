/*
 * The AWS operations acmd uses, one function each: they build the request
 * for the engine (aws.h) and hand the answer to the callback unchanged
 * (JSON for ACM and ACM PCA, XML for IAM, Route 53 and STS).
 */
#ifndef ACMD_SERVICES_H
#define ACMD_SERVICES_H

#include <jansson.h>

#include "aws.h"

/* Every key type ACM has: without them ListCertificates hides EC and
 * RSA-3072/4096 certificates. */
extern const char *const acm_key_types[];

/* ACM (acm.c) */
struct aws_call *acm_list_certificates(struct aws_cred *, const char *,
		     const char *, int, const char *const *, aws_cb, void *);
struct aws_call *acm_describe_certificate(struct aws_cred *, const char *,
		     const char *, aws_cb, void *);
struct aws_call *acm_get_certificate(struct aws_cred *, const char *,
		     const char *, aws_cb, void *);
/* arn NULL: a new certificate.  The key is cleared from memory here. */
struct aws_call *acm_import_certificate(struct aws_cred *, const char *,
		     const char *, const char *, const char *, const char *,
		     json_t *, aws_cb, void *);
struct aws_call *acm_request_certificate(struct aws_cred *, const char *,
		     json_t *, aws_cb, void *);
struct aws_call *acm_export_certificate(struct aws_cred *, const char *,
		     const char *, const char *, aws_cb, void *);
struct aws_call *acm_renew_certificate(struct aws_cred *, const char *,
		     const char *, aws_cb, void *);
struct aws_call *acm_resend_validation_email(struct aws_cred *,
		     const char *, const char *, const char *, const char *,
		     aws_cb, void *);
struct aws_call *acm_delete_certificate(struct aws_cred *, const char *,
		     const char *, aws_cb, void *);
struct aws_call *acm_add_tags(struct aws_cred *, const char *, const char *,
		     json_t *, aws_cb, void *);
struct aws_call *acm_list_tags(struct aws_cred *, const char *, const char *,
		     aws_cb, void *);
struct aws_call *acm_get_account_configuration(struct aws_cred *,
		     const char *, aws_cb, void *);

/* ACM PCA (pca.c) */
struct aws_call *pca_list_certificate_authorities(struct aws_cred *,
		     const char *, const char *, aws_cb, void *);
struct aws_call *pca_get_ca_certificate(struct aws_cred *, const char *,
		     const char *, aws_cb, void *);
struct aws_call *pca_revoke_certificate(struct aws_cred *, const char *,
		     const char *, const char *, const char *, aws_cb, void *);

/* IAM (iam.c) */
struct aws_call *iam_list_server_certificates(struct aws_cred *,
		     const char *, aws_cb, void *);
struct aws_call *iam_get_server_certificate(struct aws_cred *, const char *,
		     aws_cb, void *);

/* Route 53 (route53.c) */
/* A page of zones from dnsname (NULL: the first) and hzid (the next's). */
struct aws_call *route53_list_hosted_zones_by_name(struct aws_cred *,
		     const char *, const char *, aws_cb, void *);
/* One change: action (CREATE, UPSERT, DELETE) of a CNAME record. */
struct aws_call *route53_change_cname(struct aws_cred *, const char *,
		     const char *, const char *const *, const char *const *,
		     size_t, aws_cb, void *);
struct aws_call *route53_get_change(struct aws_cred *, const char *, aws_cb,
		     void *);

/* AWS Organizations (orgs.c): ListAccounts, or ListAccountsForParent
 * when a parent (a root r-... or an OU ou-...) is given. */
extern const struct aws_service aws_svc_orgs;
struct aws_call *orgs_describe_organization(struct aws_cred *, aws_cb,
		     void *);
struct aws_call *orgs_list_accounts(struct aws_cred *, const char *,
		     const char *, aws_cb, void *);
/* One account of the organization (its State now). */
struct aws_call *orgs_describe_account(struct aws_cred *, const char *,
		     aws_cb, void *);

/* STS (sts.c) */
struct aws_call *sts_get_caller_identity(struct aws_cred *, aws_cb, void *);

#endif

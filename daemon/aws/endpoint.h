/* Where each AWS call goes, and which regions acmd knows. */
#ifndef ACMD_ENDPOINT_H
#define ACMD_ENDPOINT_H

struct aws_service;

/* All commercial regions where ACM exists, NULL-terminated. */
extern const char *const aws_acm_regions[];

int	 aws_region_valid(const char *);
/*
 * The base URL (no trailing slash) for a service in a region: from
 * AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the configured
 * endpoint_url (may be NULL), else the service's public endpoint.
 */
char	*aws_endpoint_url(const struct aws_service *, const char *,
	     const char *);
/* The region a call is signed for (global services: us-east-1). */
const char *aws_signing_region(const struct aws_service *, const char *);

#endif

#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "endpoint.h"
#include "xmalloc.h"

const char *const aws_acm_regions[] = {
	"af-south-1",
	"ap-east-1",
	"ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
	"ap-south-1", "ap-south-2",
	"ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
	"ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
	"ca-central-1", "ca-west-1",
	"eu-central-1", "eu-central-2",
	"eu-north-1",
	"eu-south-1", "eu-south-2",
	"eu-west-1", "eu-west-2", "eu-west-3",
	"il-central-1",
	"me-central-1", "me-south-1",
	"mx-central-1",
	"sa-east-1",
	"us-east-1", "us-east-2",
	"us-west-1", "us-west-2",
	NULL
};

int
aws_region_valid(const char *r)
{
	size_t	 i;

	for (i = 0; aws_acm_regions[i] != NULL; i++) {
		if (strcmp(aws_acm_regions[i], r) == 0)
			return (1);
	}
	return (0);
}

const char *
aws_signing_region(const struct aws_service *svc, const char *region)
{
	if (svc->global || region == NULL)
		return ("us-east-1");
	return (region);
}

static char *
strip_slash(const char *url)
{
	char	*s = xstrdup(url);
	size_t	 len = strlen(s);

	while (len > 0 && s[len - 1] == '/')
		s[--len] = '\0';
	return (s);
}

char *
aws_endpoint_url(const struct aws_service *svc, const char *region,
    const char *conf_url)
{
	char		*url, name[64];
	const char	*v;

	snprintf(name, sizeof name, "AWS_ENDPOINT_URL_%s", svc->env);
	if ((v = getenv(name)) != NULL && *v != '\0')
		return (strip_slash(v));
	if ((v = getenv("AWS_ENDPOINT_URL")) != NULL && *v != '\0')
		return (strip_slash(v));
	if (conf_url != NULL && *conf_url != '\0')
		return (strip_slash(conf_url));
	if (svc->global)
		xasprintf(&url, "https://%s.amazonaws.com", svc->host_prefix);
	else
		xasprintf(&url, "https://%s.%s.amazonaws.com", svc->host_prefix,
		    region);
	return (url);
}

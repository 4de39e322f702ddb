/*
 * AWS Organizations: AWSOrganizationsV20161128, JSON 1.1.  One endpoint
 * (organizations.us-east-1.amazonaws.com), signed for us-east-1.
 */
#include <jansson.h>

#include "aws.h"
#include "services.h"

const struct aws_service aws_svc_orgs = {
	.env = "ORGANIZATIONS", .signing_name = "organizations",
	.host_prefix = "organizations.us-east-1", .proto = AWS_PROTO_JSON,
	.target_prefix = "AWSOrganizationsV20161128", .global = 1,
};

struct aws_call *
orgs_describe_organization(struct aws_cred *c, aws_cb cb, void *arg)
{
	return (aws_json(c, &aws_svc_orgs, "us-east-1", "DescribeOrganization",
	    NULL, cb, arg));
}

struct aws_call *
orgs_describe_account(struct aws_cred *c, const char *account, aws_cb cb,
    void *arg)
{
	return (aws_json(c, &aws_svc_orgs, "us-east-1", "DescribeAccount",
	    json_pack("{s:s}", "AccountId", account), cb, arg));
}

struct aws_call *
orgs_list_accounts(struct aws_cred *c, const char *parent,
    const char *next_token, aws_cb cb, void *arg)
{
	json_t	*body = json_object();

	if (parent != NULL)
		json_object_set_new(body, "ParentId", json_string(parent));
	if (next_token != NULL)
		json_object_set_new(body, "NextToken", json_string(next_token));
	return (aws_json(c, &aws_svc_orgs, "us-east-1", parent != NULL ?
	    "ListAccountsForParent" : "ListAccounts", body, cb, arg));
}

/* discover, acm list, acm show, iam list, delete ARN: the AWS tab. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/aws.h"
#include "aws/endpoint.h"
#include "cmd.h"
#include "creds.h"
#include "inventory.h"
#include "jobs/discovery.h"
#include "xmalloc.h"

static json_t *
strv_json(char **v)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		json_array_append_new(a, json_string(v[i]));
	return (a);
}

static void
cmd_discover_exec(struct cmd_ctx *ctx)
{
	char	**creds = NULL, **regions = NULL, *cause = NULL;
	size_t	 ncreds = 0, nregions = 0, i;
	int	 full = 0;

	if (cmd_arg_strv(ctx, PROTO_A_CREDENTIAL, 0, &creds, &ncreds) != 0 ||
	    cmd_arg_strv(ctx, PROTO_A_REGION, 0, &regions, &nregions) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_FULL, &full) != 0)
		goto out;
	for (i = 0; i < ncreds; i++) {
		struct aws_cred	*c;

		if ((c = creds_get(creds[i], &cause)) == NULL) {
			cmd_reply_error(ctx, PROTO_ENOTFOUND, "%s", cause);
			free(cause);
			goto out;
		}
		aws_cred_unref(c);
	}
	for (i = 0; i < nregions; i++) {
		if (!aws_region_valid(regions[i])) {
			cmd_reply_arg_error(ctx, PROTO_A_REGION, "unknown region "
			    "'%s' (not one where ACM runs)", regions[i]);
			goto out;
		}
	}
	discovery_start(creds ? strv_json(creds) : NULL, regions ?
	    strv_json(regions) : NULL, full, cmd_op(ctx));
out:
	mp_strv_free(creds);
	mp_strv_free(regions);
}

const struct cmd_entry cmd_discover_entry = {
	.name = PROTO_CMD_DISCOVER,
	.usage = "discover [--credential C]... [--region R]... [--full]",
	.exec = cmd_discover_exec,
};

static int
inv_filter_args(struct cmd_ctx *ctx, struct inv_filter *f)
{
	size_t	 n, i;

	memset(f, 0, sizeof *f);
	if (cmd_arg_strv(ctx, PROTO_A_CREDENTIAL, 0, &f->creds, &n) != 0 ||
	    cmd_arg_strv(ctx, PROTO_A_REGION, 0, &f->regions, &n) != 0 ||
	    cmd_arg_strv(ctx, PROTO_A_ACCOUNT, 0, &f->accounts, &n) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_TYPE, 0, &f->type) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_STATUS, 0, &f->status) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_DOMAIN, 0, &f->domain) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_ALL, &f->all) != 0)
		return (-1);
	for (i = 0; f->accounts != NULL && f->accounts[i] != NULL; i++) {
		if (strlen(f->accounts[i]) != 12 || strspn(f->accounts[i],
		    "0123456789") != 12) {
			cmd_reply_arg_error(ctx, PROTO_A_ACCOUNT, "'%s' is not an "
			    "AWS account id (12 digits)", f->accounts[i]);
			return (-1);
		}
	}
	if (mp_map_get(ctx->args, PROTO_A_EXPIRING) != NULL) {
		if (cmd_arg_uint(ctx, PROTO_A_EXPIRING, &f->expiring) != 0)
			return (-1);
		f->has_expiring = 1;
	}
	return (0);
}

static void
cmd_acm_list_exec(struct cmd_ctx *ctx)
{
	struct inv_filter	 f;

	if (inv_filter_args(ctx, &f) != 0) {
		inv_filter_free(&f);
		return;
	}
	inv_list(ctx, &f);
}

const struct cmd_entry cmd_acm_list_entry = {
	.name = PROTO_CMD_ACM_LIST,
	.usage = "acm list [--credential C] [--region R] [--type T] "
	    "[--status S] [--domain GLOB] [--expiring DAYS] [--all] "
	    "[--account ID]...",
	.flags = CMD_READONLY | CMD_STREAM,
	.exec = cmd_acm_list_exec,
};

/* An inventory operation's failure: the ARN at fault, or not found. */
static void
cmd_inv_error(struct cmd_ctx *ctx, enum proto_error code, char *cause)
{
	if (code == PROTO_EINVAL_ARG)
		cmd_reply_arg_error(ctx, PROTO_A_ARN, "%s", cause);
	else
		cmd_reply_error(ctx, code, "%s", cause);
	free(cause);
}

static void
cmd_acm_show_exec(struct cmd_ctx *ctx)
{
	enum proto_error	 code;
	json_t			*rec;
	char			*arn = NULL, *cause = NULL;

	if (cmd_arg_str(ctx, PROTO_A_ARN, 1, &arn) != 0)
		return;
	if ((rec = inv_show(arn, &code, &cause)) == NULL)
		cmd_inv_error(ctx, code, cause);
	else
		cmd_reply_json(ctx, rec);
	free(arn);
}

const struct cmd_entry cmd_acm_show_entry = {
	.name = PROTO_CMD_ACM_SHOW,
	.usage = "acm show ARN",
	.flags = CMD_READONLY,
	.exec = cmd_acm_show_exec,
};

static void
cmd_iam_list_exec(struct cmd_ctx *ctx)
{
	json_t	*rows;
	char	*cause = NULL;
	int	 all = 0;

	if (cmd_arg_bool(ctx, PROTO_A_ALL, &all) != 0)
		return;
	if ((rows = inv_iam_rows(all, &cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		return;
	}
	cmd_reply_json(ctx, rows);
}

const struct cmd_entry cmd_iam_list_entry = {
	.name = PROTO_CMD_IAM_LIST,
	.usage = "iam list [--all]",
	.flags = CMD_READONLY,
	.exec = cmd_iam_list_exec,
};

/* delete: from acmd only */
static void
cmd_delete_exec(struct cmd_ctx *ctx)
{
	enum proto_error	 code;
	json_t			*out;
	char			*arn = NULL, *cause = NULL;
	int			 yes = 0;

	if (cmd_arg_str(ctx, PROTO_A_ARN, 1, &arn) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_YES, &yes) != 0)
		goto out;
	if (!yes) {
		cmd_reply_arg_error(ctx, PROTO_A_YES, "deleting needs "
		    "confirmation (yes)");
		goto out;
	}
	if ((out = inv_forget(arn, &code, &cause)) == NULL)
		cmd_inv_error(ctx, code, cause);
	else
		cmd_reply_json(ctx, out);
out:
	free(arn);
}

const struct cmd_entry cmd_delete_entry = {
	.name = PROTO_CMD_DELETE,
	.usage = "delete ARN --yes",
	.exec = cmd_delete_exec,
};

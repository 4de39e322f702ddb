/* deploy, deploy list/show/remove/check, sync: certificates into ACM. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acmd.h"
#include "aws/endpoint.h"
#include "conf.h"
#include "cmd.h"
#include "deploy.h"
#include "deployments.h"
#include "mismatch.h"
#include "renew.h"
#include "requests.h"
#include "xmalloc.h"

/* --target T...: each a [target] of the running configuration. */
static int
cmd_deploy_targets(struct cmd_ctx *ctx, struct deploy_spec *s, char **tv,
    size_t n)
{
	size_t	 i;

	if (s->credential != NULL || s->all_regions || s->replace ||
	    json_array_size(s->regions) > 0 || s->tags != NULL) {
		cmd_reply_arg_error(ctx, PROTO_A_TARGET, "--target writes "
		    "files on this machine: it takes no --credential, --region, "
		    "--all-regions, --replace or --tag (deploy into ACM "
		    "separately)");
		return (-1);
	}
	s->targets = json_array();
	for (i = 0; i < n; i++) {
		if (config_target(acmd.conf, tv[i]) == NULL) {
			cmd_reply_arg_error(ctx, PROTO_A_TARGET, "no [target %s] "
			    "in %s", tv[i], acmd.conf_path != NULL ?
			    acmd.conf_path : "the configuration");
			return (-1);
		}
		json_array_append_new(s->targets, json_string(tv[i]));
	}
	return (0);
}

static void
cmd_deploy_exec(struct cmd_ctx *ctx)
{
	struct deploy_spec	*s;
	char			**regions = NULL, **tv = NULL;
	size_t			 n = 0, nt = 0, i;

	s = xcalloc(1, sizeof *s);
	s->regions = json_array();
	if (cmd_arg_str(ctx, PROTO_A_NAME, 1, &s->name) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_CREDENTIAL, 0, &s->credential) != 0 ||
	    cmd_arg_strv(ctx, PROTO_A_REGION, 0, &regions, &n) != 0 ||
	    cmd_arg_strv(ctx, PROTO_A_TARGET, 0, &tv, &nt) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_ALL_REGIONS, &s->all_regions) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_REPLACE, &s->replace) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_AUTO_REDEPLOY, &s->auto_redeploy) != 0 ||
	    cmd_arg_tags(ctx, PROTO_A_TAG, &s->tags) != 0 ||
	    cmd_arg_org_account(ctx, &s->credential) != 0)
		goto fail;
	for (i = 0; i < n; i++)
		json_array_append_new(s->regions, json_string(regions[i]));
	if (nt > 0) {
		if (cmd_deploy_targets(ctx, s, tv, nt) != 0)
			goto fail;
		goto run;
	}
	if (s->credential == NULL) {
		cmd_reply_arg_error(ctx, PROTO_A_CREDENTIAL, "give --credential C "
		    "(into ACM) or --target T (files on this machine)");
		goto fail;
	}
	if ((n == 0) == !s->all_regions) {
		cmd_reply_arg_error(ctx, PROTO_A_REGION, "give --region R (one or "
		    "more) or --all-regions");
		goto fail;
	}
	for (i = 0; i < n; i++) {
		if (!aws_region_valid(regions[i])) {
			cmd_reply_arg_error(ctx, PROTO_A_REGION, "unknown region "
			    "'%s' (not one where ACM runs)", regions[i]);
			goto fail;
		}
	}
run:
	mp_strv_free(regions);
	mp_strv_free(tv);
	deploy_run(s, cmd_op(ctx));
	return;
fail:
	mp_strv_free(regions);
	mp_strv_free(tv);
	deploy_spec_free(s);
}

const struct cmd_entry cmd_deploy_entry = {
	.name = PROTO_CMD_DEPLOY,
	.usage = "deploy NAME (--credential C [--account ID] (--region R... | "
	    "--all-regions) "
	    "[--replace] [--tag K=V]... | --target T...) [--auto-redeploy]",
	.exec = cmd_deploy_exec,
};

static void
dep_list_reply(struct cmd_ctx *ctx, const char *name, int full)
{
	json_t	*rows;
	char	*cause = NULL;

	if ((rows = deployments_rows(name, full, &cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		return;
	}
	if (full && json_array_size(rows) == 0) {
		json_decref(rows);
		cmd_reply_error(ctx, PROTO_ENOTFOUND, "certificate '%s' has no "
		    "deployments", name);
		return;
	}
	cmd_reply_json(ctx, rows);
}

static void
cmd_deploy_list_exec(struct cmd_ctx *ctx)
{
	char	*name = NULL;

	if (cmd_arg_str(ctx, PROTO_A_NAME, 0, &name) != 0)
		return;
	dep_list_reply(ctx, name, 0);
	free(name);
}

const struct cmd_entry cmd_deploy_list_entry = {
	.name = PROTO_CMD_DEPLOY_LIST,
	.usage = "deploy list [NAME]",
	.flags = CMD_READONLY,
	.exec = cmd_deploy_list_exec,
};

static void
cmd_deploy_show_exec(struct cmd_ctx *ctx)
{
	char	*name = NULL;

	if (cmd_arg_str(ctx, PROTO_A_NAME, 1, &name) != 0)
		return;
	dep_list_reply(ctx, name, 1);
	free(name);
}

const struct cmd_entry cmd_deploy_show_entry = {
	.name = PROTO_CMD_DEPLOY_SHOW,
	.usage = "deploy show NAME",
	.flags = CMD_READONLY,
	.exec = cmd_deploy_show_exec,
};

static void
cmd_deploy_remove_exec(struct cmd_ctx *ctx)
{
	json_t	*keys;
	char	*name = NULL, **regions = NULL, *cause = NULL;
	size_t	 n = 0;
	int	 notfound;

	if (cmd_arg_str(ctx, PROTO_A_NAME, 1, &name) != 0 ||
	    cmd_arg_strv(ctx, PROTO_A_REGION, 0, &regions, &n) != 0)
		goto out;
	if ((keys = deployments_forget(name, regions, &notfound,
	    &cause)) == NULL) {
		cmd_reply_error(ctx, notfound ? PROTO_ENOTFOUND :
		    PROTO_EINTERNAL, "%s", cause);
		goto out;
	}
	cmd_reply_json(ctx, json_pack("{s:o, s:s}", "forgotten", keys, "note",
	    "acmd forgot these deployments; nothing was changed in ACM"));
out:
	free(cause);
	mp_strv_free(regions);
	free(name);
}

const struct cmd_entry cmd_deploy_remove_entry = {
	.name = PROTO_CMD_DEPLOY_REMOVE,
	.usage = "deploy remove NAME [--region R]...",
	.exec = cmd_deploy_remove_exec,
};

/*
 * sync: work backing off goes now (renewals, request key exports and
 * polls: acmd's own), then the deployments out of sync are re-deployed.
 */
static void
cmd_sync_exec(struct cmd_ctx *ctx)
{
	char	*name = NULL, *cause = NULL;
	size_t	 pending, failed, renewals = 0, keys = 0;

	if (cmd_arg_str(ctx, PROTO_A_NAME, 0, &name) != 0)
		return;
	if (renew_resume_due(1, &pending, &failed, &renewals, &cause) != 0 ||
	    requests_poll_due(1, &keys, &cause) != 0) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		free(name);
		return;
	}
	deploy_sync(name, json_pack("{s:{s:I, s:I}}", "hurried", "renewals",
	    (json_int_t)renewals, "key_exports", (json_int_t)keys),
	    cmd_op(ctx));
	free(name);
}

const struct cmd_entry cmd_sync_entry = {
	.name = PROTO_CMD_SYNC,
	.usage = "sync [NAME]",
	.exec = cmd_sync_exec,
};

static void
cmd_check_exec(struct cmd_ctx *ctx)
{
	int	 nowait = 0;

	if (cmd_arg_bool(ctx, PROTO_A_NO_WAIT, &nowait) != 0)
		return;
	if (nowait) {
		mismatch_check(OP_NONE, NULL);
		cmd_reply_json(ctx, json_pack("{s:s}", "result", "checking every "
		    "deployment against ACM; see deploy list"));
		return;
	}
	/* The answer is what the check found, once every answer is in. */
	mismatch_check(cmd_op(ctx), NULL);
}

const struct cmd_entry cmd_deploy_check_entry = {
	.name = PROTO_CMD_DEPLOY_CHECK,
	.usage = "deploy check [--no-wait]",
	.exec = cmd_check_exec,
};

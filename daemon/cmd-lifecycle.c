/* renew, revoke, fetch-key: the life of ACM certificates once issued. */
#include <stdlib.h>

#include "cmd.h"
#include "keys.h"
#include "renew.h"
#include "revoke.h"

static void
cmd_renew_exec(struct cmd_ctx *ctx)
{
	char	*arn = NULL, *cred = NULL;
	int	 with_key = 0, yes = 0;

	if (cmd_arg_str(ctx, PROTO_A_ARN, 1, &arn) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_CREDENTIAL, 0, &cred) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_WITH_KEY, &with_key) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_YES, &yes) != 0)
		goto out;
	if (with_key && !yes) {
		cmd_reply_arg_error(ctx, PROTO_A_YES, "AWS charges for each "
		    "export of a certificate's key: confirm --with-key with "
		    "--yes");
		goto out;
	}
	renew_start(arn, cred, with_key, cmd_op(ctx));
out:
	free(arn);
	free(cred);
}

const struct cmd_entry cmd_renew_entry = {
	.name = PROTO_CMD_RENEW,
	.usage = "renew ARN [--credential C] [--with-key --yes]",
	.exec = cmd_renew_exec,
};

static void
cmd_revoke_exec(struct cmd_ctx *ctx)
{
	char	*arn = NULL, *cred = NULL, *reason = NULL, *norm = NULL;

	if (cmd_arg_str(ctx, PROTO_A_ARN, 1, &arn) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_REASON, 1, &reason) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_CREDENTIAL, 0, &cred) != 0)
		goto out;
	if ((norm = revoke_reason(reason)) == NULL) {
		cmd_reply_arg_error(ctx, PROTO_A_REASON, "unknown revocation "
		    "reason '%s' (%s)", reason, revoke_reasons_text);
		goto out;
	}
	revoke_start(arn, cred, norm, cmd_op(ctx));
out:
	free(arn);
	free(cred);
	free(reason);
	free(norm);
}

const struct cmd_entry cmd_revoke_entry = {
	.name = PROTO_CMD_REVOKE,
	.usage = "revoke ARN --reason R [--credential C]",
	.exec = cmd_revoke_exec,
};

static void
cmd_fetch_key_exec(struct cmd_ctx *ctx)
{
	char	*arn = NULL, *cred = NULL;
	int	 yes = 0;

	if (cmd_arg_str(ctx, PROTO_A_ARN, 1, &arn) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_CREDENTIAL, 0, &cred) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_YES, &yes) != 0)
		goto out;
	if (!yes) {
		cmd_reply_arg_error(ctx, PROTO_A_YES, "AWS charges for each "
		    "export of a certificate's key: confirm with yes");
		goto out;
	}
	keys_fetch(arn, cred, cmd_op(ctx));
out:
	free(arn);
	free(cred);
}

const struct cmd_entry cmd_fetch_key_entry = {
	.name = PROTO_CMD_FETCH_KEY,
	.usage = "fetch-key ARN [--credential C] --yes",
	.exec = cmd_fetch_key_exec,
};

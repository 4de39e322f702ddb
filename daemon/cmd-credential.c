/* credential add, list, remove, test: the AWS keys acmd works with. */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "aws/aws.h"
#include "cmd.h"
#include "creds.h"
#include "log.h"
#include "rec.h"
#include "store.h"
#include "xmalloc.h"

static int
match(const char *re, const char *s)
{
	regex_t	 r;
	int	 ok;

	if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
		return (0);
	ok = regexec(&r, s, 0, NULL, 0) == 0;
	regfree(&r);
	return (ok);
}

static void
cmd_credential_add_exec(struct cmd_ctx *ctx)
{
	enum proto_error	 code;
	json_t			*rec = NULL;
	char			*name = NULL, *ak = NULL, *secret = NULL;
	char			*token = NULL, *profile = NULL, *role = NULL;
	char			*ext = NULL, *cause = NULL;
	int			 env = 0, nsrc;

	if (cmd_arg_str(ctx, PROTO_A_NAME, 1, &name) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_ACCESS_KEY, 0, &ak) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_SECRET, 0, &secret) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_SESSION_TOKEN, 0, &token) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_PROFILE, 0, &profile) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_ROLE_ARN, 0, &role) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_EXTERNAL_ID, 0, &ext) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_ENV, &env) != 0)
		goto out;
	if (!creds_valid_name(name)) {
		cmd_reply_arg_error(ctx, PROTO_A_NAME, "credential name '%s': "
		    "use 1 to 64 letters, digits, '.', '_' or '-'", name);
		goto out;
	}
	nsrc = (ak != NULL) + (profile != NULL) + env;
	if (nsrc != 1) {
		cmd_reply_arg_error(ctx, PROTO_A_ACCESS_KEY, "give exactly one of "
		    "--access-key (secret on standard input), --profile or --env");
		goto out;
	}
	/*
	 * Any key of 1 to 128 printable characters: AWS-compatible endpoints
	 * and test set-ups use other shapes, and the SDKs take them.
	 */
	if (ak != NULL && !match("^[!-~]{1,128}$", ak)) {
		cmd_reply_arg_error(ctx, PROTO_A_ACCESS_KEY, "an access key id is 1 to "
		    "128 printable characters without spaces");
		goto out;
	}
	if (ak != NULL && !match("^[A-Z0-9]{16,128}$", ak))
		cmd_note(ctx, "warning: '%s' does not look like an AWS access "
		    "key id (16 or more capital letters and digits); stored as "
		    "given", ak);
	if (ak != NULL && (secret == NULL || *secret == '\0')) {
		cmd_reply_arg_error(ctx, PROTO_A_SECRET, "no secret access key was "
		    "given (acmctl reads it from standard input)");
		goto out;
	}
	if (ak == NULL && (secret != NULL || token != NULL)) {
		cmd_reply_arg_error(ctx, PROTO_A_SECRET, "a secret goes only with "
		    "--access-key");
		goto out;
	}
	if (secret != NULL && !match("^[!-~]{1,128}$", secret)) {
		cmd_reply_arg_error(ctx, PROTO_A_SECRET, "a secret access key is 1 to "
		    "128 printable characters without spaces");
		goto out;
	}
	if (secret != NULL && !match("^[A-Za-z0-9/+=]{16,128}$", secret))
		cmd_note(ctx, "warning: the secret access key does not look like "
		    "an AWS one (40 letters, digits, '/', '+' or '='); stored "
		    "as given");
	if (role != NULL &&
	    !match("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", role)) {
		cmd_reply_arg_error(ctx, PROTO_A_ROLE_ARN, "'%s' is not an IAM role "
		    "ARN (arn:aws:iam::123456789012:role/NAME)", role);
		goto out;
	}
	if (ext != NULL && role == NULL) {
		cmd_reply_arg_error(ctx, PROTO_A_EXTERNAL_ID, "--external-id goes with "
		    "--role-arn");
		goto out;
	}
	if (profile != NULL && !creds_valid_name(profile)) {
		cmd_reply_arg_error(ctx, PROTO_A_PROFILE, "profile name '%s' is not "
		    "valid", profile);
		goto out;
	}

	rec = json_object();
	json_object_set_new(rec, "name", json_string(name));
	json_object_set_new(rec, "type", json_string(ak != NULL ? "keys" :
	    profile != NULL ? "profile" : "env"));
	if (ak != NULL)
		json_object_set_new(rec, "access_key", json_string(ak));
	if (profile != NULL)
		json_object_set_new(rec, "profile", json_string(profile));
	if (role != NULL)
		json_object_set_new(rec, "role_arn", json_string(role));
	if (ext != NULL)
		json_object_set_new(rec, "external_id", json_string(ext));
	json_object_set_new(rec, "created", json_integer(time(NULL)));
	if (creds_add(rec, secret, token, &code, &cause) != 0) {
		cmd_reply_error(ctx, code, "%s", cause);
		free(cause);
		goto out;
	}
	log_info("credential %s added (%s%s%s)", name, ak ? "keys " : profile ?
	    "profile " : "environment", ak ? ak : profile ? profile : "",
	    role ? ", assumes a role" : "");
	cmd_reply_json(ctx, rec);
	rec = NULL;
out:
	json_decref(rec);
	free(name);
	free(ak);
	if (secret != NULL)
		xfree_secret(secret, strlen(secret));
	if (token != NULL)
		xfree_secret(token, strlen(token));
	free(profile);
	free(role);
	free(ext);
}

const struct cmd_entry cmd_credential_add_entry = {
	.name = PROTO_CMD_CREDENTIAL_ADD,
	.usage = "credential add NAME (--access-key ID | --profile P | --env) "
	    "[--role-arn ARN [--external-id ID]]",
	.exec = cmd_credential_add_exec,
};

static void
cmd_credential_list_exec(struct cmd_ctx *ctx)
{
	json_t	*rows;
	char	*cause = NULL;

	if ((rows = creds_list(&cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		return;
	}
	cmd_reply_json(ctx, rows);
}

const struct cmd_entry cmd_credential_list_entry = {
	.name = PROTO_CMD_CREDENTIAL_LIST,
	.usage = "credential list",
	.flags = CMD_READONLY,
	.exec = cmd_credential_list_exec,
};

static void
cmd_credential_remove_exec(struct cmd_ctx *ctx)
{
	char	*name = NULL, *cause = NULL;
	int	 r;

	if (cmd_arg_str(ctx, PROTO_A_NAME, 1, &name) != 0)
		return;
	if ((r = creds_remove(name, &cause)) == -1)
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
	else if (r == 1)
		cmd_reply_error(ctx, PROTO_ENOTFOUND, "no credential named '%s'",
		    name);
	else {
		log_info("credential %s removed", name);
		cmd_reply_ok(ctx, NULL);
	}
	free(cause);
	free(name);
}

const struct cmd_entry cmd_credential_remove_entry = {
	.name = PROTO_CMD_CREDENTIAL_REMOVE,
	.usage = "credential remove NAME",
	.exec = cmd_credential_remove_exec,
};

static void
cmd_credential_test_exec(struct cmd_ctx *ctx)
{
	char	*name = NULL;

	if (cmd_arg_str(ctx, PROTO_A_NAME, 1, &name) != 0)
		return;
	creds_test(name, cmd_op(ctx));
	free(name);
}

const struct cmd_entry cmd_credential_test_entry = {
	.name = PROTO_CMD_CREDENTIAL_TEST,
	.usage = "credential test NAME",
	.flags = CMD_READONLY,
	.exec = cmd_credential_test_exec,
};

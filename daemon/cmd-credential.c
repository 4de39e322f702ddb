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
	struct store_txn	*t = NULL;
	json_t			*rec = NULL, *old;
	char			*name = NULL, *ak = NULL, *secret = NULL;
	char			*token = NULL, *profile = NULL, *role = NULL;
	char			*ext = NULL, *cause = NULL;
	int			 env = 0, nsrc;

	if (cmd_arg_str(ctx, "name", 1, &name) != 0 ||
	    cmd_arg_str(ctx, "access_key", 0, &ak) != 0 ||
	    cmd_arg_str(ctx, "secret", 0, &secret) != 0 ||
	    cmd_arg_str(ctx, "session_token", 0, &token) != 0 ||
	    cmd_arg_str(ctx, "profile", 0, &profile) != 0 ||
	    cmd_arg_str(ctx, "role_arn", 0, &role) != 0 ||
	    cmd_arg_str(ctx, "external_id", 0, &ext) != 0 ||
	    cmd_arg_bool(ctx, "env", &env) != 0)
		goto out;
	if (!creds_valid_name(name)) {
		cmd_reply_arg_error(ctx, "name", "credential name '%s': "
		    "use 1 to 64 letters, digits, '.', '_' or '-'", name);
		goto out;
	}
	nsrc = (ak != NULL) + (profile != NULL) + env;
	if (nsrc != 1) {
		cmd_reply_arg_error(ctx, "access_key", "give exactly one of "
		    "--access-key (secret on standard input), --profile or --env");
		goto out;
	}
	/*
	 * Any key of 1 to 128 printable characters: AWS-compatible endpoints
	 * and test set-ups use other shapes, and the SDKs take them.
	 */
	if (ak != NULL && !match("^[!-~]{1,128}$", ak)) {
		cmd_reply_arg_error(ctx, "access_key", "an access key id is 1 to "
		    "128 printable characters without spaces");
		goto out;
	}
	if (ak != NULL && !match("^[A-Z0-9]{16,128}$", ak))
		cmd_note(ctx, "warning: '%s' does not look like an AWS access "
		    "key id (16 or more capital letters and digits); stored as "
		    "given", ak);
	if (ak != NULL && (secret == NULL || *secret == '\0')) {
		cmd_reply_arg_error(ctx, "secret", "no secret access key was "
		    "given (acmctl reads it from standard input)");
		goto out;
	}
	if (ak == NULL && (secret != NULL || token != NULL)) {
		cmd_reply_arg_error(ctx, "secret", "a secret goes only with "
		    "--access-key");
		goto out;
	}
	if (secret != NULL && !match("^[!-~]{1,128}$", secret)) {
		cmd_reply_arg_error(ctx, "secret", "a secret access key is 1 to "
		    "128 printable characters without spaces");
		goto out;
	}
	if (secret != NULL && !match("^[A-Za-z0-9/+=]{16,128}$", secret))
		cmd_note(ctx, "warning: the secret access key does not look like "
		    "an AWS one (40 letters, digits, '/', '+' or '='); stored "
		    "as given");
	if (role != NULL &&
	    !match("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", role)) {
		cmd_reply_arg_error(ctx, "role_arn", "'%s' is not an IAM role "
		    "ARN (arn:aws:iam::123456789012:role/NAME)", role);
		goto out;
	}
	if (ext != NULL && role == NULL) {
		cmd_reply_arg_error(ctx, "external_id", "--external-id goes with "
		    "--role-arn");
		goto out;
	}
	if (profile != NULL && !creds_valid_name(profile)) {
		cmd_reply_arg_error(ctx, "profile", "profile name '%s' is not "
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
	if ((secret != NULL && creds_seal_secret(rec, name, "secret", secret,
	    &cause) != 0) || (token != NULL && creds_seal_secret(rec, name,
	    "session_token", token, &cause) != 0))
		goto fail;

	if ((t = store_begin(acmd.store, 1, &cause)) == NULL)
		goto fail;
	old = rec_get(t, DB_CREDENTIALS, name, &cause);
	if (cause != NULL)
		goto fail;
	if (old != NULL) {
		json_decref(old);
		store_abort(t);
		t = NULL;
		cmd_reply_error(ctx, PROTO_EEXIST, "credential '%s' exists; "
		    "remove it first", name);
		goto out;
	}
	if (rec_put(t, DB_CREDENTIALS, name, rec, &cause) != 0 ||
	    store_commit(t, &cause) != 0) {
		t = NULL;
		goto fail;
	}
	t = NULL;
	creds_forget(name);
	log_info("credential %s added (%s%s%s)", name, ak ? "keys " : profile ?
	    "profile " : "environment", ak ? ak : profile ? profile : "",
	    role ? ", assumes a role" : "");
	json_object_del(rec, "secret");
	json_object_del(rec, "session_token");
	cmd_reply_json(ctx, rec);
	rec = NULL;
	goto out;
fail:
	store_abort(t);
	cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
	free(cause);
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

static json_t *
str_or_null(const json_t *rec, const char *k)
{
	const char	*v = rec_str(rec, k);

	return (v != NULL ? json_string(v) : json_null());
}

static int
cmd_credential_list_cb(const char *key, json_t *rec, void *arg)
{
	json_t		*rows = arg, *row;
	const char	*ak = rec_str(rec, "access_key");
	char		 masked[64];

	row = json_object();
	json_object_set_new(row, "name", json_string(key));
	json_object_set_new(row, "type", json_string(rec_str(rec, "type")));
	/* A key id is not a secret, but a long one is shown shortened. */
	if (ak != NULL && strlen(ak) > 8) {
		snprintf(masked, sizeof masked, "%.4s...%s", ak,
		    ak + strlen(ak) - 4);
		json_object_set_new(row, "access_key", json_string(masked));
	} else if (ak != NULL)
		json_object_set_new(row, "access_key", json_string(ak));
	else
		json_object_set_new(row, "access_key",
		    json_string(rec_str(rec, "profile")));
	/* Every row has every column, so the table has them all. */
	json_object_set_new(row, "role_arn", str_or_null(rec, "role_arn"));
	json_object_set_new(row, "account", str_or_null(rec, "account"));
	json_object_set_new(row, "identity", str_or_null(rec, "identity"));
	json_array_append_new(rows, row);
	return (0);
}

static void
cmd_credential_list_exec(struct cmd_ctx *ctx)
{
	cmd_reply_walk(ctx, DB_CREDENTIALS, NULL, cmd_credential_list_cb,
	    json_array());
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
	struct store_txn	*t;
	char			*name = NULL, *cause = NULL;
	int			 ret;

	if (cmd_arg_str(ctx, "name", 1, &name) != 0)
		return;
	if ((t = store_begin(acmd.store, 1, &cause)) == NULL)
		goto fail;
	ret = store_dels(t, DB_CREDENTIALS, name, &cause);
	if (ret == -1) {
		store_abort(t);
		goto fail;
	}
	if (ret == 0) {
		store_abort(t);
		cmd_reply_error(ctx, PROTO_ENOTFOUND, "no credential named '%s'",
		    name);
		free(name);
		return;
	}
	if (store_commit(t, &cause) != 0)
		goto fail;
	creds_forget(name);
	log_info("credential %s removed", name);
	cmd_reply_ok(ctx, NULL);
	free(name);
	return;
fail:
	cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
	free(cause);
	free(name);
}

const struct cmd_entry cmd_credential_remove_entry = {
	.name = PROTO_CMD_CREDENTIAL_REMOVE,
	.usage = "credential remove NAME",
	.exec = cmd_credential_remove_exec,
};

struct credential_test {
	struct cmd_ctx	*ctx;
	char		*name;
};

static void
cmd_credential_tested(struct aws_result *r, void *arg)
{
	struct credential_test	*ct = arg;
	struct store_txn	*t;
	json_t			*out, *rec;
	const char		*account, *arn, *uid;
	char			*cause = NULL;

	if (!r->ok) {
		cmd_reply_aws(ct->ctx, r->err.code, r->err.message);
		goto out;
	}
	account = xml_text(r->xml, "GetCallerIdentityResult/Account");
	arn = xml_text(r->xml, "GetCallerIdentityResult/Arn");
	uid = xml_text(r->xml, "GetCallerIdentityResult/UserId");
	if (account == NULL || arn == NULL) {
		cmd_reply_error(ct->ctx, PROTO_EAWS, "STS GetCallerIdentity "
		    "answered without an account");
		goto out;
	}
	creds_set_account(ct->name, account);
	/* Remember the account on a stored credential. */
	if ((t = store_begin(acmd.store, 1, &cause)) != NULL) {
		rec = rec_get(t, DB_CREDENTIALS, ct->name, &cause);
		if (rec != NULL) {
			json_object_set_new(rec, "account", json_string(account));
			json_object_set_new(rec, "identity", json_string(arn));
			json_object_set_new(rec, "tested",
			    json_integer(time(NULL)));
			if (rec_put(t, DB_CREDENTIALS, ct->name, rec,
			    &cause) == 0)
				store_commit(t, &cause), t = NULL;
			json_decref(rec);
		}
		store_abort(t);
	}
	if (cause != NULL) {
		log_warnx("credential %s: %s", ct->name, cause);
		free(cause);
	}
	out = json_object();
	json_object_set_new(out, "credential", json_string(ct->name));
	json_object_set_new(out, "account", json_string(account));
	json_object_set_new(out, "arn", json_string(arn));
	json_object_set_new(out, "user_id", json_string(uid));
	cmd_reply_json(ct->ctx, out);
out:
	free(ct->name);
	free(ct);
}

static void
cmd_credential_test_exec(struct cmd_ctx *ctx)
{
	struct credential_test	*ct;
	struct aws_cred		*cred;
	char			*name = NULL, *cause = NULL;

	if (cmd_arg_str(ctx, "name", 1, &name) != 0)
		return;
	if ((cred = creds_get(name, &cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_ENOTFOUND, "%s", cause);
		free(cause);
		free(name);
		return;
	}
	ct = xcalloc(1, sizeof *ct);
	ct->ctx = ctx;
	ct->name = name;
	aws_query(cred, &aws_svc_sts, "us-east-1", "GetCallerIdentity", NULL, 0,
	    cmd_credential_tested, ct);
	aws_cred_unref(cred);
}

const struct cmd_entry cmd_credential_test_entry = {
	.name = PROTO_CMD_CREDENTIAL_TEST,
	.usage = "credential test NAME",
	.flags = CMD_READONLY,
	.exec = cmd_credential_test_exec,
};

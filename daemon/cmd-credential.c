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
#include "mp.h"
#include "org.h"
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

/* What credential add was given. */
struct cred_in {
	char	*name, *ak, *secret, *token, *profile, *role, *ext;
	int	 env;
	int	 org;
	char	*role_name;
	char	**exclude, **ous;
	size_t	 nexclude, nous;
};

/*
 * --organization and its options: a role name (IAM's characters, as
 * CreateRole takes them), account ids of 12 digits, roots and OUs in
 * Organizations' own patterns.
 */
static int
cred_in_check_org(struct cmd_ctx *ctx, const struct cred_in *in)
{
	size_t	 i;

	if (!in->org) {
		if (in->role_name != NULL || in->nexclude > 0 || in->nous > 0) {
			cmd_reply_arg_error(ctx, in->role_name != NULL ?
			    PROTO_A_ROLE_NAME : in->nexclude > 0 ?
			    PROTO_A_EXCLUDE_ACCOUNT : PROTO_A_INCLUDE_OU,
			    "--role-name, --exclude-account and --include-ou "
			    "go with --organization");
			return (-1);
		}
		return (0);
	}
	if (in->role != NULL) {
		cmd_reply_arg_error(ctx, PROTO_A_ROLE_ARN, "--organization "
		    "takes --role-name (the role assumed in each account), "
		    "not --role-arn");
		return (-1);
	}
	if (in->role_name == NULL) {
		cmd_reply_arg_error(ctx, PROTO_A_ROLE_NAME, "--organization "
		    "needs --role-name R: the role acmd assumes in each account "
		    "(arn:aws:iam::ACCOUNT:role/R)");
		return (-1);
	}
	if (!match("^[A-Za-z0-9_+=,.@-]{1,64}$", in->role_name)) {
		cmd_reply_arg_error(ctx, PROTO_A_ROLE_NAME, "role name '%s': "
		    "1 to 64 letters, digits or _+=,.@- (a name, not an ARN)",
		    in->role_name);
		return (-1);
	}
	for (i = 0; i < in->nexclude; i++) {
		if (!match("^[0-9]{12}$", in->exclude[i])) {
			cmd_reply_arg_error(ctx, PROTO_A_EXCLUDE_ACCOUNT,
			    "'%s' is not an AWS account id (12 digits)",
			    in->exclude[i]);
			return (-1);
		}
	}
	for (i = 0; i < in->nous; i++) {
		if (!match("^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$",
		    in->ous[i])) {
			cmd_reply_arg_error(ctx, PROTO_A_INCLUDE_OU, "'%s' is not "
			    "an organization root (r-...) or OU id (ou-...-...)",
			    in->ous[i]);
			return (-1);
		}
	}
	return (0);
}

static json_t *
strv_json(char **v, size_t n)
{
	json_t	*a = json_array();
	size_t	 i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i && strcmp(v[i], v[j]) != 0; j++)
			;
		if (j == i)
			json_array_append_new(a, json_string(v[i]));
	}
	return (a);
}

/*
 * An access key and its secret: any of 1 to 128 printable characters
 * (AWS-compatible endpoints and test set-ups use other shapes, and the
 * SDKs take them), with a warning when they do not look like AWS's.
 */
static int
cred_in_check_keys(struct cmd_ctx *ctx, const struct cred_in *in)
{
	if (!match("^[!-~]{1,128}$", in->ak)) {
		cmd_reply_arg_error(ctx, PROTO_A_ACCESS_KEY, "an access key id is "
		    "1 to 128 printable characters without spaces");
		return (-1);
	}
	if (!match("^[A-Z0-9]{16,128}$", in->ak))
		cmd_note(ctx, "warning: '%s' does not look like an AWS access "
		    "key id (16 or more capital letters and digits); stored as "
		    "given", in->ak);
	if (in->secret == NULL || *in->secret == '\0') {
		cmd_reply_arg_error(ctx, PROTO_A_SECRET, "no secret access key "
		    "was given (acmctl reads it from standard input)");
		return (-1);
	}
	if (!match("^[!-~]{1,128}$", in->secret)) {
		cmd_reply_arg_error(ctx, PROTO_A_SECRET, "a secret access key is "
		    "1 to 128 printable characters without spaces");
		return (-1);
	}
	if (!match("^[A-Za-z0-9/+=]{16,128}$", in->secret))
		cmd_note(ctx, "warning: the secret access key does not look like "
		    "an AWS one (40 letters, digits, '/', '+' or '='); stored "
		    "as given");
	return (0);
}

/* The input fits, or -1 after replying why not (naming the option). */
static int
cred_in_check(struct cmd_ctx *ctx, const struct cred_in *in)
{
	if (!creds_valid_name(in->name)) {
		cmd_reply_arg_error(ctx, PROTO_A_NAME, "credential name '%s': "
		    "use 1 to 64 letters, digits, '.', '_' or '-'", in->name);
		return (-1);
	}
	if ((in->ak != NULL) + (in->profile != NULL) + in->env != 1) {
		cmd_reply_arg_error(ctx, PROTO_A_ACCESS_KEY, "give exactly one of "
		    "--access-key (secret on standard input), --profile or --env");
		return (-1);
	}
	if (in->ak != NULL && cred_in_check_keys(ctx, in) != 0)
		return (-1);
	if (in->ak == NULL && (in->secret != NULL || in->token != NULL)) {
		cmd_reply_arg_error(ctx, PROTO_A_SECRET, "a secret goes only with "
		    "--access-key");
		return (-1);
	}
	if (in->role != NULL &&
	    !match("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", in->role)) {
		cmd_reply_arg_error(ctx, PROTO_A_ROLE_ARN, "'%s' is not an IAM "
		    "role ARN (arn:aws:iam::123456789012:role/NAME)", in->role);
		return (-1);
	}
	if (cred_in_check_org(ctx, in) != 0)
		return (-1);
	if (in->ext != NULL && in->role == NULL && !in->org) {
		cmd_reply_arg_error(ctx, PROTO_A_EXTERNAL_ID, "--external-id goes "
		    "with --role-arn or --organization");
		return (-1);
	}
	if (in->profile != NULL && !creds_valid_name(in->profile)) {
		cmd_reply_arg_error(ctx, PROTO_A_PROFILE, "profile name '%s' is "
		    "not valid", in->profile);
		return (-1);
	}
	return (0);
}

static void
cmd_credential_add_exec(struct cmd_ctx *ctx)
{
	struct cred_in	 in = { 0 };
	enum proto_error code;
	json_t		*rec = NULL;
	char		*cause = NULL;

	if (cmd_arg_str(ctx, PROTO_A_NAME, 1, &in.name) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_ACCESS_KEY, 0, &in.ak) != 0 ||
	    cmd_arg_secret(ctx, PROTO_A_SECRET, 0, &in.secret) != 0 ||
	    cmd_arg_secret(ctx, PROTO_A_SESSION_TOKEN, 0, &in.token) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_PROFILE, 0, &in.profile) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_ROLE_ARN, 0, &in.role) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_EXTERNAL_ID, 0, &in.ext) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_ENV, &in.env) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_ORGANIZATION, &in.org) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_ROLE_NAME, 0, &in.role_name) != 0 ||
	    cmd_arg_strv(ctx, PROTO_A_EXCLUDE_ACCOUNT, 0, &in.exclude,
	    &in.nexclude) != 0 ||
	    cmd_arg_strv(ctx, PROTO_A_INCLUDE_OU, 0, &in.ous, &in.nous) != 0 ||
	    cred_in_check(ctx, &in) != 0)
		goto out;
	rec = json_object();
	json_object_set_new(rec, "name", json_string(in.name));
	json_object_set_new(rec, "type", json_string(in.ak != NULL ? "keys" :
	    in.profile != NULL ? "profile" : "env"));
	if (in.ak != NULL)
		json_object_set_new(rec, "access_key", json_string(in.ak));
	if (in.profile != NULL)
		json_object_set_new(rec, "profile", json_string(in.profile));
	if (in.role != NULL)
		json_object_set_new(rec, "role_arn", json_string(in.role));
	if (in.ext != NULL)
		json_object_set_new(rec, "external_id", json_string(in.ext));
	if (in.org) {
		json_object_set_new(rec, "organization", json_true());
		json_object_set_new(rec, "role_name", json_string(in.role_name));
		json_object_set_new(rec, "exclude_accounts",
		    strv_json(in.exclude, in.nexclude));
		json_object_set_new(rec, "include_ous", strv_json(in.ous,
		    in.nous));
	}
	json_object_set_new(rec, "created", json_integer(time(NULL)));
	if (creds_add(rec, in.secret, in.token, &code, &cause) != 0) {
		cmd_reply_error(ctx, code, "%s", cause);
		free(cause);
		goto out;
	}
	log_info("credential %s added (%s%s%s)", in.name, in.ak ? "keys " :
	    in.profile ? "profile " : "environment", in.ak ? in.ak :
	    in.profile ? in.profile : "", in.role ? ", assumes a role" :
	    in.org ? ", an organization's" : "");
	cmd_reply_json(ctx, rec);
	rec = NULL;
out:
	json_decref(rec);
	free(in.name);
	free(in.ak);
	if (in.secret != NULL)
		xfree_secret(in.secret, strlen(in.secret));
	if (in.token != NULL)
		xfree_secret(in.token, strlen(in.token));
	free(in.profile);
	free(in.role);
	free(in.ext);
	free(in.role_name);
	mp_strv_free(in.exclude);
	mp_strv_free(in.ous);
}

const struct cmd_entry cmd_credential_add_entry = {
	.name = PROTO_CMD_CREDENTIAL_ADD,
	.usage = "credential add NAME (--access-key ID | --profile P | --env) "
	    "[--role-arn ARN [--external-id ID] | --organization --role-name R "
	    "[--external-id ID] [--exclude-account ID]... [--include-ou OU]...]",
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

	json_t	*org;
	char	*cause = NULL;

	if (cmd_arg_str(ctx, PROTO_A_NAME, 1, &name) != 0)
		return;
	if ((org = org_rec(name, &cause)) != NULL)
		org_test(name, cmd_op(ctx));
	else
		creds_test(name, cmd_op(ctx));
	json_decref(org);
	free(cause);
	free(name);
}

const struct cmd_entry cmd_credential_test_entry = {
	.name = PROTO_CMD_CREDENTIAL_TEST,
	.usage = "credential test NAME",
	.flags = CMD_NOAUDIT,	/* calls AWS with the stored keys */
	.exec = cmd_credential_test_exec,
};

/*
 * --account ID with an organization's --credential ORG: *credential
 * becomes that account's ("ORG/ID"), an account the organization has
 * (active, as last listed).  0, or -1 after replying why not.
 */
int
cmd_arg_org_account(struct cmd_ctx *ctx, char **credential)
{
	json_t	*org = NULL;
	char	*account = NULL, *state = NULL, *cause = NULL;
	int	 ret = -1;

	if (cmd_arg_str(ctx, PROTO_A_ACCOUNT, 0, &account) != 0)
		return (-1);
	if (account == NULL)
		return (0);
	if (!match("^[0-9]{12}$", account)) {
		cmd_reply_arg_error(ctx, PROTO_A_ACCOUNT, "'%s' is not an AWS "
		    "account id (12 digits)", account);
		goto out;
	}
	if (*credential == NULL || (org = org_rec(*credential,
	    &cause)) == NULL) {
		cmd_reply_arg_error(ctx, PROTO_A_ACCOUNT, "--account goes with "
		    "--credential ORG, an organization's credential%s%s%s",
		    *credential ? " ('" : "", *credential ? *credential : "",
		    *credential ? "' is not one)" : "");
		goto out;
	}
	state = org_account_state(*credential, account);
	if (state == NULL || strcmp(state, "active") != 0) {
		cmd_reply_arg_error(ctx, PROTO_A_ACCOUNT, "account %s is %s "
		    "organization %s (acmctl credential test %s)", account,
		    state == NULL ? "not (yet) known in" : strcmp(state,
		    "gone") == 0 ? "gone from" : "excluded from", *credential,
		    *credential);
		goto out;
	}
	{
		char *member = org_member(*credential, account);

		free(*credential);
		*credential = member;
	}
	ret = 0;
out:
	json_decref(org);
	free(cause);
	free(state);
	free(account);
	return (ret);
}

/* cert add, list, show, renew, export, delete: the local repository. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "certs.h"
#include "cmd.h"
#include "log.h"
#include "xmalloc.h"

static void
reply_repo(struct cmd_ctx *ctx, enum repo_err err, char *cause)
{
	cmd_reply_error(ctx, repo_err_proto(err), "%s", cause != NULL ? cause :
	    repo_err_string(err));
	free(cause);
}

static void
free_secret_str(char *s)
{
	if (s != NULL)
		xfree_secret(s, strlen(s));
}

static void
cert_add_or_renew(struct cmd_ctx *ctx, int mode)
{
	struct repo_input	 in = { .source = "file", .mode = mode };
	enum repo_err		 err;
	char			*name = NULL, *cert = NULL, *chain = NULL;
	char			*key = NULL, *pass = NULL, *cause = NULL;
	long			 version;

	if (cmd_arg_str(ctx, PROTO_A_NAME, 1, &name) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_CERT_PEM, 1, &cert) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_CHAIN_PEM, 0, &chain) != 0 ||
	    cmd_arg_secret(ctx, PROTO_A_KEY_PEM, 1, &key) != 0 ||
	    cmd_arg_secret(ctx, PROTO_A_PASSPHRASE, 0, &pass) != 0)
		goto out;
	in.name = name;
	in.cert = cert;
	in.chain = chain;
	in.key = key;
	in.passphrase = pass;
	if (certs_add(&in, &version, &err, &cause) != 0)
		reply_repo(ctx, err, cause);
	else
		cmd_reply_json(ctx, json_pack("{s:s, s:I}", "name", name,
		    "version", (json_int_t)version));
out:
	free(name);
	free(cert);
	free(chain);
	free_secret_str(key);
	free_secret_str(pass);
}

static void
cmd_cert_add_exec(struct cmd_ctx *ctx)
{
	cert_add_or_renew(ctx, REPO_MUST_BE_NEW);
}

const struct cmd_entry cmd_cert_add_entry = {
	.name = PROTO_CMD_CERT_ADD,
	.usage = "cert add NAME --cert FILE --key FILE [--chain FILE]",
	.exec = cmd_cert_add_exec,
};

static void
cmd_cert_renew_exec(struct cmd_ctx *ctx)
{
	cert_add_or_renew(ctx, REPO_MUST_EXIST);
}

const struct cmd_entry cmd_cert_renew_entry = {
	.name = PROTO_CMD_CERT_RENEW,
	.usage = "cert renew NAME --cert FILE --key FILE [--chain FILE]",
	.exec = cmd_cert_renew_exec,
};

static void
cmd_cert_list_exec(struct cmd_ctx *ctx)
{
	json_t	*rows;
	char	*cause = NULL;

	if ((rows = certs_list(&cause)) == NULL)
		reply_repo(ctx, REPO_ESTORE, cause);
	else
		cmd_reply_json(ctx, rows);
}

const struct cmd_entry cmd_cert_list_entry = {
	.name = PROTO_CMD_CERT_LIST,
	.usage = "cert list",
	.flags = CMD_READONLY,
	.exec = cmd_cert_list_exec,
};

static void
cmd_cert_show_exec(struct cmd_ctx *ctx)
{
	enum repo_err	 err;
	json_t		*out;
	char		*name = NULL, *cause = NULL;

	if (cmd_arg_str(ctx, PROTO_A_NAME, 1, &name) != 0)
		return;
	if ((out = certs_show(name, &err, &cause)) == NULL)
		reply_repo(ctx, err, cause);
	else
		cmd_reply_json(ctx, out);
	free(name);
}

const struct cmd_entry cmd_cert_show_entry = {
	.name = PROTO_CMD_CERT_SHOW,
	.usage = "cert show NAME",
	.flags = CMD_READONLY,
	.exec = cmd_cert_show_exec,
};

static void
cmd_cert_export_exec(struct cmd_ctx *ctx)
{
	enum repo_err	 err;
	json_t		*out;
	char		*name = NULL, *cause = NULL;
	uint64_t	 version = 0;
	int		 with_key = 0;

	if (cmd_arg_str(ctx, PROTO_A_NAME, 1, &name) != 0 ||
	    cmd_arg_uint(ctx, PROTO_A_VERSION, &version) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_WITH_KEY, &with_key) != 0)
		goto out;
	if (version > (uint64_t)LONG_MAX) {
		cmd_reply_arg_error(ctx, PROTO_A_VERSION, "no such version");
		goto out;
	}
	if ((out = certs_export(name, (long)version, with_key, &err,
	    &cause)) == NULL) {
		reply_repo(ctx, err, cause);
		goto out;
	}
	if (with_key) {
		log_info("certificate %s: private key exported by uid %u", name,
		    (unsigned)ctx->uid);
		cmd_reply_json_secret(ctx, out);
	} else
		cmd_reply_json(ctx, out);
out:
	free(name);
}

const struct cmd_entry cmd_cert_export_entry = {
	.name = PROTO_CMD_CERT_EXPORT,
	.usage = "cert export NAME [--version N] [--with-key]",
	.exec = cmd_cert_export_exec,
};

static void
cmd_cert_delete_exec(struct cmd_ctx *ctx)
{
	enum repo_err	 err;
	json_t		*out;
	char		*name = NULL, *cause = NULL;

	if (cmd_arg_str(ctx, PROTO_A_NAME, 1, &name) != 0)
		return;
	if ((out = certs_delete(name, &err, &cause)) == NULL)
		reply_repo(ctx, err, cause);
	else
		cmd_reply_json(ctx, out);
	free(name);
}

const struct cmd_entry cmd_cert_delete_entry = {
	.name = PROTO_CMD_CERT_DELETE,
	.usage = "cert delete NAME",
	.flags = 0,
	.exec = cmd_cert_delete_exec,
};

/* cert add, list, show, renew, export, delete: the local repository. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "cmd.h"
#include "log.h"
#include "pem.h"
#include "rec.h"
#include "repo.h"
#include "store.h"
#include "xmalloc.h"

static void
reply_cause(struct cmd_ctx *ctx, enum proto_error code, char *cause)
{
	cmd_reply_error(ctx, code, "%s", cause != NULL ? cause : "failed");
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
	struct store_txn	*t = NULL;
	json_t			*out;
	char			*name = NULL, *cert = NULL, *chain = NULL;
	char			*key = NULL, *pass = NULL, *cause = NULL;
	enum proto_error	 code;
	long			 version;

	if (cmd_arg_str(ctx, "name", 1, &name) != 0 ||
	    cmd_arg_str(ctx, "cert_pem", 1, &cert) != 0 ||
	    cmd_arg_str(ctx, "chain_pem", 0, &chain) != 0 ||
	    cmd_arg_str(ctx, "key_pem", 0, &key) != 0 ||
	    cmd_arg_str(ctx, "passphrase", 0, &pass) != 0)
		goto out;
	if (key == NULL) {
		cmd_reply_error(ctx, PROTO_EINVAL_ARG, "a private key is needed "
		    "(--key FILE)");
		goto out;
	}
	if ((t = store_begin(acmd.store, 1, &cause)) == NULL) {
		reply_cause(ctx, PROTO_EINTERNAL, cause);
		goto out;
	}
	if (repo_add(t, name, cert, chain, key, pass, "file", mode, &version,
	    &code, &cause) != 0) {
		store_abort(t);
		reply_cause(ctx, code, cause);
		goto out;
	}
	if (store_commit(t, &cause) != 0) {
		reply_cause(ctx, PROTO_EINTERNAL, cause);
		goto out;
	}
	log_info("certificate %s: version %ld added from files", name, version);
	repo_new_version(name, version);
	out = json_pack("{s:s, s:I}", "name", name, "version",
	    (json_int_t)version);
	cmd_reply_json(ctx, out);
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
	.name = "cert.add",
	.usage = "cert add NAME --cert FILE --key FILE [--chain FILE]",
	.exec = cmd_cert_add_exec,
};

static void
cmd_cert_renew_exec(struct cmd_ctx *ctx)
{
	cert_add_or_renew(ctx, REPO_MUST_EXIST);
}

const struct cmd_entry cmd_cert_renew_entry = {
	.name = "cert.renew",
	.usage = "cert renew NAME --cert FILE --key FILE [--chain FILE]",
	.exec = cmd_cert_renew_exec,
};

static int
deployment_count_cb(const char *key, json_t *rec, void *arg)
{
	(*(int *)arg)++;
	return (0);
}

static int
cert_list_cb(const char *key, json_t *rec, void *arg)
{
	json_t		*rows = arg;
	time_t		 na = (time_t)rec_int(rec, "not_after");

	json_array_append_new(rows, json_pack("{s:s, s:s, s:I, s:s, s:I, s:I, "
	    "s:b}", "name", key, "domain", rec_str(rec, "domain") ?
	    rec_str(rec, "domain") : "", "version",
	    (json_int_t)rec_int(rec, "current"), "key_type",
	    rec_str(rec, "key_type") ? rec_str(rec, "key_type") : "",
	    "not_after", (json_int_t)na, "days_left",
	    (json_int_t)pem_days_left(na, time(NULL)), "has_key",
	    rec_bool(rec, "has_key")));
	return (0);
}

static void
cmd_cert_list_exec(struct cmd_ctx *ctx)
{
	struct store_txn	*t;
	json_t			*rows, *row;
	char			*cause = NULL, prefix[256];
	size_t			 i;
	int			 n;

	if ((t = store_begin(acmd.store, 0, &cause)) == NULL) {
		reply_cause(ctx, PROTO_EINTERNAL, cause);
		return;
	}
	rows = json_array();
	if (rec_foreach(t, DB_CERTS, NULL, cert_list_cb, rows, &cause) != 0)
		goto fail;
	json_array_foreach(rows, i, row) {
		n = 0;
		snprintf(prefix, sizeof prefix, "%s/", rec_str(row, "name"));
		if (rec_foreach(t, DB_DEPLOYMENTS, prefix, deployment_count_cb,
		    &n, &cause) != 0)
			goto fail;
		json_object_set_new(row, "deployments", json_integer(n));
	}
	store_abort(t);
	cmd_reply_json(ctx, rows);
	return;
fail:
	store_abort(t);
	json_decref(rows);
	reply_cause(ctx, PROTO_EINTERNAL, cause);
}

const struct cmd_entry cmd_cert_list_entry = {
	.name = "cert.list",
	.usage = "cert list",
	.flags = CMD_READONLY,
	.exec = cmd_cert_list_exec,
};

static int
collect_cb(const char *key, json_t *rec, void *arg)
{
	json_array_append(arg, rec);
	return (0);
}

static void
cmd_cert_show_exec(struct cmd_ctx *ctx)
{
	struct store_txn	*t;
	json_t			*c = NULL, *v = NULL, *vs = NULL, *out, *x, *deps;
	char			*name = NULL, *cause = NULL, prefix[256];
	size_t			 i;

	if (cmd_arg_str(ctx, "name", 1, &name) != 0)
		return;
	if ((t = store_begin(acmd.store, 0, &cause)) == NULL) {
		reply_cause(ctx, PROTO_EINTERNAL, cause);
		free(name);
		return;
	}
	if ((c = repo_get(t, name, &cause)) == NULL) {
		store_abort(t);
		if (cause == NULL)
			cmd_reply_error(ctx, PROTO_ENOTFOUND, "no certificate "
			    "named '%s'", name);
		else
			reply_cause(ctx, PROTO_EINTERNAL, cause);
		free(name);
		return;
	}
	v = repo_get_version(t, name, 0, &cause);
	vs = repo_versions(t, name, &cause);
	deps = json_array();
	snprintf(prefix, sizeof prefix, "%s/", name);
	rec_foreach(t, DB_DEPLOYMENTS, prefix, collect_cb, deps, &cause);
	store_abort(t);
	if (v == NULL || vs == NULL) {
		json_decref(c);
		json_decref(v);
		json_decref(vs);
		json_decref(deps);
		reply_cause(ctx, PROTO_EINTERNAL, cause != NULL ? cause :
		    xstrdup("current version is missing"));
		free(name);
		return;
	}
	free(cause);
	out = repo_version_summary(v);
	json_object_set_new(out, "days_left", json_integer(pem_days_left(
	    (time_t)rec_int(v, "not_after"), time(NULL))));
	json_object_set_new(out, "created", json_integer(rec_int(c, "created")));
	json_object_set(out, "current", json_object_get(c, "current"));
	x = json_array();
	for (i = 0; i < json_array_size(vs); i++)
		json_array_append_new(x, json_pack("{s:O, s:O, s:O, s:O, s:O}",
		    "version", json_object_get(json_array_get(vs, i), "version"),
		    "added", json_object_get(json_array_get(vs, i), "added"),
		    "serial", json_object_get(json_array_get(vs, i), "serial"),
		    "not_after", json_object_get(json_array_get(vs, i),
		    "not_after"),
		    "sha256", json_object_get(json_array_get(vs, i), "sha256")));
	json_object_set_new(out, "versions", x);
	json_object_set_new(out, "deployments", deps);
	json_decref(c);
	json_decref(v);
	json_decref(vs);
	cmd_reply_json(ctx, out);
	free(name);
}

const struct cmd_entry cmd_cert_show_entry = {
	.name = "cert.show",
	.usage = "cert show NAME",
	.flags = CMD_READONLY,
	.exec = cmd_cert_show_exec,
};

static void
cmd_cert_export_exec(struct cmd_ctx *ctx)
{
	struct store_txn	*t;
	json_t			*v, *out;
	char			*name = NULL, *cause = NULL, *key;
	uint64_t		 version = 0;
	size_t			 klen;
	int			 with_key = 0;

	if (cmd_arg_str(ctx, "name", 1, &name) != 0 ||
	    cmd_arg_uint(ctx, "version", &version) != 0 ||
	    cmd_arg_bool(ctx, "with_key", &with_key) != 0) {
		free(name);
		return;
	}
	if ((t = store_begin(acmd.store, 0, &cause)) == NULL) {
		reply_cause(ctx, PROTO_EINTERNAL, cause);
		free(name);
		return;
	}
	v = repo_get_version(t, name, (long)version, &cause);
	store_abort(t);
	if (v == NULL) {
		if (cause == NULL)
			cmd_reply_error(ctx, PROTO_ENOTFOUND, "no certificate "
			    "'%s'%s", name, version ? " with that version" : "");
		else
			reply_cause(ctx, PROTO_EINTERNAL, cause);
		free(name);
		return;
	}
	out = json_pack("{s:s, s:O, s:O, s:O}", "name", name, "version",
	    json_object_get(v, "version"), "cert", json_object_get(v, "cert"),
	    "chain", json_object_get(v, "chain"));
	if (with_key) {
		key = repo_key(v, &klen, &cause);
		if (key == NULL) {
			json_decref(out);
			json_decref(v);
			if (cause != NULL)
				reply_cause(ctx, PROTO_EINTERNAL, cause);
			else
				cmd_reply_error(ctx, PROTO_ENOTFOUND, "certificate "
				    "'%s' has no private key", name);
			free(name);
			return;
		}
		json_object_set_new(out, "key", json_string(key));
		xfree_secret(key, klen);
		log_info("certificate %s: private key exported by uid %u", name,
		    (unsigned)ctx->uid);
	}
	json_decref(v);
	cmd_reply_json(ctx, out);
	free(name);
}

const struct cmd_entry cmd_cert_export_entry = {
	.name = "cert.export",
	.usage = "cert export NAME [--version N] [--with-key]",
	.exec = cmd_cert_export_exec,
};

static void
cmd_cert_delete_exec(struct cmd_ctx *ctx)
{
	struct store_txn	*t;
	json_t			*deps;
	char			*name = NULL, *cause = NULL, prefix[256];
	size_t			 i;

	if (cmd_arg_str(ctx, "name", 1, &name) != 0)
		return;
	if ((t = store_begin(acmd.store, 1, &cause)) == NULL) {
		reply_cause(ctx, PROTO_EINTERNAL, cause);
		free(name);
		return;
	}
	deps = json_array();
	snprintf(prefix, sizeof prefix, "%s/", name);
	if (repo_delete(t, name, &cause) != 0) {
		store_abort(t);
		json_decref(deps);
		reply_cause(ctx, strncmp(cause, "no cert", 7) == 0 ?
		    PROTO_ENOTFOUND : PROTO_EINTERNAL, cause);
		free(name);
		return;
	}
	/* Its deployment records go too; ACM is not touched. */
	rec_foreach(t, DB_DEPLOYMENTS, prefix, collect_cb, deps, &cause);
	for (i = 0; i < json_array_size(deps); i++) {
		char	*k;

		xasprintf(&k, "%s%s/%s", prefix,
		    rec_str(json_array_get(deps, i), "account"),
		    rec_str(json_array_get(deps, i), "region"));
		store_dels(t, DB_DEPLOYMENTS, k, &cause);
		free(k);
	}
	if (store_commit(t, &cause) != 0) {
		json_decref(deps);
		reply_cause(ctx, PROTO_EINTERNAL, cause);
		free(name);
		return;
	}
	log_info("certificate %s deleted from the repository (ACM untouched)",
	    name);
	cmd_reply_json(ctx, json_pack("{s:s, s:I, s:s}", "deleted", name,
	    "deployments_forgotten", (json_int_t)json_array_size(deps), "note",
	    "removed from acmd only; nothing was deleted in ACM"));
	json_decref(deps);
	free(name);
}

const struct cmd_entry cmd_cert_delete_entry = {
	.name = "cert.delete",
	.usage = "cert delete NAME",
	.exec = cmd_cert_delete_exec,
};

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "certs.h"
#include "log.h"
#include "pem.h"
#include "rec.h"
#include "repo.h"
#include "store.h"
#include "xmalloc.h"

struct certs_op {
	const struct repo_input	*in;
	const char		*name;
	long			 version;
	int			 with_key;
	enum repo_err		 err;
	json_t			*out;
};

static int
certs_add_fn(struct store_txn *t, void *arg, char **cause)
{
	struct certs_op	*op = arg;

	return (repo_add(t, op->in, &op->version, &op->err, cause));
}

int
certs_add(const struct repo_input *in, long *version, enum repo_err *err,
    char **cause)
{
	struct certs_op	 op = { .in = in, .err = REPO_ESTORE };

	if (store_write(acmd.store, certs_add_fn, &op, cause) != 0) {
		*err = op.err == REPO_OK ? REPO_ESTORE : op.err;
		return (-1);
	}
	*version = op.version;
	log_info("certificate %s: version %ld added from %s", in->name,
	    op.version, in->source);
	repo_new_version(in->name, op.version);
	return (0);
}

static int
certs_list_cb(const char *key, json_t *rec, void *arg)
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

static int
certs_list_fn(struct store_txn *t, void *arg, char **cause)
{
	struct certs_op	*op = arg;
	json_t		*row;
	char		*prefix;
	size_t		 i, n;

	if (rec_foreach(t, DB_CERTS, NULL, certs_list_cb, op->out, cause) != 0)
		return (-1);
	json_array_foreach(op->out, i, row) {
		xasprintf(&prefix, "%s/", rec_str(row, "name"));
		n = rec_count(t, DB_DEPLOYMENTS, prefix, cause);
		free(prefix);
		if (*cause != NULL)
			return (-1);
		json_object_set_new(row, "deployments", json_integer(n));
	}
	return (0);
}

json_t *
certs_list(char **cause)
{
	struct certs_op	 op = { .out = json_array() };

	if (store_read(acmd.store, certs_list_fn, &op, cause) != 0) {
		json_decref(op.out);
		return (NULL);
	}
	return (op.out);
}

static int
collect_cb(const char *key, json_t *rec, void *arg)
{
	json_array_append(arg, rec);
	return (0);
}

/* The versions of name as cert show lists them. */
static json_t *
certs_version_rows(const json_t *vs)
{
	json_t	*rows = json_array(), *v;
	size_t	 i;

	json_array_foreach(vs, i, v)
		json_array_append_new(rows, json_pack("{s:O, s:O, s:O, s:O, s:O}",
		    "version", json_object_get(v, "version"),
		    "added", json_object_get(v, "added"),
		    "serial", json_object_get(v, "serial"),
		    "not_after", json_object_get(v, "not_after"),
		    "sha256", json_object_get(v, "sha256")));
	return (rows);
}

static int
certs_show_fn(struct store_txn *t, void *arg, char **cause)
{
	struct certs_op	*op = arg;
	json_t		*c, *v = NULL, *vs = NULL, *deps;
	char		*prefix;
	int		 ret = -1;

	if ((c = repo_get(t, op->name, cause)) == NULL) {
		op->err = *cause != NULL ? REPO_ESTORE : REPO_ENOTFOUND;
		if (*cause == NULL)
			xasprintf(cause, "no certificate named '%s'", op->name);
		return (-1);
	}
	deps = json_array();
	xasprintf(&prefix, "%s/", op->name);
	if ((v = repo_get_version(t, op->name, 0, cause)) == NULL ||
	    (vs = repo_versions(t, op->name, cause)) == NULL ||
	    rec_foreach(t, DB_DEPLOYMENTS, prefix, collect_cb, deps,
	    cause) != 0) {
		if (*cause == NULL)
			xasprintf(cause, "current version is missing");
		goto out;
	}
	op->out = repo_version_summary(v);
	json_object_set_new(op->out, "days_left", json_integer(pem_days_left(
	    (time_t)rec_int(v, "not_after"), time(NULL))));
	json_object_set_new(op->out, "created", json_integer(rec_int(c,
	    "created")));
	json_object_set(op->out, "current", json_object_get(c, "current"));
	json_object_set_new(op->out, "versions", certs_version_rows(vs));
	json_object_set(op->out, "deployments", deps);
	ret = 0;
out:
	free(prefix);
	json_decref(c);
	json_decref(v);
	json_decref(vs);
	json_decref(deps);
	return (ret);
}

json_t *
certs_show(const char *name, enum repo_err *err, char **cause)
{
	struct certs_op	 op = { .name = name, .err = REPO_ESTORE };

	if (store_read(acmd.store, certs_show_fn, &op, cause) != 0) {
		*err = op.err;
		json_decref(op.out);
		return (NULL);
	}
	return (op.out);
}

json_t *
certs_export(const char *name, long version, int with_key,
    enum repo_err *err, char **cause)
{
	json_t	*v, *out;
	char	*key;
	size_t	 klen;

	*err = REPO_ESTORE;
	if ((v = repo_read_version(name, version, cause)) == NULL) {
		if (*cause == NULL) {
			*err = REPO_ENOTFOUND;
			xasprintf(cause, "no certificate '%s'%s", name, version ?
			    " with that version" : "");
		}
		return (NULL);
	}
	out = json_pack("{s:s, s:O, s:O, s:O}", "name", name, "version",
	    json_object_get(v, "version"), "cert", json_object_get(v, "cert"),
	    "chain", json_object_get(v, "chain"));
	if (with_key) {
		if ((key = repo_key(v, &klen, cause)) == NULL) {
			json_decref(out);
			json_decref(v);
			if (*cause == NULL) {
				*err = REPO_ENOTFOUND;
				xasprintf(cause, "certificate '%s' has no private "
				    "key", name);
			}
			return (NULL);
		}
		json_object_set_new(out, "key", json_string(key));
		xfree_secret(key, klen);
	}
	json_decref(v);
	return (out);
}

static int
certs_delete_fn(struct store_txn *t, void *arg, char **cause)
{
	struct certs_op	*op = arg;
	char		*prefix;
	size_t		 n = 0;
	int		 ret;

	if ((ret = repo_delete(t, op->name, cause)) != 0) {
		op->err = ret == 1 ? REPO_ENOTFOUND : REPO_ESTORE;
		return (-1);
	}
	/* Its deployment records go too; ACM is not touched. */
	xasprintf(&prefix, "%s/", op->name);
	ret = rec_forget(t, DB_DEPLOYMENTS, prefix, NULL, NULL, &n, cause);
	free(prefix);
	op->version = (long)n;
	return (ret);
}

json_t *
certs_delete(const char *name, enum repo_err *err, char **cause)
{
	struct certs_op	 op = { .name = name, .err = REPO_ESTORE };

	if (store_write(acmd.store, certs_delete_fn, &op, cause) != 0) {
		*err = op.err;
		return (NULL);
	}
	log_info("certificate %s deleted from the repository (ACM untouched)",
	    name);
	return (json_pack("{s:s, s:I, s:s}", "deleted", name,
	    "deployments_forgotten", (json_int_t)op.version, "note",
	    "removed from acmd only; nothing was deleted in ACM"));
}

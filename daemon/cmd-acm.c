/* discover, acm list, acm show, iam list: the AWS tab. */
#include <ctype.h>
#include <fnmatch.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "aws/endpoint.h"
#include "aws/aws.h"
#include "cmd.h"
#include "creds.h"
#include "inventory.h"
#include "jobs/discovery.h"
#include "log.h"
#include "mpjson.h"
#include "rec.h"
#include "store.h"
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

	if (cmd_arg_strv(ctx, "credential", 0, &creds, &ncreds) != 0 ||
	    cmd_arg_strv(ctx, "region", 0, &regions, &nregions) != 0)
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
			cmd_reply_error(ctx, PROTO_EINVAL_ARG, "unknown region "
			    "'%s' (not one where ACM runs)", regions[i]);
			goto out;
		}
	}
	if (discovery_start(ctx, creds ? strv_json(creds) : NULL,
	    regions ? strv_json(regions) : NULL, &cause) != 0) {
		cmd_reply_error(ctx, discovery_running() ? PROTO_EBUSY :
		    PROTO_EINVAL_ARG, "%s", cause);
		free(cause);
	}
out:
	mp_strv_free(creds);
	mp_strv_free(regions);
}

const struct cmd_entry cmd_discover_entry = {
	.name = "discover",
	.usage = "discover [--credential C]... [--region R]...",
	.exec = cmd_discover_exec,
};

struct acm_filter {
	char		**creds;
	char		**regions;
	char		*type;
	char		*status;
	char		*domain;
	uint64_t	 expiring;
	int		 has_expiring;
	int		 all;
	json_t		*rows;
	json_t		*deploy;	/* arn -> deployment state */
};

static int
in_list(char **v, const char *s)
{
	size_t	 i;

	if (v == NULL)
		return (1);
	for (i = 0; v[i] != NULL; i++) {
		if (s != NULL && strcmp(v[i], s) == 0)
			return (1);
	}
	return (0);
}

static int
domain_matches(const json_t *rec, const char *glob)
{
	json_t	*sans = json_object_get(rec, "sans"), *s;
	size_t	 i;

	if (glob == NULL)
		return (1);
	if (rec_str(rec, "domain") != NULL &&
	    fnmatch(glob, rec_str(rec, "domain"), FNM_CASEFOLD) == 0)
		return (1);
	json_array_foreach(sans, i, s) {
		if (json_is_string(s) && fnmatch(glob, json_string_value(s),
		    FNM_CASEFOLD) == 0)
			return (1);
	}
	return (0);
}

static int
type_matches(const char *want, const char *type)
{
	char	 norm[64];
	size_t	 i, j = 0;

	if (want == NULL)
		return (1);
	if (type == NULL)
		return (0);
	/* "amazon-issued", "Amazon Issued", "AMAZON_ISSUED" all match. */
	for (i = 0; type[i] != '\0' && j + 1 < sizeof norm; i++)
		norm[j++] = (type[i] == ' ' || type[i] == '_') ? '-' :
		    (char)tolower((unsigned char)type[i]);
	norm[j] = '\0';
	for (i = 0; want[i] != '\0'; i++) {
		char	 w = (want[i] == ' ' || want[i] == '_') ? '-' :
		    (char)tolower((unsigned char)want[i]);

		if (w != norm[i])
			return (0);
	}
	return (norm[i] == '\0');
}

static json_t *
acm_row(const json_t *rec, const json_t *deploy)
{
	json_t		*row, *in_use = json_object_get(rec, "in_use_by");
	json_t		*linked = json_object_get(rec, "linked"), *d;
	const char	*arn = rec_str(rec, "arn");

	row = json_object();
	json_object_set_new(row, "domain", json_string(rec_str(rec, "domain") ?
	    rec_str(rec, "domain") : ""));
	json_object_set_new(row, "type", json_string(rec_str(rec, "type")));
	json_object_set_new(row, "status", json_string(rec_str(rec, "status")));
	json_object_set_new(row, "region", json_string(rec_str(rec, "region") ?
	    rec_str(rec, "region") : "global"));
	if (json_object_get(rec, "not_after") != NULL)
		json_object_set_new(row, "days_left",
		    json_integer(inv_days_left(rec)));
	else
		json_object_set_new(row, "days_left", json_null());
	json_object_set_new(row, "in_use", json_boolean(json_array_size(in_use)
	    > 0));
	json_object_set_new(row, "linked", linked != NULL ?
	    json_string(rec_str(linked, "name")) : json_null());
	d = arn != NULL ? json_object_get(deploy, arn) : NULL;
	json_object_set_new(row, "deployment", d != NULL ? json_incref(d) :
	    json_null());
	json_object_set_new(row, "account", json_string(rec_str(rec,
	    "account")));
	json_object_set_new(row, "credential", json_string(rec_str(rec,
	    "credential")));
	json_object_set_new(row, "arn", json_string(arn));
	if (rec_bool(rec, "gone"))
		json_object_set_new(row, "gone", json_true());
	return (row);
}

/*
 * acm list answers from a cache of every inventory row, rebuilt only when
 * the acm or iam database changed.  Each row is kept packed (msgpack) but
 * for the two columns that move on their own (days left, deployment), so
 * 10,000 rows go out with a copy each.
 */
struct acm_cached {
	json_t		*rec;		/* what the filters look at */
	char		*packed;	/* the row's fixed columns */
	size_t		 plen;
	uint32_t	 nfixed;
	char		*arn;
	int		 gone;
};

static struct acm_cached	*acm_cache;
static size_t			 acm_ncache;
static uint64_t			 acm_cache_gen[2] = { UINT64_MAX, UINT64_MAX };

static void
acm_cache_clear(void)
{
	size_t	 i;

	for (i = 0; i < acm_ncache; i++) {
		json_decref(acm_cache[i].rec);
		free(acm_cache[i].packed);
		free(acm_cache[i].arn);
	}
	free(acm_cache);
	acm_cache = NULL;
	acm_ncache = 0;
}

static int
acm_cache_cb(const char *key, json_t *rec, void *arg)
{
	static const char *const filter_fields[] = { "credential", "region",
	    "type", "status", "domain", "sans", "not_after", NULL };
	struct acm_cached	*c;
	struct mp_buf		*b;
	json_t			*row, *v;
	const char		*k;
	size_t			 i;

	acm_cache = xreallocarray(acm_cache, acm_ncache + 1, sizeof *acm_cache);
	c = &acm_cache[acm_ncache++];
	memset(c, 0, sizeof *c);
	c->rec = json_object();
	for (i = 0; filter_fields[i] != NULL; i++) {
		if ((v = json_object_get(rec, filter_fields[i])) != NULL)
			json_object_set(c->rec, filter_fields[i], v);
	}
	c->gone = rec_bool(rec, "gone");
	if (rec_str(rec, "arn") != NULL)
		c->arn = xstrdup(rec_str(rec, "arn"));
	row = acm_row(rec, NULL);
	json_object_del(row, "days_left");
	json_object_del(row, "deployment");
	b = mp_buf_new();
	json_object_foreach(row, k, v) {
		mp_str(b, k);
		mp_pack_json(b, v);
		c->nfixed++;
	}
	c->packed = xmemdup(b->sb.data, b->sb.size);
	c->plen = b->sb.size;
	mp_buf_free(b);
	json_decref(row);
	return (0);
}

static int
acm_cache_refresh(struct store_txn *t, char **cause)
{
	uint64_t	 g0 = store_generation(acmd.store, DB_ACM);
	uint64_t	 g1 = store_generation(acmd.store, DB_IAM);

	if (acm_cache_gen[0] == g0 && acm_cache_gen[1] == g1)
		return (0);
	acm_cache_clear();
	if (inv_foreach(t, NULL, 1, acm_cache_cb, NULL, cause) != 0 ||
	    rec_foreach(t, DB_IAM, NULL, acm_cache_cb, NULL, cause) != 0) {
		acm_cache_clear();
		acm_cache_gen[0] = acm_cache_gen[1] = UINT64_MAX;
		return (-1);
	}
	acm_cache_gen[0] = g0;
	acm_cache_gen[1] = g1;
	return (0);
}

static int
acm_matches(struct acm_filter *f, const struct acm_cached *c)
{
	const json_t	*rec = c->rec;

	if (!f->all && c->gone)
		return (0);
	if (!in_list(f->creds, rec_str(rec, "credential")) ||
	    !in_list(f->regions, rec_str(rec, "region")) ||
	    !type_matches(f->type, rec_str(rec, "type")) ||
	    (f->status != NULL && (rec_str(rec, "status") == NULL ||
	    strcasecmp(f->status, rec_str(rec, "status")) != 0)) ||
	    !domain_matches(rec, f->domain))
		return (0);
	if (f->has_expiring && (json_object_get(rec, "not_after") == NULL ||
	    inv_days_left(rec) > (long long)f->expiring))
		return (0);
	return (1);
}

static int
deploy_state_cb(const char *key, json_t *rec, void *arg)
{
	if (rec_str(rec, "arn") != NULL && rec_str(rec, "state") != NULL)
		json_object_set_new(arg, rec_str(rec, "arn"),
		    json_string(rec_str(rec, "state")));
	return (0);
}

static int
acm_filter_args(struct cmd_ctx *ctx, struct acm_filter *f)
{
	size_t	 n;

	memset(f, 0, sizeof *f);
	if (cmd_arg_strv(ctx, "credential", 0, &f->creds, &n) != 0 ||
	    cmd_arg_strv(ctx, "region", 0, &f->regions, &n) != 0 ||
	    cmd_arg_str(ctx, "type", 0, &f->type) != 0 ||
	    cmd_arg_str(ctx, "status", 0, &f->status) != 0 ||
	    cmd_arg_str(ctx, "domain", 0, &f->domain) != 0 ||
	    cmd_arg_bool(ctx, "all", &f->all) != 0)
		return (-1);
	if (mp_map_get(ctx->args, "expiring") != NULL) {
		if (cmd_arg_uint(ctx, "expiring", &f->expiring) != 0)
			return (-1);
		f->has_expiring = 1;
	}
	return (0);
}

static void
acm_filter_free(struct acm_filter *f)
{
	mp_strv_free(f->creds);
	mp_strv_free(f->regions);
	free(f->type);
	free(f->status);
	free(f->domain);
	json_decref(f->rows);
	json_decref(f->deploy);
}

static void
cmd_acm_list_exec(struct cmd_ctx *ctx)
{
	struct acm_filter	 f;
	struct store_txn	*t;
	struct mp_buf		*b;
	json_t			*d;
	char			*cause = NULL;
	size_t			 i, j, n = 0, *match;

	if (acm_filter_args(ctx, &f) != 0) {
		acm_filter_free(&f);
		return;
	}
	f.rows = json_array();
	f.deploy = json_object();
	if ((t = store_begin(acmd.store, 0, &cause)) == NULL ||
	    rec_foreach(t, DB_DEPLOYMENTS, NULL, deploy_state_cb, f.deploy,
	    &cause) != 0 || acm_cache_refresh(t, &cause) != 0) {
		store_abort(t);
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		acm_filter_free(&f);
		return;
	}
	store_abort(t);
	match = xcalloc(acm_ncache + 1, sizeof *match);
	for (i = 0; i < acm_ncache; i++) {
		if (acm_matches(&f, &acm_cache[i]))
			match[n++] = i;
	}
	b = mp_buf_new();
	mp_array(b, n);
	for (j = 0; j < n; j++) {
		const struct acm_cached	*c = &acm_cache[match[j]];

		mp_map(b, c->nfixed + 2);
		mp_raw(b, c->packed, c->plen);
		/* Days left move with the clock; deployments change often. */
		mp_str(b, "days_left");
		if (json_object_get(c->rec, "not_after") != NULL)
			mp_int(b, inv_days_left(c->rec));
		else
			mp_nil(b);
		mp_str(b, "deployment");
		d = c->arn != NULL ? json_object_get(f.deploy, c->arn) : NULL;
		mp_str(b, d != NULL ? json_string_value(d) : NULL);
	}
	cmd_reply_ok(ctx, b);
	mp_buf_free(b);
	free(match);
	acm_filter_free(&f);
}

const struct cmd_entry cmd_acm_list_entry = {
	.name = "acm.list",
	.usage = "acm list [--credential C] [--region R] [--type T] "
	    "[--status S] [--domain GLOB] [--expiring DAYS] [--all]",
	.flags = CMD_READONLY,
	.exec = cmd_acm_list_exec,
};

static void
cmd_acm_show_exec(struct cmd_ctx *ctx)
{
	struct store_txn	*t;
	json_t			*rec, *pem;
	char			*arn = NULL, *cause = NULL, *key = NULL, *pkey;

	if (cmd_arg_str(ctx, "arn", 1, &arn) != 0)
		return;
	if ((t = store_begin(acmd.store, 0, &cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		free(arn);
		return;
	}
	rec = inv_find_arn(t, arn, &key, &cause);
	if (rec == NULL) {
		store_abort(t);
		if (cause != NULL && strstr(cause, "is not an ACM") != NULL)
			cmd_reply_error(ctx, PROTO_EINVAL_ARG, "%s", cause);
		else if (cause != NULL)
			cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		else
			cmd_reply_error(ctx, PROTO_ENOTFOUND, "%s is not in the "
			    "inventory (acmctl discover finds it)", arn);
		free(cause);
		free(arn);
		return;
	}
	xasprintf(&pkey, "%s%s", INV_PEM_PREFIX, key);
	pem = rec_get(t, DB_ACM, pkey, &cause);
	store_abort(t);
	free(cause);
	if (pem != NULL) {
		json_object_set(rec, "certificate", json_object_get(pem, "cert"));
		json_object_set(rec, "chain", json_object_get(pem, "chain"));
		json_decref(pem);
	}
	if (json_object_get(rec, "not_after") != NULL)
		json_object_set_new(rec, "days_left",
		    json_integer(inv_days_left(rec)));
	cmd_reply_json(ctx, rec);
	free(pkey);
	free(key);
	free(arn);
}

const struct cmd_entry cmd_acm_show_entry = {
	.name = "acm.show",
	.usage = "acm show ARN",
	.flags = CMD_READONLY,
	.exec = cmd_acm_show_exec,
};

static int
iam_list_cb(const char *key, json_t *rec, void *arg)
{
	struct acm_filter	*f = arg;
	json_t			*row;

	if (!f->all && rec_bool(rec, "gone"))
		return (0);
	row = json_pack("{s:s, s:s, s:s}", "name", rec_str(rec, "name") ?
	    rec_str(rec, "name") : "", "domain", rec_str(rec, "domain") ?
	    rec_str(rec, "domain") : "", "account", rec_str(rec, "account") ?
	    rec_str(rec, "account") : "");
	json_object_set_new(row, "days_left", json_object_get(rec,
	    "not_after") != NULL ? json_integer(inv_days_left(rec)) :
	    json_null());
	json_object_set_new(row, "linked", json_object_get(rec, "linked") ?
	    json_string(rec_str(json_object_get(rec, "linked"), "name")) :
	    json_null());
	json_object_set_new(row, "arn", json_string(rec_str(rec, "arn")));
	if (rec_bool(rec, "gone"))
		json_object_set_new(row, "gone", json_true());
	json_array_append_new(f->rows, row);
	return (0);
}

static void
cmd_iam_list_exec(struct cmd_ctx *ctx)
{
	struct acm_filter	 f;
	struct store_txn	*t;
	char			*cause = NULL;

	memset(&f, 0, sizeof f);
	if (cmd_arg_bool(ctx, "all", &f.all) != 0)
		return;
	f.rows = json_array();
	if ((t = store_begin(acmd.store, 0, &cause)) == NULL ||
	    rec_foreach(t, DB_IAM, NULL, iam_list_cb, &f, &cause) != 0) {
		store_abort(t);
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		json_decref(f.rows);
		return;
	}
	store_abort(t);
	cmd_reply_json(ctx, f.rows);
}

const struct cmd_entry cmd_iam_list_entry = {
	.name = "iam.list",
	.usage = "iam list [--all]",
	.flags = CMD_READONLY,
	.exec = cmd_iam_list_exec,
};

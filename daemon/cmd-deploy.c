/* deploy, deploy list/show/remove, sync: certificates into ACM. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acmd.h"
#include "cmd.h"
#include "deploy.h"
#include "log.h"
#include "rec.h"
#include "repo.h"
#include "store.h"
#include "xmalloc.h"

static void
cmd_deploy_exec(struct cmd_ctx *ctx)
{
	deploy_start(ctx);
}

const struct cmd_entry cmd_deploy_entry = {
	.name = "deploy",
	.usage = "deploy NAME --credential C (--region R... | --all-regions) "
	    "[--replace] [--auto-redeploy] [--tag K=V]...",
	.exec = cmd_deploy_exec,
};

struct dep_list {
	struct store_txn	*t;
	const char		*name;
	json_t			*rows;
	json_t			*current;	/* name -> current version */
	int			 full;
};

/* The repository's current version of a deployment's certificate. */
static long long
dep_list_current(struct dep_list *l, const char *name)
{
	json_t	*c, *v;
	char	*cause = NULL;

	if ((v = json_object_get(l->current, name)) == NULL) {
		c = repo_get(l->t, name, &cause);
		free(cause);
		v = json_integer(rec_int(c, "current"));
		json_object_set_new(l->current, name, v);
		json_decref(c);
	}
	return (json_integer_value(v));
}

static int
dep_list_cb(const char *key, json_t *rec, void *arg)
{
	struct dep_list	*l = arg;
	json_t		*row, *tags;
	const char	*name = rec_str(rec, "name"), *state;

	if (name == NULL || (l->name != NULL && strcmp(name, l->name) != 0))
		return (0);
	state = deploy_state_shown(rec, dep_list_current(l, name));
	if (l->full) {
		row = json_deep_copy(rec);
		json_object_set_new(row, "state", json_string(state));
		json_array_append_new(l->rows, row);
		return (0);
	}
	row = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:b}",
	    "name", name,
	    "account", rec_str(rec, "account") ? rec_str(rec, "account") : "",
	    "region", rec_str(rec, "region") ? rec_str(rec, "region") : "",
	    "version", (json_int_t)rec_int(rec, "version"),
	    "state", state,
	    "auto_redeploy", rec_bool(rec, "auto_redeploy"),
	    "replace", rec_bool(rec, "replace"));
	/* The options that stick, as deploy --tag gave them. */
	tags = json_object();
	{
		json_t	*tg;
		size_t	 i;

		json_array_foreach(json_object_get(rec, "tags"), i, tg) {
			if (rec_str(tg, "Key") != NULL)
				json_object_set_new(tags, rec_str(tg, "Key"),
				    json_string(rec_str(tg, "Value") ?
				    rec_str(tg, "Value") : ""));
		}
	}
	json_object_set_new(row, "tags", tags);
	json_object_set_new(row, "arn", rec_str(rec, "arn") ?
	    json_string(rec_str(rec, "arn")) : json_null());
	json_object_set_new(row, "last_error", rec_str(rec, "last_error") ?
	    json_string(rec_str(rec, "last_error")) : json_null());
	json_array_append_new(l->rows, row);
	return (0);
}

static void
dep_list_reply(struct cmd_ctx *ctx, const char *name, int full)
{
	struct store_txn	*t;
	struct dep_list		 l = { NULL, name, json_array(), json_object(),
				    full };
	char			*cause = NULL;

	if ((t = store_begin(acmd.store, 0, &cause)) == NULL ||
	    (l.t = t, rec_foreach(t, DB_DEPLOYMENTS, NULL, dep_list_cb, &l,
	    &cause)) != 0) {
		store_abort(t);
		json_decref(l.rows);
		json_decref(l.current);
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		return;
	}
	store_abort(t);
	json_decref(l.current);
	if (full && json_array_size(l.rows) == 0) {
		json_decref(l.rows);
		cmd_reply_error(ctx, PROTO_ENOTFOUND, "certificate '%s' has no "
		    "deployments", name);
		return;
	}
	cmd_reply_json(ctx, l.rows);
}

static void
cmd_deploy_list_exec(struct cmd_ctx *ctx)
{
	char	*name = NULL;

	if (cmd_arg_str(ctx, "name", 0, &name) != 0)
		return;
	dep_list_reply(ctx, name, 0);
	free(name);
}

const struct cmd_entry cmd_deploy_list_entry = {
	.name = "deploy.list",
	.usage = "deploy list [NAME]",
	.flags = CMD_READONLY,
	.exec = cmd_deploy_list_exec,
};

static void
cmd_deploy_show_exec(struct cmd_ctx *ctx)
{
	char	*name = NULL;

	if (cmd_arg_str(ctx, "name", 1, &name) != 0)
		return;
	dep_list_reply(ctx, name, 1);
	free(name);
}

const struct cmd_entry cmd_deploy_show_entry = {
	.name = "deploy.show",
	.usage = "deploy show NAME",
	.flags = CMD_READONLY,
	.exec = cmd_deploy_show_exec,
};

struct dep_rm {
	const char	*name;
	char		**regions;
	json_t		*keys;
};

static int
dep_rm_cb(const char *key, json_t *rec, void *arg)
{
	struct dep_rm	*d = arg;
	size_t		 i;

	if (rec_str(rec, "name") == NULL || strcmp(rec_str(rec, "name"),
	    d->name) != 0)
		return (0);
	if (d->regions != NULL) {
		for (i = 0; d->regions[i] != NULL; i++) {
			if (rec_str(rec, "region") != NULL &&
			    strcmp(d->regions[i], rec_str(rec, "region")) == 0)
				break;
		}
		if (d->regions[i] == NULL)
			return (0);
	}
	json_array_append_new(d->keys, json_string(key));
	return (0);
}

static void
cmd_deploy_remove_exec(struct cmd_ctx *ctx)
{
	struct store_txn	*t = NULL;
	struct dep_rm		 d;
	char			*name = NULL, *cause = NULL;
	size_t			 n = 0, i;

	memset(&d, 0, sizeof d);
	if (cmd_arg_str(ctx, "name", 1, &name) != 0 ||
	    cmd_arg_strv(ctx, "region", 0, &d.regions, &n) != 0)
		goto out;
	d.name = name;
	d.keys = json_array();
	if ((t = store_begin(acmd.store, 1, &cause)) == NULL ||
	    rec_foreach(t, DB_DEPLOYMENTS, NULL, dep_rm_cb, &d, &cause) != 0)
		goto fail;
	if (json_array_size(d.keys) == 0) {
		store_abort(t);
		cmd_reply_error(ctx, PROTO_ENOTFOUND, "no deployment of '%s'%s",
		    name, d.regions ? " in those regions" : "");
		goto out;
	}
	for (i = 0; i < json_array_size(d.keys); i++) {
		if (store_dels(t, DB_DEPLOYMENTS, json_string_value(
		    json_array_get(d.keys, i)), &cause) < 0)
			goto fail;
	}
	if (store_commit(t, &cause) != 0) {
		t = NULL;
		goto fail;
	}
	log_info("deploy: forgot %zu deployment%s of %s (ACM untouched)",
	    json_array_size(d.keys), json_array_size(d.keys) == 1 ? "" : "s",
	    name);
	cmd_reply_json(ctx, json_pack("{s:O, s:s}", "forgotten", d.keys, "note",
	    "acmd forgot these deployments; nothing was changed in ACM"));
	goto out;
fail:
	store_abort(t);
	cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
	free(cause);
out:
	json_decref(d.keys);
	mp_strv_free(d.regions);
	free(name);
}

const struct cmd_entry cmd_deploy_remove_entry = {
	.name = "deploy.remove",
	.usage = "deploy remove NAME [--region R]...",
	.exec = cmd_deploy_remove_exec,
};

static void
cmd_sync_exec(struct cmd_ctx *ctx)
{
	char	*name = NULL;

	if (cmd_arg_str(ctx, "name", 0, &name) != 0)
		return;
	deploy_sync(ctx, name);
	free(name);
}

const struct cmd_entry cmd_sync_entry = {
	.name = "sync",
	.usage = "sync [NAME]",
	.exec = cmd_sync_exec,
};

static void
cmd_check_done(json_t *rows, void *arg)
{
	cmd_reply_json(arg, rows);
}

static void
cmd_check_exec(struct cmd_ctx *ctx)
{
	int	 nowait = 0;

	if (cmd_arg_bool(ctx, "no_wait", &nowait) != 0)
		return;
	if (nowait) {
		deploy_check_all();
		cmd_reply_json(ctx, json_pack("{s:s}", "result", "checking every "
		    "deployment against ACM; see deploy list"));
		return;
	}
	/* The answer is what the check found, once every answer is in. */
	deploy_check(cmd_check_done, ctx);
}

const struct cmd_entry cmd_deploy_check_entry = {
	.name = "deploy.check",
	.usage = "deploy check [--no-wait]",
	.exec = cmd_check_exec,
};

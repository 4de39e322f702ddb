#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "deployments.h"
#include "log.h"
#include "rec.h"
#include "repo.h"
#include "store.h"
#include "xmalloc.h"

/*
 * A failed deployment tries again 60 s later, then doubling up to an
 * hour, without end (the redeploy job retries auto-redeploy ones).
 */
const struct intent_kind deploy_intent = {
	.what = "deployment",
	.db = DB_DEPLOYMENTS,
	.member = NULL,
	.running = DEP_S_DEPLOYING,
	.waiting = DEP_S_FAILED,
	.gave_up = DEP_S_FAILED,
	.done = DEP_S_IN_SYNC,
	.max_attempts = 0,
	.retry_base = 60,
	.retry_max = 3600,
};

char *
deployment_key(const char *name, const char *account, const char *region)
{
	char	*key;

	xasprintf(&key, "%s/%s/%s", name, account, region);
	return (key);
}

json_t *
deployment_get(const char *key)
{
	json_t	*rec;
	char	*cause = NULL;

	rec = rec_read(DB_DEPLOYMENTS, key, &cause);
	if (cause != NULL) {
		log_warnx("deploy: %s: %s", key, cause);
		free(cause);
	}
	return (rec);
}

int
deployment_put(struct store_txn *t, const char *key, const json_t *set,
    const json_t *del, char **cause)
{
	json_t		*rec, *v;
	const char	*m;
	size_t		 i;
	int		 ret;

	rec = rec_get(t, DB_DEPLOYMENTS, key, cause);
	if (rec == NULL && *cause != NULL)
		return (-1);
	if (rec == NULL)
		rec = json_object();
	json_object_foreach((json_t *)set, m, v) {
		if (json_is_null(v))
			json_object_del(rec, m);
		else
			json_object_set(rec, m, v);
	}
	json_array_foreach(del, i, v)
		json_object_del(rec, json_string_value(v));
	json_object_set_new(rec, DEP_UPDATED, json_integer(time(NULL)));
	ret = rec_put(t, DB_DEPLOYMENTS, key, rec, cause);
	json_decref(rec);
	return (ret);
}

struct dep_update {
	const char	*key;
	json_t		*set;
};

static int
deployment_update_fn(struct store_txn *t, void *arg, char **cause)
{
	struct dep_update	*u = arg;

	return (deployment_put(t, u->key, u->set, NULL, cause));
}

int
deployment_update(const char *key, json_t *set, char **cause)
{
	struct dep_update	 u = { key, set };
	int			 ret;

	ret = store_write(acmd.store, deployment_update_fn, &u, cause);
	json_decref(set);
	return (ret);
}

struct dep_collect {
	json_t	*keys;
	json_t	*recs;
};

static int
deployments_collect_cb(const char *key, json_t *rec, void *arg)
{
	struct dep_collect	*c = arg;

	json_array_append_new(c->keys, json_string(key));
	json_array_append(c->recs, rec);
	return (0);
}

int
deployments_collect(const char *name, json_t **keys, json_t **recs,
    char **cause)
{
	struct dep_collect	 c = { json_array(), json_array() };
	char			*prefix = NULL;
	int			 ret;

	if (name != NULL)
		xasprintf(&prefix, "%s/", name);
	ret = rec_walk(DB_DEPLOYMENTS, prefix, deployments_collect_cb, &c,
	    cause);
	free(prefix);
	if (ret != 0) {
		json_decref(c.keys);
		json_decref(c.recs);
		return (-1);
	}
	*keys = c.keys;
	*recs = c.recs;
	return (0);
}

const char *
deploy_state_shown(const json_t *rec, long long current)
{
	const char	*st = rec_str(rec, DEP_STATE);

	if (st == NULL)
		return (DEP_S_PENDING);
	if (strcmp(st, DEP_S_IN_SYNC) == 0 && current > 0 &&
	    rec_int(rec, DEP_VERSION) > 0 && rec_int(rec, DEP_VERSION) < current)
		return (DEP_S_OUTDATED);
	return (st);
}

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
	json_t	*v;
	char	*cause = NULL;

	if ((v = json_object_get(l->current, name)) == NULL) {
		v = json_integer(repo_current(l->t, name, &cause));
		free(cause);
		json_object_set_new(l->current, name, v);
	}
	return (json_integer_value(v));
}

/* The options that stick, tags as {key: value}. */
static json_t *
dep_tags_map(const json_t *rec)
{
	json_t	*tags = json_object(), *tg;
	size_t	 i;

	json_array_foreach(json_object_get(rec, DEP_TAGS), i, tg) {
		if (rec_str(tg, "Key") != NULL)
			json_object_set_new(tags, rec_str(tg, "Key"),
			    json_string(rec_str(tg, "Value") ?
			    rec_str(tg, "Value") : ""));
	}
	return (tags);
}

static json_t *
str_or_null(const json_t *rec, const char *field)
{
	return (rec_str(rec, field) != NULL ? json_string(rec_str(rec, field)) :
	    json_null());
}

static int
dep_list_cb(const char *key, json_t *rec, void *arg)
{
	struct dep_list	*l = arg;
	json_t		*row;
	const char	*name = rec_str(rec, DEP_NAME), *state;

	if (name == NULL || (l->name != NULL && strcmp(name, l->name) != 0))
		return (0);
	state = deploy_state_shown(rec, dep_list_current(l, name));
	if (l->full) {
		row = json_deep_copy(rec);
		json_object_set_new(row, DEP_STATE, json_string(state));
		json_array_append_new(l->rows, row);
		return (0);
	}
	row = json_pack("{s:s, s:s, s:s, s:I, s:s, s:b, s:b}",
	    DEP_NAME, name,
	    DEP_ACCOUNT, rec_str(rec, DEP_ACCOUNT) ? rec_str(rec, DEP_ACCOUNT) :
	    "",
	    DEP_REGION, rec_str(rec, DEP_REGION) ? rec_str(rec, DEP_REGION) : "",
	    DEP_VERSION, (json_int_t)rec_int(rec, DEP_VERSION),
	    DEP_STATE, state,
	    DEP_AUTO_REDEPLOY, rec_bool(rec, DEP_AUTO_REDEPLOY),
	    DEP_REPLACE, rec_bool(rec, DEP_REPLACE));
	json_object_set_new(row, DEP_TAGS, dep_tags_map(rec));
	json_object_set_new(row, DEP_KIND, json_string(
	    deployment_is_target(rec) ? DEP_K_TARGET : "acm"));
	json_object_set_new(row, DEP_ARN, str_or_null(rec, DEP_ARN));
	json_object_set_new(row, DEP_LAST_ERROR, str_or_null(rec,
	    DEP_LAST_ERROR));
	json_array_append_new(l->rows, row);
	return (0);
}

static int
deployments_rows_fn(struct store_txn *t, void *arg, char **cause)
{
	struct dep_list	*l = arg;

	l->t = t;
	return (rec_foreach(t, DB_DEPLOYMENTS, NULL, dep_list_cb, l, cause));
}

json_t *
deployments_rows(const char *name, int full, char **cause)
{
	struct dep_list	 l = { NULL, name, json_array(), json_object(), full };

	if (store_read(acmd.store, deployments_rows_fn, &l, cause) != 0) {
		json_decref(l.rows);
		l.rows = NULL;
	}
	json_decref(l.current);
	return (l.rows);
}

struct dep_forget {
	const char	*name;
	char		**regions;
	json_t		*keys;
};

static int
dep_forget_cb(const char *key, json_t *rec, void *arg)
{
	struct dep_forget	*d = arg;
	size_t			 i;

	if (rec_str(rec, DEP_NAME) == NULL ||
	    strcmp(rec_str(rec, DEP_NAME), d->name) != 0)
		return (0);
	if (d->regions != NULL) {
		for (i = 0; d->regions[i] != NULL; i++) {
			if (rec_str(rec, DEP_REGION) != NULL &&
			    strcmp(d->regions[i], rec_str(rec, DEP_REGION)) == 0)
				break;
		}
		if (d->regions[i] == NULL)
			return (0);
	}
	json_array_append_new(d->keys, json_string(key));
	return (0);
}

static int
deployments_forget_fn(struct store_txn *t, void *arg, char **cause)
{
	struct dep_forget	*d = arg;
	size_t			 i;

	if (rec_foreach(t, DB_DEPLOYMENTS, NULL, dep_forget_cb, d, cause) != 0)
		return (-1);
	for (i = 0; i < json_array_size(d->keys); i++) {
		if (store_dels(t, DB_DEPLOYMENTS, json_string_value(
		    json_array_get(d->keys, i)), cause) < 0)
			return (-1);
	}
	return (0);
}

json_t *
deployments_forget(const char *name, char **regions, int *notfound,
    char **cause)
{
	struct dep_forget	 d = { name, regions, json_array() };

	*notfound = 0;
	if (store_write(acmd.store, deployments_forget_fn, &d, cause) != 0) {
		json_decref(d.keys);
		return (NULL);
	}
	if (json_array_size(d.keys) == 0) {
		*notfound = 1;
		xasprintf(cause, "no deployment of '%s'%s", name, regions ?
		    " in those regions" : "");
		json_decref(d.keys);
		return (NULL);
	}
	log_info("deploy: forgot %zu deployment%s of %s (ACM untouched)",
	    json_array_size(d.keys), json_array_size(d.keys) == 1 ? "" : "s",
	    name);
	return (d.keys);
}

int
deployment_is_target(const json_t *rec)
{
	const char	*k = rec_str(rec, DEP_KIND);

	return (k != NULL && strcmp(k, DEP_K_TARGET) == 0);
}

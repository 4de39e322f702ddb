/* Deployments into file targets (deploy-target.h). */
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acmd.h"
#include "conf.h"
#include "deploy-target.h"
#include "deployments.h"
#include "log.h"
#include "rec.h"
#include "repo.h"
#include "xmalloc.h"

/*
 * t, and v as targets.h wants it (the key unsealed into secure memory
 * when t has a key file: free with deploy_target_version_free).  NULL
 * with cause.
 */
static const struct conf_target *
deploy_target_version(const char *id, const json_t *v,
    struct target_version *tv, char **cause)
{
	const struct conf_target	*t;
	char				*key = NULL;
	size_t				 klen = 0;

	memset(tv, 0, sizeof *tv);
	if ((t = config_target(acmd.conf, id)) == NULL) {
		xasprintf(cause, "there is no [target %s] in the configuration "
		    "any more", id);
		return (NULL);
	}
	if (t->key != NULL && rec_bool(v, "has_key") &&
	    (key = repo_key(v, &klen, cause)) == NULL && *cause != NULL)
		return (NULL);
	tv->cert = rec_str(v, "cert") != NULL ? rec_str(v, "cert") : "";
	tv->chain = rec_str(v, "chain");
	tv->key = key;
	tv->keylen = klen;
	return (t);
}

static void
deploy_target_version_free(struct target_version *tv)
{
	if (tv->key != NULL)
		xfree_secret((char *)tv->key, tv->keylen);
}

/* One deployment's files switched, their reload running. */
struct dt_run {
	LIST_ENTRY(dt_run)	 entry;
	char			*id;		/* the target */
	char			*label;
	char			*error;		/* the new files' reload's */
	const char		*restored;	/* what went back */
	deploy_target_cb	 cb;
	void			*arg;
};

/* Held here (a reload killed at shutdown never answers). */
static LIST_HEAD(, dt_run) dt_runs = LIST_HEAD_INITIALIZER(dt_runs);

static void
dt_end(struct dt_run *d, const char *error)
{
	LIST_REMOVE(d, entry);
	d->cb(d->arg, error);
	free(d->id);
	free(d->label);
	free(d->error);
	free(d);
}

/* The previous files are back and were reloaded (error: not well). */
static void
dt_rereloaded(void *arg, int ran, const char *error)
{
	struct dt_run	*d = arg;
	char		*msg;

	xasprintf(&msg, "%s; %s, reloaded again: %s", d->error, d->restored,
	    error != NULL ? error : "ok");
	dt_end(d, msg);
	free(msg);
}

/*
 * The new files' reload ended: well, the kept previous files go; not,
 * they are put back and, when the command ran at all (it may have made
 * the server take part of the new files), it runs again for them.
 */
static void
dt_reloaded(void *arg, int ran, const char *error)
{
	struct dt_run			*d = arg;
	const struct conf_target	*t;
	char				*cause = NULL, *msg;
	int				 r;

	t = config_target(acmd.conf, d->id);
	if (error == NULL || t == NULL) {
		if (t != NULL)
			target_forget(t);
		dt_end(d, error);
		return;
	}
	if ((r = target_restore(t, &cause)) == -1) {
		xasprintf(&msg, "%s; %s (the new files stay)", error, cause);
		free(cause);
		dt_end(d, msg);
		free(msg);
		return;
	}
	d->restored = r == 0 ? "the previous files are back in place" :
	    "there were no files before: the new ones are removed";
	log_info("deploy: target %s: %s (%s)", d->id, d->restored, error);
	if (!ran) {
		xasprintf(&msg, "%s; %s", error, d->restored);
		dt_end(d, msg);
		free(msg);
		return;
	}
	d->error = xstrdup(error);
	free(d->label);
	xasprintf(&d->label, r == 0 ? "its previous files (after a failed "
	    "reload)" : "no files (after a failed reload)");
	target_reload(t, d->label, dt_rereloaded, d);
}

void
deploy_target_write(const char *id, const char *label, const json_t *v,
    deploy_target_cb cb, void *arg)
{
	const struct conf_target	*t;
	struct target_version		 tv;
	struct dt_run			*d;
	char				*cause = NULL;

	if ((t = deploy_target_version(id, v, &tv, &cause)) == NULL ||
	    target_write(t, &tv, &cause) != 0) {
		deploy_target_version_free(&tv);
		cb(arg, cause);
		free(cause);
		return;
	}
	deploy_target_version_free(&tv);
	/* Written and synced: now the server may take them. */
	d = xcalloc(1, sizeof *d);
	d->id = xstrdup(id);
	d->label = xstrdup(label);
	d->cb = cb;
	d->arg = arg;
	LIST_INSERT_HEAD(&dt_runs, d, entry);
	target_reload(t, label, dt_reloaded, d);
}

const char *
deploy_target_check(const json_t *rec, char **error)
{
	const struct conf_target	*t;
	struct target_version		 tv;
	const char			*state = NULL;
	json_t				*v;
	char				*why = NULL;

	v = repo_read_version(rec_str(rec, DEP_NAME), (long)rec_int(rec,
	    DEP_VERSION), error);
	if (v == NULL) {
		if (*error == NULL)
			xasprintf(error, "version %lld of %s is gone from the "
			    "repository", rec_int(rec, DEP_VERSION),
			    rec_str(rec, DEP_NAME));
		return (NULL);
	}
	if ((t = deploy_target_version(rec_str(rec, DEP_TARGET), v, &tv,
	    error)) != NULL) {
		switch (target_check(t, &tv, &why)) {
		case 0:
			state = DEP_S_IN_SYNC;
			break;
		case 1:
			state = DEP_S_MISMATCH;
			break;
		case 2:
			state = DEP_S_MISSING;
			break;
		default:
			break;
		}
		/* The reason goes with either answer. */
		*error = why;
	}
	deploy_target_version_free(&tv);
	json_decref(v);
	return (state);
}

char *
deploy_target_taken(const char *target, const char *name, char **cause)
{
	json_t		*keys, *recs, *rec;
	char		*owner = NULL;
	size_t		 i;

	if (deployments_collect(NULL, &keys, &recs, cause) != 0)
		return (NULL);
	json_array_foreach(recs, i, rec) {
		if (deployment_is_target(rec) && rec_str(rec, DEP_TARGET) !=
		    NULL && strcmp(rec_str(rec, DEP_TARGET), target) == 0 &&
		    strcmp(rec_str(rec, DEP_NAME), name) != 0) {
			owner = xstrdup(rec_str(rec, DEP_NAME));
			break;
		}
	}
	json_decref(keys);
	json_decref(recs);
	return (owner);
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "aws/aws.h"
#include "aws/services.h"
#include "conf.h"
#include "creds.h"
#include "deploy.h"
#include "deploy-region.h"
#include "deploy-target.h"
#include "deployments.h"
#include "intent.h"
#include "log.h"
#include "pending.h"
#include "rec.h"
#include "repo.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

/* deploy NAME ... */

void
deploy_spec_free(struct deploy_spec *s)
{
	if (s == NULL)
		return;
	free(s->name);
	free(s->credential);
	json_decref(s->regions);
	json_decref(s->tags);
	json_decref(s->targets);
	free(s);
}

struct dep_start {
	struct deploy_spec	*spec;
	struct op_reply		 reply;
	struct aws_cred		*cred;
	json_t			*version;	/* the one deployed */
	json_t			*recs;		/* key -> record, recorded */
	json_t			*busy;		/* regions in progress already */
	const char		*account;
};

static void
dep_start_free(struct dep_start *s)
{
	deploy_spec_free(s->spec);
	aws_cred_unref(s->cred);
	json_decref(s->version);
	json_decref(s->recs);
	json_decref(s->busy);
	free(s);
}

/*
 * Every region's record and intent in one transaction (one sync to disk,
 * however many regions), before AWS hears anything.
 */
static int
dep_start_record(struct store_txn *t, void *arg, char **cause)
{
	struct dep_start	*s = arg;
	struct deploy_spec	*sp = s->spec;
	json_t			*rec;
	const char		*region;
	char			*key;
	size_t			 i;

	/* A file target takes the place of a region. */
	json_array_foreach(sp->targets != NULL ? sp->targets : sp->regions, i,
	    rec) {
		region = json_string_value(rec);
		key = deployment_key(sp->name, s->account, region);
		if (dep_active(key) != NULL) {
			json_array_append_new(s->busy, json_string(region));
			free(key);
			continue;
		}
		if ((rec = rec_get(t, DB_DEPLOYMENTS, key, cause)) == NULL &&
		    *cause != NULL) {
			free(key);
			return (-1);
		}
		if (rec == NULL)
			rec = json_object();
		json_object_set_new(rec, DEP_NAME, json_string(sp->name));
		if (sp->targets != NULL) {
			json_object_set_new(rec, DEP_KIND,
			    json_string(DEP_K_TARGET));
			json_object_set_new(rec, DEP_TARGET,
			    json_string(region));
		} else
			json_object_set_new(rec, DEP_CREDENTIAL,
			    json_string(sp->credential));
		json_object_set_new(rec, DEP_ACCOUNT, json_string(s->account));
		json_object_set_new(rec, DEP_REGION, json_string(region));
		/* Flags stick: a later plain deploy does not clear them. */
		json_object_set_new(rec, DEP_REPLACE, json_boolean(sp->replace ||
		    rec_bool(rec, DEP_REPLACE)));
		json_object_set_new(rec, DEP_AUTO_REDEPLOY,
		    json_boolean(sp->auto_redeploy || rec_bool(rec,
		    DEP_AUTO_REDEPLOY)));
		if (sp->tags != NULL)
			json_object_set(rec, DEP_TAGS, sp->tags);
		json_object_set_new(rec, DEP_STATE, json_string(DEP_S_DEPLOYING));
		json_object_set_new(rec, DEP_INTENT, json_pack("{s:O, s:O, s:I}",
		    "version", json_object_get(s->version, "version"), "sha256",
		    json_object_get(s->version, "sha256"), "started",
		    (json_int_t)time(NULL)));
		json_object_set_new(rec, DEP_UPDATED, json_integer(time(NULL)));
		json_object_set_new(s->recs, key, rec);
		if (rec_put(t, DB_DEPLOYMENTS, key, rec, cause) != 0) {
			free(key);
			return (-1);
		}
		free(key);
	}
	return (0);
}

/* The account is known: record, then start every region. */
static void
dep_start_regions(struct dep_start *s)
{
	struct dep_op	*op;
	const char	*k;
	json_t		*rec;
	char		*cause = NULL;
	size_t		 i;

	s->recs = json_object();
	s->busy = json_array();
	if (store_write(acmd.store, dep_start_record, s, &cause) != 0) {
		log_warnx("deploy: %s: cannot record the deployment: %s",
		    s->spec->name, cause);
		op_fail(&s->reply, PROTO_EINTERNAL, "cannot record the "
		    "deployment: %s", cause);
		free(cause);
		return;
	}
	op = xcalloc(1, sizeof *op);
	op->reply = s->reply;
	op->rows = json_array();
	op->total = json_array_size(s->spec->targets != NULL ?
	    s->spec->targets : s->spec->regions);
	op_progress(&op->reply, 0, op->total, "deploying");
	json_array_foreach(s->busy, i, rec) {
		json_array_append_new(op->rows, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:b, s:b}", "name", s->spec->name, "account", s->account,
		    "region", json_string_value(rec), "result", "busy: a "
		    "deployment here is in progress", "ok", 0, "busy", 1));
		op->done++;
	}
	json_object_foreach(s->recs, k, rec)
		dep_unit_start(op, k, rec, rec_int(s->version, "version"), 1);
	if (op->total == op->done)
		dep_op_done(op);
}

static void
dep_identified(struct aws_result *r, void *arg)
{
	struct dep_start	*s = arg;
	const char		*account;

	account = r->ok ? xml_text(r->xml, "GetCallerIdentityResult/Account") :
	    NULL;
	if (account == NULL) {
		if (r->ok)
			op_fail(&s->reply, PROTO_EAWS, "STS did not say which "
			    "account credential %s is", s->spec->credential);
		else
			op_fail_aws(&s->reply, &r->err, NULL);
	} else {
		if (s->cred->account == NULL)
			s->cred->account = xstrdup(account);
		creds_set_account(s->spec->credential, account);
		s->account = s->cred->account;
		dep_start_regions(s);
	}
	dep_start_free(s);
}

/* Each target holds no other certificate's deployment: 0, or -1 replied. */
static int
dep_targets_free(const struct deploy_spec *spec, struct op_reply *reply)
{
	json_t	*t;
	char	*owner, *cause = NULL;
	size_t	 i;

	json_array_foreach(spec->targets, i, t) {
		owner = deploy_target_taken(json_string_value(t), spec->name,
		    &cause);
		if (owner == NULL && cause == NULL)
			continue;
		if (owner != NULL)
			op_fail(reply, PROTO_ESTATE, "target %s holds %s's "
			    "deployment (one certificate per target): 'acmctl "
			    "deploy remove %s --region %s' first",
			    json_string_value(t), owner, owner,
			    json_string_value(t));
		else
			op_fail(reply, PROTO_EINTERNAL, "%s", cause);
		free(owner);
		free(cause);
		return (-1);
	}
	return (0);
}

void
deploy_run(struct deploy_spec *spec, struct op_reply reply)
{
	struct dep_start	*s;
	char			*cause = NULL;

	s = xcalloc(1, sizeof *s);
	s->spec = spec;
	s->reply = reply;
	if (spec->all_regions) {
		/* Every region acmd works in: [aws] regions. */
		json_decref(spec->regions);
		if ((spec->regions = config_regions(acmd.conf, &cause)) ==
		    NULL) {
			op_fail(&reply, PROTO_EINTERNAL, "%s", cause);
			goto out;
		}
	}
	if ((s->version = repo_read_version(spec->name, 0, &cause)) == NULL) {
		op_fail(&reply, cause != NULL ? PROTO_EINTERNAL :
		    PROTO_ENOTFOUND, "%s", cause != NULL ? cause :
		    "no such certificate in the repository");
		goto out;
	}
	if (spec->targets != NULL) {
		/* Files on this machine: no account, no credential. */
		if (dep_targets_free(spec, &reply) != 0)
			goto out;
		s->account = DEP_K_TARGET;
		dep_start_regions(s);
		goto out;
	}
	if (!rec_bool(s->version, "has_key")) {
		op_fail(&reply, PROTO_ESTATE, "certificate %s has no private "
		    "key: ACM imports need one (add it with 'cert renew --key', "
		    "or 'fetch-key' for a private certificate)", spec->name);
		goto out;
	}
	if ((s->cred = creds_get(spec->credential, &cause)) == NULL) {
		op_fail(&reply, PROTO_ENOTFOUND, "%s", cause);
		goto out;
	}
	if (s->cred->account != NULL) {
		s->account = s->cred->account;
		dep_start_regions(s);
		goto out;
	}
	sts_get_caller_identity(s->cred, dep_identified, s);
	return;
out:
	free(cause);
	dep_start_free(s);
}

/*
 * The version a deployment is (re)deployed at: the one in flight, else,
 * following new versions, the newest with a key (0), else the one it
 * deployed.
 */
static long
dep_target_version(const json_t *rec)
{
	const json_t	*intent = json_object_get(rec, DEP_INTENT);

	if (intent != NULL && rec_int(intent, "version") > 0)
		return ((long)rec_int(intent, "version"));
	if (rec_bool(rec, DEP_AUTO_REDEPLOY))
		return (0);
	return ((long)rec_int(rec, DEP_VERSION));
}

/* Start a unit for every deployment of keys/recs not active now. */
static void
dep_start_each(struct dep_op *op, json_t *keys, json_t *recs, int replace)
{
	json_t	*rec;
	size_t	 i;

	for (i = 0; i < json_array_size(keys); i++) {
		const char *key = json_string_value(json_array_get(keys, i));

		if (dep_active(key) != NULL)
			continue;
		rec = json_deep_copy(json_array_get(recs, i));
		if (replace)
			json_object_set_new(rec, DEP_REPLACE, json_true());
		if (op != NULL)
			op->total++;
		dep_unit_start(op, key, rec, dep_target_version(rec), 0);
		json_decref(rec);
	}
}

/*
 * Deployment key (rec) waits for a key: 1 while that key is on its way;
 * once it is not (given up), back to in-sync at the version ACM holds
 * (shown outdated), and 0.
 */
static int
dep_still_waiting(const char *key, const json_t *rec)
{
	const char	*st = rec_str(rec, DEP_STATE);
	long		 v = (long)rec_int(rec, DEP_WAITING_FOR);

	if (st == NULL || strcmp(st, DEP_S_WAITING_KEY) != 0)
		return (0);
	if (pending_key(rec_str(rec, DEP_NAME), v))
		return (1);
	log_info("deploy: %s: the key of version %ld is no longer on its way "
	    "(acmctl fetch-key); staying on version %lld", key, v,
	    rec_int(rec, DEP_VERSION));
	dep_update(key, json_pack("{s:s, s:n}", DEP_STATE, DEP_S_IN_SYNC,
	    DEP_WAITING_FOR));
	return (0);
}

/* Re-deploy: everything out of sync, or one certificate's. */
void
deploy_sync(const char *name, json_t *extra, struct op_reply reply)
{
	struct dep_op	*op;
	json_t		*keys, *recs, *k2, *r2, *rec;
	const char	*st;
	char		*cause = NULL;
	size_t		 i;

	if (deployments_collect(name, &keys, &recs, &cause) != 0) {
		op_fail(&reply, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		json_decref(extra);
		return;
	}
	k2 = json_array();
	r2 = json_array();
	json_array_foreach(recs, i, rec) {
		st = rec_str(rec, DEP_STATE);
		if ((st != NULL && strcmp(st, DEP_S_IN_SYNC) == 0) ||
		    dep_still_waiting(json_string_value(json_array_get(keys,
		    i)), rec))
			continue;
		if (st != NULL && strcmp(st, DEP_S_WAITING_KEY) == 0)
			continue;	/* in sync again */
		json_array_append(k2, json_array_get(keys, i));
		json_array_append(r2, rec);
	}
	op = xcalloc(1, sizeof *op);
	op->reply = reply;
	op->rows = json_array();
	op->extra = extra;
	op->total = 1;	/* held while starting */
	dep_start_each(op, k2, r2, 1);
	op->total--;
	json_decref(keys);
	json_decref(recs);
	json_decref(k2);
	json_decref(r2);
	dep_op_done(op);
}

/* In flight at a crash, or failed and due: only auto-redeploys retry. */
static int
dep_resume_want(const char *key, const json_t *rec)
{
	return (json_object_get(rec, DEP_INTENT) != NULL ||
	    rec_bool(rec, DEP_AUTO_REDEPLOY));
}

static void
dep_resume_one(const char *key, json_t *rec, void *arg)
{
	json_t	*keys = json_pack("[s]", key), *recs = json_pack("[O]", rec);

	dep_start_each(NULL, keys, recs, 0);
	json_decref(keys);
	json_decref(recs);
}

static long	dep_deployable(const char *);

/*
 * dep_deployable of name, read once per pass however many deployments
 * the certificate has: newest holds the pass's answers (name -> version).
 */
static long
dep_deployable_once(json_t *newest, const char *name)
{
	json_t	*v;
	long	 n;

	if (name == NULL)
		return (-1);
	if ((v = json_object_get(newest, name)) != NULL)
		return ((long)json_integer_value(v));
	n = dep_deployable(name);
	json_object_set_new(newest, name, json_integer(n));
	return (n);
}

/*
 * An auto-redeploy deployment left behind the newest version with a key
 * (acmd stopped after storing the version, before starting its
 * redeploys): started now.  Failed ones wait for their back-off instead.
 */
static void
dep_catch_up(const char *key, const json_t *rec, json_t *newest)
{
	const char	*st = rec_str(rec, DEP_STATE);
	long		 target;

	if (!rec_bool(rec, DEP_AUTO_REDEPLOY) ||
	    json_object_get(rec, DEP_INTENT) != NULL || st == NULL ||
	    strcmp(st, DEP_S_IN_SYNC) != 0 || dep_active(key) != NULL ||
	    (target = dep_deployable_once(newest, rec_str(rec, DEP_NAME))) <=
	    rec_int(rec, DEP_VERSION))
		return;
	log_info("deploy: %s: at version %lld, behind version %ld (acmd "
	    "stopped before following it): auto-redeploying", key,
	    rec_int(rec, DEP_VERSION), target);
	dep_unit_start(NULL, key, rec, target, 0);
}

void
deploy_resume(void)
{
	json_t		*keys, *recs, *newest;
	char		*cause = NULL;
	size_t		 i;
	uint64_t	 t0 = now_ms();

	if (intent_walk_due(&deploy_intent, 0, dep_resume_want, dep_resume_one,
	    NULL, &cause) != 0) {
		log_warnx("deploy: %s", cause);
		free(cause);
		return;
	}
	/*
	 * Waiting for a key that will not come: not any more.  Behind the
	 * newest version: following it.
	 */
	if (deployments_collect(NULL, &keys, &recs, &cause) != 0) {
		log_warnx("deploy: %s", cause);
		free(cause);
		return;
	}
	newest = json_object();
	for (i = 0; i < json_array_size(recs); i++) {
		dep_still_waiting(json_string_value(json_array_get(keys, i)),
		    json_array_get(recs, i));
		dep_catch_up(json_string_value(json_array_get(keys, i)),
		    json_array_get(recs, i), newest);
	}
	log_debug("deploy: catch-up pass: %zu deployments, %zu certificates "
	    "read, %llu ms", json_array_size(recs), json_object_size(newest),
	    (unsigned long long)(now_ms() - t0));
	json_decref(newest);
	json_decref(keys);
	json_decref(recs);
}

void
deploy_repair(const char *key, const json_t *rec)
{
	json_t	*r;

	if (dep_active(key) != NULL)
		return;
	r = json_deep_copy(rec);
	json_object_set_new(r, DEP_REPLACE, json_true());
	dep_unit_start(NULL, key, r, dep_target_version(r), 0);
	json_decref(r);
}

/* The newest version of name with a key: 0 when none has, -1 on error. */
static long
dep_deployable(const char *name)
{
	json_t	*v;
	char	*cause = NULL;
	long	 n;

	if ((v = repo_read_version(name, REPO_DEPLOYABLE, &cause)) == NULL) {
		if (cause != NULL)
			log_warnx("deploy: %s: %s", name, cause);
		free(cause);
		return (-1);
	}
	n = rec_bool(v, "has_key") ? (long)rec_int(v, "version") : 0;
	json_decref(v);
	return (n);
}

/*
 * Certificate name has a new version, or a version of it got its key:
 * every auto-redeploy deployment of name follows the newest version with
 * a key.  A version without one is never deployed; a deployment stays on
 * the version it has until a newer one has its key (it shows outdated).
 */
/*
 * Deployment key (rec) stays on version target, version having no key:
 * waiting-for-key while acmd fetches it, else in-sync (shown outdated).
 */
static void
dep_stays(const char *key, const json_t *rec, long target, long version,
    int waiting)
{
	log_info("deploy: %s stays on version %ld: version %ld has no private "
	    "key (%s)", key, target, version, waiting ? "acmd is fetching it; "
	    "the deployment follows once it is here" : "it follows once one "
	    "has");
	if (waiting)
		dep_update(key, json_pack("{s:s, s:I}", DEP_STATE,
		    DEP_S_WAITING_KEY, DEP_WAITING_FOR, (json_int_t)version));
	else if (strcmp(rec_str(rec, DEP_STATE), DEP_S_WAITING_KEY) == 0)
		dep_update(key, json_pack("{s:s, s:n}", DEP_STATE,
		    DEP_S_IN_SYNC, DEP_WAITING_FOR));
}

void
deploy_new_version(const char *name, long version)
{
	json_t		*keys, *recs, *rec;
	const char	*key, *st;
	char		*cause = NULL;
	size_t		 i;
	long		 target;
	int		 waiting;

	if ((target = dep_deployable(name)) <= 0)
		return;
	/* A newer version whose key acmd is fetching: waited for. */
	waiting = version > target && pending_key(name, version);
	if (deployments_collect(name, &keys, &recs, &cause) != 0) {
		log_warnx("deploy: %s", cause);
		free(cause);
		return;
	}
	for (i = 0; i < json_array_size(recs); i++) {
		rec = json_array_get(recs, i);
		if (!rec_bool(rec, DEP_AUTO_REDEPLOY))
			continue;
		key = json_string_value(json_array_get(keys, i));
		st = rec_str(rec, DEP_STATE);
		if (rec_int(rec, DEP_VERSION) == target &&
		    json_object_get(rec, DEP_INTENT) == NULL && st != NULL &&
		    (strcmp(st, DEP_S_IN_SYNC) == 0 ||
		    strcmp(st, DEP_S_WAITING_KEY) == 0)) {
			if (target < version)
				dep_stays(key, rec, target, version, waiting);
			continue;	/* there already */
		}
		if (dep_active(key) != NULL) {
			/* Busy: the retry job picks the new version up. */
			dep_update(key, json_pack("{s:{s:I, s:I}}", DEP_INTENT,
			    "version", (json_int_t)target, "started",
			    (json_int_t)time(NULL)));
			continue;
		}
		log_info("deploy: %s: auto-redeploying version %ld", key,
		    target);
		dep_unit_start(NULL, key, rec, target, 0);
	}
	json_decref(keys);
	json_decref(recs);
}

void
deploy_init(void)
{
	repo_set_new_version_hook(deploy_new_version);
}

/*
 * Mismatch detection: what ACM holds at each deployment's ARN against what
 * acmd put there (GetCertificate's fingerprint).  A change is logged
 * (ACMD_EVENT=deploy-mismatch, deploy-missing) and recorded; an
 * auto-redeploy deployment is repaired at once.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <jansson.h>

#include "aws/aws.h"
#include "aws/services.h"
#include "creds.h"
#include "deploy.h"
#include "deploy-target.h"
#include "deployments.h"
#include "jobs/sched.h"
#include "log.h"
#include "mismatch.h"
#include "pem.h"
#include "rec.h"
#include "xmalloc.h"

struct dep_check_run {
	json_t		*rows;		/* what each check found */
	int		 pending;
	struct job	*job;		/* the mismatch job's run, if it is one */
	struct op_reply	 reply;
};

struct dep_check {
	TAILQ_ENTRY(dep_check) entry;	/* in flight */
	struct dep_check_run *run;
	char		*key;
	char		*sha256;
	int		 auto_redeploy;
	char		*arn;		/* NULL: a file target */
	char		*why;		/* a file target's difference */
};

static TAILQ_HEAD(, dep_check) checks = TAILQ_HEAD_INITIALIZER(checks);

static void
dep_check_release(struct dep_check_run *run)
{
	char	 result[64];

	if (--run->pending > 0) {
		if (run->job != NULL)
			job_progress(run->job);
		return;
	}
	snprintf(result, sizeof result, "%zu deployment%s checked",
	    json_array_size(run->rows), json_array_size(run->rows) == 1 ? "" :
	    "s");
	if (run->job != NULL)
		job_done(run->job, 1, result);
	op_ok(&run->reply, run->rows);
	free(run);
}

/* What ACM holds at the ARN decides the state; an event when it moved. */
static const char *
dep_check_state(struct dep_check *c, struct aws_result *r, char **error)
{
	struct pem_certinfo	*ci = NULL;
	const char		*pem, *state = NULL;
	char			*cause = NULL;

	if (!r->ok) {
		if (strcmp(r->err.code, "ResourceNotFoundException") == 0)
			return (DEP_S_MISSING);
		xasprintf(error, "%s: %s", r->err.code, r->err.message);
		log_warnx("deploy: checking %s: %s", c->key, *error);
		return (NULL);
	}
	if ((pem = rec_str(r->json, "Certificate")) != NULL &&
	    pem_certinfo_parse(pem, strlen(pem), &ci, &cause) == 0) {
		state = strcmp(ci->sha256, c->sha256) == 0 ? DEP_S_IN_SYNC :
		    DEP_S_MISMATCH;
		pem_certinfo_free(ci);
	} else
		xasprintf(error, "GetCertificate: %s", cause != NULL ? cause :
		    "no certificate in the answer");
	free(cause);
	return (state);
}

static void
dep_check_event(struct dep_check *c, const json_t *rec, const char *state)
{
	char	*msg, *f1, *f2, *f3;

	if (c->arn == NULL)
		xasprintf(&msg, "deployment %s: the target's files are not "
		    "the version deployed: %s", c->key, c->why);
	else
		xasprintf(&msg, "deployment %s: ACM %s at %s", c->key,
		    strcmp(state, DEP_S_MISSING) == 0 ? "no longer has the "
		    "certificate" : "holds another certificate", c->arn);
	xasprintf(&f1, c->arn != NULL ? "CERT_ARN=%s" : "TARGET=%s",
	    c->arn != NULL ? c->arn : rec_str(rec, DEP_TARGET));
	xasprintf(&f2, "REGION=%s", rec_str(rec, DEP_REGION));
	xasprintf(&f3, "CERT_NAME=%s", rec_str(rec, "name"));
	log_event(LOG_WARNING, strcmp(state, DEP_S_MISSING) == 0 ?
	    "deploy-missing" : "deploy-mismatch", msg, f1, f2, f3, (char *)NULL);
	free(msg);
	free(f1);
	free(f2);
	free(f3);
}

/* The check's finding written (a failure logged). */
static void
check_record(const char *key, json_t *set)
{
	char	*cause = NULL;

	if (deployment_update(key, set, &cause) != 0) {
		log_warnx("deploy: %s: cannot record: %s", key, cause);
		free(cause);
	}
}

/* What the check found: state, or NULL and error (taken over). */
static void
dep_check_found(struct dep_check *c, const char *state, char *error)
{
	json_t			*rec, *row;
	int			 repair = 0;

	/*
	 * An auto-redeploy deployment that failed to follow a newer version
	 * stays failed even though ACM still holds what it had; one waiting
	 * for the newer version's key stays waiting.
	 */
	if (state != NULL && strcmp(state, DEP_S_IN_SYNC) == 0 &&
	    c->auto_redeploy && (rec = deployment_get(c->key)) != NULL) {
		if (rec_str(rec, DEP_STATE) != NULL &&
		    (strcmp(rec_str(rec, DEP_STATE), DEP_S_FAILED) == 0 ||
		    strcmp(rec_str(rec, DEP_STATE), DEP_S_WAITING_KEY) == 0))
			state = NULL;
		json_decref(rec);
	}
	row = json_pack("{s:s, s:s?}", "deployment", c->key, "arn", c->arn);
	if (state != NULL && (rec = deployment_get(c->key)) != NULL) {
		json_object_set_new(row, "was", json_string(rec_str(rec,
		    DEP_STATE) ? rec_str(rec, DEP_STATE) : DEP_S_PENDING));
		/* Only report a change, and not under a deployment in flight. */
		if (json_object_get(rec, DEP_INTENT) == NULL &&
		    !deploy_active(c->key) &&
		    (rec_str(rec, DEP_STATE) == NULL ||
		    strcmp(rec_str(rec, DEP_STATE), state) != 0)) {
			check_record(c->key, json_pack("{s:s, s:I}", DEP_STATE,
			    state, DEP_CHECKED, (json_int_t)time(NULL)));
			if (strcmp(state, DEP_S_IN_SYNC) != 0) {
				dep_check_event(c, rec, state);
				/* Repaired at once where that is wanted. */
				repair = c->auto_redeploy;
			}
		} else
			check_record(c->key, json_pack("{s:I}", DEP_CHECKED,
			    (json_int_t)time(NULL)));
		if (repair) {
			json_object_set_new(row, "repair", json_string(
			    "auto-redeploying"));
			deploy_repair(c->key, rec);
		}
		json_decref(rec);
	}
	json_object_set_new(row, "state", state != NULL ? json_string(state) :
	    json_null());
	if (error != NULL || c->why != NULL)
		json_object_set_new(row, "error", json_string(error != NULL ?
		    error : c->why));
	json_array_append_new(c->run->rows, row);
	free(error);
	TAILQ_REMOVE(&checks, c, entry);
	dep_check_release(c->run);
	free(c->key);
	free(c->sha256);
	free(c->arn);
	free(c->why);
	free(c);
}

static void
dep_checked(struct aws_result *r, void *arg)
{
	struct dep_check	*c = arg;
	const char		*state;
	char			*error = NULL;

	state = dep_check_state(c, r, &error);
	dep_check_found(c, state, error);
}

/* A file target: its files are looked at now, on this machine. */
static void
dep_check_target(struct dep_check_run *run, const char *key,
    const json_t *rec)
{
	struct dep_check	*c;
	const char		*state;
	char			*error = NULL;

	if (rec_str(rec, DEP_SHA256) == NULL || json_object_get(rec,
	    DEP_INTENT) != NULL || deploy_active(key))
		return;
	c = xcalloc(1, sizeof *c);
	c->run = run;
	c->key = xstrdup(key);
	c->sha256 = xstrdup(rec_str(rec, DEP_SHA256));
	c->auto_redeploy = rec_bool(rec, DEP_AUTO_REDEPLOY);
	run->pending++;
	TAILQ_INSERT_TAIL(&checks, c, entry);
	state = deploy_target_check(rec, &error);
	if (state != NULL) {
		c->why = error;
		error = NULL;
	}
	dep_check_found(c, state, error);
}

static void
dep_check_start(struct dep_check_run *run)
{
	struct dep_check	*c;
	struct aws_cred		*cred;
	json_t			*rec, *keys, *recs;
	char			*cause = NULL;
	size_t			 i;

	run->rows = json_array();
	run->pending = 1;	/* held while starting */
	if (deployments_collect(NULL, &keys, &recs, &cause) != 0) {
		log_warnx("deploy: checking: %s", cause);
		free(cause);
		dep_check_release(run);
		return;
	}
	for (i = 0; i < json_array_size(recs); i++) {
		rec = json_array_get(recs, i);
		if (deployment_is_target(rec)) {
			dep_check_target(run, json_string_value(
			    json_array_get(keys, i)), rec);
			continue;
		}
		if (rec_str(rec, DEP_ARN) == NULL || rec_str(rec, DEP_SHA256) ==
		    NULL || json_object_get(rec, DEP_INTENT) != NULL)
			continue;
		if ((cred = creds_get(rec_str(rec, DEP_CREDENTIAL), &cause)) ==
		    NULL) {
			log_warnx("deploy: checking %s: %s", json_string_value(
			    json_array_get(keys, i)), cause);
			json_array_append_new(run->rows, json_pack("{s:s, s:s, "
			    "s:n, s:s}", "deployment", json_string_value(
			    json_array_get(keys, i)), "arn", rec_str(rec, DEP_ARN),
			    "state", "error", cause));
			free(cause);
			cause = NULL;
			continue;
		}
		c = xcalloc(1, sizeof *c);
		c->run = run;
		c->key = xstrdup(json_string_value(json_array_get(keys, i)));
		c->sha256 = xstrdup(rec_str(rec, DEP_SHA256));
		c->arn = xstrdup(rec_str(rec, DEP_ARN));
		c->auto_redeploy = rec_bool(rec, DEP_AUTO_REDEPLOY);
		run->pending++;
		TAILQ_INSERT_TAIL(&checks, c, entry);
		acm_get_certificate(cred, rec_str(rec, DEP_REGION), c->arn,
		    dep_checked, c);
		aws_cred_unref(cred);
	}
	json_decref(keys);
	json_decref(recs);
	dep_check_release(run);
}

/*
 * acmd stops: the checks still waiting for AWS end as errors (aws_shutdown
 * drops their calls without a callback), so each run answers and goes.
 */
void
mismatch_shutdown(void)
{
	struct aws_result	 r;
	struct dep_check	*c;

	while ((c = TAILQ_FIRST(&checks)) != NULL) {
		memset(&r, 0, sizeof r);
		r.err.code = (char *)"Shutdown";
		r.err.message = (char *)"acmd is stopping";
		dep_checked(&r, c);
	}
}

void
mismatch_check(struct op_reply reply, struct job *job)
{
	struct dep_check_run	*run;

	run = xcalloc(1, sizeof *run);
	run->reply = reply;
	/* Asked for on demand: a run of the mismatch job too. */
	if (job == NULL && (job = sched_find(MISMATCH_JOB)) != NULL &&
	    sched_job_begin(job) != 0)
		job = NULL;
	run->job = job;
	dep_check_start(run);
}

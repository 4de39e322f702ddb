#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "acmd.h"
#include "aws/aws.h"
#include "aws/endpoint.h"
#include "aws/services.h"
#include "conf.h"
#include "creds.h"
#include "deploy.h"
#include "deploy-region.h"
#include "deploy-target.h"
#include "deployments.h"
#include "intent.h"
#include "inventory.h"
#include "log.h"
#include "pem.h"
#include "pending.h"
#include "rec.h"
#include "repo.h"
#include "store.h"
#include "xmalloc.h"

struct dep_unit {
	struct dep_op	*op;
	char		*key;		/* NAME/ACCOUNT/REGION */
	char		*name;
	char		*cred_name;
	char		*account;
	char		*region;
	struct aws_cred	*cred;
	long		 version;
	char		*sha256;
	char		*domain;
	char		*cert;		/* the version's PEM */
	char		*chain;
	int		 note_inv;	/* record the ARN in the inventory */
	int		 replace;
	int		 auto_redeploy;
	json_t		*tags;		/* [{Key, Value}] or NULL */
	char		*target_arn;	/* acmd's earlier ARN here */
	int		 target_seen;
	char		*found_arn;	/* the same certificate, already there */
	int		 pending;
	int		 listing;
	char		*result;
	char		*arn;		/* final */
	int		 failed;
	int		 waiting;	/* for the key of version */
	int		 network;	/* failed: AWS could not be reached */
	json_t		*rec_set;	/* to record at the next commit */
	json_t		*rec_del;
	int		 finishing;	/* done once that commit is made */
	struct dep_unit	*next;
};

static struct dep_unit	*active;
static struct event	*commit_ev;

static void	dep_unit_finish(struct dep_unit *);
static void	dep_list_start(struct dep_unit *);
static void	dep_got_target(struct aws_result *, void *);

int
deploy_busy(void)
{
	return (active != NULL);
}

struct dep_unit *
dep_active(const char *key)
{
	struct dep_unit	*u;

	for (u = active; u != NULL; u = u->next) {
		if (strcmp(u->key, key) == 0)
			return (u);
	}
	return (NULL);
}

int
deploy_active(const char *key)
{
	return (dep_active(key) != NULL);
}

static void
dep_unit_free(struct dep_unit *u)
{
	struct dep_unit	**pp;

	for (pp = &active; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == u) {
			*pp = u->next;
			break;
		}
	}
	aws_cred_unref(u->cred);
	free(u->key);
	free(u->name);
	free(u->cred_name);
	free(u->account);
	free(u->region);
	free(u->sha256);
	free(u->domain);
	free(u->cert);
	free(u->chain);
	json_decref(u->tags);
	free(u->target_arn);
	free(u->found_arn);
	free(u->result);
	free(u->arn);
	json_decref(u->rec_set);
	json_decref(u->rec_del);
	free(u);
}

/*
 * Write u's queued change into t: its record, the inventory's view of
 * what ACM holds now (no need to wait for a discovery), and, when u is
 * finishing, its attempts (a failure backs off; a success resets them).
 */
static int
dep_put(struct store_txn *t, struct dep_unit *u, char **cause)
{
	json_t		*set = u->rec_set, *v;
	long long	 attempts;
	int		 ret;

	if (u->note_inv && u->arn != NULL) {
		v = json_pack("{s:s, s:{s:s, s:I}}", "type", "Imported",
		    "linked", "name", u->name, "version", (json_int_t)u->version);
		ret = inv_note(t, u->arn, u->cred_name, v, u->cert, u->chain,
		    cause);
		json_decref(v);
		if (ret != 0)
			return (-1);
		u->note_inv = 0;
	}
	if (u->finishing && u->failed) {
		json_t	*rec = rec_get(t, DB_DEPLOYMENTS, u->key, cause);

		if (rec == NULL && *cause != NULL)
			return (-1);
		attempts = rec_int(rec, DEP_ATTEMPTS) + 1;
		json_decref(rec);
		json_object_update(set, v = json_pack("{s:s, s:s, s:I, s:I}",
		    DEP_STATE, DEP_S_FAILED, DEP_LAST_ERROR, u->result,
		    DEP_ATTEMPTS, (json_int_t)attempts, DEP_NEXT_RETRY,
		    (json_int_t)(time(NULL) + intent_backoff(&deploy_intent,
		    attempts))));
		json_decref(v);
		json_array_append_new(u->rec_del, json_string(DEP_INTENT));
	} else if (u->finishing) {
		json_object_set_new(set, DEP_ATTEMPTS, json_integer(0));
		json_array_append_new(u->rec_del, json_string(DEP_LAST_ERROR));
		json_array_append_new(u->rec_del, json_string(DEP_NEXT_RETRY));
	}
	if (u->finishing && !u->waiting)
		json_array_append_new(u->rec_del, json_string(DEP_WAITING_FOR));
	return (deployment_put(t, u->key, set, u->rec_del, cause));
}

/* Write what units have queued (dep_record) into t. */
static int
dep_put_queued(struct store_txn *t, void *arg, char **cause)
{
	struct dep_unit	*u;

	for (u = active; u != NULL; u = u->next) {
		if (u->rec_set != NULL && dep_put(t, u, cause) != 0)
			return (-1);
	}
	return (0);
}

/* Once committed (or given up: the intent left there is resumed later). */
static void
dep_queue_clear(void)
{
	struct dep_unit	*u;

	for (u = active; u != NULL; u = u->next) {
		json_decref(u->rec_set);
		json_decref(u->rec_del);
		u->rec_set = u->rec_del = NULL;
	}
}

struct dep_now {
	const char	*key;
	json_t		*set;
};

static int
dep_update_fn(struct store_txn *t, void *arg, char **cause)
{
	struct dep_now	*n = arg;

	if (dep_put_queued(t, NULL, cause) != 0)
		return (-1);
	return (deployment_put(t, n->key, n->set, NULL, cause));
}

/*
 * Update a deployment record in one short transaction, now (and what
 * units have queued before it, so that records change in order); set is
 * taken over.
 */
int
dep_update(const char *key, json_t *set)
{
	struct dep_now	 n = { key, set };
	char		*cause = NULL;
	int		 ret;

	ret = store_write(acmd.store, dep_update_fn, &n, &cause);
	json_decref(set);
	if (ret != 0) {
		log_warnx("deploy: %s: cannot record: %s", key, cause);
		free(cause);
		return (-1);
	}
	dep_queue_clear();
	return (0);
}

static void	dep_unit_done(struct dep_unit *);

/*
 * Commit what every unit queued, in one transaction, then finish the
 * units that were waiting for it.  A deploy to many regions gets its
 * answers within milliseconds of each other; one sync to disk each (two,
 * before) kept the last region waiting behind all the others' syncs.
 */
static void
dep_commit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct dep_unit		*u, *done = NULL, **pp;
	char			*cause = NULL;

	for (u = active; u != NULL && u->rec_set == NULL; u = u->next)
		;	/* a dep_update may have written them already */
	if (u != NULL) {
		if (store_write(acmd.store, dep_put_queued, NULL, &cause) != 0) {
			log_warnx("deploy: cannot record: %s", cause);
			free(cause);
		}
		dep_queue_clear();
	}
	/* Finishing may start other units: take these off the list first. */
	pp = &active;
	while ((u = *pp) != NULL) {
		if (u->finishing) {
			*pp = u->next;
			u->next = done;
			done = u;
		} else
			pp = &u->next;
	}
	while ((u = done) != NULL) {
		done = u->next;
		u->next = NULL;
		dep_unit_done(u);
	}
}

/* Queue a change of u's record for the next commit (soon, in one go). */
static void
dep_record(struct dep_unit *u, json_t *set, const char *const *del)
{
	const char	*k;
	json_t		*v;
	size_t		 i, j;

	if (u->rec_set == NULL) {
		u->rec_set = json_object();
		u->rec_del = json_array();
	}
	/* A key is either set or deleted: the later change wins. */
	json_object_foreach(set, k, v) {
		json_object_set(u->rec_set, k, v);
		for (j = 0; j < json_array_size(u->rec_del);) {
			if (strcmp(json_string_value(json_array_get(
			    u->rec_del, j)), k) == 0)
				json_array_remove(u->rec_del, j);
			else
				j++;
		}
	}
	json_decref(set);
	for (i = 0; del != NULL && del[i] != NULL; i++) {
		json_object_del(u->rec_set, del[i]);
		json_array_append_new(u->rec_del, json_string(del[i]));
	}
	if (commit_ev == NULL)
		commit_ev = evtimer_new(acmd.base, dep_commit_cb, NULL);
	if (!evtimer_pending(commit_ev, NULL)) {
		struct timeval	 now = { 0, 0 };

		evtimer_add(commit_ev, &now);
	}
}

static void
dep_fail(struct dep_unit *u, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
dep_fail(struct dep_unit *u, const char *fmt, ...)
{
	va_list	 ap;

	free(u->result);
	va_start(ap, fmt);
	xvasprintf(&u->result, fmt, ap);
	va_end(ap);
	u->failed = 1;
	dep_unit_finish(u);
}

static void
dep_tagged(struct aws_result *r, void *arg)
{
	struct dep_unit	*u = arg;

	if (!r->ok)
		log_warnx("deploy: %s: tags: %s: %s", u->key, r->err.code,
		    r->err.message);
	dep_unit_finish(u);
}

static void
dep_imported(struct aws_result *r, void *arg)
{
	struct dep_unit	*u = arg;
	const char	*arn;
	int		 reimport = u->arn != NULL;

	if (!r->ok) {
		u->network = r->err.network;
		dep_fail(u, "%s: %s", r->err.code, r->err.message);
		return;
	}
	if ((arn = rec_str(r->json, "CertificateArn")) == NULL && !reimport) {
		dep_fail(u, "ImportCertificate answered without an ARN");
		return;
	}
	if (!reimport)
		u->arn = xstrdup(arn);
	free(u->result);
	u->result = xstrdup(reimport ? "re-imported onto its ARN" :
	    "imported");
	log_info("deploy: %s version %ld %s %s (%s)", u->name, u->version,
	    reimport ? "re-imported onto" : "imported as", u->arn, u->region);
	/*
	 * Record the ARN in the next commit, before anything else happens
	 * to this region (a crash before it: the intent is resumed and finds
	 * the import by its fingerprint, not importing twice).
	 */
	u->note_inv = 1;
	dep_record(u, json_pack("{s:s, s:I, s:s, s:s}", "arn", u->arn,
	    "version", (json_int_t)u->version, "sha256", u->sha256, "state",
	    "in-sync"), (const char *const[]){ "intent", NULL });
	/* ACM refuses tags on re-import: they go after. */
	if (reimport && u->tags != NULL && json_array_size(u->tags) > 0) {
		acm_add_tags(u->cred, u->region, u->arn, u->tags, dep_tagged, u);
		return;
	}
	dep_unit_finish(u);
}

static void
dep_import(struct dep_unit *u, const char *onto)
{
	json_t	*v;
	char	*cause = NULL, *key;
	size_t	 klen;

	if ((v = repo_read_version(u->name, u->version, &cause)) == NULL) {
		dep_fail(u, "version %ld of %s is gone from the repository%s%s",
		    u->version, u->name, cause ? ": " : "", cause ? cause : "");
		free(cause);
		return;
	}
	if ((key = repo_key(v, &klen, &cause)) == NULL) {
		json_decref(v);
		dep_fail(u, "%s", cause != NULL ? cause :
		    "the certificate has no private key");
		free(cause);
		return;
	}
	if (onto != NULL)
		u->arn = xstrdup(onto);
	acm_import_certificate(u->cred, u->region, onto, rec_str(v, "cert"),
	    key, rec_str(v, "chain"), onto == NULL ? u->tags : NULL,
	    dep_imported, u);
	/* The key lived only in memory, for the request; it is gone now. */
	xfree_secret(key, klen);
	json_decref(v);
}

static void
dep_decide(struct dep_unit *u)
{
	if (u->pending > 0 || u->listing)
		return;
	if (u->failed) {
		dep_unit_finish(u);
		return;
	}
	if (u->found_arn != NULL) {
		/* Identical certificate in ACM already: never import twice. */
		u->arn = xstrdup(u->found_arn);
		free(u->result);
		xasprintf(&u->result, "already in ACM%s; not imported again",
		    u->target_arn != NULL && strcmp(u->target_arn,
		    u->found_arn) == 0 ? " at its ARN" : "");
		u->note_inv = 1;
		dep_record(u, json_pack("{s:s, s:I, s:s, s:s}", "arn",
		    u->arn, "version", (json_int_t)u->version, "sha256",
		    u->sha256, "state", "in-sync"),
		    (const char *const[]){ "intent", NULL });
		dep_unit_finish(u);
		return;
	}
	if (u->target_arn != NULL && u->target_seen &&
	    (u->replace || u->auto_redeploy))
		dep_import(u, u->target_arn);
	else
		dep_import(u, NULL);
}

struct dep_get {
	struct dep_unit	*u;
	char		*arn;
};

/* Does the answer to GetCertificate(arn) hold our certificate? */
static void
dep_check_pem(struct dep_unit *u, const char *arn, struct aws_result *r)
{
	struct pem_certinfo	*ci = NULL;
	const char		*pem;
	char			*cause = NULL;
	int			 ours;

	if (r->ok && (pem = rec_str(r->json, "Certificate")) != NULL &&
	    pem_certinfo_parse(pem, strlen(pem), &ci, &cause) == 0) {
		if (strcmp(ci->sha256, u->sha256) == 0) {
			/* Prefer acmd's own ARN when several hold it. */
			ours = u->target_arn != NULL &&
			    strcmp(u->target_arn, arn) == 0;
			if (u->found_arn == NULL || ours) {
				free(u->found_arn);
				u->found_arn = xstrdup(arn);
			}
		}
		pem_certinfo_free(ci);
	} else if (!r->ok &&
	    strcmp(r->err.code, "RequestInProgressException") != 0)
		log_warnx("deploy: %s: GetCertificate %s: %s: %s", u->key, arn,
		    r->err.code, r->err.message);
	free(cause);
}

/* One candidate's PEM: is it our certificate? */
static void
dep_got_candidate(struct aws_result *r, void *arg)
{
	struct dep_get	*g = arg;
	struct dep_unit	*u = g->u;

	u->pending--;
	dep_check_pem(u, g->arn, r);
	free(g->arn);
	free(g);
	dep_decide(u);
}

static void
dep_listed(struct aws_result *r, void *arg)
{
	struct dep_unit	*u = arg;
	json_t		*list, *s;
	const char	*arn, *next, *dom;
	struct dep_get	*g;
	size_t		 i;

	if (!r->ok) {
		u->listing = 0;
		u->network = r->err.network;
		dep_fail(u, "listing %s: %s: %s", u->region, r->err.code,
		    r->err.message);
		return;
	}
	list = json_object_get(r->json, "CertificateSummaryList");
	json_array_foreach(list, i, s) {
		arn = rec_str(s, "CertificateArn");
		dom = rec_str(s, "DomainName");
		if (arn == NULL)
			continue;
		if (u->target_arn != NULL && strcmp(arn, u->target_arn) == 0)
			u->target_seen = 1;
		else if (dom == NULL || strcasecmp(dom, u->domain) != 0)
			continue;
		/* Only imported certificates can be ours (or re-imported). */
		if (rec_str(s, "Type") != NULL &&
		    strcmp(rec_str(s, "Type"), "IMPORTED") != 0)
			continue;
		u->pending++;
		g = xcalloc(1, sizeof *g);
		g->u = u;
		g->arn = xstrdup(arn);
		acm_get_certificate(u->cred, u->region, arn, dep_got_candidate,
		    g);
	}
	next = rec_str(r->json, "NextToken");
	if (next != NULL && *next != '\0')
		acm_list_certificates(u->cred, u->region, next, 1000, NULL,
		    dep_listed, u);
	else
		u->listing = 0;
	dep_decide(u);
}

static void
dep_list_start(struct dep_unit *u)
{
	u->listing = 1;
	acm_list_certificates(u->cred, u->region, NULL, 1000, NULL, dep_listed,
	    u);
}

/* Our earlier ARN: gone from ACM means listing and a new import. */
static void
dep_got_target(struct aws_result *r, void *arg)
{
	struct dep_get	*g = arg;
	struct dep_unit	*u = g->u;

	if (!r->ok && strcmp(r->err.code, "ResourceNotFoundException") == 0) {
		log_info("deploy: %s: %s is gone from ACM; importing anew",
		    u->key, u->target_arn);
		free(u->target_arn);
		u->target_arn = NULL;
		u->pending--;
		free(g->arn);
		free(g);
		dep_list_start(u);
		return;
	}
	if (!r->ok && strcmp(r->err.code, "RequestInProgressException") != 0) {
		u->pending--;
		free(g->arn);
		free(g);
		u->network = r->err.network;
		dep_fail(u, "GetCertificate %s: %s: %s", u->target_arn,
		    r->err.code, r->err.message);
		return;
	}
	u->target_seen = 1;
	u->pending--;
	dep_check_pem(u, g->arn, r);
	free(g->arn);
	free(g);
	/*
	 * Our ARN holds something else and will not be re-imported onto: a
	 * new import.  A crash may have made it already: look for it first.
	 */
	if (u->found_arn == NULL && !u->replace && !u->auto_redeploy) {
		dep_list_start(u);
		return;
	}
	dep_decide(u);
}

static void
dep_op_row(struct dep_op *op, struct dep_unit *u)
{
	json_t	*row;

	row = json_pack("{s:s, s:s, s:s, s:I, s:s}", "name", u->name,
	    "account", u->account ? u->account : "", "region", u->region,
	    "version", (json_int_t)u->version, "result", u->result ?
	    u->result : (u->failed ? "failed" : "done"));
	json_object_set_new(row, "arn", u->arn ? json_string(u->arn) :
	    json_null());
	json_object_set_new(row, "ok", json_boolean(!u->failed));
	if (u->failed && u->network)
		json_object_set_new(row, "network", json_true());
	if (u->account != NULL && strcmp(u->account, DEP_K_TARGET) == 0)
		json_object_set_new(row, "target", json_true());
	json_array_append_new(op->rows, row);
}

void
dep_op_done(struct dep_op *op)
{
	json_t		*out, *row;
	size_t		 i, failed = 0, busy = 0, network = 0, local = 0;
	enum proto_error code;
	char		*list, *next;

	if (op->done < op->total)
		return;
	json_array_foreach(op->rows, i, row) {
		if (rec_bool(row, "ok"))
			continue;
		failed++;
		if (rec_bool(row, "busy"))
			busy++;
		if (rec_bool(row, "network"))
			network++;
		if (rec_bool(row, "target"))
			local++;
	}
	out = json_pack("{s:I, s:I, s:O}", "regions", (json_int_t)op->total,
	    "failed", (json_int_t)failed, "deployments", op->rows);
	if (op->extra != NULL)
		json_object_update(out, op->extra);
	json_decref(op->extra);
	op->extra = NULL;
	if (failed == 0) {
		op_ok(&op->reply, out);
		json_decref(op->rows);
		free(op);
		return;
	}
	/* Every failed region named, with what went wrong there. */
	list = xstrdup("");
	json_array_foreach(op->rows, i, row) {
		if (rec_bool(row, "ok"))
			continue;
		xasprintf(&next, "%s%s%s (%s)", list, *list ? "; " : "",
		    rec_str(row, "region"), rec_str(row, "result"));
		free(list);
		list = next;
	}
	/*
	 * Busy everywhere, AWS not reached anywhere, only file targets
	 * (their files or reload), or AWS said no.
	 */
	code = busy == failed ? PROTO_EBUSY : network == failed ?
	    PROTO_ENETWORK : local == failed ? PROTO_ESTATE : PROTO_EAWS;
	op_fail_data(&op->reply, code, out, "deployment failed in %zu of %zu "
	    "region%s: %s", failed, op->total, op->total == 1 ? "" : "s",
	    list);
	free(list);
	json_decref(op->rows);
	free(op);
}

/*
 * The region is done: its record (failed and backing off, or the attempts
 * reset) goes into the next commit, and the rest happens after it.
 */
static void
dep_unit_finish(struct dep_unit *u)
{
	if (u->failed)
		log_warnx("deploy: %s: %s", u->key, u->result);
	u->finishing = 1;
	dep_record(u, NULL, NULL);
}

/*
 * u's version has no key, and acmd is fetching it: ACM keeps what it
 * has, and the key's arrival redeploys (deploy_new_version).
 */
static void
dep_wait_key(struct dep_unit *u)
{
	free(u->result);
	xasprintf(&u->result, "waiting for the key of version %ld, which acmd "
	    "is fetching; ACM keeps the version it has", u->version);
	log_info("deploy: %s: %s", u->key, u->result);
	u->waiting = 1;
	dep_record(u, json_pack("{s:s, s:I}", DEP_STATE, DEP_S_WAITING_KEY,
	    DEP_WAITING_FOR, (json_int_t)u->version),
	    (const char *const[]){ DEP_INTENT, NULL });
	dep_unit_finish(u);
}

/* After the commit: whoever asked hears about the region. */
static void
dep_unit_done(struct dep_unit *u)
{
	struct dep_op	*op = u->op;
	char		*what;

	if (op != NULL) {
		op->done++;
		dep_op_row(op, u);
		xasprintf(&what, "%s: %s", u->region, u->result ? u->result :
		    "done");
		op_progress(&op->reply, op->done, op->total, what);
		free(what);
	}
	dep_unit_free(u);
	if (op != NULL)
		dep_op_done(op);
}

/* The target's files are written and its reload ran (error: not). */
static void
dep_target_done(void *arg, const char *error)
{
	struct dep_unit	*u = arg;

	if (error != NULL) {
		dep_fail(u, "%s", error);
		return;
	}
	free(u->result);
	u->result = xstrdup("written and reloaded");
	log_info("deploy: %s version %ld written into target %s", u->name,
	    u->version, u->region);
	dep_record(u, json_pack("{s:I, s:s, s:s}", DEP_VERSION,
	    (json_int_t)u->version, DEP_SHA256, u->sha256, DEP_STATE,
	    DEP_S_IN_SYNC), (const char *const[]){ DEP_INTENT, NULL });
	dep_unit_finish(u);
}

/*
 * A file target: the intent on disk first (committed now, before any
 * file changes), then the files and the reload (deploy-target.c).
 */
static void
dep_target_start(struct dep_unit *u, const char *target, const json_t *v,
    int recorded)
{
	char	*label;

	if (!recorded && dep_update(u->key, json_pack("{s:s, s:{s:I, s:s, "
	    "s:I}}", DEP_STATE, DEP_S_DEPLOYING, DEP_INTENT, "version",
	    (json_int_t)u->version, "sha256", u->sha256, "started",
	    (json_int_t)time(NULL))) != 0) {
		dep_fail(u, "cannot record the deployment");
		return;
	}
	xasprintf(&label, "%s version %ld", u->name, u->version);
	deploy_target_write(target, label, v, dep_target_done, u);
	free(label);
}

/*
 * Start one region.  rec is the deployment record to follow (its flags,
 * credential, ARN); version 0 is the certificate's current version.
 */
void
dep_unit_start(struct dep_op *op, const char *key, const json_t *rec,
    long version, int recorded)
{
	struct dep_unit		*u;
	json_t			*v;
	char			*cause = NULL;

	u = xcalloc(1, sizeof *u);
	u->op = op;
	u->key = xstrdup(key);
	u->name = xstrdup(rec_str(rec, "name"));
	u->cred_name = rec_str(rec, DEP_CREDENTIAL) != NULL ?
	    xstrdup(rec_str(rec, DEP_CREDENTIAL)) : NULL;
	u->account = xstrdup(rec_str(rec, "account"));
	u->region = xstrdup(rec_str(rec, "region"));
	u->replace = rec_bool(rec, "replace");
	u->auto_redeploy = rec_bool(rec, "auto_redeploy");
	if (json_object_get(rec, "tags") != NULL)
		u->tags = json_incref(json_object_get(rec, "tags"));
	if (rec_str(rec, "arn") != NULL)
		u->target_arn = xstrdup(rec_str(rec, "arn"));
	u->next = active;
	active = u;

	/* What a deployment follows: the newest version with a key. */
	v = repo_read_version(u->name, version != 0 ? version :
	    REPO_DEPLOYABLE, &cause);
	if (v == NULL) {
		dep_fail(u, "certificate %s (version %ld) is not in the "
		    "repository", u->name, version);
		free(cause);
		return;
	}
	u->version = rec_int(v, "version");
	u->sha256 = xstrdup(rec_str(v, "sha256"));
	u->domain = xstrdup(rec_str(v, "domain"));
	u->cert = xstrdup(rec_str(v, "cert") ? rec_str(v, "cert") : "");
	u->chain = xstrdup(rec_str(v, "chain") ? rec_str(v, "chain") : "");
	if (deployment_is_target(rec)) {
		dep_target_start(u, rec_str(rec, DEP_TARGET), v, recorded);
		json_decref(v);
		return;
	}
	if (!rec_bool(v, "has_key")) {
		json_decref(v);
		if (pending_key(u->name, u->version)) {
			dep_wait_key(u);
			return;
		}
		dep_fail(u, "%s version %ld has no private key; ACM needs one "
		    "to import (acmctl fetch-key or cert renew with --key)",
		    u->name, u->version);
		return;
	}
	json_decref(v);
	if ((u->cred = creds_get(u->cred_name, &cause)) == NULL) {
		dep_fail(u, "%s", cause);
		free(cause);
		return;
	}
	/* The intent goes to disk before AWS hears anything. */
	if (!recorded)
		dep_update(u->key, json_pack("{s:s, s:{s:I, s:s, s:I}}",
		    DEP_STATE, DEP_S_DEPLOYING, DEP_INTENT, "version",
		    (json_int_t)u->version, "sha256", u->sha256, "started",
		    (json_int_t)time(NULL)));
	/*
	 * With an ARN of ours here, what it holds decides (re-importing onto
	 * it can never make a second ARN).  Without one, what does ACM hold
	 * for this domain?  A crash after an import finds it there.
	 */
	if (u->target_arn != NULL) {
		struct dep_get	*g = xcalloc(1, sizeof *g);

		g->u = u;
		g->arn = xstrdup(u->target_arn);
		u->pending++;
		acm_get_certificate(u->cred, u->region, u->target_arn,
		    dep_got_target, g);
		return;
	}
	dep_list_start(u);
}


/* Stopping: write what finished regions queued, then let go. */
void
deploy_shutdown(void)
{
	if (commit_ev == NULL)
		return;
	if (evtimer_pending(commit_ev, NULL)) {
		evtimer_del(commit_ev);
		dep_commit_cb(-1, 0, NULL);
	}
	event_free(commit_ev);
	commit_ev = NULL;
}

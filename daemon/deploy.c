#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "acmd.h"
#include "aws/aws.h"
#include "aws/endpoint.h"
#include "aws/services.h"
#include "cmd.h"
#include "conf.h"
#include "creds.h"
#include "deploy.h"
#include "inventory.h"
#include "jobs/sched.h"
#include "log.h"
#include "pem.h"
#include "rec.h"
#include "repo.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define DEP_RETRY_BASE	60	/* seconds; doubles per failure */
#define DEP_RETRY_MAX	3600

struct dep_op;

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
	json_t		*rec_set;	/* to record at the next commit */
	json_t		*rec_del;
	int		 finishing;	/* done once that commit is made */
	struct dep_unit	*next;
};

struct dep_op {
	struct cmd_ctx	*ctx;
	size_t		 total;
	size_t		 done;
	json_t		*rows;
};

static struct dep_unit	*active;
static struct event	*commit_ev;
static struct job	*redeploy_job;
static struct job	*mismatch_job;

static void	dep_unit_finish(struct dep_unit *);
static void	dep_list_start(struct dep_unit *);
static void	dep_got_target(struct aws_result *, void *);

const char *
deploy_state_shown(const json_t *rec, long long current)
{
	const char	*st = rec_str(rec, "state");

	if (st == NULL)
		return ("pending");
	if (strcmp(st, "in-sync") == 0 && current > 0 &&
	    rec_int(rec, "version") > 0 && rec_int(rec, "version") < current)
		return ("outdated");
	return (st);
}

int
deploy_busy(void)
{
	return (active != NULL);
}

static struct dep_unit *
dep_active(const char *key)
{
	struct dep_unit	*u;

	for (u = active; u != NULL; u = u->next) {
		if (strcmp(u->key, key) == 0)
			return (u);
	}
	return (NULL);
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

/* Change one deployment record inside transaction t. */
static int
dep_put(struct store_txn *t, const char *key, json_t *set, json_t *del,
    struct dep_unit *u, char **cause)
{
	json_t		*rec, *v;
	long long	 attempts;
	size_t		 i;
	int		 ret;

	rec = rec_get(t, DB_DEPLOYMENTS, key, cause);
	if (rec == NULL && *cause != NULL)
		return (-1);
	if (rec == NULL)
		rec = json_object();
	if (set != NULL)
		json_object_update(rec, set);
	json_array_foreach(del, i, v)
		json_object_del(rec, json_string_value(v));
	if (u != NULL && u->note_inv && u->arn != NULL) {
		/* What ACM holds now is known: no need to wait for discovery. */
		v = json_pack("{s:s, s:{s:s, s:I}}", "type", "Imported",
		    "linked", "name", u->name, "version", (json_int_t)u->version);
		ret = inv_note(t, u->arn, u->cred_name, v, u->cert, u->chain,
		    cause);
		json_decref(v);
		if (ret != 0) {
			json_decref(rec);
			return (-1);
		}
		u->note_inv = 0;
	}
	if (u != NULL && u->finishing && u->failed) {
		/* Failed auto-redeploys back off. */
		attempts = rec_int(rec, "attempts") + 1;
		v = json_pack("{s:s, s:s, s:I, s:I}", "state", "failed",
		    "last_error", u->result, "attempts", (json_int_t)attempts,
		    "next_retry", (json_int_t)(time(NULL) + (attempts > 6 ?
		    DEP_RETRY_MAX : DEP_RETRY_BASE << (attempts - 1))));
		json_object_update(rec, v);
		json_decref(v);
		json_object_del(rec, "intent");
	} else if (u != NULL && u->finishing) {
		json_object_set_new(rec, "attempts", json_integer(0));
		json_object_del(rec, "last_error");
		json_object_del(rec, "next_retry");
	}
	json_object_set_new(rec, "updated", json_integer(time(NULL)));
	if (rec_put(t, DB_DEPLOYMENTS, key, rec, cause) != 0) {
		json_decref(rec);
		return (-1);
	}
	json_decref(rec);
	return (0);
}

/* Write what units have queued (dep_record) into t. */
static int
dep_put_queued(struct store_txn *t, char **cause)
{
	struct dep_unit	*u;

	for (u = active; u != NULL; u = u->next) {
		if (u->rec_set != NULL &&
		    dep_put(t, u->key, u->rec_set, u->rec_del, u, cause) != 0)
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

/*
 * Update a deployment record in one short transaction, now (and what
 * units have queued before it, so that records change in order).
 */
static int
dep_update(const char *key, json_t *set, const char *const *del)
{
	struct store_txn	*t;
	json_t			*dels;
	char			*cause = NULL;
	size_t			 i;

	dels = json_array();
	for (i = 0; del != NULL && del[i] != NULL; i++)
		json_array_append_new(dels, json_string(del[i]));
	if ((t = store_begin(acmd.store, 1, &cause)) == NULL)
		goto fail;
	if (dep_put_queued(t, &cause) != 0 ||
	    dep_put(t, key, set, dels, NULL, &cause) != 0) {
		store_abort(t);
		goto fail;
	}
	if (store_commit(t, &cause) != 0)
		goto fail;
	dep_queue_clear();
	json_decref(set);
	json_decref(dels);
	return (0);
fail:
	log_warnx("deploy: %s: cannot record: %s", key, cause);
	free(cause);
	json_decref(set);
	json_decref(dels);
	return (-1);
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
	struct store_txn	*t;
	struct dep_unit		*u, *done = NULL, **pp;
	char			*cause = NULL;

	for (u = active; u != NULL && u->rec_set == NULL; u = u->next)
		;	/* a dep_update may have written them already */
	if (u != NULL) {
		if ((t = store_begin(acmd.store, 1, &cause)) != NULL &&
		    dep_put_queued(t, &cause) != 0) {
			store_abort(t);
			t = NULL;
		}
		if (t == NULL || store_commit(t, &cause) != 0) {
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

static json_t *
dep_get(const char *key)
{
	struct store_txn	*t;
	json_t			*rec;
	char			*cause = NULL;

	if ((t = store_begin(acmd.store, 0, &cause)) == NULL) {
		free(cause);
		return (NULL);
	}
	rec = rec_get(t, DB_DEPLOYMENTS, key, &cause);
	store_abort(t);
	free(cause);
	return (rec);
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
	struct store_txn	*t;
	json_t			*v;
	char			*cause = NULL, *key;
	size_t			 klen;

	if ((t = store_begin(acmd.store, 0, &cause)) == NULL) {
		dep_fail(u, "%s", cause);
		free(cause);
		return;
	}
	v = repo_get_version(t, u->name, u->version, &cause);
	store_abort(t);
	if (v == NULL) {
		dep_fail(u, "version %ld of %s is gone from the repository",
		    u->version, u->name);
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
	json_array_append_new(op->rows, row);
}

static void
dep_op_done(struct dep_op *op)
{
	json_t	*out;
	size_t	 i, failed = 0;

	if (op->done < op->total)
		return;
	for (i = 0; i < json_array_size(op->rows); i++) {
		if (!rec_bool(json_array_get(op->rows, i), "ok"))
			failed++;
	}
	out = json_pack("{s:I, s:I, s:O}", "regions", (json_int_t)op->total,
	    "failed", (json_int_t)failed, "deployments", op->rows);
	if (op->ctx != NULL && failed > 0) {
		json_t	*row;
		char	*list = xstrdup(""), *next;

		/* Every failed region named, with what went wrong there. */
		json_array_foreach(op->rows, i, row) {
			if (rec_bool(row, "ok"))
				continue;
			xasprintf(&next, "%s%s%s (%s)", list, *list ? "; " : "",
			    rec_str(row, "region"), rec_str(row, "result"));
			free(list);
			list = next;
		}
		cmd_reply_error_json(op->ctx, PROTO_EAWS, json_incref(out),
		    "deployment failed in %zu of %zu region%s: %s", failed,
		    op->total, op->total == 1 ? "" : "s", list);
		free(list);
	} else if (op->ctx != NULL)
		cmd_reply_json(op->ctx, json_incref(out));
	json_decref(out);
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

/* After the commit: the client hears about the region. */
static void
dep_unit_done(struct dep_unit *u)
{
	struct dep_op	*op = u->op;
	char		*what;

	if (op != NULL) {
		op->done++;
		dep_op_row(op, u);
		if (op->ctx != NULL) {
			xasprintf(&what, "%s: %s", u->region, u->result ?
			    u->result : "done");
			cmd_progress(op->ctx, op->done, op->total, what);
			free(what);
		}
	}
	dep_unit_free(u);
	if (op != NULL)
		dep_op_done(op);
}

/*
 * Start one region.  rec is the deployment record to follow (its flags,
 * credential, ARN); version 0 is the certificate's current version.
 */
static void
dep_unit_start(struct dep_op *op, const char *key, const json_t *rec,
    long version, int recorded)
{
	struct dep_unit		*u;
	struct store_txn	*t;
	json_t			*v;
	char			*cause = NULL;

	u = xcalloc(1, sizeof *u);
	u->op = op;
	u->key = xstrdup(key);
	u->name = xstrdup(rec_str(rec, "name"));
	u->cred_name = xstrdup(rec_str(rec, "credential"));
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

	if ((t = store_begin(acmd.store, 0, &cause)) == NULL) {
		dep_fail(u, "%s", cause);
		free(cause);
		return;
	}
	/* What a deployment follows: the newest version with a key. */
	if (version == 0 && (version = repo_deployable(t, u->name,
	    &cause)) == -1)
		version = 0;
	free(cause);
	cause = NULL;
	v = repo_get_version(t, u->name, version, &cause);
	store_abort(t);
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
	if (!rec_bool(v, "has_key")) {
		json_decref(v);
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
		dep_update(u->key, json_pack("{s:s, s:{s:I, s:s, s:I}}", "state",
	    "deploying", "intent", "version", (json_int_t)u->version, "sha256",
	    u->sha256, "started", (json_int_t)time(NULL)), NULL);
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

/* deploy NAME ... */

struct dep_start {
	struct cmd_ctx	*ctx;
	char		*name;
	char		*cred_name;
	json_t		*regions;
	json_t		*tags;
	int		 replace;
	int		 auto_redeploy;
	struct aws_cred	*cred;
};

static void
dep_start_free(struct dep_start *s)
{
	free(s->name);
	free(s->cred_name);
	json_decref(s->regions);
	json_decref(s->tags);
	aws_cred_unref(s->cred);
	free(s);
}

static void
dep_start_regions(struct dep_start *s, const char *account)
{
	struct dep_op		*op;
	struct store_txn	*t;
	json_t			*rec, *recs, *v = NULL;
	const char		*k;
	char			*key, *cause = NULL;
	size_t			 i;

	op = xcalloc(1, sizeof *op);
	op->ctx = s->ctx;
	op->rows = json_array();
	op->total = json_array_size(s->regions);
	cmd_progress(s->ctx, 0, op->total, "deploying");
	/*
	 * Every region's record and intent in one transaction (one sync to
	 * disk, however many regions), before AWS hears anything.
	 */
	recs = json_object();
	if ((t = store_begin(acmd.store, 1, &cause)) == NULL ||
	    (v = repo_get_version(t, s->name, 0, &cause)) == NULL) {
		store_abort(t);
		t = NULL;
	}
	for (i = 0; t != NULL && i < json_array_size(s->regions); i++) {
		const char *region = json_string_value(json_array_get(
		    s->regions, i));

		xasprintf(&key, "%s/%s/%s", s->name, account, region);
		if (dep_active(key) != NULL) {
			json_array_append_new(op->rows, json_pack("{s:s, s:s, "
			    "s:s, s:s, s:b}", "name", s->name, "account", account,
			    "region", region, "result", "busy: a deployment here "
			    "is in progress", "ok", 0));
			op->done++;
			free(key);
			continue;
		}
		rec = rec_get(t, DB_DEPLOYMENTS, key, &cause);
		if (rec == NULL)
			rec = json_object();
		json_object_set_new(rec, "name", json_string(s->name));
		json_object_set_new(rec, "credential", json_string(s->cred_name));
		json_object_set_new(rec, "account", json_string(account));
		json_object_set_new(rec, "region", json_string(region));
		/* Flags stick: a later plain deploy does not clear them. */
		json_object_set_new(rec, "replace", json_boolean(s->replace ||
		    rec_bool(rec, "replace")));
		json_object_set_new(rec, "auto_redeploy",
		    json_boolean(s->auto_redeploy || rec_bool(rec,
		    "auto_redeploy")));
		if (s->tags != NULL)
			json_object_set(rec, "tags", s->tags);
		json_object_set_new(rec, "state", json_string("deploying"));
		json_object_set_new(rec, "intent", json_pack("{s:I, s:s, s:I}",
		    "version", (json_int_t)rec_int(v, "version"), "sha256",
		    rec_str(v, "sha256"), "started", (json_int_t)time(NULL)));
		json_object_set_new(rec, "updated", json_integer(time(NULL)));
		if (rec_put(t, DB_DEPLOYMENTS, key, rec, &cause) != 0) {
			json_decref(rec);
			free(key);
			store_abort(t);
			t = NULL;
			break;
		}
		json_object_set_new(recs, key, rec);
		free(key);
	}
	if (t == NULL || store_commit(t, &cause) != 0) {
		log_warnx("deploy: %s: cannot record the deployment: %s",
		    s->name, cause);
		cmd_reply_error(s->ctx, PROTO_EINTERNAL, "cannot record the "
		    "deployment: %s", cause != NULL ? cause : "store error");
		free(cause);
		json_decref(recs);
		json_decref(v);
		json_decref(op->rows);
		free(op);
		return;
	}
	json_object_foreach(recs, k, rec)
		dep_unit_start(op, k, rec, rec_int(v, "version"), 1);
	json_decref(recs);
	json_decref(v);
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
			cmd_reply_error(s->ctx, PROTO_EAWS, "STS did not say "
			    "which account credential %s is", s->cred_name);
		else
			cmd_reply_aws(s->ctx, r->err.code, r->err.message);
	} else {
		if (s->cred->account == NULL)
			s->cred->account = xstrdup(account);
		creds_set_account(s->cred_name, account);
		dep_start_regions(s, account);
	}
	dep_start_free(s);
}

static json_t *
parse_tags(struct cmd_ctx *ctx, int *bad)
{
	char	**v = NULL, *eq;
	size_t	 n = 0, i;
	json_t	*tags;

	*bad = 0;
	if (cmd_arg_strv(ctx, "tag", 0, &v, &n) != 0) {
		*bad = 1;
		return (NULL);
	}
	if (v == NULL)
		return (NULL);
	tags = json_array();
	for (i = 0; i < n; i++) {
		if ((eq = strchr(v[i], '=')) == NULL || eq == v[i] ||
		    eq - v[i] > 128 || strlen(eq + 1) > 256) {
			cmd_reply_arg_error(ctx, "tag", "tag '%s' is not "
			    "KEY=VALUE (key up to 128, value up to 256 "
			    "characters)", v[i]);
			json_decref(tags);
			mp_strv_free(v);
			*bad = 1;
			return (NULL);
		}
		*eq = '\0';
		json_array_append_new(tags, json_pack("{s:s, s:s}", "Key", v[i],
		    "Value", eq + 1));
	}
	mp_strv_free(v);
	return (tags);
}

void
deploy_start(struct cmd_ctx *ctx)
{
	struct dep_start	*s;
	struct store_txn	*t;
	json_t			*c, *v;
	char			**regions = NULL, *cause = NULL;
	size_t			 n = 0, i;
	int			 all = 0, bad;

	s = xcalloc(1, sizeof *s);
	s->ctx = ctx;
	if (cmd_arg_str(ctx, "name", 1, &s->name) != 0 ||
	    cmd_arg_str(ctx, "credential", 1, &s->cred_name) != 0 ||
	    cmd_arg_strv(ctx, "region", 0, &regions, &n) != 0 ||
	    cmd_arg_bool(ctx, "all_regions", &all) != 0 ||
	    cmd_arg_bool(ctx, "replace", &s->replace) != 0 ||
	    cmd_arg_bool(ctx, "auto_redeploy", &s->auto_redeploy) != 0)
		goto out;
	s->tags = parse_tags(ctx, &bad);
	if (bad)
		goto out;
	if ((n == 0) == !all) {
		cmd_reply_arg_error(ctx, "region", "give --region R (one or "
		    "more) or --all-regions");
		goto out;
	}
	s->regions = json_array();
	for (i = 0; i < n; i++) {
		if (!aws_region_valid(regions[i])) {
			cmd_reply_arg_error(ctx, "region", "unknown region "
			    "'%s' (not one where ACM runs)", regions[i]);
			goto out;
		}
		json_array_append_new(s->regions, json_string(regions[i]));
	}
	if (all) {
		/* Every region acmd works in: [aws] regions. */
		json_decref(s->regions);
		if ((s->regions = config_regions(acmd.conf, &cause)) == NULL) {
			cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
			goto out;
		}
	}
	if ((t = store_begin(acmd.store, 0, &cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		goto out;
	}
	c = repo_get(t, s->name, &cause);
	v = c != NULL ? repo_get_version(t, s->name, 0, &cause) : NULL;
	store_abort(t);
	if (c == NULL || v == NULL) {
		json_decref(c);
		cmd_reply_error(ctx, cause != NULL ? PROTO_EINTERNAL :
		    PROTO_ENOTFOUND, "%s", cause != NULL ? cause :
		    "no such certificate in the repository");
		goto out;
	}
	json_decref(c);
	if (!rec_bool(v, "has_key")) {
		json_decref(v);
		cmd_reply_error(ctx, PROTO_ESTATE, "certificate %s has no private "
		    "key: ACM imports need one (add it with 'cert renew --key', "
		    "or 'fetch-key' for a private certificate)", s->name);
		goto out;
	}
	json_decref(v);
	if ((s->cred = creds_get(s->cred_name, &cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_ENOTFOUND, "%s", cause);
		goto out;
	}
	mp_strv_free(regions);
	free(cause);
	if (s->cred->account != NULL) {
		dep_start_regions(s, s->cred->account);
		dep_start_free(s);
		return;
	}
	sts_get_caller_identity(s->cred, dep_identified, s);
	return;
out:
	free(cause);
	mp_strv_free(regions);
	dep_start_free(s);
}

/* Re-deploy: everything out of sync, or one certificate's. */

struct dep_walk {
	const char	*name;
	json_t		*keys;
	json_t		*recs;
	int		 due_only;
};

static int
dep_walk_cb(const char *key, json_t *rec, void *arg)
{
	struct dep_walk	*w = arg;
	const char	*st = rec_str(rec, "state");
	int		 take;

	if (w->name != NULL && (rec_str(rec, "name") == NULL ||
	    strcmp(rec_str(rec, "name"), w->name) != 0))
		return (0);
	if (w->due_only) {
		/* In flight at a crash, or failed and due for a retry. */
		take = json_object_get(rec, "intent") != NULL ||
		    (st != NULL && strcmp(st, "failed") == 0 &&
		    rec_bool(rec, "auto_redeploy") &&
		    rec_int(rec, "next_retry") <= (long long)time(NULL));
	} else
		take = st == NULL || strcmp(st, "in-sync") != 0;
	if (take) {
		json_array_append_new(w->keys, json_string(key));
		json_array_append(w->recs, rec);
	}
	return (0);
}

/*
 * The version a deployment is (re)deployed at: the one in flight, else,
 * following new versions, the newest with a key (0), else the one it
 * deployed.
 */
static long
dep_target_version(const json_t *rec)
{
	const json_t	*intent = json_object_get(rec, "intent");

	if (intent != NULL && rec_int(intent, "version") > 0)
		return ((long)rec_int(intent, "version"));
	if (rec_bool(rec, "auto_redeploy"))
		return (0);
	return ((long)rec_int(rec, "version"));
}

static void
dep_run_walk(struct dep_op *op, struct dep_walk *w, int replace)
{
	char			*cause = NULL;
	json_t			*rec;
	size_t			 i;
	long			 version;

	w->keys = json_array();
	w->recs = json_array();
	rec_walk(DB_DEPLOYMENTS, NULL, dep_walk_cb, w, &cause);
	if (cause != NULL) {
		log_warnx("deploy: %s", cause);
		free(cause);
	}
	for (i = 0; i < json_array_size(w->keys); i++) {
		const char *key = json_string_value(json_array_get(w->keys, i));

		if (dep_active(key) != NULL)
			continue;
		rec = json_deep_copy(json_array_get(w->recs, i));
		if (replace)
			json_object_set_new(rec, "replace", json_true());
		version = dep_target_version(rec);
		if (op != NULL)
			op->total++;
		dep_unit_start(op, key, rec, version, 0);
		json_decref(rec);
	}
	json_decref(w->keys);
	json_decref(w->recs);
}

void
deploy_sync(struct cmd_ctx *ctx, const char *name)
{
	struct dep_op	*op;
	struct dep_walk	 w = { name, NULL, NULL, 0 };

	op = xcalloc(1, sizeof *op);
	op->ctx = ctx;
	op->rows = json_array();
	op->total = 1;	/* held while starting */
	dep_run_walk(op, &w, 1);
	op->total--;
	dep_op_done(op);
}

static void
redeploy_job_fn(struct job *j, void *arg)
{
	struct dep_walk	 w = { NULL, NULL, NULL, 1 };

	dep_run_walk(NULL, &w, 0);
	job_done(j, 1, NULL);
}

static int
dep_collect_cb(const char *key, json_t *rec, void *arg)
{
	struct dep_walk	*w = arg;

	json_array_append_new(w->keys, json_string(key));
	json_array_append(w->recs, rec);
	return (0);
}

/* Every deployment (or those of certificate name): keys and records. */
static void
dep_collect(const char *name, struct dep_walk *w)
{
	char			*cause = NULL, *prefix = NULL;

	w->keys = json_array();
	w->recs = json_array();
	if (name != NULL)
		xasprintf(&prefix, "%s/", name);
	rec_walk(DB_DEPLOYMENTS, prefix, dep_collect_cb, w, &cause);
	if (cause != NULL) {
		log_warnx("deploy: %s", cause);
		free(cause);
	}
	free(prefix);
}

/* The newest version of name with a key: 0 when none has, -1 on error. */
static long
dep_deployable(const char *name)
{
	struct store_txn	*t;
	char			*cause = NULL;
	long			 v = -1;

	if ((t = store_begin(acmd.store, 0, &cause)) != NULL) {
		v = repo_deployable(t, name, &cause);
		store_abort(t);
	}
	if (v == -1) {
		log_warnx("deploy: %s: %s", name, cause);
		free(cause);
	}
	return (v);
}

/*
 * Certificate name has a new version, or a version of it got its key:
 * every auto-redeploy deployment of name follows the newest version with
 * a key.  A version without one is never deployed; a deployment stays on
 * the version it has until a newer one has its key (it shows outdated).
 */
void
deploy_new_version(const char *name, long version)
{
	struct dep_walk	 w;
	json_t		*rec;
	const char	*key, *st;
	size_t		 i;
	long		 target;

	if ((target = dep_deployable(name)) <= 0)
		return;
	dep_collect(name, &w);
	for (i = 0; i < json_array_size(w.recs); i++) {
		rec = json_array_get(w.recs, i);
		if (!rec_bool(rec, "auto_redeploy"))
			continue;
		key = json_string_value(json_array_get(w.keys, i));
		st = rec_str(rec, "state");
		if (rec_int(rec, "version") == target &&
		    json_object_get(rec, "intent") == NULL && st != NULL &&
		    strcmp(st, "in-sync") == 0) {
			if (target < version)
				log_info("deploy: %s stays on version %ld: "
				    "version %ld has no private key (it follows "
				    "once one has)", key, target, version);
			continue;	/* there already */
		}
		if (dep_active(key) != NULL) {
			/* Busy: the retry job picks the new version up. */
			dep_update(key, json_pack("{s:{s:I, s:I}}", "intent",
			    "version", (json_int_t)target, "started",
			    (json_int_t)time(NULL)), NULL);
			continue;
		}
		log_info("deploy: %s: auto-redeploying version %ld", key,
		    target);
		dep_unit_start(NULL, key, rec, target, 0);
	}
	json_decref(w.keys);
	json_decref(w.recs);
}

/* Mismatch detection: what ACM holds at each ARN, against what we put. */

struct dep_check_run {
	json_t		*rows;		/* what each check found */
	int		 pending;
	struct job	*job;		/* the mismatch job, when this is a run */
	deploy_check_cb	 done;
	void		*arg;
};

struct dep_check {
	struct dep_check_run *run;
	char		*key;
	char		*sha256;
	int		 auto_redeploy;
	char		*arn;
};

static void
dep_check_release(struct dep_check_run *run)
{
	char	 result[64];

	if (--run->pending > 0)
		return;
	snprintf(result, sizeof result, "%zu deployment%s checked",
	    json_array_size(run->rows), json_array_size(run->rows) == 1 ? "" :
	    "s");
	if (run->job != NULL)
		job_done(run->job, 1, result);
	if (run->done != NULL)
		run->done(json_incref(run->rows), run->arg);
	json_decref(run->rows);
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
			return ("missing");
		xasprintf(error, "%s: %s", r->err.code, r->err.message);
		log_warnx("deploy: checking %s: %s", c->key, *error);
		return (NULL);
	}
	if ((pem = rec_str(r->json, "Certificate")) != NULL &&
	    pem_certinfo_parse(pem, strlen(pem), &ci, &cause) == 0) {
		state = strcmp(ci->sha256, c->sha256) == 0 ? "in-sync" :
		    "mismatch";
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

	xasprintf(&msg, "deployment %s: ACM %s at %s", c->key,
	    strcmp(state, "missing") == 0 ? "no longer has the certificate" :
	    "holds another certificate", c->arn);
	xasprintf(&f1, "CERT_ARN=%s", c->arn);
	xasprintf(&f2, "REGION=%s", rec_str(rec, "region"));
	xasprintf(&f3, "CERT_NAME=%s", rec_str(rec, "name"));
	log_event(LOG_WARNING, strcmp(state, "missing") == 0 ?
	    "deploy-missing" : "deploy-mismatch", msg, f1, f2, f3, (char *)NULL);
	free(msg);
	free(f1);
	free(f2);
	free(f3);
}

static void
dep_checked(struct aws_result *r, void *arg)
{
	struct dep_check	*c = arg;
	const char		*state;
	char			*error = NULL;
	json_t			*rec, *row;
	int			 repair = 0;

	state = dep_check_state(c, r, &error);
	/*
	 * An auto-redeploy deployment that failed to follow a newer version
	 * stays failed even though ACM still holds what it had.
	 */
	if (state != NULL && strcmp(state, "in-sync") == 0 && c->auto_redeploy &&
	    (rec = dep_get(c->key)) != NULL) {
		if (rec_str(rec, "state") != NULL &&
		    strcmp(rec_str(rec, "state"), "failed") == 0)
			state = NULL;
		json_decref(rec);
	}
	row = json_pack("{s:s, s:s}", "deployment", c->key, "arn", c->arn);
	if (state != NULL && (rec = dep_get(c->key)) != NULL) {
		json_object_set_new(row, "was", json_string(rec_str(rec,
		    "state") ? rec_str(rec, "state") : "pending"));
		/* Only report a change, and not under a deployment in flight. */
		if (json_object_get(rec, "intent") == NULL &&
		    dep_active(c->key) == NULL &&
		    (rec_str(rec, "state") == NULL ||
		    strcmp(rec_str(rec, "state"), state) != 0)) {
			dep_update(c->key, json_pack("{s:s, s:I}", "state", state,
			    "checked", (json_int_t)time(NULL)), NULL);
			if (strcmp(state, "in-sync") != 0) {
				dep_check_event(c, rec, state);
				/* Repaired at once where that is wanted. */
				repair = c->auto_redeploy;
			}
		} else
			dep_update(c->key, json_pack("{s:I}", "checked",
			    (json_int_t)time(NULL)), NULL);
		if (repair) {
			json_object_set_new(rec, "replace", json_true());
			json_object_set_new(row, "repair", json_string(
			    "auto-redeploying"));
			dep_unit_start(NULL, c->key, rec, dep_target_version(rec),
			    0);
		}
		json_decref(rec);
	}
	json_object_set_new(row, "state", state != NULL ? json_string(state) :
	    json_null());
	if (error != NULL)
		json_object_set_new(row, "error", json_string(error));
	json_array_append_new(c->run->rows, row);
	free(error);
	dep_check_release(c->run);
	free(c->key);
	free(c->sha256);
	free(c->arn);
	free(c);
}

static void
dep_check_start(struct dep_check_run *run)
{
	struct dep_walk		 w;
	struct dep_check	*c;
	struct aws_cred		*cred;
	json_t			*rec;
	char			*cause = NULL;
	size_t			 i;

	dep_collect(NULL, &w);
	run->rows = json_array();
	run->pending = 1;	/* held while starting */
	for (i = 0; i < json_array_size(w.recs); i++) {
		rec = json_array_get(w.recs, i);
		if (rec_str(rec, "arn") == NULL || rec_str(rec, "sha256") ==
		    NULL || json_object_get(rec, "intent") != NULL)
			continue;
		if ((cred = creds_get(rec_str(rec, "credential"), &cause)) ==
		    NULL) {
			log_warnx("deploy: checking %s: %s", json_string_value(
			    json_array_get(w.keys, i)), cause);
			json_array_append_new(run->rows, json_pack("{s:s, s:s, "
			    "s:n, s:s}", "deployment", json_string_value(
			    json_array_get(w.keys, i)), "arn", rec_str(rec, "arn"),
			    "state", "error", cause));
			free(cause);
			cause = NULL;
			continue;
		}
		c = xcalloc(1, sizeof *c);
		c->run = run;
		c->key = xstrdup(json_string_value(json_array_get(w.keys, i)));
		c->sha256 = xstrdup(rec_str(rec, "sha256"));
		c->arn = xstrdup(rec_str(rec, "arn"));
		c->auto_redeploy = rec_bool(rec, "auto_redeploy");
		run->pending++;
		acm_get_certificate(cred, rec_str(rec, "region"), c->arn,
		    dep_checked, c);
		aws_cred_unref(cred);
	}
	json_decref(w.keys);
	json_decref(w.recs);
	dep_check_release(run);
}

void
deploy_check(deploy_check_cb done, void *arg)
{
	struct dep_check_run	*run;

	run = xcalloc(1, sizeof *run);
	run->done = done;
	run->arg = arg;
	/* An on-demand check is a run of the mismatch job too. */
	if (mismatch_job != NULL && sched_job_begin(mismatch_job) == 0)
		run->job = mismatch_job;
	dep_check_start(run);
}

void
deploy_check_all(void)
{
	deploy_check(NULL, NULL);
}

static void
mismatch_job_fn(struct job *j, void *arg)
{
	struct dep_check_run	*run;

	run = xcalloc(1, sizeof *run);
	run->job = j;
	dep_check_start(run);
}

void
deploy_init(void)
{
	/* Soon after start: resume what a crash interrupted. */
	redeploy_job = sched_add("redeploy", 30, 2, redeploy_job_fn, NULL);
	mismatch_job = sched_add("mismatch", acmd.conf->mismatch_interval,
	    acmd.conf->mismatch_interval, mismatch_job_fn, NULL);
	repo_set_new_version_hook(deploy_new_version);
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

void
deploy_configure(void)
{
	if (mismatch_job != NULL)
		sched_set_interval(mismatch_job, acmd.conf->mismatch_interval);
}

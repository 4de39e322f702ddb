/*
 * renew: a private certificate renewed in ACM (RenewCertificate), its new
 * version fetched into the repository (with its key when asked).  The
 * intent (requests.h: the renewals database) is recorded before
 * RenewCertificate and removed with the new version, so that a renewal a
 * crash interrupted is finished at the next start, its key included.
 */
#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "acmd.h"
#include "aws/aws.h"
#include "aws/services.h"
#include "intent.h"
#include "lifecycle.h"
#include "log.h"
#include "pem.h"
#include "rec.h"
#include "renew.h"
#include "requests.h"
#include "repo.h"
#include "store.h"
#include "xmalloc.h"

#define LC_RENEW_TRIES	10	/* GetCertificate polls a client waits for */
#define LC_RENEW_WAIT	1	/* seconds between them, at first */
#define LC_RENEW_WAIT_MAX 30	/* ... growing to this */
#define LC_RENEW_LIMIT	900	/* seconds of polling in one attempt */

/*
 * In the intent: the last RenewCertificate's time, and whether it may
 * have reached ACM (aws_result.reached; 1 until its answer says).
 */
#define RENEW_SENT	"sent"
#define RENEW_REACHED	"reached"

static void	renew_poll(struct lc *);
static void	renew_send(struct lc *);

/* A renewal of lc->arn is under way already: refuse (1) after replying. */
static int
renew_running(struct lc *lc)
{
	json_t			*rec;
	char			*cause = NULL;
	const char		*state, *err;

	rec = rec_read(DB_RENEWALS, lc->arn, &cause);
	if (cause != NULL) {
		lc_fail(lc, PROTO_EINTERNAL, cause);
		return (1);
	}
	state = rec_str(rec, "state");
	if (!intent_held(lc->work->kind, lc->arn) && (rec == NULL ||
	    (state != NULL && strcmp(state, "failed") == 0))) {
		json_decref(rec);
		return (0);
	}
	err = rec_str(rec, "last_error");
	xasprintf(&cause, "a renewal of %s is in progress already (started "
	    "%lld s ago, attempt %lld of %d%s%s); acmd finishes it on its own, "
	    "its new version will be in the repository (acmctl status counts "
	    "pending renewals)", lc->arn, rec != NULL ? (long long)time(NULL) -
	    rec_int(rec, "started") : 0LL, rec != NULL ? rec_int(rec,
	    "attempts") : 1LL, LC_ATTEMPTS, err != NULL ?
	    "; last error: " : "", err != NULL ? err : "");
	json_decref(rec);
	lc_fail(lc, PROTO_ESTATE, cause);
	return (1);
}

/* What renew_store works out in its transaction. */
struct renew_stored {
	struct lc		*lc;
	struct pem_certinfo	*ci;
	enum proto_error	 code;
	char			*name;
	long			 version;
	int			 added;	/* 1: a new version, 2: a key for one */
	int			 with_key;
};

/* Which repository certificate: the linked one, else the old PEM's. */
static int
renew_which(struct store_txn *t, struct renew_stored *s, int *exists,
    char **cause)
{
	struct lc	*lc = s->lc;
	const char	*linked = lc_linked_name(lc->inv);
	long		 ov;
	json_t		*c;
	int		 r;

	if (linked != NULL) {
		if ((c = repo_get(t, linked, cause)) != NULL)
			s->name = xstrdup(linked);
		json_decref(c);
		if (*cause != NULL)
			return (-1);
	}
	if (s->name == NULL && *lc->old_fp != '\0') {
		r = repo_find_fingerprint(t, lc->old_fp, &s->name, &ov, cause);
		if (r == -1)
			return (-1);
	}
	*exists = s->name != NULL;
	if (s->name == NULL && (s->name = repo_unique_name(t, s->ci->cn,
	    lc->arn, cause)) == NULL)
		return (-1);
	return (0);
}

/* The key the renewal kept (the current version's, if it matches). */
static char *
renew_carried(struct store_txn *t, struct renew_stored *s, size_t *len,
    char **cause)
{
	struct pem_key	*pk = NULL;
	json_t		*v;
	char		*carried = NULL, *err = NULL;

	if ((v = repo_get_version(t, s->name, 0, cause)) == NULL)
		return (NULL);
	carried = repo_key(v, len, cause);
	json_decref(v);
	if (carried != NULL && (pem_key_parse(carried, *len, NULL, &pk,
	    &err) != 0 || pem_key_match_cert(pk, s->lc->cert,
	    strlen(s->lc->cert), &err) != 0)) {
		xfree_secret(carried, *len);
		carried = NULL;
	}
	free(err);
	pem_key_free(pk);
	return (carried);
}

static int
renew_store_fn(struct store_txn *t, void *arg, char **cause)
{
	struct renew_stored	*s = arg;
	struct lc		*lc = s->lc;
	enum repo_err		 err;
	const char		*key = lc->key;
	char			*carried = NULL;
	size_t			 carriedlen = 0, keylen = lc->keylen;
	int			 exists, r, ret = -1;

	s->code = PROTO_EINTERNAL;
	if (renew_which(t, s, &exists, cause) != 0)
		return (-1);
	if (key == NULL && exists) {
		/* Keep the key when the renewal kept it. */
		carried = renew_carried(t, s, &carriedlen, cause);
		if (*cause != NULL)
			goto out;
		key = carried;
		keylen = carriedlen;
	}
	if (repo_add(t, &(struct repo_input){ .name = s->name, .cert =
	    lc->cert, .chain = lc->chain, .key = key, .source = "renew",
	    .mode = exists ? REPO_MUST_EXIST : REPO_MUST_BE_NEW }, &s->version,
	    &err, cause) == 0)
		s->added = 1;
	else if (err == REPO_EDUP) {
		/* Already there (discovery was quicker): link to it. */
		free(*cause);
		*cause = NULL;
		free(s->name);
		s->name = NULL;
		r = repo_find_fingerprint(t, s->ci->sha256, &s->name,
		    &s->version, cause);
		if (r != 1) {
			if (r == 0)
				xasprintf(cause, "renewed certificate not "
				    "stored");
			goto out;
		}
		/* Discovery stored it without a key: the key goes on it. */
		if (key != NULL) {
			if (repo_set_key(t, s->name, s->version, key, keylen,
			    cause) != 0)
				goto out;
			s->added = 2;	/* auto-redeploy can import it now */
		}
	} else {
		s->code = repo_err_proto(err);
		goto out;
	}
	s->with_key = key != NULL;
	/* Done: the intent goes with the version's commit. */
	if (lc_inv_update(t, lc, s->ci, s->name, s->version, cause) != 0 ||
	    lc_intent_done(t, lc, cause) != 0)
		goto out;
	ret = 0;
out:
	if (carried != NULL)
		xfree_secret(carried, carriedlen);
	return (ret);
}

/* The renewed certificate is here: a new version of its repository entry. */
static void
renew_store(struct lc *lc)
{
	struct renew_stored	 s = { .lc = lc, .code = PROTO_EINTERNAL };
	char			*cause = NULL;

	if (pem_certinfo_parse(lc->cert, strlen(lc->cert), &s.ci,
	    &cause) != 0 ||
	    store_write(acmd.store, renew_store_fn, &s, &cause) != 0) {
		lc_fail(lc, s.code, cause);
		goto out;
	}
	lc->intent = 0;
	log_info("renew: %s renewed, serial %s; version %ld of %s%s", lc->arn,
	    s.ci->serial, s.version, s.name, s.with_key ? " with its key" :
	    "");
	if (s.added == 1)
		repo_new_version(s.name, s.version);
	else if (s.added == 2)
		repo_key_added(s.name, s.version);
	lc_reply(lc, json_pack("{s:s, s:s, s:I, s:s, s:I, s:b}",
	    "arn", lc->arn, "name", s.name, "version", (json_int_t)s.version,
	    "serial", s.ci->serial, "not_after", (json_int_t)s.ci->not_after,
	    "has_key", s.with_key));
	lc_free(lc);
out:
	pem_certinfo_free(s.ci);
	free(s.name);
}

static void
renew_exported(struct aws_result *res, void *arg)
{
	struct lc	*lc = arg;

	if (lc_take_export(lc, res) != 0)
		return;
	renew_store(lc);
}

static void
renew_timer(evutil_socket_t fd, short events, void *arg)
{
	renew_poll(arg);
}

static void
renew_again(struct lc *lc)
{
	struct timeval	 tv = { LC_RENEW_WAIT, 0 };
	char		*cause;
	int		 step;

	if (++lc->tries >= LC_RENEW_TRIES && lc->reply.done != NULL) {
		/* The client has waited long enough: acmd goes on alone. */
		op_fail(&lc->reply, PROTO_ESTATE, "ACM accepted the renewal of "
		    "%s but has not issued the new certificate yet; acmd goes "
		    "on waiting and stores it when it is (acmctl status counts "
		    "pending renewals)", lc->arn);
		lc->reply = OP_NONE;
	}
	if (time(NULL) - lc->poll_started >= LC_RENEW_LIMIT) {
		if (!lc->accepted) {
			/*
			 * The RenewCertificate that may have reached ACM did
			 * not: sent again, as a new attempt.
			 */
			log_info("renew: no renewed certificate of %s in %d "
			    "minutes: RenewCertificate may never have reached "
			    "ACM; sending it again (attempt %d)", lc->arn,
			    LC_RENEW_LIMIT / 60, lc->attempts + 1);
			if (lc_attempt_next(lc) == 0)
				renew_send(lc);
			return;
		}
		xasprintf(&cause, "ACM has not issued the renewed certificate "
		    "in %d minutes", LC_RENEW_LIMIT / 60);
		lc_fail(lc, PROTO_ESTATE, cause);
		return;
	}
	step = lc->tries / LC_RENEW_TRIES;
	tv.tv_sec = step > 5 ? LC_RENEW_WAIT_MAX : LC_RENEW_WAIT << step;
	if (tv.tv_sec > LC_RENEW_WAIT_MAX)
		tv.tv_sec = LC_RENEW_WAIT_MAX;
	if (lc->timer == NULL)
		lc->timer = evtimer_new(acmd.base, renew_timer, lc);
	evtimer_add(lc->timer, &tv);
}

static void
renew_got_new(struct aws_result *res, void *arg)
{
	struct lc		*lc = arg;
	struct pem_certinfo	*ci = NULL;
	char			*cause = NULL;
	int			 same;

	if (!res->ok) {
		if (strcmp(res->err.code, "RequestInProgressException") == 0) {
			renew_again(lc);
			return;
		}
		lc_aws(lc, res);
		return;
	}
	if (lc_take_pem(lc, res->json) != 0 || pem_certinfo_parse(lc->cert,
	    strlen(lc->cert), &ci, &cause) != 0) {
		if (cause == NULL)
			xasprintf(&cause, "GetCertificate gave no certificate");
		lc_fail(lc, PROTO_EAWS, cause);
		return;
	}
	same = lc->old_serial != NULL && strcmp(ci->serial, lc->old_serial) == 0;
	pem_certinfo_free(ci);
	if (same) {
		renew_again(lc);
		return;
	}
	if (lc->with_key) {
		lc_export(lc, renew_exported);
		return;
	}
	renew_store(lc);
}

static void
renew_poll(struct lc *lc)
{
	acm_get_certificate(lc->cred, lc->region, lc->arn, renew_got_new, lc);
}

/* ACM renews the certificate (how: the log's words): wait for it. */
static void
renew_accepted(struct lc *lc, const char *how)
{
	log_info("renew: %s %s", how, lc->arn);
	lc->accepted = 1;
	lc_intent_put(lc, json_pack("{s:I}", "accepted",
	    (json_int_t)time(NULL)), 0);
	lc->poll_started = time(NULL);
	renew_poll(lc);
}

static void
renew_renewed(struct aws_result *res, void *arg)
{
	struct lc	*lc = arg;

	if (res->ok) {
		renew_accepted(lc, "RenewCertificate accepted for");
		return;
	}
	/*
	 * A renewal is under way in ACM already: this call's own, when an
	 * earlier try of it was carried out, or another one (ACM's managed
	 * renewal, a renew from elsewhere).  Its certificate will do.
	 */
	if (strcmp(res->err.code, "RequestInProgressException") == 0) {
		renew_accepted(lc, "a renewal is in progress in ACM already "
		    "(RequestInProgressException): waiting for it, of");
		return;
	}
	/*
	 * The first call (attempt 1), refused for a reason waiting cannot
	 * fix (not a server error or throttling), no try of it carried out:
	 * the renewal never began.
	 */
	if (lc->attempts == 1 && res->reached == 0 &&
	    res->err.cls != AWS_ERR_TRANSIENT &&
	    res->err.cls != AWS_ERR_THROTTLE) {
		lc->intent = 0;
		lc_intent_put(lc, NULL, 0);
		lc_aws(lc, res);
		return;
	}
	/* Whether the next attempt sends it again at once, or waits first. */
	lc_intent_put(lc, json_pack("{s:b}", RENEW_REACHED, res->reached > 0),
	    0);
	lc_aws(lc, res);
}

/*
 * RenewCertificate: whether it may reach ACM is on disk first (a crash
 * during the call leaves "maybe"), corrected once its answer is in.
 */
static void
renew_send(struct lc *lc)
{
	time_t	 now = time(NULL);

	if (lc_intent_put(lc, json_pack("{s:I, s:b}", RENEW_SENT,
	    (json_int_t)now, RENEW_REACHED, 1), 0) != 0) {
		lc_fail(lc, PROTO_EINTERNAL, xstrdup("cannot record the "
		    "renewal in the store: not sent (acmd's log says why)"));
		return;
	}
	lc->poll_started = now;
	acm_renew_certificate(lc->cred, lc->region, lc->arn, renew_renewed, lc);
}

static void
renew_got_old(struct aws_result *res, void *arg)
{
	struct lc		*lc = arg;
	struct pem_certinfo	*ci = NULL;
	const char		*cert;
	char			*cause = NULL;

	if (!res->ok) {
		lc_aws(lc, res);
		return;
	}
	if ((cert = rec_str(res->json, "Certificate")) != NULL &&
	    pem_certinfo_parse(cert, strlen(cert), &ci, &cause) == 0) {
		lc->old_serial = xstrdup(ci->serial);
		memcpy(lc->old_fp, ci->sha256, sizeof lc->old_fp);
		pem_certinfo_free(ci);
	}
	free(cause);
	/*
	 * The intent is on disk before ACM hears of the renewal (nothing
	 * sent yet: renew_send says when it may have been).
	 */
	if (lc_intent_put(lc, json_pack("{s:s, s:s, s:s, s:b, s:s?, "
	    "s:s?, s:I, s:s, s:i, s:b}", "arn", lc->arn, "credential",
	    lc->credname, "region", lc->region, "with_key", lc->with_key,
	    "old_serial", lc->old_serial, "old_sha256", *lc->old_fp != '\0' ?
	    lc->old_fp : NULL, "started", (json_int_t)time(NULL), "state",
	    "renewing", "attempts", 1, RENEW_REACHED, 0), 1) != 0) {
		lc_fail(lc, PROTO_EINTERNAL, xstrdup("cannot record the "
		    "renewal in the store: not renewed (acmd's log says why)"));
		return;
	}
	lc->intent = 1;
	lc->attempts = 1;
	renew_send(lc);
}

void
renew_start(const char *arn, const char *cred, int with_key,
    struct op_reply reply)
{
	struct lc	*lc;
	const char	*type;

	if ((lc = lc_resolve(lc_new(reply, arn), cred, 0)) == NULL)
		return;
	type = rec_str(lc->inv, "type");
	if (type != NULL && strcmp(type, "Private") != 0) {
		op_fail(&reply, PROTO_EUNSUPPORTED, "%s is %s: only private "
		    "certificates can be renewed here; ACM renews Amazon-issued "
		    "certificates itself; imported ones are renewed by "
		    "importing", arn, type);
		lc->reply = OP_NONE;
		lc_free(lc);
		return;
	}
	lc_intent(lc, &lc_renewal, arn, "renew:");
	if (renew_running(lc))
		return;
	lc_hold(lc);
	/* An auto-export certificate's new version gets its key too. */
	lc->with_key = with_key || requests_auto_exported(arn);
	acm_get_certificate(lc->cred, lc->region, lc->arn, renew_got_old, lc);
}

/* Resume a renewal from its intent, without a client. */
static void
renew_resume(const char *arn, json_t *in, void *arg)
{
	struct lc	*lc;
	const char	*fp = rec_str(in, "old_sha256");
	size_t		*resumed = arg;
	time_t		 sent;

	(*resumed)++;
	lc = lc_new(OP_NONE, arn);
	lc_intent(lc, &lc_renewal, arn, "renew:");
	if (lc_attempt(lc, in) != 0)
		return;
	log_info("renew: resuming the renewal of %s (attempt %d; %d failed, "
	    "of %d allowed)", arn, lc->attempts, lc->failures, LC_ATTEMPTS);
	if ((lc = lc_resolve(lc, rec_str(in, "credential"), 0)) == NULL)
		return;
	lc->with_key = rec_bool(in, "with_key");
	lc->accepted = rec_int(in, "accepted") != 0;
	if (rec_str(in, "old_serial") != NULL)
		lc->old_serial = xstrdup(rec_str(in, "old_serial"));
	if (fp != NULL && strlen(fp) == PEM_SHA256_HEXLEN)
		memcpy(lc->old_fp, fp, sizeof lc->old_fp);
	lc->poll_started = time(NULL);
	if (!lc->accepted) {
		/* An intent written before "reached" was: it may have. */
		if (json_object_get(in, RENEW_REACHED) != NULL &&
		    !rec_bool(in, RENEW_REACHED)) {
			/* AWS refused it, or never heard of it: again. */
			renew_send(lc);
			return;
		}
		/* Waited for since it was sent (not since this start). */
		sent = (time_t)rec_int(in, RENEW_SENT);
		if (sent > 0 && sent < lc->poll_started)
			lc->poll_started = sent;
	}
	renew_poll(lc);
}

struct renew_count {
	size_t	 pending;
	size_t	 failed;
};

static int
renew_count_cb(const char *arn, json_t *rec, void *arg)
{
	struct renew_count	*n = arg;
	const char		*state = rec_str(rec, "state");

	if (state != NULL && strcmp(state, "failed") == 0)
		n->failed++;
	else
		n->pending++;
	return (0);
}

int
renew_resume_due(int hurry, size_t *pending, size_t *failed,
    size_t *resumed, char **cause)
{
	struct renew_count	 n = { 0, 0 };

	*resumed = 0;
	if (rec_walk(DB_RENEWALS, NULL, renew_count_cb, &n, cause) != 0 ||
	    intent_walk_due(lc_renewal.kind, hurry, NULL, renew_resume,
	    resumed, cause) != 0)
		return (-1);
	*pending = n.pending;
	*failed = n.failed;
	return (0);
}

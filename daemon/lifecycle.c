#include <sys/time.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "acmd.h"
#include "audit.h"
#include "aws/aws.h"
#include "aws/endpoint.h"
#include "aws/services.h"
#include "creds.h"
#include "intent.h"
#include "inventory.h"
#include "lifecycle.h"
#include "log.h"
#include "pem.h"
#include "rec.h"
#include "store.h"
#include "xmalloc.h"

#define LC_PASS_BYTES	16	/* export passphrase: 32 hex characters */
#define LC_EXPORTS_FIELD "exports"	/* in the intent: LC_EXPORTS */

static const struct intent_kind lc_renewal_kind = {
	.what = "renewal",
	.db = DB_RENEWALS,
	.member = NULL,
	.running = "renewing",
	.waiting = "renewing",
	.gave_up = "failed",
	.done = NULL,
	.max_attempts = LC_ATTEMPTS,
	.max_starts = LC_STARTS,
	.retry_base = LC_RETRY,
	.retry_max = LC_RETRY_MAX,
};

const struct lc_work lc_renewal = {
	.kind = &lc_renewal_kind,
	.instead = "run renew again, or fetch-key if ACM renewed it",
	.gave_up = "; acmd gave up on this renewal",
	.again = "; acmd tries again on its own (acmctl status counts pending "
	    "renewals)",
};

static const struct intent_kind lc_request_key_kind = {
	.what = "key export",
	.db = DB_REQUESTS,
	.member = "key_export",
	.running = "exporting",
	.waiting = "exporting",
	.gave_up = "failed",
	.done = "stored",
	.max_attempts = LC_ATTEMPTS,
	.max_starts = LC_STARTS,
	.retry_base = LC_RETRY,
	.retry_max = LC_RETRY_MAX,
};

const struct lc_work lc_request_key = {
	.kind = &lc_request_key_kind,
	.instead = "run fetch-key",
	.gave_up = "",
	.again = "",
};

static const char *lc_attempt_failed(struct lc *, const char *, int);
static int	 lc_exports_spent(const struct lc *);

/* Every live struct lc: a renewal polling on a timer has no other owner. */
static LIST_HEAD(, lc) lc_live = LIST_HEAD_INITIALIZER(lc_live);

struct lc *
lc_new(struct op_reply reply, const char *arn)
{
	struct lc	*lc;

	lc = xcalloc(1, sizeof *lc);
	lc->reply = reply;
	lc->arn = xstrdup(arn);
	LIST_INSERT_HEAD(&lc_live, lc, entry);
	return (lc);
}

void
lc_shutdown(void)
{
	struct lc	*lc;

	while ((lc = LIST_FIRST(&lc_live)) != NULL) {
		lc->reply = OP_NONE;
		lc_free(lc);
	}
}

void
lc_free(struct lc *lc)
{
	if (lc == NULL)
		return;
	LIST_REMOVE(lc, entry);
	if (lc->holding)
		intent_release(lc->work->kind, lc->ikey);
	if (lc->timer != NULL)
		event_free(lc->timer);
	if (lc->cred != NULL)
		aws_cred_unref(lc->cred);
	if (lc->key != NULL)
		xfree_secret(lc->key, lc->keylen);
	if (lc->pass != NULL)
		xfree_secret(lc->pass, strlen(lc->pass));
	free(lc->ikey);
	free(lc->ilabel);
	free(lc->credname);
	free(lc->arn);
	free(lc->region);
	free(lc->invkey);
	json_decref(lc->inv);
	free(lc->old_serial);
	free(lc->cert);
	free(lc->chain);
	free(lc->reason);
	free(lc);
}

/*
 * A failure: a renewal's goes to its intent, and work started by acmd
 * itself (no client) is logged.  Returns a note for the client ("" or
 * what happens next).
 */
static const char *
lc_failed(struct lc *lc, const char *msg, int definitive)
{
	if (lc->intent)
		return (lc_attempt_failed(lc, msg, definitive ||
		    lc_exports_spent(lc)));
	if (lc->reply.done == NULL)
		log_warnx("%s: %s", lc->arn, msg);
	return ("");
}

/* definitive: a renewal that failed so is not tried again. */
void
lc_failx(struct lc *lc, enum proto_error code, char *cause, int definitive)
{
	const char	*msg = cause != NULL ? cause : "failed";
	const char	*note;

	note = lc_failed(lc, msg, definitive);
	op_fail(&lc->reply, code, "%s%s", msg, note);
	free(cause);
	lc_free(lc);
}

void
lc_fail(struct lc *lc, enum proto_error code, char *cause)
{
	lc_failx(lc, code, cause, 0);
}

/*
 * An AWS error answer.  One that refuses the request for good (not found,
 * invalid) is definitive; RequestInProgressException is not, nor is an
 * answer to a retry of a call an earlier try of which may have been
 * carried out (aws_result.reached): it may be about that one's effect.
 */
void
lc_aws(struct lc *lc, struct aws_result *res)
{
	const char	*note;
	char		*msg, *full;
	int		 definitive;

	definitive = res->err.cls == AWS_ERR_CLIENT && res->reached == 0 &&
	    strcmp(res->err.code, "RequestInProgressException") != 0;
	xasprintf(&msg, "%s: %s", res->err.code, res->err.message);
	note = lc_failed(lc, msg, definitive);
	free(msg);
	xasprintf(&full, "%s%s", res->err.message, note);
	op_fail_aws(&lc->reply, &res->err, full);
	free(full);
	lc_free(lc);
}

/* The result of lc's work: to the client, if there is one. */
void
lc_reply(struct lc *lc, json_t *j)
{
	op_ok(&lc->reply, j);
}

/* The region of an inventory key ACCOUNT/REGION/ARN (allocated). */
static char *
key_region(const char *key)
{
	const char	*p, *q;

	if ((p = strchr(key, '/')) == NULL || (q = strchr(p + 1, '/')) == NULL)
		return (NULL);
	return (xstrndup(p + 1, q - p - 1));
}

/*
 * Find lc's certificate, its region and a credential for it (credname, or
 * the inventory's).  need_inv: the inventory record is required.  NULL
 * after failing lc.
 */
struct lc *
lc_resolve(struct lc *lc, const char *credname, int need_inv)
{
	char			*key, *cause = NULL;
	enum proto_error	 code = PROTO_EINTERNAL;
	json_t			*rec;
	const char		*use;

	if ((key = inv_key_for_arn(lc->arn)) == NULL) {
		code = PROTO_EINVAL_ARG;
		xasprintf(&cause, "'%s' is not an ACM certificate ARN",
		    lc->arn);
		goto fail;
	}
	rec = rec_read(DB_ACM, key, &cause);
	if (cause != NULL) {
		free(key);
		goto fail;
	}
	if (rec == NULL && (need_inv || credname == NULL)) {
		free(key);
		code = PROTO_ENOTFOUND;
		xasprintf(&cause, "certificate %s is not in the inventory (run "
		    "discover%s)", lc->arn, need_inv ? "" :
		    ", or give --credential");
		goto fail;
	}
	lc->inv = rec;
	if (rec != NULL) {
		lc->invkey = key;
		lc->region = xstrdup(rec_str(rec, "region") != NULL ?
		    rec_str(rec, "region") : "");
	} else {
		lc->region = key_region(key);
		free(key);
	}
	code = PROTO_EINVAL_ARG;
	if (lc->region == NULL || !aws_region_valid(lc->region)) {
		xasprintf(&cause, "unknown region in '%s'", lc->arn);
		goto fail;
	}
	use = credname;
	if (use == NULL)
		use = rec_str(rec, "credential");
	if (use == NULL) {
		xasprintf(&cause, "no credential known for %s: give "
		    "--credential", lc->arn);
		goto fail;
	}
	lc->credname = xstrdup(use);
	code = PROTO_ENOTFOUND;
	if ((lc->cred = creds_get(use, &cause)) == NULL)
		goto fail;
	return (lc);
fail:
	lc_fail(lc, code, cause);
	return (NULL);
}

/* The repository name the inventory links the certificate to, if any. */
const char *
lc_linked_name(const json_t *inv)
{
	return (rec_str(json_object_get(inv, "linked"), "name"));
}

/*
 * Update the inventory record (and, with ci, its certificate details and
 * PEM: inv_note) after a new certificate or key: linked to the version.
 */
int
lc_inv_update(struct store_txn *t, struct lc *lc,
    const struct pem_certinfo *ci, const char *name, long version,
    char **cause)
{
	json_t	*set;
	int	 ret;

	if (lc->invkey == NULL)
		return (0);
	set = json_pack("{s:{s:s, s:I}}", "linked", "name", name, "version",
	    (json_int_t)version);
	ret = inv_note(t, lc->arn, NULL, set, ci != NULL ? lc->cert : NULL,
	    lc->chain, cause);
	json_decref(set);
	return (ret);
}

/* Take Certificate and CertificateChain from an ACM answer. */
int
lc_take_pem(struct lc *lc, const json_t *j)
{
	const char	*cert = rec_str(j, "Certificate");
	const char	*chain = rec_str(j, "CertificateChain");

	if (cert == NULL)
		return (-1);
	free(lc->cert);
	free(lc->chain);
	lc->cert = xstrdup(cert);
	lc->chain = xstrdup(chain != NULL ? chain : "");
	return (0);
}

/* Export: a one-time passphrase, then the key decrypted in memory only. */

/* The exports of lc's recorded work that may have reached ACM: n. */
static int
lc_exports_put(struct lc *lc, int n)
{
	lc->exports = n;
	return (lc_intent_put(lc, json_pack("{s:i}", LC_EXPORTS_FIELD, n), 0));
}

/* Whether lc's recorded work has spent its exports (LC_EXPORTS). */
static int
lc_exports_spent(const struct lc *lc)
{
	return (lc->work != NULL && lc->exports >= LC_EXPORTS);
}

/* The answer to ExportCertificate: the count corrected, then lc's cb. */
static void
lc_export_answered(struct aws_result *res, void *arg)
{
	struct lc	*lc = arg;
	int		 n;

	if (lc->intent) {
		/* One was counted before the call. */
		n = lc->exports - 1 + (int)res->reached;
		if (n != lc->exports)
			lc_exports_put(lc, n);
	}
	lc->exported(res, lc);
}

/* ExportCertificate of lc->arn under a new one-time passphrase. */
void
lc_export(struct lc *lc, aws_cb cb)
{
	unsigned char	 raw[LC_PASS_BYTES];
	char		*cause;
	size_t		 i;

	if (lc->intent && lc_exports_spent(lc)) {
		xasprintf(&cause, "no key stored after %d exports that may "
		    "have reached ACM (AWS charges for each)", lc->exports);
		lc_failx(lc, PROTO_ESTATE, cause, 1);
		return;
	}
	/* Counted before AWS hears of it: a crash may come after it. */
	if (lc->intent && lc_exports_put(lc, lc->exports + 1) != 0) {
		lc_fail(lc, PROTO_EINTERNAL, xstrdup("cannot record the "
		    "export in the store: not exported (acmd's log says why)"));
		return;
	}
	lc->exported = cb;
	if (RAND_bytes(raw, sizeof raw) != 1)
		fatalx("RAND_bytes failed");
	lc->pass = xmalloc(2 * sizeof raw + 1);
	for (i = 0; i < sizeof raw; i++)
		snprintf(lc->pass + 2 * i, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof raw);
	/* Every export is counted, whatever it is for. */
	audit_export(lc->arn, lc->ilabel != NULL ? lc->ilabel : "fetch-key");
	acm_export_certificate(lc->cred, lc->region, lc->arn, lc->pass,
	    lc_export_answered, lc);
}

/*
 * The answer to lc_export: decrypt the exported key into lc->key and
 * check it belongs to the exported certificate (now lc->cert).  The
 * passphrase is cleared.  -1 after failing lc (it is freed).
 */
int
lc_take_export(struct lc *lc, struct aws_result *res)
{
	struct pem_key	*pk = NULL;
	const char	*enc;
	char		*cause = NULL, *err = NULL;
	int		 r;

	if (!res->ok) {
		lc_aws(lc, res);
		return (-1);
	}
	enc = rec_str(res->json, "PrivateKey");
	if (lc_take_pem(lc, res->json) != 0 || enc == NULL) {
		xasprintf(&cause, "ExportCertificate gave no certificate or "
		    "key");
		goto fail;
	}
	r = pem_key_decrypt(enc, strlen(enc), lc->pass, &lc->key, &lc->keylen,
	    &err);
	xfree_secret(lc->pass, strlen(lc->pass));
	lc->pass = NULL;
	if (r != 0) {
		lc->key = NULL;
		xasprintf(&cause, "the exported key does not decrypt: %s", err);
		free(err);
		goto fail;
	}
	if (pem_key_parse(lc->key, lc->keylen, NULL, &pk, &err) != 0 ||
	    pem_key_match_cert(pk, lc->cert, strlen(lc->cert), &err) != 0) {
		pem_key_free(pk);
		xasprintf(&cause, "the exported key does not match the "
		    "exported certificate: %s", err);
		free(err);
		goto fail;
	}
	pem_key_free(pk);
	return (0);
fail:
	lc_fail(lc, PROTO_EAWS, cause);
	return (-1);
}

/*
 * Recorded work (struct lc_work, intent.h): its intent is written before
 * AWS hears of it, each attempt is counted before it is made, failures
 * back off and, definitive or LC_ATTEMPTS of them, give the work up; it
 * is done in the transaction that stores its result.
 */

void
lc_intent(struct lc *lc, const struct lc_work *w, const char *key,
    const char *label)
{
	lc->work = w;
	lc->ikey = xstrdup(key);
	xasprintf(&lc->ilabel, "%s %s", label, lc->arn);
}

int
lc_intent_put(struct lc *lc, json_t *set, int replace)
{
	char	*cause = NULL;

	/* set NULL: the intent goes. */
	if (set == NULL ? intent_forget(lc->work->kind, lc->ikey, &cause) :
	    intent_put(lc->work->kind, lc->ikey, set, replace, &cause)) {
		log_warnx("%s: recording the %s: %s", lc->ilabel,
		    lc->work->kind->what, cause);
		free(cause);
		return (-1);
	}
	return (0);
}

json_t *
lc_intent_done_set(const struct lc *lc)
{
	if (lc->work->kind->done == NULL)
		return (NULL);
	return (json_pack("{s:s, s:n, s:n}", "state", lc->work->kind->done,
	    "next_retry", "last_error"));
}

int
lc_intent_done(struct store_txn *t, struct lc *lc, char **cause)
{
	if (!lc->intent)
		return (0);
	return (intent_done(t, lc->work->kind, lc->ikey, cause));
}

/*
 * The attempt at lc's work failed: the intent gets the error and the
 * time of the next attempt, or, when the failure is definitive or the
 * attempts are used up, is marked failed and left alone.
 */
static const char *
lc_attempt_failed(struct lc *lc, const char *msg, int definitive)
{
	const struct lc_work	*w = lc->work;
	long long		 wait;

	lc->intent = 0;
	lc->failures++;
	if (intent_failed(w->kind, lc->ikey, lc->failures, msg, definitive,
	    &wait)) {
		log_warnx("%s: %s; giving up on this %s after %d "
		    "attempt%s, %d export%s that may have reached ACM (%s)",
		    lc->ilabel, msg, w->kind->what, lc->attempts,
		    lc->attempts == 1 ? "" : "s", lc->exports,
		    lc->exports == 1 ? "" : "s", w->instead);
		return (w->gave_up);
	}
	log_warnx("%s: %s; failed attempt %d of %d, the next in %lld s",
	    lc->ilabel, msg, lc->failures, w->kind->max_attempts, wait);
	return (w->again);
}

void
lc_hold(struct lc *lc)
{
	intent_hold(lc->work->kind, lc->ikey);
	lc->holding = 1;
}

/*
 * After intent_attempt or intent_attempt_next gave r: -1 (not recorded)
 * and 1 (each start died in it) fail lc.  Returns r.
 */
static int
lc_attempt_counted(struct lc *lc, int r, char *cause)
{
	if (r == -1) {
		log_warnx("%s: recording the %s: %s", lc->ilabel,
		    lc->work->kind->what, cause);
		free(cause);
		lc_free(lc);
	} else if (r == 1) {
		/* Each start died in it: stop trying. */
		lc_failx(lc, PROTO_ESTATE, xstrdup("interrupted too often"), 1);
	}
	return (r);
}

int
lc_attempt(struct lc *lc, const json_t *in)
{
	char	*cause = NULL;
	int	 r;

	lc_hold(lc);
	r = intent_attempt(lc->work->kind, lc->ikey, in, &lc->attempts,
	    &cause);
	if (r != -1) {
		lc->intent = 1;
		lc->exports = (int)rec_int(in, LC_EXPORTS_FIELD);
		lc->failures = (int)rec_int(in, "failures");
	}
	return (lc_attempt_counted(lc, r, cause) != 0 ? -1 : 0);
}

int
lc_attempt_next(struct lc *lc)
{
	char	*cause = NULL;
	int	 r;

	r = intent_attempt_next(lc->work->kind, lc->ikey, &lc->attempts,
	    &cause);
	return (lc_attempt_counted(lc, r, cause) != 0 ? -1 : 0);
}

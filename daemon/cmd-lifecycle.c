/*
 * ca list, renew, revoke, fetch-key, delete: the life of ACM certificates
 * after they are issued.
 */
#include <sys/time.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "acmd.h"
#include "aws/aws.h"
#include "aws/endpoint.h"
#include "aws/services.h"
#include "cmd.h"
#include "creds.h"
#include "inventory.h"
#include "jobs/sched.h"
#include "log.h"
#include "pem.h"
#include "rec.h"
#include "repo.h"
#include "requests.h"
#include "store.h"
#include "xmalloc.h"

#define LC_RENEW_TRIES	10	/* GetCertificate polls a client waits for */
#define LC_RENEW_WAIT	1	/* seconds between them, at first */
#define LC_RENEW_WAIT_MAX 30	/* ... growing to this */
#define LC_RENEW_LIMIT	900	/* seconds of polling in one attempt */
#define LC_ATTEMPTS	5	/* at recorded work before giving up */
#define LC_RETRY	60	/* seconds before the next one; doubles */
#define LC_RENEW_JOB	15	/* interval of the renewals job */
#define LC_PASS_BYTES	16	/* export passphrase: 32 hex characters */

struct lc {
	struct cmd_ctx	*ctx;
	struct aws_cred	*cred;
	char		*credname;
	char		*arn;
	char		*region;
	char		*invkey;	/* NULL when not in the inventory */
	json_t		*inv;		/* the inventory record, or NULL */
	char		*old_serial;
	char		 old_fp[PEM_SHA256_HEXLEN + 1];
	char		*cert;
	char		*chain;
	char		*key;		/* plain PKCS#8, secret */
	size_t		 keylen;
	char		*pass;		/* export passphrase, secret */
	char		*reason;
	int		 with_key;
	int		 tries;
	struct event	*timer;
	json_t		*rows;
	const struct lc_work *work;	/* recorded work, or NULL */
	char		*ikey;		/* its record's key */
	char		*ilabel;	/* what the log calls it */
	int		 intent;	/* its intent is recorded */
	int		 accepted;	/* renew: ACM took RenewCertificate */
	int		 attempts;	/* this is attempt n */
	int		 holding;	/* lc->ikey is in lc_busy */
	time_t		 poll_started;
};

/*
 * Work acmd records in the store before calling AWS, so that it is
 * resumed after a crash and given up when it keeps failing: a renewal,
 * its own record in the renewals database, and the key of a request
 * --with-key, the key_export object of the request record (requests.h).
 */
struct lc_work {
	enum store_db	 db;
	const char	*member;	/* its part of the record, or NULL */
	const char	*what;
	const char	*running;	/* its state while under way */
	const char	*done;		/* once done; NULL: it goes */
	const char	*instead;	/* what is left once acmd gave up */
	const char	*gave_up;	/* notes for a client */
	const char	*again;
};

static const struct lc_work lc_renewal = {
	DB_RENEWALS, NULL, "renewal", "renewing", NULL,
	"run renew again, or fetch-key if ACM renewed it",
	"; acmd gave up on this renewal",
	"; acmd tries again on its own (acmctl status counts pending renewals)"
};

static const struct lc_work lc_request_key = {
	DB_REQUESTS, "key_export", "key export", "exporting", "stored",
	"run fetch-key", "", ""
};

static json_t	*lc_busy;	/* ikey -> true while its work runs */

static const char *lc_attempt_failed(struct lc *, const char *, int);

static const char *const lc_reasons[] = {
	"UNSPECIFIED",
	"KEY_COMPROMISE",
	"CERTIFICATE_AUTHORITY_COMPROMISE",
	"AFFILIATION_CHANGED",
	"SUPERSEDED",
	"CESSATION_OF_OPERATION",
	"PRIVILEGE_WITHDRAWN",
	"A_A_COMPROMISE",
	NULL
};

static struct lc *
lc_new(struct cmd_ctx *ctx, const char *arn)
{
	struct lc	*lc;

	lc = xcalloc(1, sizeof *lc);
	lc->ctx = ctx;
	lc->arn = xstrdup(arn);
	return (lc);
}

static void
lc_free(struct lc *lc)
{
	if (lc == NULL)
		return;
	if (lc->holding)
		json_object_del(lc_busy, lc->ikey);
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
	json_decref(lc->rows);
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
		return (lc_attempt_failed(lc, msg, definitive));
	if (lc->ctx == NULL)
		log_warnx("%s: %s", lc->arn, msg);
	return ("");
}

/* definitive: a renewal that failed so is not tried again. */
static void
lc_failx(struct lc *lc, enum proto_error code, char *cause, int definitive)
{
	const char	*msg = cause != NULL ? cause : "failed";
	const char	*note;

	note = lc_failed(lc, msg, definitive);
	if (lc->ctx != NULL)
		cmd_reply_error(lc->ctx, code, "%s%s", msg, note);
	free(cause);
	lc_free(lc);
}

static void
lc_fail(struct lc *lc, enum proto_error code, char *cause)
{
	lc_failx(lc, code, cause, 0);
}

/*
 * An AWS error answer.  One that refuses the request for good (not found,
 * invalid) is definitive; RequestInProgressException is not.
 */
static void
lc_aws(struct lc *lc, struct aws_result *res)
{
	const char	*note;
	char		*msg, *full;
	int		 definitive;

	definitive = res->err.cls == AWS_ERR_CLIENT &&
	    strcmp(res->err.code, "RequestInProgressException") != 0;
	xasprintf(&msg, "%s: %s", res->err.code, res->err.message);
	note = lc_failed(lc, msg, definitive);
	free(msg);
	if (lc->ctx != NULL) {
		xasprintf(&full, "%s%s", res->err.message, note);
		cmd_reply_aws(lc->ctx, res->err.code, full);
		free(full);
	}
	lc_free(lc);
}

/* The result of lc's work: to the client, if there is one. */
static void
lc_reply(struct lc *lc, json_t *j)
{
	if (lc->ctx != NULL)
		cmd_reply_json(lc->ctx, j);
	else
		json_decref(j);
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
static struct lc *
lc_resolve(struct lc *lc, const char *credname, int need_inv)
{
	struct store_txn	*t;
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
	if ((t = store_begin(acmd.store, 0, &cause)) == NULL) {
		free(key);
		goto fail;
	}
	rec = rec_get(t, DB_ACM, key, &cause);
	store_abort(t);
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

/* A repository name for a domain: '*' becomes "wildcard". */
static char *
name_for_domain(const char *domain, const char *arn)
{
	char		*name, *p;
	const char	*id;
	size_t		 i, len;

	if (domain == NULL || *domain == '\0') {
		id = strrchr(arn, '/');
		xasprintf(&name, "acm-%.8s", id != NULL ? id + 1 : "cert");
		return (name);
	}
	len = strlen(domain);
	name = xmalloc(len * 8 + 1);
	p = name;
	for (i = 0; i < len && p - name < 120; i++) {
		if (domain[i] == '*') {
			memcpy(p, "wildcard", 8);
			p += 8;
		} else if (isalnum((unsigned char)domain[i]) ||
		    strchr("._-", domain[i]) != NULL)
			*p++ = domain[i];
		else
			*p++ = '-';
	}
	*p = '\0';
	if (!repo_valid_name(name)) {
		free(name);
		xasprintf(&name, "acm-%s", domain[0] == '*' ? "wildcard" :
		    "cert");
	}
	return (name);
}

/* A name no repository certificate has yet. */
static char *
unique_name(struct store_txn *t, const char *domain, const char *arn,
    char **cause)
{
	json_t	*c;
	char	*base, *name;
	int	 i;

	base = name_for_domain(domain, arn);
	name = xstrdup(base);
	for (i = 2; i < 100; i++) {
		if ((c = repo_get(t, name, cause)) == NULL)
			break;
		json_decref(c);
		free(name);
		xasprintf(&name, "%s-%d", base, i);
	}
	free(base);
	if (*cause != NULL || i == 100) {
		if (*cause == NULL)
			xasprintf(cause, "no free repository name for '%s'",
			    domain);
		free(name);
		return (NULL);
	}
	return (name);
}

/* The repository name the inventory links the certificate to, if any. */
static const char *
linked_name(const json_t *inv)
{
	return (rec_str(json_object_get(inv, "linked"), "name"));
}

/* Update the inventory record (and its PEM) after a new certificate. */
static int
inv_update(struct store_txn *t, struct lc *lc, const struct pem_certinfo *ci,
    const char *name, long version, char **cause)
{
	json_t	*rec, *pem;
	char	*pkey;
	int	 ret;

	if (lc->invkey == NULL)
		return (0);
	if ((rec = rec_get(t, DB_ACM, lc->invkey, cause)) == NULL)
		return (*cause != NULL ? -1 : 0);
	if (ci != NULL) {
		json_object_set_new(rec, "serial", json_string(ci->serial));
		json_object_set_new(rec, "sha256", json_string(ci->sha256));
		json_object_set_new(rec, "not_before",
		    json_integer(ci->not_before));
		json_object_set_new(rec, "not_after",
		    json_integer(ci->not_after));
		json_object_set_new(rec, "status", json_string("ISSUED"));
	}
	json_object_set_new(rec, "linked", json_pack("{s:s, s:I}", "name", name,
	    "version", (json_int_t)version));
	ret = rec_put(t, DB_ACM, lc->invkey, rec, cause);
	json_decref(rec);
	if (ret != 0 || ci == NULL || lc->cert == NULL)
		return (ret);
	pem = json_pack("{s:s, s:s}", "cert", lc->cert, "chain",
	    lc->chain != NULL ? lc->chain : "");
	xasprintf(&pkey, "%s%s", INV_PEM_PREFIX, lc->invkey);
	ret = rec_put(t, DB_ACM, pkey, pem, cause);
	free(pkey);
	json_decref(pem);
	return (ret);
}

/* Take Certificate and CertificateChain from an ACM answer. */
static int
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

/* ca list */

static void
ca_listed(struct aws_result *res, void *arg)
{
	struct lc	*lc = arg;
	json_t		*list, *ca, *row, *na;
	const char	*next, *cn;
	size_t		 i;

	if (!res->ok) {
		lc_aws(lc, res);
		return;
	}
	list = json_object_get(res->json, "CertificateAuthorities");
	json_array_foreach(list, i, ca) {
		cn = rec_str(json_object_get(json_object_get(ca,
		    "CertificateAuthorityConfiguration"), "Subject"),
		    "CommonName");
		na = json_object_get(ca, "NotAfter");
		row = json_pack("{s:s, s:s, s:s, s:s}",
		    "arn", rec_str(ca, "Arn") ? rec_str(ca, "Arn") : "",
		    "status", rec_str(ca, "Status") ? rec_str(ca, "Status") : "",
		    "type", rec_str(ca, "Type") ? rec_str(ca, "Type") : "",
		    "common_name", cn != NULL ? cn : "");
		json_object_set_new(row, "not_after", json_is_number(na) ?
		    json_integer((json_int_t)json_number_value(na)) :
		    json_null());
		json_array_append_new(lc->rows, row);
	}
	if ((next = rec_str(res->json, "NextToken")) != NULL && *next != '\0') {
		pca_list_certificate_authorities(lc->cred, lc->region, next,
		    ca_listed, lc);
		return;
	}
	cmd_reply_json(lc->ctx, json_incref(lc->rows));
	lc_free(lc);
}

static void
cmd_ca_list_exec(struct cmd_ctx *ctx)
{
	struct lc	*lc;
	char		*cred = NULL, *region = NULL, *cause = NULL;

	if (cmd_arg_str(ctx, "credential", 0, &cred) != 0 ||
	    cmd_arg_str(ctx, "region", 1, &region) != 0)
		goto out;
	if (!aws_region_valid(region)) {
		cmd_reply_arg_error(ctx, "region", "unknown region '%s' (not "
		    "one where ACM runs)", region);
		goto out;
	}
	lc = xcalloc(1, sizeof *lc);
	lc->ctx = ctx;
	lc->region = region;
	region = NULL;
	lc->credname = xstrdup(cred != NULL ? cred : "default");
	lc->rows = json_array();
	if ((lc->cred = creds_get(lc->credname, &cause)) == NULL) {
		lc_fail(lc, PROTO_ENOTFOUND, cause);
		goto out;
	}
	pca_list_certificate_authorities(lc->cred, lc->region, NULL, ca_listed,
	    lc);
out:
	free(cred);
	free(region);
}

const struct cmd_entry cmd_ca_list_entry = {
	.name = "ca.list",
	.usage = "ca list --credential C --region R",
	.flags = CMD_READONLY,
	.exec = cmd_ca_list_exec,
};

/* Export: a one-time passphrase, then the key decrypted in memory only. */

/* ExportCertificate of lc->arn under a new one-time passphrase. */
static void
lc_export(struct lc *lc, aws_cb cb)
{
	unsigned char	 raw[LC_PASS_BYTES];
	size_t		 i;

	if (RAND_bytes(raw, sizeof raw) != 1)
		fatalx("RAND_bytes failed");
	lc->pass = xmalloc(2 * sizeof raw + 1);
	for (i = 0; i < sizeof raw; i++)
		snprintf(lc->pass + 2 * i, 3, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof raw);
	acm_export_certificate(lc->cred, lc->region, lc->arn, lc->pass, cb, lc);
}

/*
 * The answer to lc_export: decrypt the exported key into lc->key and
 * check it belongs to the exported certificate (now lc->cert).  The
 * passphrase is cleared.  -1 after failing lc (it is freed).
 */
static int
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
 * Recorded work (struct lc_work): its intent is written before AWS hears
 * of it, each attempt is counted before it is made, failures back off
 * and, definitive or LC_ATTEMPTS of them, give the work up; it is done in
 * the transaction that stores its result.
 */

/* lc is w's work, recorded under key; the log calls it label and the ARN. */
static void
lc_intent(struct lc *lc, const struct lc_work *w, const char *key,
    const char *label)
{
	lc->work = w;
	lc->ikey = xstrdup(key);
	xasprintf(&lc->ilabel, "%s %s", label, lc->arn);
}

/*
 * Change lc's intent in t: set's members are set, a null one removed
 * (set NULL: the intent is removed).  replace: the record becomes set;
 * otherwise an intent that is gone (work done, ARN deleted) stays gone.
 */
static int
lc_intent_update(struct store_txn *t, struct lc *lc, json_t *set,
    int replace, char **cause)
{
	const struct lc_work	*w = lc->work;
	json_t			*rec = NULL, *in, *v;
	const char		*k;
	int			 ret;

	if (set == NULL)
		return (store_dels(t, w->db, lc->ikey, cause) < 0 ? -1 : 0);
	if (!replace && (rec = rec_get(t, w->db, lc->ikey, cause)) == NULL)
		return (*cause != NULL ? -1 : 0);
	if (rec == NULL)
		rec = json_object();
	in = rec;
	if (w->member != NULL && (in = json_object_get(rec,
	    w->member)) == NULL) {
		in = json_object();
		json_object_set_new(rec, w->member, in);
	}
	json_object_foreach(set, k, v) {
		if (json_is_null(v))
			json_object_del(in, k);
		else
			json_object_set(in, k, v);
	}
	json_object_set_new(in, "updated", json_integer(time(NULL)));
	ret = rec_put(t, w->db, lc->ikey, rec, cause);
	json_decref(rec);
	return (ret);
}

/*
 * lc_intent_update in a transaction of its own; set is taken over.  -1
 * after logging the store's error.
 */
static int
lc_intent_put(struct lc *lc, json_t *set, int replace)
{
	struct store_txn	*t;
	char			*cause = NULL;
	int			 ret = -1;

	if ((t = store_begin(acmd.store, 1, &cause)) != NULL) {
		if (lc_intent_update(t, lc, set, replace, &cause) == 0)
			ret = store_commit(t, &cause);
		else
			store_abort(t);
	}
	if (ret != 0)
		log_warnx("%s: recording the %s: %s", lc->ilabel,
		    lc->work->what, cause);
	free(cause);
	json_decref(set);
	return (ret);
}

/* What lc's intent becomes once its work is done (NULL: it goes). */
static json_t *
lc_intent_done_set(const struct lc *lc)
{
	if (lc->work->done == NULL)
		return (NULL);
	return (json_pack("{s:s, s:n, s:n}", "state", lc->work->done,
	    "next_retry", "last_error"));
}

/* In t, with the result of lc's work: the work is done. */
static int
lc_intent_done(struct store_txn *t, struct lc *lc, char **cause)
{
	json_t	*set;
	int	 ret;

	if (!lc->intent)
		return (0);
	set = lc_intent_done_set(lc);
	ret = lc_intent_update(t, lc, set, 0, cause);
	json_decref(set);
	return (ret);
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
	json_t			*set;
	long long		 wait;
	int			 last;

	lc->intent = 0;
	last = definitive || lc->attempts >= LC_ATTEMPTS;
	wait = (long long)LC_RETRY << (lc->attempts > 1 ? lc->attempts - 1 :
	    0);
	set = json_pack("{s:s, s:s}", "state", last ? "failed" : w->running,
	    "last_error", msg);
	if (!last)
		json_object_set_new(set, "next_retry", json_integer(time(NULL) +
		    wait));
	lc_intent_put(lc, set, 0);
	if (last) {
		log_warnx("%s: %s; giving up on this %s after %d "
		    "attempt%s (%s)", lc->ilabel, msg, w->what, lc->attempts,
		    lc->attempts == 1 ? "" : "s", w->instead);
		return (w->gave_up);
	}
	log_warnx("%s: %s; attempt %d of %d, the next in %lld s", lc->ilabel,
	    msg, lc->attempts, LC_ATTEMPTS, wait);
	return (w->again);
}

/* Keep a second run of lc's work out while this one runs. */
static void
lc_hold(struct lc *lc)
{
	json_object_set_new(lc_busy, lc->ikey, json_true());
	lc->holding = 1;
}

/*
 * Attempt n + 1 at lc's recorded work (in: its intent, n attempts made):
 * held, and counted on disk before AWS hears of it.  -1 after failing lc
 * (the store; the attempts used up by crashes).
 */
static int
lc_attempt(struct lc *lc, const json_t *in)
{
	lc_hold(lc);
	lc->attempts = (int)rec_int(in, "attempts") + 1;
	if (lc_intent_put(lc, json_pack("{s:i, s:s, s:n}", "attempts",
	    lc->attempts, "state", lc->work->running, "next_retry"), 0) != 0) {
		lc_free(lc);
		return (-1);
	}
	lc->intent = 1;
	if (lc->attempts > LC_ATTEMPTS) {
		/* Each start died in it: stop trying. */
		lc_failx(lc, PROTO_ESTATE, xstrdup("interrupted too often"), 1);
		return (-1);
	}
	return (0);
}

/*
 * renew: the intent (requests.h) is recorded before RenewCertificate and
 * removed with the new version, so that a renewal a crash interrupted is
 * finished at the next start, its key included.
 */

static void	renew_poll(struct lc *);

/* A renewal of lc->arn is under way already: refuse (1) after replying. */
static int
renew_running(struct lc *lc)
{
	struct store_txn	*t;
	json_t			*rec;
	char			*cause = NULL;
	const char		*state, *err;

	if ((t = store_begin(acmd.store, 0, &cause)) == NULL) {
		lc_fail(lc, PROTO_EINTERNAL, cause);
		return (1);
	}
	rec = rec_get(t, DB_RENEWALS, lc->arn, &cause);
	store_abort(t);
	if (cause != NULL) {
		lc_fail(lc, PROTO_EINTERNAL, cause);
		return (1);
	}
	state = rec_str(rec, "state");
	if (json_object_get(lc_busy, lc->arn) == NULL && (rec == NULL ||
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

/* The renewed certificate is here: a new version of its repository entry. */
static void
renew_store(struct lc *lc)
{
	struct store_txn	*t = NULL;
	struct pem_certinfo	*ci = NULL;
	struct pem_key		*pk = NULL;
	json_t			*c = NULL, *v = NULL;
	enum proto_error	 code = PROTO_EINTERNAL;
	char			*cause = NULL, *name = NULL, *oname = NULL;
	char			*carried = NULL, *err = NULL;
	const char		*key;
	size_t			 carriedlen = 0;
	long			 version = 0, ov;
	int			 exists = 0, added = 0, r;

	if (pem_certinfo_parse(lc->cert, strlen(lc->cert), &ci, &cause) != 0)
		goto fail;
	if ((t = store_begin(acmd.store, 1, &cause)) == NULL)
		goto fail;
	/* Which repository certificate: the linked one, else the old PEM's. */
	if (linked_name(lc->inv) != NULL) {
		if ((c = repo_get(t, linked_name(lc->inv), &cause)) != NULL)
			name = xstrdup(linked_name(lc->inv));
		else if (cause != NULL)
			goto fail;
	}
	if (name == NULL && *lc->old_fp != '\0') {
		r = repo_find_fingerprint(t, lc->old_fp, &oname, &ov, &cause);
		if (r == -1)
			goto fail;
		if (r == 1) {
			name = oname;
			oname = NULL;
		}
	}
	if (name != NULL)
		exists = 1;
	else if ((name = unique_name(t, ci->cn, lc->arn, &cause)) == NULL)
		goto fail;

	key = lc->key;
	if (key == NULL && exists) {
		/* Keep the key when the renewal kept it. */
		if ((v = repo_get_version(t, name, 0, &cause)) == NULL &&
		    cause != NULL)
			goto fail;
		if (v != NULL && (carried = repo_key(v, &carriedlen,
		    &cause)) == NULL && cause != NULL)
			goto fail;
		if (carried != NULL && pem_key_parse(carried, carriedlen, NULL,
		    &pk, &err) == 0 && pem_key_match_cert(pk, lc->cert,
		    strlen(lc->cert), &err) == 0)
			key = carried;
		free(err);
		err = NULL;
	}
	if (repo_add(t, name, lc->cert, lc->chain, key, NULL, "renew",
	    exists ? REPO_MUST_EXIST : REPO_MUST_BE_NEW, &version, &code,
	    &cause) == 0)
		added = 1;
	else if (code == PROTO_EEXIST) {
		/* Already there (discovery was quicker): link to it. */
		free(cause);
		cause = NULL;
		free(name);
		name = NULL;
		r = repo_find_fingerprint(t, ci->sha256, &name, &version,
		    &cause);
		if (r != 1) {
			code = PROTO_EINTERNAL;
			if (r == 0)
				xasprintf(&cause, "renewed certificate not "
				    "stored");
			goto fail;
		}
		/* Discovery stored it without a key: the key goes on it. */
		if (key != NULL) {
			code = PROTO_EINTERNAL;
			if (repo_set_key(t, name, version, key, key == lc->key ?
			    lc->keylen : carriedlen, &cause) != 0)
				goto fail;
			added = 2;	/* auto-redeploy can import it now */
		}
	} else
		goto fail;
	code = PROTO_EINTERNAL;
	if (inv_update(t, lc, ci, name, version, &cause) != 0)
		goto fail;
	/* Done: the intent goes with the version's commit. */
	if (lc_intent_done(t, lc, &cause) != 0)
		goto fail;
	if (store_commit(t, &cause) != 0) {
		t = NULL;
		goto fail;
	}
	t = NULL;
	lc->intent = 0;
	log_info("renew: %s renewed, serial %s; version %ld of %s%s", lc->arn,
	    ci->serial, version, name, key != NULL ? " with its key" : "");
	if (added == 1)
		repo_new_version(name, version);
	else if (added == 2)
		repo_key_added(name, version);
	lc_reply(lc, json_pack("{s:s, s:s, s:I, s:s, s:I, s:b}",
	    "arn", lc->arn, "name", name, "version", (json_int_t)version,
	    "serial", ci->serial, "not_after", (json_int_t)ci->not_after,
	    "has_key", key != NULL));
	lc_free(lc);
	goto out;
fail:
	store_abort(t);
	lc_fail(lc, code, cause);
out:
	if (carried != NULL)
		xfree_secret(carried, carriedlen);
	pem_key_free(pk);
	pem_certinfo_free(ci);
	json_decref(c);
	json_decref(v);
	free(name);
	free(oname);
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

	if (++lc->tries >= LC_RENEW_TRIES && lc->ctx != NULL) {
		/* The client has waited long enough: acmd goes on alone. */
		cmd_reply_error(lc->ctx, PROTO_ESTATE, "ACM accepted the renewal "
		    "of %s but has not issued the new certificate yet; acmd "
		    "goes on waiting and stores it when it is (acmctl status "
		    "counts pending renewals)", lc->arn);
		lc->ctx = NULL;
	}
	if (time(NULL) - lc->poll_started >= LC_RENEW_LIMIT) {
		/* Never accepted, as far as acmd knows: never will be. */
		if (lc->accepted)
			xasprintf(&cause, "ACM has not issued the renewed "
			    "certificate in %d minutes", LC_RENEW_LIMIT / 60);
		else
			xasprintf(&cause, "no renewed certificate appeared "
			    "in %d minutes: RenewCertificate may never have "
			    "reached ACM", LC_RENEW_LIMIT / 60);
		lc_failx(lc, PROTO_ESTATE, cause, !lc->accepted);
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

static void
renew_renewed(struct aws_result *res, void *arg)
{
	struct lc	*lc = arg;

	if (!res->ok) {
		/* An answer (not a lost one) says it did not happen. */
		if (res->err.cls != AWS_ERR_TRANSIENT) {
			lc->intent = 0;
			lc_intent_put(lc, NULL, 0);
		}
		lc_aws(lc, res);
		return;
	}
	log_info("renew: RenewCertificate accepted for %s", lc->arn);
	lc->accepted = 1;
	lc_intent_put(lc, json_pack("{s:I}", "accepted",
	    (json_int_t)time(NULL)), 0);
	lc->poll_started = time(NULL);
	renew_poll(lc);
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
	/* The intent is on disk before ACM hears of the renewal. */
	if (lc_intent_put(lc, json_pack("{s:s, s:s, s:s, s:b, s:s?, "
	    "s:s?, s:I, s:s, s:i}", "arn", lc->arn, "credential", lc->credname,
	    "region", lc->region, "with_key", lc->with_key, "old_serial",
	    lc->old_serial, "old_sha256", *lc->old_fp != '\0' ? lc->old_fp :
	    NULL, "started", (json_int_t)time(NULL), "state", "renewing",
	    "attempts", 1), 1) != 0) {
		lc_fail(lc, PROTO_EINTERNAL, xstrdup("cannot record the "
		    "renewal in the store: not renewed (acmd's log says why)"));
		return;
	}
	lc->intent = 1;
	lc->attempts = 1;
	acm_renew_certificate(lc->cred, lc->region, lc->arn, renew_renewed, lc);
}

static void
cmd_renew_exec(struct cmd_ctx *ctx)
{
	struct lc	*lc;
	char		*arn = NULL, *cred = NULL;
	const char	*type;
	int		 with_key = 0, yes = 0;

	if (cmd_arg_str(ctx, "arn", 1, &arn) != 0 ||
	    cmd_arg_str(ctx, "credential", 0, &cred) != 0 ||
	    cmd_arg_bool(ctx, "with_key", &with_key) != 0 ||
	    cmd_arg_bool(ctx, "yes", &yes) != 0)
		goto out;
	if (with_key && !yes) {
		cmd_reply_arg_error(ctx, "yes", "AWS charges for each "
		    "export of a private certificate: confirm --with-key with "
		    "--yes");
		goto out;
	}
	if ((lc = lc_resolve(lc_new(ctx, arn), cred, 0)) == NULL)
		goto out;
	type = rec_str(lc->inv, "type");
	if (type != NULL && strcmp(type, "Private") != 0) {
		cmd_reply_error(ctx, PROTO_EUNSUPPORTED, "%s is %s: only private "
		    "certificates can be renewed here; ACM renews Amazon-issued "
		    "certificates itself; imported ones are renewed by "
		    "importing", arn, type);
		lc_free(lc);
		goto out;
	}
	lc_intent(lc, &lc_renewal, arn, "renew:");
	if (renew_running(lc))
		goto out;
	lc_hold(lc);
	lc->with_key = with_key;
	acm_get_certificate(lc->cred, lc->region, lc->arn, renew_got_old, lc);
out:
	free(arn);
	free(cred);
}

/* Resume a renewal from its intent, without a client. */
static void
renew_resume(const char *arn, const json_t *in)
{
	struct lc	*lc;
	const char	*fp = rec_str(in, "old_sha256");

	lc = lc_new(NULL, arn);
	lc_intent(lc, &lc_renewal, arn, "renew:");
	if (lc_attempt(lc, in) != 0)
		return;
	log_info("renew: resuming the renewal of %s (attempt %d of %d)", arn,
	    lc->attempts, LC_ATTEMPTS);
	if ((lc = lc_resolve(lc, rec_str(in, "credential"), 0)) == NULL)
		return;
	lc->with_key = rec_bool(in, "with_key");
	lc->accepted = rec_int(in, "accepted") != 0;
	if (rec_str(in, "old_serial") != NULL)
		lc->old_serial = xstrdup(rec_str(in, "old_serial"));
	if (fp != NULL && strlen(fp) == PEM_SHA256_HEXLEN)
		memcpy(lc->old_fp, fp, sizeof lc->old_fp);
	lc->poll_started = time(NULL);
	renew_poll(lc);
}

struct renew_walk {
	json_t	*due;
	size_t	 pending;
	size_t	 failed;
};

static int
renew_due_cb(const char *arn, json_t *rec, void *arg)
{
	struct renew_walk	*w = arg;
	const char		*state = rec_str(rec, "state");

	if (state != NULL && strcmp(state, "failed") == 0) {
		w->failed++;
		return (0);
	}
	w->pending++;
	if (json_object_get(lc_busy, arn) == NULL &&
	    rec_int(rec, "next_retry") <= (long long)time(NULL))
		json_object_set(w->due, arn, rec);
	return (0);
}

/* At start and then every LC_RENEW_JOB s: resume what is due. */
static void
renew_job_fn(struct job *j, void *arg)
{
	struct renew_walk	 w = { json_object(), 0, 0 };
	const char		*arn;
	json_t			*rec;
	char			*cause = NULL, result[64];

	if (rec_walk(DB_RENEWALS, NULL, renew_due_cb, &w, &cause) != 0) {
		log_warnx("renewals: %s", cause);
		free(cause);
		json_decref(w.due);
		job_done(j, 0, "store error");
		return;
	}
	json_object_foreach(w.due, arn, rec)
		renew_resume(arn, rec);
	json_decref(w.due);
	snprintf(result, sizeof result, "%zu pending, %zu failed", w.pending,
	    w.failed);
	job_done(j, 1, result);
}

void
renewals_init(void)
{
	lc_busy = json_object();
	sched_add("renewals", LC_RENEW_JOB, 1, renew_job_fn, NULL);
}

const struct cmd_entry cmd_renew_entry = {
	.name = "renew",
	.usage = "renew ARN [--credential C] [--with-key --yes]",
	.exec = cmd_renew_exec,
};

/* revoke */

static int
normalise_reason(const char *in, char **out)
{
	char	*s;
	size_t	 i;

	s = xstrdup(in);
	for (i = 0; s[i] != '\0'; i++)
		s[i] = s[i] == '-' ? '_' : (char)toupper((unsigned char)s[i]);
	for (i = 0; lc_reasons[i] != NULL; i++) {
		if (strcmp(lc_reasons[i], s) == 0) {
			*out = s;
			return (0);
		}
	}
	free(s);
	return (-1);
}

static void
revoke_done(struct aws_result *res, void *arg)
{
	struct lc		*lc = arg;
	struct store_txn	*t = NULL;
	json_t			*rec = NULL, *v = NULL, *linked, *out;
	char			*cause = NULL, vkey[256];
	time_t			 now = time(NULL);

	if (!res->ok) {
		lc_aws(lc, res);
		return;
	}
	log_info("revoke: %s (serial %s) revoked at its CA: %s", lc->arn,
	    rec_str(lc->inv, "serial"), lc->reason);
	if ((t = store_begin(acmd.store, 1, &cause)) == NULL)
		goto fail;
	if ((rec = rec_get(t, DB_ACM, lc->invkey, &cause)) == NULL) {
		if (cause != NULL)
			goto fail;
		rec = json_deep_copy(lc->inv);
	}
	json_object_set_new(rec, "status", json_string("REVOKED"));
	json_object_set_new(rec, "revoked_at", json_integer(now));
	json_object_set_new(rec, "revocation_reason", json_string(lc->reason));
	if (rec_put(t, DB_ACM, lc->invkey, rec, &cause) != 0)
		goto fail;
	out = json_pack("{s:s, s:s, s:s, s:I}", "arn", lc->arn, "serial",
	    rec_str(lc->inv, "serial"), "reason", lc->reason, "revoked_at",
	    (json_int_t)now);
	linked = json_object_get(rec, "linked");
	if (rec_str(linked, "name") != NULL) {
		snprintf(vkey, sizeof vkey, "%s/%08lld", rec_str(linked, "name"),
		    rec_int(linked, "version"));
		v = rec_get(t, DB_VERSIONS, vkey, &cause);
		if (cause != NULL) {
			json_decref(out);
			goto fail;
		}
		if (v != NULL) {
			json_object_set_new(v, "revoked", json_true());
			json_object_set_new(v, "revoked_at", json_integer(now));
			json_object_set_new(v, "revocation_reason",
			    json_string(lc->reason));
			if (rec_put(t, DB_VERSIONS, vkey, v, &cause) != 0) {
				json_decref(out);
				goto fail;
			}
			json_object_set_new(out, "name",
			    json_string(rec_str(linked, "name")));
			json_object_set_new(out, "version", json_integer(
			    rec_int(linked, "version")));
		}
	}
	if (store_commit(t, &cause) != 0) {
		t = NULL;
		json_decref(out);
		goto fail;
	}
	json_decref(rec);
	json_decref(v);
	cmd_reply_json(lc->ctx, out);
	lc_free(lc);
	return;
fail:
	store_abort(t);
	json_decref(rec);
	json_decref(v);
	lc_fail(lc, PROTO_EINTERNAL, cause);
}

static void
cmd_revoke_exec(struct cmd_ctx *ctx)
{
	struct lc	*lc;
	char		*arn = NULL, *cred = NULL, *reason = NULL, *norm = NULL;
	const char	*type;

	if (cmd_arg_str(ctx, "arn", 1, &arn) != 0 ||
	    cmd_arg_str(ctx, "reason", 1, &reason) != 0 ||
	    cmd_arg_str(ctx, "credential", 0, &cred) != 0)
		goto out;
	if (normalise_reason(reason, &norm) != 0) {
		cmd_reply_arg_error(ctx, "reason", "unknown revocation reason "
		    "'%s' (unspecified, key-compromise, "
		    "certificate-authority-compromise, affiliation-changed, "
		    "superseded, cessation-of-operation, privilege-withdrawn, "
		    "a-a-compromise)", reason);
		goto out;
	}
	if ((lc = lc_resolve(lc_new(ctx, arn), cred, 1)) == NULL)
		goto out;
	type = rec_str(lc->inv, "type");
	if (type == NULL || strcmp(type, "Private") != 0) {
		cmd_reply_error(ctx, PROTO_EUNSUPPORTED, "revoking is only "
		    "possible for private certificates (%s is %s)", arn,
		    type != NULL ? type : "of unknown type");
		lc_free(lc);
		goto out;
	}
	if (rec_str(lc->inv, "ca_arn") == NULL ||
	    rec_str(lc->inv, "serial") == NULL) {
		cmd_reply_error(ctx, PROTO_ESTATE, "the CA or serial of %s is "
		    "not known yet (not issued, or run discover)", arn);
		lc_free(lc);
		goto out;
	}
	lc->reason = norm;
	norm = NULL;
	pca_revoke_certificate(lc->cred, lc->region, rec_str(lc->inv, "ca_arn"),
	    rec_str(lc->inv, "serial"), lc->reason, revoke_done, lc);
out:
	free(arn);
	free(cred);
	free(reason);
	free(norm);
}

const struct cmd_entry cmd_revoke_entry = {
	.name = "revoke",
	.usage = "revoke ARN --reason R [--credential C]",
	.exec = cmd_revoke_exec,
};

/* fetch-key */

static void
fetch_key_exported(struct aws_result *res, void *arg)
{
	struct lc		*lc = arg;
	struct store_txn	*t = NULL;
	struct pem_certinfo	*ci = NULL;
	enum proto_error	 code = PROTO_EINTERNAL;
	char			*cause = NULL, *name = NULL;
	long			 version;
	int			 r, created = 0;

	if (lc_take_export(lc, res) != 0)
		return;
	if (pem_certinfo_parse(lc->cert, strlen(lc->cert), &ci, &cause) != 0)
		goto fail;
	if ((t = store_begin(acmd.store, 1, &cause)) == NULL)
		goto fail;
	r = repo_find_fingerprint(t, ci->sha256, &name, &version, &cause);
	if (r == -1)
		goto fail;
	if (r == 1) {
		if (repo_set_key(t, name, version, lc->key, lc->keylen,
		    &cause) != 0)
			goto fail;
	} else {
		if ((name = unique_name(t, ci->cn, lc->arn, &cause)) == NULL)
			goto fail;
		if (repo_add(t, name, lc->cert, lc->chain, lc->key, NULL,
		    "fetch-key", REPO_MUST_BE_NEW, &version, &code,
		    &cause) != 0)
			goto fail;
		created = 1;
	}
	code = PROTO_EINTERNAL;
	if (inv_update(t, lc, NULL, name, version, &cause) != 0 ||
	    lc_intent_done(t, lc, &cause) != 0)
		goto fail;
	if (store_commit(t, &cause) != 0) {
		t = NULL;
		goto fail;
	}
	lc->intent = 0;
	log_info("fetch-key: private key of %s stored with version %ld of %s",
	    lc->arn, version, name);
	if (created)
		repo_new_version(name, version);
	else
		repo_key_added(name, version);
	lc_reply(lc, json_pack("{s:s, s:s, s:I, s:b, s:b}", "arn", lc->arn,
	    "name", name, "version", (json_int_t)version, "has_key", 1,
	    "created", created));
	lc_free(lc);
	goto out;
fail:
	store_abort(t);
	lc_fail(lc, code, cause);
out:
	pem_certinfo_free(ci);
	free(name);
}

static void
cmd_fetch_key_exec(struct cmd_ctx *ctx)
{
	struct lc	*lc;
	char		*arn = NULL, *cred = NULL;
	int		 yes = 0;

	if (cmd_arg_str(ctx, "arn", 1, &arn) != 0 ||
	    cmd_arg_str(ctx, "credential", 0, &cred) != 0 ||
	    cmd_arg_bool(ctx, "yes", &yes) != 0)
		goto out;
	if (!yes) {
		cmd_reply_arg_error(ctx, "yes", "AWS charges for each "
		    "export of a private certificate: confirm with yes");
		goto out;
	}
	if ((lc = lc_resolve(lc_new(ctx, arn), cred, 0)) == NULL)
		goto out;
	lc_export(lc, fetch_key_exported);
out:
	free(arn);
	free(cred);
}

/*
 * Does the repository version a request stored its certificate as have a
 * key: 1 yes, 0 no; -1 with *cause on a store error, -2 with *cause when
 * no such version is there (any more).
 */
static int
request_version_has_key(const json_t *req, char **cause)
{
	struct store_txn	*t;
	json_t			*v;
	const char		*name = rec_str(req, "name");
	long long		 version = rec_int(req, "version");
	int			 r;

	if (name == NULL || version <= 0) {
		xasprintf(cause, "no repository version is linked to the "
		    "request");
		return (-2);
	}
	if ((t = store_begin(acmd.store, 0, cause)) == NULL)
		return (-1);
	v = repo_get_version(t, name, version, cause);
	store_abort(t);
	if (v == NULL && *cause != NULL)
		return (-1);
	if (v == NULL) {
		xasprintf(cause, "version %lld of %s is gone from the "
		    "repository", version, name);
		return (-2);
	}
	r = rec_bool(v, "has_key");
	json_decref(v);
	return (r);
}

/*
 * request --with-key: the key of the certificate a request had issued,
 * exported and stored onto the request's repository version when, and
 * only when, that version has none.  The attempts are recorded in the
 * request's key_export and bounded like a renewal's; key_export becomes
 * "stored" in the transaction that stores the key.  force: do not wait
 * for next_retry (request sync).
 */
void
lifecycle_request_key(const json_t *req, int force)
{
	struct lc	*lc;
	const json_t	*in = json_object_get(req, "key_export");
	const char	*id = rec_str(req, "id");
	const char	*state = rec_str(in, "state");
	char		*cause = NULL, *label;
	int		 r;

	if (rec_str(req, "arn") == NULL || json_object_get(lc_busy,
	    id) != NULL)
		return;
	lc = lc_new(NULL, rec_str(req, "arn"));
	xasprintf(&label, "request %s: the key of", id);
	lc_intent(lc, &lc_request_key, id, label);
	free(label);
	lc->attempts = (int)rec_int(in, "attempts");
	r = request_version_has_key(req, &cause);
	if (r == 1 && (state == NULL || strcmp(state, "stored") != 0)) {
		/* Stored already (before a crash, or by fetch-key). */
		log_info("%s: version %lld of %s has it", lc->ilabel,
		    rec_int(req, "version"), rec_str(req, "name"));
		lc_intent_put(lc, lc_intent_done_set(lc), 0);
	} else if (r == -1)
		log_warnx("%s: %s", lc->ilabel, cause);
	if (r == 1 || r == -1 || (state != NULL && strcmp(state,
	    "failed") == 0) || (!force && rec_int(in, "next_retry") >
	    (long long)time(NULL))) {
		free(cause);
		lc_free(lc);
		return;
	}
	if (r == -2) {
		/* Nowhere to put it: not worth an export. */
		lc->intent = 1;
		lc_failx(lc, PROTO_ENOTFOUND, cause, 1);
		return;
	}
	if (lc_attempt(lc, in) != 0)
		return;
	log_info("%s: exporting it, attempt %d of %d (AWS charges for each)",
	    lc->ilabel, lc->attempts, LC_ATTEMPTS);
	if ((lc = lc_resolve(lc, rec_str(req, "credential"), 0)) != NULL)
		lc_export(lc, fetch_key_exported);
}

const struct cmd_entry cmd_fetch_key_entry = {
	.name = "fetch-key",
	.usage = "fetch-key ARN [--credential C] --yes",
	.exec = cmd_fetch_key_exec,
};

/* delete: from acmd only */

struct lc_forget {
	const char	*arn;
	json_t		*keys;
};

static int
forget_cb(const char *key, json_t *rec, void *arg)
{
	struct lc_forget	*f = arg;

	if (rec_str(rec, "arn") != NULL && strcmp(rec_str(rec, "arn"),
	    f->arn) == 0)
		json_array_append_new(f->keys, json_string(key));
	return (0);
}

static int
forget(struct store_txn *t, enum store_db db, const char *arn, size_t *n,
    char **cause)
{
	struct lc_forget	 f = { arn, json_array() };
	size_t			 i;

	if (rec_foreach(t, db, NULL, forget_cb, &f, cause) != 0)
		goto fail;
	for (i = 0; i < json_array_size(f.keys); i++) {
		if (store_dels(t, db, json_string_value(json_array_get(f.keys,
		    i)), cause) < 0)
			goto fail;
	}
	*n = json_array_size(f.keys);
	json_decref(f.keys);
	return (0);
fail:
	json_decref(f.keys);
	return (-1);
}

static void
cmd_delete_exec(struct cmd_ctx *ctx)
{
	struct store_txn	*t = NULL;
	json_t			*rec = NULL;
	char			*arn = NULL, *key = NULL, *pkey = NULL;
	char			*cause = NULL;
	size_t			 nreq = 0, ndep = 0, nren = 0;
	int			 yes = 0;

	if (cmd_arg_str(ctx, "arn", 1, &arn) != 0 ||
	    cmd_arg_bool(ctx, "yes", &yes) != 0)
		goto out;
	if (!yes) {
		cmd_reply_arg_error(ctx, "yes", "deleting needs "
		    "confirmation (yes)");
		goto out;
	}
	if ((key = inv_key_for_arn(arn)) == NULL) {
		cmd_reply_arg_error(ctx, "arn", "'%s' is not an ACM "
		    "certificate ARN", arn);
		goto out;
	}
	if ((t = store_begin(acmd.store, 1, &cause)) == NULL)
		goto fail;
	if ((rec = rec_get(t, DB_ACM, key, &cause)) == NULL) {
		if (cause != NULL)
			goto fail;
		store_abort(t);
		cmd_reply_error(ctx, PROTO_ENOTFOUND, "certificate %s is not in "
		    "the inventory", arn);
		goto out;
	}
	xasprintf(&pkey, "%s%s", INV_PEM_PREFIX, key);
	if (store_dels(t, DB_ACM, key, &cause) < 0 ||
	    store_dels(t, DB_ACM, pkey, &cause) < 0 ||
	    forget(t, DB_REQUESTS, arn, &nreq, &cause) != 0 ||
	    forget(t, DB_DEPLOYMENTS, arn, &ndep, &cause) != 0 ||
	    forget(t, DB_RENEWALS, arn, &nren, &cause) != 0)
		goto fail;
	if (store_commit(t, &cause) != 0) {
		t = NULL;
		goto fail;
	}
	log_info("delete: %s removed from acmd (%zu requests, %zu deployments, "
	    "%zu renewals forgotten; ACM untouched)", arn, nreq, ndep, nren);
	cmd_reply_json(ctx, json_pack("{s:s, s:I, s:I, s:s}", "deleted", arn,
	    "requests_forgotten", (json_int_t)nreq, "deployments_forgotten",
	    (json_int_t)ndep, "note", "removed from acmd only; ACM was not "
	    "touched"));
	goto out;
fail:
	store_abort(t);
	cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause != NULL ? cause :
	    "failed");
	free(cause);
out:
	json_decref(rec);
	free(arn);
	free(key);
	free(pkey);
}

const struct cmd_entry cmd_delete_entry = {
	.name = "delete",
	.usage = "delete ARN --yes",
	.exec = cmd_delete_exec,
};

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "aws/aws.h"
#include "keys.h"
#include "lifecycle.h"
#include "log.h"
#include "pem.h"
#include "rec.h"
#include "repo.h"
#include "store.h"
#include "xmalloc.h"

struct keys_stored {
	struct lc		*lc;
	struct pem_certinfo	*ci;
	enum proto_error	 code;
	char			*name;
	long			 version;
	int			 created;
};

/* In t: the key onto its version, or a new certificate with it. */
static int
keys_store_fn(struct store_txn *t, void *arg, char **cause)
{
	struct keys_stored	*s = arg;
	struct lc		*lc = s->lc;
	enum repo_err		 err;
	int			 r;

	s->code = PROTO_EINTERNAL;
	r = repo_find_fingerprint(t, s->ci->sha256, &s->name, &s->version,
	    cause);
	if (r == -1)
		return (-1);
	if (r == 1) {
		if (repo_set_key(t, s->name, s->version, lc->key, lc->keylen,
		    cause) != 0)
			return (-1);
	} else {
		if ((s->name = repo_unique_name(t, s->ci->cn, lc->arn,
		    cause)) == NULL)
			return (-1);
		if (repo_add(t, &(struct repo_input){ .name = s->name, .cert =
		    lc->cert, .chain = lc->chain, .key = lc->key, .source =
		    "fetch-key", .mode = REPO_MUST_BE_NEW }, &s->version, &err,
		    cause) != 0) {
			s->code = repo_err_proto(err);
			return (-1);
		}
		s->created = 1;
	}
	return (lc_inv_update(t, lc, NULL, s->name, s->version, cause) != 0 ||
	    lc_intent_done(t, lc, cause) != 0 ? -1 : 0);
}

static void
keys_exported(struct aws_result *res, void *arg)
{
	struct lc		*lc = arg;
	struct keys_stored	 s = { .lc = lc, .code = PROTO_EINTERNAL };
	char			*cause = NULL;

	if (lc_take_export(lc, res) != 0)
		return;
	if (pem_certinfo_parse(lc->cert, strlen(lc->cert), &s.ci,
	    &cause) != 0 ||
	    store_write(acmd.store, keys_store_fn, &s, &cause) != 0) {
		lc_fail(lc, s.code, cause);
		goto out;
	}
	lc->intent = 0;
	log_info("fetch-key: private key of %s stored with version %ld of %s",
	    lc->arn, s.version, s.name);
	if (s.created)
		repo_new_version(s.name, s.version);
	else
		repo_key_added(s.name, s.version);
	lc_reply(lc, json_pack("{s:s, s:s, s:I, s:b, s:b}", "arn", lc->arn,
	    "name", s.name, "version", (json_int_t)s.version, "has_key", 1,
	    "created", s.created));
	lc_free(lc);
out:
	pem_certinfo_free(s.ci);
	free(s.name);
}

/*
 * Whether the version the inventory links lc's certificate to (the one
 * ACM holds, as discovery last saw it) has its key: never exported twice.
 */
static int
keys_linked_has_key(const struct lc *lc)
{
	const json_t	*ln = json_object_get(lc->inv, "linked");
	json_t		*v;
	char		*cause = NULL;
	int		 r;

	if (ln == NULL || (v = repo_read_version(rec_str(ln, "name"),
	    (long)rec_int(ln, "version"), &cause)) == NULL) {
		free(cause);
		return (0);
	}
	r = rec_bool(v, "has_key") && rec_str(v, "sha256") != NULL &&
	    rec_str(lc->inv, "sha256") != NULL && strcmp(rec_str(v, "sha256"),
	    rec_str(lc->inv, "sha256")) == 0;
	json_decref(v);
	return (r);
}

void
keys_fetch(const char *arn, const char *cred, struct op_reply reply)
{
	struct lc	*lc;

	if ((lc = lc_resolve(lc_new(reply, arn), cred, 0)) == NULL)
		return;
	if (keys_linked_has_key(lc)) {
		lc_fail(lc, PROTO_EEXIST, xstrdup("the version ACM holds has its "
		    "key in the repository already: not exported again (AWS "
		    "charges for each export; run discover first if ACM renewed "
		    "it since)"));
		return;
	}
	lc_export(lc, keys_exported);
}

/*
 * Does the repository version a request stored its certificate as have a
 * key: 1 yes, 0 no; -1 with *cause on a store error, -2 with *cause when
 * no such version is there (any more).
 */
static int
request_version_has_key(const json_t *req, char **cause)
{
	json_t			*v;
	const char		*name = rec_str(req, "name");
	long long		 version = rec_int(req, "version");
	int			 r;

	if (name == NULL || version <= 0) {
		xasprintf(cause, "no repository version is linked to the "
		    "request");
		return (-2);
	}
	v = repo_read_version(name, version, cause);
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
keys_for_request(const json_t *req, int force)
{
	struct lc	*lc;
	const json_t	*in = json_object_get(req, "key_export");
	const char	*id = rec_str(req, "id");
	const char	*state = rec_str(in, "state");
	char		*cause = NULL, *label;
	int		 r;

	if (rec_str(req, "arn") == NULL || intent_held(lc_request_key.kind, id))
		return;
	lc = lc_new(OP_NONE, rec_str(req, "arn"));
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
	log_info("%s: exporting it, attempt %d (%d failed, of %d allowed; "
	    "%d exports counted, AWS charges for each)", lc->ilabel,
	    lc->attempts, lc->failures, LC_ATTEMPTS, lc->exports);
	if ((lc = lc_resolve(lc, rec_str(req, "credential"), 0)) != NULL)
		lc_export(lc, keys_exported);
}


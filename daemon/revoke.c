/*
 * revoke: ACM PCA RevokeCertificate with the certificate's CA and serial
 * as ACM gives them, and the reason; the inventory record and the linked
 * repository version say so afterwards.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "aws/aws.h"
#include "aws/services.h"
#include "lifecycle.h"
#include "log.h"
#include "rec.h"
#include "revoke.h"
#include "store.h"
#include "xmalloc.h"

static const char *const revoke_reasons[] = {
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

const char revoke_reasons_text[] = "unspecified, key-compromise, "
    "certificate-authority-compromise, affiliation-changed, superseded, "
    "cessation-of-operation, privilege-withdrawn, a-a-compromise";

char *
revoke_reason(const char *in)
{
	char	*s;
	size_t	 i;

	s = xstrdup(in);
	for (i = 0; s[i] != '\0'; i++)
		s[i] = s[i] == '-' ? '_' : (char)toupper((unsigned char)s[i]);
	for (i = 0; revoke_reasons[i] != NULL; i++) {
		if (strcmp(revoke_reasons[i], s) == 0)
			return (s);
	}
	free(s);
	return (NULL);
}

struct revoke_rec {
	struct lc	*lc;
	time_t		 now;
	json_t		*out;
};

/* In t: the inventory record, and the linked version, are revoked. */
static int
revoke_record(struct store_txn *t, void *arg, char **cause)
{
	struct revoke_rec	*r = arg;
	struct lc		*lc = r->lc;
	json_t			*rec, *v = NULL, *linked;
	char			 vkey[256];
	int			 ret = -1;

	if ((rec = rec_get(t, DB_ACM, lc->invkey, cause)) == NULL) {
		if (*cause != NULL)
			return (-1);
		rec = json_deep_copy(lc->inv);
	}
	json_object_set_new(rec, "status", json_string("REVOKED"));
	json_object_set_new(rec, "revoked_at", json_integer(r->now));
	json_object_set_new(rec, "revocation_reason", json_string(lc->reason));
	if (rec_put(t, DB_ACM, lc->invkey, rec, cause) != 0)
		goto out;
	linked = json_object_get(rec, "linked");
	if (rec_str(linked, "name") != NULL) {
		snprintf(vkey, sizeof vkey, "%s/%08lld", rec_str(linked, "name"),
		    rec_int(linked, "version"));
		if ((v = rec_get(t, DB_VERSIONS, vkey, cause)) == NULL &&
		    *cause != NULL)
			goto out;
		if (v != NULL) {
			json_object_set_new(v, "revoked", json_true());
			json_object_set_new(v, "revoked_at", json_integer(r->now));
			json_object_set_new(v, "revocation_reason",
			    json_string(lc->reason));
			if (rec_put(t, DB_VERSIONS, vkey, v, cause) != 0)
				goto out;
			json_object_set_new(r->out, "name",
			    json_string(rec_str(linked, "name")));
			json_object_set_new(r->out, "version", json_integer(
			    rec_int(linked, "version")));
		}
	}
	ret = 0;
out:
	json_decref(rec);
	json_decref(v);
	return (ret);
}

static void
revoke_done(struct aws_result *res, void *arg)
{
	struct lc		*lc = arg;
	struct revoke_rec	 r = { lc, time(NULL), NULL };
	char			*cause = NULL;

	if (!res->ok) {
		lc_aws(lc, res);
		return;
	}
	log_info("revoke: %s (serial %s) revoked at its CA: %s", lc->arn,
	    rec_str(lc->inv, "serial"), lc->reason);
	r.out = json_pack("{s:s, s:s, s:s, s:I}", "arn", lc->arn, "serial",
	    rec_str(lc->inv, "serial"), "reason", lc->reason, "revoked_at",
	    (json_int_t)r.now);
	if (store_write(acmd.store, revoke_record, &r, &cause) != 0) {
		json_decref(r.out);
		lc_fail(lc, PROTO_EINTERNAL, cause);
		return;
	}
	lc_reply(lc, r.out);
	lc_free(lc);
}

void
revoke_start(const char *arn, const char *cred, const char *reason,
    struct op_reply reply)
{
	struct lc	*lc;
	const char	*type;

	if ((lc = lc_resolve(lc_new(reply, arn), cred, 1)) == NULL)
		return;
	type = rec_str(lc->inv, "type");
	if (type == NULL || strcmp(type, "Private") != 0) {
		lc_fail(lc, PROTO_EUNSUPPORTED, xstrdupf("revoking is only "
		    "possible for private certificates (%s is %s)", arn,
		    type != NULL ? type : "of unknown type"));
		return;
	}
	if (rec_str(lc->inv, "ca_arn") == NULL ||
	    rec_str(lc->inv, "serial") == NULL) {
		lc_fail(lc, PROTO_ESTATE, xstrdupf("the CA or serial of %s is "
		    "not known yet (not issued, or run discover)", arn));
		return;
	}
	lc->reason = xstrdup(reason);
	pca_revoke_certificate(lc->cred, lc->region, rec_str(lc->inv, "ca_arn"),
	    rec_str(lc->inv, "serial"), lc->reason, revoke_done, lc);
}

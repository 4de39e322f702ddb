/*
 * The life of an ACM certificate after it is issued, shared by renew.c,
 * revoke.c and keys.c (fetch-key and request key exports): one struct lc
 * per operation, which finds the certificate (its region, a credential,
 * its inventory record), exports a key under a one-time passphrase, and
 * keeps the operation's recorded work (intent.h) when it has some.
 */
#ifndef ACMD_LIFECYCLE_H
#define ACMD_LIFECYCLE_H

#include <sys/queue.h>

#include <time.h>

#include <jansson.h>

#include "aws/aws.h"
#include "intent.h"
#include "op.h"
#include "pem.h"
#include "store.h"

#define LC_ATTEMPTS	10	/* failed ones before giving up */
#define LC_STARTS	50	/* in all, restarts in the middle included */
#define LC_RETRY	60	/* seconds before the next one; doubles */
#define LC_RETRY_MAX	(LC_RETRY << 4)	/* ... up to 16 minutes */
/*
 * ExportCertificate calls of one piece of recorded work that may have
 * reached ACM's export, which AWS charges for: counted on disk before
 * each call, and corrected after its answer to the tries that may have
 * been carried out (aws_result.reached: a 2xx answer, its body lost or
 * not, or a timeout after the request went out).  Refusals (5xx,
 * throttling, a connection refused or closed without an answer) are
 * not.  At this many without a key stored, acmd gives the work up.
 */
#define LC_EXPORTS	5

/*
 * Work acmd records before calling AWS (resumed after a crash, given up
 * when it keeps failing), with what to tell a person about it.
 */
struct lc_work {
	const struct intent_kind *kind;
	const char	*instead;	/* what is left once acmd gave up */
	const char	*gave_up;	/* notes for a client */
	const char	*again;
};

/* A renewal: its own record in the renewals database (requests.h). */
extern const struct lc_work lc_renewal;
/* The key of a request --with-key: the key_export of its record. */
extern const struct lc_work lc_request_key;

struct lc {
	struct op_reply	 reply;
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
	const struct lc_work *work;	/* recorded work, or NULL */
	char		*ikey;		/* its record's key */
	char		*ilabel;	/* what the log calls it */
	int		 intent;	/* its intent is recorded */
	int		 accepted;	/* renew: ACM took RenewCertificate */
	int		 attempts;	/* this is attempt n */
	int		 failures;	/* attempts that failed before */
	int		 exports;	/* counted so far (LC_EXPORTS) */
	aws_cb		 exported;	/* lc_export's callback */
	int		 holding;	/* the work is held (intent_hold) */
	time_t		 poll_started;
	LIST_ENTRY(lc)	 entry;		/* every live one (lc_shutdown) */
};

struct lc	*lc_new(struct op_reply, const char *);
void		 lc_free(struct lc *);
/* At exit, once AWS calls are gone: what still waits is freed. */
void		 lc_shutdown(void);
/* A failure, to whoever asked (cause taken over); lc is freed. */
void		 lc_fail(struct lc *, enum proto_error, char *);
/* definitive: recorded work that failed so is not tried again. */
void		 lc_failx(struct lc *, enum proto_error, char *, int);
/* An AWS error answer; lc is freed. */
void		 lc_aws(struct lc *, struct aws_result *);
/* The result (taken over), to whoever asked. */
void		 lc_reply(struct lc *, json_t *);
/*
 * Find lc's certificate, its region and a credential for it (credname,
 * or the inventory's).  need_inv: the inventory record is required.
 * NULL after failing lc.
 */
struct lc	*lc_resolve(struct lc *, const char *, int);
/* The repository name the inventory links the certificate to, or NULL. */
const char	*lc_linked_name(const json_t *);
/*
 * After a new certificate at lc's ARN (ci, NULL: only the link): the
 * inventory record and its PEM, linked to version of name.
 */
int		 lc_inv_update(struct store_txn *, struct lc *,
		     const struct pem_certinfo *, const char *, long, char **);
/* Take Certificate and CertificateChain from an ACM answer. */
int		 lc_take_pem(struct lc *, const json_t *);
/* ExportCertificate of lc's ARN under a new one-time passphrase. */
void		 lc_export(struct lc *, aws_cb);
/*
 * The answer to lc_export: the key decrypted into lc->key and checked
 * against the exported certificate (lc->cert).  -1 after failing lc.
 */
int		 lc_take_export(struct lc *, struct aws_result *);

/* lc is w's work, recorded under key; the log calls it label and the ARN. */
void		 lc_intent(struct lc *, const struct lc_work *, const char *,
		     const char *);
/* lc's intent changed in a transaction of its own (set taken over). */
int		 lc_intent_put(struct lc *, json_t *, int);
/* In t, with the result of lc's work: the work is done. */
int		 lc_intent_done(struct store_txn *, struct lc *, char **);
/* lc's intent once its work is done, for lc_intent_put (NULL: it goes). */
json_t		*lc_intent_done_set(const struct lc *);
/* Keep a second run of lc's work out while this one runs. */
void		 lc_hold(struct lc *);
/*
 * Attempt n + 1 at lc's recorded work (in: its intent): held, and counted
 * on disk before AWS hears of it.  -1 after failing lc.
 */
int		 lc_attempt(struct lc *, const json_t *);
/* The next attempt within this run (held already): -1 after failing lc. */
int		 lc_attempt_next(struct lc *);

#endif

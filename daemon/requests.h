/*
 * Certificate requests: public (DNS or e-mail validation) and private (an
 * ACM Private CA), tracked in the requests database, key "r-N":
 *
 *   id, kind (public, private), credential, account, region, domain,
 *   sans[], validation (DNS, EMAIL), key_algorithm, ca_arn, tags,
 *   zone_mode (zone, auto, manual), hosted_zone, name (repository name),
 *   with_key, exportable (public: Options.Export ENABLED), auto_export
 *   (the key exported again for every renewal discovery sees), token
 *   (IdempotencyToken, stored before the call), arn,
 *   status (Requesting, Pending Validation, Deploy Challenge, Sync Records,
 *   Issued, Failed, Validation Timed Out), acm_status, failure_reason,
 *   domains [{domain, method, status, record {name, type, value}}],
 *   challenge {state, changes[]}, created, updated, next_poll, polls,
 *   version (the repository version of name the certificate became),
 *   key_export {state (exporting, stored, failed), attempts, failures,
 *   exports
 *   (that may have reached ACM: lifecycle.h, LC_EXPORTS), next_retry,
 *   last_error, updated}
 *
 * with_key: once Issued, the key is exported (keys.c) for as long
 * as the repository version has none; each attempt is counted in
 * key_export before ExportCertificate, and key_export becomes stored in
 * the transaction that stores the key.  (key_fetched, set by earlier
 * versions before the export, means nothing.)
 */
#ifndef ACMD_REQUESTS_H
#define ACMD_REQUESTS_H

#include <jansson.h>

#include "op.h"
#include "store.h"

/* What to request (request public, request private). */
struct request_spec {
	const char	*kind;		/* "public" or "private" */
	char		*credential;
	char		*region;
	char		*domain;
	char		*name;		/* repository name, or NULL */
	json_t		*sans;		/* strings */
	json_t		*tags;		/* [{Key, Value}] */
	char		*validation;	/* public: "DNS" or "EMAIL" */
	char		*key_algorithm;	/* public: or NULL */
	char		*hosted_zone;	/* public: an id or a name, or NULL */
	int		 auto_zone;
	char		*ca;		/* private: the CA's ARN */
	int		 with_key;	/* private, or public exportable */
	int		 exportable;	/* public: Options.Export ENABLED */
	int		 auto_export;	/* the key again after each renewal */
};

void	 request_spec_free(struct request_spec *);
/*
 * Request it (spec taken over): the credential checked, the hosted zone
 * found, the record and its token stored, RequestCertificate sent; reply
 * gets the request as shown.
 */
void	 requests_create(struct request_spec *, struct op_reply);
/* request sync: ask ACM now (the key of an issued --with-key request). */
void	 requests_sync(const char *, struct op_reply);
/* request deploy-challenge: write the records now (zone NULL: as set). */
void	 requests_challenge(const char *, const char *, int, struct op_reply);
/*
 * request auto-export ID|ARN: on (off 0) or off; reply gets the request.
 * Turned on for an Issued request whose version has no key, the key is
 * due.  An ARN without a request (a private or exportable public
 * certificate discovered, linked to the repository) gets one, Issued.
 */
void	 requests_auto_export(const char *, int, struct op_reply);
/*
 * In t, after discovery stored version of name as the renewal of arn:
 * every auto-export request for arn follows that version, its key export
 * due (recorded in the same transaction: a crash cannot lose it).
 */
int	 requests_renewed(struct store_txn *, const char *, const char *, long,
	     char **);
/* Whether a request of arn auto-exports (renew exports the key then). */
int	 requests_auto_exported(const char *);
/* request resend-email (domain NULL: every domain of the request). */
void	 requests_resend(const char *, const char *, struct op_reply);
/* request show: NULL after failing reply. */
json_t	*requests_show(const char *, struct op_reply);
/* request list rows. */
json_t	*requests_list(char **);
/*
 * request records: the records to create by hand ([] before ACM has
 * published them; *status says the request's), NULL after failing reply.
 */
json_t	*requests_records(const char *, char **, struct op_reply);
/* ca list: the private CAs of region (credential NULL: default). */
void	 requests_ca_list(const char *, const char *, struct op_reply);
/*
 * The requests job: polls and key exports that are due (hurry: those
 * backing off too, for acmctl sync); *keys: the key exports started.
 */
int	 requests_poll_due(int, size_t *, char **);

#endif

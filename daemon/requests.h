/*
 * Certificate requests: public (DNS or e-mail validation) and private (an
 * ACM Private CA), tracked in the requests database, key "r-N":
 *
 *   id, kind (public, private), credential, account, region, domain,
 *   sans[], validation (DNS, EMAIL), key_algorithm, ca_arn, tags,
 *   zone_mode (zone, auto, manual), hosted_zone, name (repository name),
 *   with_key, token (IdempotencyToken, stored before the call), arn,
 *   status (Requesting, Pending Validation, Deploy Challenge, Sync Records,
 *   Issued, Failed, Validation Timed Out), acm_status, failure_reason,
 *   domains [{domain, method, status, record {name, type, value}}],
 *   challenge {state, changes[]}, created, updated, next_poll, polls,
 *   version (the repository version of name the certificate became),
 *   key_export {state (exporting, stored, failed), attempts, next_retry,
 *   last_error, updated}
 *
 * with_key: once Issued, the key is exported (cmd-lifecycle.c) for as long
 * as the repository version has none; each attempt is counted in
 * key_export before ExportCertificate, and key_export becomes stored in
 * the transaction that stores the key.  (key_fetched, set by earlier
 * versions before the export, means nothing.)
 */
/*
 * Renewals (acmctl renew, cmd-lifecycle.c): the renewals database, key
 * ARN, holds a renewal's intent, written before RenewCertificate is sent
 * and removed in the transaction that stores the renewed version:
 *
 *   arn, credential, region, with_key, old_serial, old_sha256 (what ACM
 *   held before), started, accepted (when ACM answered RenewCertificate),
 *   state (renewing, failed), attempts, next_retry, last_error, updated
 *
 * A renewing intent is resumed without a client at start and by the
 * "renewals" job; a failed one stays, for status, until the next renew or
 * delete of the ARN.
 */
#ifndef ACMD_REQUESTS_H
#define ACMD_REQUESTS_H

#include <jansson.h>

void	requests_init(void);
void	renewals_init(void);
/*
 * An Issued request with_key: export and store its key if its version has
 * none (lifecycle); 1: now, whatever key_export's next_retry says.
 */
void	lifecycle_request_key(const json_t *, int);

#endif

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
 *   challenge {state, changes[]}, created, updated, next_poll, polls
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

void	requests_init(void);
void	renewals_init(void);
/* Export and store the key of an issued private certificate (lifecycle). */
void	lifecycle_fetch_key(const char *, const char *);

#endif

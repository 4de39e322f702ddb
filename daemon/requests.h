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
#ifndef ACMD_REQUESTS_H
#define ACMD_REQUESTS_H

void	requests_init(void);
/* Export and store the key of an issued private certificate (lifecycle). */
void	lifecycle_fetch_key(const char *, const char *);

#endif

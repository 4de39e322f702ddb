/* renew (renew.c): private certificates renewed in ACM. */
/*
 * Renewals (acmctl renew): the renewals database, key
 * ARN, holds a renewal's intent, written before RenewCertificate is sent
 * and removed in the transaction that stores the renewed version:
 *
 *   arn, credential, region, with_key, old_serial, old_sha256 (what ACM
 *   held before), started, accepted (when ACM answered RenewCertificate,
 *   or said a renewal was in progress), sent (when the last
 *   RenewCertificate went out), reached (whether it may have reached ACM:
 *   1 before the call, its aws_result.reached after), state (renewing,
 *   failed), attempts, failures, exports (with_key:
 *   those that may have reached ACM, lifecycle.h), next_retry,
 *   last_error, updated
 *
 * A renewing intent is resumed without a client at start and by the
 * "renewals" job; a failed one stays, for status, until the next renew or
 * delete of the ARN.
 */
#ifndef ACMD_RENEW_H
#define ACMD_RENEW_H

#include <stddef.h>

#include "op.h"

/*
 * Renew arn (a private certificate; cred NULL: the inventory's) and fetch
 * the new version, its key too with with_key; reply gets the version.
 */
void	renew_start(const char *, const char *, int, struct op_reply);
/*
 * The renewals job: resume what is due (hurry: those backing off too,
 * for acmctl sync); *pending and *failed count the renewals recorded,
 * *resumed those resumed now.
 */
int	renew_resume_due(int, size_t *, size_t *, size_t *, char **);

#endif

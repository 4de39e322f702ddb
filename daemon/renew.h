/* renew (renew.c): private certificates renewed in ACM. */
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
 * The renewals job: resume what is due; *pending and *failed count the
 * renewals recorded.
 */
int	renew_resume_due(size_t *, size_t *, char **);

#endif

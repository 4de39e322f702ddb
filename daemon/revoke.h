/* revoke (revoke.c): a private certificate revoked at its CA. */
#ifndef ACMD_REVOKE_H
#define ACMD_REVOKE_H

#include "op.h"

/*
 * The reason as ACM PCA names it ("key-compromise", "Key_Compromise" ->
 * "KEY_COMPROMISE"), allocated; NULL when it is none of them.
 */
char	*revoke_reason(const char *);
/* The reasons, for messages: "unspecified, key-compromise, ...". */
extern const char revoke_reasons_text[];
/*
 * Revoke arn (cred NULL: the inventory's) with a reason from
 * revoke_reason; reply gets {arn, serial, reason, revoked_at, [name,
 * version]}.
 */
void	revoke_start(const char *, const char *, const char *,
	    struct op_reply);

#endif

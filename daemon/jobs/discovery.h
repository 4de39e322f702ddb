/*
 * Discovery: for every credential and every enabled region, in parallel,
 * everything ACM holds (all key types and statuses), described, with PEM
 * and tags; IAM server certificates once per account.  Results go to the
 * inventory (inventory.h).
 */
#ifndef ACMD_DISCOVERY_H
#define ACMD_DISCOVERY_H

#include <jansson.h>

struct cmd_ctx;

void	discovery_init(void);
void	discovery_configure(void);
/*
 * Start a run; ctx (may be NULL) gets progress and the summary.  creds
 * and regions (arrays of strings, may be NULL: all) are taken over.
 * -1 with cause when one is running already or the input is bad.
 */
int	discovery_start(struct cmd_ctx *, json_t *, json_t *, char **);
int	discovery_running(void);

#endif

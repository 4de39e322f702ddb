/*
 * Discovery: for every credential and every enabled region, in parallel,
 * everything ACM holds (all key types and statuses), described, with PEM
 * and tags; IAM server certificates once per account.  Results go to the
 * inventory (inventory.h).
 */
#ifndef ACMD_DISCOVERY_H
#define ACMD_DISCOVERY_H

#include <jansson.h>

#include "op.h"

void	discovery_init(void);
void	discovery_configure(void);
/*
 * Start a run; reply gets progress and the summary, or EBUSY when one is
 * running already.  creds and regions (arrays of strings, may be NULL:
 * every credential, the configured regions) are taken over.  full: describe
 * and tag every certificate; else only when a full run is due (none yet,
 * or the last older than full_discovery_interval) is it full, otherwise
 * incremental: only what ListCertificates shows may have changed.
 */
void	discovery_start(json_t *, json_t *, int, struct op_reply);
/* {last_full, last_incremental, interval, full_interval} for status. */
json_t	*discovery_state(void);
int	discovery_running(void);
/* What runs after every discovery (the mismatch check, expiry). */
void	discovery_set_done_hook(void (*)(void));

#endif

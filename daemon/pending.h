/* pending (pending.c): acmd's own work still to do, read from the store. */
#ifndef ACMD_PENDING_H
#define ACMD_PENDING_H

#include <jansson.h>

/*
 * {renewals, key_exports, deployments, total}: renewals and request key
 * exports that have not given up, deployments in flight or waiting for
 * a key.  NULL with cause on a store error.
 */
json_t	*pending_counts(char **);
/*
 * Whether the key of version of name is on its way: a request --with-key
 * exporting it, or a renewal --with-key of a certificate linked to name,
 * neither given up.  A store error is logged and taken for no.
 */
int	 pending_key(const char *, long);

#endif

/*
 * Keys exported from ACM (keys.c): fetch-key, and the key of a request
 * made --with-key, each under a one-time passphrase, decrypted in memory,
 * checked against the certificate and sealed into the repository.
 */
#ifndef ACMD_KEYS_H
#define ACMD_KEYS_H

#include <jansson.h>

#include "op.h"

/* fetch-key ARN: reply gets {arn, name, version, has_key, created}. */
void	keys_fetch(const char *, const char *, struct op_reply);
/*
 * An Issued request with_key: export and store its key when its version
 * has none, counted and bounded as recorded work; force: now, whatever
 * key_export's next_retry says (request sync).
 */
void	keys_for_request(const json_t *, int);

#endif

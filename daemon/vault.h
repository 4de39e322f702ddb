/*
 * The vault: AES-256-GCM for private keys and AWS secrets, with a master
 * key from a file (created 0600 on first start; refused when group or
 * world may read it).  The record's store key is the associated data,
 * so a sealed blob moved to another record does not open.
 *
 * Blob layout: "AV1" | 12-byte nonce | ciphertext | 16-byte tag.
 */
#ifndef ACMD_VAULT_H
#define ACMD_VAULT_H

#include <stddef.h>
#include <stdint.h>

#define VAULT_KEY_LEN	32
#define VAULT_OVERHEAD	(3 + 12 + 16)

struct vault;

/* Load the key file, creating it when create is set and it is absent. */
int	 vault_open(const char *, int, struct vault **, char **);
/* A vault from raw key bytes (tests). */
struct vault *vault_from_key(const uint8_t *);
void	 vault_free(struct vault *);
/* *out is allocated (free with free()). */
int	 vault_seal(struct vault *, const char *, const void *, size_t,
	     uint8_t **, size_t *, char **);
/* *out is allocated and NUL-terminated; free with xfree_secret(). */
int	 vault_unseal(struct vault *, const char *, const void *, size_t,
	     uint8_t **, size_t *, char **);

#endif

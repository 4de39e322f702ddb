/*
 * The local certificate repository: certificates by name, each with
 * versions (a renewal is a new version).  Private keys are only ever
 * stored sealed by the vault.
 *
 *   certs     NAME          -> {name, created, current, domain, ...}
 *   versions  NAME/NNNNNNNN -> {version, cert, chain, key (sealed), ...}
 *             #fp/SHA256    -> {name, version}   (fingerprint index)
 */
#ifndef ACMD_REPO_H
#define ACMD_REPO_H

#include <jansson.h>

#include "proto.h"
#include "store.h"

#define REPO_MUST_BE_NEW	1
#define REPO_MUST_EXIST		0

int	 repo_valid_name(const char *);
/*
 * Add a version: cert is PEM (a bundle is split into leaf and chain),
 * chain optional, key optional (PEM, maybe encrypted with passphrase).
 * mode is REPO_MUST_BE_NEW or REPO_MUST_EXIST.  On success *out is the
 * version number; on failure *code says whose fault it was.
 */
int	 repo_add(struct store_txn *, const char *, const char *, const char *,
	     const char *, const char *, const char *, int, long *,
	     enum proto_error *, char **);
json_t	*repo_get(struct store_txn *, const char *, char **);
/* version 0: the current one. */
json_t	*repo_get_version(struct store_txn *, const char *, long, char **);
/* All versions of a certificate, oldest first. */
json_t	*repo_versions(struct store_txn *, const char *, char **);
/* The key of a version, unsealed: NULL with no cause when it has none. */
char	*repo_key(const json_t *, size_t *, char **);
/* Which repository version has this fingerprint: 1 found, 0 not. */
int	 repo_find_fingerprint(struct store_txn *, const char *, char **,
	     long *, char **);
/*
 * Whether the certificate in pem is for the same DNS names (CN and SANs,
 * case-insensitive) as version v: 1 yes, 0 no, -1 with cause.
 */
int	 repo_same_names(const json_t *, const char *, char **);
/*
 * The newest version of name that has a private key (what deployments
 * deploy), 0 when none has, -1 with cause.
 */
long	 repo_deployable(struct store_txn *, const char *, char **);
int	 repo_delete(struct store_txn *, const char *, char **);
/* A version's summary for lists (no PEM, no key). */
json_t	*repo_version_summary(const json_t *);

/* Called after a commit that added a version (auto-redeploy hooks). */
typedef void (*repo_hook)(const char *, long);
void	 repo_set_new_version_hook(repo_hook);
void	 repo_new_version(const char *, long);
/* Called after a commit that gave an existing version its key. */
void	 repo_key_added(const char *, long);

/*
 * Give an existing version its private key (plain PKCS#8 PEM, len bytes;
 * sealed here, the caller clears its copy).  The caller checks the key
 * matches the version's certificate.
 */
int	 repo_set_key(struct store_txn *, const char *, long, const char *,
	     size_t, char **);

#endif

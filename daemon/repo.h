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

/* The fingerprint index beside the versions: #fp/SHA256. */
#define REPO_FP_PREFIX		"#fp/"

#define REPO_MUST_BE_NEW	1
#define REPO_MUST_EXIST		0

/* Why adding to the repository failed, for callers to decide on. */
enum repo_err {
	REPO_OK,
	REPO_EINVAL,	/* bad name, PEM, key; a key that does not match */
	REPO_ENOTFOUND,	/* REPO_MUST_EXIST, and there is no such certificate */
	REPO_EEXIST,	/* REPO_MUST_BE_NEW, and the name is taken */
	REPO_EDUP,	/* the certificate is a repository version already */
	REPO_ESTORE,	/* the store failed (the transaction is poisoned) */
};
const char	*repo_err_string(enum repo_err);
enum proto_error repo_err_proto(enum repo_err);

/* A version to add. */
struct repo_input {
	const char	*name;
	const char	*cert;		/* PEM; a bundle is split */
	const char	*chain;		/* PEM, or NULL */
	const char	*key;		/* PEM (maybe encrypted), or NULL */
	const char	*passphrase;	/* of key, or NULL */
	const char	*source;	/* "file", "watch", "request", ... */
	int		 mode;		/* REPO_MUST_BE_NEW or REPO_MUST_EXIST */
};

/* Names: 1 to 128 letters, digits, '.', '_' or '-', not '.' first. */
#define REPO_NAME_MAX		128
#define REPO_NAME_BASE_MAX	(REPO_NAME_MAX - 4)	/* room for "-99" */
int	 repo_valid_name(const char *);
/*
 * The name a certificate for domain goes by in the repository: '*' is
 * "wildcard", what a name cannot hold is '-', long ones are cut; with
 * no domain, "acm-" and the ARN's id (arn may be NULL).  Allocated.
 */
char	*repo_name_for_domain(const char *, const char *);
/* repo_name_for_domain, with -2, -3 ... until no certificate has it. */
char	*repo_unique_name(struct store_txn *, const char *, const char *,
	     char **);
/*
 * Add a version in t: *out is its number; on failure *err says why (and
 * the cause in words).
 */
int	 repo_add(struct store_txn *, const struct repo_input *, long *,
	     enum repo_err *, char **);
json_t	*repo_get(struct store_txn *, const char *, char **);
/* The current version of name: 0 when there is no such certificate. */
long long repo_current(struct store_txn *, const char *, char **);
/* version 0: the current one. */
json_t	*repo_get_version(struct store_txn *, const char *, long, char **);
/*
 * A version in a read transaction of its own; version 0 the current,
 * REPO_DEPLOYABLE the newest that has a key (the current when none has).
 * NULL with no cause when there is none.
 */
#define REPO_DEPLOYABLE	(-1)
json_t	*repo_read_version(const char *, long, char **);
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
/* Delete a certificate and its versions: 1 when there is no such one. */
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

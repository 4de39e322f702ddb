/*
 * The inventory: what discovery found in AWS.
 *
 * acm database, key "ACCOUNT/REGION/ARN", a map:
 *   account, region, arn, credential   where it lives, who found it
 *   type        "Amazon Issued", "Private", "Imported"
 *   status      ACM's Status (ISSUED, PENDING_VALIDATION, EXPIRED, ...)
 *   domain, sans[], key_algorithm, serial, renewal_eligibility
 *   not_before, not_after (epoch seconds; absent when ACM has none)
 *   in_use_by[] ARNs of the resources using it
 *   tags        {key: value}
 *   sha256      fingerprint of the certificate (when ACM gave its PEM)
 *   linked      {name, version} of the repository version with that
 *               fingerprint, absent if none
 *   first_seen, last_seen (epoch seconds)
 *   gone        true once a complete listing of its region no longer has
 *               it (gone_since says when); never silently dropped
 * and key "~pem/ACCOUNT/REGION/ARN": {cert, chain} as ACM returned them.
 *
 * iam database, key "ACCOUNT/NAME": {account, name, arn, id, path,
 *   domain, not_before, not_after, sha256, linked, first_seen, last_seen,
 *   gone, type: "IAM"}.
 */
#ifndef ACMD_INVENTORY_H
#define ACMD_INVENTORY_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "proto.h"
#include "store.h"

#define INV_PEM_PREFIX	"~pem/"
/*
 * jobs database, key "discovery/listed/ACCOUNT/REGION/": {at}, when a
 * complete listing of that region last ended.  A record it did not mark
 * gone was in it: its last_seen is at least that (an incremental
 * discovery does not rewrite the records it keeps as they were).
 */
#define INV_LISTED_PREFIX	"discovery/listed/"

/* Visit every live (or, with all set, every) inventory record. */
typedef int (*inv_cb)(const char *, json_t *, void *);
int	 inv_foreach(struct store_txn *, const char *, int, inv_cb, void *,
	     char **);
/* The inventory key of an ACM ARN (allocated), NULL if it is not one. */
char	*inv_key_for_arn(const char *);
/* Find an inventory record by ARN; *key (optional) gets its key. */
/* The record's last_seen, counting its region's last complete listing. */
void	 inv_last_seen(struct store_txn *, const char *, json_t *);
json_t	*inv_find_arn(struct store_txn *, const char *, char **, char **);
/* Keep the PEM of inventory key's certificate (~pem/KEY). */
int	 inv_put_pem(struct store_txn *, const char *, const char *,
	     const char *, char **);
/*
 * acmd itself changed what ACM holds at arn (imported it, requested it,
 * had it issued): record it at once rather than at the next discovery.
 * set's fields (type, status, linked, ...) go into the record; cert (and
 * chain, may be NULL) when ACM holds a certificate there: its fingerprint,
 * serial, names and dates, and the PEM record.  set is borrowed.
 */
int	 inv_note(struct store_txn *, const char *, const char *, json_t *,
	     const char *, const char *, char **);
/* Days left before not_after (negative once expired). */
long long inv_days_left(const json_t *);
/*
 * acm show: a record with its PEM and days left, or NULL with cause and
 * *code (EINVAL_ARG: not an ACM ARN; ENOTFOUND; EINTERNAL).
 */
json_t	*inv_show(const char *, enum proto_error *, char **);
/*
 * delete ARN: the certificate forgotten by acmd with everything that
 * refers to it (its requests, deployments and renewals); ACM is not
 * touched.  {deleted, requests_forgotten, deployments_forgotten}, or NULL
 * with cause and *code as for inv_show.
 */
json_t	*inv_forget(const char *, enum proto_error *, char **);
/* iam list rows (all: gone ones too). */
json_t	*inv_iam_rows(int, char **);

/*
 * acm list (inventory-list.c): the rows matching a filter, from a cache of
 * packed rows rebuilt when the inventory changed.
 */
struct inv_filter {
	char		**creds;	/* NULL: any; sorted by inv_list */
	char		**regions;
	char		**accounts;	/* NULL: any */
	size_t		 ncreds;	/* set by inv_list */
	size_t		 nregions;
	size_t		 naccounts;
	char		*type;		/* "amazon-issued", "Private", ... */
	char		*status;
	char		*domain;	/* a glob on the domain and SANs */
	uint64_t	 expiring;	/* with has_expiring: days */
	int		 has_expiring;
	int		 all;		/* gone ones too */
};
/*
 * Answer the list (the filter taken over): the rows go to the client in
 * parts, packed a part at a time over turns of the loop.
 */
struct cmd_ctx;
void	 inv_list(struct cmd_ctx *, struct inv_filter *);
void	 inv_filter_free(struct inv_filter *);
/* Lists still being answered end, with an error, and the kept one goes. */
void	 inv_list_shutdown(void);
/* The inventory changed a lot (a discovery): rebuild the cache soon. */
void	 inv_warm(void);
/* A write of exactly these records (key -> record), into the cache. */
void	 inv_cache_note(enum store_db, uint64_t, const json_t *);

/*
 * The metrics page reads the acm list cache as it stands (read-only):
 * whether the store moved since it was built, a rebuild now, and an epoch
 * that moves whenever the rows may have changed, and a visit of every
 * row (gone ones too), in steps.  A row's strings live until the next
 * rebuild.
 */
struct inv_row {
	const char	*credential;
	const char	*region;	/* NULL: IAM (global) */
	const char	*type;
	const char	*status;
	const char	*domain;
	const char	*arn;
	int		 gone;
	int		 has_not_after;
	time_t		 not_after;
	const char	*deployment;	/* its state, or NULL */
};
int	 inv_cache_stale(void);
int	 inv_cache_update(char **);
uint64_t inv_cache_epoch(void);
/*
 * A visit of the rows a few at a time (between steps the cache may move):
 * up to max rows after the cursor's, which then points at the last one
 * visited; 1 once the end is reached.  A cursor starts zeroed and is
 * given back with inv_cursor_clear.
 */
struct inv_cursor {
	int		 iam;
	char		*key;		/* of the last row visited, or NULL */
	size_t		 rows;		/* visited so far */
};
int	 inv_cache_step(struct inv_cursor *, size_t,
	    void (*)(const struct inv_row *, void *), void *);
void	 inv_cursor_clear(struct inv_cursor *);

#endif

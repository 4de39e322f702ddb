/*
 * Records: every value in the store is one msgpack map, handled in memory
 * as a jansson object.  Secrets inside a record are sealed by the vault
 * (the record's database and key are the associated data) and kept as
 * base64 text.
 */
#ifndef ACMD_REC_H
#define ACMD_REC_H

#include <stddef.h>

#include <jansson.h>

#include "store.h"

/* NULL with *cause NULL when absent; NULL with *cause on error. */
json_t	*rec_get(struct store_txn *, enum store_db, const char *, char **);
/* The same with only the fields named in keys (NULL-terminated). */
json_t	*rec_get_keys(struct store_txn *, enum store_db, const char *,
	     const char *const *, char **);
int	 rec_put(struct store_txn *, enum store_db, const char *,
	     const json_t *, char **);
/*
 * Call cb for every record whose key starts with prefix (NULL: all).
 * cb returns 0 to go on, 1 to stop, -1 on error; the record is borrowed.
 */
typedef int (*rec_cb)(const char *, json_t *, void *);
int	 rec_foreach(struct store_txn *, enum store_db, const char *, rec_cb,
	     void *, char **);
/* rec_get in a read transaction of its own. */
json_t	*rec_read(enum store_db, const char *, char **);
/*
 * Delete in t every record under prefix (NULL: all) whose field is value
 * (field NULL: every one); *n (may be NULL) gets how many.
 */
int	 rec_forget(struct store_txn *, enum store_db, const char *,
	     const char *, const char *, size_t *, char **);
/* Records under prefix (NULL: all); 0 with cause on error. */
size_t	 rec_count(struct store_txn *, enum store_db, const char *, char **);
/* Counting: a database, and the prefix of index records not counted. */
struct rec_count_spec {
	enum store_db	 db;
	const char	*skip;
};
/* {database name: records} in one read transaction. */
json_t	*rec_counts(const struct rec_count_spec *, size_t, char **);
/* rec_foreach in a read transaction of its own. */
int	 rec_walk(enum store_db, const char *, rec_cb, void *, char **);
/* Seal len bytes into rec[field]. */
int	 rec_seal(json_t *, const char *, const char *, const void *, size_t,
	     char **);
/* Unseal rec[field]: NULL and no cause when absent; free with
 * xfree_secret(p, *len). */
char	*rec_unseal(const json_t *, const char *, const char *, size_t *,
	     char **);
/* Small accessors: NULL / 0 when absent or of another type. */
const char *rec_str(const json_t *, const char *);
long long   rec_int(const json_t *, const char *);
int	    rec_bool(const json_t *, const char *);

struct pem_certinfo;
/* A certificate's DNS names, as a new array. */
json_t		*rec_dns_sans(const struct pem_certinfo *);
/* The name a certificate goes by: its CN, else its first DNS name. */
const char	*rec_cert_domain(const struct pem_certinfo *);
/* sha256, serial, key_algorithm, not_before, not_after into rec. */
void		 rec_set_certinfo(json_t *, const struct pem_certinfo *);

#endif

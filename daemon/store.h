/*
 * The store: one LMDB environment under the state directory with one
 * named database per kind of record.  This file's store.c owns every
 * LMDB transaction; nothing else calls mdb_* (but store-check.c, which
 * checks the file).  A transaction never lives
 * across a turn of the event loop: begin, work, commit or abort.
 */
#ifndef ACMD_STORE_H
#define ACMD_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#define STORE_SCHEMA	2

enum store_db {
	DB_CERTS,
	DB_VERSIONS,
	DB_ACM,
	DB_IAM,
	DB_DEPLOYMENTS,
	DB_REQUESTS,
	DB_RENEWALS,	/* schema 2 */
	DB_CREDENTIALS,
	DB_JOBS,
	DB_AUDIT,
	DB_META,
	DB_COUNT
};

struct store;
struct store_txn;

const char	*store_db_name(enum store_db);
/*
 * Lock the state directory for this process, once it is known that no one
 * but root and acmd's user may write in it: a descriptor, or -1.
 */
int		 store_lock_dir(const char *, char **);
/* Open the store in a directory (store_file_check it first). */
int		 store_open(const char *, size_t, struct store **, char **);
#define STORE_RESTORE_HINT	"restore the last backup (see RESTORING " \
	"THE STORE in acmd(8))"
/*
 * The directory's data.mdb against its two meta pages, before LMDB maps
 * it: -1 with cause, naming it, when it is empty, damaged at its start or
 * shorter than its pages; 0 when it is sound or absent (a new store).
 */
int		 store_file_check(const char *, char **);
/* The store's files in a directory are regular files, not links. */
int		 store_check_files(const char *, char **);
/*
 * acmd --check-store: open the store in a directory read-only, read every
 * record of every database and check that it decodes; report to out.  0
 * when no problem was found, 1.
 */
int		 store_check(const char *, FILE *);
/* A compacted copy of the store into fd (not closed, not synced). */
int		 store_copy(struct store *, int, char **);
void		 store_free(struct store *);
/* Schema version found on disk before migrations ran. */
uint32_t	 store_schema_found(const struct store *);

/* Keys are 1 to this many bytes (LMDB's limit). */
#define STORE_MAX_KEY	511

/*
 * A transaction carries a sticky error: the first failure of a get, put,
 * del or walk in it (or a store_txn_fail) poisons it, every later call in
 * it fails at once with that error, and store_commit then aborts it and
 * returns the error.  No write can go half-way, and none is left open.
 * Record modules open transactions (store_read, store_write); command
 * handlers do not.
 */
struct store_txn *store_begin(struct store *, int, char **);
int		 store_commit(struct store_txn *, char **);
void		 store_abort(struct store_txn *);
/* Poison t with a reason of the caller's (also into *cause); -1. */
int		 store_txn_fail(struct store_txn *, char **, const char *, ...)
		     __attribute__((format(printf, 3, 4)));
int		 store_txn_failed(const struct store_txn *);
/*
 * One transaction around fn: begun, fn(t, arg, cause) run, then committed
 * (store_write) or ended (store_read); aborted when fn returned -1 or the
 * transaction was poisoned.  -1 with cause.
 */
typedef int (*store_fn)(struct store_txn *, void *, char **);
int		 store_read(struct store *, store_fn, void *, char **);
int		 store_write(struct store *, store_fn, void *, char **);

/*
 * Get returns 1 and a pointer valid until the transaction ends, 0 when
 * absent, -1 with cause.  Del returns 1 if deleted, 0 if absent.
 */
int	store_get(struct store_txn *, enum store_db, const void *, size_t,
	    const void **, size_t *, char **);
int	store_put(struct store_txn *, enum store_db, const void *, size_t,
	    const void *, size_t, char **);
int	store_del(struct store_txn *, enum store_db, const void *, size_t,
	    char **);
/* Convenience with NUL-terminated string keys. */
int	store_gets(struct store_txn *, enum store_db, const char *,
	    const void **, size_t *, char **);
int	store_puts(struct store_txn *, enum store_db, const char *,
	    const void *, size_t, char **);
int	store_dels(struct store_txn *, enum store_db, const char *, char **);

/*
 * Call cb for each record whose key starts with prefix (NULL: all), in
 * key order.  cb returns 0 to go on, 1 to stop, -1 on error (returned).
 */
typedef int (*store_cb)(const void *, size_t, const void *, size_t, void *);
int	store_foreach(struct store_txn *, enum store_db, const void *, size_t,
	    store_cb, void *, char **);
/*
 * The same, from the first key after a key (one the walk visited last,
 * which may be gone since; NULL: from the start), so that a long walk
 * can go on in another transaction.
 */
int	store_foreach_after(struct store_txn *, enum store_db, const void *,
	    size_t, const void *, size_t, store_cb, void *, char **);
/* Number of records in a database. */
size_t	store_count(struct store_txn *, enum store_db);
/* Next value of a named counter in meta (1, 2, ...). */
int	store_next_id(struct store_txn *, const char *, uint64_t *, char **);

/*
 * A counter per database that moves on every put or delete, so that
 * caches of a database's contents know when to rebuild.
 */
uint64_t store_generation(struct store *, enum store_db);
/* Give back the mapped pages touched so far (they are re-read on need). */
void	 store_drop_pages(struct store *);

/*
 * When a write was last refused because the map was full (0: never), and
 * how many were.
 */
time_t	 store_full_at(const struct store *, uint64_t *);

/* Bytes used by the environment (pages in use), and the map size. */
int	store_usage(struct store *, uint64_t *, uint64_t *, char **);

#endif

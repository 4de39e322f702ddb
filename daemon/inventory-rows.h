/*
 * The rows of acm list's cache (inventory-list.c), compact: one
 * allocation per row in an arena of large mapped blocks (not among the
 * heap's small allocations, which a discovery leaves with holes), the
 * strings that repeat from row to row (credentials, regions, accounts,
 * types, statuses) kept once, and nothing the answer adds (its keys, its
 * encoding): the answer is packed from the fields when it is built.
 */
#ifndef ACMD_INVENTORY_ROWS_H
#define ACMD_INVENTORY_ROWS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#define CROW_NONE		UINT32_MAX	/* an absent string */

#define CROW_IAM		0x01	/* DB_IAM's (after DB_ACM's) */
#define CROW_GONE		0x02
#define CROW_IN_USE		0x04	/* in_use_by is not empty */
#define CROW_HAS_NOT_AFTER	0x08	/* days_left is not null */
#define CROW_NOT_AFTER_NUM	0x10	/* else days_left is 0 */
#define CROW_LINKED		0x20	/* linked is not null */

struct inv_crow {
	time_t		 not_after;
	const char	*deployment;	/* its state (the list's), or NULL */
	const char	*credential;	/* kept once for all rows; NULL: none */
	const char	*region;
	const char	*type;
	const char	*status;
	const char	*account;
	uint32_t	 size;		/* bytes taken in the arena */
	uint32_t	 arn;		/* offsets in str, or CROW_NONE */
	uint32_t	 domain;
	uint32_t	 linked;	/* linked's name */
	uint32_t	 sans;		/* nsans strings one after another */
	uint32_t	 nsans;
	uint32_t	 flags;
	char		 str[];		/* the store's key first */
};

static inline const char *
crow_str(const struct inv_crow *r, uint32_t off)
{
	return (off == CROW_NONE ? NULL : r->str + off);
}

/* A row for the record at key of the acm (or iam) database. */
struct inv_crow	*crow_new(int, const char *, const json_t *);
/* A row no longer in the cache (its room is reused at the next compact). */
void		 crow_free(struct inv_crow *);
/*
 * When over a third of the arena is rows freed (or always), move the n
 * rows of v (every row there is) into fresh blocks, in v's order, and
 * give the old ones back.
 */
void		 crow_compact(struct inv_crow **, size_t, int);
/* Every row and kept string gone. */
void		 crow_clear(void);
/* How many distinct strings are kept (bounded by the caller). */
size_t		 crow_nstrings(void);

/*
 * acm list's cache itself (inventory-list.c), for its answer
 * (inventory-answer.c): its n rows in (database, key) order, valid until
 * the cache next changes; where the row after (iam, key) is, or would be
 * (0 for a NULL key); a cursor (inventory.h) moved to a row.
 */
struct inv_cursor;
struct inv_crow *const	*inv_cache_rows(size_t *);
size_t			 inv_cache_after(int, const char *);
void			 inv_cursor_set(struct inv_cursor *,
			    const struct inv_crow *);

#endif

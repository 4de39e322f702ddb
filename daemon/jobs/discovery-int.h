/*
 * Discovery's insides, shared by discovery.c (the run: units, listing,
 * describing) and discovery-store.c (merging what was found).
 */
#ifndef ACMD_DISCOVERY_INT_H
#define ACMD_DISCOVERY_INT_H

#include <stdint.h>

#include <jansson.h>

#include "op.h"

struct store_txn;

struct aws_cred;
struct job;

struct disc_run;
struct disc_org;
struct disc_org_acct;

#define DISC_BATCH	250
/*
 * Certificates of one unit being described at once: the unit reads its
 * listing a page at a time and asks for the next page once this page's
 * certificates are all under way, so memory holds about a page and this
 * many certificates, whatever the inventory's size.
 */
#define DISC_INFLIGHT	64
/* ACM renews its own certificates from 60 days before they expire. */
#define DISC_RENEWAL_WINDOW	(60LL * 86400)

/* One region of one account. */
struct disc_region {
	struct disc_run		*run;
	struct aws_cred		*cred;
	char			*cred_name;
	char			*account;
	char			*region;
	json_t			*batch;		/* key -> record */
	json_t			*page;		/* the summaries being worked */
	size_t			 page_pos;	/* the next one to look at */
	char			*next_token;	/* the page after it */
	int			 listing;	/* pages still coming */
	time_t			 list_start;	/* when the first page was asked */
	int			 pumping;	/* in disc_region_pump */
	/* What the listing had (64-bit hashes of ids; sorted when done). */
	uint64_t		*seen;
	size_t			 nseen, aseen;
	int			 outstanding;	/* certificates in progress */
	int			 iam;		/* the IAM unit of an account */
	struct disc_org_acct	*oacct;		/* an organization's account */
	uint64_t		 found, new, changed, gone, errors;
	uint64_t		 unchanged;	/* kept without a describe */
	char			*error;		/* the first error */
	int			 network;	/* every error: AWS not reached */
	int			 incomplete;	/* the listing failed */
	int			 done;
	/*
	 * The read transaction the listing's certificates are looked up in,
	 * open while a page is worked (disc_region_pump), ended before the
	 * unit writes (disc_flush); see disc_txn.
	 */
	struct store_txn	*txn;
	/*
	 * Its long steps go on in slices (discovery-slice.c): the next one
	 * runs cont from ev, at the loop's lowest priority.
	 */
	struct event		*ev;
	void			(*cont)(struct disc_region *);
	uint64_t		 slice_start;	/* ms: this slice began */
	/* The scan for what is gone: found so far, the last key walked. */
	json_t			*gone_set;
	char			*gone_after;
	size_t			 gone_alen;
};

struct disc_cert {
	struct disc_region	*r;
	char			*arn;
	json_t			*old;		/* the record from before */
	json_t			*summary;
	json_t			*desc;
	json_t			*tags;
	char			*cert;
	char			*chain;
	int			 pending;
	int			 failed;
	char			*name;		/* IAM */
};

struct disc_run {
	struct op_reply		 reply;
	struct job		*job;
	json_t			*creds;
	json_t			*regions;
	struct disc_region	**units;
	size_t			 nunits;
	size_t			 units_done;
	int			 starting;	/* credentials being resolved */
	uint64_t		 started_ms;
	uint64_t		 last_progress;
	uint64_t		 certs_seen;
	uint64_t		 calls_before;
	json_t			*cred_errors;
	json_t			*unreachable;	/* organizations' accounts */
	struct disc_org		*orgs;
	/*
	 * discovery.c's, for discovery-org.c: the account is known, one unit
	 * per region and one for IAM (tagged with the organization's account),
	 * how many were added; finish the run if nothing is left to start
	 * or to end.
	 */
	size_t			(*add_units)(struct disc_run *,
				    struct aws_cred *, const char *,
				    struct disc_org_acct *);
	void			(*maybe_finish)(struct disc_run *);
	int			 full;		/* describe and tag everything */
	int			 whole;		/* every credential and region */
};

/*
 * Merge a record (taken over) and its PEM into the batch, counting new
 * and changed against old, the record from before (or NULL).
 */
void	disc_record(struct disc_region *, const char *, json_t *,
	    const json_t *, const char *, const char *);
/*
 * Write the batch into the inventory, for a slice at most: 1 when some
 * of it is left for the next call.
 */
int	disc_flush(struct disc_region *);
/*
 * The unit's record from before of a certificate (a reference), or NULL;
 * only the fields in keys when it is not NULL.
 */
json_t	*disc_old(struct disc_region *, const char *, const char *const *);
/* The fields disc_unchanged and disc_keep look at. */
extern const char *const disc_keep_keys[];
/* The unit's read transaction (NULL if none can begin), and its end. */
struct store_txn *disc_txn(struct disc_region *);
void	disc_txn_end(struct disc_region *);
/* The listing has the certificate: not gone. */
void	disc_seen(struct disc_region *, const char *);
/*
 * Mark what a complete listing no longer has as gone: 1 when the scan
 * for it goes on in the next slice (call again), 0 once done.
 */
int	disc_mark_gone(struct disc_region *);
/* The inventory's record of a certificate ACM described. */
json_t	*disc_cert_record(const struct disc_cert *);
/*
 * Slices (discovery-slice.c).  disc_slice_begin: a slice of the unit's
 * work begins (a callback of the loop).  disc_slice_over: before each
 * record of a step, with the step's count (0 at its start): 1 when the
 * slice is spent (its time, or ACMD_DISCOVERY_SLICE records: a knob for
 * tests), never before the step's first record.  disc_slice_later: fn
 * goes on in the next slice (what: for the debug log).  disc_slice_free:
 * the unit is freed.
 */
void	disc_slice_begin(struct disc_region *);
int	disc_slice_over(struct disc_region *, size_t *);
void	disc_slice_later(struct disc_region *, void (*)(struct disc_region *),
	    const char *);
void	disc_slice_free(struct disc_region *);
/*
 * 1 when an incremental discovery may keep old, the record from before of
 * the certificate ListCertificates summarised so (no describe needed).
 */
int	disc_unchanged(const json_t *, const json_t *);
/*
 * Keep the record from before (seen now; old may be its disc_keep_keys
 * alone), into the batch when it must be written again.
 */
void	disc_keep(struct disc_region *, const char *, const json_t *);
/* The run's summary (the answer's data), unit by unit. */
json_t	*disc_summary(struct disc_run *);
/*
 * Answer the run (ok, or the units that failed with their errors) and end
 * its job run; 1 when nothing failed.
 */
int	disc_answer(struct disc_run *, json_t *, const char *);
/*
 * Organizations (discovery-org.c).  disc_org_start: when the credential
 * is an organization's, list its accounts and discover each (at most
 * parallel_accounts at once): 1; else 0.  disc_org_unit_done: a unit of
 * an organization's account ended.  disc_org_free: the run ends.
 */
int	disc_org_start(struct disc_run *, const char *);
void	disc_org_unit_done(struct disc_region *);
void	disc_org_free(struct disc_run *);
/* Is a full discovery due (none yet, or the last too old)? */
int	disc_full_due(void);
/* A whole discovery (full or not) ended without failures now. */
void	disc_state_note(int);

#endif

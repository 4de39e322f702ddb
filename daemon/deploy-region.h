/*
 * One region of a deployment (a unit): acmd's earlier ARN there looked
 * at, else the region listed for the same fingerprint, then an import (or
 * none); the record changes queued and written for every unit that
 * finished in the same turn of the event loop in one transaction.  Used
 * by deploy.c's operations only.
 */
#ifndef ACMD_DEPLOY_REGION_H
#define ACMD_DEPLOY_REGION_H

#include <jansson.h>

#include "op.h"

/* A deploy or sync someone asked for: its regions and how they went. */
struct dep_op {
	struct op_reply	 reply;
	size_t		 total;
	size_t		 done;
	json_t		*rows;		/* one per region */
	json_t		*extra;		/* more members for the answer */
};

/*
 * Start deployment key: rec is its record to follow (flags, credential,
 * ARN), version 0 the newest version with a key.  recorded: its intent is
 * on disk already.  op (may be NULL) hears when it is done.
 */
void	dep_unit_start(struct dep_op *, const char *, const json_t *, long,
	    int);
/* The op is answered once every region is done (frees it). */
void	dep_op_done(struct dep_op *);
/* Change one record now, after what units queued; set taken over. */
int	dep_update(const char *, json_t *);
struct dep_unit *dep_active(const char *);

#endif

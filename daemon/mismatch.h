/*
 * Mismatch detection (mismatch.c): every deployment against what ACM
 * holds at its ARN now.
 */
#ifndef ACMD_MISMATCH_H
#define ACMD_MISMATCH_H

#include "op.h"

#define MISMATCH_JOB	"mismatch"

struct job;

/*
 * Check every deployment; reply gets the rows found, {deployment, arn,
 * state, was, error, repair}, once every answer is in.  job: the mismatch
 * job's run this is; NULL: on demand (counted as a run of that job when
 * it is not running).
 */
void	mismatch_check(struct op_reply, struct job *);
/* acmd stops: the checks in flight end as errors. */
void	mismatch_shutdown(void);

#endif

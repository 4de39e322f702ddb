/*
 * How an engine answers whoever asked it for something (a client's
 * command, a scheduled job, another engine) without knowing who: progress
 * now and then, then exactly one end, a result or an error.  An op_reply
 * is passed by value and kept by the engine until it ends; any callback
 * may be NULL (nobody listens).
 */
#ifndef ACMD_OP_H
#define ACMD_OP_H

#include <stdint.h>

#include <jansson.h>

#include "awserr.h"
#include "proto.h"

struct op_error {
	enum proto_error code;
	const char	*message;
	const char	*aws_code;	/* AWS's own code (EAWS), or NULL */
	const char	*arg;		/* the argument at fault, or NULL */
	json_t		*data;		/* what was done before it failed */
};

struct op_reply {
	void	(*progress)(void *, uint64_t, uint64_t, const char *);
	/* result (taken over) when ok, else err; exactly once */
	void	(*done)(void *, json_t *, const struct op_error *);
	void	*arg;
};

/* Nobody listens: results are dropped. */
#define OP_NONE	((struct op_reply){ NULL, NULL, NULL })

void	op_progress(const struct op_reply *, uint64_t, uint64_t, const char *);
/* The result, taken over (NULL: none). */
void	op_ok(const struct op_reply *, json_t *);
void	op_fail(const struct op_reply *, enum proto_error, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* An error about one argument (its key on the wire). */
void	op_fail_arg(const struct op_reply *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * AWS refused (EAWS, its code and message kept), or could not be reached
 * (ENETWORK); the message is the error's own unless one is given.
 */
void	op_fail_aws(const struct op_reply *, const struct aws_error *,
	    const char *);
/* An error with what was done before it (data taken over). */
void	op_fail_data(const struct op_reply *, enum proto_error, json_t *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));

#endif

/*
 * The wire contract between acmd and acmctl.
 *
 * A frame is a 4-byte big-endian length followed by exactly one msgpack
 * map of that many bytes.  Every map has a "kind" (string):
 *
 *   hello     client -> daemon: {kind, version, client}
 *             daemon -> client: {kind, version, daemon}
 *   request   client -> daemon: {kind, id, cmd, args (map)}
 *   progress  daemon -> client: {kind, id, done, total, what}
 *   data      daemon -> client: {kind, id, data}
 *   result    daemon -> client: {kind, id, ok, [note], [data],
 *                                 [error: {code, message, [aws_code], [arg]}]}
 *
 * Every request gets zero or more progress/data frames and then exactly
 * one result frame with the same id.  A failed result may carry data too
 * (what was done before the failure, e.g. a deploy's regions).  note is
 * text for the person (a warning, what to wait for); arg, in an
 * EINVAL_ARG error, is the key of the argument at fault.  A version mismatch in hello is
 * answered with a result (id 0, error EVERSION, the daemon's version)
 * and the connection is closed.
 *
 * Bump PROTO_VERSION on any change to this file's meaning.
 */
#ifndef ACMD_PROTO_H
#define ACMD_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION		2
#define PROTO_MAX_FRAME		(16U * 1024 * 1024)
#define PROTO_HDR_LEN		4
#define PROTO_MAX_ITEMS		(1U << 20)	/* objects in one frame */

#define PROTO_KIND_HELLO	"hello"
#define PROTO_KIND_REQUEST	"request"
#define PROTO_KIND_PROGRESS	"progress"
#define PROTO_KIND_DATA		"data"
#define PROTO_KIND_RESULT	"result"

#define PROTO_DEFAULT_SOCKET	"/run/acmd/acmd.sock"

/* Error codes: a fixed enum, each with a stable string. */
enum proto_error {
	PROTO_OK = 0,
	PROTO_EINVAL_ARG,	/* bad argument */
	PROTO_ENOTFOUND,	/* no such object */
	PROTO_EEXIST,		/* object exists already */
	PROTO_EDENIED,		/* peer not allowed */
	PROTO_EAWS,		/* AWS answered with an error */
	PROTO_EUNKNOWN_CMD,	/* no such command */
	PROTO_EVERSION,		/* protocol version mismatch */
	PROTO_EPROTO,		/* malformed frame or message */
	PROTO_ESTATE,		/* not possible in the object's state */
	PROTO_EBUSY,		/* already running */
	PROTO_EINTERNAL,	/* daemon failure (store, vault, ...) */
	PROTO_EUNSUPPORTED,	/* not supported for this object */
	PROTO_ENETWORK,		/* AWS could not be reached */
	PROTO_NERRORS
};

const char	*proto_error_string(enum proto_error);
/* Returns -1 when the string names no error code. */
int		 proto_error_from_string(const char *);
const char	*proto_error_text(enum proto_error);

/*
 * Command names, shared so that client and daemon tables agree.  The
 * daemon's command table is the authority for what each one takes.
 */
#define CMD_PING		"ping"
#define CMD_STATUS		"status"
#define CMD_AUDIT		"audit"

#endif

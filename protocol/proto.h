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

#define PROTO_VERSION		4
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

/* The members of the frames above. */
#define PROTO_F_KIND		"kind"
#define PROTO_F_VERSION		"version"
#define PROTO_F_CLIENT		"client"	/* hello: the client's name */
#define PROTO_F_DAEMON		"daemon"	/* hello: the daemon's name */
#define PROTO_F_ACCESS		"access"	/* hello: admin or read-only */
#define PROTO_F_ID		"id"
#define PROTO_F_CMD		"cmd"
#define PROTO_F_ARGS		"args"
#define PROTO_F_DONE		"done"
#define PROTO_F_TOTAL		"total"
#define PROTO_F_WHAT		"what"
#define PROTO_F_DATA		"data"
/*
 * In a data frame: its data is an array that the next frames continue,
 * up to the result's (a long list goes out in parts of about
 * PROTO_PART_BYTES, never near PROTO_MAX_FRAME).
 */
#define PROTO_F_PART		"part"
#define PROTO_PART_BYTES	(1024U * 1024)
#define PROTO_F_OK		"ok"
#define PROTO_F_NOTE		"note"
#define PROTO_F_ERROR		"error"
#define PROTO_F_CODE		"code"		/* in error */
#define PROTO_F_MESSAGE		"message"	/* in error */
#define PROTO_F_AWS_CODE	"aws_code"	/* in error */
#define PROTO_F_ARG		"arg"		/* in error */

#define PROTO_ACCESS_ADMIN	"admin"
#define PROTO_ACCESS_READONLY	"read-only"

/* Command names: client and daemon tables use these. */
#define PROTO_CMD_PING			"ping"
#define PROTO_CMD_STATUS		"status"
#define PROTO_CMD_AUDIT			"audit"
#define PROTO_CMD_CREDENTIAL_ADD	"credential.add"
#define PROTO_CMD_CREDENTIAL_LIST	"credential.list"
#define PROTO_CMD_CREDENTIAL_REMOVE	"credential.remove"
#define PROTO_CMD_CREDENTIAL_TEST	"credential.test"
#define PROTO_CMD_CERT_ADD		"cert.add"
#define PROTO_CMD_CERT_LIST		"cert.list"
#define PROTO_CMD_CERT_SHOW		"cert.show"
#define PROTO_CMD_CERT_RENEW		"cert.renew"
#define PROTO_CMD_CERT_EXPORT		"cert.export"
#define PROTO_CMD_CERT_DELETE		"cert.delete"
#define PROTO_CMD_DISCOVER		"discover"
#define PROTO_CMD_ACM_LIST		"acm.list"
#define PROTO_CMD_ACM_SHOW		"acm.show"
#define PROTO_CMD_IAM_LIST		"iam.list"
#define PROTO_CMD_DELETE		"delete"
#define PROTO_CMD_DEPLOY		"deploy"
#define PROTO_CMD_DEPLOY_LIST		"deploy.list"
#define PROTO_CMD_DEPLOY_SHOW		"deploy.show"
#define PROTO_CMD_DEPLOY_REMOVE		"deploy.remove"
#define PROTO_CMD_DEPLOY_CHECK		"deploy.check"
#define PROTO_CMD_SYNC			"sync"
#define PROTO_CMD_REQUEST_PUBLIC	"request.public"
#define PROTO_CMD_REQUEST_PRIVATE	"request.private"
#define PROTO_CMD_REQUEST_LIST		"request.list"
#define PROTO_CMD_REQUEST_SHOW		"request.show"
#define PROTO_CMD_REQUEST_RECORDS	"request.records"
#define PROTO_CMD_REQUEST_SYNC		"request.sync"
#define PROTO_CMD_REQUEST_CHALLENGE	"request.deploy-challenge"
#define PROTO_CMD_REQUEST_RESEND	"request.resend-email"
#define PROTO_CMD_REQUEST_AUTO_EXPORT	"request.auto-export"
#define PROTO_CMD_CA_LIST		"ca.list"
#define PROTO_CMD_RENEW			"renew"
#define PROTO_CMD_REVOKE		"revoke"
#define PROTO_CMD_FETCH_KEY		"fetch-key"
#define PROTO_CMD_NOTIFY_TEST		"notify.test"
#define PROTO_CMD_NOTIFY_CHECK		"notify.check"

/* Argument keys (the members of a request's args). */
#define PROTO_A_ACCESS_KEY	"access_key"
#define PROTO_A_ACCOUNT		"account"
#define PROTO_A_ALL		"all"
#define PROTO_A_ALL_REGIONS	"all_regions"
#define PROTO_A_ARN		"arn"
#define PROTO_A_AUTO_EXPORT	"auto_export"
#define PROTO_A_AUTO_REDEPLOY	"auto_redeploy"
#define PROTO_A_AUTO_ZONE	"auto_zone"
#define PROTO_A_CA		"ca"
#define PROTO_A_CERT_PEM	"cert_pem"
#define PROTO_A_CHAIN_PEM	"chain_pem"
#define PROTO_A_CREDENTIAL	"credential"
#define PROTO_A_DOMAIN		"domain"
#define PROTO_A_ENV		"env"
#define PROTO_A_EXCLUDE_ACCOUNT	"exclude_account"
#define PROTO_A_EXPIRING	"expiring"
#define PROTO_A_EXPORTABLE	"exportable"
#define PROTO_A_EXTERNAL_ID	"external_id"
#define PROTO_A_HOSTED_ZONE	"hosted_zone"
#define PROTO_A_FULL		"full"
#define PROTO_A_ID		"id"
#define PROTO_A_INCLUDE_OU	"include_ou"
#define PROTO_A_KEY_ALGORITHM	"key_algorithm"
#define PROTO_A_KEY_PEM		"key_pem"
#define PROTO_A_LIMIT		"limit"
#define PROTO_A_MANUAL_DNS	"manual_dns"
#define PROTO_A_NAME		"name"
#define PROTO_A_NO_WAIT		"no_wait"
#define PROTO_A_OFF		"off"
#define PROTO_A_ORGANIZATION	"organization"
#define PROTO_A_PASSPHRASE	"passphrase"
#define PROTO_A_PROFILE		"profile"
#define PROTO_A_REASON		"reason"
#define PROTO_A_REGION		"region"
#define PROTO_A_REPLACE		"replace"
#define PROTO_A_ROLE_ARN	"role_arn"
#define PROTO_A_ROLE_NAME	"role_name"
#define PROTO_A_SAN		"san"
#define PROTO_A_SECRET		"secret"
#define PROTO_A_SESSION_TOKEN	"session_token"
#define PROTO_A_STATUS		"status"
#define PROTO_A_TAG		"tag"
#define PROTO_A_TARGET		"target"
#define PROTO_A_TYPE		"type"
#define PROTO_A_VALIDATION	"validation"
#define PROTO_A_VERSION		"version"
#define PROTO_A_WITH_KEY	"with_key"
#define PROTO_A_YES		"yes"

/*
 * What each command takes: its arguments, each with a type, whether it is
 * required, and bounds.  acmd refuses a request whose arguments do not fit
 * (an unknown key, a wrong type, too long, too many) before the command
 * runs, naming the argument; acmctl builds its requests from the same
 * declarations (a test fails when its options drift from them).
 */
enum proto_type {
	PROTO_T_STR,		/* a string */
	PROTO_T_STRV,		/* an array of strings */
	PROTO_T_BOOL,
	PROTO_T_UINT,		/* a non-negative integer */
};

#define PROTO_ARG_REQUIRED	0x1
#define PROTO_ARG_SECRET	0x2	/* never logged or audited */
#define PROTO_ARG_NONEMPTY	0x4	/* a string: not "" */

struct proto_arg {
	const char	*key;
	enum proto_type	 type;
	unsigned int	 flags;
	size_t		 max_len;	/* bytes of a string (each string) */
	size_t		 max_items;	/* strings of an array */
};

struct proto_cmd {
	const char		*name;
	const struct proto_arg	*args;	/* ends with a NULL key */
};

extern const struct proto_cmd	proto_cmds[];	/* ends with a NULL name */

const struct proto_cmd	*proto_cmd_find(const char *);
const struct proto_arg	*proto_arg_find(const struct proto_cmd *, const char *);
const char		*proto_type_name(enum proto_type);

#endif

/*
 * Commands: one table entry per command, defined with designated
 * initialisers in its family's cmd-*.c file and gathered in cmd.c.
 *
 * exec is called with a context for one request.  Every context gets
 * exactly one cmd_reply_ok / cmd_reply_error call, now or later (an
 * asynchronous command keeps the context); that call frees it.  When the
 * client goes away first, replies are dropped quietly.
 */
#ifndef ACMD_CMD_H
#define ACMD_CMD_H

#include <sys/types.h>
#include <stdint.h>

#include <jansson.h>
#include <msgpack.h>

#include "mp.h"
#include "op.h"
#include "proto.h"
#include "store.h"

#define CMD_READONLY	0x1	/* the read-only group may run it */
#define CMD_NOAUDIT	0x2	/* admin only, changes nothing: not audited */
/*
 * Its answer goes out over turns of the loop as the client reads it: the
 * client's next requests wait until it is whole (one at a time, as when
 * answers came at once), and a client that stops reading it is idle.
 */
#define CMD_STREAM	0x4

struct client;
struct cmd_ctx;

struct cmd_entry {
	const char	*name;
	const char	*usage;
	int		 flags;
	void		(*exec)(struct cmd_ctx *);
};

/*
 * How answers leave, given by the server with each context: send queues
 * one frame to the client (nothing once it has gone), head then tail;
 * with done set the tail goes by reference and done(tail, len, arg) runs
 * once it has left or will not (maybe before send returns), else it is
 * copied.  finish ends the context (after its one result) and frees it.
 */
struct cmd_io {
	void	(*send)(struct cmd_ctx *, struct mp_buf *, const void *, size_t,
		    void (*)(const void *, size_t, void *), void *);
	void	(*finish)(struct cmd_ctx *);
	/* Bytes sent and not read by the client yet. */
	size_t	(*queued)(const struct cmd_ctx *);
};

struct cmd_ctx {
	struct client		*client;	/* NULL once it has gone */
	const struct cmd_io	*io;
	uint64_t		 id;
	const struct cmd_entry	*entry;
	const msgpack_object	*args;	/* valid during exec only */
	uid_t			 uid;
	pid_t			 pid;
	char			*note;	/* for the person: sent with the result */
	struct cmd_ctx		*next;	/* client's pending list */
};

extern const struct cmd_entry *const cmd_table[];

const struct cmd_entry *cmd_find(const char *);
/*
 * Run the command name for a request (ctx has client, io, id, uid, pid):
 * unknown commands, a read-only peer's state-changing command and
 * arguments that do not fit the command's declaration (proto.h) are
 * refused; the rest is audited and run.  args lives during the call.
 */
void	cmd_dispatch(struct cmd_ctx *, const char *, const msgpack_object *,
	    int);
/*
 * Send the final result: data may be NULL (packed msgpack, one object).
 * A big one is taken over, not copied (data is left empty).
 */
void	cmd_reply_ok(struct cmd_ctx *, struct mp_buf *);
/*
 * The same with data the caller keeps, sent by reference: it must not
 * change until done(data, len, arg) has run (maybe before this returns).
 */
void	cmd_reply_ok_ref(struct cmd_ctx *, const void *, size_t,
	    void (*)(const void *, size_t, void *), void *);
/*
 * A list in parts: n rows packed one after another (len bytes), sent by
 * reference (they must not change until done has run), part by part as
 * the caller has them; the last part comes with the result, and done(rows,
 * len, arg) runs once all the parts have gone out (maybe before this
 * returns).
 */
void	cmd_reply_part(struct cmd_ctx *, const void *, size_t, size_t);
void	cmd_reply_rows_last(struct cmd_ctx *, const void *, size_t, size_t,
	    void (*)(const void *, size_t, void *), void *);
void	cmd_reply_error(struct cmd_ctx *, enum proto_error, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * EINVAL_ARG about one argument: the error names it (arg, its key on the
 * wire) so that the client can say which option the user got wrong.
 */
void	cmd_reply_arg_error(struct cmd_ctx *, const char *, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* An error with data (what was done, taken over) for the client. */
void	cmd_reply_error_json(struct cmd_ctx *, enum proto_error, json_t *,
	    const char *, ...) __attribute__((format(printf, 4, 5)));
/*
 * A note for the person (a warning, what to wait for), sent with the
 * result whatever it is; acmctl prints it on standard error.
 */
void	cmd_note(struct cmd_ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
/* An AWS error keeps AWS's code and message. */
void	cmd_reply_aws(struct cmd_ctx *, const char *, const char *);
void	cmd_progress(struct cmd_ctx *, uint64_t, uint64_t, const char *);
void	cmd_data(struct cmd_ctx *, struct mp_buf *);
/*
 * Reply with the rows that cb adds to rows (taken over) for every record
 * of a database (under prefix), or with the store's error.
 */
void	cmd_reply_walk(struct cmd_ctx *, enum store_db, const char *,
	    int (*)(const char *, json_t *, void *), json_t *);
/* Reply with a JSON value as the data (taken over; NULL: none). */
void	cmd_reply_json(struct cmd_ctx *, json_t *);
void	cmd_data_json(struct cmd_ctx *, json_t *);
/*
 * Argument getters: 0 with the value (or untouched when absent and not
 * required), -1 after replying EINVAL_ARG to the client.
 */
int	cmd_arg_str(struct cmd_ctx *, const char *, int, char **);
/* An answer holding a secret: wiped once it is sent. */
void	cmd_reply_json_secret(struct cmd_ctx *, json_t *);
/* As cmd_arg_str, the copy in the secure heap: free with xfree_secret. */
int	cmd_arg_secret(struct cmd_ctx *, const char *, int, char **);
int	cmd_arg_strv(struct cmd_ctx *, const char *, int, char ***, size_t *);
/* --account ID with an organization's credential (cmd-credential.c):
 * *credential becomes the account's; -1 after replying why not. */
int	cmd_arg_org_account(struct cmd_ctx *, char **);
int	cmd_arg_bool(struct cmd_ctx *, const char *, int *);
int	cmd_arg_uint(struct cmd_ctx *, const char *, uint64_t *);
/*
 * --tag KEY=VALUE...: [{Key, Value}] (taken over by the caller), NULL when
 * none is given; -1 after replying for a malformed one.
 */
#define CMD_TAG_KEY_MAX		128	/* ACM's limits */
#define CMD_TAG_VALUE_MAX	256
int	cmd_arg_tags(struct cmd_ctx *, const char *, json_t **);
/* An engine's answers go to the command's client (op.h). */
struct op_reply cmd_op(struct cmd_ctx *);
/* True while the client that asked is still connected. */
int	cmd_client_alive(struct cmd_ctx *);

/* Table entries, one per command, from the cmd-*.c files. */
extern const struct cmd_entry cmd_ping_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_audit_entry;
extern const struct cmd_entry cmd_credential_add_entry;
extern const struct cmd_entry cmd_credential_list_entry;
extern const struct cmd_entry cmd_credential_remove_entry;
extern const struct cmd_entry cmd_credential_test_entry;
extern const struct cmd_entry cmd_cert_add_entry;
extern const struct cmd_entry cmd_cert_list_entry;
extern const struct cmd_entry cmd_cert_show_entry;
extern const struct cmd_entry cmd_cert_renew_entry;
extern const struct cmd_entry cmd_cert_export_entry;
extern const struct cmd_entry cmd_cert_delete_entry;
extern const struct cmd_entry cmd_discover_entry;
extern const struct cmd_entry cmd_acm_list_entry;
extern const struct cmd_entry cmd_acm_show_entry;
extern const struct cmd_entry cmd_iam_list_entry;
extern const struct cmd_entry cmd_deploy_entry;
extern const struct cmd_entry cmd_deploy_list_entry;
extern const struct cmd_entry cmd_deploy_show_entry;
extern const struct cmd_entry cmd_deploy_remove_entry;
extern const struct cmd_entry cmd_deploy_check_entry;
extern const struct cmd_entry cmd_sync_entry;
extern const struct cmd_entry cmd_request_public_entry;
extern const struct cmd_entry cmd_request_private_entry;
extern const struct cmd_entry cmd_request_list_entry;
extern const struct cmd_entry cmd_request_show_entry;
extern const struct cmd_entry cmd_request_records_entry;
extern const struct cmd_entry cmd_request_sync_entry;
extern const struct cmd_entry cmd_request_challenge_entry;
extern const struct cmd_entry cmd_request_resend_entry;
extern const struct cmd_entry cmd_request_auto_export_entry;
extern const struct cmd_entry cmd_notify_test_entry;
extern const struct cmd_entry cmd_notify_check_entry;
extern const struct cmd_entry cmd_ca_list_entry;
extern const struct cmd_entry cmd_renew_entry;
extern const struct cmd_entry cmd_revoke_entry;
extern const struct cmd_entry cmd_fetch_key_entry;
extern const struct cmd_entry cmd_delete_entry;

#endif

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "mp.h"
#include "mpjson.h"
#include "rec.h"
#include "proto.h"
#include "server.h"
#include "xmalloc.h"

/* The one table: every command acmd knows. */
const struct cmd_entry *const cmd_table[] = {
	&cmd_ping_entry,
	&cmd_status_entry,
	&cmd_audit_entry,
	&cmd_credential_add_entry,
	&cmd_credential_list_entry,
	&cmd_credential_remove_entry,
	&cmd_credential_test_entry,
	&cmd_cert_add_entry,
	&cmd_cert_list_entry,
	&cmd_cert_show_entry,
	&cmd_cert_renew_entry,
	&cmd_cert_export_entry,
	&cmd_cert_delete_entry,
	&cmd_discover_entry,
	&cmd_acm_list_entry,
	&cmd_acm_show_entry,
	&cmd_iam_list_entry,
	&cmd_deploy_entry,
	&cmd_deploy_list_entry,
	&cmd_deploy_show_entry,
	&cmd_deploy_remove_entry,
	&cmd_deploy_check_entry,
	&cmd_sync_entry,
	&cmd_request_public_entry,
	&cmd_request_private_entry,
	&cmd_request_list_entry,
	&cmd_request_show_entry,
	&cmd_request_records_entry,
	&cmd_request_sync_entry,
	&cmd_request_challenge_entry,
	&cmd_request_resend_entry,
	&cmd_notify_test_entry,
	&cmd_notify_check_entry,
	&cmd_ca_list_entry,
	&cmd_renew_entry,
	&cmd_revoke_entry,
	&cmd_fetch_key_entry,
	&cmd_delete_entry,
	NULL
};

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t	 i;

	for (i = 0; cmd_table[i] != NULL; i++) {
		if (strcmp(cmd_table[i]->name, name) == 0)
			return (cmd_table[i]);
	}
	return (NULL);
}

/* Data from this size on leaves by reference, not copied. */
#define CMD_REF_MIN	(64 * 1024)

static void
cmd_free_data(const void *data, size_t len, void *arg)
{
	free((void *)data);
}

/*
 * The result's head: kind, id, ok, the note if the command left one, and
 * room for extra more members (data, error) the caller packs after it.
 */
static struct mp_buf *
cmd_result_head(struct cmd_ctx *ctx, int ok, int extra)
{
	struct mp_buf	*b;

	b = mp_buf_new();
	mp_map(b, 3 + extra + (ctx->note != NULL));
	mp_kstr(b, "kind", PROTO_KIND_RESULT);
	mp_kuint(b, "id", ctx->id);
	mp_kbool(b, "ok", ok);
	if (ctx->note != NULL)
		mp_kstr(b, "note", ctx->note);
	return (b);
}

static void
cmd_result(struct cmd_ctx *ctx, int ok, struct mp_buf *data,
    enum proto_error code, const char *msg, const char *aws_code,
    const char *arg)
{
	struct mp_buf	*b;
	size_t		 len;

	b = cmd_result_head(ctx, ok, ok ? 1 : 1 + (data != NULL));
	if (ok) {
		mp_str(b, "data");
		if (data != NULL && data->sb.size >= CMD_REF_MIN) {
			/* Taken over: the evbuffer frees it once sent. */
			len = data->sb.size;
			server_send_ref(ctx, b, msgpack_sbuffer_release(&data->sb),
			    len, cmd_free_data, NULL);
			mp_buf_free(b);
			server_ctx_done(ctx);
			return;
		}
		if (data != NULL && data->sb.size > 0) {
			/* The data goes out as the frame's tail. */
			server_send2(ctx, b, data);
			mp_buf_free(b);
			server_ctx_done(ctx);
			return;
		}
		mp_nil(b);
	} else {
		mp_str(b, "error");
		mp_map(b, 2 + (aws_code != NULL) + (arg != NULL));
		mp_kstr(b, "code", proto_error_string(code));
		mp_kstr(b, "message", msg);
		if (aws_code != NULL)
			mp_kstr(b, "aws_code", aws_code);
		if (arg != NULL)
			mp_kstr(b, "arg", arg);
		if (data != NULL) {
			/* What was done before the failure, for the client. */
			mp_str(b, "data");
			server_send2(ctx, b, data);
			mp_buf_free(b);
			server_ctx_done(ctx);
			return;
		}
	}
	server_send(ctx, b);
	mp_buf_free(b);
	server_ctx_done(ctx);
}

void
cmd_reply_ok(struct cmd_ctx *ctx, struct mp_buf *data)
{
	cmd_result(ctx, 1, data, PROTO_OK, NULL, NULL, NULL);
}

void
cmd_reply_ok_ref(struct cmd_ctx *ctx, const void *data, size_t len,
    void (*done)(const void *, size_t, void *), void *arg)
{
	struct mp_buf	*b;

	b = cmd_result_head(ctx, 1, 1);
	mp_str(b, "data");
	server_send_ref(ctx, b, data, len, done, arg);
	mp_buf_free(b);
	server_ctx_done(ctx);
}

void
cmd_reply_error(struct cmd_ctx *ctx, enum proto_error code, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	log_debug("command %s from pid %ld failed: %s",
	    ctx->entry != NULL ? ctx->entry->name : "?", (long)ctx->pid, msg);
	cmd_result(ctx, 0, NULL, code, msg, NULL, NULL);
	free(msg);
}

void
cmd_reply_arg_error(struct cmd_ctx *ctx, const char *arg, const char *fmt,
    ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	log_debug("command %s from pid %ld: argument %s: %s",
	    ctx->entry != NULL ? ctx->entry->name : "?", (long)ctx->pid, arg,
	    msg);
	cmd_result(ctx, 0, NULL, PROTO_EINVAL_ARG, msg, NULL, arg);
	free(msg);
}

void
cmd_reply_error_json(struct cmd_ctx *ctx, enum proto_error code, json_t *j,
    const char *fmt, ...)
{
	struct mp_buf	*b;
	va_list		 ap;
	char		*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	b = mp_buf_new();
	mp_pack_json(b, j);
	json_decref(j);
	cmd_result(ctx, 0, b, code, msg, NULL, NULL);
	mp_buf_free(b);
	free(msg);
}

void
cmd_note(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg, *both;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (ctx->note != NULL) {
		xasprintf(&both, "%s\n%s", ctx->note, msg);
		free(msg);
		msg = both;
	}
	free(ctx->note);
	ctx->note = msg;
}

void
cmd_reply_aws(struct cmd_ctx *ctx, const char *aws_code, const char *message)
{
	char	*msg;

	xasprintf(&msg, "%s: %s", aws_code, message);
	cmd_result(ctx, 0, NULL, PROTO_EAWS, msg, aws_code, NULL);
	free(msg);
}

void
cmd_progress(struct cmd_ctx *ctx, uint64_t done, uint64_t total,
    const char *what)
{
	struct mp_buf	*b;

	if (ctx->client == NULL)
		return;
	b = mp_buf_new();
	mp_map(b, 5);
	mp_kstr(b, "kind", PROTO_KIND_PROGRESS);
	mp_kuint(b, "id", ctx->id);
	mp_kuint(b, "done", done);
	mp_kuint(b, "total", total);
	mp_kstr(b, "what", what);
	server_send(ctx, b);
	mp_buf_free(b);
}

void
cmd_data(struct cmd_ctx *ctx, struct mp_buf *data)
{
	struct mp_buf	*b;

	if (ctx->client == NULL)
		return;
	b = mp_buf_new();
	mp_map(b, 3);
	mp_kstr(b, "kind", PROTO_KIND_DATA);
	mp_kuint(b, "id", ctx->id);
	mp_str(b, "data");
	mp_raw(b, data->sb.data, data->sb.size);
	server_send(ctx, b);
	mp_buf_free(b);
}

int
cmd_client_alive(struct cmd_ctx *ctx)
{
	return (ctx->client != NULL);
}

void
cmd_reply_json(struct cmd_ctx *ctx, json_t *j)
{
	struct mp_buf	*b;

	if (j == NULL) {
		cmd_reply_ok(ctx, NULL);
		return;
	}
	b = mp_buf_new();
	mp_pack_json(b, j);
	json_decref(j);
	cmd_reply_ok(ctx, b);
	mp_buf_free(b);
}

void
cmd_data_json(struct cmd_ctx *ctx, json_t *j)
{
	struct mp_buf	*b;

	b = mp_buf_new();
	mp_pack_json(b, j);
	json_decref(j);
	cmd_data(ctx, b);
	mp_buf_free(b);
}

static int
cmd_arg_result(struct cmd_ctx *ctx, const char *key, int required, int ret,
    char *cause)
{
	if (ret == -1) {
		cmd_reply_arg_error(ctx, key, "%s", cause != NULL ? cause :
		    "bad argument");
		free(cause);
		return (-1);
	}
	if (ret == 0 && required) {
		cmd_reply_arg_error(ctx, key, "'%s' is required", key);
		return (-1);
	}
	return (0);
}

int
cmd_arg_str(struct cmd_ctx *ctx, const char *key, int required, char **out)
{
	char	*cause = NULL;
	int	 ret;

	ret = mp_get_str(ctx->args, key, out, &cause);
	if (ret == 1 && **out == '\0' && required)
		ret = 0;
	return (cmd_arg_result(ctx, key, required, ret, cause));
}

int
cmd_arg_strv(struct cmd_ctx *ctx, const char *key, int required, char ***out,
    size_t *n)
{
	char	*cause = NULL;

	return (cmd_arg_result(ctx, key, required,
	    mp_get_strv(ctx->args, key, out, n, &cause), cause));
}

int
cmd_arg_bool(struct cmd_ctx *ctx, const char *key, int *out)
{
	char	*cause = NULL;

	return (cmd_arg_result(ctx, key, 0, mp_get_bool(ctx->args, key, out,
	    &cause), cause));
}

int
cmd_arg_uint(struct cmd_ctx *ctx, const char *key, uint64_t *out)
{
	char	*cause = NULL;

	return (cmd_arg_result(ctx, key, 0, mp_get_uint(ctx->args, key, out,
	    &cause), cause));
}

void
cmd_reply_walk(struct cmd_ctx *ctx, enum store_db db, const char *prefix,
    int (*cb)(const char *, json_t *, void *), json_t *rows)
{
	char	*cause = NULL;

	if (rec_walk(db, prefix, cb, rows, &cause) != 0) {
		json_decref(rows);
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause != NULL ?
		    cause : "store walk failed");
		free(cause);
		return;
	}
	cmd_reply_json(ctx, rows);
}

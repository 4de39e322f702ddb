#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "log.h"
#include "mp.h"
#include "mpjson.h"
#include "rec.h"
#include "proto.h"
#include "xmalloc.h"

/* The one table: every command acmd knows. */
/* Data from this size on leaves by reference, not copied. */
#define CMD_REF_MIN	(64 * 1024)

static void
cmd_free_data(const void *data, size_t len, void *arg)
{
	free((void *)data);
}

/* One frame to the client (when it is still there), tail copied. */
static void
cmd_send(struct cmd_ctx *ctx, struct mp_buf *head, const void *tail,
    size_t len)
{
	ctx->io->send(ctx, head, tail, len, NULL, NULL);
}

/* The context is answered: the server forgets and frees it. */
static void
cmd_finish(struct cmd_ctx *ctx)
{
	ctx->io->finish(ctx);
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
	mp_kstr(b, PROTO_F_KIND, PROTO_KIND_RESULT);
	mp_kuint(b, PROTO_F_ID, ctx->id);
	mp_kbool(b, PROTO_F_OK, ok);
	if (ctx->note != NULL)
		mp_kstr(b, PROTO_F_NOTE, ctx->note);
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
		mp_str(b, PROTO_F_DATA);
		if (data != NULL && data->sb.size >= CMD_REF_MIN) {
			/* Taken over: the evbuffer frees it once sent. */
			len = data->sb.size;
			ctx->io->send(ctx, b, msgpack_sbuffer_release(&data->sb),
			    len, cmd_free_data, NULL);
		} else if (data != NULL && data->sb.size > 0) {
			/* The data goes out as the frame's tail. */
			cmd_send(ctx, b, data->sb.data, data->sb.size);
		} else {
			mp_nil(b);
			cmd_send(ctx, b, NULL, 0);
		}
	} else {
		mp_str(b, PROTO_F_ERROR);
		mp_map(b, 2 + (aws_code != NULL) + (arg != NULL));
		mp_kstr(b, PROTO_F_CODE, proto_error_string(code));
		mp_kstr(b, PROTO_F_MESSAGE, msg);
		if (aws_code != NULL)
			mp_kstr(b, PROTO_F_AWS_CODE, aws_code);
		if (arg != NULL)
			mp_kstr(b, PROTO_F_ARG, arg);
		if (data != NULL) {
			/* What was done before the failure, for the client. */
			mp_str(b, PROTO_F_DATA);
			cmd_send(ctx, b, data->sb.data, data->sb.size);
		} else
			cmd_send(ctx, b, NULL, 0);
	}
	mp_buf_free(b);
	cmd_finish(ctx);
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
	mp_str(b, PROTO_F_DATA);
	ctx->io->send(ctx, b, data, len, done, arg);
	mp_buf_free(b);
	cmd_finish(ctx);
}

/* A part before the last: the buffer is the last part's to give back. */
static void
cmd_part_sent(const void *data, size_t len, void *arg)
{
}

void
cmd_reply_part(struct cmd_ctx *ctx, const void *rows, size_t len, size_t n)
{
	struct mp_buf	*b;

	b = mp_buf_new();
	mp_map(b, 4);
	mp_kstr(b, PROTO_F_KIND, PROTO_KIND_DATA);
	mp_kuint(b, PROTO_F_ID, ctx->id);
	mp_kbool(b, PROTO_F_PART, 1);
	mp_str(b, PROTO_F_DATA);
	mp_array(b, n);
	ctx->io->send(ctx, b, rows, len, cmd_part_sent, NULL);
	mp_buf_free(b);
}

void
cmd_reply_rows_last(struct cmd_ctx *ctx, const void *rows, size_t len,
    size_t n, void (*done)(const void *, size_t, void *), void *arg)
{
	struct mp_buf	*b;

	b = cmd_result_head(ctx, 1, 1);
	mp_str(b, PROTO_F_DATA);
	mp_array(b, n);
	/* The last part carries done: the parts before it have gone then. */
	ctx->io->send(ctx, b, rows, len, done, arg);
	mp_buf_free(b);
	cmd_finish(ctx);
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
	mp_kstr(b, PROTO_F_KIND, PROTO_KIND_PROGRESS);
	mp_kuint(b, PROTO_F_ID, ctx->id);
	mp_kuint(b, PROTO_F_DONE, done);
	mp_kuint(b, PROTO_F_TOTAL, total);
	mp_kstr(b, PROTO_F_WHAT, what);
	cmd_send(ctx, b, NULL, 0);
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
	mp_kstr(b, PROTO_F_KIND, PROTO_KIND_DATA);
	mp_kuint(b, PROTO_F_ID, ctx->id);
	mp_str(b, PROTO_F_DATA);
	cmd_send(ctx, b, data->sb.data, data->sb.size);
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

static void
cmd_secret_sent(const void *data, size_t len, void *arg)
{
	mp_buf_free_secret(arg);
}

/*
 * An answer with a secret in it (an exported key): packed into one
 * buffer sized from the JSON's length (msgpack is never longer than
 * twice it), sent by reference rather than copied, and wiped once sent.
 */
void
cmd_reply_json_secret(struct cmd_ctx *ctx, json_t *j)
{
	struct mp_buf	*b;
	size_t		 size;

	size = json_dumpb(j, NULL, 0, JSON_COMPACT) * 2 + 1024;
	b = mp_buf_new_secret(size);
	mp_pack_json(b, j);
	json_decref(j);
	if (b->sb.alloc != size)
		fatalx("cmd: a secret answer outgrew its buffer");
	cmd_reply_ok_ref(ctx, b->sb.data, b->sb.size, cmd_secret_sent, b);
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
cmd_arg_secret(struct cmd_ctx *ctx, const char *key, int required,
    char **out)
{
	char	*s = NULL;
	int	 ret;

	ret = cmd_arg_str(ctx, key, required, &s);
	if (s != NULL) {
		*out = xstrdup_secret(s);
		xfree_secret(s, strlen(s));
	}
	return (ret);
}

/*
 * (The getter runs before cmd_arg_result is called: C leaves the order in
 * which a call's arguments are evaluated open, so the cause it sets must
 * not be read in the same call.)
 */
int
cmd_arg_strv(struct cmd_ctx *ctx, const char *key, int required, char ***out,
    size_t *n)
{
	char	*cause = NULL;
	int	 ret;

	ret = mp_get_strv(ctx->args, key, out, n, &cause);
	return (cmd_arg_result(ctx, key, required, ret, cause));
}

int
cmd_arg_bool(struct cmd_ctx *ctx, const char *key, int *out)
{
	char	*cause = NULL;
	int	 ret;

	ret = mp_get_bool(ctx->args, key, out, &cause);
	return (cmd_arg_result(ctx, key, 0, ret, cause));
}

int
cmd_arg_uint(struct cmd_ctx *ctx, const char *key, uint64_t *out)
{
	char	*cause = NULL;
	int	 ret;

	ret = mp_get_uint(ctx->args, key, out, &cause);
	return (cmd_arg_result(ctx, key, 0, ret, cause));
}

int
cmd_arg_tags(struct cmd_ctx *ctx, const char *key, json_t **out)
{
	char	**v = NULL, *eq;
	size_t	 n = 0, i;
	json_t	*tags;

	*out = NULL;
	if (cmd_arg_strv(ctx, key, 0, &v, &n) != 0)
		return (-1);
	if (v == NULL)
		return (0);
	tags = json_array();
	for (i = 0; i < n; i++) {
		/* ACM's limits: a key of 1 to 128, a value up to 256. */
		if ((eq = strchr(v[i], '=')) == NULL || eq == v[i] ||
		    eq - v[i] > CMD_TAG_KEY_MAX ||
		    strlen(eq + 1) > CMD_TAG_VALUE_MAX) {
			cmd_reply_arg_error(ctx, key, "tag '%s' is not KEY=VALUE "
			    "(key up to %d, value up to %d characters)", v[i],
			    CMD_TAG_KEY_MAX, CMD_TAG_VALUE_MAX);
			json_decref(tags);
			mp_strv_free(v);
			return (-1);
		}
		*eq = '\0';
		json_array_append_new(tags, json_pack("{s:s, s:s}", "Key", v[i],
		    "Value", eq + 1));
	}
	mp_strv_free(v);
	*out = tags;
	return (0);
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

static void
cmd_op_progress(void *arg, uint64_t done, uint64_t total, const char *what)
{
	cmd_progress(arg, done, total, what);
}

static void
cmd_op_done(void *arg, json_t *result, const struct op_error *e)
{
	struct cmd_ctx	*ctx = arg;
	struct mp_buf	*b = NULL;

	if (e == NULL) {
		cmd_reply_json(ctx, result);
		return;
	}
	if (e->data != NULL) {
		b = mp_buf_new();
		mp_pack_json(b, e->data);
	}
	cmd_result(ctx, 0, b, e->code, e->message, e->aws_code, e->arg);
	mp_buf_free(b);
}

struct op_reply
cmd_op(struct cmd_ctx *ctx)
{
	return ((struct op_reply){ cmd_op_progress, cmd_op_done, ctx });
}

/*
 * The daemon's commands: the table of entries and the one way in.  A
 * request is checked here against its declaration in protocol/commands.c
 * (unknown, repeated, ill-typed or oversized arguments are refused, naming
 * the argument) before its entry runs.
 */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cmd.h"
#include "mp.h"
#include "proto.h"

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
	&cmd_request_auto_export_entry,
	&cmd_notify_test_entry,
	&cmd_notify_check_entry,
	&cmd_ca_list_entry,
	&cmd_renew_entry,
	&cmd_revoke_entry,
	&cmd_fetch_key_entry,
	&cmd_delete_entry,
	NULL
};

/* Whether one argument fits its declaration; NULL or why not. */
static const char *
cmd_arg_misfit(const struct proto_arg *a, const msgpack_object *v,
    char *buf, size_t len)
{
	uint32_t	 i;

	switch (a->type) {
	case PROTO_T_BOOL:
		return (v->type == MSGPACK_OBJECT_BOOLEAN ? NULL :
		    "must be true or false");
	case PROTO_T_UINT:
		return (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? NULL :
		    "must be a whole number, 0 or more");
	case PROTO_T_STR:
		if (v->type != MSGPACK_OBJECT_STR)
			return ("must be a string");
		if (v->via.str.size > a->max_len) {
			snprintf(buf, len, "is longer than %zu bytes",
			    a->max_len);
			return (buf);
		}
		if ((a->flags & PROTO_ARG_NONEMPTY) && v->via.str.size == 0)
			return ("must not be empty");
		if (memchr(v->via.str.ptr, '\0', v->via.str.size) != NULL)
			return ("must not hold a NUL byte");
		return (NULL);
	case PROTO_T_STRV:
		if (v->type == MSGPACK_OBJECT_STR)
			return (cmd_arg_misfit(&(struct proto_arg){ .type =
			    PROTO_T_STR, .max_len = a->max_len, .flags =
			    a->flags }, v, buf, len));
		if (v->type != MSGPACK_OBJECT_ARRAY)
			return ("must be a list of strings");
		if (v->via.array.size > a->max_items) {
			snprintf(buf, len, "has more than %zu items",
			    a->max_items);
			return (buf);
		}
		for (i = 0; i < v->via.array.size; i++) {
			const msgpack_object *e = &v->via.array.ptr[i];

			if (e->type != MSGPACK_OBJECT_STR)
				return ("must be a list of strings");
			if (e->via.str.size > a->max_len) {
				snprintf(buf, len, "has an item longer than %zu "
				    "bytes", a->max_len);
				return (buf);
			}
			if (memchr(e->via.str.ptr, '\0', e->via.str.size) !=
			    NULL)
				return ("must not hold a NUL byte");
		}
		return (NULL);
	}
	return ("is of an unknown type");
}

/*
 * The arguments of a request against the command's declaration: -1 after
 * replying EINVAL_ARG, naming the argument (an unknown or repeated one, of
 * the wrong type or size, a required one missing).
 */
static int
cmd_args_check(struct cmd_ctx *ctx, const struct proto_cmd *pc,
    const msgpack_object *args)
{
	const struct proto_arg	*a;
	const msgpack_object	*k;
	const char		*why;
	char			 key[64], buf[96];
	uint32_t		 i, j;

	for (i = 0; i < args->via.map.size; i++) {
		k = &args->via.map.ptr[i].key;
		if (k->type != MSGPACK_OBJECT_STR || k->via.str.size == 0 ||
		    k->via.str.size >= sizeof key) {
			cmd_reply_error(ctx, PROTO_EINVAL_ARG, "an argument's "
			    "name is not a short string");
			return (-1);
		}
		memcpy(key, k->via.str.ptr, k->via.str.size);
		key[k->via.str.size] = '\0';
		if (strlen(key) != k->via.str.size ||
		    (a = proto_arg_find(pc, key)) == NULL) {
			cmd_reply_arg_error(ctx, key, "'%s' takes no argument "
			    "'%s'", pc->name, key);
			return (-1);
		}
		for (j = 0; j < i; j++) {
			if (mp_obj_is_str(&args->via.map.ptr[j].key, key)) {
				cmd_reply_arg_error(ctx, key, "'%s' is given "
				    "twice", key);
				return (-1);
			}
		}
		if ((why = cmd_arg_misfit(a, &args->via.map.ptr[i].val, buf,
		    sizeof buf)) != NULL) {
			cmd_reply_arg_error(ctx, key, "'%s' %s", key, why);
			return (-1);
		}
	}
	for (a = pc->args; a->key != NULL; a++) {
		if ((a->flags & PROTO_ARG_REQUIRED) &&
		    mp_map_get(args, a->key) == NULL) {
			cmd_reply_arg_error(ctx, a->key, "'%s' is required",
			    a->key);
			return (-1);
		}
	}
	return (0);
}

void
cmd_dispatch(struct cmd_ctx *ctx, const char *name,
    const msgpack_object *args, int admin)
{
	const struct cmd_entry	*e;
	const struct proto_cmd	*pc;

	if ((e = cmd_find(name)) == NULL ||
	    (pc = proto_cmd_find(e->name)) == NULL) {
		cmd_reply_error(ctx, PROTO_EUNKNOWN_CMD, "unknown command '%s'",
		    name);
		return;
	}
	ctx->entry = e;
	if (!admin && (e->flags & CMD_READONLY) == 0) {
		cmd_reply_error(ctx, PROTO_EDENIED, "'%s' changes state and needs "
		    "the admin group; uid %u is read-only", e->name,
		    (unsigned)ctx->uid);
		return;
	}
	if (cmd_args_check(ctx, pc, args) != 0)
		return;
	if ((e->flags & (CMD_READONLY | CMD_NOAUDIT)) == 0)
		audit_record(ctx->uid, ctx->pid, pc, args);
	ctx->args = args;
	e->exec(ctx);
}

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


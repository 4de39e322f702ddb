/* notify test, notify check: the expiry notifications. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "cmd.h"
#include "jobs/expiry.h"
#include "log.h"
#include "notify.h"

static void
notify_test_cb(json_t *results, void *arg)
{
	struct cmd_ctx	*ctx = arg;

	cmd_reply_json(ctx, json_incref(results));
}

static void
cmd_notify_test_exec(struct cmd_ctx *ctx)
{
	struct notify_msg	 m;

	memset(&m, 0, sizeof m);
	m.event = NOTIFY_TEST;
	m.source = "test";
	m.id = "test";
	log_info("notify test requested by uid %ld", (long)ctx->uid);
	/* The context is kept until every channel has answered. */
	notify_send(&m, notify_test_cb, ctx);
}

const struct cmd_entry cmd_notify_test_entry = {
	.name = PROTO_CMD_NOTIFY_TEST,
	.usage = "notify test",
	.exec = cmd_notify_test_exec,
};

static void
notify_check_cb(json_t *notified, const char *cause, void *arg)
{
	struct cmd_ctx	*ctx = arg;

	if (notified == NULL)
		cmd_reply_error(ctx, PROTO_EINTERNAL, "expiry check failed: %s",
		    cause != NULL ? cause : "unknown error");
	else
		cmd_reply_json(ctx, json_incref(notified));
}

static void
cmd_notify_check_exec(struct cmd_ctx *ctx)
{
	expiry_run_now(notify_check_cb, ctx);
}

const struct cmd_entry cmd_notify_check_entry = {
	.name = PROTO_CMD_NOTIFY_CHECK,
	.usage = "notify check",
	.exec = cmd_notify_check_exec,
};

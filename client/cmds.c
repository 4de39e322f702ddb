/* The command table of acmctl: what each command takes and prints. */
#include <stddef.h>

#include "acmctl.h"
#include "proto.h"

static const struct ctl_opt no_opts[] = { { NULL, 0, NULL, NULL } };

static const struct ctl_opt audit_opts[] = {
	{ "limit", OPT_UINT, NULL, "show the last N entries (default 50)" },
	{ NULL, 0, NULL, NULL }
};

const struct ctl_cmd ctl_cmds[] = {
	{ .name = "ping", .cmd = CMD_PING, .args = "",
	  .help = "check that acmd answers", .opts = no_opts,
	  .render = render_generic },
	{ .name = "status", .cmd = CMD_STATUS, .args = "",
	  .help = "daemon version, uptime, store, counts and jobs",
	  .opts = no_opts, .render = render_status },
	{ .name = "audit", .cmd = CMD_AUDIT, .args = "",
	  .help = "the audit log of state-changing commands (admin only)",
	  .opts = audit_opts, .render = render_audit },
	{ .name = NULL }
};

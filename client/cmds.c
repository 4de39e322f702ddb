/* The command table of acmctl: what each command takes and prints. */
#include <stddef.h>

#include "acmctl.h"
#include "proto.h"

static const struct ctl_opt no_opts[] = { { NULL, 0, NULL, NULL } };

static const struct ctl_opt audit_opts[] = {
	{ "limit", OPT_UINT, NULL, "show the last N entries (default 50)" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt credential_add_opts[] = {
	{ "access-key", OPT_STR, "access_key",
	  "AWS access key id; the secret is read from standard input" },
	{ "profile", OPT_STR, NULL, "use this profile of the shared AWS files" },
	{ "env", OPT_FLAG, NULL, "use the keys in acmd's environment" },
	{ "role-arn", OPT_STR, "role_arn", "assume this role (another account)" },
	{ "external-id", OPT_STR, "external_id", "external id for the role" },
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
	{ .name = "credential add", .cmd = "credential.add", .args = "NAME",
	  .help = "store AWS credentials (secret from standard input)",
	  .opts = credential_add_opts, .render = render_generic,
	  .prepare = prepare_secret },
	{ .name = "credential list", .cmd = "credential.list", .args = "",
	  .help = "the stored credentials (secrets are never shown)",
	  .opts = no_opts, .render = render_generic },
	{ .name = "credential remove", .cmd = "credential.remove",
	  .args = "NAME", .help = "forget a stored credential",
	  .opts = no_opts, .render = render_generic },
	{ .name = "credential test", .cmd = "credential.test", .args = "NAME",
	  .help = "ask STS who the credential is (account and ARN)",
	  .opts = no_opts, .render = render_generic },
	{ .name = NULL }
};

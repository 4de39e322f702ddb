/* ping, status, audit: what the daemon is and does. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acmd.h"
#include "audit.h"
#include "cmd.h"
#include "conf.h"
#include "inventory.h"
#include "rec.h"
#include "repo.h"
#include "mpjson.h"
#include "jobs/discovery.h"
#include "jobs/sched.h"
#include "log.h"
#include "mp.h"
#include "org.h"
#include "pending.h"
#include "store.h"
#include "xmalloc.h"

static void
cmd_ping_exec(struct cmd_ctx *ctx)
{
	struct mp_buf	*b;

	b = mp_buf_new();
	mp_map(b, 2);
	mp_kstr(b, "reply", "pong");
	mp_kint(b, "time", (int64_t)time(NULL));
	cmd_reply_ok(ctx, b);
	mp_buf_free(b);
}

const struct cmd_entry cmd_ping_entry = {
	.name = PROTO_CMD_PING,
	.usage = "ping",
	.flags = CMD_READONLY,
	.exec = cmd_ping_exec,
};

/* What status counts: records of each kind, not the indexes beside them. */
static const struct rec_count_spec status_counted[] = {
	{ DB_CERTS, NULL },
	{ DB_VERSIONS, REPO_FP_PREFIX },
	{ DB_ACM, INV_PEM_PREFIX },
	{ DB_IAM, NULL },
	{ DB_DEPLOYMENTS, NULL },
	{ DB_REQUESTS, NULL },
	{ DB_RENEWALS, NULL },
	{ DB_CREDENTIALS, NULL },
	{ DB_AUDIT, NULL },
};

static json_t *
status_counts(char **cause)
{
	json_t	*counts;

	counts = rec_counts(status_counted, sizeof status_counted /
	    sizeof status_counted[0], cause);
	/*
	 * Counting the PEM records walks their keys, and the kernel maps the
	 * file's pages around each leaf read: they go back as after a job.
	 */
	sched_idle_soon();
	return (counts);
}

static void
cmd_status_exec(struct cmd_ctx *ctx)
{
	struct mp_buf	*b;
	uint64_t	 used = 0, mapsize = 0;
	json_t		*counts, *disc, *pending, *orgs;
	char		*cause = NULL;

	if (store_usage(acmd.store, &used, &mapsize, &cause) != 0 ||
	    (counts = status_counts(&cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		return;
	}
	if ((pending = pending_counts(&cause)) == NULL) {
		json_decref(counts);
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		return;
	}
	b = mp_buf_new();
	mp_map(b, 13);
	mp_kstr(b, "version", PACKAGE_VERSION);
	mp_kuint(b, "protocol", PROTO_VERSION);
	mp_kint(b, "pid", (int64_t)getpid());
	mp_kint(b, "started", (int64_t)acmd.started);
	mp_kint(b, "uptime", (int64_t)(time(NULL) - acmd.started));
	mp_kstr(b, "config", acmd.conf->path != NULL ? acmd.conf->path :
	    "(defaults)");
	mp_kuint(b, "clients", acmd.clients);
	mp_str(b, "store");
	mp_map(b, 4);
	mp_kstr(b, "path", acmd.conf->state_dir);
	mp_kuint(b, "used", used);
	mp_kuint(b, "mapsize", mapsize);
	mp_kuint(b, "schema", STORE_SCHEMA);
	mp_str(b, "counts");
	mp_pack_json(b, counts);
	json_decref(counts);
	/* acmd's own work still to do (acmctl sync hurries it). */
	mp_str(b, "pending");
	mp_pack_json(b, pending);
	json_decref(pending);
	mp_str(b, "jobs");
	sched_pack(b);
	mp_str(b, "discovery");
	disc = discovery_state();
	mp_pack_json(b, disc);
	json_decref(disc);
	/* Organizations: their accounts, and those whose role failed. */
	mp_str(b, "organizations");
	if ((orgs = org_status(&cause)) == NULL) {
		log_warnx("status: %s", cause);
		free(cause);
		orgs = json_array();
	}
	mp_pack_json(b, orgs);
	json_decref(orgs);
	cmd_reply_ok(ctx, b);
	mp_buf_free(b);
}

const struct cmd_entry cmd_status_entry = {
	.name = PROTO_CMD_STATUS,
	.usage = "status",
	.flags = CMD_READONLY,
	.exec = cmd_status_exec,
};

static void
cmd_audit_exec(struct cmd_ctx *ctx)
{
	struct mp_buf	*b;
	uint64_t	 limit = 50;
	char		*cause = NULL;

	if (cmd_arg_uint(ctx, PROTO_A_LIMIT, &limit) != 0)
		return;
	if ((b = audit_list(limit, &cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		return;
	}
	cmd_reply_ok(ctx, b);
	mp_buf_free(b);
}

const struct cmd_entry cmd_audit_entry = {
	.name = PROTO_CMD_AUDIT,
	.usage = "audit [--limit N]",
	.flags = CMD_NOAUDIT,
	.exec = cmd_audit_exec,
};

/* ping, status, audit: what the daemon is and does. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acmd.h"
#include "cmd.h"
#include "conf.h"
#include "inventory.h"
#include "jobs/sched.h"
#include "log.h"
#include "mp.h"
#include "server.h"
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

static const enum store_db status_counted[] = {
	DB_CERTS, DB_VERSIONS, DB_ACM, DB_IAM, DB_DEPLOYMENTS, DB_REQUESTS,
	DB_RENEWALS, DB_CREDENTIALS, DB_AUDIT
};

static int
status_count_cb(const void *k, size_t klen, const void *v, size_t vlen,
    void *arg)
{
	(*(size_t *)arg)++;
	return (0);
}

/* Records in db, less the PEM records kept beside the inventory's. */
static size_t
status_count(struct store_txn *t, enum store_db db)
{
	size_t	 n = store_count(t, db), pems = 0;
	char	*cause = NULL;

	if (db != DB_ACM)
		return (n);
	if (store_foreach(t, db, INV_PEM_PREFIX, strlen(INV_PEM_PREFIX),
	    status_count_cb, &pems, &cause) != 0) {
		log_warnx("status: %s", cause);
		free(cause);
		return (n);
	}
	return (pems <= n ? n - pems : 0);
}

static void
cmd_status_exec(struct cmd_ctx *ctx)
{
	struct mp_buf		*b;
	struct store_txn	*t;
	uint64_t		 used = 0, mapsize = 0;
	char			*cause = NULL;
	size_t			 i, n = sizeof status_counted /
				    sizeof status_counted[0];

	if (store_usage(acmd.store, &used, &mapsize, &cause) != 0) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		return;
	}
	if ((t = store_begin(acmd.store, 0, &cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		return;
	}
	b = mp_buf_new();
	mp_map(b, 10);
	mp_kstr(b, "version", PACKAGE_VERSION);
	mp_kuint(b, "protocol", PROTO_VERSION);
	mp_kint(b, "pid", (int64_t)getpid());
	mp_kint(b, "started", (int64_t)acmd.started);
	mp_kint(b, "uptime", (int64_t)(time(NULL) - acmd.started));
	mp_kstr(b, "config", acmd.conf->path != NULL ? acmd.conf->path :
	    "(defaults)");
	mp_kuint(b, "clients", server_client_count());
	mp_str(b, "store");
	mp_map(b, 4);
	mp_kstr(b, "path", acmd.conf->state_dir);
	mp_kuint(b, "used", used);
	mp_kuint(b, "mapsize", mapsize);
	mp_kuint(b, "schema", STORE_SCHEMA);
	mp_str(b, "counts");
	mp_map(b, n);
	for (i = 0; i < n; i++)
		mp_kuint(b, store_db_name(status_counted[i]),
		    status_count(t, status_counted[i]));
	store_abort(t);
	mp_str(b, "jobs");
	sched_pack(b);
	cmd_reply_ok(ctx, b);
	mp_buf_free(b);
}

const struct cmd_entry cmd_status_entry = {
	.name = PROTO_CMD_STATUS,
	.usage = "status",
	.flags = CMD_READONLY,
	.exec = cmd_status_exec,
};

struct audit_walk {
	struct mp_buf	*b;
	size_t		 n;
	size_t		 skip;
};

static int
cmd_audit_cb(const void *k, size_t klen, const void *v, size_t vlen,
    void *arg)
{
	struct audit_walk	*w = arg;

	if (w->skip > 0) {
		w->skip--;
		return (0);
	}
	mp_raw(w->b, v, vlen);
	w->n++;
	return (0);
}

static void
cmd_audit_exec(struct cmd_ctx *ctx)
{
	struct store_txn	*t;
	struct audit_walk	 w;
	uint64_t		 limit = 50;
	size_t			 total;
	char			*cause = NULL;

	if (mp_get_uint(ctx->args, "limit", &limit, &cause) == -1) {
		cmd_reply_arg_error(ctx, "limit", "%s", cause);
		free(cause);
		return;
	}
	if ((t = store_begin(acmd.store, 0, &cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		return;
	}
	total = store_count(t, DB_AUDIT);
	w.b = mp_buf_new();
	w.n = 0;
	w.skip = total > limit ? total - limit : 0;
	mp_array(w.b, total - w.skip);
	if (store_foreach(t, DB_AUDIT, NULL, 0, cmd_audit_cb, &w,
	    &cause) != 0) {
		store_abort(t);
		mp_buf_free(w.b);
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		return;
	}
	store_abort(t);
	cmd_reply_ok(ctx, w.b);
	mp_buf_free(w.b);
}

const struct cmd_entry cmd_audit_entry = {
	.name = PROTO_CMD_AUDIT,
	.usage = "audit [--limit N]",
	.flags = CMD_NOAUDIT,
	.exec = cmd_audit_exec,
};

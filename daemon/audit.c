#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acmd.h"
#include "audit.h"
#include "proto.h"
#include "log.h"
#include "mp.h"
#include "store.h"
#include "xmalloc.h"

/* Declared secret (proto.h): its value never reaches the audit log. */
static int
audit_is_secret(const struct proto_cmd *pc, const msgpack_object *k)
{
	const struct proto_arg	*a;

	for (a = pc->args; a->key != NULL; a++) {
		if ((a->flags & PROTO_ARG_SECRET) && mp_obj_is_str(k, a->key))
			return (1);
	}
	return (0);
}

static void
audit_pack_args(struct mp_buf *b, const struct proto_cmd *pc,
    const msgpack_object *args)
{
	uint32_t	 i;

	mp_map(b, args->via.map.size);
	for (i = 0; i < args->via.map.size; i++) {
		mp_obj(b, &args->via.map.ptr[i].key);
		const msgpack_object *v = &args->via.map.ptr[i].val;
		char	 what[64];

		if (audit_is_secret(pc, &args->via.map.ptr[i].key))
			mp_str(b, "(redacted)");
		else if (v->type == MSGPACK_OBJECT_STR &&
		    (memmem(v->via.str.ptr, v->via.str.size, "-----BEGIN", 10) !=
		    NULL || v->via.str.size > 512)) {
			/* PEM (which may be a key given by mistake): size only. */
			snprintf(what, sizeof what, "(%u bytes)", v->via.str.size);
			mp_str(b, what);
		} else
			mp_obj(b, v);
	}
}

/*
 * One entry: seq, time, uid, cmd and args, the args packed by pack (with
 * pc and args) into the entry's buffer.
 */
static void
audit_put(uid_t uid, const char *cmd, void (*pack)(struct mp_buf *,
    const void *, const void *), const void *a1, const void *a2)
{
	struct store_txn	*t;
	struct mp_buf		*b;
	uint64_t		 seq;
	unsigned char		 key[8];
	char			*cause = NULL;
	int			 i;

	if ((t = store_begin(acmd.store, 1, &cause)) == NULL)
		goto fail;
	if (store_next_id(t, "audit", &seq, &cause) != 0) {
		store_abort(t);
		goto fail;
	}
	for (i = 0; i < 8; i++)
		key[i] = (unsigned char)(seq >> (56 - 8 * i));
	b = mp_buf_new();
	mp_map(b, 5);
	mp_kuint(b, "seq", seq);
	mp_kint(b, "time", (int64_t)time(NULL));
	mp_kuint(b, "uid", uid);
	mp_kstr(b, "cmd", cmd);
	mp_str(b, "args");
	pack(b, a1, a2);
	if (store_put(t, DB_AUDIT, key, sizeof key, b->sb.data, b->sb.size,
	    &cause) != 0) {
		mp_buf_free(b);
		store_abort(t);
		goto fail;
	}
	mp_buf_free(b);
	if (store_commit(t, &cause) != 0)
		goto fail;
	return;
fail:
	log_warnx("audit: cannot record '%s' by uid %u: %s", cmd, (unsigned)uid,
	    cause);
	free(cause);
}

static void
audit_pack_cmd(struct mp_buf *b, const void *pc, const void *args)
{
	audit_pack_args(b, pc, args);
}

void
audit_record(uid_t uid, pid_t pid, const struct proto_cmd *pc,
    const msgpack_object *args)
{
	log_info("audit: uid %u (pid %ld) ran '%s'", (unsigned)uid, (long)pid,
	    pc->name);
	audit_put(uid, pc->name, audit_pack_cmd, pc, args);
}

static void
audit_pack_export(struct mp_buf *b, const void *arn, const void *why)
{
	mp_map(b, 2);
	mp_kstr(b, "arn", arn);
	mp_kstr(b, "for", why);
}

void
audit_export(const char *arn, const char *why)
{
	log_info("audit: ExportCertificate of %s (%s; AWS charges for it)",
	    arn, why);
	audit_put(getuid(), "ExportCertificate", audit_pack_export, arn, why);
}

struct audit_walk {
	struct mp_buf	*b;
	size_t		 skip;
};

static int
audit_list_cb(const void *k, size_t klen, const void *v, size_t vlen,
    void *arg)
{
	struct audit_walk	*w = arg;

	if (w->skip > 0) {
		w->skip--;
		return (0);
	}
	mp_raw(w->b, v, vlen);
	return (0);
}

static int
audit_list_fn(struct store_txn *t, void *arg, char **cause)
{
	struct audit_walk	*w = arg;
	uint64_t		 limit = w->skip;
	size_t			 total;

	total = store_count(t, DB_AUDIT);
	w->skip = total > limit ? total - limit : 0;
	mp_array(w->b, total - w->skip);
	return (store_foreach(t, DB_AUDIT, NULL, 0, audit_list_cb, w, cause));
}

struct mp_buf *
audit_list(uint64_t limit, char **cause)
{
	struct audit_walk	 w = { mp_buf_new(), (size_t)limit };

	if (limit > SIZE_MAX)
		w.skip = SIZE_MAX;
	if (store_read(acmd.store, audit_list_fn, &w, cause) != 0) {
		mp_buf_free(w.b);
		return (NULL);
	}
	return (w.b);
}

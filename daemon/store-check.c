/*
 * Checks of the store's file, part of the store (LMDB is called from here
 * and store.c only): the two meta pages of data.mdb before it is mapped,
 * and a read-only walk of every record (acmd --check-store).
 *
 * LMDB maps the file and trusts it: a data.mdb truncated below its last
 * page faults (SIGBUS) at the first read past the end, one emptied to 0
 * bytes is taken for a new store, and a page zeroed in the middle trips
 * an assertion (abort) when a cursor reaches it.  The first two are
 * refused before mdb_env_open; the last is found by the walk.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <lmdb.h>
#include <msgpack.h>

#include "mpjson.h"
#include "store.h"
#include "xmalloc.h"

/*
 * A meta page (LMDB 0.9 with 8-byte pgno_t and size_t): a 16-byte page
 * header (flags at 10), then MDB_meta: magic, version, address, mapsize,
 * two MDB_db of 48 bytes (the first's md_pad is the page size), the last
 * page number and the transaction id.
 */
#define LMDB_MAGIC	0xBEEFC0DEU
#define LMDB_DATA_V	1
#define LMDB_P_META	0x08
#define META_FLAGS	10
#define META_MAGIC	16
#define META_VERSION	20
#define META_PSIZE	40
#define META_LASTPG	136
#define META_TXNID	144
#define META_LEN	152

struct store_meta {
	uint32_t	 psize;
	uint64_t	 last_pg;
	uint64_t	 txnid;
};

/* Meta page n of fd (at off): 0, or -1 with a reason in why. */
static int
meta_read(int fd, off_t off, struct store_meta *m, const char **why)
{
	uint8_t		 b[META_LEN];
	uint32_t	 magic, version;
	uint16_t	 flags;

	if (pread(fd, b, sizeof b, off) != (ssize_t)sizeof b) {
		*why = "is missing (the file is too short)";
		return (-1);
	}
	memcpy(&flags, b + META_FLAGS, sizeof flags);
	memcpy(&magic, b + META_MAGIC, sizeof magic);
	memcpy(&version, b + META_VERSION, sizeof version);
	memcpy(&m->psize, b + META_PSIZE, sizeof m->psize);
	memcpy(&m->last_pg, b + META_LASTPG, sizeof m->last_pg);
	memcpy(&m->txnid, b + META_TXNID, sizeof m->txnid);
	if (magic != LMDB_MAGIC || (flags & LMDB_P_META) == 0) {
		*why = "has no LMDB magic (not an LMDB file, or damaged)";
		return (-1);
	}
	if (version != LMDB_DATA_V) {
		*why = "has an LMDB data version this acmd does not read";
		return (-1);
	}
	if (m->psize < 512 || m->psize > 65536 ||
	    (m->psize & (m->psize - 1)) != 0) {
		*why = "has an impossible page size";
		return (-1);
	}
	return (0);
}

int
store_file_check(const char *dir, char **cause)
{
	struct store_meta	 m0, m1, *cur;
	struct stat		 st;
	const char		*why = NULL;
	char			*path;
	uint64_t		 need;
	int			 fd, ret = -1;

	if (store_check_files(dir, cause) != 0)
		return (-1);
	xasprintf(&path, "%s/data.mdb", dir);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			ret = 0;	/* a new store */
		else
			xasprintf(cause, "store: %s: %s", path, strerror(errno));
		free(path);
		return (ret);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		xasprintf(cause, "store: %s is not a regular file", path);
	else if (st.st_size == 0)
		xasprintf(cause, "store: %s is empty (0 bytes): it was "
		    "truncated, acmd will not take it for a new store; "
		    STORE_RESTORE_HINT, path);
	else if (meta_read(fd, 0, &m0, &why) != 0)
		xasprintf(cause, "store: %s: the first meta page %s; "
		    STORE_RESTORE_HINT, path, why);
	else if (meta_read(fd, m0.psize, &m1, &why) != 0 ||
	    (m1.psize != m0.psize && (why = "has another page size")))
		xasprintf(cause, "store: %s: the second meta page %s; "
		    STORE_RESTORE_HINT, path, why);
	else {
		cur = m1.txnid > m0.txnid ? &m1 : &m0;
		need = (cur->last_pg + 1) * (uint64_t)cur->psize;
		if ((uint64_t)st.st_size < need)
			xasprintf(cause, "store: %s is truncated: %lld bytes, "
			    "but its pages (%llu of %u bytes) need %llu; "
			    STORE_RESTORE_HINT, path, (long long)st.st_size,
			    (unsigned long long)cur->last_pg + 1, cur->psize,
			    (unsigned long long)need);
		else
			ret = 0;
	}
	close(fd);
	free(path);
	return (ret);
}

/*
 * The walk.  LMDB asserts (and aborts) on some damaged pages; while the
 * walk runs an assertion jumps back here instead, and the environment is
 * not touched again but to report.
 */
static sigjmp_buf	 check_jmp;
static char		 check_assert_msg[512];
static MDB_cursor	*check_cur;	/* the walk's, closed after a jump */

static void
check_assert(MDB_env *env, const char *msg)
{
	snprintf(check_assert_msg, sizeof check_assert_msg, "%s", msg);
	siglongjmp(check_jmp, 1);
}

struct check_db {
	const char	*name;
	size_t		 records;
	size_t		 bad;
	char		 last[80];	/* the last key read, printable */
};

static void
printable_key(char *dst, size_t len, const MDB_val *k)
{
	size_t	 i, n = k->mv_size < len - 1 ? k->mv_size : len - 1;

	for (i = 0; i < n; i++) {
		char	 c = ((const char *)k->mv_data)[i];

		dst[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	dst[n] = '\0';
}

/*
 * Every text of a record is UTF-8 without a NUL byte: a zeroed page in
 * the middle of a long value leaves a map that still decodes.
 */
static int
check_text(const msgpack_object *o)
{
	json_t		*j;
	uint32_t	 i;

	switch (o->type) {
	case MSGPACK_OBJECT_STR:
		if (o->via.str.size == 0)
			return (1);
		if (memchr(o->via.str.ptr, '\0', o->via.str.size) != NULL ||
		    (j = json_stringn(o->via.str.ptr, o->via.str.size)) == NULL)
			return (0);
		json_decref(j);
		return (1);
	case MSGPACK_OBJECT_ARRAY:
		for (i = 0; i < o->via.array.size; i++)
			if (!check_text(&o->via.array.ptr[i]))
				return (0);
		return (1);
	case MSGPACK_OBJECT_MAP:
		for (i = 0; i < o->via.map.size; i++)
			if (!check_text(&o->via.map.ptr[i].key) ||
			    !check_text(&o->via.map.ptr[i].val))
				return (0);
		return (1);
	default:
		return (1);
	}
}

static int
check_msgpack_text(const MDB_val *v)
{
	msgpack_unpacked	 u;
	size_t			 off = 0;
	int			 ok;

	msgpack_unpacked_init(&u);
	ok = msgpack_unpack_next(&u, v->mv_data, v->mv_size, &off) ==
	    MSGPACK_UNPACK_SUCCESS && check_text(&u.data);
	msgpack_unpacked_destroy(&u);
	return (ok);
}

/* What the code expects to decode: NULL when fine. */
static const char *
check_record(const char *db, const MDB_val *k, const MDB_val *v)
{
	json_t	*j;
	int	 ok;

	if (k->mv_size == 0 || k->mv_size > STORE_MAX_KEY)
		return ("key of an impossible length");
	if (strcmp(db, "meta") == 0) {
		if (k->mv_size == 6 && memcmp(k->mv_data, "schema", 6) == 0)
			return (v->mv_size == 4 ? NULL : "schema is not 4 bytes");
		if (k->mv_size > 4 && memcmp(k->mv_data, "seq:", 4) == 0)
			return (v->mv_size == 8 ? NULL : "counter is not 8 bytes");
		return (NULL);
	}
	j = mp_decode_json(v->mv_data, v->mv_size);
	ok = j != NULL && json_is_object(j);
	json_decref(j);
	if (!ok)
		return ("value is not a msgpack map (corrupt record)");
	if (!check_msgpack_text(v))
		return ("a text holds NUL bytes or is not UTF-8 (zeroed or "
		    "damaged page)");
	return (NULL);
}

static int
check_walk(MDB_txn *txn, MDB_dbi dbi, struct check_db *c, FILE *out)
{
	MDB_cursor	*cur;
	MDB_val		 k, v;
	MDB_cursor_op	 op = MDB_FIRST;
	const char	*why;
	int		 rc;

	if ((rc = mdb_cursor_open(txn, dbi, &check_cur)) != 0) {
		fprintf(out, "%s: cannot open a cursor: %s\n", c->name,
		    mdb_strerror(rc));
		return (-1);
	}
	cur = check_cur;
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		c->records++;
		printable_key(c->last, sizeof c->last, &k);
		if ((why = check_record(c->name, &k, &v)) != NULL) {
			c->bad++;
			fprintf(out, "%s: record '%s': %s\n", c->name, c->last,
			    why);
		}
	}
	check_cur = NULL;
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND) {
		fprintf(out, "%s: damaged after %zu records (last key '%s'): "
		    "%s\n", c->name, c->records, c->last, mdb_strerror(rc));
		return (-1);
	}
	return (0);
}

/* Every database, every record; the number of problems. */
static int
check_env(MDB_env *env, FILE *out)
{
	static struct check_db	 c;
	static volatile int	 problems;
	static MDB_txn		*txn;
	MDB_dbi			 dbi;
	MDB_stat		 st;
	static int		 i;
	int			 rc;

	problems = 0;
	if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0) {
		fprintf(out, "cannot begin a transaction: %s\n",
		    mdb_strerror(rc));
		return (1);
	}
	for (i = 0; i < DB_COUNT; i++) {
		memset(&c, 0, sizeof c);
		c.name = store_db_name(i);
		if (sigsetjmp(check_jmp, 0) != 0) {
			/* Only memory to give back: the pages are not read. */
			if (check_cur != NULL)
				mdb_cursor_close(check_cur);
			check_cur = NULL;
			fprintf(out, "%s: damaged after %zu records (last key "
			    "'%s'): LMDB: %s\n", c.name, c.records, c.last,
			    check_assert_msg);
			return (problems + 1);
		}
		rc = mdb_dbi_open(txn, c.name, 0, &dbi);
		if (rc == MDB_NOTFOUND) {
			fprintf(out, "%s: absent (acmd creates it)\n", c.name);
			continue;
		}
		if (rc != 0) {
			/* The transaction is unusable after that. */
			fprintf(out, "%s: cannot open: %s\n", c.name,
			    mdb_strerror(rc));
			mdb_txn_abort(txn);
			return (problems + 1);
		}
		if (check_walk(txn, dbi, &c, out) != 0) {
			mdb_txn_abort(txn);
			return (problems + 1);
		} else if (mdb_stat(txn, dbi, &st) == 0 &&
		    st.ms_entries != c.records) {
			fprintf(out, "%s: %zu records walked, %zu counted\n",
			    c.name, c.records, (size_t)st.ms_entries);
			problems++;
		} else
			fprintf(out, "%s: %zu records%s\n", c.name, c.records,
			    c.bad ? "" : ", ok");
		problems += c.bad > 0;
	}
	mdb_txn_abort(txn);
	return (problems);
}

int
store_check(const char *dir, FILE *out)
{
	MDB_env		*env;
	char		*cause = NULL, *path;
	struct stat	 st;
	int		 rc, problems;

	xasprintf(&path, "%s/data.mdb", dir);
	if (stat(path, &st) != 0) {
		fprintf(out, "store: %s: %s\n", path, strerror(errno));
		free(path);
		return (1);
	}
	if (store_file_check(dir, &cause) != 0) {
		fprintf(out, "%s\n", cause);
		free(cause);
		free(path);
		return (1);
	}
	if ((rc = mdb_env_create(&env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(env, DB_COUNT + 2)) != 0 ||
	    (rc = mdb_env_set_assert(env, check_assert)) != 0 ||
	    (rc = mdb_env_open(env, dir, MDB_RDONLY | MDB_NOTLS, 0600)) != 0) {
		fprintf(out, "store: open %s: %s\n", path, mdb_strerror(rc));
		free(path);
		return (1);
	}
	problems = check_env(env, out);
	if (problems == 0)
		fprintf(out, "store %s: every record read, no problem found\n",
		    path);
	else
		fprintf(out, "store %s: %d problem%s found; "
		    STORE_RESTORE_HINT "\n", path, problems,
		    problems == 1 ? "" : "s");
	/* After an assertion the environment may be inconsistent: exit. */
	if (check_assert_msg[0] == '\0')
		mdb_env_close(env);
	free(path);
	return (problems == 0 ? 0 : 1);
}

#include <sys/mman.h>
#include <sys/stat.h>

#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lmdb.h>

#include "log.h"
#include "store.h"
#include "xmalloc.h"

struct store {
	MDB_env		*env;
	MDB_dbi		 dbi[DB_COUNT];
	uint32_t	 schema_found;
	uint64_t	 generation[DB_COUNT];
	int		 txn_open;	/* write transactions open (0 or 1) */
	size_t		 mapsize;
	time_t		 full_at;	/* a write last refused for room */
	uint64_t	 refused_full;	/* writes refused for room */
};

struct store_txn {
	struct store	*store;
	MDB_txn		*txn;
	int		 write;
	char		*error;		/* the first failure: sticky */
};

static const char *const store_db_names[DB_COUNT] = {
	[DB_CERTS] = "certs",
	[DB_VERSIONS] = "versions",
	[DB_ACM] = "acm",
	[DB_IAM] = "iam",
	[DB_DEPLOYMENTS] = "deployments",
	[DB_REQUESTS] = "requests",
	[DB_RENEWALS] = "renewals",
	[DB_CREDENTIALS] = "credentials",
	[DB_JOBS] = "jobs",
	[DB_AUDIT] = "audit",
	[DB_META] = "meta",
};

/*
 * Migrations: store_migrations[n] takes a store at schema n to n + 1,
 * inside the write transaction that also records the new version.
 */
typedef int (*store_migration)(struct store_txn *, char **);
static const store_migration store_migrations[STORE_SCHEMA] = {
	[0] = NULL,	/* 0 -> 1: the first schema; nothing to convert */
	[1] = NULL,	/* 1 -> 2: renewals (opened, empty, like every db) */
};

const char *
store_db_name(enum store_db db)
{
	if ((unsigned)db >= DB_COUNT)
		return ("?");
	return (store_db_names[db]);
}

/* LMDB's map is full: what to do about it. */
#define STORE_FULL_FMT	"the store is full (store_size = %zu MiB in " \
	"acmd.conf; raise it and restart acmd)"

/* LMDB's text for rc, and what to do when the file is damaged. */
static const char *
store_strerror(int rc)
{
	static char	 buf[256];

	if (rc != MDB_CORRUPTED && rc != MDB_PAGE_NOTFOUND)
		return (mdb_strerror(rc));
	snprintf(buf, sizeof buf, "%s (data.mdb is damaged: run acmd "
	    "--check-store)", mdb_strerror(rc));
	return (buf);
}

static int
store_error(int rc, const char *what, char **cause)
{
	xasprintf(cause, "store: %s: %s", what, store_strerror(rc));
	return (-1);
}

/*
 * A failure inside t: the first one sticks, so that every later call and
 * the commit fail with it.  *cause gets a copy when it has none.
 */
static int
txn_error(struct store_txn *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
txn_error(struct store_txn *t, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	if (t->error == NULL)
		t->error = msg;
	else
		free(msg);
	return (-1);
}

/* The sticky error, for *cause (a copy), when t failed before. */
static int
txn_failed(struct store_txn *t, char **cause)
{
	if (t->error == NULL)
		return (0);
	if (cause != NULL && *cause == NULL)
		*cause = xstrdup(t->error);
	return (1);
}

static void
store_note_full(struct store *s)
{
	s->full_at = time(NULL);
	s->refused_full++;
}

/* Poison t with an LMDB error and give its text. */
static int
txn_lmdb_error(struct store_txn *t, int rc, const char *what, char **cause)
{
	if (rc == MDB_MAP_FULL) {
		store_note_full(t->store);
		txn_error(t, "store: %s: " STORE_FULL_FMT, what,
		    t->store->mapsize >> 20);
	} else
		txn_error(t, "store: %s: %s", what, store_strerror(rc));
	if (cause != NULL && *cause == NULL)
		*cause = xstrdup(t->error);
	return (-1);
}

int
store_txn_fail(struct store_txn *t, char **cause, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	txn_error(t, "%s", msg);
	if (cause != NULL && *cause == NULL)
		*cause = msg;
	else
		free(msg);
	return (-1);
}

int
store_txn_failed(const struct store_txn *t)
{
	return (t->error != NULL);
}

static int
store_migrate(struct store *s, char **cause)
{
	struct store_txn	*t;
	const void		*v;
	size_t			 vlen;
	uint32_t		 found = 0, cur;
	int			 ret;

	if ((t = store_begin(s, 1, cause)) == NULL)
		return (-1);
	ret = store_gets(t, DB_META, "schema", &v, &vlen, cause);
	if (ret == -1)
		goto fail;
	if (ret == 1) {
		if (vlen != sizeof found) {
			xasprintf(cause, "store: meta.schema is corrupt");
			goto fail;
		}
		memcpy(&found, v, sizeof found);
	}
	s->schema_found = found;
	if (found > STORE_SCHEMA) {
		xasprintf(cause, "store: schema %u is newer than this acmd "
		    "supports (%u)", found, STORE_SCHEMA);
		goto fail;
	}
	for (cur = found; cur < STORE_SCHEMA; cur++) {
		if (store_migrations[cur] != NULL &&
		    store_migrations[cur](t, cause) != 0)
			goto fail;
		if (cur != 0)
			log_info("store: migrated schema %u to %u", cur, cur + 1);
	}
	cur = STORE_SCHEMA;
	if (found != cur &&
	    store_puts(t, DB_META, "schema", &cur, sizeof cur, cause) != 0)
		goto fail;
	return (store_commit(t, cause));
fail:
	store_abort(t);
	return (-1);
}

/*
 * Nobody but root and acmd's user may write in the state directory or a
 * directory above it (sshd's StrictModes): each is owned by one of them
 * and writable by neither group nor others, save a sticky directory of
 * root's (/tmp) above it.  Else another user could plant a link where
 * acmd, maybe as root, writes.
 */
static int
store_check_dir(const char *dir, char **cause)
{
	struct stat	 st;
	char		*real, *slash;
	int		 top = 1;

	if ((real = realpath(dir, NULL)) == NULL) {
		xasprintf(cause, "state directory %s: %s", dir,
		    strerror(errno));
		return (-1);
	}
	for (;;) {
		if (stat(real, &st) == -1) {
			xasprintf(cause, "state directory %s: %s: %s", dir,
			    real, strerror(errno));
			break;
		}
		if (top && !S_ISDIR(st.st_mode)) {
			xasprintf(cause, "state directory %s is not a "
			    "directory", dir);
			break;
		}
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			xasprintf(cause, "state directory %s: %s is owned by "
			    "uid %u, neither root nor acmd's uid %u; run chown "
			    "on it", dir, real, (unsigned)st.st_uid,
			    (unsigned)geteuid());
			break;
		}
		if ((st.st_mode & 022) != 0 && (top || st.st_uid != 0 ||
		    (st.st_mode & S_ISVTX) == 0)) {
			xasprintf(cause, "state directory %s: %s has mode "
			    "%04o: others may write in it; run chmod go-w %s",
			    dir, real, (unsigned)(st.st_mode & 07777), real);
			break;
		}
		if (strcmp(real, "/") == 0) {
			free(real);
			return (0);
		}
		slash = strrchr(real, '/');
		if (slash == real)
			slash[1] = '\0';
		else
			*slash = '\0';
		top = 0;
	}
	free(real);
	return (-1);
}

/*
 * LMDB opens its files itself, following links: refuse data.mdb or
 * lock.mdb when it is anything but a regular file.
 */
int
store_check_files(const char *dir, char **cause)
{
	static const char *const names[] = { "data.mdb", "lock.mdb" };
	struct stat	 st;
	char		*path;
	size_t		 i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		xasprintf(&path, "%s/%s", dir, names[i]);
		if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			xasprintf(cause, "store: %s is %s; acmd opens only "
			    "regular files in its state directory: remove it",
			    path, S_ISLNK(st.st_mode) ? "a symbolic link" :
			    "not a regular file");
			free(path);
			return (-1);
		}
		free(path);
	}
	return (0);
}

/*
 * One acmd per state directory: an exclusive lock on DIR/lock, taken
 * before anything in it is opened and held (the descriptor stays open)
 * for the life of the process.  The file holds the holder's pid, for the
 * message a second acmd gives.
 */
int
store_lock_dir(const char *dir, char **cause)
{
	struct stat	 st;
	char		*path, buf[32];
	ssize_t		 n;
	int		 fd;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		xasprintf(cause, "store: mkdir %s: %s", dir, strerror(errno));
		return (-1);
	}
	if (store_check_dir(dir, cause) != 0)
		return (-1);
	xasprintf(&path, "%s/lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
	    0600);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		if (fd == -1 && errno != ELOOP)
			xasprintf(cause, "store: %s: %s", path,
			    strerror(errno));
		else
			xasprintf(cause, "store: %s is %s; acmd opens only "
			    "regular files in its state directory: remove it",
			    path, fd == -1 ? "a symbolic link" :
			    "not a regular file");
		if (fd != -1)
			close(fd);
		free(path);
		return (-1);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno == EWOULDBLOCK) {
			n = pread(fd, buf, sizeof buf - 1, 0);
			buf[n > 0 ? n : 0] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			xasprintf(cause, "state directory %s is in use by "
			    "another acmd (pid %s, holding %s)", dir,
			    *buf != '\0' ? buf : "unknown", path);
		} else
			xasprintf(cause, "store: lock %s: %s", path,
			    strerror(errno));
		close(fd);
		free(path);
		return (-1);
	}
	snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, buf, strlen(buf), 0) != (ssize_t)strlen(buf))
		log_warnx("store: %s: cannot write the pid: %s", path,
		    strerror(errno));
	free(path);
	return (fd);
}

/*
 * LMDB asserts, and then aborts, on some damaged pages (a zeroed page
 * where a cursor expects a leaf).  A read of a read-only transaction
 * holds no lock and has written nothing, so there the assertion jumps
 * back and the read fails with MDB_CORRUPTED: the daemon goes on.  In a
 * write transaction LMDB aborts; the message says what to do first.
 */
static sigjmp_buf	*store_jmp;

static void
store_assert(MDB_env *env, const char *msg)
{
	const char	*dir = "?";

	(void)mdb_env_get_path(env, &dir);
	log_warnx("store: %s/data.mdb is damaged (LMDB: %s); stop acmd, run "
	    "acmd --check-store and " STORE_RESTORE_HINT, dir, msg);
	if (store_jmp != NULL)
		siglongjmp(*store_jmp, 1);
}

/* mdb_get and mdb_cursor_get, an assertion in a read-only one caught. */
static int
store_mdb_read(struct store_txn *t, MDB_dbi dbi, MDB_cursor *cur,
    MDB_val *k, MDB_val *v, MDB_cursor_op op)
{
	sigjmp_buf		 jb;
	sigjmp_buf *volatile	 prev = store_jmp;
	int			 rc;

	if (t->write)
		return (cur != NULL ? mdb_cursor_get(cur, k, v, op) :
		    mdb_get(t->txn, dbi, k, v));
	if (sigsetjmp(jb, 0) != 0) {
		store_jmp = prev;
		return (MDB_CORRUPTED);
	}
	store_jmp = &jb;
	rc = cur != NULL ? mdb_cursor_get(cur, k, v, op) :
	    mdb_get(t->txn, dbi, k, v);
	store_jmp = prev;
	return (rc);
}

int
store_open(const char *dir, size_t mapsize, struct store **out, char **cause)
{
	struct store	*s;
	MDB_envinfo	 info;
	MDB_txn		*txn;
	int		 rc, i;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		xasprintf(cause, "store: mkdir %s: %s", dir, strerror(errno));
		return (-1);
	}
	if (store_check_files(dir, cause) != 0)
		return (-1);
	s = xcalloc(1, sizeof *s);
	if ((rc = mdb_env_create(&s->env)) != 0) {
		free(s);
		return (store_error(rc, "create environment", cause));
	}
	if (mapsize == 0)
		mapsize = (size_t)4 << 30;
	s->mapsize = mapsize;
	if ((rc = mdb_env_set_mapsize(s->env, mapsize)) != 0 ||
	    (rc = mdb_env_set_assert(s->env, store_assert)) != 0 ||
	    (rc = mdb_env_set_maxdbs(s->env, DB_COUNT + 2)) != 0 ||
	    (rc = mdb_env_set_maxreaders(s->env, 16)) != 0)
		goto lmdb_fail;
	if ((rc = mdb_env_open(s->env, dir, MDB_NOTLS, 0600)) != 0) {
		xasprintf(cause, "store: open %s: %s", dir, store_strerror(rc));
		mdb_env_close(s->env);
		free(s);
		return (-1);
	}
	/* A store bigger than asked keeps its size. */
	if (mdb_env_info(s->env, &info) == 0)
		s->mapsize = info.me_mapsize;
	if ((rc = mdb_txn_begin(s->env, NULL, 0, &txn)) != 0)
		goto lmdb_fail;
	for (i = 0; i < DB_COUNT; i++) {
		rc = mdb_dbi_open(txn, store_db_names[i], MDB_CREATE,
		    &s->dbi[i]);
		if (rc != 0) {
			mdb_txn_abort(txn);
			goto lmdb_fail;
		}
	}
	if ((rc = mdb_txn_commit(txn)) != 0)
		goto lmdb_fail;
	if (store_migrate(s, cause) != 0) {
		store_free(s);
		return (-1);
	}
	*out = s;
	return (0);
lmdb_fail:
	store_error(rc, "open", cause);
	mdb_env_close(s->env);
	free(s);
	return (-1);
}

void
store_free(struct store *s)
{
	if (s == NULL)
		return;
	mdb_env_close(s->env);
	free(s);
}

uint32_t
store_schema_found(const struct store *s)
{
	return (s->schema_found);
}

struct store_txn *
store_begin(struct store *s, int write, char **cause)
{
	struct store_txn	*t;
	int			 rc;

	if (write && s->txn_open)
		fatalx("store: nested write transaction");
	t = xcalloc(1, sizeof *t);
	t->store = s;
	t->write = write;
	rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc != 0) {
		free(t);
		store_error(rc, "begin transaction", cause);
		return (NULL);
	}
	if (write)
		s->txn_open = 1;
	return (t);
}

int
store_commit(struct store_txn *t, char **cause)
{
	int	 rc;

	if (t->error != NULL) {
		/* A failure inside it: nothing of it is kept. */
		if (cause != NULL && *cause == NULL) {
			*cause = t->error;
			t->error = NULL;
		}
		store_abort(t);
		return (-1);
	}
	if (t->write)
		t->store->txn_open = 0;
	rc = mdb_txn_commit(t->txn);
	if (rc == MDB_MAP_FULL) {
		store_note_full(t->store);
		xasprintf(cause, "store: commit: " STORE_FULL_FMT,
		    t->store->mapsize >> 20);
		free(t);
		return (-1);
	}
	free(t);
	if (rc != 0)
		return (store_error(rc, "commit", cause));
	return (0);
}

void
store_abort(struct store_txn *t)
{
	if (t == NULL)
		return;
	if (t->write)
		t->store->txn_open = 0;
	mdb_txn_abort(t->txn);
	free(t->error);
	free(t);
}

static int
store_run(struct store *s, int write, store_fn fn, void *arg, char **cause)
{
	struct store_txn	*t;

	if ((t = store_begin(s, write, cause)) == NULL)
		return (-1);
	if (fn(t, arg, cause) != 0) {
		if (*cause == NULL && t->error != NULL)
			*cause = xstrdup(t->error);
		if (*cause == NULL)
			*cause = xstrdup("store: the operation failed");
		store_abort(t);
		return (-1);
	}
	if (!write) {
		if (txn_failed(t, cause)) {
			store_abort(t);
			return (-1);
		}
		store_abort(t);
		return (0);
	}
	return (store_commit(t, cause));
}

int
store_read(struct store *s, store_fn fn, void *arg, char **cause)
{
	return (store_run(s, 0, fn, arg, cause));
}

int
store_write(struct store *s, store_fn fn, void *arg, char **cause)
{
	return (store_run(s, 1, fn, arg, cause));
}

int
store_get(struct store_txn *t, enum store_db db, const void *key,
    size_t klen, const void **val, size_t *vlen, char **cause)
{
	MDB_val	 k, v;
	int	 rc;

	if (txn_failed(t, cause))
		return (-1);
	k.mv_data = (void *)key;
	k.mv_size = klen;
	rc = store_mdb_read(t, t->store->dbi[db], NULL, &k, &v, MDB_SET);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (txn_lmdb_error(t, rc, store_db_names[db], cause));
	*val = v.mv_data;
	*vlen = v.mv_size;
	return (1);
}

int
store_put(struct store_txn *t, enum store_db db, const void *key,
    size_t klen, const void *val, size_t vlen, char **cause)
{
	MDB_val	 k, v;
	int	 rc;

	if (!t->write)
		fatalx("store: put in a read-only transaction");
	if (txn_failed(t, cause))
		return (-1);
	if (klen == 0 || klen > STORE_MAX_KEY)
		return (store_txn_fail(t, cause, "store: %s: key of %zu bytes "
		    "(1 to %d)", store_db_names[db], klen, STORE_MAX_KEY));
	k.mv_data = (void *)key;
	k.mv_size = klen;
	v.mv_data = (void *)val;
	v.mv_size = vlen;
	t->store->generation[db]++;
	rc = mdb_put(t->txn, t->store->dbi[db], &k, &v, 0);
	if (rc != 0)
		return (txn_lmdb_error(t, rc, store_db_names[db], cause));
	return (0);
}

int
store_del(struct store_txn *t, enum store_db db, const void *key,
    size_t klen, char **cause)
{
	MDB_val	 k;
	int	 rc;

	if (txn_failed(t, cause))
		return (-1);
	if (klen == 0 || klen > STORE_MAX_KEY)
		return (0);	/* no such key can be there */
	k.mv_data = (void *)key;
	k.mv_size = klen;
	t->store->generation[db]++;
	rc = mdb_del(t->txn, t->store->dbi[db], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return (0);
	if (rc != 0)
		return (txn_lmdb_error(t, rc, store_db_names[db], cause));
	return (1);
}

int
store_gets(struct store_txn *t, enum store_db db, const char *key,
    const void **val, size_t *vlen, char **cause)
{
	return (store_get(t, db, key, strlen(key), val, vlen, cause));
}

int
store_puts(struct store_txn *t, enum store_db db, const char *key,
    const void *val, size_t vlen, char **cause)
{
	return (store_put(t, db, key, strlen(key), val, vlen, cause));
}

int
store_dels(struct store_txn *t, enum store_db db, const char *key,
    char **cause)
{
	return (store_del(t, db, key, strlen(key), cause));
}

int
store_foreach(struct store_txn *t, enum store_db db, const void *prefix,
    size_t plen, store_cb cb, void *arg, char **cause)
{
	return (store_foreach_after(t, db, prefix, plen, NULL, 0, cb, arg,
	    cause));
}

int
store_foreach_after(struct store_txn *t, enum store_db db, const void *prefix,
    size_t plen, const void *after, size_t alen, store_cb cb, void *arg,
    char **cause)
{
	MDB_cursor	*cur;
	MDB_val		 k, v;
	MDB_cursor_op	 op;
	int		 rc, ret = 0;

	if (txn_failed(t, cause))
		return (-1);
	if ((rc = mdb_cursor_open(t->txn, t->store->dbi[db], &cur)) != 0)
		return (txn_lmdb_error(t, rc, store_db_names[db], cause));
	if (after != NULL && alen > 0) {
		k.mv_data = (void *)after;
		k.mv_size = alen;
		op = MDB_SET_RANGE;
	} else if (prefix != NULL && plen > 0) {
		k.mv_data = (void *)prefix;
		k.mv_size = plen;
		op = MDB_SET_RANGE;
	} else
		op = MDB_FIRST;
	for (;;) {
		rc = store_mdb_read(t, 0, cur, &k, &v, op);
		op = MDB_NEXT;
		if (rc == MDB_NOTFOUND)
			break;
		if (rc != 0) {
			ret = txn_lmdb_error(t, rc, store_db_names[db], cause);
			break;
		}
		/* The key walked to last time is not walked again. */
		if (after != NULL && k.mv_size == alen &&
		    memcmp(k.mv_data, after, alen) == 0)
			continue;
		if (prefix != NULL && plen > 0 &&
		    (k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0))
			break;
		ret = cb(k.mv_data, k.mv_size, v.mv_data, v.mv_size, arg);
		if (ret != 0) {
			if (ret == 1)
				ret = 0;
			else {
				if (*cause == NULL)
					xasprintf(cause, "store: %s: walk failed",
					    store_db_names[db]);
				txn_error(t, "%s", *cause);
			}
			break;
		}
	}
	mdb_cursor_close(cur);
	return (ret);
}

size_t
store_count(struct store_txn *t, enum store_db db)
{
	MDB_stat	 st;

	if (mdb_stat(t->txn, t->store->dbi[db], &st) != 0)
		return (0);
	return (st.ms_entries);
}

int
store_next_id(struct store_txn *t, const char *name, uint64_t *out,
    char **cause)
{
	char		 key[128];
	const void	*v;
	size_t		 vlen;
	uint64_t	 id = 0;
	int		 ret;

	snprintf(key, sizeof key, "seq:%s", name);
	ret = store_gets(t, DB_META, key, &v, &vlen, cause);
	if (ret == -1)
		return (-1);
	if (ret == 1 && vlen == sizeof id)
		memcpy(&id, v, sizeof id);
	id++;
	if (store_puts(t, DB_META, key, &id, sizeof id, cause) != 0)
		return (-1);
	*out = id;
	return (0);
}

int
store_usage(struct store *s, uint64_t *used, uint64_t *mapsize, char **cause)
{
	MDB_envinfo	 info;
	MDB_stat	 st;
	int		 rc;

	if ((rc = mdb_env_info(s->env, &info)) != 0 ||
	    (rc = mdb_env_stat(s->env, &st)) != 0)
		return (store_error(rc, "info", cause));
	*used = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
	*mapsize = info.me_mapsize;
	return (0);
}

time_t
store_full_at(const struct store *s, uint64_t *refused)
{
	*refused = s->refused_full;
	return (s->full_at);
}

uint64_t
store_generation(struct store *s, enum store_db db)
{
	return (s->generation[db]);
}

/*
 * Let go of the store's pages this process has touched (a scan of the
 * inventory touches them all): they stay in the kernel's page cache and
 * come back on the next read.  The map is read-only (no MDB_WRITEMAP:
 * writes go through the file), so nothing can be lost.
 */
void
store_drop_pages(struct store *s)
{
	struct stat		 st;
	FILE			*f;
	char			 line[512];
	unsigned long long	 start, end, inode;
	mdb_filehandle_t	 fd;

	/* LMDB does not say where it mapped the file: the kernel does. */
	if (mdb_env_get_fd(s->env, &fd) != 0 || fstat(fd, &st) == -1 ||
	    (f = fopen("/proc/self/maps", "re")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "%llx-%llx %*s %*s %*s %llu", &start, &end,
		    &inode) != 3 || inode != (unsigned long long)st.st_ino ||
		    strstr(line, "/data.mdb") == NULL)
			continue;
		if (madvise((void *)(uintptr_t)start, (size_t)(end - start),
		    MADV_DONTNEED) == -1)
			log_debug("store: madvise: %s", strerror(errno));
	}
	fclose(f);
}

int
store_copy(struct store *s, int fd, char **cause)
{
	int	 rc;

	if ((rc = mdb_env_copyfd2(s->env, fd, MDB_CP_COMPACT)) != 0)
		return (store_error(rc, "compacted copy", cause));
	return (0);
}

/*
 * File targets: one version's files written together, and checked
 * (targets.h).
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "acmd.h"
#include "conf.h"
#include "log.h"
#include "targets.h"
#include "util.h"
#include "xmalloc.h"

enum { TF_CERT, TF_CHAIN, TF_FULLCHAIN, TF_KEY, TARGET_FILES };
#define TARGET_TMP	".acmd-new"	/* suffix of the temporary files */
#define TARGET_OLD	".acmd-old"	/* the previous file, kept aside */
#define TARGET_ABSENT	".acmd-absent"	/* kept aside: there was none */
#define TARGET_READ_MAX	(1024 * 1024)	/* a file bigger is not ours */

struct target_file {
	const char	*path;		/* from the configuration */
	int		 kind;		/* TF_* */
	const char	*what;		/* "cert", ..., in messages */
	char		*data;		/* what it is to hold */
	size_t		 len;
	int		 secret;
	mode_t		 mode;
	int		 dirfd;
	char		*base;		/* the file's name in its directory */
	char		*tmp;		/* the temporary one's */
	char		*old;		/* the previous one's, kept aside */
	char		*absent;	/* the marker: there was none */
	int		 written;	/* tmp is there */
	int		 switched;	/* renamed into place */
};

static void
target_files_free(struct target_file *f, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (f[i].written)
			unlinkat(f[i].dirfd, f[i].tmp, 0);
		if (f[i].dirfd != -1)
			close(f[i].dirfd);
		if (f[i].data != NULL && f[i].secret)
			xfree_secret(f[i].data, f[i].len + 1);
		else
			free(f[i].data);
		free(f[i].base);
		free(f[i].tmp);
		free(f[i].old);
		free(f[i].absent);
	}
}

/* PEM text joined: a and b, a newline between when a lacks one. */
static char *
target_join(const char *a, const char *b)
{
	char	*s;

	xasprintf(&s, "%s%s%s", a, *a != '\0' && a[strlen(a) - 1] != '\n' ?
	    "\n" : "", b);
	return (s);
}

/*
 * The files of t, in the order they are switched: the certificate files
 * first, the key last (a server reads its certificate, then its key).
 */
static void
target_paths(const struct conf_target *t, struct target_file *f, size_t *n)
{
	const char	*path[TARGET_FILES] = { t->cert, t->chain,
			    t->fullchain, t->key };
	const char	*what[TARGET_FILES] = { "cert", "chain", "fullchain",
			    "key" };
	size_t		 i;

	*n = 0;
	memset(f, 0, TARGET_FILES * sizeof *f);
	for (i = 0; i < TARGET_FILES; i++) {
		f[i].dirfd = -1;
		if (path[i] == NULL)
			continue;
		f[*n].path = path[i];
		f[*n].kind = (int)i;
		f[*n].what = what[i];
		f[*n].secret = i == TF_KEY;
		f[*n].mode = f[*n].secret ? t->key_mode : t->mode;
		(*n)++;
	}
}

/*
 * The files of t with what each is to hold (the key in secure memory).
 * -1 with cause when v lacks what t needs (the key).
 */
static int
target_files(const struct conf_target *t, const struct target_version *v,
    struct target_file *f, size_t *n, char **cause)
{
	size_t	 i;

	target_paths(t, f, n);
	if (t->key != NULL && v->key == NULL) {
		xasprintf(cause, "target %s wants a key and this version has "
		    "none (acmctl fetch-key, or cert renew with --key)", t->id);
		*n = 0;
		return (-1);
	}
	for (i = 0; i < *n; i++) {
		if (f[i].secret) {
			f[i].len = v->keylen;
			f[i].data = xmalloc_secret(v->keylen + 1);
			memcpy(f[i].data, v->key, v->keylen);
			f[i].data[v->keylen] = '\0';
		} else if (f[i].kind == TF_CERT)
			f[i].data = xstrdup(v->cert);
		else if (f[i].kind == TF_CHAIN)
			f[i].data = xstrdup(v->chain != NULL ? v->chain : "");
		else
			f[i].data = target_join(v->cert, v->chain != NULL ?
			    v->chain : "");
		if (!f[i].secret)
			f[i].len = strlen(f[i].data);
	}
	return (0);
}

/*
 * Open the directory of f's path: resolved (symbolic links followed
 * there, where only root and the directory's owners could have put
 * them), inside target_dirs, a directory.  -1 with cause.
 */
static int
target_open_dir(const struct conf_target *t, struct target_file *f,
    char **cause)
{
	char	*dir, real[PATH_MAX];
	int	 ret = -1;

	dir = xstrndup(f->path, strrchr(f->path, '/') - f->path);
	if (realpath(*dir == '\0' ? "/" : dir, real) == NULL) {
		xasprintf(cause, "target %s: directory %s of %s: %s", t->id,
		    *dir == '\0' ? "/" : dir, f->what, strerror(errno));
		goto out;
	}
	if (!config_target_dir_allowed(acmd.conf, real)) {
		xasprintf(cause, "target %s: directory %s (%s) is outside "
		    "[daemon] target_dirs (%s)", t->id, dir, real,
		    acmd.conf->target_dirs != NULL ? acmd.conf->target_dirs :
		    "none set");
		goto out;
	}
	if ((f->dirfd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		xasprintf(cause, "target %s: directory %s: %s", t->id, real,
		    strerror(errno));
		goto out;
	}
	f->base = xstrdup(strrchr(f->path, '/') + 1);
	xasprintf(&f->tmp, ".%s%s", f->base, TARGET_TMP);
	xasprintf(&f->old, ".%s%s", f->base, TARGET_OLD);
	xasprintf(&f->absent, ".%s%s", f->base, TARGET_ABSENT);
	ret = 0;
out:
	free(dir);
	return (ret);
}

/*
 * f's temporary file: a new file (a leftover of a crash, or anything a
 * user planted under that name, is removed first: unlinking a symbolic
 * link never touches what it points at), never opened through a link,
 * its owner and mode set before the data goes in, synced.
 */
static int
target_write_tmp(const struct conf_target *t, struct target_file *f,
    char **cause)
{
	const char	*step;
	int		 fd, saved;

	if (unlinkat(f->dirfd, f->tmp, 0) == -1 && errno != ENOENT) {
		step = "removing an old temporary file";
		goto fail0;
	}
	fd = openat(f->dirfd, f->tmp, O_WRONLY | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		step = "creating";
		goto fail0;
	}
	f->written = 1;
	step = "setting its owner";
	if ((t->uid != (uid_t)-1 || t->gid != (gid_t)-1) &&
	    fchown(fd, t->uid, t->gid) == -1)
		goto fail;
	step = "setting its mode";
	if (fchmod(fd, f->mode) == -1)
		goto fail;
	step = "writing";
	if (write_full(fd, f->data, f->len) == -1)
		goto fail;
	step = "syncing";
	if (fsync(fd) == -1)
		goto fail;
	step = "closing";
	if (close(fd) == -1)
		goto fail0;
	return (0);
fail:
	saved = errno;
	close(fd);
	errno = saved;
fail0:
	xasprintf(cause, "target %s: %s: %s a temporary file: %s", t->id,
	    f->path, step, strerror(errno));
	return (-1);
}

/*
 * Keep f's previous file aside until the reload has gone well: a second
 * link .NAME.acmd-old to it (the same inode: its bytes, owner and mode),
 * or an empty .NAME.acmd-absent when there was none.  What an unfinished
 * deployment kept (acmd killed before its end, a restore that failed) is
 * kept as it is: it is what the target held before.
 */
static int
target_keep(const struct conf_target *t, struct target_file *f,
    char **cause)
{
	struct stat	 st;
	int		 fd;

	if (fstatat(f->dirfd, f->old, &st, AT_SYMLINK_NOFOLLOW) == 0 ||
	    fstatat(f->dirfd, f->absent, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return (0);
	if (linkat(f->dirfd, f->base, f->dirfd, f->old, 0) == 0)
		return (0);
	if (errno == ENOENT && (fd = openat(f->dirfd, f->absent, O_WRONLY |
	    O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) != -1) {
		close(fd);
		return (0);
	}
	xasprintf(cause, "target %s: %s: keeping the previous file aside (as "
	    "%s): %s", t->id, f->path, f->old, strerror(errno));
	return (-1);
}

/*
 * Put f's kept previous file back in its place (0), or remove f's file
 * when there was none (1), atomically; nothing kept: nothing done (0).
 * -1 with cause.
 */
static int
target_put_back(const struct conf_target *t, struct target_file *f,
    char **cause)
{
	struct stat	 st;

	if (renameat(f->dirfd, f->old, f->dirfd, f->base) == 0) {
		/* Two links of one file: rename does nothing. */
		unlinkat(f->dirfd, f->old, 0);
		unlinkat(f->dirfd, f->absent, 0);
		return (0);
	}
	if (errno != ENOENT)
		goto fail;
	/* There was none: the file goes first, the marker after it. */
	if (fstatat(f->dirfd, f->absent, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno == ENOENT)
			return (0);	/* nothing kept */
		goto fail;
	}
	if ((unlinkat(f->dirfd, f->base, 0) == -1 && errno != ENOENT) ||
	    unlinkat(f->dirfd, f->absent, 0) == -1)
		goto fail;
	return (1);
fail:
	xasprintf(cause, "target %s: putting the previous %s back: %s", t->id,
	    f->path, strerror(errno));
	return (-1);
}

/* What f kept aside goes. */
static void
target_drop(struct target_file *f)
{
	unlinkat(f->dirfd, f->old, 0);
	unlinkat(f->dirfd, f->absent, 0);
}

/* Sync the directories of f (each once is enough; n is at most 4). */
static int
target_sync_dirs(const struct conf_target *t, struct target_file *f,
    size_t n, char **cause)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (fsync(f[i].dirfd) == -1) {
			xasprintf(cause, "target %s: syncing the directory of "
			    "%s: %s", t->id, f[i].path, strerror(errno));
			return (-1);
		}
	}
	return (0);
}

/* long: every file written, the previous ones kept, then the switch */
int
target_write(const struct conf_target *t, const struct target_version *v,
    char **cause)
{
	struct target_file	 f[TARGET_FILES];
	size_t			 n, i;
	char			*c2 = NULL;
	int			 ret = -1;

	if (target_files(t, v, f, &n, cause) != 0)
		return (-1);
	for (i = 0; i < n; i++) {
		if (target_open_dir(t, &f[i], cause) != 0 ||
		    target_write_tmp(t, &f[i], cause) != 0)
			goto out;
	}
	for (i = 0; i < n; i++) {
		if (target_keep(t, &f[i], cause) != 0)
			goto out;
	}
	if (target_sync_dirs(t, f, n, cause) != 0)
		goto out;
	/* Every file is written: now they switch, one right after another. */
	for (i = 0; i < n; i++) {
		if (renameat(f[i].dirfd, f[i].tmp, f[i].dirfd, f[i].base) ==
		    -1) {
			xasprintf(cause, "target %s: renaming into %s: %s "
			    "(the previous files are put back)", t->id,
			    f[i].path, strerror(errno));
			goto out;
		}
		f[i].written = 0;
		f[i].switched = 1;
	}
	if (target_sync_dirs(t, f, n, cause) != 0)
		goto out;
	ret = 0;
out:
	/*
	 * Failed: what switched goes back.  What was kept for the others
	 * stays (it is what is in place) until a deployment ends well.
	 */
	for (i = 0; ret != 0 && i < n; i++) {
		if (f[i].switched && target_put_back(t, &f[i], &c2) == -1) {
			log_warnx("%s", c2);
			free(c2);
			c2 = NULL;
		}
	}
	target_files_free(f, n);
	return (ret);
}

/*
 * t's files without their data, each with its directory open: -1 with
 * cause (the directory gone or not allowed).
 */
static int
target_open_all(const struct conf_target *t, struct target_file *f,
    size_t *n, char **cause)
{
	size_t	 i;

	target_paths(t, f, n);
	for (i = 0; i < *n; i++) {
		if (target_open_dir(t, &f[i], cause) != 0) {
			target_files_free(f, *n);
			return (-1);
		}
	}
	return (0);
}

int
target_restore(const struct conf_target *t, char **cause)
{
	struct target_file	 f[TARGET_FILES];
	size_t			 n, i, removed = 0;
	int			 r = 0;

	if (target_open_all(t, f, &n, cause) != 0)
		return (-1);
	for (i = 0; i < n && r != -1; i++) {
		if ((r = target_put_back(t, &f[i], cause)) == 1)
			removed++;
	}
	if (r != -1)
		r = target_sync_dirs(t, f, n, cause);
	target_files_free(f, n);
	return (r == -1 ? -1 : removed == n ? 1 : 0);
}

void
target_forget(const struct conf_target *t)
{
	struct target_file	 f[TARGET_FILES];
	size_t			 n, i;
	char			*cause = NULL;

	if (target_open_all(t, f, &n, &cause) != 0) {
		log_warnx("%s", cause);
		free(cause);
		return;
	}
	for (i = 0; i < n; i++)
		target_drop(&f[i]);
	target_files_free(f, n);
}

/*
 * Read f's file as it is, never through a symbolic link.  1 read (*buf,
 * *len, *st; *buf in secure memory for the key), 0 missing, -1 with why.
 */
static int
target_read(const struct target_file *f, char **buf, size_t *len,
    struct stat *st, char **why)
{
	ssize_t	 r;
	int	 fd;

	*buf = NULL;
	fd = openat(f->dirfd, f->base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
	    O_NONBLOCK);
	if (fd == -1 && errno == ENOENT)
		return (0);
	if (fd == -1 && errno == ELOOP) {
		xasprintf(why, "%s is a symbolic link", f->path);
		return (-1);
	}
	if (fd == -1 || fstat(fd, st) == -1) {
		xasprintf(why, "%s: %s", f->path, strerror(errno));
		if (fd != -1)
			close(fd);
		return (-1);
	}
	if (!S_ISREG(st->st_mode) || st->st_size > TARGET_READ_MAX) {
		xasprintf(why, "%s is not a regular file of a certificate's "
		    "size", f->path);
		close(fd);
		return (-1);
	}
	*len = (size_t)st->st_size;
	*buf = f->secret ? xmalloc_secret(*len + 1) : xmalloc(*len + 1);
	r = read(fd, *buf, *len + 1);
	close(fd);
	if (r != (ssize_t)*len) {
		xasprintf(why, "%s changed while it was read", f->path);
		if (f->secret)
			xfree_secret(*buf, *len + 1);
		else
			free(*buf);
		return (-1);
	}
	return (1);
}

/* One file against what it should hold: 0 same, 1 differs, 2 missing. */
static int
target_check_one(const struct conf_target *t, const struct target_file *f,
    char **why)
{
	struct stat	 st;
	char		*buf;
	size_t		 len = 0;
	int		 r, ret = 1;

	if ((r = target_read(f, &buf, &len, &st, why)) <= 0) {
		if (r == 0)
			xasprintf(why, "%s is missing", f->path);
		return (r == 0 ? 2 : 1);
	}
	if (len != f->len || CRYPTO_memcmp(buf, f->data, len) != 0)
		xasprintf(why, "%s holds something else", f->path);
	else if ((st.st_mode & 07777) != f->mode)
		xasprintf(why, "%s has mode %04o, not %04o", f->path,
		    (unsigned)(st.st_mode & 07777), (unsigned)f->mode);
	else if ((t->uid != (uid_t)-1 && st.st_uid != t->uid) ||
	    (t->gid != (gid_t)-1 && st.st_gid != t->gid))
		xasprintf(why, "%s is owned by %u:%u, not %s:%s", f->path,
		    (unsigned)st.st_uid, (unsigned)st.st_gid, t->owner ?
		    t->owner : "-", t->group ? t->group : "-");
	else
		ret = 0;
	if (f->secret)
		xfree_secret(buf, len + 1);
	else
		free(buf);
	return (ret);
}

int
target_check(const struct conf_target *t, const struct target_version *v,
    char **why)
{
	struct target_file	 f[TARGET_FILES];
	size_t			 n, i, missing = 0;
	char			*w, *diff = NULL, *gone = NULL;
	int			 r, ret;

	if (target_files(t, v, f, &n, why) != 0)
		return (-1);
	for (i = 0; i < n; i++) {
		w = NULL;
		if (target_open_dir(t, &f[i], &w) != 0) {
			*why = w;
			ret = -1;
			goto out;
		}
		if ((r = target_check_one(t, &f[i], &w)) == 2)
			missing++;
		if (r == 2 && gone == NULL)
			gone = w;
		else if (r == 1 && diff == NULL)
			diff = w;
		else
			free(w);
	}
	/* Missing only when every file is; one gone among others: changed. */
	ret = missing == n ? 2 : diff != NULL || missing > 0 ? 1 : 0;
	if (ret != 0) {
		*why = diff != NULL ? diff : gone;
		if (*why == diff)
			diff = NULL;
		else
			gone = NULL;
	}
out:
	free(diff);
	free(gone);
	target_files_free(f, n);
	return (ret);
}

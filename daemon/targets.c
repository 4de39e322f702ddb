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
#include "targets.h"
#include "util.h"
#include "xmalloc.h"

#define TARGET_FILES	4
#define TARGET_TMP	".acmd-new"	/* suffix of the temporary files */
#define TARGET_READ_MAX	(1024 * 1024)	/* a file bigger is not ours */

struct target_file {
	const char	*path;		/* from the configuration */
	const char	*what;		/* "cert", ..., in messages */
	char		*data;		/* what it is to hold */
	size_t		 len;
	int		 secret;
	mode_t		 mode;
	int		 dirfd;
	char		*base;		/* the file's name in its directory */
	char		*tmp;		/* the temporary one's */
	int		 written;	/* tmp is there */
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
 * The files of t with what each is to hold (the key in secure memory).
 * -1 with cause when v lacks what t needs (the key).
 */
static int
target_files(const struct conf_target *t, const struct target_version *v,
    struct target_file *f, size_t *n, char **cause)
{
	size_t	 i;

	*n = 0;
	memset(f, 0, TARGET_FILES * sizeof *f);
	for (i = 0; i < TARGET_FILES; i++)
		f[i].dirfd = -1;
	if (t->key != NULL && v->key == NULL) {
		xasprintf(cause, "target %s wants a key and this version has "
		    "none (acmctl fetch-key, or cert renew with --key)", t->id);
		return (-1);
	}
	if (t->cert != NULL) {
		f[*n].path = t->cert;
		f[*n].what = "cert";
		f[(*n)++].data = xstrdup(v->cert);
	}
	if (t->chain != NULL) {
		f[*n].path = t->chain;
		f[*n].what = "chain";
		f[(*n)++].data = xstrdup(v->chain != NULL ? v->chain : "");
	}
	if (t->fullchain != NULL) {
		f[*n].path = t->fullchain;
		f[*n].what = "fullchain";
		f[(*n)++].data = target_join(v->cert, v->chain != NULL ?
		    v->chain : "");
	}
	for (i = 0; i < *n; i++) {
		f[i].len = strlen(f[i].data);
		f[i].mode = t->mode;
	}
	if (t->key != NULL) {
		f[*n].path = t->key;
		f[*n].what = "key";
		f[*n].secret = 1;
		f[*n].mode = t->key_mode;
		f[*n].len = v->keylen;
		f[*n].data = xmalloc_secret(v->keylen + 1);
		memcpy(f[*n].data, v->key, v->keylen);
		f[*n].data[v->keylen] = '\0';
		(*n)++;
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

int
target_write(const struct conf_target *t, const struct target_version *v,
    char **cause)
{
	struct target_file	 f[TARGET_FILES];
	size_t			 n, i;
	int			 ret = -1;

	if (target_files(t, v, f, &n, cause) != 0)
		return (-1);
	for (i = 0; i < n; i++) {
		if (target_open_dir(t, &f[i], cause) != 0 ||
		    target_write_tmp(t, &f[i], cause) != 0)
			goto out;
	}
	/* Every file is written: now they switch, one right after another. */
	for (i = 0; i < n; i++) {
		if (renameat(f[i].dirfd, f[i].tmp, f[i].dirfd, f[i].base) ==
		    -1) {
			xasprintf(cause, "target %s: renaming into %s: %s "
			    "(%zu of %zu files switched; acmd writes them all "
			    "again)", t->id, f[i].path, strerror(errno), i, n);
			goto out;
		}
		f[i].written = 0;
	}
	for (i = 0; i < n; i++) {
		if (fsync(f[i].dirfd) == -1) {
			xasprintf(cause, "target %s: syncing the directory of "
			    "%s: %s", t->id, f[i].path, strerror(errno));
			goto out;
		}
	}
	ret = 0;
out:
	target_files_free(f, n);
	return (ret);
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

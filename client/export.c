/*
 * cert export --out DIR: the files written safely.  Each file is written
 * to a new temporary file in DIR (O_EXCL|O_NOFOLLOW, never an existing
 * one), synced and renamed into place, so nothing is ever written through
 * a file or a symbolic link someone else put there.  A DIR others can
 * write is refused unless it is sticky; an existing file is replaced only
 * with --force, and in a sticky DIR never when another user owns it.
 */
#include <sys/random.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <msgpack.h>
#include <openssl/crypto.h>

#include "acmctl.h"
#include "mp.h"
#include "proto.h"
#include "util.h"
#include "xmalloc.h"

#define EXPORT_CRT	".crt"
#define EXPORT_CHAIN	".chain.pem"
#define EXPORT_KEY	".key"

/* Others than the owner (and the owner's group, when it is ours) write. */
static int
dir_shared(const struct stat *st)
{
	if (st->st_mode & S_IWOTH)
		return (1);
	return ((st->st_mode & S_IWGRP) && st->st_gid != getegid());
}

/*
 * Open DIR for the export; -1 after saying why (a directory others can
 * write without the sticky bit, not a directory, not there).
 */
static int
export_open_dir(const char *cmd, const char *dir, struct stat *st)
{
	int	 fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "acmctl %s: --out %s: %s\n", cmd, dir,
		    strerror(errno));
		return (-1);
	}
	if (fstat(fd, st) == -1) {
		fprintf(stderr, "acmctl %s: --out %s: %s\n", cmd, dir,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	if (dir_shared(st) && !(st->st_mode & S_ISVTX)) {
		fprintf(stderr, "acmctl %s: --out %s: other users can write "
		    "into this directory (mode %04o, not sticky): refused\n",
		    cmd, dir, (unsigned int)(st->st_mode & 07777));
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * Whether the file NAME+ext may be (re)placed in the directory: 0 if it is
 * not there, or it is and --force says replace it (not when another user
 * owns it in a shared sticky directory); -1 after saying why.
 */
static int
export_check_target(const char *cmd, int dfd, const struct stat *dst,
    const char *dir, const char *name, const char *ext, int force)
{
	struct stat	 st;
	char		*file;
	int		 ret = 0;

	xasprintf(&file, "%s%s", name, ext);
	if (fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno != ENOENT) {
			fprintf(stderr, "acmctl %s: %s/%s: %s\n", cmd, dir, file,
			    strerror(errno));
			ret = -1;
		}
	} else if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "acmctl %s: %s/%s is a directory: refused\n",
		    cmd, dir, file);
		ret = -1;
	} else if (dir_shared(dst) && st.st_uid != geteuid()) {
		fprintf(stderr, "acmctl %s: %s/%s belongs to another user (uid "
		    "%u) in a shared directory: refused, even with --force\n",
		    cmd, dir, file, (unsigned int)st.st_uid);
		ret = -1;
	} else if (!force) {
		fprintf(stderr, "acmctl %s: %s/%s exists%s: refused (--force "
		    "replaces it)\n", cmd, dir, file, S_ISLNK(st.st_mode) ?
		    " (a symbolic link)" : st.st_uid != geteuid() ?
		    " and belongs to another user" : "");
		ret = -1;
	}
	free(file);
	return (ret);
}

/* Every file the export writes may be written; -1 after saying why. */
static int
export_check(const char *cmd, const char *dir, const char *name, int with_key,
    int force)
{
	struct stat	 st;
	int		 dfd, ret = 0;

	if (*name == '\0' || *name == '.' || strchr(name, '/') != NULL) {
		fprintf(stderr, "acmctl %s: '%s' cannot name a file\n", cmd,
		    name);
		return (-1);
	}
	if ((dfd = export_open_dir(cmd, dir, &st)) == -1)
		return (-1);
	if (export_check_target(cmd, dfd, &st, dir, name, EXPORT_CRT,
	    force) != 0 ||
	    export_check_target(cmd, dfd, &st, dir, name, EXPORT_CHAIN,
	    force) != 0 ||
	    (with_key && export_check_target(cmd, dfd, &st, dir, name,
	    EXPORT_KEY, force) != 0))
		ret = -1;
	close(dfd);
	return (ret);
}

/*
 * cert export: with --out, the directory and the files are checked before
 * anything is asked of acmd, so a refused export fetches no key.
 */
int
prepare_export(const struct ctl_cmd *c, json_t *args)
{
	const char	*dir, *name;
	int		 force;

	dir = json_string_value(json_object_get(ctl_local, "out"));
	force = json_is_true(json_object_get(ctl_local, "force"));
	if (dir == NULL) {
		if (force) {
			fprintf(stderr, "acmctl %s: --force goes with --out\n",
			    c->name);
			return (-1);
		}
		return (0);
	}
	if (ctl_json) {
		fprintf(stderr, "acmctl %s: --out writes files and --json prints "
		    "them: give one of the two\n", c->name);
		return (-1);
	}
	if ((name = json_string_value(json_object_get(args,
	    PROTO_A_NAME))) == NULL)
		return (0);
	return (export_check(c->name, dir, name, json_is_true(
	    json_object_get(args, PROTO_A_WITH_KEY)), force));
}

/* A new file in the directory, never there before: its fd, or -1. */
static int
export_tmp(int dfd, const char *file, mode_t mode, char **tmp)
{
	unsigned char	 rnd[6];
	int		 fd, tries;

	for (tries = 0; tries < 100; tries++) {
		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
			memset(rnd, tries, sizeof rnd);
		xasprintf(tmp, ".%s.%02x%02x%02x%02x%02x%02x", file, rnd[0],
		    rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
		fd = openat(dfd, *tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, mode);
		if (fd != -1 || errno != EEXIST)
			return (fd);
		free(*tmp);
	}
	*tmp = NULL;
	errno = EEXIST;
	return (-1);
}

static int
write_all(int fd, const char *text)
{
	return (write_full(fd, text, strlen(text)));
}

/*
 * Write one file: a temporary one, synced, renamed into place (replacing
 * an existing one only with --force); then the directory is synced.
 */
static int
export_write(int dfd, const char *dir, const char *name, const char *ext,
    const char *text, mode_t mode, int force)
{
	char	*file, *tmp = NULL;
	int	 fd, ret = -1;

	xasprintf(&file, "%s%s", name, ext);
	if ((fd = export_tmp(dfd, file, mode, &tmp)) == -1) {
		fprintf(stderr, "acmctl: %s/%s: cannot create a temporary file: "
		    "%s\n", dir, file, strerror(errno));
		free(file);
		return (-1);
	}
	if (fchmod(fd, mode) == -1 || write_all(fd, text) == -1 ||
	    fsync(fd) == -1) {
		fprintf(stderr, "acmctl: %s/%s: %s\n", dir, tmp,
		    strerror(errno));
		close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		fprintf(stderr, "acmctl: %s/%s: %s\n", dir, tmp,
		    strerror(errno));
		goto fail;
	}
	if (renameat2(dfd, tmp, dfd, file, force ? 0 : RENAME_NOREPLACE) ==
	    -1) {
		fprintf(stderr, "acmctl: %s/%s: %s%s\n", dir, file,
		    strerror(errno), errno == EEXIST ? " (--force replaces it)" :
		    "");
		goto fail;
	}
	fsync(dfd);
	printf("%s/%s\n", dir, file);
	ret = 0;
fail:
	if (ret != 0)
		unlinkat(dfd, tmp, 0);
	free(tmp);
	free(file);
	return (ret);
}

/* The files of an export into DIR; -1 if one could not be written. */
static int
export_files(const char *dir, const char *name, const char *cert,
    const char *chain, const char *key, int force)
{
	struct stat	 st;
	int		 dfd, ret = 0;

	if ((dfd = export_open_dir("cert export", dir, &st)) == -1)
		return (-1);
	/* Checked again: the directory may have changed since. */
	if (export_check("cert export", dir, name, key != NULL, force) != 0)
		ret = -1;
	if (ret == 0 && cert != NULL && export_write(dfd, dir, name,
	    EXPORT_CRT, cert, 0644, force) != 0)
		ret = -1;
	if (ret == 0 && chain != NULL && *chain != '\0' && export_write(dfd,
	    dir, name, EXPORT_CHAIN, chain, 0644, force) != 0)
		ret = -1;
	if (ret == 0 && key != NULL && export_write(dfd, dir, name, EXPORT_KEY,
	    key, 0600, force) != 0)
		ret = -1;
	close(dfd);
	return (ret);
}

void
render_export(const msgpack_object *o, FILE *f)
{
	const char	*dir;
	char		*name, *cert, *chain, *key;

	name = mp_obj_str(mp_map_get(o, "name"));
	cert = mp_obj_str(mp_map_get(o, "cert"));
	chain = mp_obj_str(mp_map_get(o, "chain"));
	key = mp_obj_str(mp_map_get(o, "key"));
	dir = json_string_value(json_object_get(ctl_local, "out"));
	if (dir != NULL && name != NULL) {
		if (export_files(dir, name, cert, chain, key,
		    json_is_true(json_object_get(ctl_local, "force"))) != 0)
			ctl_exit = EXIT_USAGE;
	} else {
		if (cert != NULL)
			fputs(cert, f);
		if (chain != NULL)
			fputs(chain, f);
		if (key != NULL)
			fputs(key, f);
	}
	free(name);
	free(cert);
	free(chain);
	if (key != NULL) {
		OPENSSL_cleanse(key, strlen(key));
		free(key);
	}
}

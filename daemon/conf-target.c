/*
 * [target NAME] sections of acmd.conf: where a repository certificate is
 * written on this machine, by whom it is owned, and what reloads the
 * server that reads it.  Settings: cert, chain, fullchain, key (paths,
 * absolute; any may be left out, one at least given), owner, group, mode
 * (certificate files, default 0644), key_mode (default 0600), reload (a
 * command line split into words without a shell: blanks separate, double
 * or single quotes group), reload_user (default acmd's user),
 * reload_timeout (default 30s).  Every file's directory must be one of
 * [daemon] target_dirs or below one.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf-check.h"
#include "util.h"
#include "xmalloc.h"

#define TARGET_TIMEOUT_DEF	30
#define TARGET_TIMEOUT_MAX	3600
#define TARGET_ARGV_MAX		64

static const char *const target_keys[] = { "cert", "chain", "fullchain",
    "key", "owner", "group", "mode", "key_mode", "reload", "reload_user",
    "reload_timeout", NULL };

static struct conf_target *
target_get(struct config *c, const char *id, int line)
{
	struct conf_target	*t;
	size_t			 i;

	for (i = 0; i < c->ntargets; i++) {
		if (strcmp(c->targets[i].id, id) == 0)
			return (&c->targets[i]);
	}
	if (c->ntargets == CONF_MAX_TARGETS)
		return (NULL);
	c->targets = xreallocarray(c->targets, c->ntargets + 1,
	    sizeof *c->targets);
	t = &c->targets[c->ntargets++];
	memset(t, 0, sizeof *t);
	t->id = xstrdup(id);
	t->uid = t->reload_uid = (uid_t)-1;
	t->gid = t->reload_gid = (gid_t)-1;
	t->mode = 0644;
	t->key_mode = 0600;
	t->reload_timeout = TARGET_TIMEOUT_DEF;
	t->line = line;
	return (t);
}

/* Words of a command line: blanks separate, quotes group; no shell. */
static char **
target_split(const char *s, char **cause)
{
	char		**argv = NULL, *w;
	size_t		 n = 0, len;
	char		 q;

	w = xmalloc(strlen(s) + 1);
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		len = 0;
		while (*s != '\0' && *s != ' ' && *s != '\t') {
			if (*s != '"' && *s != '\'') {
				w[len++] = *s++;
				continue;
			}
			for (q = *s++; *s != '\0' && *s != q;)
				w[len++] = *s++;
			if (*s++ != q) {
				xasprintf(cause, "a quote is not closed");
				goto fail;
			}
		}
		if (n + 2 > TARGET_ARGV_MAX) {
			xasprintf(cause, "more than %d words",
			    TARGET_ARGV_MAX - 1);
			goto fail;
		}
		argv = xreallocarray(argv, n + 2, sizeof *argv);
		argv[n++] = xstrndup(w, len);
		argv[n] = NULL;
	}
	free(w);
	if (n == 0 || argv[0][0] != '/') {
		xasprintf(cause, "the command must be an absolute path (it runs "
		    "without a shell)");
		goto fail2;
	}
	return (argv);
fail:
	free(w);
fail2:
	while (n > 0)
		free(argv[--n]);
	free(argv);
	return (NULL);
}

static int
target_user(const char *v, uid_t *uid, gid_t *gid, char **cause)
{
	struct passwd	*pw;

	if ((pw = getpwnam(v)) == NULL) {
		xasprintf(cause, "no user '%s'", v);
		return (-1);
	}
	*uid = pw->pw_uid;
	if (gid != NULL)
		*gid = pw->pw_gid;
	return (0);
}

/* The value of one setting into t: 0, or -1 with cause. */
static int
target_value(struct conf_target *t, const char *key, const char *v,
    char **cause)
{
	struct group	*gr;
	char		**field = NULL;
	uint64_t	 u;

	if (strcmp(key, "mode") == 0)
		return (conf_mode(v, &t->mode, cause));
	if (strcmp(key, "key_mode") == 0)
		return (conf_mode(v, &t->key_mode, cause));
	if (strcmp(key, "reload_timeout") == 0) {
		if (parse_duration(v, &u, cause) != 0)
			return (-1);
		if (u < 1 || u > TARGET_TIMEOUT_MAX) {
			xasprintf(cause, "%s is out of range (1s to %ds)", v,
			    TARGET_TIMEOUT_MAX);
			return (-1);
		}
		t->reload_timeout = u;
		return (0);
	}
	if (strcmp(key, "owner") == 0) {
		if (target_user(v, &t->uid, NULL, cause) != 0)
			return (-1);
		field = &t->owner;
	} else if (strcmp(key, "reload_user") == 0) {
		if (target_user(v, &t->reload_uid, &t->reload_gid, cause) != 0)
			return (-1);
		field = &t->reload_user;
	} else if (strcmp(key, "group") == 0) {
		if ((gr = getgrnam(v)) == NULL) {
			xasprintf(cause, "no group '%s'", v);
			return (-1);
		}
		t->gid = gr->gr_gid;
		field = &t->group;
	} else if (strcmp(key, "reload") == 0) {
		if ((t->reload_argv = target_split(v, cause)) == NULL)
			return (-1);
		field = &t->reload;
	} else {
		if (*v != '/') {
			xasprintf(cause, "'%s' is not an absolute path", v);
			return (-1);
		}
		field = strcmp(key, "cert") == 0 ? &t->cert :
		    strcmp(key, "chain") == 0 ? &t->chain :
		    strcmp(key, "fullchain") == 0 ? &t->fullchain : &t->key;
	}
	*field = xstrdup(v);
	return (0);
}

int
conf_target_set(struct config *c, const char *file, int line, const char *id,
    const char *key, const char *value, char **error)
{
	struct conf_target	*t;
	char			*cause = NULL;
	size_t			 i;

	for (i = 0; target_keys[i] != NULL; i++) {
		if (strcmp(target_keys[i], key) == 0)
			break;
	}
	if (target_keys[i] == NULL) {
		xasprintf(error, "%s:%d: unknown setting '%s' in [target %s] "
		    "(cert, chain, fullchain, key, owner, group, mode, "
		    "key_mode, reload, reload_user, reload_timeout)", file, line,
		    key, id);
		return (0);
	}
	if (strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-") != strlen(id) || strlen(id) > 64) {
		xasprintf(error, "%s:%d: [target %s]: a target's name is letters, "
		    "digits, '.', '_' and '-' (64 at most)", file, line, id);
		return (0);
	}
	if ((t = target_get(c, id, line)) == NULL) {
		xasprintf(error, "%s:%d: more than %d [target] sections", file,
		    line, CONF_MAX_TARGETS);
		return (0);
	}
	if (target_value(t, key, value, &cause) != 0) {
		xasprintf(error, "%s:%d: target.%s: %s", file, line, key, cause);
		free(cause);
		return (0);
	}
	return (1);
}

/* Whether path is dir or below it (both clean absolute paths). */
static int
target_below(const char *path, const char *dir)
{
	size_t	 n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (strncmp(path, dir, n) != 0)
		return (0);
	return (path[n] == '\0' || path[n] == '/' || n == 1);
}

int
config_target_dir_allowed(const struct config *c, const char *dir)
{
	char	*copy, *p, *w;
	int	 ok = 0;

	if (c->target_dirs == NULL)
		return (0);
	p = copy = xstrdup(c->target_dirs);
	while (!ok && (w = strsep(&p, " \t")) != NULL)
		ok = *w != '\0' && target_below(dir, w);
	free(copy);
	return (ok);
}

/* A path's directory: no "." or ".." in it, inside target_dirs. */
static int
target_path_ok(const struct config *c, const char *path, char **cause)
{
	char	*dir;
	int	 ok;

	if (strstr(path, "/./") != NULL || strstr(path, "/../") != NULL ||
	    path[strlen(path) - 1] == '/') {
		xasprintf(cause, "%s: give a plain path to a file (no '.', "
		    "'..' or trailing '/')", path);
		return (-1);
	}
	dir = xstrndup(path, strrchr(path, '/') - path);
	ok = config_target_dir_allowed(c, *dir == '\0' ? "/" : dir);
	if (!ok)
		xasprintf(cause, "%s is outside the directories [daemon] "
		    "target_dirs allows (%s)", path, c->target_dirs != NULL ?
		    c->target_dirs : "none set");
	free(dir);
	return (ok ? 0 : -1);
}

#define TARGET_NFILES	4
static const char *const target_file_names[TARGET_NFILES] = { "cert",
    "chain", "fullchain", "key" };

/* t's file paths (NULL: not written), as target_file_names names them. */
static void
target_paths_of(const struct conf_target *t, const char **p)
{
	p[0] = t->cert;
	p[1] = t->chain;
	p[2] = t->fullchain;
	p[3] = t->key;
}

/* Whether t's file i is path. */
static int
target_has(const struct conf_target *t, size_t i, const char *path)
{
	const char	*p[TARGET_NFILES];

	target_paths_of(t, p);
	return (p[i] != NULL && strcmp(p[i], path) == 0);
}

/*
 * Each file has one writer: a path given twice, in target n (paths) or in
 * it and an earlier one, would have two versions written over each other.
 * -1 with cause.
 */
static int
target_path_taken(const struct config *c, size_t n, const char **paths,
    char **cause)
{
	const char *const	*names = target_file_names;
	size_t			 i, j, k;

	for (j = 0; j < TARGET_NFILES; j++) {
		if (paths[j] == NULL)
			continue;
		for (k = 0; k < j; k++) {
			if (target_has(&c->targets[n], k, paths[j])) {
				xasprintf(cause, "%s and %s are the same file "
				    "(%s)", names[k], names[j], paths[j]);
				return (-1);
			}
		}
		for (i = 0; i < n; i++) {
			for (k = 0; k < TARGET_NFILES; k++) {
				if (!target_has(&c->targets[i], k, paths[j]))
					continue;
				xasprintf(cause, "%s %s is the %s of [target "
				    "%s] too (one target per file)", names[j],
				    paths[j], names[k], c->targets[i].id);
				return (-1);
			}
		}
	}
	return (0);
}

int
conf_targets_check(struct config *c, const char *file, char **error)
{
	struct conf_target	*t;
	const char		*paths[TARGET_NFILES];
	char			*cause = NULL;
	size_t			 i, j;

	for (i = 0; i < c->ntargets; i++) {
		t = &c->targets[i];
		target_paths_of(t, paths);
		if (!t->cert && !t->chain && !t->fullchain && !t->key) {
			xasprintf(error, "%s:%d: [target %s] has no file (cert, "
			    "chain, fullchain or key)", file, t->line, t->id);
			return (-1);
		}
		for (j = 0; j < TARGET_NFILES; j++) {
			if (paths[j] != NULL &&
			    target_path_ok(c, paths[j], &cause) != 0) {
				xasprintf(error, "%s:%d: [target %s]: %s", file,
				    t->line, t->id, cause);
				free(cause);
				return (-1);
			}
		}
		if (target_path_taken(c, i, paths, &cause) != 0) {
			xasprintf(error, "%s:%d: [target %s]: %s", file,
			    t->line, t->id, cause);
			free(cause);
			return (-1);
		}
	}
	return (0);
}

/*
 * The [target] sections for acmd -n, every setting with its value; on
 * warn, what will make its deployments fail although the file is right
 * (a directory or the reload program not there yet).
 */
void
conf_targets_dump(const struct config *c, FILE *f, FILE *warn)
{
	const struct conf_target	*t;
	const char			*paths[TARGET_NFILES];
	const char *const		*names = target_file_names;
	char				*dir;
	struct stat			 st;
	size_t				 i, j, k;

	for (i = 0; i < c->ntargets; i++) {
		t = &c->targets[i];
		target_paths_of(t, paths);
		fprintf(f, "\n[target %s]\n", t->id);
		for (j = 0; j < TARGET_NFILES; j++)
			fprintf(f, "%s = %s\n", names[j], paths[j] ? paths[j] : "");
		fprintf(f, "owner = %s\ngroup = %s\nmode = %04o\nkey_mode = "
		    "%04o\nreload = %s\nreload_user = %s\nreload_timeout = "
		    "%llu\n", t->owner ? t->owner : "", t->group ? t->group : "",
		    (unsigned)t->mode, (unsigned)t->key_mode, t->reload ?
		    t->reload : "", t->reload_user ? t->reload_user : "",
		    (unsigned long long)t->reload_timeout);
		for (j = 0; j < TARGET_NFILES; j++) {
			if (paths[j] == NULL)
				continue;
			dir = xstrndup(paths[j], strrchr(paths[j], '/') -
			    paths[j]);
			/* Once a directory (the files are in one, mostly). */
			for (k = 0; k < j; k++) {
				if (paths[k] != NULL && strncmp(paths[k], dir,
				    strlen(dir)) == 0 && strchr(paths[k] +
				    strlen(dir) + 1, '/') == NULL)
					break;
			}
			if (k == j && (stat(*dir == '\0' ? "/" : dir, &st) ==
			    -1 || !S_ISDIR(st.st_mode)))
				fprintf(warn, "acmd: warning: [target %s]: the "
				    "directory %s is not there: deploying into "
				    "it fails until it is\n", t->id, dir);
			free(dir);
		}
		if (t->reload_argv != NULL && access(t->reload_argv[0],
		    X_OK) == -1)
			fprintf(warn, "acmd: warning: [target %s]: reload "
			    "program %s: %s: every deployment into it fails "
			    "(the previous files are put back)\n", t->id,
			    t->reload_argv[0], strerror(errno));
	}
}

void
conf_targets_free(struct config *c)
{
	struct conf_target	*t;
	size_t			 i, j;

	for (i = 0; i < c->ntargets; i++) {
		t = &c->targets[i];
		free(t->id);
		free(t->cert);
		free(t->chain);
		free(t->fullchain);
		free(t->key);
		free(t->owner);
		free(t->group);
		free(t->reload);
		free(t->reload_user);
		for (j = 0; t->reload_argv != NULL && t->reload_argv[j]; j++)
			free(t->reload_argv[j]);
		free(t->reload_argv);
	}
	free(c->targets);
	c->targets = NULL;
	c->ntargets = 0;
}

const struct conf_target *
config_target(const struct config *c, const char *id)
{
	size_t	 i;

	for (i = 0; i < c->ntargets; i++) {
		if (strcmp(c->targets[i].id, id) == 0)
			return (&c->targets[i]);
	}
	return (NULL);
}

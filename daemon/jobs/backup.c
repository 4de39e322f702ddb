/*
 * The backup job: every backup_interval, a compacted copy of the store
 * (LMDB's copy, without its free pages) into backup_dir (made mode
 * 0700), written under a temporary name, synced, and renamed to
 * data-YYYYMMDDTHHMMSS.mmmZ.mdb; then the oldest copies beyond
 * backup_keep are removed.  A copy that fails is logged and leaves the
 * earlier ones alone.  A copy is a data.mdb: acmd(8) says how to restore
 * one.
 */
#include <sys/stat.h>
#include <sys/time.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acmd.h"
#include "conf.h"
#include "jobs/jobs.h"
#include "jobs/sched.h"
#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define BACKUP_JOB	"backup"
#define BACKUP_PREFIX	"data-"
#define BACKUP_SUFFIX	"Z.mdb"
#define BACKUP_TEMP	".backup-"

static struct job	*backup_job;

/* The copy into dir; its path into *out. */
static int
backup_write(const char *dir, char **out, char **cause)
{
	struct timeval	 tv;
	struct tm	 tm;
	char		 stamp[32], *tmp, *path;
	int		 fd, dfd;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		xasprintf(cause, "mkdir %s: %s", dir, strerror(errno));
		return (-1);
	}
	xasprintf(&tmp, "%s/" BACKUP_TEMP "XXXXXX", dir);
	if ((fd = mkstemp(tmp)) == -1) {
		xasprintf(cause, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return (-1);
	}
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
	xasprintf(&path, "%s/" BACKUP_PREFIX "%s.%03ld" BACKUP_SUFFIX, dir,
	    stamp, (long)tv.tv_usec / 1000);
	if (store_copy(acmd.store, fd, cause) != 0)
		goto fail;
	if (fsync(fd) != 0) {
		xasprintf(cause, "fsync %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) != 0) {
		fd = -1;
		xasprintf(cause, "close %s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		xasprintf(cause, "rename to %s: %s", path, strerror(errno));
		goto fail;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(tmp);
	*out = path;
	return (0);
fail:
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	free(path);
	return (-1);
}

static int
backup_is_copy(const struct dirent *d)
{
	size_t	 len = strlen(d->d_name);

	return (strncmp(d->d_name, BACKUP_PREFIX, strlen(BACKUP_PREFIX)) == 0 &&
	    len > strlen(BACKUP_SUFFIX) && strcmp(d->d_name + len -
	    strlen(BACKUP_SUFFIX), BACKUP_SUFFIX) == 0);
}

/* Remove the oldest copies (their names sort by time) beyond keep. */
static void
backup_prune(const char *dir, uint64_t keep)
{
	struct dirent	**list;
	char		 *path;
	int		  i, n;

	if ((n = scandir(dir, &list, backup_is_copy, alphasort)) == -1) {
		log_warnx("backup: %s: %s", dir, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		if ((uint64_t)(n - i) > keep) {
			xasprintf(&path, "%s/%s", dir, list[i]->d_name);
			if (unlink(path) != 0)
				log_warnx("backup: remove %s: %s", path,
				    strerror(errno));
			else
				log_debug("backup: removed %s", path);
			free(path);
		}
		free(list[i]);
	}
	free(list);
}

static void
backup_job_fn(struct job *j, void *arg)
{
	const char	*dir = config_backup_dir(acmd.conf);
	char		*cause = NULL, *path = NULL;

	if (backup_write(dir, &path, &cause) != 0) {
		log_warnx("backup: the copy of the store into %s failed, the "
		    "earlier copies are kept: %s", dir, cause);
		job_done(j, 0, cause);
		free(cause);
		return;
	}
	log_info("backup: store copied to %s", path);
	backup_prune(dir, acmd.conf->backup_keep);
	job_done(j, 1, path);
	free(path);
}

void
backup_job_init(void)
{
	backup_job = sched_add(BACKUP_JOB, acmd.conf->backup_interval,
	    acmd.conf->backup_interval, backup_job_fn, NULL);
}

void
backup_job_configure(void)
{
	if (backup_job != NULL)
		sched_set_interval(backup_job, acmd.conf->backup_interval);
}

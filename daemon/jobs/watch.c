#include <sys/inotify.h>
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "acmd.h"
#include "conf.h"
#include "log.h"
#include "pem.h"
#include "rec.h"
#include "repo.h"
#include "store.h"
#include "watch.h"
#include "xmalloc.h"

#define WATCH_SETTLE_MS		1000	/* quiet time before reading */
#define WATCH_RETRY_MS		2000	/* files not ready yet */
#define WATCH_MAX_TRIES		30
#define WATCH_MAX_FILE		(1024 * 1024)

/* One certificate directory (live/example.com) being followed. */
struct wdir {
	const struct conf_watch	*w;
	char			*dir;
	char			*name;
	int			 wd;
	int			 tries;
	int			 warned;
	struct event		*timer;
	struct wdir		*next;
};

static int		 in_fd = -1;
static struct event	*in_ev;
static struct wdir	*dirs;
static struct {
	int				 wd;
	const struct conf_watch		*w;
} tops[CONF_MAX_WATCHES];
static size_t		 ntops;

static char *
read_small(const char *path)
{
	FILE	*f;
	char	*buf;
	size_t	 len;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	buf = xmalloc(WATCH_MAX_FILE + 1);
	len = fread(buf, 1, WATCH_MAX_FILE, f);
	fclose(f);
	buf[len] = '\0';
	return (buf);
}

static void
free_secret(char *s)
{
	if (s != NULL)
		xfree_secret(s, strlen(s));
}

static void	wdir_arm(struct wdir *, int);

struct wdir_add {
	struct wdir		*d;
	const char		*fp;
	struct repo_input	 in;
	long			 version;
	int			 ret;	/* for wdir_scan */
};

/* In t: the pair as a new version of d's certificate, unless it is one. */
static int
wdir_add_fn(struct store_txn *t, void *arg, char **cause)
{
	struct wdir_add	*a = arg;
	struct wdir	*d = a->d;
	enum repo_err	 err;
	json_t		*c;
	char		*have = NULL;
	long		 hv;
	int		 r, exists;

	a->ret = -1;
	if ((r = repo_find_fingerprint(t, a->fp, &have, &hv, cause)) != 0) {
		free(have);
		if (r == 1)
			a->ret = 1;	/* nothing new */
		return (-1);
	}
	c = repo_get(t, d->name, cause);
	exists = c != NULL;
	json_decref(c);
	if (*cause != NULL)
		return (-1);
	if (!exists && !d->w->create) {
		if (!d->warned)
			log_warnx("watch %s: %s has a certificate for '%s', which "
			    "is not in the repository (add it, or set create = "
			    "yes)", d->w->id, d->dir, d->name);
		d->warned = 1;
		a->ret = 1;
		return (-1);
	}
	a->in.mode = exists ? REPO_MUST_EXIST : REPO_MUST_BE_NEW;
	if (repo_add(t, &a->in, &a->version, &err, cause) != 0)
		return (-1);
	a->ret = 1;
	return (0);
}

/*
 * Look at a certificate directory: 1 done (added or nothing to do),
 * 0 not ready yet (try again), -1 given up.
 */
static int
wdir_scan(struct wdir *d)
{
	struct wdir_add	 a;
	struct pem_key	*pk = NULL;
	char		*cert = NULL, *key = NULL, *chain = NULL;
	char		*path, *cause = NULL, fp[65];
	int		 ret = 0;

	xasprintf(&path, "%s/%s", d->dir, d->w->cert);
	cert = read_small(path);
	free(path);
	xasprintf(&path, "%s/%s", d->dir, d->w->key);
	key = read_small(path);
	free(path);
	if (d->w->chain != NULL && *d->w->chain != '\0') {
		xasprintf(&path, "%s/%s", d->dir, d->w->chain);
		chain = read_small(path);
		free(path);
	}
	if (cert == NULL || key == NULL)
		goto out;	/* not there yet */
	/* Half-written or mid-swap: wait until the pair parses and matches. */
	if (pem_cert_fingerprint(cert, strlen(cert), fp, &cause) != 0 ||
	    pem_key_parse(key, strlen(key), NULL, &pk, &cause) != 0 ||
	    pem_key_match_cert(pk, cert, strlen(cert), &cause) != 0) {
		log_debug("watch %s: %s not ready: %s", d->w->id, d->dir,
		    cause ? cause : "?");
		goto out;
	}
	memset(&a, 0, sizeof a);
	a.d = d;
	a.fp = fp;
	a.in = (struct repo_input){ .name = d->name, .cert = cert,
	    .chain = chain, .key = key, .source = "watch" };
	if (store_write(acmd.store, wdir_add_fn, &a, &cause) != 0) {
		if (a.ret == -1)
			log_warnx("watch %s: %s: %s", d->w->id, d->dir, cause);
		ret = a.ret;
		goto out;
	}
	log_info("watch %s: %s: version %ld of %s from %s", d->w->id, d->name,
	    a.version, d->name, d->dir);
	repo_new_version(d->name, a.version);
	ret = 1;
out:
	free(cause);
	pem_key_free(pk);
	free(cert);
	free_secret(key);
	free(chain);
	return (ret);
}

static void
wdir_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct wdir	*d = arg;
	int		 r;

	r = wdir_scan(d);
	if (r == 0 && ++d->tries < WATCH_MAX_TRIES) {
		wdir_arm(d, WATCH_RETRY_MS);
		return;
	}
	if (r == 0)
		log_warnx("watch %s: %s: certificate and key never became a "
		    "matching pair; waiting for the next change", d->w->id,
		    d->dir);
	d->tries = 0;
}

static void
wdir_arm(struct wdir *d, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(d->timer, &tv);
}

static char *
expand_name(const char *pattern, const char *sub)
{
	char	*out = xstrdup(""), *tmp;
	const char *p;

	for (p = pattern; *p != '\0'; p++) {
		if (p[0] == '%' && p[1] == 'd') {
			xasprintf(&tmp, "%s%s", out, sub);
			p++;
		} else
			xasprintf(&tmp, "%s%c", out, *p);
		free(out);
		out = tmp;
	}
	/* Repository names are letters, digits, '.', '_' and '-'. */
	for (tmp = out; *tmp != '\0'; tmp++) {
		if (!isalnum((unsigned char)*tmp) && strchr("._-", *tmp) == NULL)
			*tmp = '-';
	}
	return (out);
}

static struct wdir *
wdir_add(const struct conf_watch *w, const char *dir, const char *sub)
{
	struct wdir	*d;

	for (d = dirs; d != NULL; d = d->next) {
		if (strcmp(d->dir, dir) == 0)
			return (d);
	}
	d = xcalloc(1, sizeof *d);
	d->w = w;
	d->dir = xstrdup(dir);
	d->name = expand_name(w->name, sub);
	d->wd = inotify_add_watch(in_fd, dir, IN_CREATE | IN_MOVED_TO |
	    IN_CLOSE_WRITE | IN_DELETE | IN_ATTRIB | IN_ONLYDIR);
	if (d->wd == -1)
		log_warn("watch %s: %s", w->id, dir);
	d->timer = evtimer_new(acmd.base, wdir_timer_cb, d);
	d->next = dirs;
	dirs = d;
	log_debug("watch %s: following %s as %s", w->id, dir, d->name);
	return (d);
}

/* A watch path holds the files itself, or one subdirectory each. */
static void
watch_top(const struct conf_watch *w)
{
	struct stat	 st;
	DIR		*dp;
	struct dirent	*de;
	char		*p, *base;

	xasprintf(&p, "%s/%s", w->path, w->cert);
	if (stat(p, &st) == 0) {
		free(p);
		base = strrchr(w->path, '/');
		wdir_arm(wdir_add(w, w->path, base ? base + 1 : w->path),
		    WATCH_SETTLE_MS);
		return;
	}
	free(p);
	if (ntops < CONF_MAX_WATCHES) {
		tops[ntops].w = w;
		tops[ntops].wd = inotify_add_watch(in_fd, w->path, IN_CREATE |
		    IN_MOVED_TO | IN_ONLYDIR);
		if (tops[ntops].wd == -1) {
			log_warn("watch %s: %s", w->id, w->path);
			return;
		}
		ntops++;
	}
	if ((dp = opendir(w->path)) == NULL)
		return;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		xasprintf(&p, "%s/%s", w->path, de->d_name);
		if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
			wdir_arm(wdir_add(w, p, de->d_name), WATCH_SETTLE_MS);
		free(p);
	}
	closedir(dp);
}

static void
inotify_cb(evutil_socket_t fd, short ev, void *arg)
{
	char			 buf[16 * (sizeof (struct inotify_event) +
				    NAME_MAX + 1)];
	const struct inotify_event *ie;
	struct wdir		*d;
	struct stat		 st;
	ssize_t			 n;
	size_t			 i;
	char			*p;

	n = read(in_fd, buf, sizeof buf);
	if (n <= 0)
		return;
	for (ie = (void *)buf; (char *)ie < buf + n;
	    ie = (void *)((char *)ie + sizeof *ie + ie->len)) {
		for (d = dirs; d != NULL; d = d->next) {
			if (d->wd == ie->wd) {
				/* Let the writer finish: settle first. */
				d->tries = 0;
				wdir_arm(d, WATCH_SETTLE_MS);
			}
		}
		for (i = 0; i < ntops; i++) {
			if (tops[i].wd != ie->wd || ie->len == 0 ||
			    ie->name[0] == '.')
				continue;
			xasprintf(&p, "%s/%s", tops[i].w->path, ie->name);
			if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
				wdir_arm(wdir_add(tops[i].w, p, ie->name),
				    WATCH_SETTLE_MS);
			free(p);
		}
	}
}

void
watch_free(void)
{
	struct wdir	*d;

	while ((d = dirs) != NULL) {
		dirs = d->next;
		event_free(d->timer);
		free(d->dir);
		free(d->name);
		free(d);
	}
	ntops = 0;
	if (in_ev != NULL) {
		event_free(in_ev);
		in_ev = NULL;
	}
	if (in_fd != -1) {
		close(in_fd);
		in_fd = -1;
	}
}

void
watch_init(void)
{
	size_t	 i;

	if (acmd.conf->nwatches == 0)
		return;
	if ((in_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
		log_warn("watch: inotify");
		return;
	}
	in_ev = event_new(acmd.base, in_fd, EV_READ | EV_PERSIST, inotify_cb,
	    NULL);
	event_add(in_ev, NULL);
	for (i = 0; i < acmd.conf->nwatches; i++)
		watch_top(&acmd.conf->watches[i]);
}

void
watch_configure(void)
{
	/* The watches point into the configuration: start again. */
	watch_free();
	watch_init();
}

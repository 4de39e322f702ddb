#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "aws/endpoint.h"
#include "conf-check.h"
#include "conf.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

static const char *const log_choices[] = { "auto", "stderr", "journal", NULL };

#define OFF(f)	offsetof(struct config, f)

const struct conf_entry conf_table[] = {
	{ .section = "daemon", .key = "socket", .type = CONF_STRING,
	  .offset = OFF(socket), .def = "/run/acmd/acmd.sock",
	  .check = conf_check_absolute,
	  .help = "absolute path of the control socket (ignored when systemd "
	  "passes one)" },
	{ .section = "daemon", .key = "socket_mode", .type = CONF_MODE,
	  .offset = OFF(socket_mode), .def = "0660",
	  .help = "permissions of the control socket, octal" },
	{ .section = "daemon", .key = "socket_group", .type = CONF_GROUP,
	  .offset = OFF(socket_group), .aux = OFF(socket_gid),
	  .help = "group owning the control socket (name or number)" },
	{ .section = "daemon", .key = "admin_group", .type = CONF_GROUP,
	  .offset = OFF(admin_group), .aux = OFF(admin_gid),
	  .help = "members may run every command (root always may)" },
	{ .section = "daemon", .key = "readonly_group", .type = CONF_GROUP,
	  .offset = OFF(readonly_group), .aux = OFF(readonly_gid),
	  .help = "members may run read-only commands" },
	{ .section = "daemon", .key = "state_dir", .type = CONF_STRING,
	  .offset = OFF(state_dir), .def = "/var/lib/acmd",
	  .check = conf_check_absolute,
	  .help = "directory of the LMDB store (an absolute path; only root "
	  "and acmd's user may write in it)" },
	{ .section = "daemon", .key = "master_key", .type = CONF_STRING,
	  .offset = OFF(master_key),
	  .check = conf_check_absolute,
	  .help = "vault master key file (default: state_dir/master.key)" },
	{ .section = "daemon", .key = "backup_dir", .type = CONF_STRING,
	  .offset = OFF(backup_dir),
	  .check = conf_check_absolute,
	  .help = "directory of the store's compacted copies, an absolute path "
	  "(default: state_dir/backup)" },
	{ .section = "daemon", .key = "log", .type = CONF_ENUM,
	  .offset = OFF(log), .def = "auto", .choices = log_choices,
	  .help = "where to log: auto (journal under systemd), stderr, journal" },
	{ .section = "daemon", .key = "debug", .type = CONF_BOOL,
	  .offset = OFF(debug), .def = "no",
	  .help = "log debug messages" },
	{ .section = "daemon", .key = "max_clients", .type = CONF_UINT,
	  .offset = OFF(max_clients), .def = "2048", .min = 1, .max = 65536,
	  .help = "control connections served at once; the last eighth are "
	  "kept for root and the admin group" },
	{ .section = "daemon", .key = "max_clients_per_uid", .type = CONF_UINT,
	  .offset = OFF(max_clients_per_uid), .def = "64", .min = 1,
	  .max = 65536,
	  .help = "control connections one user other than root and the admin "
	  "group may hold" },
	{ .section = "daemon", .key = "client_idle_timeout", .type = CONF_DURATION,
	  .offset = OFF(client_idle_timeout), .def = "15m", .min = 0,
	  .max = 7LL * 86400,
	  .help = "close a control connection that waits on nothing and sends "
	  "nothing for this long (0: never)" },
	{ .section = "daemon", .key = "store_size", .type = CONF_UINT,
	  .offset = OFF(store_size), .def = "4096", .min = 1,
	  .max = 1048576,
	  .help = "largest size of the store in MiB; when it is full, writes "
	  "are refused and reads go on" },
	{ .section = "daemon", .key = "target_dirs", .type = CONF_STRING,
	  .offset = OFF(target_dirs), .check = conf_check_dirs,
	  .help = "directories (absolute, separated by spaces) where [target] "
	  "files may be written, below them too; none: no target" },

	{ .section = "aws", .key = "endpoint_url", .type = CONF_STRING,
	  .offset = OFF(endpoint_url),
	  .check = conf_check_http_url,
	  .help = "send every AWS call to this URL (overridden by AWS_ENDPOINT_URL*)" },
	{ .section = "aws", .key = "regions", .type = CONF_STRING,
	  .offset = OFF(regions), .def = "all",
	  .check = conf_check_regions,
	  .help = "regions to work in: all, or a list of region names" },
	{ .section = "aws", .key = "ca_path", .type = CONF_STRING,
	  .offset = OFF(ca_path),
	  .check = conf_check_absolute,
	  .help = "CA bundle file for TLS verification, an absolute path "
	  "(default: the system's)" },
	{ .section = "aws", .key = "max_attempts", .type = CONF_UINT,
	  .offset = OFF(max_attempts), .def = "3", .min = 1, .max = 10,
	  .help = "attempts per AWS call (standard retry mode)" },
	{ .section = "aws", .key = "connect_timeout", .type = CONF_DURATION,
	  .offset = OFF(connect_timeout), .def = "10s", .min = 1, .max = 300,
	  .help = "TCP and TLS connect timeout" },
	{ .section = "aws", .key = "request_timeout", .type = CONF_DURATION,
	  .offset = OFF(request_timeout), .def = "60s", .min = 1, .max = 3600,
	  .help = "total time for one HTTP attempt" },
	{ .section = "aws", .key = "max_transfers", .type = CONF_UINT,
	  .offset = OFF(max_transfers), .def = "64", .min = 1, .max = 1024,
	  .help = "HTTP transfers in flight at once" },
	{ .section = "aws", .key = "max_connections", .type = CONF_UINT,
	  .offset = OFF(max_connections), .def = "64", .min = 1, .max = 1024,
	  .help = "connections to AWS (and to notification endpoints) open "
	  "at once, in use or kept for reuse; transfers in flight are at "
	  "most this many too" },

	{ .section = "aws", .key = "rate_limits", .type = CONF_BOOL,
	  .offset = OFF(rate_limits), .def = "yes",
	  .help = "pace calls at ACM's published request rates" },
	{ .section = "aws", .key = "rates", .type = CONF_STRING,
	  .offset = OFF(rates), .check = conf_check_rates,
	  .help = "override request rates, e.g. \"DescribeCertificate=20 "
	  "acm-pca:RevokeCertificate=10\" (per second, per account and "
	  "region; ACM unless a service is named; 0: no limit)" },

	{ .section = "jobs", .key = "discovery_interval", .type = CONF_DURATION,
	  .offset = OFF(discovery_interval), .def = "15m", .min = 0,
	  .max = 30LL * 86400,
	  .help = "how often discovery runs (0: only on demand); a run is "
	  "incremental unless the last full one is older than "
	  "full_discovery_interval" },
	{ .section = "jobs", .key = "full_discovery_interval",
	  .type = CONF_DURATION, .offset = OFF(full_discovery_interval),
	  .def = "24h", .min = 0, .max = 30LL * 86400,
	  .help = "how often a discovery describes every certificate and "
	  "reads its tags and InUseBy (0: every run is full)" },
	{ .section = "jobs", .key = "parallel_accounts", .type = CONF_UINT,
	  .offset = OFF(parallel_accounts), .def = "32", .min = 1,
	  .max = 1000,
	  .help = "accounts of an organization discovered at once (each "
	  "with its regions in parallel, at its own rate limits)" },
	{ .section = "jobs", .key = "mismatch_interval", .type = CONF_DURATION,
	  .offset = OFF(mismatch_interval), .def = "1h", .min = 0,
	  .max = 30LL * 86400,
	  .help = "how often deployments are compared with ACM (0: never)" },
	{ .section = "jobs", .key = "expiry_interval", .type = CONF_DURATION,
	  .offset = OFF(expiry_interval), .def = "1d", .min = 0,
	  .max = 30LL * 86400,
	  .help = "how often expiry is checked (0: only after discovery)" },
	{ .section = "jobs", .key = "backup_interval", .type = CONF_DURATION,
	  .offset = OFF(backup_interval), .def = "1d", .min = 0,
	  .max = 30LL * 86400,
	  .help = "how often a compacted copy of the store is written into "
	  "backup_dir (0: never)" },
	{ .section = "jobs", .key = "backup_keep", .type = CONF_UINT,
	  .offset = OFF(backup_keep), .def = "7", .min = 1, .max = 10000,
	  .help = "copies kept in backup_dir; the oldest beyond are removed" },

	{ .section = "notify", .key = "thresholds", .type = CONF_DAYS,
	  .offset = OFF(thresholds), .aux = OFF(threshold_days),
	  .def = "30 15 7 1",
	  .help = "days before expiry at which to warn, space-separated" },
	{ .section = "notify", .key = "webhook_url", .type = CONF_STRING,
	  .offset = OFF(webhook_url),
	  .check = conf_check_http_url,
	  .help = "POST a JSON message here (an http:// or https:// URL) for "
	  "every notification" },
	{ .section = "notify", .key = "smtp_url", .type = CONF_STRING,
	  .offset = OFF(smtp_url),
	  .check = conf_check_smtp_url,
	  .help = "send mail through this SMTP server (smtp:// or smtps://)" },
	{ .section = "notify", .key = "mail_from", .type = CONF_STRING,
	  .offset = OFF(mail_from),
	  .check = conf_check_mail,
	  .help = "sender address of notification mail (user@domain)" },
	{ .section = "notify", .key = "mail_to", .type = CONF_STRING,
	  .offset = OFF(mail_to),
	  .check = conf_check_mail_list,
	  .help = "recipients of notification mail (user@domain), separated "
	  "by spaces or commas" },

	{ .section = "metrics", .key = "listen", .type = CONF_STRING,
	  .offset = OFF(metrics_listen), .check = conf_check_listen,
	  .help = "serve Prometheus metrics and a health check over HTTP at "
	  "ADDRESS:PORT (127.0.0.1:9464) or on a Unix socket (an absolute "
	  "path); unset: no listener" },
	{ .section = "metrics", .key = "allow", .type = CONF_STRING,
	  .offset = OFF(metrics_allow), .check = conf_check_allow,
	  .help = "addresses and networks (ADDRESS/BITS) that may connect, "
	  "separated by spaces or commas; others get 403 (unset: any)" },
	{ .section = "metrics", .key = "max_connections", .type = CONF_UINT,
	  .offset = OFF(metrics_max_connections), .def = "16", .min = 1,
	  .max = 1024,
	  .help = "connections to the metrics listener served at once; more "
	  "wait to be accepted" },
	{ .section = "metrics", .key = "stuck_after", .type = CONF_DURATION,
	  .offset = OFF(metrics_stuck_after), .def = "30m", .min = 1,
	  .max = 30LL * 86400,
	  .help = "a job running this long without a step forward (a page "
	  "listed, a certificate described, a deployment checked) is stuck: "
	  "/healthz answers 503" },
};
const size_t conf_table_size = sizeof conf_table / sizeof conf_table[0];

#define FIELD(c, off, type)	((type *)(void *)((char *)(c) + (off)))

static int
conf_group(const char *v, gid_t *gid, char **cause)
{
	struct group	*gr;
	long long	 n;
	char		*dummy = NULL;

	if (parse_number(v, 0, 0x7fffffff, &n, &dummy) == 0) {
		*gid = (gid_t)n;
		return (0);
	}
	free(dummy);
	errno = 0;
	if ((gr = getgrnam(v)) == NULL) {
		xasprintf(cause, "no such group '%s'", v);
		return (-1);
	}
	*gid = gr->gr_gid;
	return (0);
}

static int
conf_days(const char *v, int *days, size_t *n, char **cause)
{
	char		*copy, *p, *word;
	long long	 d;
	size_t		 i = 0, j;
	int		 t;

	copy = p = xstrdup(v);
	while ((word = strsep(&p, " ,\t")) != NULL) {
		if (*word == '\0')
			continue;
		if (i == CONF_MAX_THRESHOLDS) {
			xasprintf(cause, "at most %d thresholds",
			    CONF_MAX_THRESHOLDS);
			goto fail;
		}
		if (parse_number(word, 0, 3650, &d, cause) != 0)
			goto fail;
		days[i++] = (int)d;
	}
	/* Sort descending, without duplicates. */
	for (j = 1; j < i; j++) {
		for (size_t k = j; k > 0 && days[k - 1] < days[k]; k--) {
			t = days[k];
			days[k] = days[k - 1];
			days[k - 1] = t;
		}
	}
	for (j = 1; j < i; j++) {
		if (days[j] == days[j - 1]) {
			xasprintf(cause, "threshold %d given twice", days[j]);
			goto fail;
		}
	}
	*n = i;
	free(copy);
	return (0);
fail:
	free(copy);
	return (-1);
}

static int
conf_set(struct config *c, const struct conf_entry *e, const char *v,
    char **cause)
{
	char			*err = NULL;
	long long		 n;
	uint64_t		 u;
	size_t			 i;

	if (*v == '\0' && (e->type == CONF_STRING || e->type == CONF_GROUP)) {
		if (e->type == CONF_GROUP)
			*FIELD(c, e->aux, gid_t) = (gid_t)-1;
		free(*FIELD(c, e->offset, char *));
		*FIELD(c, e->offset, char *) = NULL;
		return (0);
	}
	if (e->check != NULL && e->check(v, cause) != 0)
		return (-1);
	switch (e->type) {
	case CONF_STRING:
		break;
	case CONF_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 ||
		    strcmp(v, "on") == 0 || strcmp(v, "1") == 0)
			*FIELD(c, e->offset, int) = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 ||
		    strcmp(v, "off") == 0 || strcmp(v, "0") == 0)
			*FIELD(c, e->offset, int) = 0;
		else {
			xasprintf(cause, "'%s' is not yes or no", v);
			return (-1);
		}
		return (0);
	case CONF_UINT:
		if (parse_number(v, e->min, e->max, &n, &err) != 0)
			goto bad;
		*FIELD(c, e->offset, uint64_t) = (uint64_t)n;
		return (0);
	case CONF_DURATION:
		if (parse_duration(v, &u, &err) != 0)
			goto bad;
		if ((long long)u < e->min || (long long)u > e->max) {
			xasprintf(&err, "%s is out of range (%llds to %llds)", v,
			    e->min, e->max);
			goto bad;
		}
		*FIELD(c, e->offset, uint64_t) = u;
		return (0);
	case CONF_MODE:
		return (conf_mode(v, FIELD(c, e->offset, mode_t), cause));
	case CONF_GROUP:
		if (conf_group(v, FIELD(c, e->aux, gid_t), cause) != 0)
			return (-1);
		break;
	case CONF_ENUM:
		for (i = 0; e->choices[i] != NULL; i++) {
			if (strcmp(e->choices[i], v) == 0)
				break;
		}
		if (e->choices[i] == NULL) {
			xasprintf(cause, "'%s' is not one of the choices", v);
			return (-1);
		}
		break;
	case CONF_DAYS:
		if (conf_days(v, FIELD(c, e->aux, int), &c->nthresholds,
		    cause) != 0)
			return (-1);
		break;
	}
	free(*FIELD(c, e->offset, char *));
	*FIELD(c, e->offset, char *) = *v == '\0' ? NULL : xstrdup(v);
	return (0);
bad:
	*cause = err;
	return (-1);
}

struct config *
config_defaults(void)
{
	struct config	*c;
	size_t		 i;
	char		*cause = NULL;

	c = xcalloc(1, sizeof *c);
	c->socket_gid = c->admin_gid = c->readonly_gid = (gid_t)-1;
	for (i = 0; i < conf_table_size; i++) {
		if (conf_table[i].def == NULL)
			continue;
		if (conf_set(c, &conf_table[i], conf_table[i].def, &cause) != 0)
			fatalx("default of %s.%s: %s", conf_table[i].section,
			    conf_table[i].key, cause);
	}
	return (c);
}

void
config_free(struct config *c)
{
	size_t	 i;

	if (c == NULL)
		return;
	for (i = 0; i < conf_table_size; i++) {
		switch (conf_table[i].type) {
		case CONF_STRING:
		case CONF_GROUP:
		case CONF_ENUM:
		case CONF_DAYS:
			free(*FIELD(c, conf_table[i].offset, char *));
			break;
		default:
			break;
		}
	}
	conf_targets_free(c);
	for (i = 0; i < c->nwatches; i++) {
		free(c->watches[i].id);
		free(c->watches[i].path);
		free(c->watches[i].name);
		free(c->watches[i].cert);
		free(c->watches[i].key);
		free(c->watches[i].chain);
	}
	free(c->path);
	free(c);
}

/* A setting met in the file: [section] key, on line. */
struct conf_seen {
	char		*section;
	char		*key;
	int		 line;
};

struct conf_parse {
	struct config	*c;
	const char	*name;
	int		 line;
	int		 error_line;
	char		*error;
	struct conf_seen *seen;
	size_t		 nseen;
};
static int	conf_watch_set(struct conf_parse *, const char *, const char *,
		    const char *);
static int	conf_check_watches(struct conf_parse *);

/*
 * [watch NAME] sections: path (required), name (default "%d", the
 * subdirectory), cert (default cert.pem), key (privkey.pem), chain
 * (chain.pem), create (no).  The certbot live/ layout by default.
 */
static const char *const watch_keys[] = { "path", "name", "cert", "key",
    "chain", "create", NULL };

static int
conf_watch_set(struct conf_parse *p, const char *id, const char *key,
    const char *value)
{
	struct config		*c = p->c;
	struct conf_watch	*w = NULL;
	char			**field = NULL;
	size_t			 i;

	for (i = 0; watch_keys[i] != NULL; i++) {
		if (strcmp(watch_keys[i], key) == 0)
			break;
	}
	if (watch_keys[i] == NULL) {
		xasprintf(&p->error, "%s:%d: unknown setting '%s' in [watch %s] "
		    "(path, name, cert, key, chain, create)", p->name, p->line,
		    key, id);
		return (0);
	}
	for (i = 0; i < c->nwatches; i++) {
		if (strcmp(c->watches[i].id, id) == 0)
			w = &c->watches[i];
	}
	if (w == NULL) {
		if (c->nwatches == CONF_MAX_WATCHES) {
			xasprintf(&p->error, "%s:%d: more than %d [watch] "
			    "sections", p->name, p->line, CONF_MAX_WATCHES);
			return (0);
		}
		w = &c->watches[c->nwatches++];
		w->id = xstrdup(id);
		w->name = xstrdup("%d");
		w->cert = xstrdup("cert.pem");
		w->key = xstrdup("privkey.pem");
		w->chain = xstrdup("chain.pem");
		w->line = p->line;
	}
	if (strcmp(key, "create") == 0) {
		if (strcmp(value, "yes") == 0)
			w->create = 1;
		else if (strcmp(value, "no") == 0)
			w->create = 0;
		else {
			xasprintf(&p->error, "%s:%d: watch.create: '%s' is not "
			    "yes or no", p->name, p->line, value);
			return (0);
		}
		return (1);
	}
	if (strcmp(key, "path") == 0) {
		if (*value != '/') {
			xasprintf(&p->error, "%s:%d: watch.path must be absolute",
			    p->name, p->line);
			return (0);
		}
		w->path_line = p->line;
		field = &w->path;
	} else if (strcmp(key, "name") == 0)
		field = &w->name;
	else if (strcmp(key, "cert") == 0)
		field = &w->cert;
	else if (strcmp(key, "key") == 0)
		field = &w->key;
	else
		field = &w->chain;
	if (*value == '\0' && field != &w->chain) {
		xasprintf(&p->error, "%s:%d: watch.%s may not be empty", p->name,
		    p->line, key);
		return (0);
	}
	free(*field);
	*field = xstrdup(value);
	return (1);
}

/* Every [watch] has a path, and it is a directory that exists. */
static int
conf_check_watches(struct conf_parse *p)
{
	struct conf_watch	*w;
	struct stat		 st;
	size_t			 i;

	for (i = 0; i < p->c->nwatches; i++) {
		w = &p->c->watches[i];
		if (w->path == NULL) {
			xasprintf(&p->error, "%s:%d: [watch %s] has no path",
			    p->name, w->line, w->id);
			return (-1);
		}
		if (stat(w->path, &st) == -1) {
			xasprintf(&p->error, "%s:%d: watch.path: %s: %s",
			    p->name, w->path_line, w->path, strerror(errno));
			return (-1);
		}
		if (!S_ISDIR(st.st_mode)) {
			xasprintf(&p->error, "%s:%d: watch.path: %s is not a "
			    "directory", p->name, w->path_line, w->path);
			return (-1);
		}
	}
	return (0);
}

/* A setting given twice is an error, naming both lines. */
static int
conf_seen_once(struct conf_parse *p, const char *section, const char *key)
{
	struct conf_seen	*s;
	size_t			 i;

	for (i = 0; i < p->nseen; i++) {
		s = &p->seen[i];
		if (strcmp(s->section, section) == 0 &&
		    strcmp(s->key, key) == 0) {
			if (strncmp(section, "watch ", 6) == 0 ||
			    strncmp(section, "target ", 7) == 0)
				xasprintf(&p->error, "%s:%d: %.*s.%s: given "
				    "twice in [%s] (first on line %d)", p->name,
				    p->line, (int)strcspn(section, " "), section,
				    key, section, s->line);
			else
				xasprintf(&p->error, "%s:%d: %s.%s: given "
				    "twice (first on line %d)", p->name,
				    p->line, section, key, s->line);
			return (0);
		}
	}
	p->seen = xreallocarray(p->seen, p->nseen + 1, sizeof *p->seen);
	s = &p->seen[p->nseen++];
	s->section = xstrdup(section);
	s->key = xstrdup(key);
	s->line = p->line;
	return (1);
}


static int
conf_handler(void *arg, const char *section, const char *key,
    const char *value)
{
	struct conf_parse	*p = arg;
	const struct conf_entry	*e = NULL;
	size_t			 i;
	char			*cause = NULL;
	int			 known_section = 0;

	if (p->error != NULL)
		return (1);
	p->error_line = p->line;
	if (!conf_seen_once(p, section, key))
		return (0);
	if (strncmp(section, "watch ", 6) == 0 && section[6] != '\0')
		return (conf_watch_set(p, section + 6, key, value));
	if (strncmp(section, "target ", 7) == 0 && section[7] != '\0')
		return (conf_target_set(p->c, p->name, p->line, section + 7, key,
		    value, &p->error));
	if (*section == '\0') {
		xasprintf(&p->error, "%s:%d: setting '%s' outside a [section]",
		    p->name, p->line, key);
		return (0);
	}
	for (i = 0; i < conf_table_size; i++) {
		if (strcmp(conf_table[i].section, section) != 0)
			continue;
		known_section = 1;
		if (strcmp(conf_table[i].key, key) == 0) {
			e = &conf_table[i];
			break;
		}
	}
	if (!known_section) {
		xasprintf(&p->error, "%s:%d: unknown section [%s]", p->name,
		    p->line, section);
		return (0);
	}
	if (e == NULL) {
		xasprintf(&p->error, "%s:%d: unknown setting '%s' in [%s]",
		    p->name, p->line, key, section);
		return (0);
	}
	if (conf_set(p->c, e, value, &cause) != 0) {
		xasprintf(&p->error, "%s:%d: %s.%s: %s", p->name, p->line,
		    section, key, cause);
		free(cause);
		return (0);
	}
	return (1);
}

struct conf_stream {
	const char		*s;
	struct conf_parse	*p;
};

/*
 * Reads one line at a time, so the line number is always known; a line
 * too long for the buffer ends the parse with an error naming it.
 */
static char *
conf_reader(char *buf, int size, void *arg)
{
	struct conf_stream	*st = arg;
	struct conf_parse	*p = st->p;
	const char		*nl, *key;
	size_t			 len, body, klen;

	if (*st->s == '\0' || size < 3)
		return (NULL);
	nl = strchr(st->s, '\n');
	len = nl == NULL ? strlen(st->s) : (size_t)(nl - st->s) + 1;
	body = nl == NULL ? len : len - 1;
	if (body > 0 && st->s[body - 1] == '\r')
		body--;
	p->line++;
	if (body > (size_t)size - 3) {
		if (p->error == NULL) {
			/* Name the setting when it is one. */
			key = st->s + strspn(st->s, " \t");
			klen = strcspn(key, "=:\n");
			while (klen > 0 &&
			    isspace((unsigned char)key[klen - 1]))
				klen--;
			if (klen > 64 || strchr("#;[", *key) != NULL)
				klen = 0;
			xasprintf(&p->error, "%s:%d: line longer than %d "
			    "bytes%s%.*s%s", p->name, p->line, size - 3,
			    klen > 0 ? " (setting '" : "", (int)klen, key,
			    klen > 0 ? "')" : "");
			p->error_line = p->line;
		}
		return (NULL);
	}
	memcpy(buf, st->s, len);
	buf[len] = '\0';
	st->s += len;
	return (buf);
}

struct config *
config_parse_string(const char *text, const char *name, char **cause)
{
	struct conf_parse	 p;
	struct conf_stream	 st;
	int			 ret, save_max_line;
	bool			 save_multiline;
	size_t			 i;

	memset(&p, 0, sizeof p);
	p.c = config_defaults();
	p.name = name;
	st.s = text;
	st.p = &p;
	/* Lists are long; an indented line is a setting, not a sequel. */
	save_max_line = ini_max_line;
	save_multiline = ini_allow_multiline;
	ini_max_line = CONF_MAX_LINE + 3;
	ini_allow_multiline = false;
	ret = ini_parse_stream(conf_reader, &st, conf_handler, &p);
	ini_max_line = save_max_line;
	ini_allow_multiline = save_multiline;
	for (i = 0; i < p.nseen; i++) {
		free(p.seen[i].section);
		free(p.seen[i].key);
	}
	free(p.seen);
	if (p.error == NULL && ret == 0 && conf_check_watches(&p) == 0)
		conf_targets_check(p.c, name, &p.error);
	if (ret != 0 && (p.error == NULL || (ret > 0 && ret < p.error_line))) {
		free(p.error);
		xasprintf(&p.error, "%s:%d: syntax error", name,
		    ret > 0 ? ret : p.line);
	}
	if (p.error != NULL) {
		*cause = p.error;
		config_free(p.c);
		return (NULL);
	}
	return (p.c);
}

struct config *
config_load(const char *path, int missing_ok, char **cause)
{
	struct config	*c;
	struct stat	 st;
	FILE		*f;
	char		*text = NULL;
	size_t		 len = 0;

	if (path == NULL)
		return (config_defaults());
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT && missing_ok)
			return (config_defaults());
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		xasprintf(cause, "%s: is a directory, not a configuration "
		    "file", path);
		fclose(f);
		return (NULL);
	}
	text = xmalloc(1024 * 1024 + 1);
	len = fread(text, 1, 1024 * 1024 + 1, f);
	if (ferror(f) || len > 1024 * 1024) {
		xasprintf(cause, "%s: %s", path, ferror(f) ?
		    strerror(errno) : "larger than 1 MiB");
		fclose(f);
		free(text);
		return (NULL);
	}
	fclose(f);
	text[len] = '\0';
	if (memchr(text, '\0', len) != NULL) {
		xasprintf(cause, "%s: contains a NUL byte", path);
		free(text);
		return (NULL);
	}
	c = config_parse_string(text, path, cause);
	free(text);
	if (c != NULL)
		c->path = xstrdup(path);
	return (c);
}

const char *
config_master_key(const struct config *c)
{
	static char	 buf[4096];

	if (c->master_key != NULL)
		return (c->master_key);
	snprintf(buf, sizeof buf, "%s/master.key", c->state_dir);
	return (buf);
}

const char *
config_backup_dir(const struct config *c)
{
	static char	 buf[4096];

	if (c->backup_dir != NULL)
		return (c->backup_dir);
	snprintf(buf, sizeof buf, "%s/backup", c->state_dir);
	return (buf);
}

void
config_dump(const struct config *c, FILE *f)
{
	const char	*section = "";
	const char	*v;
	size_t		 i;

	for (i = 0; i < conf_table_size; i++) {
		const struct conf_entry	*e = &conf_table[i];

		if (strcmp(section, e->section) != 0) {
			fprintf(f, "%s[%s]\n", i == 0 ? "" : "\n", e->section);
			section = e->section;
		}
		switch (e->type) {
		case CONF_STRING:
		case CONF_GROUP:
		case CONF_ENUM:
		case CONF_DAYS:
			v = *FIELD(c, e->offset, char *);
			fprintf(f, "%s = %s\n", e->key, v == NULL ? "" : v);
			break;
		case CONF_BOOL:
			fprintf(f, "%s = %s\n", e->key,
			    *FIELD(c, e->offset, int) ? "yes" : "no");
			break;
		case CONF_UINT:
		case CONF_DURATION:
			fprintf(f, "%s = %llu\n", e->key, (unsigned long long)
			    *FIELD(c, e->offset, uint64_t));
			break;
		case CONF_MODE:
			fprintf(f, "%s = %04o\n", e->key,
			    (unsigned)*FIELD(c, e->offset, mode_t));
			break;
		}
	}	conf_targets_dump(c, f, stderr);
}

json_t *
config_regions(const struct config *c, char **cause)
{
	json_t		*a = json_array();
	const char	*conf = c->regions;
	char		*copy, *p, *w;
	size_t		 i;

	if (conf == NULL || strcmp(conf, "all") == 0) {
		for (i = 0; aws_acm_regions[i] != NULL; i++)
			json_array_append_new(a, json_string(aws_acm_regions[i]));
		return (a);
	}
	copy = p = xstrdup(conf);
	while ((w = strsep(&p, " ,\t")) != NULL) {
		if (*w == '\0')
			continue;
		if (!aws_region_valid(w)) {
			xasprintf(cause, "[aws] regions: unknown region '%s'", w);
			free(copy);
			json_decref(a);
			return (NULL);
		}
		json_array_append_new(a, json_string(w));
	}
	free(copy);
	return (a);
}

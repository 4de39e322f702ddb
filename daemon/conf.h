/*
 * acmd.conf: an INI file.  Every setting is one entry of conf_table (in
 * config.c), with its type, default and description; the man page
 * acmd.conf(5) is checked against that table by a test.
 */
#ifndef ACMD_CONF_H
#define ACMD_CONF_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#define CONF_DEFAULT_PATH	SYSCONFDIR "/acmd/acmd.conf"
#define CONF_MAX_THRESHOLDS	16
/* The longest line of the file, in bytes (without its newline). */
#define CONF_MAX_LINE		8192

/* [watch NAME]: a directory whose certificate files acmd follows. */
struct conf_watch {
	char		*id;		/* NAME */
	char		*path;
	char		*name;		/* repository name; %d: subdirectory */
	char		*cert;
	char		*key;
	char		*chain;
	int		 create;
	int		 line;
	int		 path_line;
};

#define CONF_MAX_WATCHES	64

/*
 * [target NAME]: files on this machine a repository certificate is
 * written into (conf-target.c), and the command that makes a server take
 * them.  Paths may be NULL (not written); each file's directory must be
 * one of [daemon] target_dirs or below one.
 */
struct conf_target {
	char		*id;		/* NAME */
	char		*cert;		/* the leaf */
	char		*chain;		/* the issuers */
	char		*fullchain;	/* leaf and issuers */
	char		*key;		/* the private key, PKCS#8 PEM */
	char		*owner;		/* NULL: acmd's own user */
	char		*group;
	uid_t		 uid;		/* (uid_t)-1: unchanged */
	gid_t		 gid;
	mode_t		 mode;		/* certificate files: 0644 */
	mode_t		 key_mode;	/* the key: 0600 */
	char		*reload;	/* the command line, or NULL */
	char		**reload_argv;	/* split, without a shell */
	char		*reload_user;	/* NULL: acmd's own user */
	uid_t		 reload_uid;
	gid_t		 reload_gid;
	uint64_t	 reload_timeout;	/* seconds */
	int		 line;
};

#define CONF_MAX_TARGETS	64

struct config {
	char		*path;		/* file it came from, NULL if none */
	struct conf_watch watches[CONF_MAX_WATCHES];
	size_t		 nwatches;
	struct conf_target *targets;
	size_t		 ntargets;

	/* [daemon] */
	char		*socket;
	mode_t		 socket_mode;
	char		*socket_group;
	char		*admin_group;
	char		*readonly_group;
	gid_t		 socket_gid;	/* (gid_t)-1 when unset */
	gid_t		 admin_gid;
	gid_t		 readonly_gid;
	char		*state_dir;
	char		*master_key;	/* NULL: <state_dir>/master.key */
	char		*backup_dir;	/* NULL: <state_dir>/backup */
	char		*log;		/* auto, stderr, journal */
	int		 debug;
	uint64_t	 max_clients;
	uint64_t	 max_clients_per_uid;
	uint64_t	 client_idle_timeout;	/* seconds, 0: none */
	uint64_t	 store_size;	/* MiB */
	char		*target_dirs;	/* where [target] files may go */

	/* [aws] */
	char		*endpoint_url;
	char		*regions;	/* "all" or a list */
	char		*ca_path;
	uint64_t	 max_attempts;
	uint64_t	 connect_timeout;
	uint64_t	 request_timeout;
	uint64_t	 max_transfers;
	uint64_t	 max_connections;
	int		 rate_limits;
	char		*rates;

	/* [jobs] */
	uint64_t	 discovery_interval;
	uint64_t	 full_discovery_interval;
	uint64_t	 parallel_accounts;
	uint64_t	 mismatch_interval;
	uint64_t	 expiry_interval;
	uint64_t	 backup_interval;
	uint64_t	 backup_keep;

	/* [notify] */
	char		*thresholds;
	int		 threshold_days[CONF_MAX_THRESHOLDS];
	size_t		 nthresholds;
	char		*webhook_url;
	char		*smtp_url;
	char		*mail_from;
	char		*mail_to;

	/* [metrics] */
	char		*metrics_listen;	/* NULL: no listener */
	char		*metrics_allow;		/* NULL: anyone */
	uint64_t	 metrics_max_connections;
	uint64_t	 metrics_stuck_after;	/* seconds */
};

enum conf_type {
	CONF_STRING,
	CONF_BOOL,
	CONF_UINT,
	CONF_DURATION,
	CONF_MODE,
	CONF_GROUP,
	CONF_ENUM,
	CONF_DAYS,
};

struct conf_entry {
	const char		*section;
	const char		*key;
	enum conf_type		 type;
	size_t			 offset;
	size_t			 aux;	/* gid_t / days-array offset */
	const char		*def;	/* NULL: unset */
	long long		 min;
	long long		 max;
	const char *const	*choices;
	int			(*check)(const char *, char **);
	const char		*help;
};

extern const struct conf_entry	conf_table[];
extern const size_t		conf_table_size;

/* Load path (NULL: defaults only); missing_ok for the default path. */
struct config	*config_load(const char *, int, char **);
struct config	*config_defaults(void);
void		 config_free(struct config *);
/* Parse from a string (tests, fuzzing). name is used in messages. */
struct config	*config_parse_string(const char *, const char *, char **);
/* The master key path, resolved. */
const char	*config_master_key(const struct config *);
/* The backup directory, resolved. */
const char	*config_backup_dir(const struct config *);
void		 config_dump(const struct config *, FILE *);
/*
 * The regions acmd works in ([aws] regions: every ACM region for "all"),
 * a new JSON array of strings; NULL with cause when one is unknown.
 */
json_t		*config_regions(const struct config *, char **);

/* conf-target.c: one setting of [target id] (0 with *error). */
int		 conf_target_set(struct config *, const char *, int,
		     const char *, const char *, const char *, char **);
/* After the file: every target complete and inside target_dirs. */
int		 conf_targets_check(struct config *, const char *, char **);
void		 conf_targets_free(struct config *);
void		 conf_targets_dump(const struct config *, FILE *, FILE *);
/* The target called id, or NULL. */
const struct conf_target *config_target(const struct config *, const char *);
/*
 * Whether directory dir (resolved, no symbolic links) is one of
 * target_dirs or below one.
 */
int		 config_target_dir_allowed(const struct config *, const char *);

#endif

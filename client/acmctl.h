/* acmctl: the thin client of acmd. */
#ifndef ACMCTL_H
#define ACMCTL_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>
#include <msgpack.h>

#include "mp.h"

/* Exit codes (documented in acmctl(1)). */
#define EXIT_OK		0
#define EXIT_FAILED	1
#define EXIT_USAGE	2
#define EXIT_UNREACH	3

enum opt_type {
	OPT_FLAG,	/* --x: true */
	OPT_STR,	/* --x V */
	OPT_LIST,	/* --x V, repeatable: an array */
	OPT_UINT,	/* --x N */
	OPT_FILE,	/* --x PATH: the file's text goes as the argument */
	OPT_LOCAL,	/* --x V: for acmctl itself, not sent */
	OPT_LOCAL_FLAG,	/* --x: for acmctl itself, not sent */
};

/*
 * An option: what the user types and the argument it becomes on the wire
 * (key; default: the name).  What each argument is, and which ones a
 * command requires, is declared once in proto.h (proto_cmds), which
 * acmctl follows; tests/unit/test_wire.c fails when the two drift.
 */
struct ctl_opt {
	const char	*name;	/* long option, without "--" */
	enum opt_type	 type;
	const char	*key;	/* argument key on the wire (default: name) */
	const char	*help;
};

struct ctl_cmd;
typedef void (*ctl_render_fn)(const msgpack_object *, FILE *);

struct ctl_cmd {
	const char		*name;	/* as typed, e.g. "cert add" */
	const char		*cmd;	/* on the wire, e.g. "cert.add" */
	const char		*args;	/* positional names, e.g. "NAME" */
	const char		*help;
	const struct ctl_opt	*opts;
	ctl_render_fn		 render;
	/* Adds what comes from elsewhere (stdin, files); -1: usage error. */
	int			(*prepare)(const struct ctl_cmd *, json_t *);
};

extern const struct ctl_cmd	ctl_cmds[];
extern int			ctl_json;
extern int			ctl_color;

/* The colours of human output (when ctl_color). */
#define RED	"\033[31m"
#define YELLOW	"\033[33m"
#define GREEN	"\033[32m"
#define RESET	"\033[0m"

/* render.c */
void	render_json(const msgpack_object *, FILE *);
void	render_json_rows(const msgpack_object *, size_t *, FILE *);
void	render_json_rows_raw(const char *, const char *, uint32_t, size_t *,
	    FILE *);
void	render_json_rows_end(size_t, FILE *);
/* A table that comes in parts (render_acm_list's, for acm list). */
struct table_stream;
struct table_stream *table_stream_new(const char *const *);
void	table_stream_rows(struct table_stream *, const msgpack_object *);
void	table_stream_end(struct table_stream *, FILE *);
struct table_stream *render_acm_list_stream(void);
void	render_generic(const msgpack_object *, FILE *);
void	render_table(const msgpack_object *, const char *const *, FILE *);
void	render_status(const msgpack_object *, FILE *);
void	render_audit(const msgpack_object *, FILE *);
void	render_progress(uint64_t, uint64_t, const char *);
void	render_progress_end(void);
/* prepare.c */
int	prepare_secret(const struct ctl_cmd *, json_t *);
int	prepare_passphrase(const struct ctl_cmd *, json_t *);
void	render_export(const msgpack_object *, FILE *);
void	render_cert_show(const msgpack_object *, FILE *);
void	render_discover(const msgpack_object *, FILE *);
void	render_acm_list(const msgpack_object *, FILE *);
void	render_deploy(const msgpack_object *, FILE *);
void	render_deploy_list(const msgpack_object *, FILE *);
void	render_request_list(const msgpack_object *, FILE *);
void	render_records(const msgpack_object *, FILE *);
/* acmctl's own options of the running command (OPT_LOCAL: --out). */
extern json_t	*ctl_local;
/* Non-zero: the exit status when acmctl's own part failed. */
extern int	 ctl_exit;
/* export.c: cert export --out, checked first and written safely. */
int	prepare_export(const struct ctl_cmd *, json_t *);
/* A file's text (at most PEM_MAX_INPUT bytes), or NULL after saying why. */
char	*ctl_read_file(const char *, const char *);
/* Read a secret from the terminal without echo, or a line of stdin. */
char	*read_secret(const char *);
/* A msgpack scalar as text (allocated). */
char	*render_scalar(const msgpack_object *);
/* lifecycle: y/N on a terminal unless --yes; no terminal: refused. */
int	prepare_confirm(const struct ctl_cmd *, json_t *);
void	render_ca_list(const msgpack_object *, FILE *);
void	render_credential(const msgpack_object *, FILE *);
void	render_request(const msgpack_object *, FILE *);
void	render_check(const msgpack_object *, FILE *);
/* render-org.c */
void	render_discover_org(const msgpack_object *, FILE *);
void	render_status_org(const msgpack_object *, FILE *);
void	render_credential_test(const msgpack_object *, FILE *);

#endif

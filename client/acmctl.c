/* acmctl: control acmd over its Unix socket. */
#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <msgpack.h>
#include <openssl/crypto.h>

#include "acmctl.h"
#include "frame.h"
#include "log.h"
#include "mp.h"
#include "mpjson.h"
#include "proto.h"
#include "util.h"
#include "xmalloc.h"

static int ctl_nocolor;

static const char *opt_key(const struct ctl_opt *);

/* Whether the command's declaration requires the option's argument. */
static int
opt_required(const struct ctl_cmd *c, const struct ctl_opt *o)
{
	const struct proto_cmd	*pc = proto_cmd_find(c->cmd);
	const struct proto_arg	*a;

	if (pc == NULL || o->type == OPT_LOCAL || o->type == OPT_LOCAL_FLAG ||
	    (a = proto_arg_find(pc, opt_key(o))) == NULL)
		return (0);
	return ((a->flags & PROTO_ARG_REQUIRED) != 0);
}

static __attribute__((noreturn)) void
usage(int code)
{
	FILE			*f = code == 0 ? stdout : stderr;
	const struct ctl_cmd	*c;
	const struct ctl_opt	*o;

	fprintf(f, "usage: acmctl [-s socket] [--json] [--no-color] command "
	    "[arguments]\n\ncommands:\n");
	for (c = ctl_cmds; c->name != NULL; c++) {
		fprintf(f, "  %s%s%s\n      %s\n", c->name, *c->args ? " " : "",
		    c->args, c->help);
		for (o = c->opts; o->name != NULL; o++)
			fprintf(f, "      --%s%s  %s%s\n", o->name,
			    o->type == OPT_FLAG || o->type == OPT_LOCAL_FLAG ?
			    "" : " V", o->help,
			    opt_required(c, o) ? " (required)" : "");
	}
	fprintf(f, "\nexit status: 0 ok, 1 the operation failed, 2 usage, "
	    "3 acmd unreachable\n");
	exit(code);
}

static const struct ctl_cmd *
find_cmd(int argc, char **argv, int *used)
{
	const struct ctl_cmd	*c;
	char			 two[256];

	if (argc >= 2) {
		snprintf(two, sizeof two, "%s %s", argv[0], argv[1]);
		for (c = ctl_cmds; c->name != NULL; c++) {
			if (strcmp(c->name, two) == 0) {
				*used = 2;
				return (c);
			}
		}
	}
	for (c = ctl_cmds; c->name != NULL; c++) {
		if (strcmp(c->name, argv[0]) == 0) {
			*used = 1;
			return (c);
		}
	}
	return (NULL);
}

static int
count_words(const char *s)
{
	int	 n = 0, in = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	return (n);
}

/* The positional name i of a command's "ARG1 ARG2 [ARG3]" string. */
static char *
positional_key(const char *spec, int i)
{
	char	*copy, *p, *w, *key = NULL;
	int	 n = 0;

	copy = p = xstrdup(spec);
	while ((w = strsep(&p, " ")) != NULL) {
		if (*w == '\0')
			continue;
		if (n++ == i) {
			w += strspn(w, "[");
			w[strcspn(w, "].")] = '\0';
			key = xstrdup(w);
			break;
		}
	}
	free(copy);
	for (p = key; p != NULL && *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return (key);
}

/* A usage error of command c: the message, the usage line, exit 2. */
static __attribute__((noreturn)) void
usage_error(const struct ctl_cmd *c, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "acmctl %s: ", c->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: acmctl %s%s%s\n", c->name, *c->args ? " " :
	    "", c->args);
	exit(EXIT_USAGE);
}

/* The wire key of an option. */
static const char *
opt_key(const struct ctl_opt *o)
{
	return (o->key != NULL ? o->key : o->name);
}

/* One option's value into args (the wire) or local (acmctl's own). */
static void
take_option(const struct ctl_cmd *c, const struct ctl_opt *o, const char *v,
    json_t *args, json_t *local)
{
	const struct proto_cmd	*pc = proto_cmd_find(c->cmd);
	const struct proto_arg	*a;
	const char		*key = opt_key(o);
	json_t			*list;
	long long		 n;
	char			*cause = NULL, *text;

	switch (o->type) {
	case OPT_FLAG:
		json_object_set_new(args, key, json_true());
		break;
	case OPT_UINT:
		if (parse_number(v, 0, INT64_MAX, &n, &cause) != 0)
			usage_error(c, "--%s: %s", o->name, cause);
		json_object_set_new(args, key, json_integer(n));
		break;
	case OPT_STR:
		json_object_set_new(args, key, json_string(v));
		break;
	case OPT_LIST:
		if ((list = json_object_get(args, key)) == NULL) {
			list = json_array();
			json_object_set_new(args, key, list);
		}
		json_array_append_new(list, json_string(v));
		break;
	case OPT_FILE:
		if ((text = ctl_read_file(c->name, v)) == NULL)
			exit(EXIT_USAGE);
		json_object_set_new(args, key, json_string(text));
		a = pc != NULL ? proto_arg_find(pc, key) : NULL;
		if (a != NULL && (a->flags & PROTO_ARG_SECRET))
			OPENSSL_cleanse(text, strlen(text));
		free(text);
		break;
	case OPT_LOCAL:
		json_object_set_new(local, key, json_string(v));
		break;
	case OPT_LOCAL_FLAG:
		json_object_set_new(local, key, json_true());
		break;
	}
}

/*
 * The option or argument a wire key comes from, as the user types it:
 * "--reason", or "NAME" for a positional one.
 */
static char *
option_for_key(const struct ctl_cmd *c, const char *key)
{
	const struct ctl_opt	*o;
	char			*s, *pos;
	int			 i;

	for (o = c->opts; o->name != NULL; o++) {
		if (o->type != OPT_LOCAL && o->type != OPT_LOCAL_FLAG &&
		    strcmp(opt_key(o), key) == 0) {
			xasprintf(&s, "--%s", o->name);
			return (s);
		}
	}
	for (i = 0; (pos = positional_key(c->args, i)) != NULL; i++) {
		if (strcmp(pos, key) == 0) {
			free(pos);
			s = xstrdup(key);
			for (pos = s; *pos != '\0'; pos++)
				*pos = (char)toupper((unsigned char)*pos);
			return (s);
		}
		free(pos);
	}
	return (xstrdup(key));
}

/* Every argument the command's declaration requires is there. */
static void
check_required(const struct ctl_cmd *c, json_t *args)
{
	const struct proto_cmd	*pc = proto_cmd_find(c->cmd);
	const struct proto_arg	*a;
	char			*opt;

	for (a = pc != NULL ? pc->args : NULL; a != NULL && a->key != NULL;
	    a++) {
		if ((a->flags & PROTO_ARG_REQUIRED) == 0 ||
		    json_object_get(args, a->key) != NULL)
			continue;
		opt = option_for_key(c, a->key);
		usage_error(c, "%s is required", opt);
	}
}

/*
 * Build the request's arguments from the command's options and
 * positional arguments; what is acmctl's own (--out) goes into local.
 */
static json_t *
build_args(const struct ctl_cmd *c, int argc, char **argv, json_t *local)
{
	/* Static: a usage error exits from the loop with it still held. */
	static struct option	*lopts;
	json_t			*args, *list;
	size_t			 nopts = 0, i;
	int			 ch, idx, npos, maxpos, optional, rest;
	char			*key;

	while (c->opts[nopts].name != NULL)
		nopts++;
	lopts = xcalloc(nopts + 3, sizeof *lopts);
	/* The output options work after the command too. */
	lopts[nopts].name = "json";
	lopts[nopts].val = 'j';
	lopts[nopts + 1].name = "no-color";
	lopts[nopts + 1].val = 'C';
	for (i = 0; i < nopts; i++) {
		lopts[i].name = c->opts[i].name;
		lopts[i].has_arg = c->opts[i].type == OPT_FLAG ||
		    c->opts[i].type == OPT_LOCAL_FLAG ? no_argument :
		    required_argument;
		lopts[i].val = 1000 + (int)i;
	}
	args = json_object();
	optind = 0;	/* glibc: re-initialise, permuting again */
	while ((ch = getopt_long(argc, argv, "", lopts, &idx)) != -1) {
		if (ch == 'j')
			ctl_json = 1;
		else if (ch == 'C')
			ctl_nocolor = 1;
		else if (ch < 1000) {
			fprintf(stderr, "usage: acmctl %s %s\n", c->name, c->args);
			exit(EXIT_USAGE);
		} else
			take_option(c, &c->opts[ch - 1000], optarg, args, local);
	}
	free(lopts);
	lopts = NULL;
	npos = argc - optind;
	maxpos = count_words(c->args);
	optional = strchr(c->args, '[') != NULL;
	rest = strstr(c->args, "...") != NULL;
	if (npos > maxpos && !rest)
		usage_error(c, "too many arguments");
	if (npos < maxpos && !optional)
		usage_error(c, "missing %s", c->args);
	for (idx = 0; idx < npos && idx < maxpos; idx++) {
		key = positional_key(c->args, idx);
		if (idx == maxpos - 1 && rest) {
			list = json_array();
			for (; optind + idx < argc; idx++)
				json_array_append_new(list,
				    json_string(argv[optind + idx]));
			json_object_set_new(args, key, list);
		} else
			json_object_set_new(args, key,
			    json_string(argv[optind + idx]));
		free(key);
	}
	if (c->prepare != NULL && c->prepare(c, args) != 0)
		exit(EXIT_USAGE);
	check_required(c, args);
	return (args);
}

static int
connect_daemon(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, tries = 0;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path) {
		fprintf(stderr, "acmctl: socket path too long: %s\n", path);
		exit(EXIT_USAGE);
	}
	snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "acmctl: socket: %s\n", strerror(errno));
		exit(EXIT_UNREACH);
	}
	/* A full accept queue is EAGAIN: wait for room a little while. */
	while (connect(fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		if (errno == EAGAIN && tries++ < 500) {
			usleep(10000);
			continue;
		}
		fprintf(stderr, "acmctl: cannot reach acmd at %s: %s\n", path,
		    strerror(errno));
		exit(EXIT_UNREACH);
	}
	return (fd);
}

static int	print_error(const struct ctl_cmd *, const msgpack_object *);

static void
send_frame(int fd, struct mp_buf *b)
{
	char			*cause = NULL, *why = NULL;
	msgpack_unpacked	 m;

	if (frame_fd_write(fd, b->sb.data, b->sb.size, &cause) != 0) {
		render_progress_end();
		/* A peer acmd turns away is told why before it closes. */
		msgpack_unpacked_init(&m);
		if (frame_fd_read(fd, &m, &why) == 1 && mp_obj_is_str(
		    mp_map_get(&m.data, PROTO_F_KIND), PROTO_KIND_RESULT))
			exit(print_error(NULL, &m.data));
		free(why);
		fprintf(stderr, "acmctl: acmd closed the connection while "
		    "acmctl was sending (%s)\n", cause);
		exit(EXIT_UNREACH);
	}
}

static void
read_failed(int ret, char *cause)
{
	render_progress_end();
	fprintf(stderr, "acmctl: acmd closed the connection%s%s\n",
	    ret == 0 ? "" : ": ", ret == 0 ? "" : cause);
	exit(EXIT_UNREACH);
}

static void
read_frame(int fd, msgpack_unpacked *m)
{
	char	*cause = NULL;
	int	 ret;

	if ((ret = frame_fd_read(fd, m, &cause)) != 1)
		read_failed(ret, cause);
}

/*
 * Print an error result; returns the exit code.  An argument the daemon
 * refused is a usage error (2) named as the user typed it; data sent with
 * the error (what was done before it failed) is shown first.
 */
/*
 * A long list comes in parts: data frames marked part, each an array the
 * next continues, up to the result's.  The frames are kept (their rows
 * live in them) and the rows joined into one array at the end.
 */
struct ctl_parts {
	msgpack_unpacked	*u;
	size_t			 n;
	size_t			 rows;
	msgpack_object		 joined;
	/* Or written as they come (--json), or their text kept (a table). */
	int			 streaming;
	size_t			 streamed;	/* rows written */
	struct table_stream	*table;
};

/*
 * Where a data frame's rows are, when it is a part of a list (kind data,
 * part true, data an array): 1 with the rows' bytes and count.
 */
static int
raw_part(const char *at, const char *end, const char **rows,
    const char **rows_end, uint32_t *n)
{
	msgpack_object	 o, k, v;
	uint32_t	 i;
	int		 data = 0, part = 0;

	*rows = NULL;
	if (mp_raw_next(&at, end, &o) != 0 || o.type != MSGPACK_OBJECT_MAP)
		return (0);
	for (i = 0; i < o.via.map.size; i++) {
		if (mp_raw_next(&at, end, &k) != 0 || k.type != MSGPACK_OBJECT_STR)
			return (0);
		if (mp_obj_is_str(&k, PROTO_F_DATA)) {
			if (mp_raw_next(&at, end, &v) != 0 ||
			    v.type != MSGPACK_OBJECT_ARRAY)
				return (0);
			*rows = at;
			*n = v.via.array.size;
			/* The rows are the frame's last member, or skipped. */
			if (i + 1 == o.via.map.size) {
				*rows_end = end;
				break;
			}
			for (; v.via.array.size > 0; v.via.array.size--) {
				if (mp_raw_skip(&at, end) != 0)
					return (0);
			}
			*rows_end = at;
			continue;
		}
		if (mp_raw_next(&at, end, &v) != 0)
			return (0);
		if (mp_obj_is_str(&k, PROTO_F_KIND))
			data = mp_obj_is_str(&v, PROTO_KIND_DATA);
		else if (mp_obj_is_str(&k, PROTO_F_PART))
			part = v.type == MSGPACK_OBJECT_BOOLEAN && v.via.boolean;
		if ((v.type == MSGPACK_OBJECT_ARRAY ||
		    v.type == MSGPACK_OBJECT_MAP) && v.via.array.size > 0)
			return (0);	/* acmd sends none but data */
	}
	return (data && part && *rows != NULL);
}

/*
 * With --json, a part of a list is written from the frame's bytes, read
 * in place: msgpack-c's objects for 100,000 rows took a third of
 * acmctl's time.  1 when the frame was one; else 0 and m holds it.
 */
static int
read_frame_part(int fd, msgpack_unpacked *m, struct ctl_parts *p)
{
	msgpack_zone	*zone;
	const char	*rows, *rows_end;
	char		*body, *cause = NULL;
	size_t		 len;
	uint32_t	 n;
	int		 ret;

	if ((ret = frame_fd_read_body(fd, &zone, &body, &len, &cause)) != 1)
		read_failed(ret, cause);
	if (ctl_json && raw_part(body, body + len, &rows, &rows_end, &n)) {
		render_progress_end();
		render_json_rows_raw(rows, rows_end, n, &p->streamed, stdout);
		p->streaming = 1;
		msgpack_zone_free(zone);
		return (1);
	}
	if ((ret = frame_parse_body(zone, body, len, m, &cause)) != 1)
		read_failed(ret, cause);
	return (0);
}

/* Whether m is a part of a list. */
static int
parts_is(const msgpack_unpacked *m)
{
	const msgpack_object	*part = mp_map_get(&m->data, PROTO_F_PART);
	const msgpack_object	*data = mp_map_get(&m->data, PROTO_F_DATA);

	return (part != NULL && part->type == MSGPACK_OBJECT_BOOLEAN &&
	    part->via.boolean && data != NULL &&
	    data->type == MSGPACK_OBJECT_ARRAY);
}

/* Keep m when it is a part of a list (1); 0 when it is not. */
static int
parts_add(struct ctl_parts *p, msgpack_unpacked *m)
{
	const msgpack_object	*data = mp_map_get(&m->data, PROTO_F_DATA);

	if (!parts_is(m))
		return (0);
	p->u = xreallocarray(p->u, p->n + 1, sizeof *p->u);
	p->u[p->n++] = *m;
	p->rows += data->via.array.size;
	msgpack_unpacked_init(m);
	return (1);
}

/* The whole list: the parts' rows, then last's (an array); else last. */
static const msgpack_object *
parts_join(struct ctl_parts *p, const msgpack_object *last)
{
	const msgpack_object	*d;
	size_t			 i, at = 0;

	if (p->n == 0 || last == NULL || last->type != MSGPACK_OBJECT_ARRAY)
		return (last);
	p->joined.type = MSGPACK_OBJECT_ARRAY;
	p->joined.via.array.size = (uint32_t)(p->rows + last->via.array.size);
	p->joined.via.array.ptr = xreallocarray(NULL,
	    p->joined.via.array.size + 1, sizeof *p->joined.via.array.ptr);
	for (i = 0; i < p->n; i++) {
		d = mp_map_get(&p->u[i].data, PROTO_F_DATA);
		memcpy(p->joined.via.array.ptr + at, d->via.array.ptr,
		    d->via.array.size * sizeof *d->via.array.ptr);
		at += d->via.array.size;
	}
	memcpy(p->joined.via.array.ptr + at, last->via.array.ptr,
	    last->via.array.size * sizeof *last->via.array.ptr);
	return (&p->joined);
}

/*
 * A part of a list (1; 0 when m is none): with --json written at once,
 * for acm list's table its text kept, else kept whole.
 */
static int
parts_take(const struct ctl_cmd *c, struct ctl_parts *p, msgpack_unpacked *m)
{
	const msgpack_object	*o = mp_map_get(&m->data, PROTO_F_DATA);

	if (!parts_is(m))
		return (0);
	if (!ctl_json && c->render != render_acm_list)
		return (parts_add(p, m));
	if (ctl_json)
		render_json_rows(o, &p->streamed, stdout);
	else {
		if (p->table == NULL)
			p->table = render_acm_list_stream();
		table_stream_rows(p->table, o);
	}
	p->streaming = 1;
	msgpack_unpacked_destroy(m);
	return (1);
}

/*
 * The answer: the list's parts and last, the result's data; on an error
 * (ok 0) the parts written so far, whole.
 */
static void
parts_print(const struct ctl_cmd *c, struct ctl_parts *p,
    const msgpack_object *last, int ok)
{
	const msgpack_object	*o;

	if (p->table != NULL) {
		if (ok && last != NULL)
			table_stream_rows(p->table, last);
		table_stream_end(p->table, stdout);
		p->table = NULL;
	} else if (p->streaming) {
		if (ok && last != NULL)
			render_json_rows(last, &p->streamed, stdout);
		render_json_rows_end(p->streamed, stdout);
	} else if (ok && (o = parts_join(p, last)) != NULL &&
	    o->type != MSGPACK_OBJECT_NIL) {
		if (ctl_json)
			render_json(o, stdout);
		else
			c->render(o, stdout);
	}
}

static void
parts_free(struct ctl_parts *p)
{
	size_t	 i;

	for (i = 0; i < p->n; i++)
		msgpack_unpacked_destroy(&p->u[i]);
	free(p->u);
	if (p->n > 0)
		free(p->joined.via.array.ptr);
}

static int
print_error(const struct ctl_cmd *c, const msgpack_object *m)
{
	const msgpack_object	*err = mp_map_get(m, PROTO_F_ERROR), *data;
	char			*code, *msg, *arg, *opt;
	int			 ret = EXIT_FAILED;

	code = mp_obj_str(mp_map_get(err, PROTO_F_CODE));
	msg = mp_obj_str(mp_map_get(err, PROTO_F_MESSAGE));
	arg = mp_obj_str(mp_map_get(err, PROTO_F_ARG));
	data = mp_map_get(m, PROTO_F_DATA);
	if (ctl_json)
		render_json(m, stdout);
	else if (c != NULL && data != NULL && data->type != MSGPACK_OBJECT_NIL)
		c->render(data, stdout);
	fflush(stdout);
	if (c != NULL && arg != NULL && code != NULL &&
	    strcmp(code, "EINVAL_ARG") == 0) {
		opt = option_for_key(c, arg);
		/* "'reason' is required" reads "--reason is required". */
		if (msg != NULL && msg[0] == '\'' &&
		    strncmp(msg + 1, arg, strlen(arg)) == 0 &&
		    msg[1 + strlen(arg)] == '\'')
			fprintf(stderr, "acmctl %s: %s%s\n", c->name, opt,
			    msg + 2 + strlen(arg));
		else
			fprintf(stderr, "acmctl %s: %s: %s\n", c->name, opt,
			    msg ? msg : "not valid");
		fprintf(stderr, "usage: acmctl %s%s%s\n", c->name,
		    *c->args ? " " : "", c->args);
		free(opt);
		ret = EXIT_USAGE;
	} else
		fprintf(stderr, "acmctl: %s (%s)\n", msg ? msg : "failed",
		    code ? code : "?");
	free(code);
	free(msg);
	free(arg);
	return (ret);
}

/* A note from acmd for the person: on standard error, whatever the mode. */
static void
print_note(const msgpack_object *m)
{
	char	*note = mp_obj_str(mp_map_get(m, PROTO_F_NOTE));

	if (note != NULL && *note != '\0') {
		fflush(stdout);
		fprintf(stderr, "acmctl: %s\n", note);
	}
	free(note);
}

static int
run(const char *sockpath, const struct ctl_cmd *c, int argc, char **argv)
{
	struct mp_buf		*b;
	struct ctl_parts	 parts = { 0 };
	msgpack_unpacked	 m;
	const msgpack_object	*o;
	uint64_t		 done, total;
	int			 fd, ret = EXIT_FAILED;
	char			*what, *cause = NULL;
	json_t			*args;

	b = mp_buf_new();
	mp_map(b, 4);
	mp_kstr(b, PROTO_F_KIND, PROTO_KIND_REQUEST);
	mp_kuint(b, PROTO_F_ID, 1);
	mp_kstr(b, PROTO_F_CMD, c->cmd);
	mp_str(b, PROTO_F_ARGS);
	ctl_local = json_object();
	args = build_args(c, argc, argv, ctl_local);
	ctl_color = !ctl_nocolor && !ctl_json && isatty(STDOUT_FILENO) &&
	    getenv("NO_COLOR") == NULL;
	mp_pack_json(b, args);
	/* What was sent is not needed any more: secrets go with it. */
	json_decref(args);

	fd = connect_daemon(sockpath);
	{
		struct mp_buf	*h = mp_buf_new();

		mp_map(h, 3);
		mp_kstr(h, PROTO_F_KIND, PROTO_KIND_HELLO);
		mp_kuint(h, PROTO_F_VERSION, PROTO_VERSION);
		mp_kstr(h, PROTO_F_CLIENT, "acmctl " PACKAGE_VERSION);
		send_frame(fd, h);
		mp_buf_free(h);
	}
	read_frame(fd, &m);
	if (!mp_obj_is_str(mp_map_get(&m.data, PROTO_F_KIND), PROTO_KIND_HELLO)) {
		ret = print_error(NULL, &m.data);
		msgpack_unpacked_destroy(&m);
		close(fd);
		mp_buf_free(b);
		return (ret);
	}
	msgpack_unpacked_destroy(&m);
	send_frame(fd, b);
	mp_buf_free(b);

	for (;;) {
		if (read_frame_part(fd, &m, &parts))
			continue;	/* the list goes on */
		o = mp_map_get(&m.data, PROTO_F_KIND);
		if (mp_obj_is_str(o, PROTO_KIND_PROGRESS)) {
			done = total = 0;
			mp_get_uint(&m.data, PROTO_F_DONE, &done, &cause);
			mp_get_uint(&m.data, PROTO_F_TOTAL, &total, &cause);
			what = mp_obj_str(mp_map_get(&m.data, PROTO_F_WHAT));
			render_progress(done, total, what);
			free(what);
		} else if (mp_obj_is_str(o, PROTO_KIND_DATA)) {
			render_progress_end();
			if (parts_take(c, &parts, &m))
				continue;	/* the list goes on */
			if ((o = mp_map_get(&m.data, PROTO_F_DATA)) != NULL) {
				if (ctl_json)
					render_json(o, stdout);
				else
					c->render(o, stdout);
			}
		} else if (mp_obj_is_str(o, PROTO_KIND_RESULT)) {
			render_progress_end();
			if ((o = mp_map_get(&m.data, PROTO_F_OK)) != NULL &&
			    o->type == MSGPACK_OBJECT_BOOLEAN && o->via.boolean) {
				parts_print(c, &parts, mp_map_get(&m.data,
				    PROTO_F_DATA), 1);
				ret = EXIT_OK;
			} else {
				parts_print(c, &parts, NULL, 0);
				ret = print_error(c, &m.data);
			}
			print_note(&m.data);
			msgpack_unpacked_destroy(&m);
			parts_free(&parts);
			break;
		}
		msgpack_unpacked_destroy(&m);
	}
	free(cause);
	close(fd);
	/* What acmd did is done, but acmctl's own part failed. */
	if (ret == EXIT_OK && ctl_exit != 0)
		ret = ctl_exit;
	return (ret);
}

int
main(int argc, char **argv)
{
	static const struct option	 gopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-color", no_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ctl_cmd		*c;
	const char			*sockpath;
	int				 ch, used, nocolor = 0;

	log_init("acmctl", LOG_TO_STDERR, 0);
	if ((sockpath = getenv("ACMD_SOCKET")) == NULL)
		sockpath = PROTO_DEFAULT_SOCKET;
	while ((ch = getopt_long(argc, argv, "+s:hV", gopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			sockpath = optarg;
			break;
		case 'j':
			ctl_json = 1;
			break;
		case 'C':
			nocolor = 1;
			break;
		case 'h':
			usage(EXIT_OK);
		case 'V':
			printf("acmctl %s (protocol %d)\n", PACKAGE_VERSION,
			    PROTO_VERSION);
			return (EXIT_OK);
		default:
			usage(EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage(EXIT_USAGE);
	if (strcmp(argv[0], "help") == 0)
		usage(EXIT_OK);
	if ((c = find_cmd(argc, argv, &used)) == NULL) {
		fprintf(stderr, "acmctl: unknown command '%s' (acmctl -h lists "
		    "them)\n", argv[0]);
		return (EXIT_USAGE);
	}
	ctl_nocolor = nocolor;
	/*
	 * Fully buffered, even on a terminal.  (glibc takes no size without
	 * a buffer; the renderers of big answers, 10,000 inventory rows,
	 * hand stdio large blocks themselves.)
	 */
	setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
	/* getopt_long wants the command name at argv[0]. */
	return (run(sockpath, c, argc - used + 1, argv + used - 1));
}

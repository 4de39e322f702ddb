/* Output of acmctl: aligned tables, colour on a terminal, --json. */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <msgpack.h>

#include "acmctl.h"
#include "mp.h"
#include "mpjson.h"
#include "util.h"
#include "xmalloc.h"

#define RED	"\033[31m"
#define YELLOW	"\033[33m"
#define GREEN	"\033[32m"
#define RESET	"\033[0m"

/*
 * --json: straight from msgpack to text, without building a tree (10,000
 * inventory rows in a few milliseconds).  Objects keep their key order.
 */
static void
json_string_out(const char *p, size_t len, FILE *f)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*s = (const unsigned char *)p;
	size_t			 i, start = 0;

	putc('"', f);
	for (i = 0; i < len; i++) {
		if (s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' && s[i] != 0x7f)
			continue;
		fwrite(s + start, 1, i - start, f);
		start = i + 1;
		switch (s[i]) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			fprintf(f, "\\u00%c%c", hex[s[i] >> 4], hex[s[i] & 0xf]);
			break;
		}
	}
	fwrite(s + start, 1, len - start, f);
	putc('"', f);
}

static void
json_out(const msgpack_object *o, int indent, FILE *f)
{
	uint32_t	 i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		fputs("null", f);
		break;
	case MSGPACK_OBJECT_BOOLEAN:
		fputs(o->via.boolean ? "true" : "false", f);
		break;
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		fprintf(f, "%" PRIu64, o->via.u64);
		break;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		fprintf(f, "%" PRId64, o->via.i64);
		break;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		fprintf(f, "%.17g", o->via.f64);
		break;
	case MSGPACK_OBJECT_STR:
		json_string_out(o->via.str.ptr, o->via.str.size, f);
		break;
	case MSGPACK_OBJECT_BIN:
		json_string_out(o->via.bin.ptr, o->via.bin.size, f);
		break;
	case MSGPACK_OBJECT_ARRAY:
		if (o->via.array.size == 0) {
			fputs("[]", f);
			break;
		}
		fputs("[\n", f);
		for (i = 0; i < o->via.array.size; i++) {
			fprintf(f, "%*s", indent + 2, "");
			json_out(&o->via.array.ptr[i], indent + 2, f);
			fputs(i + 1 < o->via.array.size ? ",\n" : "\n", f);
		}
		fprintf(f, "%*s]", indent, "");
		break;
	case MSGPACK_OBJECT_MAP:
		if (o->via.map.size == 0) {
			fputs("{}", f);
			break;
		}
		fputs("{\n", f);
		for (i = 0; i < o->via.map.size; i++) {
			const msgpack_object *k = &o->via.map.ptr[i].key;

			fprintf(f, "%*s", indent + 2, "");
			if (k->type == MSGPACK_OBJECT_STR)
				json_string_out(k->via.str.ptr, k->via.str.size, f);
			else
				fprintf(f, "\"#%u\"", i);
			fputs(": ", f);
			json_out(&o->via.map.ptr[i].val, indent + 2, f);
			fputs(i + 1 < o->via.map.size ? ",\n" : "\n", f);
		}
		fprintf(f, "%*s}", indent, "");
		break;
	default:
		fputs("null", f);
		break;
	}
}

void
render_json(const msgpack_object *o, FILE *f)
{
	json_out(o, 0, f);
	putc('\n', f);
}

char *
render_scalar(const msgpack_object *o)
{
	char	*s;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return (xstrdup("-"));
	case MSGPACK_OBJECT_BOOLEAN:
		return (xstrdup(o->via.boolean ? "yes" : "no"));
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		xasprintf(&s, "%" PRIu64, o->via.u64);
		return (s);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		xasprintf(&s, "%" PRId64, o->via.i64);
		return (s);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		xasprintf(&s, "%g", o->via.f64);
		return (s);
	case MSGPACK_OBJECT_STR:
		return (xstrndup(o->via.str.ptr, o->via.str.size));
	case MSGPACK_OBJECT_ARRAY: {
		size_t	 len = 0;
		char	*item;
		uint32_t i;

		s = xstrdup("");
		for (i = 0; i < o->via.array.size; i++) {
			item = render_scalar(&o->via.array.ptr[i]);
			s = xreallocarray(s, 1, len + strlen(item) + 3);
			len += sprintf(s + len, "%s%s", i ? ", " : "", item);
			free(item);
		}
		return (s);
	}
	default:
		return (xstrdup("..."));
	}
}

static const char *
row_color(const msgpack_object *row)
{
	const msgpack_object	*st;
	static const char *const red[] = { "mismatch", "failed", "missing",
	    "expired", "FAILED", "EXPIRED", "REVOKED", "Failed",
	    "Validation Timed Out", NULL };
	size_t			 i;

	if (!ctl_color)
		return (NULL);
	if ((st = mp_map_get(row, "state")) == NULL &&
	    (st = mp_map_get(row, "status")) == NULL &&
	    (st = mp_map_get(row, "deployment")) == NULL)
		return (NULL);
	for (i = 0; red[i] != NULL; i++) {
		if (mp_obj_is_str(st, red[i]))
			return (RED);
	}
	return (NULL);
}

/*
 * An array of maps as an aligned table.  cols names the keys to show, in
 * order (NULL: the keys of the first row).
 */
void
render_table(const msgpack_object *rows, const char *const *cols, FILE *f)
{
	const char	*const *names;
	const char	**auto_cols = NULL;
	const msgpack_object *first, *row, *v;
	size_t		 ncols, c, *width;
	uint32_t	 r;
	char		*s, *up;
	const char	*color;

	if (rows->type != MSGPACK_OBJECT_ARRAY) {
		render_generic(rows, f);
		return;
	}
	if (rows->via.array.size == 0) {
		fprintf(f, "(none)\n");
		return;
	}
	first = &rows->via.array.ptr[0];
	if (cols == NULL) {
		if (first->type != MSGPACK_OBJECT_MAP) {
			render_generic(rows, f);
			return;
		}
		auto_cols = xcalloc(first->via.map.size + 1, sizeof *auto_cols);
		for (c = 0; c < first->via.map.size; c++)
			auto_cols[c] = render_scalar(&first->via.map.ptr[c].key);
		names = auto_cols;
	} else
		names = cols;
	for (ncols = 0; names[ncols] != NULL; ncols++)
		;
	width = xcalloc(ncols, sizeof *width);
	for (c = 0; c < ncols; c++)
		width[c] = strlen(names[c]);
	for (r = 0; r < rows->via.array.size; r++) {
		row = &rows->via.array.ptr[r];
		for (c = 0; c < ncols; c++) {
			if ((v = mp_map_get(row, names[c])) == NULL)
				continue;
			s = render_scalar(v);
			if (strlen(s) > width[c])
				width[c] = strlen(s);
			free(s);
		}
	}
	for (c = 0; c < ncols; c++) {
		up = xstrdup(names[c]);
		for (s = up; *s != '\0'; s++)
			*s = (*s == '_') ? ' ' : (char)toupper((unsigned char)*s);
		fprintf(f, "%-*s%s", c + 1 < ncols ? (int)width[c] : 0, up,
		    c + 1 < ncols ? "  " : "\n");
		free(up);
	}
	for (r = 0; r < rows->via.array.size; r++) {
		row = &rows->via.array.ptr[r];
		color = row_color(row);
		if (color != NULL)
			fputs(color, f);
		for (c = 0; c < ncols; c++) {
			v = mp_map_get(row, names[c]);
			s = v != NULL ? render_scalar(v) : xstrdup("-");
			fprintf(f, "%-*s%s", c + 1 < ncols ? (int)width[c] : 0,
			    s, c + 1 < ncols ? "  " : "");
			free(s);
		}
		fputs(color != NULL ? RESET "\n" : "\n", f);
	}
	free(width);
	if (auto_cols != NULL) {
		for (c = 0; auto_cols[c] != NULL; c++)
			free((char *)auto_cols[c]);
		free(auto_cols);
	}
}

static void
render_map(const msgpack_object *o, int indent, FILE *f)
{
	const msgpack_object	*v;
	size_t			 w = 0, len;
	uint32_t		 i;
	char			*k, *s;

	for (i = 0; i < o->via.map.size; i++) {
		k = render_scalar(&o->via.map.ptr[i].key);
		if ((len = strlen(k)) > w)
			w = len;
		free(k);
	}
	for (i = 0; i < o->via.map.size; i++) {
		k = render_scalar(&o->via.map.ptr[i].key);
		v = &o->via.map.ptr[i].val;
		if (v->type == MSGPACK_OBJECT_MAP) {
			fprintf(f, "%*s%s:\n", indent, "", k);
			render_map(v, indent + 2, f);
		} else if (v->type == MSGPACK_OBJECT_ARRAY &&
		    v->via.array.size > 0 &&
		    v->via.array.ptr[0].type == MSGPACK_OBJECT_MAP) {
			fprintf(f, "%*s%s:\n", indent, "", k);
			render_table(v, NULL, f);
		} else {
			s = render_scalar(v);
			fprintf(f, "%*s%-*s  %s\n", indent, "", (int)w + 1, k, s);
			free(s);
		}
		free(k);
	}
}

void
render_generic(const msgpack_object *o, FILE *f)
{
	char	*s;

	if (o->type == MSGPACK_OBJECT_MAP)
		render_map(o, 0, f);
	else if (o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size > 0 &&
	    o->via.array.ptr[0].type == MSGPACK_OBJECT_MAP)
		render_table(o, NULL, f);
	else if (o->type != MSGPACK_OBJECT_NIL) {
		s = render_scalar(o);
		fprintf(f, "%s\n", s);
		free(s);
	}
}

static void
format_when(const msgpack_object *o, char *buf, size_t len)
{
	int64_t		 t = 0;

	if (o != NULL && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		t = (int64_t)o->via.u64;
	if (t == 0)
		snprintf(buf, len, "-");
	else
		format_time((time_t)t, buf, len);
}

void
render_status(const msgpack_object *o, FILE *f)
{
	const msgpack_object	*store, *counts, *jobs, *j;
	char			 up[64], a[32], b[32], *s;
	uint64_t		 u = 0;
	uint32_t		 i;

	mp_get_uint(o, "uptime", &u, &s);
	format_duration(u, up, sizeof up);
	s = mp_obj_str(mp_map_get(o, "version"));
	fprintf(f, "acmd %s, up %s\n", s ? s : "?", up);
	free(s);
	s = mp_obj_str(mp_map_get(o, "config"));
	fprintf(f, "config   %s\n", s ? s : "?");
	free(s);
	if ((store = mp_map_get(o, "store")) != NULL) {
		char	*path = mp_obj_str(mp_map_get(store, "path"));
		uint64_t used = 0;

		mp_get_uint(store, "used", &used, &s);
		fprintf(f, "store    %s (%.1f MiB used)\n", path ? path : "?",
		    (double)used / (1024 * 1024));
		free(path);
	}
	u = 0;
	mp_get_uint(o, "clients", &u, &s);
	fprintf(f, "clients  %" PRIu64 "\n", u);
	if ((counts = mp_map_get(o, "counts")) != NULL &&
	    counts->type == MSGPACK_OBJECT_MAP) {
		fprintf(f, "counts  ");
		for (i = 0; i < counts->via.map.size; i++) {
			char *k = render_scalar(&counts->via.map.ptr[i].key);
			char *v = render_scalar(&counts->via.map.ptr[i].val);

			fprintf(f, " %s=%s", k, v);
			free(k);
			free(v);
		}
		fputc('\n', f);
	}
	jobs = mp_map_get(o, "jobs");
	if (jobs == NULL || jobs->type != MSGPACK_OBJECT_ARRAY)
		return;
	fprintf(f, "\n%-12s %-10s %-21s %-21s %s\n", "JOB", "STATE", "LAST RUN",
	    "NEXT RUN", "LAST RESULT");
	for (i = 0; i < jobs->via.array.size; i++) {
		char	*name, *state, *res;

		j = &jobs->via.array.ptr[i];
		name = mp_obj_str(mp_map_get(j, "name"));
		state = mp_obj_str(mp_map_get(j, "state"));
		res = mp_obj_str(mp_map_get(j, "last_result"));
		format_when(mp_map_get(j, "last_run"), a, sizeof a);
		format_when(mp_map_get(j, "next_run"), b, sizeof b);
		fprintf(f, "%-12s %-10s %-21s %-21s %s\n", name ? name : "?",
		    state ? state : "?", a, b, res && *res ? res : "-");
		free(name);
		free(state);
		free(res);
	}
}

void
render_audit(const msgpack_object *o, FILE *f)
{
	const msgpack_object	*row;
	uint32_t		 i;
	char			 when[32], *cmd, *args;
	uint64_t		 seq, uid, t;

	if (o->type != MSGPACK_OBJECT_ARRAY) {
		render_generic(o, f);
		return;
	}
	fprintf(f, "%-6s %-20s %-6s %-20s %s\n", "SEQ", "TIME", "UID", "COMMAND",
	    "ARGUMENTS");
	for (i = 0; i < o->via.array.size; i++) {
		char	*dummy = NULL;
		json_t	*j;
		const msgpack_object *a;

		row = &o->via.array.ptr[i];
		seq = uid = t = 0;
		mp_get_uint(row, "seq", &seq, &dummy);
		mp_get_uint(row, "uid", &uid, &dummy);
		mp_get_uint(row, "time", &t, &dummy);
		free(dummy);
		format_time((time_t)t, when, sizeof when);
		cmd = mp_obj_str(mp_map_get(row, "cmd"));
		args = NULL;
		if ((a = mp_map_get(row, "args")) != NULL) {
			j = mp_to_json(a);
			args = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
			json_decref(j);
		}
		fprintf(f, "%-6" PRIu64 " %-20s %-6" PRIu64 " %-20s %s\n", seq,
		    when, uid, cmd ? cmd : "?", args ? args : "{}");
		free(cmd);
		free(args);
	}
}

static int	progress_shown;

void
render_progress(uint64_t done, uint64_t total, const char *what)
{
	char	 bar[31];
	size_t	 filled, i;

	if (ctl_json || !isatty(STDERR_FILENO))
		return;
	filled = total > 0 ? (size_t)(done * 30 / total) : 0;
	if (filled > 30)
		filled = 30;
	for (i = 0; i < 30; i++)
		bar[i] = i < filled ? '#' : '.';
	bar[30] = '\0';
	fprintf(stderr, "\r\033[K[%s] %" PRIu64 "/%" PRIu64 " %s", bar, done,
	    total, what != NULL ? what : "");
	fflush(stderr);
	progress_shown = 1;
}

void
render_progress_end(void)
{
	if (progress_shown) {
		fprintf(stderr, "\r\033[K");
		fflush(stderr);
		progress_shown = 0;
	}
}

static int
write_out(const char *dir, const char *name, const char *ext, const char *text,
    mode_t mode)
{
	char	*path;
	FILE	*f;
	int	 fd, ret = 0;

	xasprintf(&path, "%s/%s%s", dir, name, ext);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, mode);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		fprintf(stderr, "acmctl: %s: %s\n", path, strerror(errno));
		if (fd != -1)
			close(fd);
		free(path);
		return (-1);
	}
	fchmod(fd, mode);
	if (fputs(text, f) == EOF)
		ret = -1;
	if (fclose(f) != 0)
		ret = -1;
	if (ret == 0)
		printf("%s\n", path);
	else
		fprintf(stderr, "acmctl: %s: write error\n", path);
	free(path);
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
	dir = json_string_value(json_object_get(ctl_args, "out"));
	if (dir != NULL && name != NULL) {
		if (cert != NULL)
			write_out(dir, name, ".crt", cert, 0644);
		if (chain != NULL && *chain != '\0')
			write_out(dir, name, ".chain.pem", chain, 0644);
		if (key != NULL)
			write_out(dir, name, ".key", key, 0600);
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

void
render_cert_show(const msgpack_object *o, FILE *f)
{
	static const char *const order[] = { "name", "domain", "sans",
	    "subject", "issuer", "serial", "key_type", "not_before",
	    "not_after", "days_left", "sha256", "sha1", "has_key", "current",
	    "source", NULL };
	const msgpack_object	*v;
	char			*s, when[32];
	size_t			 i;

	for (i = 0; order[i] != NULL; i++) {
		if ((v = mp_map_get(o, order[i])) == NULL)
			continue;
		if ((strcmp(order[i], "not_before") == 0 ||
		    strcmp(order[i], "not_after") == 0) &&
		    v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
			format_time((time_t)v->via.u64, when, sizeof when);
			fprintf(f, "%-11s %s\n", order[i], when);
			continue;
		}
		s = render_scalar(v);
		fprintf(f, "%-11s %s\n", order[i], s);
		free(s);
	}
	if ((v = mp_map_get(o, "versions")) != NULL) {
		fprintf(f, "\nversions:\n");
		render_table(v, NULL, f);
	}
	if ((v = mp_map_get(o, "deployments")) != NULL) {
		fprintf(f, "\ndeployments:\n");
		render_table(v, NULL, f);
	}
}

void
render_discover(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "credential", "account", "region",
	    "found", "new", "changed", "gone", "errors", "error", NULL };
	static const char *const keys[] = { "found", "new", "changed", "gone",
	    "errors", NULL };
	const msgpack_object	*v;
	uint64_t		 ms = 0;
	char			*dummy = NULL, *s;
	size_t			 i;

	mp_get_uint(o, "duration_ms", &ms, &dummy);
	free(dummy);
	fprintf(f, "discovery done in %.1f s:", (double)ms / 1000);
	for (i = 0; keys[i] != NULL; i++) {
		if ((v = mp_map_get(o, keys[i])) == NULL)
			continue;
		s = render_scalar(v);
		fprintf(f, " %s %s%s", s, keys[i], keys[i + 1] ? "," : "");
		free(s);
	}
	fputc('\n', f);
	if ((v = mp_map_get(o, "regions")) != NULL && v->type ==
	    MSGPACK_OBJECT_ARRAY && v->via.array.size > 0) {
		fputc('\n', f);
		render_table(v, cols, f);
	}
	if ((v = mp_map_get(o, "credential_errors")) != NULL &&
	    v->type == MSGPACK_OBJECT_ARRAY && v->via.array.size > 0) {
		fprintf(f, "\ncredentials that failed:\n");
		render_table(v, NULL, f);
	}
}

void
render_acm_list(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "domain", "type", "status",
	    "region", "days_left", "in_use", "linked", "deployment", "arn",
	    NULL };

	render_table(o, cols, f);
}

void
render_deploy(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "name", "region", "version",
	    "result", "arn", NULL };
	const msgpack_object	*v;

	if ((v = mp_map_get(o, "deployments")) != NULL)
		render_table(v, cols, f);
	else
		render_generic(o, f);
}

void
render_deploy_list(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "name", "account", "region",
	    "version", "state", "auto_redeploy", "arn", "last_error", NULL };

	render_table(o, cols, f);
}

void
render_request_list(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "id", "domain", "kind",
	    "validation", "region", "status", "arn", NULL };

	render_table(o, cols, f);
}

void
render_records(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "name", "type", "value", NULL };
	const msgpack_object	*row;
	uint32_t		 i;
	char			*line;

	render_table(o, cols, f);
	if (o->type != MSGPACK_OBJECT_ARRAY)
		return;
	fprintf(f, "\nzone file:\n");
	for (i = 0; i < o->via.array.size; i++) {
		row = &o->via.array.ptr[i];
		line = mp_obj_str(mp_map_get(row, "zone_line"));
		if (line != NULL)
			fprintf(f, "%s\n", line);
		free(line);
	}
}

void
render_ca_list(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "common_name", "status", "type",
	    "not_after", "arn", NULL };

	render_table(o, cols, f);
}

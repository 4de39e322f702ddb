/*
 * The AWS shared config and credentials files, read as botocore reads
 * them (botocore/configloader.py and session.py):
 *
 * - the credentials file has "[name]" sections; the config file has
 *   "[profile name]" sections (split as by shlex, so "[profile "a b"]"
 *   works) and "[default]";
 * - option names are case-insensitive, section names are not;
 * - values given for a profile in the credentials file replace those of
 *   the config file; unknown keys are ignored;
 * - a missing or non-regular file is as an empty one;
 * - there are no inline comments (configparser has none by default).
 *
 * Unlike the CLI, a file that exists but cannot be opened is an error, so
 * that a daemon running as the wrong user says so.
 */
#include <sys/types.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>
#include <openssl/crypto.h>

#include "profile.h"
#include "xmalloc.h"

struct profile_key {
	const char	*key;
	size_t		 offset;
	int		 secret;
};

#define POFF(f)	offsetof(struct aws_profile, f)
static const struct profile_key profile_keys[] = {
	{ "aws_access_key_id", POFF(access_key_id), 1 },
	{ "aws_secret_access_key", POFF(secret_access_key), 1 },
	{ "aws_session_token", POFF(session_token), 1 },
	{ "region", POFF(region), 0 },
	{ "role_arn", POFF(role_arn), 0 },
	{ "source_profile", POFF(source_profile), 0 },
	{ "external_id", POFF(external_id), 0 },
	{ "role_session_name", POFF(role_session_name), 0 },
	{ "endpoint_url", POFF(endpoint_url), 0 },
};
#define PFIELD(p, off)	((char **)(void *)((char *)(p) + (off)))

struct profile_parse {
	const char		*want;
	int			 config;	/* not credentials */
	FILE			*f;
	int			 first;		/* at the start */
	int			 line_start;	/* read starts a line */
	int			 match;		/* in the section */
	int			 found;
	int			 token_set;	/* aws_session_token */
	struct aws_profile	*p;
};

static void
profile_set(char **field, const char *value, int secret)
{
	if (*field != NULL) {
		if (secret)
			xfree_secret(*field, strlen(*field));
		else
			free(*field);
	}
	*field = (value == NULL || *value == '\0') ? NULL : xstrdup(value);
}

/*
 * Split s as Python's shlex.split (POSIX mode) would; return the number
 * of words (counting stops at 3) and the second word in *second, or -1 if
 * the quoting is unbalanced.
 */
static int
profile_shlex(const char *s, char **second)
{
	char	*word;
	size_t	 len, n;
	int	 count = 0, inword;
	char	 quote;

	*second = NULL;
	word = xmalloc(strlen(s) + 1);
	while (count < 3) {
		while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			s++;
		if (*s == '\0')
			break;
		len = 0;
		inword = 1;
		while (inword && *s != '\0') {
			switch (*s) {
			case ' ':
			case '\t':
			case '\r':
			case '\n':
				inword = 0;
				break;
			case '\'':
			case '"':
				quote = *s++;
				while (*s != '\0' && *s != quote) {
					if (quote == '"' && *s == '\\' &&
					    (s[1] == '\\' || s[1] == '"' ||
					    s[1] == '$' || s[1] == '`'))
						s++;
					word[len++] = *s++;
				}
				if (*s == '\0')
					goto bad;
				s++;
				break;
			case '\\':
				s++;
				if (*s == '\0')
					goto bad;
				word[len++] = *s++;
				break;
			default:
				word[len++] = *s++;
				break;
			}
		}
		word[len] = '\0';
		if (++count == 2) {
			n = len;
			*second = xstrndup(word, n);
		}
	}
	free(word);
	return (count);
bad:
	free(word);
	free(*second);
	*second = NULL;
	return (-1);
}

static int
profile_section_matches(struct profile_parse *pp, const char *section)
{
	char	*name;
	int	 n, match;

	if (!pp->config)
		return (strcmp(section, pp->want) == 0);
	if (strcmp(section, "default") == 0)
		return (strcmp(pp->want, "default") == 0);
	/* botocore: key.startswith("profile") and two shlex words. */
	if (strncmp(section, "profile", 7) != 0)
		return (0);
	n = profile_shlex(section, &name);
	match = (n == 2 && strcmp(name, pp->want) == 0);
	free(name);
	return (match);
}

/*
 * Read a line for inih, tracking the section here: inih truncates
 * section names to 50 bytes, which could make a long name match.  The
 * header is as configparser takes it: from '[' to the last ']'.
 */
static char *
profile_read(char *str, int num, void *arg)
{
	struct profile_parse	*pp = arg;
	char			*p, *end, *section;

	if (fgets(str, num, pp->f) == NULL)
		return (NULL);
	p = str;
	if (pp->first && strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;		/* a UTF-8 BOM, as inih skips it */
	pp->first = 0;
	if (pp->line_start) {
		for (; *p == ' ' || *p == '\t'; p++)
			/* nothing */;
		if (*p == '[' && (end = strrchr(p, ']')) != NULL &&
		    end > p + 1) {
			section = xstrndup(p + 1, end - p - 1);
			pp->match = profile_section_matches(pp, section);
			if (pp->match)
				pp->found = 1;
			free(section);
		}
	}
	pp->line_start = (strchr(str, '\n') != NULL);
	return (str);
}

static int
profile_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct profile_parse	*pp = arg;
	size_t			 i;

	if (!pp->match || name == NULL)
		return (1);
	if (strcasecmp(name, "aws_security_token") == 0) {
		/* The old name; aws_session_token wins. */
		if (!pp->token_set)
			profile_set(&pp->p->session_token, value, 1);
		return (1);
	}
	for (i = 0; i < sizeof profile_keys / sizeof profile_keys[0]; i++) {
		if (strcasecmp(name, profile_keys[i].key) != 0)
			continue;
		profile_set(PFIELD(pp->p, profile_keys[i].offset), value,
		    profile_keys[i].secret);
		if (profile_keys[i].offset == POFF(session_token))
			pp->token_set = 1;
		break;
	}
	return (1);
}

static int
profile_parse_file(const char *path, int config, const char *want,
    struct aws_profile *p, int *found, char **cause)
{
	struct profile_parse	 pp;
	struct stat		 sb;
	FILE			*f;
	char			 iobuf[8192];
	int			 rc, save_max_line;
	bool			 save_inline;

	if (path == NULL || *path == '\0')
		return (0);
	if ((f = fopen(path, "re")) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return (0);
		xasprintf(cause, "cannot open %s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fclose(f);
		return (0);
	}
	/* Keep the secrets in a buffer we can cleanse. */
	setvbuf(f, iobuf, _IOFBF, sizeof iobuf);

	memset(&pp, 0, sizeof pp);
	pp.want = want;
	pp.config = config;
	pp.f = f;
	pp.first = 1;
	pp.line_start = 1;
	pp.p = p;

	/* Session tokens are long; configparser has no inline comments. */
	save_max_line = ini_max_line;
	save_inline = ini_allow_inline_comments;
	ini_max_line = AWS_PROFILE_MAX_LINE;
	ini_allow_inline_comments = false;
	rc = ini_parse_stream(profile_read, &pp, profile_handler, &pp);
	ini_max_line = save_max_line;
	ini_allow_inline_comments = save_inline;

	fclose(f);
	OPENSSL_cleanse(iobuf, sizeof iobuf);

	if (rc > 0) {
		xasprintf(cause, "%s: line %d: not a [section], key = value "
		    "or comment, or longer than %d bytes", path, rc,
		    AWS_PROFILE_MAX_LINE - 3);
		return (-1);
	}
	if (rc != 0) {
		xasprintf(cause, "%s: cannot be read", path);
		return (-1);
	}
	if (pp.found)
		*found = 1;
	return (0);
}

int
aws_profile_load(const char *credentials_path, const char *config_path,
    const char *name, struct aws_profile **out, char **cause)
{
	struct aws_profile	*p;
	int			 found = 0;

	*out = NULL;
	if (name == NULL || *name == '\0') {
		xasprintf(cause, "no AWS profile name given");
		return (-1);
	}
	p = xcalloc(1, sizeof *p);
	p->name = xstrdup(name);

	/* The config file first: the credentials file overrides it. */
	if (profile_parse_file(config_path, 1, name, p, &found, cause) != 0)
		goto fail;
	if (profile_parse_file(credentials_path, 0, name, p, &found,
	    cause) != 0)
		goto fail;
	if (!found) {
		xasprintf(cause, "AWS profile '%s' not found in %s or %s",
		    name,
		    credentials_path != NULL ? credentials_path : "(no file)",
		    config_path != NULL ? config_path : "(no file)");
		goto fail;
	}
	*out = p;
	return (0);

fail:
	aws_profile_free(p);
	return (-1);
}

void
aws_profile_free(struct aws_profile *p)
{
	size_t	i;
	char	**field;

	if (p == NULL)
		return;
	for (i = 0; i < sizeof profile_keys / sizeof profile_keys[0]; i++) {
		field = PFIELD(p, profile_keys[i].offset);
		if (*field != NULL)
			xfree_secret(*field, strlen(*field));
	}
	free(p->name);
	free(p);
}

/* os.path.expandvars: $NAME and ${NAME}; unknown names stay as they are. */
static char *
profile_expandvars(const char *s)
{
	char		*out, *name, *value;
	const char	*p, *start, *end;
	size_t		 len = 0, size, vlen;

	size = strlen(s) + 1;
	out = xmalloc(size);
	for (p = s; *p != '\0'; /* nothing */) {
		name = NULL;
		end = p + 1;
		if (*p == '$' && p[1] == '{' &&
		    (end = strchr(p + 2, '}')) != NULL) {
			start = p + 2;
			name = xstrndup(start, end - start);
			end++;
		} else if (*p == '$' && (isalnum((unsigned char)p[1]) ||
		    p[1] == '_')) {
			for (end = p + 1; isalnum((unsigned char)*end) ||
			    *end == '_'; end++)
				/* nothing */;
			name = xstrndup(p + 1, end - p - 1);
		} else
			end = p + 1;
		if (name != NULL && (value = getenv(name)) != NULL) {
			vlen = strlen(value);
		} else {
			value = (char *)p;
			vlen = end - p;
		}
		free(name);
		if (len + vlen + 1 > size) {
			size = len + vlen + 1 + strlen(end);
			out = xreallocarray(out, 1, size);
		}
		memcpy(out + len, value, vlen);
		len += vlen;
		p = end;
	}
	out[len] = '\0';
	return (out);
}

/* os.path.expanduser. */
static char *
profile_expanduser(const char *s)
{
	struct passwd	*pw;
	const char	*rest, *home;
	char		*user, *out;
	size_t		 hlen;

	if (*s != '~')
		return (xstrdup(s));
	if ((rest = strchr(s + 1, '/')) == NULL)
		rest = s + strlen(s);
	if (rest == s + 1) {
		if ((home = getenv("HOME")) == NULL) {
			if ((pw = getpwuid(getuid())) == NULL)
				return (xstrdup(s));
			home = pw->pw_dir;
		}
	} else {
		user = xstrndup(s + 1, rest - s - 1);
		pw = getpwnam(user);
		free(user);
		if (pw == NULL)
			return (xstrdup(s));
		home = pw->pw_dir;
	}
	hlen = strlen(home);
	while (hlen > 0 && home[hlen - 1] == '/')
		hlen--;
	xasprintf(&out, "%.*s%s", (int)hlen, home, rest);
	if (*out == '\0') {
		free(out);
		out = xstrdup("/");
	}
	return (out);
}

char *
aws_profile_expand_path(const char *path)
{
	char	*vars, *out;

	vars = profile_expandvars(path);
	out = profile_expanduser(vars);
	free(vars);
	return (out);
}

void
aws_profile_env(char **credentials_path, char **config_path, char **name)
{
	const char	*v;

	if ((v = getenv("AWS_SHARED_CREDENTIALS_FILE")) == NULL || *v == '\0')
		v = "~/.aws/credentials";
	*credentials_path = aws_profile_expand_path(v);
	if ((v = getenv("AWS_CONFIG_FILE")) == NULL || *v == '\0')
		v = "~/.aws/config";
	*config_path = aws_profile_expand_path(v);
	if (((v = getenv("AWS_DEFAULT_PROFILE")) == NULL || *v == '\0') &&
	    ((v = getenv("AWS_PROFILE")) == NULL || *v == '\0'))
		v = "default";
	*name = xstrdup(v);
}

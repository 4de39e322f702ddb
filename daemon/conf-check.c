/*
 * The checks of acmd.conf values that are more than a type: URLs, mail
 * addresses, paths, regions and request rates.  Each takes the value and
 * returns 0, or -1 with the reason in *cause (conf.c adds the file, line
 * and setting).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/endpoint.h"
#include "aws/ratelimit.h"
#include "conf-check.h"
#include "metrics-addr.h"
#include "xmalloc.h"

int
conf_check_rates(const char *v, char **cause)
{
	struct ratelimit	*rl = ratelimit_new(NULL);
	int			 ret;

	ret = ratelimit_parse(rl, "acm", v, cause);
	ratelimit_free(rl);
	return (ret);
}

int
conf_check_absolute(const char *v, char **cause)
{
	if (*v != '/') {
		xasprintf(cause, "'%s' is not an absolute path (it must start "
		    "with /)", v);
		return (-1);
	}
	return (0);
}

int
conf_check_dirs(const char *v, char **cause)
{
	char	*copy, *p, *w;
	int	 ret = 0;

	p = copy = xstrdup(v);
	while (ret == 0 && (w = strsep(&p, " \t")) != NULL) {
		if (*w != '\0')
			ret = conf_check_absolute(w, cause);
	}
	free(copy);
	return (ret);
}

/* An octal file mode, 0777 at most. */
int
conf_mode(const char *v, mode_t *m, char **cause)
{
	char		*end;
	unsigned long	 u;

	errno = 0;
	u = strtoul(v, &end, 8);
	if (*v == '\0' || *end != '\0' || errno != 0 || u > 0777) {
		xasprintf(cause, "'%s' is not an octal mode", v);
		return (-1);
	}
	*m = (mode_t)u;
	return (0);
}

/* "all", or region names acmd knows, not both. */
int
conf_check_regions(const char *v, char **cause)
{
	char	*copy, *p, *w, *known = NULL, *t;
	size_t	 i, n = 0;
	int	 all = 0;

	copy = p = xstrdup(v);
	while ((w = strsep(&p, " ,\t")) != NULL) {
		if (*w == '\0')
			continue;
		n++;
		if (strcmp(w, "all") == 0)
			all = 1;
		else if (!aws_region_valid(w))
			break;
	}
	if (w != NULL) {
		for (i = 0; aws_acm_regions[i] != NULL; i++) {
			t = known;
			xasprintf(&known, "%s%s%s", t ? t : "", t ? " " : "",
			    aws_acm_regions[i]);
			free(t);
		}
		xasprintf(cause, "unknown region '%s' (the regions acmd knows: "
		    "%s)", w, known);
		free(known);
		free(copy);
		return (-1);
	}
	free(copy);
	if (n == 0 || (all && n > 1)) {
		xasprintf(cause, "'%s' is neither all nor a list of regions",
		    v);
		return (-1);
	}
	return (0);
}

/* A host name, an IPv4 address or an IPv6 one in brackets. */
static int
conf_host_valid(const char *h, size_t len)
{
	size_t	 i;

	if (len == 0)
		return (0);
	if (h[0] == '[') {
		if (len < 3 || h[len - 1] != ']')
			return (0);
		for (i = 1; i < len - 1; i++) {
			if (!isxdigit((unsigned char)h[i]) && h[i] != ':' &&
			    h[i] != '.')
				return (0);
		}
		return (1);
	}
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)h[i]) && h[i] != '-' &&
		    h[i] != '.' && h[i] != '_')
			return (0);
	}
	return (h[0] != '.' && h[0] != '-');
}

/*
 * scheme://[user[:password]@]host[:port][/path]: one of the schemes (a
 * NULL-terminated list), a host, a port from 1 to 65535, and no space or
 * control character anywhere.
 */
static int
conf_url_valid(const char *v, const char *const *schemes)
{
	const char	*h, *end, *colon, *at;
	size_t		 i, len;
	long		 port;
	char		*pend;

	for (i = 0; v[i] != '\0'; i++) {
		if (!isgraph((unsigned char)v[i]))
			return (0);
	}
	for (i = 0; schemes[i] != NULL; i++) {
		len = strlen(schemes[i]);
		if (strncasecmp(v, schemes[i], len) == 0 &&
		    strncmp(v + len, "://", 3) == 0)
			break;
	}
	if (schemes[i] == NULL)
		return (0);
	h = v + len + 3;
	end = h + strcspn(h, "/?#");
	while ((at = memchr(h, '@', (size_t)(end - h))) != NULL)
		h = at + 1;
	colon = NULL;
	if (*h == '[') {
		if ((colon = memchr(h, ']', (size_t)(end - h))) == NULL)
			return (0);
		colon = colon + 1 < end ? colon + 1 : NULL;
	} else
		colon = memchr(h, ':', (size_t)(end - h));
	if (colon != NULL) {
		if (*colon != ':' || colon + 1 == end)
			return (0);
		port = strtol(colon + 1, &pend, 10);
		if (pend != end || port < 1 || port > 65535 ||
		    !isdigit((unsigned char)colon[1]))
			return (0);
		end = colon;
	}
	return (conf_host_valid(h, (size_t)(end - h)));
}

int
conf_check_http_url(const char *v, char **cause)
{
	static const char *const schemes[] = { "http", "https", NULL };

	if (!conf_url_valid(v, schemes)) {
		xasprintf(cause, "'%s' is not an http:// or https:// URL", v);
		return (-1);
	}
	return (0);
}

int
conf_check_smtp_url(const char *v, char **cause)
{
	static const char *const schemes[] = { "smtp", "smtps", NULL };

	if (!conf_url_valid(v, schemes)) {
		xasprintf(cause, "'%s' is not an smtp:// or smtps:// URL", v);
		return (-1);
	}
	return (0);
}

/*
 * local@domain: the local part of letters, digits, dots (not first, last
 * or doubled) and !#$%&'*+-/=?^_`{|}~; the domain of dot-separated
 * labels of letters, digits and hyphens.
 */
static int
conf_mail_valid(const char *a)
{
	const char	*at, *p;

	if ((at = strchr(a, '@')) == NULL || at == a || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return (0);
	if (*a == '.' || at[-1] == '.')
		return (0);
	for (p = a; p < at; p++) {
		if (*p == '.' && p[1] == '.')
			return (0);
		if (!isalnum((unsigned char)*p) &&
		    strchr(".!#$%&'*+-/=?^_`{|}~", *p) == NULL)
			return (0);
	}
	for (p = at + 1; *p != '\0'; p++) {
		if (*p == '.' && (p == at + 1 || p[1] == '.' || p[1] == '\0'))
			return (0);
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
			return (0);
	}
	return (1);
}

int
conf_check_mail(const char *v, char **cause)
{
	if (!conf_mail_valid(v)) {
		xasprintf(cause, "'%s' is not a mail address (user@domain)", v);
		return (-1);
	}
	return (0);
}

/* Addresses separated by spaces, commas or semicolons, as notify.c reads. */
int
conf_check_mail_list(const char *v, char **cause)
{
	char	*copy, *p, *w;
	size_t	 n = 0;

	copy = p = xstrdup(v);
	while ((w = strsep(&p, CONF_MAIL_SEPARATORS)) != NULL) {
		if (*w == '\0')
			continue;
		n++;
		if (conf_check_mail(w, cause) != 0) {
			free(copy);
			return (-1);
		}
	}
	free(copy);
	if (n == 0) {
		xasprintf(cause, "'%s' names no mail address", v);
		return (-1);
	}
	return (0);
}

/* [metrics] listen: ADDRESS:PORT or the absolute path of a socket. */
int
conf_check_listen(const char *v, char **cause)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;

	return (metrics_listen_parse(v, &ss, &len, cause));
}

/* [metrics] allow: addresses and networks. */
int
conf_check_allow(const char *v, char **cause)
{
	struct metrics_net	*nets;
	size_t			 n;

	if (metrics_allow_parse(v, &nets, &n, cause) != 0)
		return (-1);
	free(nets);
	return (0);
}

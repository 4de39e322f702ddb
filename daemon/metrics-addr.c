/*
 * The addresses of [metrics]: where the listener listens (HOST:PORT, or
 * the absolute path of a Unix socket) and who may connect (a list of
 * addresses and networks).  conf-check.c checks values with these, and
 * metrics-http.c uses them.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include <event2/util.h>

#include "metrics-addr.h"
#include "util.h"
#include "xmalloc.h"

int
metrics_listen_parse(const char *v, struct sockaddr_storage *ss,
    socklen_t *len, char **cause)
{
	struct sockaddr_un	*sun = (struct sockaddr_un *)ss;
	int			 n = (int)sizeof *ss;

	memset(ss, 0, sizeof *ss);
	if (*v == '/') {
		if (strlen(v) >= sizeof sun->sun_path) {
			xasprintf(cause, "socket path '%s' is too long", v);
			return (-1);
		}
		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, v, strlen(v) + 1);
		*len = (socklen_t)sizeof *sun;
		return (0);
	}
	if (strchr(v, ':') == NULL || evutil_parse_sockaddr_port(v,
	    (struct sockaddr *)ss, &n) != 0 ||
	    (ss->ss_family == AF_INET &&
	    ((struct sockaddr_in *)ss)->sin_port == 0) ||
	    (ss->ss_family == AF_INET6 &&
	    ((struct sockaddr_in6 *)ss)->sin6_port == 0)) {
		xasprintf(cause, "'%s' is neither ADDRESS:PORT (127.0.0.1:9464, "
		    "[::1]:9464) nor the absolute path of a socket", v);
		return (-1);
	}
	*len = (socklen_t)n;
	return (0);
}

static int
allow_one(const char *word, struct metrics_net *net, char **cause)
{
	char		*copy = xstrdup(word), *slash;
	long long	 bits;
	int		 max;

	memset(net, 0, sizeof *net);
	if ((slash = strchr(copy, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, copy, net->addr) == 1) {
		net->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, copy, net->addr) == 1) {
		net->family = AF_INET6;
		max = 128;
	} else {
		xasprintf(cause, "'%s' is not an IP address or network "
		    "(ADDRESS or ADDRESS/BITS)", word);
		free(copy);
		return (-1);
	}
	net->bits = max;
	if (slash != NULL) {
		if (parse_number(slash, 0, max, &bits, cause) != 0) {
			free(*cause);
			xasprintf(cause, "'%s': the prefix length must be 0 to "
			    "%d", word, max);
			free(copy);
			return (-1);
		}
		net->bits = (int)bits;
	}
	free(copy);
	return (0);
}

int
metrics_allow_parse(const char *v, struct metrics_net **out, size_t *nout,
    char **cause)
{
	char			*copy, *save = NULL, *w;
	struct metrics_net	*nets = NULL;
	size_t			 n = 0;

	copy = xstrdup(v);
	for (w = strtok_r(copy, " ,\t", &save); w != NULL;
	    w = strtok_r(NULL, " ,\t", &save)) {
		if (n == METRICS_MAX_ALLOW) {
			xasprintf(cause, "at most %d addresses or networks",
			    METRICS_MAX_ALLOW);
			goto fail;
		}
		nets = xreallocarray(nets, n + 1, sizeof *nets);
		if (allow_one(w, &nets[n], cause) != 0)
			goto fail;
		n++;
	}
	free(copy);
	*out = nets;
	*nout = n;
	return (0);
fail:
	free(copy);
	free(nets);
	return (-1);
}

/* An IPv4 peer on an IPv6 socket (::ffff:a.b.c.d) is taken as IPv4. */
int
metrics_allowed(const struct metrics_net *nets, size_t n,
    const struct sockaddr *sa)
{
	const unsigned char	*a;
	int			 family, full, rest;
	size_t			 i;

	if (sa->sa_family == AF_INET) {
		family = AF_INET;
		a = (const unsigned char *)&((const struct sockaddr_in *)
		    sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		family = AF_INET6;
		a = (const unsigned char *)&((const struct sockaddr_in6 *)
		    sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a)) {
			family = AF_INET;
			a += 12;
		}
	} else
		return (1);	/* a Unix socket: its mode decides */
	for (i = 0; i < n; i++) {
		if (nets[i].family != family)
			continue;
		full = nets[i].bits / 8;
		rest = nets[i].bits % 8;
		if (memcmp(nets[i].addr, a, (size_t)full) != 0)
			continue;
		if (rest != 0 && ((nets[i].addr[full] ^ a[full]) &
		    (0xff << (8 - rest)) & 0xff) != 0)
			continue;
		return (1);
	}
	return (0);
}

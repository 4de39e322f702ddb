/* [metrics] listen and allow: parsed (metrics-addr.c). */
#ifndef ACMD_METRICS_ADDR_H
#define ACMD_METRICS_ADDR_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

#define METRICS_MAX_ALLOW	64

/* An address or network of the allow list. */
struct metrics_net {
	int		 family;	/* AF_INET, AF_INET6 */
	unsigned char	 addr[16];
	int		 bits;
};

/* HOST:PORT or /path: a socket address, or -1 with cause. */
int	metrics_listen_parse(const char *, struct sockaddr_storage *,
	    socklen_t *, char **);
/* A list of addresses and networks (allocated, *n of them). */
int	metrics_allow_parse(const char *, struct metrics_net **, size_t *,
	    char **);
/* Whether a peer is in the list (a Unix socket peer always is). */
int	metrics_allowed(const struct metrics_net *, size_t,
	    const struct sockaddr *);

#endif

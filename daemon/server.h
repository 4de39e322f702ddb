/* The control server: socket, peers, hello, authorisation, dispatch. */
#ifndef ACMD_SERVER_H
#define ACMD_SERVER_H

#include <stddef.h>

struct config;

int	server_start(char **);
/*
 * After a reload (old: the configuration it replaced): the socket takes
 * the mode and group configured now.
 */
void	server_reconfigure(const struct config *);
void	server_stop(void);
/* The socket at path made, bound and listening (server-bind.c), or -1. */
int	server_bind(const char *, char **);

#endif

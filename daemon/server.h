/* The control server: socket, peers, hello, authorisation, dispatch. */
#ifndef ACMD_SERVER_H
#define ACMD_SERVER_H

#include <stddef.h>


int	server_start(char **);
void	server_stop(void);

#endif

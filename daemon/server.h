/* The control server: socket, peers, hello, authorisation, dispatch. */
#ifndef ACMD_SERVER_H
#define ACMD_SERVER_H

#include <stddef.h>

struct cmd_ctx;
struct mp_buf;

int	server_start(char **);
void	server_stop(void);
size_t	server_client_count(void);
/* Queue one frame to the context's client (no-op when it has gone). */
void	server_send(struct cmd_ctx *, struct mp_buf *);
/* A frame whose map ends with tail's packed bytes (a big answer). */
void	server_send2(struct cmd_ctx *, struct mp_buf *, struct mp_buf *);
/*
 * The same with the tail sent by reference: done(tail, len, arg) runs
 * once it has left or will not (maybe before this returns).
 */
void	server_send_ref(struct cmd_ctx *, struct mp_buf *, const void *, size_t,
	    void (*)(const void *, size_t, void *), void *);
void	server_ctx_done(struct cmd_ctx *);

#endif

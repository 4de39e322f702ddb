/* The audit log: every mutating command, with the peer's uid. */
#ifndef ACMD_AUDIT_H
#define ACMD_AUDIT_H

#include <sys/types.h>

#include <msgpack.h>

void	audit_record(uid_t, pid_t, const char *, const msgpack_object *);

#endif

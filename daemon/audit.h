/* The audit log: every mutating command, with the peer's uid. */
#ifndef ACMD_AUDIT_H
#define ACMD_AUDIT_H

#include <sys/types.h>

#include <stdint.h>

#include <msgpack.h>

struct proto_cmd;

/* Record a command a peer ran, its declared secrets redacted. */
void	audit_record(uid_t, pid_t, const struct proto_cmd *,
	    const msgpack_object *);

/*
 * An ExportCertificate acmd makes (AWS charges for each), counted in the
 * log under acmd's own uid: the ARN and what it was for.
 */
void	audit_export(const char *, const char *);

/* The last limit entries, oldest first, packed (a msgpack array). */
struct mp_buf	*audit_list(uint64_t, char **);

#endif

/*
 * A deployment into a file target (deploy-target.c): a repository
 * version, its key unsealed only in memory, written into the target's
 * files (targets.h), then the target's reload command run; and the check
 * of those files against the version a deployment holds.
 */
#ifndef ACMD_DEPLOY_TARGET_H
#define ACMD_DEPLOY_TARGET_H

#include <jansson.h>

#include "targets.h"

/* Done: error NULL when the files are in place and reloaded. */
typedef void (*deploy_target_cb)(void *, const char *);

/*
 * Write version v (a repository version record) into target id, then
 * reload it, for label (the log's); cb(arg, error) once, error NULL when
 * both went well.  A target gone from the configuration, a key missing, a
 * write that fails: cb at once, nothing run.  A reload that fails: the
 * previous files are put back and, if the command ran, reloaded again
 * (error says both).
 */
void		 deploy_target_write(const char *, const char *, const json_t *,
		     deploy_target_cb, void *);
/*
 * The files of deployment rec against the version it holds: a state
 * (in-sync, mismatch, missing), or NULL with *error.
 */
const char	*deploy_target_check(const json_t *, char **);
/*
 * The certificate other than name that target holds a deployment of
 * (allocated): one certificate per target, or two would overwrite each
 * other's files.  NULL when none (or with *cause on a store error).
 */
char		*deploy_target_taken(const char *, const char *, char **);

#endif

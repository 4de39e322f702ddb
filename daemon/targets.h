/*
 * File targets ([target NAME] in acmd.conf, conf.h): a repository
 * certificate's version written into files on this machine, then the
 * target's reload command run.
 *
 * targets.c writes and checks the files.  One version's files are
 * written together: every file goes to a temporary file beside its
 * place (created new, never through a symbolic link, owner and mode set,
 * synced), the previous files are kept aside under a second name, and
 * only then are the new ones renamed into place, one right after the
 * other (certificate files first, the key last), and the directories
 * synced.  A failure before the renames leaves the previous files as
 * they were; a reload that fails puts the kept ones back (a rename each);
 * a crash between two renames leaves the deployment's intent on disk,
 * and acmd writes the whole version again when it starts (the check
 * below finds such a half-switched target too).  A directory is used only when its
 * resolved path is inside [daemon] target_dirs.
 *
 * target-reload.c runs the reload command: forked and executed without
 * a shell, in a process group of its own, as reload_user, its output to
 * the journal line by line (bounded), killed with its group at
 * reload_timeout; the event loop never waits for it.
 */
#ifndef ACMD_TARGETS_H
#define ACMD_TARGETS_H

#include <stddef.h>

struct conf_target;

/* What one version is: PEM text (key: plain PKCS#8, secret, or NULL). */
struct target_version {
	const char	*cert;
	const char	*chain;
	const char	*key;
	size_t		 keylen;
};

/*
 * Write v into t's files: 0, or -1 with cause (nothing replaced).  The
 * previous files are kept aside (.NAME.acmd-old, a second link; or
 * .NAME.acmd-absent: there was none) until target_forget or
 * target_restore; what an unfinished deployment kept is kept.
 */
int	target_write(const struct conf_target *, const struct target_version *,
	    char **);
/*
 * Put t's kept previous files back, each atomically: 0, 1 when there were
 * none (the new ones are removed), or -1 with cause.
 */
int	target_restore(const struct conf_target *, char **);
/* The new files stay: what was kept aside goes. */
void	target_forget(const struct conf_target *);
/*
 * Compare t's files with v: 0 the same, 1 different (*why says which
 * and how), 2 missing (*why), -1 with *why when they cannot be read.
 */
int	target_check(const struct conf_target *, const struct target_version *,
	    char **);

/*
 * Reload done: error NULL on exit status 0, else what went wrong; ran 0
 * when the command could not be run at all (not started, or exit status
 * 127: not found or not executable).
 */
typedef void (*target_reload_cb)(void *, int, const char *);
/*
 * Run t's reload command (none: cb at once, from the event loop).  cb is
 * called exactly once, unless target_reload_shutdown comes first.
 */
void	target_reload(const struct conf_target *, const char *,
	    target_reload_cb, void *);
/* acmd stops: running reload commands are killed, their cb not called. */
void	target_reload_shutdown(void);

#endif

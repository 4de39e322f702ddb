/*
 * Helpers the unit tests share.
 *
 * A scratch directory for a group of tests: define TMPDIR_TEMPLATE (a
 * mkdtemp(3) template) before including this file, and pass tmpdir_setup
 * and tmpdir_teardown to cmocka_run_group_tests. The group setup makes
 * tmpdir; the group teardown removes it with all it holds.
 */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stdlib.h>

#include "xmalloc.h"

#ifndef TMPDIR_TEMPLATE
#error "define TMPDIR_TEMPLATE before including testutil.h"
#endif

static char	tmpdir[] = TMPDIR_TEMPLATE;

static int
tmpdir_setup(void **state)
{
	return (mkdtemp(tmpdir) == NULL ? -1 : 0);
}

static int
tmpdir_teardown(void **state)
{
	char	*cmd;
	int	 rc;

	xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	rc = system(cmd);
	free(cmd);
	return (rc != 0 ? -1 : 0);
}

#endif /* TESTUTIL_H */

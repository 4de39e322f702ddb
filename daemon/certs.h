/*
 * The repository as the cert commands see it (cmd-cert.c): adding a
 * version from files, listing, showing, exporting and deleting, each in a
 * transaction of its own.  Failures come with a typed error.
 */
#ifndef ACMD_CERTS_H
#define ACMD_CERTS_H

#include <jansson.h>

#include "repo.h"

/* Add a version (repo_add) and commit; the new-version hook runs. */
int	 certs_add(const struct repo_input *, long *, enum repo_err *,
	     char **);
/* cert list: every certificate, with its deployment count. */
json_t	*certs_list(char **);
/* cert show: details of the current version, versions, deployments. */
json_t	*certs_show(const char *, enum repo_err *, char **);
/*
 * cert export: a version's PEM (version 0: the current) and, with_key,
 * its key (the caller clears it after sending).
 */
json_t	*certs_export(const char *, long, int, enum repo_err *, char **);
/* cert delete: the certificate and its deployment records (not ACM). */
json_t	*certs_delete(const char *, enum repo_err *, char **);

#endif

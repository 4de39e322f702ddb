/*
 * Credentials of an AWS organization (credential add --organization):
 * keys of the management account (or a delegated administrator) that
 * list the organization's accounts, and a role assumed in each.  The
 * accounts found are kept in the credential's record: new ones are
 * added, removed or suspended ones marked gone (never dropped), and each
 * one's last error assuming the role is remembered for status.
 *
 * The credential of one account is named "ORG/ACCOUNT" (creds_get builds
 * it); inventory records found through it carry that name.
 */
#ifndef ACMD_ORG_H
#define ACMD_ORG_H

#include <time.h>

#include <jansson.h>

#include "op.h"

struct aws_error;

/* The record of credential name if it is an organization's (a new
 * reference), else NULL (cause set on a store error). */
json_t	*org_rec(const char *, char **);
/* "ORG/ACCOUNT" (allocated). */
char	*org_member(const char *, const char *);

/*
 * List the organization's accounts (every page; each --include-ou's when
 * there are some): cb gets the accounts (Id, Name, Status, State; a
 * borrowed array) or, when a listing failed, the error.
 */
typedef void (*org_list_cb)(json_t *, const struct aws_error *, void *);
void	 org_list(const char *, const json_t *, org_list_cb, void *);
/*
 * Merge a complete listing into the credential's account list: new
 * accounts added, those no longer listed or not active marked gone.
 * The accounts to work in (active, not excluded; a new array), or NULL
 * with cause.
 */
json_t	*org_note_listing(const char *, const json_t *, char **);
/*
 * In t, mark gone (since then) the certificates (acm and iam) found
 * through credential ORG/ACCOUNT (org_member) for an account that is gone;
 * *n gets how many were marked.
 */
struct store_txn;
int	 org_certs_gone(struct store_txn *, const char *, const char *,
	    time_t, size_t *, char **);
/*
 * An account whose role was refused and which the organization no longer
 * has active (suspended, closing, removed: reason says which): marked gone
 * now, as the next listing would, and the certificates found in it too.
 */
void	 org_account_gone(const char *, const char *, const char *);
/* An account's role could (error NULL) or could not be assumed. */
void	 org_note_account(const char *, const char *, const char *,
	    const char *);
/* An organization account's state (active, gone, excluded), or NULL. */
char	*org_account_state(const char *, const char *);
/* status: every organization credential's accounts, and the unreachable. */
json_t	*org_status(char **);
/* credential test ORG: the organization, its accounts, which roles work. */
void	 org_test(const char *, struct op_reply);

#endif

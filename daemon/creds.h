/*
 * Named AWS credentials.  Stored ones live in the credentials database
 * (secrets sealed by the vault); a name may also point at a profile of the
 * shared AWS files or at acmd's environment.  "default", when not stored,
 * is the standard chain: environment, then the shared files' AWS_PROFILE.
 */
#ifndef ACMD_CREDS_H
#define ACMD_CREDS_H

#include <stddef.h>

#include <jansson.h>

#include "op.h"
#include "proto.h"

struct aws_cred;

/* A new reference to a ready credential, or NULL with cause. */
struct aws_cred	*creds_get(const char *, char **);
/* Drop cached credentials (after a change, or a reload). */
void		 creds_forget(const char *);
void		 creds_forget_all(void);
/* Names of every stored credential (NULL-terminated, free with
 * mp_strv_free); "default" when none is stored but the chain has one. */
char		**creds_names(size_t *);
/* Remember the account a credential belongs to. */
void		 creds_set_account(const char *, const char *);
int		 creds_valid_name(const char *);
/*
 * Store credential rec (name, type, access_key, profile, role_arn,
 * external_id, created), secret and token (may be NULL) sealed into it;
 * rec keeps no secret afterwards.  -1 with cause and *code (EEXIST).
 */
int		 creds_add(json_t *, const char *, const char *,
		     enum proto_error *, char **);
/* Forget a stored credential: 1 when there is none of that name. */
int		 creds_remove(const char *, char **);
/* What STS said of a credential (its account and ARN), remembered. */
void		 creds_note_identity(const char *, const char *, const char *);
/* credential test: who STS says the credential is (remembered). */
void		 creds_test(const char *, struct op_reply);
/* credential list rows (never a secret). */
json_t		*creds_list(char **);
/* The associated data of a sealed field of a stored credential. */
void		 creds_aad(char *, size_t, const char *, const char *);
/* Seal a secret field of a credential record. */
int		 creds_seal_secret(json_t *, const char *, const char *,
		     const char *, char **);

#endif

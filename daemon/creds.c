#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "aws/aws.h"
#include "aws/profile.h"
#include "aws/services.h"
#include "creds.h"
#include "log.h"
#include "mp.h"
#include "rec.h"
#include "store.h"
#include "vault.h"
#include "xmalloc.h"

struct creds_cache {
	char			*name;
	struct aws_cred		*cred;
	struct creds_cache	*next;
};

static struct creds_cache	*cache;

int
creds_valid_name(const char *s)
{
	size_t	 len = strlen(s), i;

	if (len == 0 || len > 64)
		return (0);
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && strchr("._-", s[i]) == NULL)
			return (0);
	}
	return (1);
}

void
creds_forget(const char *name)
{
	struct creds_cache	**pp, *c;

	for (pp = &cache; (c = *pp) != NULL; ) {
		/* An organization's name goes with its accounts' (ORG/ID). */
		if (name == NULL || strcmp(c->name, name) == 0 ||
		    (strncmp(c->name, name, strlen(name)) == 0 &&
		    c->name[strlen(name)] == '/')) {
			*pp = c->next;
			aws_cred_unref(c->cred);
			free(c->name);
			free(c);
		} else
			pp = &c->next;
	}
}

void
creds_forget_all(void)
{
	creds_forget(NULL);
}

/* Keys (or a role on top of keys) from a profile of the shared files. */
static struct aws_cred *
creds_from_profile(const char *name, const char *profile, char **cause)
{
	struct aws_profile	*p = NULL, *src = NULL;
	struct aws_cred		*base, *c;
	char			*credfile, *conffile, *dummy;

	aws_profile_env(&credfile, &conffile, &dummy);
	free(dummy);
	if (aws_profile_load(credfile, conffile, profile, &p, cause) != 0)
		goto fail;
	if (p->role_arn != NULL) {
		if (p->source_profile == NULL) {
			xasprintf(cause, "profile %s has role_arn but no "
			    "source_profile", profile);
			goto fail;
		}
		if (aws_profile_load(credfile, conffile, p->source_profile,
		    &src, cause) != 0)
			goto fail;
		if (src->access_key_id == NULL || src->secret_access_key == NULL) {
			xasprintf(cause, "profile %s (source of %s) has no keys",
			    p->source_profile, profile);
			goto fail;
		}
		base = aws_cred_new(name, src->access_key_id,
		    src->secret_access_key, src->session_token);
		c = aws_cred_assume(name, base, p->role_arn, p->external_id);
		aws_cred_unref(base);
	} else {
		if (p->access_key_id == NULL || p->secret_access_key == NULL) {
			xasprintf(cause, "profile %s has no keys", profile);
			goto fail;
		}
		c = aws_cred_new(name, p->access_key_id, p->secret_access_key,
		    p->session_token);
	}
	aws_profile_free(p);
	aws_profile_free(src);
	free(credfile);
	free(conffile);
	return (c);
fail:
	aws_profile_free(p);
	aws_profile_free(src);
	free(credfile);
	free(conffile);
	return (NULL);
}

static struct aws_cred *
creds_from_env(const char *name, char **cause)
{
	const char	*ak = getenv("AWS_ACCESS_KEY_ID");
	const char	*sk = getenv("AWS_SECRET_ACCESS_KEY");

	if (ak == NULL || sk == NULL || *ak == '\0' || *sk == '\0') {
		xasprintf(cause, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
		    "are not set in acmd's environment");
		return (NULL);
	}
	return (aws_cred_new(name, ak, sk, getenv("AWS_SESSION_TOKEN")));
}

/* The standard chain: environment, then the shared files. */
static struct aws_cred *
creds_chain(const char *name, char **cause)
{
	struct aws_cred	*c;
	char		*cf, *kf, *profile, *why = NULL;

	if ((c = creds_from_env(name, &why)) != NULL)
		return (c);
	free(why);
	why = NULL;
	aws_profile_env(&cf, &kf, &profile);
	c = creds_from_profile(name, profile, &why);
	if (c == NULL)
		xasprintf(cause, "no credential '%s' is stored, the environment "
		    "has no AWS keys, and the shared files do not help: %s",
		    name, why);
	free(why);
	free(cf);
	free(kf);
	free(profile);
	return (c);
}

void
creds_aad(char *buf, size_t len, const char *name, const char *field)
{
	snprintf(buf, len, "credentials/%s/%s", name, field);
}

static struct aws_cred *
creds_build(const char *name, const json_t *rec, char **cause)
{
	struct aws_cred	*base = NULL, *c;
	const char	*type = rec_str(rec, "type");
	const char	*role = rec_str(rec, "role_arn");
	const char	*acct = rec_str(rec, "account");
	char		*sk = NULL, *tok = NULL, aad[256];
	size_t		 sklen = 0, toklen = 0;

	if (type == NULL)
		xasprintf(cause, "credential %s: record has no type", name);
	else if (strcmp(type, "keys") == 0) {
		creds_aad(aad, sizeof aad, name, "secret");
		if ((sk = rec_unseal(rec, "secret", aad, &sklen, cause)) == NULL) {
			if (*cause == NULL)
				xasprintf(cause, "credential %s has no secret",
				    name);
			return (NULL);
		}
		creds_aad(aad, sizeof aad, name, "session_token");
		tok = rec_unseal(rec, "session_token", aad, &toklen, cause);
		if (*cause == NULL)
			base = aws_cred_new(name, rec_str(rec, "access_key"), sk,
			    tok);
		xfree_secret(sk, sklen);
		if (tok != NULL)
			xfree_secret(tok, toklen);
	} else if (strcmp(type, "profile") == 0)
		base = creds_from_profile(name, rec_str(rec, "profile"), cause);
	else if (strcmp(type, "env") == 0)
		base = creds_from_env(name, cause);
	else
		xasprintf(cause, "credential %s: unknown type %s", name, type);
	if (base == NULL)
		return (NULL);
	if (role != NULL) {
		c = aws_cred_assume(name, base, role,
		    rec_str(rec, "external_id"));
		aws_cred_unref(base);
	} else
		c = base;
	if (acct != NULL && c->account == NULL)
		c->account = xstrdup(acct);
	return (c);
}

/*
 * The credential of one account of an organization, "ORG/ACCOUNT": the
 * organization's role assumed in that account with its keys.
 */
static struct aws_cred *
creds_member(const char *name, char **cause)
{
	const char	*slash = strchr(name, '/'), *acct = slash + 1, *role;
	struct aws_cred	*base, *c;
	json_t		*rec;
	char		*org, *arn;
	size_t		 i;

	for (i = 0; acct[i] != '\0'; i++) {
		if (!isdigit((unsigned char)acct[i]))
			break;
	}
	if (i != 12 || acct[i] != '\0') {
		xasprintf(cause, "credential '%s': an organization's account "
		    "is named ORG/ACCOUNT, the account 12 digits", name);
		return (NULL);
	}
	org = xstrndup(name, slash - name);
	rec = rec_read(DB_CREDENTIALS, org, cause);
	if (rec == NULL || !rec_bool(rec, "organization") ||
	    (role = rec_str(rec, "role_name")) == NULL) {
		if (*cause == NULL)
			xasprintf(cause, "no organization credential named "
			    "'%s' (acmctl credential list)", org);
		json_decref(rec);
		free(org);
		return (NULL);
	}
	if ((base = creds_get(org, cause)) == NULL) {
		json_decref(rec);
		free(org);
		return (NULL);
	}
	xasprintf(&arn, "arn:aws:iam::%s:role/%s", acct, role);
	c = aws_cred_assume(name, base, arn, rec_str(rec, "external_id"));
	aws_cred_unref(base);
	free(arn);
	free(org);
	json_decref(rec);
	return (c);
}

int
creds_seal_secret(json_t *rec, const char *name, const char *field,
    const char *secret, char **cause)
{
	char	 aad[256];

	creds_aad(aad, sizeof aad, name, field);
	return (rec_seal(rec, field, aad, secret, strlen(secret), cause));
}

struct aws_cred *
creds_get(const char *name, char **cause)
{
	struct creds_cache	*e;
	struct aws_cred		*c = NULL;
	json_t			*rec;

	for (e = cache; e != NULL; e = e->next) {
		if (strcmp(e->name, name) == 0) {
			aws_cred_ref(e->cred);
			return (e->cred);
		}
	}
	if (strchr(name, '/') != NULL)
		rec = NULL;
	else if ((rec = rec_read(DB_CREDENTIALS, name, cause)) == NULL &&
	    *cause != NULL)
		return (NULL);
	if (rec == NULL && strchr(name, '/') != NULL) {
		if ((c = creds_member(name, cause)) == NULL)
			return (NULL);
	} else if (rec == NULL) {
		if (strcmp(name, "default") != 0) {
			xasprintf(cause, "no credential named '%s' (acmctl "
			    "credential list)", name);
			return (NULL);
		}
		c = creds_chain(name, cause);
	} else {
		c = creds_build(name, rec, cause);
		json_decref(rec);
	}
	if (c == NULL)
		return (NULL);
	e = xcalloc(1, sizeof *e);
	e->name = xstrdup(name);
	e->cred = c;
	e->next = cache;
	cache = e;
	aws_cred_ref(c);
	return (c);
}

static int
creds_names_cb(const char *k, json_t *rec, void *arg)
{
	char	***names = arg;
	size_t	 n = 0;

	while ((*names)[n] != NULL)
		n++;
	*names = xreallocarray(*names, n + 2, sizeof **names);
	(*names)[n] = xstrdup(k);
	(*names)[n + 1] = NULL;
	return (0);
}

char **
creds_names(size_t *n)
{
	char			**names, *cause = NULL;
	struct aws_cred		*c;

	names = xcalloc(1, sizeof *names);
	if (rec_walk(DB_CREDENTIALS, NULL, creds_names_cb, &names,
	    &cause) != 0)
		log_warnx("credentials: %s", cause);
	free(cause);
	cause = NULL;
	if (names[0] == NULL && (c = creds_get("default", &cause)) != NULL) {
		aws_cred_unref(c);
		names = xreallocarray(names, 2, sizeof *names);
		names[0] = xstrdup("default");
		names[1] = NULL;
	}
	free(cause);
	for (*n = 0; names[*n] != NULL; (*n)++)
		;
	return (names);
}

void
creds_set_account(const char *name, const char *account)
{
	struct creds_cache	*e;

	for (e = cache; e != NULL; e = e->next) {
		if (strcmp(e->name, name) == 0 && e->cred->account == NULL)
			e->cred->account = xstrdup(account);
	}
}

/* A credential operation in a transaction of its own. */
struct creds_op {
	json_t		*rec;
	const char	*name;
	enum proto_error code;
	int		 found;
	const char	*account;
	const char	*identity;
};

static int
creds_add_fn(struct store_txn *t, void *arg, char **cause)
{
	struct creds_op	*op = arg;
	json_t		*old;

	if ((old = rec_get(t, DB_CREDENTIALS, op->name, cause)) != NULL) {
		json_decref(old);
		op->code = PROTO_EEXIST;
		xasprintf(cause, "credential '%s' exists; remove it first",
		    op->name);
		return (-1);
	}
	if (*cause != NULL)
		return (-1);
	return (rec_put(t, DB_CREDENTIALS, op->name, op->rec, cause));
}

int
creds_add(json_t *rec, const char *secret, const char *token,
    enum proto_error *code, char **cause)
{
	struct creds_op	 op = { rec, rec_str(rec, "name"), PROTO_EINTERNAL,
			    0, NULL, NULL };
	int		 ret = -1;

	if ((secret == NULL || creds_seal_secret(rec, op.name, "secret",
	    secret, cause) == 0) && (token == NULL || creds_seal_secret(rec,
	    op.name, "session_token", token, cause) == 0))
		ret = store_write(acmd.store, creds_add_fn, &op, cause);
	/* What goes back to the client has no secret, sealed or not. */
	json_object_del(rec, "secret");
	json_object_del(rec, "session_token");
	*code = op.code;
	if (ret == 0)
		creds_forget(op.name);
	return (ret);
}

static int
creds_remove_fn(struct store_txn *t, void *arg, char **cause)
{
	struct creds_op	*op = arg;

	if ((op->found = store_dels(t, DB_CREDENTIALS, op->name, cause)) < 0)
		return (-1);
	return (0);
}

int
creds_remove(const char *name, char **cause)
{
	struct creds_op	 op = { NULL, name, PROTO_EINTERNAL, 0, NULL, NULL };

	if (store_write(acmd.store, creds_remove_fn, &op, cause) != 0)
		return (-1);
	if (op.found == 0)
		return (1);
	creds_forget(name);
	return (0);
}

static int
creds_note_fn(struct store_txn *t, void *arg, char **cause)
{
	struct creds_op	*op = arg;
	json_t		*rec;
	int		 ret;

	if ((rec = rec_get(t, DB_CREDENTIALS, op->name, cause)) == NULL)
		return (*cause != NULL ? -1 : 0);	/* not a stored one */
	json_object_set_new(rec, "account", json_string(op->account));
	json_object_set_new(rec, "identity", json_string(op->identity));
	json_object_set_new(rec, "tested", json_integer(time(NULL)));
	ret = rec_put(t, DB_CREDENTIALS, op->name, rec, cause);
	json_decref(rec);
	return (ret);
}

void
creds_note_identity(const char *name, const char *account,
    const char *identity)
{
	struct creds_op	 op = { NULL, name, PROTO_EINTERNAL, 0, account,
			    identity };
	char		*cause = NULL;

	creds_set_account(name, account);
	if (store_write(acmd.store, creds_note_fn, &op, &cause) != 0) {
		log_warnx("credential %s: %s", name, cause);
		free(cause);
	}
}

static int
creds_list_cb(const char *key, json_t *rec, void *arg)
{
	json_t		*rows = arg, *row;
	const char	*ak = rec_str(rec, "access_key");
	char		 masked[64];

	row = json_object();
	json_object_set_new(row, "name", json_string(key));
	json_object_set_new(row, "type", json_string(rec_str(rec, "type")));
	/* A key id is not a secret, but a long one is shown shortened. */
	if (ak != NULL && strlen(ak) > 8) {
		snprintf(masked, sizeof masked, "%.4s...%s", ak,
		    ak + strlen(ak) - 4);
		json_object_set_new(row, "access_key", json_string(masked));
	} else if (ak != NULL)
		json_object_set_new(row, "access_key", json_string(ak));
	else
		json_object_set_new(row, "access_key",
		    json_string(rec_str(rec, "profile")));
	/* Every row has every column, so the table has them all. */
	json_object_set_new(row, "role_arn", rec_str(rec, "role_arn") ?
	    json_string(rec_str(rec, "role_arn")) : json_null());
	json_object_set_new(row, "account", rec_str(rec, "account") ?
	    json_string(rec_str(rec, "account")) : json_null());
	json_object_set_new(row, "identity", rec_str(rec, "identity") ?
	    json_string(rec_str(rec, "identity")) : json_null());
	json_object_set_new(row, "organization", rec_bool(rec, "organization") ?
	    json_pack("{s:s?, s:O?, s:O?, s:I}", "role_name", rec_str(rec,
	    "role_name"), "exclude_accounts", json_object_get(rec,
	    "exclude_accounts"), "include_ous", json_object_get(rec,
	    "include_ous"), "accounts", (json_int_t)json_object_size(
	    json_object_get(rec, "accounts"))) : json_null());
	json_array_append_new(rows, row);
	return (0);
}

json_t *
creds_list(char **cause)
{
	json_t	*rows = json_array();

	if (rec_walk(DB_CREDENTIALS, NULL, creds_list_cb, rows, cause) != 0) {
		json_decref(rows);
		return (NULL);
	}
	return (rows);
}

struct creds_test {
	struct op_reply	 reply;
	char		*name;
};

static void
creds_tested(struct aws_result *r, void *arg)
{
	struct creds_test	*ct = arg;
	const char		*account, *arn, *uid;

	if (!r->ok) {
		op_fail_aws(&ct->reply, &r->err, NULL);
		goto out;
	}
	account = xml_text(r->xml, "GetCallerIdentityResult/Account");
	arn = xml_text(r->xml, "GetCallerIdentityResult/Arn");
	uid = xml_text(r->xml, "GetCallerIdentityResult/UserId");
	if (account == NULL || arn == NULL) {
		op_fail(&ct->reply, PROTO_EAWS, "STS GetCallerIdentity "
		    "answered without an account");
		goto out;
	}
	/* Remember the account on a stored credential. */
	creds_note_identity(ct->name, account, arn);
	op_ok(&ct->reply, json_pack("{s:s, s:s, s:s, s:s?}", "credential",
	    ct->name, "account", account, "arn", arn, "user_id", uid));
out:
	free(ct->name);
	free(ct);
}

void
creds_test(const char *name, struct op_reply reply)
{
	struct creds_test	*ct;
	struct aws_cred		*cred;
	char			*cause = NULL;

	if ((cred = creds_get(name, &cause)) == NULL) {
		op_fail(&reply, PROTO_ENOTFOUND, "%s", cause);
		free(cause);
		return;
	}
	ct = xcalloc(1, sizeof *ct);
	ct->reply = reply;
	ct->name = xstrdup(name);
	sts_get_caller_identity(cred, creds_tested, ct);
	aws_cred_unref(cred);
}

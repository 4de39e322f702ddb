#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acmd.h"
#include "creds.h"
#include "keycheck.h"
#include "log.h"
#include "rec.h"
#include "repo.h"
#include "store.h"
#include "vault.h"
#include "xmalloc.h"

#define KEYCHECK_KEY	"vault_check"
#define KEYCHECK_AAD	"meta/vault_check"
#define KEYCHECK_TEXT	"acmd master key check 1"

/* The first sealed field found in the store, and whether it opens. */
struct sealed {
	int	 try;		/* unseal it with acmd.vault */
	int	 found;
	int	 opens;
	char	*what;
};

static void
sealed_note(struct sealed *s, char *pt, size_t len, char *cause)
{
	s->found = 1;
	s->opens = pt != NULL;
	if (pt != NULL)
		xfree_secret(pt, len);
	free(cause);
}

static int
sealed_version_cb(const char *key, json_t *v, void *arg)
{
	struct sealed	*s = arg;
	char		*pt = NULL, *cause = NULL;
	size_t		 len = 0;

	if (rec_str(v, "key") == NULL)
		return (0);
	xasprintf(&s->what, "the private key of %s version %lld",
	    rec_str(v, "name") ? rec_str(v, "name") : key,
	    rec_int(v, "version"));
	if (s->try)
		pt = repo_key(v, &len, &cause);
	sealed_note(s, pt, len, cause);
	return (1);
}

static int
sealed_cred_cb(const char *name, json_t *rec, void *arg)
{
	struct sealed	*s = arg;
	char		*pt = NULL, *cause = NULL, aad[256];
	size_t		 len = 0;

	if (rec_str(rec, "secret") == NULL)
		return (0);
	xasprintf(&s->what, "the secret of credential %s", name);
	creds_aad(aad, sizeof aad, name, "secret");
	if (s->try)
		pt = rec_unseal(rec, "secret", aad, &len, &cause);
	sealed_note(s, pt, len, cause);
	return (1);
}

static int
sealed_find_fn(struct store_txn *t, void *arg, char **cause)
{
	struct sealed	*s = arg;

	if (rec_foreach(t, DB_VERSIONS, NULL, sealed_version_cb, s,
	    cause) != 0)
		return (-1);
	if (!s->found && rec_foreach(t, DB_CREDENTIALS, NULL, sealed_cred_cb,
	    s, cause) != 0)
		return (-1);
	return (0);
}

struct check_blob {
	uint8_t	*p;
	size_t	 len;
};

static int
check_get_fn(struct store_txn *t, void *arg, char **cause)
{
	struct check_blob	*b = arg;
	const void		*v;
	size_t			 vlen;
	int			 ret;

	if ((ret = store_gets(t, DB_META, KEYCHECK_KEY, &v, &vlen,
	    cause)) != 1)
		return (ret);
	b->p = xmalloc(vlen + 1);
	memcpy(b->p, v, vlen);
	b->len = vlen;
	return (0);
}

static int
check_put_fn(struct store_txn *t, void *arg, char **cause)
{
	struct check_blob	*b = arg;

	return (store_puts(t, DB_META, KEYCHECK_KEY, b->p, b->len, cause));
}

/* Whether the check opens with acmd.vault and holds the text. */
static int
check_opens(const struct check_blob *b)
{
	uint8_t	*pt;
	size_t	 len;
	char	*cause = NULL;
	int	 ok;

	if (vault_unseal(acmd.vault, KEYCHECK_AAD, b->p, b->len, &pt, &len,
	    &cause) != 0) {
		free(cause);
		return (0);
	}
	ok = len == strlen(KEYCHECK_TEXT) && memcmp(pt, KEYCHECK_TEXT,
	    len) == 0;
	xfree_secret(pt, len);
	return (ok);
}

static int
check_write(char **cause)
{
	struct check_blob	 b;
	int			 ret;

	if (vault_seal(acmd.vault, KEYCHECK_AAD, KEYCHECK_TEXT,
	    strlen(KEYCHECK_TEXT), &b.p, &b.len, cause) != 0)
		return (-1);
	ret = store_write(acmd.store, check_put_fn, &b, cause);
	free(b.p);
	return (ret);
}

/* No key file: refused when anything is sealed, else a new key. */
static int
keycheck_absent(const char *path, const char *dir, int checked, char **cause)
{
	struct sealed	 s = { 0 };

	if (store_read(acmd.store, sealed_find_fn, &s, cause) != 0)
		return (-1);
	if (s.found) {
		xasprintf(cause, "vault: master key %s is missing, and the "
		    "store %s/data.mdb holds data sealed under a master key "
		    "(%s%s): restore %s from its backup; acmd makes no new "
		    "key over sealed data", path, dir, s.what,
		    checked ? ", and the key check" : "", path);
		free(s.what);
		return (-1);
	}
	if (checked)
		log_warnx("vault: master key %s is missing; the store holds "
		    "nothing sealed, so a new key replaces it", path);
	return (vault_open(path, 1, &acmd.vault, cause));
}

int
keycheck_open(const char *path, const char *dir, char **cause)
{
	struct check_blob	 b = { NULL, 0 };
	struct sealed		 s = { 1, 0, 0, NULL };
	struct stat		 st;
	int			 ret = -1;

	if (store_read(acmd.store, check_get_fn, &b, cause) != 0)
		return (-1);
	if (lstat(path, &st) == -1 && errno == ENOENT) {
		if (keycheck_absent(path, dir, b.p != NULL, cause) != 0)
			goto out;
		if (check_write(cause) != 0)
			goto fail;
		log_info("vault: key check of master key %s written to the "
		    "store", path);
		ret = 0;
		goto out;
	}
	if (vault_open(path, 0, &acmd.vault, cause) != 0)
		goto out;
	if (b.p != NULL && check_opens(&b)) {
		ret = 0;
		goto out;
	}
	/* No check, or one that does not open: what is sealed decides. */
	if (store_read(acmd.store, sealed_find_fn, &s, cause) != 0)
		goto fail;
	if (s.found && !s.opens) {
		xasprintf(cause, "vault: master key %s is not the key the store "
		    "%s/data.mdb was sealed with (%s does not open with it%s): "
		    "put the right key file back", path, dir, s.what,
		    b.p != NULL ? ", nor does the key check" : "");
		goto fail;
	}
	if (b.p != NULL)
		log_warnx("vault: the key check does not open with master key "
		    "%s, but nothing sealed is lost; writing it again", path);
	if (check_write(cause) != 0)
		goto fail;
	log_info("vault: key check of master key %s written to the store%s",
	    path, s.found ? " (it opens the sealed data there)" : "");
	ret = 0;
	goto out;
fail:
	vault_free(acmd.vault);
	acmd.vault = NULL;
out:
	free(s.what);
	free(b.p);
	return (ret);
}

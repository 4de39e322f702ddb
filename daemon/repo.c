#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <jansson.h>

#include "log.h"
#include "pem.h"
#include "rec.h"
#include "repo.h"
#include "store.h"
#include "xmalloc.h"

static repo_hook	 new_version_hook;

int
repo_valid_name(const char *s)
{
	size_t	 len = strlen(s), i;

	if (len == 0 || len > 128 || !isalnum((unsigned char)s[0]))
		return (0);
	for (i = 0; i < len; i++) {
		if (!isalnum((unsigned char)s[i]) && strchr("._-", s[i]) == NULL)
			return (0);
	}
	return (1);
}

static void
version_key(char *buf, size_t len, const char *name, long v)
{
	snprintf(buf, len, "%s/%08ld", name, v);
}

static void
key_aad(char *buf, size_t len, const char *name, long v)
{
	snprintf(buf, len, "versions/%s/%08ld/key", name, v);
}

static json_t *
sans_json(const struct pem_certinfo *ci)
{
	json_t		*a = json_array();
	unsigned	 i;

	for (i = 0; i < ci->nsans; i++) {
		if (ci->sans[i].type == PEM_SAN_DNS)
			json_array_append_new(a, json_string(ci->sans[i].value));
	}
	return (a);
}

/* The name a certificate goes by: its CN, else its first DNS SAN. */
static const char *
cert_domain(const struct pem_certinfo *ci)
{
	unsigned	 i;

	if (ci->cn != NULL && *ci->cn != '\0')
		return (ci->cn);
	for (i = 0; i < ci->nsans; i++) {
		if (ci->sans[i].type == PEM_SAN_DNS)
			return (ci->sans[i].value);
	}
	return ("");
}

int
repo_add(struct store_txn *t, const char *name, const char *cert,
    const char *chain, const char *key, const char *passphrase,
    const char *source, int mode, long *out, enum proto_error *code,
    char **cause)
{
	struct pem_bundle	*bundle = NULL;
	struct pem_certinfo	*ci = NULL;
	struct pem_key		*pk = NULL;
	json_t			*crec = NULL, *vrec = NULL, *idx = NULL;
	char			*pkcs8 = NULL, *err = NULL, *oname = NULL;
	char			 vkey[256], aad[256], fpkey[128];
	size_t			 pkcs8len = 0;
	long			 version, ov;
	int			 ret = -1, r;

	*code = PROTO_EINVAL_ARG;
	if (!repo_valid_name(name)) {
		xasprintf(cause, "certificate name '%s': use letters, digits, "
		    "'.', '_' or '-', starting with a letter or digit", name);
		return (-1);
	}
	if (cert == NULL || *cert == '\0') {
		xasprintf(cause, "no certificate given");
		return (-1);
	}
	if (pem_bundle_parse(cert, strlen(cert), chain, chain ? strlen(chain) :
	    0, &bundle, &err) != 0) {
		xasprintf(cause, "certificate: %s", err);
		goto out;
	}
	if (pem_certinfo_parse(bundle->leaf, strlen(bundle->leaf), &ci,
	    &err) != 0) {
		xasprintf(cause, "certificate: %s", err);
		goto out;
	}
	if (strcmp(ci->key_type, "UNKNOWN") == 0) {
		xasprintf(cause, "certificate: key type not supported (RSA 1024 "
		    "to 4096 and EC P-256, P-384, P-521 are)");
		goto out;
	}
	if (key != NULL && *key != '\0') {
		r = pem_key_parse(key, strlen(key), passphrase, &pk, &err);
		if (r == PEM_KEY_NEEDPASS) {
			free(err);
			err = NULL;
			xasprintf(cause, "private key is encrypted: a passphrase "
			    "is needed");
			goto out;
		}
		if (r == PEM_KEY_BADPASS) {
			free(err);
			err = NULL;
			xasprintf(cause, "private key: the passphrase does not "
			    "decrypt it");
			goto out;
		}
		if (r != 0) {
			xasprintf(cause, "private key: %s", err);
			goto out;
		}
		if (pem_key_match_cert(pk, bundle->leaf, strlen(bundle->leaf),
		    &err) != 0) {
			free(err);
			err = NULL;
			xasprintf(cause, "the private key does not match the "
			    "certificate (%s, %s)", ci->subject, ci->key_type);
			goto out;
		}
		if (pem_key_to_pkcs8(pk, &pkcs8, &pkcs8len, &err) != 0) {
			*code = PROTO_EINTERNAL;
			xasprintf(cause, "private key: %s", err);
			goto out;
		}
	}

	*code = PROTO_EINTERNAL;
	crec = rec_get(t, DB_CERTS, name, cause);
	if (*cause != NULL)
		goto out;
	*code = PROTO_EEXIST;
	if (crec != NULL && mode == REPO_MUST_BE_NEW) {
		xasprintf(cause, "certificate '%s' exists; 'cert renew' adds a "
		    "version", name);
		goto out;
	}
	*code = PROTO_ENOTFOUND;
	if (crec == NULL && mode == REPO_MUST_EXIST) {
		xasprintf(cause, "no certificate named '%s'", name);
		goto out;
	}
	*code = PROTO_EEXIST;
	r = repo_find_fingerprint(t, ci->sha256, &oname, &ov, cause);
	if (r == -1) {
		*code = PROTO_EINTERNAL;
		goto out;
	}
	if (r == 1) {
		xasprintf(cause, "this certificate is already version %ld of "
		    "'%s'", ov, oname);
		goto out;
	}

	*code = PROTO_EINTERNAL;
	if (crec == NULL) {
		crec = json_object();
		json_object_set_new(crec, "name", json_string(name));
		json_object_set_new(crec, "created", json_integer(time(NULL)));
		version = 1;
	} else
		version = rec_int(crec, "current") + 1;

	vrec = json_object();
	json_object_set_new(vrec, "name", json_string(name));
	json_object_set_new(vrec, "version", json_integer(version));
	json_object_set_new(vrec, "added", json_integer(time(NULL)));
	json_object_set_new(vrec, "source", json_string(source));
	json_object_set_new(vrec, "cert", json_string(bundle->leaf));
	json_object_set_new(vrec, "chain", json_string(bundle->chain));
	json_object_set_new(vrec, "domain", json_string(cert_domain(ci)));
	json_object_set_new(vrec, "sans", sans_json(ci));
	json_object_set_new(vrec, "subject", json_string(ci->subject));
	json_object_set_new(vrec, "issuer", json_string(ci->issuer));
	json_object_set_new(vrec, "serial", json_string(ci->serial));
	json_object_set_new(vrec, "not_before", json_integer(ci->not_before));
	json_object_set_new(vrec, "not_after", json_integer(ci->not_after));
	json_object_set_new(vrec, "key_type", json_string(ci->key_type));
	json_object_set_new(vrec, "sha256", json_string(ci->sha256));
	json_object_set_new(vrec, "sha1", json_string(ci->sha1));
	json_object_set_new(vrec, "self_signed", json_boolean(ci->self_signed));
	json_object_set_new(vrec, "has_key", json_boolean(pkcs8 != NULL));
	if (pkcs8 != NULL) {
		key_aad(aad, sizeof aad, name, version);
		if (rec_seal(vrec, "key", aad, pkcs8, pkcs8len, cause) != 0)
			goto out;
	}
	version_key(vkey, sizeof vkey, name, version);
	if (rec_put(t, DB_VERSIONS, vkey, vrec, cause) != 0)
		goto out;
	idx = json_pack("{s:s, s:I}", "name", name, "version",
	    (json_int_t)version);
	snprintf(fpkey, sizeof fpkey, "#fp/%s", ci->sha256);
	if (rec_put(t, DB_VERSIONS, fpkey, idx, cause) != 0)
		goto out;

	json_object_set_new(crec, "current", json_integer(version));
	json_object_set_new(crec, "domain", json_string(cert_domain(ci)));
	json_object_set_new(crec, "key_type", json_string(ci->key_type));
	json_object_set_new(crec, "not_after", json_integer(ci->not_after));
	json_object_set_new(crec, "has_key", json_boolean(pkcs8 != NULL));
	json_object_set_new(crec, "updated", json_integer(time(NULL)));
	if (rec_put(t, DB_CERTS, name, crec, cause) != 0)
		goto out;
	*out = version;
	*code = PROTO_OK;
	ret = 0;
out:
	if (err != NULL && *cause == NULL)
		*cause = err;
	else
		free(err);
	if (pkcs8 != NULL)
		xfree_secret(pkcs8, pkcs8len);
	free(oname);
	json_decref(crec);
	json_decref(vrec);
	json_decref(idx);
	pem_key_free(pk);
	pem_certinfo_free(ci);
	pem_bundle_free(bundle);
	return (ret);
}

/* The DNS names a certificate is for: its CN (or first SAN) and SANs. */
static json_t *
names_of(const char *domain, const json_t *sans)
{
	json_t		*set = json_object();
	char		*low, *p;
	size_t		 i;

	for (i = 0; i <= json_array_size(sans); i++) {
		const char *n = i == 0 ? domain :
		    json_string_value(json_array_get(sans, i - 1));

		if (n == NULL || *n == '\0')
			continue;
		low = xstrdup(n);
		for (p = low; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		json_object_set_new(set, low, json_true());
		free(low);
	}
	return (set);
}

int
repo_same_names(const json_t *v, const char *pem, char **cause)
{
	struct pem_certinfo	*ci = NULL;
	json_t			*a, *b, *sans;
	int			 same;

	if (pem_certinfo_parse(pem, strlen(pem), &ci, cause) != 0)
		return (-1);
	sans = sans_json(ci);
	a = names_of(cert_domain(ci), sans);
	b = names_of(rec_str(v, "domain"), json_object_get(v, "sans"));
	same = json_equal(a, b);
	json_decref(a);
	json_decref(b);
	json_decref(sans);
	pem_certinfo_free(ci);
	return (same);
}

long
repo_deployable(struct store_txn *t, const char *name, char **cause)
{
	json_t	*vs, *v;
	long	 best = 0;
	size_t	 i;

	if ((vs = repo_versions(t, name, cause)) == NULL)
		return (-1);
	json_array_foreach(vs, i, v) {
		if (rec_bool(v, "has_key") && rec_int(v, "version") > best)
			best = (long)rec_int(v, "version");
	}
	json_decref(vs);
	return (best);
}

json_t *
repo_get(struct store_txn *t, const char *name, char **cause)
{
	return (rec_get(t, DB_CERTS, name, cause));
}

json_t *
repo_get_version(struct store_txn *t, const char *name, long v, char **cause)
{
	json_t	*c;
	char	 vkey[256];

	if (v == 0) {
		if ((c = repo_get(t, name, cause)) == NULL)
			return (NULL);
		v = rec_int(c, "current");
		json_decref(c);
	}
	version_key(vkey, sizeof vkey, name, v);
	return (rec_get(t, DB_VERSIONS, vkey, cause));
}

static int
repo_versions_cb(const char *key, json_t *rec, void *arg)
{
	json_array_append(arg, rec);
	return (0);
}

json_t *
repo_versions(struct store_txn *t, const char *name, char **cause)
{
	json_t	*a = json_array();
	char	 prefix[256];

	snprintf(prefix, sizeof prefix, "%s/", name);
	if (rec_foreach(t, DB_VERSIONS, prefix, repo_versions_cb, a,
	    cause) != 0) {
		json_decref(a);
		return (NULL);
	}
	return (a);
}

char *
repo_key(const json_t *v, size_t *len, char **cause)
{
	char	 aad[256];

	key_aad(aad, sizeof aad, rec_str(v, "name"), rec_int(v, "version"));
	return (rec_unseal(v, "key", aad, len, cause));
}

int
repo_find_fingerprint(struct store_txn *t, const char *sha256, char **name,
    long *version, char **cause)
{
	json_t	*idx;
	char	 fpkey[128];

	snprintf(fpkey, sizeof fpkey, "#fp/%s", sha256);
	if ((idx = rec_get(t, DB_VERSIONS, fpkey, cause)) == NULL)
		return (*cause != NULL ? -1 : 0);
	*name = xstrdup(rec_str(idx, "name") ? rec_str(idx, "name") : "");
	*version = rec_int(idx, "version");
	json_decref(idx);
	return (1);
}

struct repo_del {
	struct store_txn	*t;
	json_t			*keys;
};

static int
repo_delete_cb(const char *key, json_t *rec, void *arg)
{
	struct repo_del	*d = arg;
	char		 fpkey[128];

	json_array_append_new(d->keys, json_string(key));
	if (rec_str(rec, "sha256") != NULL) {
		snprintf(fpkey, sizeof fpkey, "#fp/%s", rec_str(rec, "sha256"));
		json_array_append_new(d->keys, json_string(fpkey));
	}
	return (0);
}

int
repo_delete(struct store_txn *t, const char *name, char **cause)
{
	struct repo_del	 d = { t, json_array() };
	json_t		*k;
	size_t		 i;
	char		 prefix[256];
	int		 r;

	r = store_dels(t, DB_CERTS, name, cause);
	if (r != 1) {
		json_decref(d.keys);
		if (r == 0)
			xasprintf(cause, "no certificate named '%s'", name);
		return (-1);
	}
	snprintf(prefix, sizeof prefix, "%s/", name);
	if (rec_foreach(t, DB_VERSIONS, prefix, repo_delete_cb, &d,
	    cause) != 0) {
		json_decref(d.keys);
		return (-1);
	}
	json_array_foreach(d.keys, i, k) {
		if (store_dels(t, DB_VERSIONS, json_string_value(k), cause) < 0) {
			json_decref(d.keys);
			return (-1);
		}
	}
	json_decref(d.keys);
	return (0);
}

json_t *
repo_version_summary(const json_t *v)
{
	json_t		*s = json_deep_copy(v);

	json_object_del(s, "cert");
	json_object_del(s, "chain");
	json_object_del(s, "key");
	return (s);
}

void
repo_set_new_version_hook(repo_hook fn)
{
	new_version_hook = fn;
}

void
repo_new_version(const char *name, long version)
{
	char	*msg, *f1, *f2;

	xasprintf(&msg, "certificate %s: version %ld added", name, version);
	xasprintf(&f1, "CERT_NAME=%s", name);
	xasprintf(&f2, "CERT_VERSION=%ld", version);
	log_event(LOG_INFO, "cert-version", msg, f1, f2, (char *)NULL);
	free(msg);
	free(f1);
	free(f2);
	if (new_version_hook != NULL)
		new_version_hook(name, version);
}

void
repo_key_added(const char *name, long version)
{
	log_info("certificate %s: version %ld has its private key now", name,
	    version);
	if (new_version_hook != NULL)
		new_version_hook(name, version);
}

int
repo_set_key(struct store_txn *t, const char *name, long version,
    const char *pkcs8, size_t len, char **cause)
{
	json_t	*v = NULL, *c = NULL;
	char	 vkey[256], aad[256];
	int	 ret = -1;

	version_key(vkey, sizeof vkey, name, version);
	if ((v = rec_get(t, DB_VERSIONS, vkey, cause)) == NULL) {
		if (*cause == NULL)
			xasprintf(cause, "no version %ld of '%s'", version, name);
		return (-1);
	}
	key_aad(aad, sizeof aad, name, version);
	if (rec_seal(v, "key", aad, pkcs8, len, cause) != 0)
		goto out;
	json_object_set_new(v, "has_key", json_true());
	if (rec_put(t, DB_VERSIONS, vkey, v, cause) != 0)
		goto out;
	if ((c = repo_get(t, name, cause)) == NULL) {
		if (*cause == NULL)
			xasprintf(cause, "no certificate named '%s'", name);
		goto out;
	}
	if (rec_int(c, "current") == version) {
		json_object_set_new(c, "has_key", json_true());
		json_object_set_new(c, "updated", json_integer(time(NULL)));
		if (rec_put(t, DB_CERTS, name, c, cause) != 0)
			goto out;
	}
	ret = 0;
out:
	json_decref(c);
	json_decref(v);
	return (ret);
}

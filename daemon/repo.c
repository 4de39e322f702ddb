#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
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

	if (len == 0 || len > REPO_NAME_MAX || !isalnum((unsigned char)s[0]))
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

const char *
repo_err_string(enum repo_err e)
{
	switch (e) {
	case REPO_OK:
		return ("ok");
	case REPO_EINVAL:
		return ("bad input");
	case REPO_ENOTFOUND:
		return ("no such certificate");
	case REPO_EEXIST:
		return ("the name is taken");
	case REPO_EDUP:
		return ("already a version");
	case REPO_ESTORE:
		return ("store error");
	}
	return ("?");
}

enum proto_error
repo_err_proto(enum repo_err e)
{
	switch (e) {
	case REPO_OK:
		return (PROTO_OK);
	case REPO_EINVAL:
		return (PROTO_EINVAL_ARG);
	case REPO_ENOTFOUND:
		return (PROTO_ENOTFOUND);
	case REPO_EEXIST:
	case REPO_EDUP:
		return (PROTO_EEXIST);
	case REPO_ESTORE:
		break;
	}
	return (PROTO_EINTERNAL);
}

/* What a version is made of, checked: leaf and chain, details, the key. */
struct repo_parsed {
	struct pem_bundle	*bundle;
	struct pem_certinfo	*ci;
	char			*pkcs8;		/* secret */
	size_t			 pkcs8len;
};

static void
repo_parsed_free(struct repo_parsed *p)
{
	if (p->pkcs8 != NULL)
		xfree_secret(p->pkcs8, p->pkcs8len);
	pem_certinfo_free(p->ci);
	pem_bundle_free(p->bundle);
}

/* The key of in, parsed, matched against the leaf and made PKCS#8. */
static int
repo_parse_key(const struct repo_input *in, struct repo_parsed *p,
    enum repo_err *err, char **cause)
{
	struct pem_key	*pk = NULL;
	char		*why = NULL;
	int		 r, ret = -1;

	r = pem_key_parse(in->key, strlen(in->key), in->passphrase, &pk, &why);
	if (r == PEM_KEY_NEEDPASS)
		xasprintf(cause, "private key is encrypted: a passphrase is "
		    "needed");
	else if (r == PEM_KEY_BADPASS)
		xasprintf(cause, "private key: the passphrase does not decrypt "
		    "it");
	else if (r != 0)
		xasprintf(cause, "private key: %s", why);
	else if (pem_key_match_cert(pk, p->bundle->leaf,
	    strlen(p->bundle->leaf), &why) != 0)
		xasprintf(cause, "the private key does not match the "
		    "certificate (%s, %s)", p->ci->subject, p->ci->key_type);
	else if (pem_key_to_pkcs8(pk, &p->pkcs8, &p->pkcs8len, &why) != 0) {
		*err = REPO_ESTORE;
		xasprintf(cause, "private key: %s", why);
	} else
		ret = 0;
	free(why);
	pem_key_free(pk);
	return (ret);
}

/* Check in and take it apart (no store access). */
static int
repo_parse(const struct repo_input *in, struct repo_parsed *p,
    enum repo_err *err, char **cause)
{
	char	*why = NULL;

	*err = REPO_EINVAL;
	if (!repo_valid_name(in->name)) {
		xasprintf(cause, "certificate name '%s': use letters, digits, "
		    "'.', '_' or '-', starting with a letter or digit",
		    in->name);
		return (-1);
	}
	if (in->cert == NULL || *in->cert == '\0') {
		xasprintf(cause, "no certificate given");
		return (-1);
	}
	if (pem_bundle_parse(in->cert, strlen(in->cert), in->chain,
	    in->chain ? strlen(in->chain) : 0, &p->bundle, &why) != 0 ||
	    pem_certinfo_parse(p->bundle->leaf, strlen(p->bundle->leaf),
	    &p->ci, &why) != 0) {
		xasprintf(cause, "certificate: %s", why);
		free(why);
		return (-1);
	}
	if (strcmp(p->ci->key_type, "UNKNOWN") == 0) {
		xasprintf(cause, "certificate: key type not supported (RSA 1024 "
		    "to 4096 and EC P-256, P-384, P-521 are)");
		return (-1);
	}
	if (in->key != NULL && *in->key != '\0' &&
	    repo_parse_key(in, p, err, cause) != 0)
		return (-1);
	return (0);
}

/* The version record of p, its key sealed for name/version. */
static json_t *
repo_version_record(const struct repo_input *in, const struct repo_parsed *p,
    long version, char **cause)
{
	const struct pem_certinfo *ci = p->ci;
	json_t			*v;
	char			 aad[256];

	v = json_object();
	json_object_set_new(v, "name", json_string(in->name));
	json_object_set_new(v, "version", json_integer(version));
	json_object_set_new(v, "added", json_integer(time(NULL)));
	json_object_set_new(v, "source", json_string(in->source));
	json_object_set_new(v, "cert", json_string(p->bundle->leaf));
	json_object_set_new(v, "chain", json_string(p->bundle->chain));
	json_object_set_new(v, "domain", json_string(rec_cert_domain(ci)));
	json_object_set_new(v, "sans", rec_dns_sans(ci));
	json_object_set_new(v, "subject", json_string(ci->subject));
	json_object_set_new(v, "issuer", json_string(ci->issuer));
	json_object_set_new(v, "serial", json_string(ci->serial));
	json_object_set_new(v, "not_before", json_integer(ci->not_before));
	json_object_set_new(v, "not_after", json_integer(ci->not_after));
	json_object_set_new(v, "key_type", json_string(ci->key_type));
	json_object_set_new(v, "sha256", json_string(ci->sha256));
	json_object_set_new(v, "sha1", json_string(ci->sha1));
	json_object_set_new(v, "self_signed", json_boolean(ci->self_signed));
	json_object_set_new(v, "has_key", json_boolean(p->pkcs8 != NULL));
	if (p->pkcs8 != NULL) {
		key_aad(aad, sizeof aad, in->name, version);
		if (rec_seal(v, "key", aad, p->pkcs8, p->pkcs8len, cause) != 0) {
			json_decref(v);
			return (NULL);
		}
	}
	return (v);
}

/* May in become a version of crec (NULL: no such certificate) at all? */
static int
repo_may_add(struct store_txn *t, const struct repo_input *in,
    const json_t *crec, const struct repo_parsed *p, enum repo_err *err,
    char **cause)
{
	char	*oname = NULL;
	long	 ov;
	int	 r;

	if (crec != NULL && in->mode == REPO_MUST_BE_NEW) {
		*err = REPO_EEXIST;
		xasprintf(cause, "certificate '%s' exists; 'cert renew' adds a "
		    "version", in->name);
		return (-1);
	}
	if (crec == NULL && in->mode == REPO_MUST_EXIST) {
		*err = REPO_ENOTFOUND;
		xasprintf(cause, "no certificate named '%s'", in->name);
		return (-1);
	}
	if ((r = repo_find_fingerprint(t, p->ci->sha256, &oname, &ov,
	    cause)) == -1) {
		*err = REPO_ESTORE;
		return (-1);
	}
	if (r == 1) {
		*err = REPO_EDUP;
		xasprintf(cause, "this certificate is already version %ld of "
		    "'%s'", ov, oname);
		free(oname);
		return (-1);
	}
	return (0);
}

int
repo_add(struct store_txn *t, const struct repo_input *in, long *out,
    enum repo_err *err, char **cause)
{
	struct repo_parsed	 p;
	json_t			*crec = NULL, *vrec = NULL, *idx = NULL;
	char			 vkey[256], fpkey[128];
	long			 version;
	int			 ret = -1;

	memset(&p, 0, sizeof p);
	if (repo_parse(in, &p, err, cause) != 0)
		goto out;
	*err = REPO_ESTORE;
	crec = rec_get(t, DB_CERTS, in->name, cause);
	if (*cause != NULL || repo_may_add(t, in, crec, &p, err, cause) != 0)
		goto out;
	*err = REPO_ESTORE;
	if (crec == NULL) {
		crec = json_object();
		json_object_set_new(crec, "name", json_string(in->name));
		json_object_set_new(crec, "created", json_integer(time(NULL)));
		version = 1;
	} else
		version = rec_int(crec, "current") + 1;
	if ((vrec = repo_version_record(in, &p, version, cause)) == NULL)
		goto out;
	version_key(vkey, sizeof vkey, in->name, version);
	idx = json_pack("{s:s, s:I}", "name", in->name, "version",
	    (json_int_t)version);
	snprintf(fpkey, sizeof fpkey, REPO_FP_PREFIX "%s", p.ci->sha256);
	json_object_set_new(crec, "current", json_integer(version));
	json_object_set_new(crec, "domain", json_string(rec_cert_domain(p.ci)));
	json_object_set_new(crec, "key_type", json_string(p.ci->key_type));
	json_object_set_new(crec, "not_after", json_integer(p.ci->not_after));
	json_object_set_new(crec, "has_key", json_boolean(p.pkcs8 != NULL));
	json_object_set_new(crec, "updated", json_integer(time(NULL)));
	if (rec_put(t, DB_VERSIONS, vkey, vrec, cause) != 0 ||
	    rec_put(t, DB_VERSIONS, fpkey, idx, cause) != 0 ||
	    rec_put(t, DB_CERTS, in->name, crec, cause) != 0)
		goto out;
	*out = version;
	*err = REPO_OK;
	ret = 0;
out:
	repo_parsed_free(&p);
	json_decref(crec);
	json_decref(vrec);
	json_decref(idx);
	return (ret);
}

char *
repo_name_for_domain(const char *domain, const char *arn)
{
	char		*name, *p;
	const char	*id;
	size_t		 i, len;

	if (domain == NULL || *domain == '\0') {
		id = arn != NULL ? strrchr(arn, '/') : NULL;
		xasprintf(&name, "acm-%.8s", id != NULL ? id + 1 : "cert");
		return (name);
	}
	len = strlen(domain);
	name = xmalloc(len * 8 + 1);
	p = name;
	/* Room for "wildcard" and, in repo_unique_name, a "-99". */
	for (i = 0; i < len && p - name < REPO_NAME_BASE_MAX - 8; i++) {
		if (domain[i] == '*') {
			memcpy(p, "wildcard", 8);
			p += 8;
		} else if (isalnum((unsigned char)domain[i]) ||
		    strchr("._-", domain[i]) != NULL)
			*p++ = domain[i];
		else
			*p++ = '-';
	}
	*p = '\0';
	if (!repo_valid_name(name)) {
		free(name);
		xasprintf(&name, "acm-%s", domain[0] == '*' ? "wildcard" :
		    "cert");
	}
	return (name);
}

char *
repo_unique_name(struct store_txn *t, const char *domain, const char *arn,
    char **cause)
{
	json_t	*c;
	char	*base, *name;
	int	 i;

	base = repo_name_for_domain(domain, arn);
	name = xstrdup(base);
	for (i = 2; i < 100; i++) {
		if ((c = repo_get(t, name, cause)) == NULL)
			break;
		json_decref(c);
		free(name);
		xasprintf(&name, "%s-%d", base, i);
	}
	free(base);
	if (*cause != NULL || i == 100) {
		if (*cause == NULL)
			xasprintf(cause, "no free repository name for '%s'",
			    domain);
		free(name);
		return (NULL);
	}
	return (name);
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
	sans = rec_dns_sans(ci);
	a = names_of(rec_cert_domain(ci), sans);
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

long long
repo_current(struct store_txn *t, const char *name, char **cause)
{
	json_t		*c;
	long long	 v;

	if ((c = repo_get(t, name, cause)) == NULL)
		return (*cause != NULL ? -1 : 0);
	v = rec_int(c, "current");
	json_decref(c);
	return (v);
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

struct repo_read {
	const char	*name;
	long		 version;
	json_t		*v;
};

static int
repo_read_version_fn(struct store_txn *t, void *arg, char **cause)
{
	struct repo_read	*r = arg;
	long			 v = r->version;

	if (v == REPO_DEPLOYABLE && (v = repo_deployable(t, r->name,
	    cause)) == -1)
		return (-1);
	r->v = repo_get_version(t, r->name, v, cause);
	return (*cause != NULL ? -1 : 0);
}

json_t *
repo_read_version(const char *name, long version, char **cause)
{
	struct repo_read	 r = { name, version, NULL };

	*cause = NULL;
	if (store_read(acmd.store, repo_read_version_fn, &r, cause) != 0) {
		json_decref(r.v);
		return (NULL);
	}
	return (r.v);
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

	snprintf(fpkey, sizeof fpkey, REPO_FP_PREFIX "%s", sha256);
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
		snprintf(fpkey, sizeof fpkey, REPO_FP_PREFIX "%s", rec_str(rec, "sha256"));
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
		if (r == 0) {
			xasprintf(cause, "no certificate named '%s'", name);
			return (1);
		}
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

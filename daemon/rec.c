#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "acmd.h"
#include "log.h"
#include "mp.h"
#include "mpjson.h"
#include "pem.h"
#include "rec.h"
#include "store.h"
#include "vault.h"
#include "xmalloc.h"

json_t *
rec_get(struct store_txn *t, enum store_db db, const char *key, char **cause)
{
	return (rec_get_keys(t, db, key, NULL, cause));
}

json_t *
rec_get_keys(struct store_txn *t, enum store_db db, const char *key,
    const char *const *keys, char **cause)
{
	const void	*v;
	size_t		 vlen;
	json_t		*j;
	int		 ret;

	*cause = NULL;
	ret = store_gets(t, db, key, &v, &vlen, cause);
	if (ret != 1)
		return (NULL);
	if ((j = mp_decode_json_keys(v, vlen, keys)) == NULL ||
	    !json_is_object(j)) {
		json_decref(j);
		xasprintf(cause, "store: %s record '%s' is corrupt",
		    store_db_name(db), key);
		return (NULL);
	}
	return (j);
}

int
rec_put(struct store_txn *t, enum store_db db, const char *key,
    const json_t *rec, char **cause)
{
	struct mp_buf	*b;
	int		 ret;

	b = mp_buf_new();
	mp_pack_json(b, rec);
	ret = store_puts(t, db, key, b->sb.data, b->sb.size, cause);
	mp_buf_free(b);
	return (ret);
}

struct rec_walk {
	rec_cb		 cb;
	void		*arg;
	enum store_db	 db;
	char		**cause;
};

static int
rec_walk_cb(const void *k, size_t klen, const void *v, size_t vlen, void *arg)
{
	struct rec_walk	*w = arg;
	json_t		*j;
	char		*key;
	int		 ret;

	key = xstrndup(k, klen);
	if ((j = mp_decode_json(v, vlen)) == NULL || !json_is_object(j)) {
		log_warnx("store: %s record '%s' is corrupt; skipped",
		    store_db_name(w->db), key);
		json_decref(j);
		free(key);
		return (0);
	}
	ret = w->cb(key, j, w->arg);
	json_decref(j);
	free(key);
	return (ret);
}

int
rec_foreach(struct store_txn *t, enum store_db db, const char *prefix,
    rec_cb cb, void *arg, char **cause)
{
	struct rec_walk	 w = { cb, arg, db, cause };

	return (store_foreach(t, db, prefix, prefix ? strlen(prefix) : 0,
	    rec_walk_cb, &w, cause));
}

int
rec_walk(enum store_db db, const char *prefix, rec_cb cb, void *arg,
    char **cause)
{
	struct store_txn	*t;
	int			 ret;

	if ((t = store_begin(acmd.store, 0, cause)) == NULL)
		return (-1);
	ret = rec_foreach(t, db, prefix, cb, arg, cause);
	store_abort(t);
	return (ret);
}

struct rec_read {
	enum store_db	 db;
	const char	*key;
	json_t		*rec;
};

static int
rec_read_fn(struct store_txn *t, void *arg, char **cause)
{
	struct rec_read	*r = arg;

	r->rec = rec_get(t, r->db, r->key, cause);
	return (*cause != NULL ? -1 : 0);
}

json_t *
rec_read(enum store_db db, const char *key, char **cause)
{
	struct rec_read	 r = { db, key, NULL };

	*cause = NULL;
	if (store_read(acmd.store, rec_read_fn, &r, cause) != 0) {
		json_decref(r.rec);
		return (NULL);
	}
	return (r.rec);
}

struct rec_forget {
	const char	*field;
	const char	*value;
	json_t		*keys;
};

static int
rec_forget_cb(const char *key, json_t *rec, void *arg)
{
	struct rec_forget	*f = arg;

	if (rec_str(rec, f->field) != NULL &&
	    strcmp(rec_str(rec, f->field), f->value) == 0)
		json_array_append_new(f->keys, json_string(key));
	return (0);
}

static int
rec_forget_all_cb(const char *key, json_t *rec, void *arg)
{
	struct rec_forget	*f = arg;

	json_array_append_new(f->keys, json_string(key));
	return (0);
}

int
rec_forget(struct store_txn *t, enum store_db db, const char *prefix,
    const char *field, const char *value, size_t *n, char **cause)
{
	struct rec_forget	 f = { field, value, json_array() };
	size_t			 i;
	int			 ret = -1;

	if (rec_foreach(t, db, prefix, field != NULL ? rec_forget_cb :
	    rec_forget_all_cb, &f, cause) != 0)
		goto out;
	for (i = 0; i < json_array_size(f.keys); i++) {
		if (store_dels(t, db, json_string_value(json_array_get(f.keys,
		    i)), cause) < 0)
			goto out;
	}
	if (n != NULL)
		*n = json_array_size(f.keys);
	ret = 0;
out:
	json_decref(f.keys);
	return (ret);
}

static int
rec_count_cb(const void *k, size_t klen, const void *v, size_t vlen,
    void *arg)
{
	(*(size_t *)arg)++;
	return (0);
}

size_t
rec_count(struct store_txn *t, enum store_db db, const char *prefix,
    char **cause)
{
	size_t	 n = 0;

	if (prefix == NULL)
		return (store_count(t, db));
	if (store_foreach(t, db, prefix, strlen(prefix), rec_count_cb, &n,
	    cause) != 0)
		return (0);
	return (n);
}

struct rec_counts {
	const struct rec_count_spec	*spec;
	size_t				 n;
	json_t				*out;
};

static int
rec_counts_fn(struct store_txn *t, void *arg, char **cause)
{
	struct rec_counts	*c = arg;
	size_t			 i, n, skip;

	for (i = 0; i < c->n; i++) {
		n = store_count(t, c->spec[i].db);
		skip = c->spec[i].skip != NULL ? rec_count(t, c->spec[i].db,
		    c->spec[i].skip, cause) : 0;
		if (*cause != NULL)
			return (-1);
		json_object_set_new(c->out, store_db_name(c->spec[i].db),
		    json_integer(skip <= n ? n - skip : 0));
	}
	return (0);
}

json_t *
rec_counts(const struct rec_count_spec *spec, size_t n, char **cause)
{
	struct rec_counts	 c = { spec, n, json_object() };

	if (store_read(acmd.store, rec_counts_fn, &c, cause) != 0) {
		json_decref(c.out);
		return (NULL);
	}
	return (c.out);
}

int
rec_seal(json_t *rec, const char *field, const char *aad, const void *p,
    size_t len, char **cause)
{
	uint8_t		*blob;
	size_t		 blen;
	char		*b64;

	if (vault_seal(acmd.vault, aad, p, len, &blob, &blen, cause) != 0)
		return (-1);
	b64 = xmalloc(4 * ((blen + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, blob, (int)blen);
	json_object_set_new(rec, field, json_string(b64));
	free(b64);
	free(blob);
	return (0);
}

char *
rec_unseal(const json_t *rec, const char *field, const char *aad,
    size_t *len, char **cause)
{
	const char	*b64 = rec_str(rec, field);
	uint8_t		*blob, *pt;
	size_t		 b64len, blen;
	int		 n, ret;

	*cause = NULL;
	if (b64 == NULL)
		return (NULL);
	b64len = strlen(b64);
	blob = xmalloc(b64len / 4 * 3 + 3);
	n = EVP_DecodeBlock(blob, (const unsigned char *)b64, (int)b64len);
	if (n < 0 || b64len % 4 != 0) {
		free(blob);
		xasprintf(cause, "sealed field %s of %s is not base64", field,
		    aad);
		return (NULL);
	}
	blen = (size_t)n;
	while (b64len > 0 && b64[b64len - 1] == '=') {
		b64len--;
		blen--;
	}
	ret = vault_unseal(acmd.vault, aad, blob, blen, &pt, len, cause);
	free(blob);
	return (ret == 0 ? (char *)pt : NULL);
}

const char *
rec_str(const json_t *rec, const char *field)
{
	return (json_string_value(json_object_get(rec, field)));
}

long long
rec_int(const json_t *rec, const char *field)
{
	return ((long long)json_integer_value(json_object_get(rec, field)));
}

int
rec_bool(const json_t *rec, const char *field)
{
	return (json_is_true(json_object_get(rec, field)));
}

json_t *
rec_dns_sans(const struct pem_certinfo *ci)
{
	json_t		*a = json_array();
	unsigned	 i;

	for (i = 0; i < ci->nsans; i++) {
		if (ci->sans[i].type == PEM_SAN_DNS)
			json_array_append_new(a, json_string(ci->sans[i].value));
	}
	return (a);
}

const char *
rec_cert_domain(const struct pem_certinfo *ci)
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

void
rec_set_certinfo(json_t *rec, const struct pem_certinfo *ci)
{
	json_object_set_new(rec, "sha256", json_string(ci->sha256));
	json_object_set_new(rec, "serial", json_string(ci->serial));
	json_object_set_new(rec, "key_algorithm", json_string(ci->key_type));
	json_object_set_new(rec, "not_before", json_integer(ci->not_before));
	json_object_set_new(rec, "not_after", json_integer(ci->not_after));
}

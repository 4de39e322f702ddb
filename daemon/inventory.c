#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "inventory.h"
#include "log.h"
#include "pem.h"
#include "rec.h"
#include "store.h"
#include "xmalloc.h"

struct inv_walk {
	int	 all;
	inv_cb	 cb;
	void	*arg;
};

static int
inv_walk_cb(const char *key, json_t *rec, void *arg)
{
	struct inv_walk	*w = arg;

	if (strncmp(key, INV_PEM_PREFIX, strlen(INV_PEM_PREFIX)) == 0)
		return (1);	/* the PEM records sort last: done */
	if (!w->all && rec_bool(rec, "gone"))
		return (0);
	return (w->cb(key, rec, w->arg));
}

int
inv_foreach(struct store_txn *t, const char *prefix, int all, inv_cb cb,
    void *arg, char **cause)
{
	struct inv_walk	 w = { all, cb, arg };

	return (rec_foreach(t, DB_ACM, prefix, inv_walk_cb, &w, cause));
}

/* arn:aws:acm:REGION:ACCOUNT:certificate/ID -> ACCOUNT/REGION/ARN */
char *
inv_key_for_arn(const char *arn)
{
	char		*copy, *p, *f[6], *key = NULL;
	int		 i;

	copy = p = xstrdup(arn);
	for (i = 0; i < 6; i++) {
		if ((f[i] = strsep(&p, ":")) == NULL)
			break;
	}
	if (i == 6 && strcmp(f[0], "arn") == 0 && strcmp(f[2], "acm") == 0 &&
	    *f[3] != '\0' && *f[4] != '\0' && p == NULL)
		xasprintf(&key, "%s/%s/%s", f[4], f[3], arn);
	free(copy);
	return (key);
}

void
inv_last_seen(struct store_txn *t, const char *key, json_t *rec)
{
	const char	*p;
	json_t		*l;
	char		*lkey, *cause = NULL;

	/* ACCOUNT/REGION/ARN: the unit is what comes before the ARN. */
	if (rec_bool(rec, "gone") || (p = strchr(key, '/')) == NULL ||
	    (p = strchr(p + 1, '/')) == NULL)
		return;
	xasprintf(&lkey, "%s%.*s", INV_LISTED_PREFIX, (int)(p + 1 - key), key);
	if ((l = rec_get(t, DB_JOBS, lkey, &cause)) != NULL &&
	    rec_int(l, "at") > rec_int(rec, "last_seen"))
		json_object_set_new(rec, "last_seen", json_integer(rec_int(l,
		    "at")));
	json_decref(l);
	free(cause);
	free(lkey);
}

json_t *
inv_find_arn(struct store_txn *t, const char *arn, char **keyp, char **cause)
{
	json_t	*rec;
	char	*key;

	*cause = NULL;
	if ((key = inv_key_for_arn(arn)) == NULL) {
		xasprintf(cause, "'%s' is not an ACM certificate ARN", arn);
		return (NULL);
	}
	rec = rec_get(t, DB_ACM, key, cause);
	if (rec != NULL && keyp != NULL)
		*keyp = key;
	else
		free(key);
	return (rec);
}

long long
inv_days_left(const json_t *rec)
{
	json_t	*na = json_object_get(rec, "not_after");

	if (!json_is_integer(na))
		return (0);
	return (pem_days_left((time_t)json_integer_value(na), time(NULL)));
}

int
inv_put_pem(struct store_txn *t, const char *key, const char *cert,
    const char *chain, char **cause)
{
	json_t	*pem;
	char	*pkey;
	int	 ret;

	pem = json_pack("{s:s, s:s}", "cert", cert, "chain", chain != NULL ?
	    chain : "");
	xasprintf(&pkey, "%s%s", INV_PEM_PREFIX, key);
	ret = rec_put(t, DB_ACM, pkey, pem, cause);
	free(pkey);
	json_decref(pem);
	return (ret);
}

int
inv_note(struct store_txn *t, const char *arn, const char *credential,
    json_t *set, const char *cert, const char *chain, char **cause)
{
	struct pem_certinfo	*ci = NULL;
	json_t			*rec = NULL;
	char			*key, *f[2] = { NULL, NULL };
	int			 ret = -1;

	*cause = NULL;
	if ((key = inv_key_for_arn(arn)) == NULL) {
		xasprintf(cause, "'%s' is not an ACM certificate ARN", arn);
		goto out;
	}
	if ((rec = rec_get(t, DB_ACM, key, cause)) == NULL) {
		if (*cause != NULL)
			goto out;
		rec = json_object();
		json_object_set_new(rec, "first_seen", json_integer(time(NULL)));
		json_object_set_new(rec, "in_use_by", json_array());
	}
	/* ACCOUNT/REGION/ARN */
	f[0] = xstrndup(key, strcspn(key, "/"));
	f[1] = xstrndup(key + strlen(f[0]) + 1, strcspn(key + strlen(f[0]) +
	    1, "/"));
	json_object_set_new(rec, "account", json_string(f[0]));
	json_object_set_new(rec, "region", json_string(f[1]));
	json_object_set_new(rec, "arn", json_string(arn));
	if (credential != NULL)
		json_object_set_new(rec, "credential", json_string(credential));
	if (cert != NULL) {
		if (pem_certinfo_parse(cert, strlen(cert), &ci, cause) != 0)
			goto out;
		rec_set_certinfo(rec, ci);
		json_object_set_new(rec, "sans", rec_dns_sans(ci));
		json_object_set_new(rec, "domain", json_string(
		    rec_cert_domain(ci)));
		json_object_set_new(rec, "status", json_string(ci->not_after <
		    time(NULL) ? "EXPIRED" : "ISSUED"));
	}
	json_object_update(rec, set);
	json_object_del(rec, "gone");
	json_object_del(rec, "gone_since");
	json_object_set_new(rec, "last_seen", json_integer(time(NULL)));
	if (rec_put(t, DB_ACM, key, rec, cause) != 0)
		goto out;
	if (cert != NULL && inv_put_pem(t, key, cert, chain, cause) != 0)
		goto out;
	ret = 0;
out:
	pem_certinfo_free(ci);
	json_decref(rec);
	free(key);
	free(f[0]);
	free(f[1]);
	return (ret);
}

struct inv_show {
	const char	*arn;
	enum proto_error code;
	json_t		*rec;
};

static int
inv_show_fn(struct store_txn *t, void *arg, char **cause)
{
	struct inv_show	*sh = arg;
	json_t		*pem;
	char		*key, *pkey;

	if ((key = inv_key_for_arn(sh->arn)) == NULL) {
		sh->code = PROTO_EINVAL_ARG;
		xasprintf(cause, "'%s' is not an ACM certificate ARN", sh->arn);
		return (-1);
	}
	sh->code = PROTO_EINTERNAL;
	if ((sh->rec = rec_get(t, DB_ACM, key, cause)) == NULL) {
		free(key);
		if (*cause != NULL)
			return (-1);
		sh->code = PROTO_ENOTFOUND;
		xasprintf(cause, "%s is not in the inventory (acmctl discover "
		    "finds it)", sh->arn);
		return (-1);
	}
	inv_last_seen(t, key, sh->rec);
	xasprintf(&pkey, "%s%s", INV_PEM_PREFIX, key);
	free(key);
	pem = rec_get(t, DB_ACM, pkey, cause);
	free(pkey);
	if (pem != NULL) {
		json_object_set(sh->rec, "certificate", json_object_get(pem,
		    "cert"));
		json_object_set(sh->rec, "chain", json_object_get(pem, "chain"));
		json_decref(pem);
	}
	return (*cause != NULL ? -1 : 0);
}

json_t *
inv_show(const char *arn, enum proto_error *code, char **cause)
{
	struct inv_show	 sh = { arn, PROTO_EINTERNAL, NULL };

	if (store_read(acmd.store, inv_show_fn, &sh, cause) != 0) {
		*code = sh.code;
		json_decref(sh.rec);
		return (NULL);
	}
	if (json_object_get(sh.rec, "not_after") != NULL)
		json_object_set_new(sh.rec, "days_left",
		    json_integer(inv_days_left(sh.rec)));
	return (sh.rec);
}

struct inv_forget {
	const char	*arn;
	enum proto_error code;
	size_t		 nreq, ndep, nren;
};

static int
inv_forget_fn(struct store_txn *t, void *arg, char **cause)
{
	struct inv_forget	*f = arg;
	char			*key, *pkey;
	int			 r;

	if ((key = inv_key_for_arn(f->arn)) == NULL) {
		f->code = PROTO_EINVAL_ARG;
		xasprintf(cause, "'%s' is not an ACM certificate ARN", f->arn);
		return (-1);
	}
	xasprintf(&pkey, "%s%s", INV_PEM_PREFIX, key);
	f->code = PROTO_EINTERNAL;
	r = store_dels(t, DB_ACM, key, cause);
	if (r == 0) {
		f->code = PROTO_ENOTFOUND;
		xasprintf(cause, "certificate %s is not in the inventory",
		    f->arn);
	}
	/* Everything that refers to the ARN goes with it. */
	if (r == 1 && (store_dels(t, DB_ACM, pkey, cause) < 0 ||
	    rec_forget(t, DB_REQUESTS, NULL, "arn", f->arn, &f->nreq,
	    cause) != 0 ||
	    rec_forget(t, DB_DEPLOYMENTS, NULL, "arn", f->arn, &f->ndep,
	    cause) != 0 ||
	    rec_forget(t, DB_RENEWALS, NULL, "arn", f->arn, &f->nren,
	    cause) != 0))
		r = -1;
	free(key);
	free(pkey);
	return (r == 1 ? 0 : -1);
}

json_t *
inv_forget(const char *arn, enum proto_error *code, char **cause)
{
	struct inv_forget	 f = { arn, PROTO_EINTERNAL, 0, 0, 0 };

	if (store_write(acmd.store, inv_forget_fn, &f, cause) != 0) {
		*code = f.code;
		return (NULL);
	}
	log_info("delete: %s removed from acmd (%zu requests, %zu deployments, "
	    "%zu renewals forgotten; ACM untouched)", arn, f.nreq, f.ndep,
	    f.nren);
	return (json_pack("{s:s, s:I, s:I, s:s}", "deleted", arn,
	    "requests_forgotten", (json_int_t)f.nreq, "deployments_forgotten",
	    (json_int_t)f.ndep, "note", "removed from acmd only; ACM was not "
	    "touched"));
}

struct inv_iam {
	int	 all;
	json_t	*rows;
};

static int
inv_iam_cb(const char *key, json_t *rec, void *arg)
{
	struct inv_iam	*w = arg;
	json_t		*row;

	if (!w->all && rec_bool(rec, "gone"))
		return (0);
	row = json_pack("{s:s, s:s, s:s}", "name", rec_str(rec, "name") ?
	    rec_str(rec, "name") : "", "domain", rec_str(rec, "domain") ?
	    rec_str(rec, "domain") : "", "account", rec_str(rec, "account") ?
	    rec_str(rec, "account") : "");
	json_object_set_new(row, "days_left", json_object_get(rec,
	    "not_after") != NULL ? json_integer(inv_days_left(rec)) :
	    json_null());
	json_object_set_new(row, "linked", json_object_get(rec, "linked") ?
	    json_string(rec_str(json_object_get(rec, "linked"), "name")) :
	    json_null());
	json_object_set_new(row, "arn", json_string(rec_str(rec, "arn")));
	if (rec_bool(rec, "gone"))
		json_object_set_new(row, "gone", json_true());
	json_array_append_new(w->rows, row);
	return (0);
}

json_t *
inv_iam_rows(int all, char **cause)
{
	struct inv_iam	 w = { all, json_array() };

	if (rec_walk(DB_IAM, NULL, inv_iam_cb, &w, cause) != 0) {
		json_decref(w.rows);
		return (NULL);
	}
	return (w.rows);
}

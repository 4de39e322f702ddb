#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

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
	json_t			*rec = NULL, *sans;
	char			*key, *f[2] = { NULL, NULL };
	unsigned		 i;
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
		json_object_set_new(rec, "sha256", json_string(ci->sha256));
		json_object_set_new(rec, "serial", json_string(ci->serial));
		json_object_set_new(rec, "key_algorithm",
		    json_string(ci->key_type));
		json_object_set_new(rec, "not_before",
		    json_integer(ci->not_before));
		json_object_set_new(rec, "not_after", json_integer(ci->not_after));
		sans = json_array();
		for (i = 0; i < ci->nsans; i++) {
			if (ci->sans[i].type == PEM_SAN_DNS)
				json_array_append_new(sans,
				    json_string(ci->sans[i].value));
		}
		json_object_set_new(rec, "sans", sans);
		json_object_set_new(rec, "domain", json_string(*ci->cn != '\0' ?
		    ci->cn : json_array_size(sans) > 0 ? json_string_value(
		    json_array_get(sans, 0)) : ""));
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

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "inventory.h"
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

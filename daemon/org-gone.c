/*
 * The certificates of an organization's account that is gone (removed
 * from the organization, suspended, outside its --include-ou): marked
 * gone as a region's listing marks what it no longer has, never dropped.
 * Only those found through the organization's credential for that
 * account: another credential may still see the account.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "org.h"
#include "rec.h"
#include "store.h"
#include "xmalloc.h"

struct org_gone {
	const char	*member;	/* ORG/ACCOUNT */
	json_t		*mark;		/* key -> record marked gone */
	json_int_t	 since;
};

static int
org_gone_cb(const char *key, json_t *rec, void *arg)
{
	struct org_gone	*g = arg;
	const char	*cred = rec_str(rec, "credential");
	json_t		*c;

	if (!json_is_object(rec) || rec_bool(rec, "gone") || cred == NULL ||
	    strcmp(cred, g->member) != 0)
		return (0);
	c = json_deep_copy(rec);
	json_object_set_new(c, "gone", json_true());
	json_object_set_new(c, "gone_since", json_integer(g->since));
	json_object_set_new(g->mark, key, c);
	return (0);
}

int
org_certs_gone(struct store_txn *t, const char *member, const char *account,
    time_t since, size_t *n, char **cause)
{
	static const enum store_db dbs[] = { DB_ACM, DB_IAM };
	struct org_gone	 g;
	const char	*key;
	json_t		*rec;
	char		*prefix;
	size_t		 i;
	int		 ret = 0;

	*n = 0;
	g.member = member;
	g.since = (json_int_t)since;
	/* ACCOUNT/REGION/ARN in acm, ACCOUNT/NAME in iam. */
	xasprintf(&prefix, "%s/", account);
	for (i = 0; ret == 0 && i < sizeof dbs / sizeof dbs[0]; i++) {
		g.mark = json_object();
		ret = rec_foreach(t, dbs[i], prefix, org_gone_cb, &g, cause);
		json_object_foreach(g.mark, key, rec) {
			if (ret == 0)
				ret = rec_put(t, dbs[i], key, rec, cause);
			if (ret == 0)
				(*n)++;
		}
		json_decref(g.mark);
	}
	free(prefix);
	return (ret);
}

/*
 * What a person reads of requests: request list, show and records, and
 * ca list (the private CAs to request from).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/aws.h"
#include "aws/services.h"
#include "creds.h"
#include "rec.h"
#include "request-poll.h"
#include "requests.h"
#include "xmalloc.h"

json_t *
requests_show(const char *id, struct op_reply reply)
{
	json_t	*rec, *v;

	if ((rec = req_find(id, &reply)) == NULL)
		return (NULL);
	v = req_view(rec);
	json_decref(rec);
	return (v);
}

static int
req_list_cb(const char *key, json_t *rec, void *arg)
{
	json_t	*row;

	row = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?}",
	    "id", rec_str(rec, "id"), "domain", rec_str(rec, "domain"), "kind",
	    rec_str(rec, "kind"), "validation", rec_str(rec, "validation"),
	    "region", rec_str(rec, "region"), "status", rec_str(rec, "status"),
	    "arn", rec_str(rec, "arn"), "error", rec_str(rec, "last_error"));
	/* What happens to the key: exportable, exported, again each renewal. */
	json_object_set_new(row, "exportable", json_boolean(rec_bool(rec,
	    "exportable") || (rec_str(rec, "kind") != NULL &&
	    strcmp(rec_str(rec, "kind"), "private") == 0)));
	json_object_set_new(row, "key", json_string(!rec_bool(rec,
	    "with_key") ? "-" : rec_str(json_object_get(rec, "key_export"),
	    "state") != NULL ? rec_str(json_object_get(rec, "key_export"),
	    "state") : "due"));
	json_object_set_new(row, "auto_export", json_boolean(rec_bool(rec,
	    "auto_export")));
	json_array_append_new(arg, row);
	return (0);
}

json_t *
requests_list(char **cause)
{
	json_t	*rows = json_array();

	if (rec_walk(DB_REQUESTS, NULL, req_list_cb, rows, cause) != 0) {
		json_decref(rows);
		return (NULL);
	}
	return (rows);
}

json_t *
requests_records(const char *id, char **status, struct op_reply reply)
{
	json_t		*rec, *rows, *d, *rr, *seen;
	const char	*n;
	size_t		 i;

	if ((rec = req_find(id, &reply)) == NULL)
		return (NULL);
	rows = json_array();
	seen = json_object();
	json_array_foreach(json_object_get(rec, "domains"), i, d) {
		rr = json_object_get(d, "record");
		if ((n = rec_str(rr, "name")) == NULL ||
		    json_object_get(seen, n) != NULL)
			continue;
		json_object_set_new(seen, n, json_true());
		json_array_append_new(rows, json_pack("{s:s?, s:s, s:s?, s:s?, "
		    "s:s++}", "domain", rec_str(d, "domain"), "name", n, "type",
		    rec_str(rr, "type"), "value", rec_str(rr, "value"),
		    "zone_line", n, " 300 IN CNAME ", rec_str(rr, "value") ?
		    rec_str(rr, "value") : ""));
	}
	json_decref(seen);
	if (json_array_size(rows) == 0 && strcmp(rec_str(rec, "validation"),
	    "DNS") != 0) {
		op_fail(&reply, PROTO_ESTATE, "request %s is validated by %s, "
		    "not DNS", rec_str(rec, "id"), rec_str(rec, "validation"));
		json_decref(rows);
		rows = NULL;
	}
	*status = xstrdup(rec_str(rec, "status") ? rec_str(rec, "status") :
	    "?");
	json_decref(rec);
	return (rows);
}

/* ca list: the private CAs of a region, page after page. */

struct ca_list {
	struct op_reply	 reply;
	struct aws_cred	*cred;
	char		*region;
	json_t		*rows;
};

static void
ca_list_free(struct ca_list *l)
{
	aws_cred_unref(l->cred);
	free(l->region);
	json_decref(l->rows);
	free(l);
}

static void
ca_listed(struct aws_result *res, void *arg)
{
	struct ca_list	*l = arg;
	json_t		*list, *ca, *row, *na;
	const char	*next, *cn;
	size_t		 i;

	if (!res->ok) {
		op_fail_aws(&l->reply, &res->err, NULL);
		ca_list_free(l);
		return;
	}
	list = json_object_get(res->json, "CertificateAuthorities");
	json_array_foreach(list, i, ca) {
		cn = rec_str(json_object_get(json_object_get(ca,
		    "CertificateAuthorityConfiguration"), "Subject"),
		    "CommonName");
		na = json_object_get(ca, "NotAfter");
		row = json_pack("{s:s, s:s, s:s, s:s}",
		    "arn", rec_str(ca, "Arn") ? rec_str(ca, "Arn") : "",
		    "status", rec_str(ca, "Status") ? rec_str(ca, "Status") : "",
		    "type", rec_str(ca, "Type") ? rec_str(ca, "Type") : "",
		    "common_name", cn != NULL ? cn : "");
		json_object_set_new(row, "not_after", json_is_number(na) ?
		    json_integer((json_int_t)json_number_value(na)) :
		    json_null());
		json_array_append_new(l->rows, row);
	}
	if ((next = rec_str(res->json, "NextToken")) != NULL && *next != '\0') {
		pca_list_certificate_authorities(l->cred, l->region, next,
		    ca_listed, l);
		return;
	}
	op_ok(&l->reply, json_incref(l->rows));
	ca_list_free(l);
}

void
requests_ca_list(const char *cred, const char *region, struct op_reply reply)
{
	struct ca_list	*l;
	char		*cause = NULL;

	l = xcalloc(1, sizeof *l);
	l->reply = reply;
	l->region = xstrdup(region);
	l->rows = json_array();
	if ((l->cred = creds_get(cred != NULL ? cred : "default",
	    &cause)) == NULL) {
		op_fail(&reply, PROTO_ENOTFOUND, "%s", cause);
		free(cause);
		ca_list_free(l);
		return;
	}
	pca_list_certificate_authorities(l->cred, l->region, NULL, ca_listed,
	    l);
}

/*
 * Deploy Challenge: a request's DNS validation records written into Route
 * 53 (the zone given, or for each record the longest public match of the
 * account's zones), once each even for a wildcard and its base, then
 * waited for until INSYNC.  A Route 53 failure is shown on the request
 * (last_error) and tried again after a back-off.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "aws/aws.h"
#include "aws/services.h"
#include "intent.h"
#include "log.h"
#include "rec.h"
#include "request-poll.h"
#include "requests.h"
#include "xmalloc.h"
#include "zones.h"

/* A failed Route 53 step waits 30 s, doubling, up to the poll's longest. */
static const struct intent_kind req_r53_kind = {
	.what = "Route 53 challenge",
	.retry_base = 30,
	.retry_max = REQ_POLL_MAX,
	.retry_every = 1,
};

/* Route 53: write every validation CNAME, once each, then wait INSYNC. */

/*
 * A Route 53 step failed: the request says so (request show, list) and
 * the challenge is tried again after a back-off.
 */
static void
req_challenge_failed(struct req_poll *p, const char *what, const char *msg)
{
	json_t		*ch = json_object_get(p->rec, "challenge");
	long long	 n = rec_int(ch, "attempts") + 1, wait;
	char		*err;

	wait = intent_backoff(&req_r53_kind, n);
	xasprintf(&err, "Route 53 %s: %s", what, msg);
	json_object_set_new(ch, "state", json_string("retry"));
	json_object_set_new(ch, "error", json_string(err));
	json_object_set_new(ch, "attempts", json_integer(n));
	json_object_set_new(ch, "next_try", json_integer(time(NULL) + wait));
	json_object_set_new(p->rec, "last_error", json_string(err));
	log_warnx("request %s: %s; trying again in %lld s (attempt %lld)",
	    p->id, err, wait, n);
	free(err);
	p->challenge_failed = 1;
}

static void
req_change_status(struct aws_result *r, void *arg)
{
	struct req_poll	*p = arg;
	json_t		*ch = json_object_get(p->rec, "challenge");
	const char	*st;

	if (r->ok) {
		st = xml_text(r->xml, "ChangeInfo/Status");
		if (st != NULL && strcmp(st, "INSYNC") == 0) {
			json_object_set_new(ch, "insync", json_integer(rec_int(ch,
			    "insync") + 1));
		}
	} else
		log_warnx("request %s: GetChange: %s: %s", p->id, r->err.code,
		    r->err.message);
	if (rec_int(ch, "insync") >= (long long)json_array_size(
	    json_object_get(ch, "changes"))) {
		json_object_set_new(ch, "state", json_string("insync"));
		json_object_del(ch, "error");
		json_object_del(p->rec, "last_error");
		req_set_status(p->rec, "Pending Validation");
	}
	p->step_done(p);
}

static void
req_changed(struct aws_result *r, void *arg)
{
	struct req_poll	*p = arg;
	json_t		*ch = json_object_get(p->rec, "challenge");
	const char	*id;
	char		*msg;

	if (!r->ok) {
		xasprintf(&msg, "%s: %s", r->err.code, r->err.message);
		req_challenge_failed(p, "ChangeResourceRecordSets", msg);
		free(msg);
	} else if ((id = xml_text(r->xml, "ChangeInfo/Id")) != NULL &&
	    strcmp(rec_str(ch, "state"), "upserting") == 0) {
		json_array_append_new(json_object_get(ch, "changes"),
		    json_string(id));
		/* Written: an earlier failure is history. */
		if (!p->challenge_failed)
			json_object_del(p->rec, "last_error");
	}
	p->step_done(p);
}

/*
 * Write the records into zones (the one zone given, or every zone of the
 * account: the longest match for each record).
 */
static void
req_write_records(struct req_poll *p, const json_t *zones)
{
	json_t		*domains = json_object_get(p->rec, "domains"), *d, *rr;
	json_t		*byzone = json_object(), *ch, *list;
	const json_t	*z;
	const char	*name, *zid;
	size_t		 i, n;

	ch = json_object_get(p->rec, "challenge");
	json_array_foreach(domains, i, d) {
		rr = json_object_get(d, "record");
		if ((name = rec_str(rr, "name")) == NULL)
			continue;
		if (strcmp(rec_str(p->rec, "zone_mode"), "zone") == 0)
			z = json_array_get(zones, 0);
		else if ((z = zones_for_name(zones, name)) == NULL) {
			/* Not ours to write: by hand, then (Sync Records). */
			json_object_set_new(ch, "state", json_string("failed"));
			json_object_set_new(ch, "error", json_pack("s++",
			    "no public hosted zone holds ", name, ""));
			continue;
		}
		zid = rec_str(z, "id");
		if ((list = json_object_get(byzone, zid)) == NULL) {
			list = json_object();
			json_object_set_new(byzone, zid, list);
		}
		/* A wildcard and its base share one record: write it once. */
		json_object_set(list, name, json_object_get(rr, "value"));
	}
	if (strcmp(rec_str(ch, "state"), "failed") == 0) {
		json_object_set(p->rec, "last_error", json_object_get(ch,
		    "error"));
		req_set_status(p->rec, "Sync Records");
		p->challenge_failed = 1;
		json_decref(byzone);
		return;
	}
	json_object_set_new(ch, "state", json_string("upserting"));
	json_object_set_new(ch, "changes", json_array());
	json_object_foreach(byzone, zid, list) {
		const char	**names, **values, *k;
		json_t		*v;

		n = json_object_size(list);
		names = xcalloc(n, sizeof *names);
		values = xcalloc(n, sizeof *values);
		i = 0;
		json_object_foreach(list, k, v) {
			names[i] = k;
			values[i++] = json_string_value(v);
		}
		p->pending++;
		route53_change_cname(p->cred, zid, "UPSERT",
		    (const char *const *)names, (const char *const *)values, n,
		    req_changed, p);
		free(names);
		free(values);
	}
	json_decref(byzone);
}

/* The zones to write into: every one of the account, or the one named. */
static void
req_zones(json_t *zones, const char *code, const char *error, void *arg)
{
	struct req_poll	*p = arg;
	const char	*what = strcmp(rec_str(p->rec, "zone_mode"), "auto") == 0 ?
			    "ListHostedZonesByName" : rec_str(p->rec,
			    "hosted_zone");
	char		*msg;

	if (zones == NULL) {
		xasprintf(&msg, "%s: %s", what, error);
		req_challenge_failed(p, "zones", msg);
		free(msg);
	} else {
		if (strcmp(rec_str(p->rec, "zone_mode"), "zone") == 0)
			json_object_set_new(p->rec, "hosted_zone", json_string(
			    rec_str(json_array_get(zones, 0), "id")));
		req_write_records(p, zones);
		json_decref(zones);
	}
	p->step_done(p);
}

void
req_challenge(struct req_poll *p)
{
	json_t		*ch = json_object_get(p->rec, "challenge");
	json_t		*changes;
	const char	*state;
	size_t		 i;

	if (ch == NULL) {
		ch = json_pack("{s:s}", "state", "none");
		json_object_set_new(p->rec, "challenge", ch);
	}
	state = rec_str(ch, "state");
	if (strcmp(state, "insync") == 0 || strcmp(state, "failed") == 0)
		return;
	req_set_status(p->rec, "Deploy Challenge");
	/* Backing off after a Route 53 failure: not yet. */
	if (strcmp(state, "retry") == 0 && !p->force &&
	    rec_int(ch, "next_try") > (long long)time(NULL))
		return;
	if (strcmp(state, "upserting") == 0 &&
	    (changes = json_object_get(ch, "changes")) != NULL &&
	    json_array_size(changes) > 0) {
		json_object_set_new(ch, "insync", json_integer(0));
		for (i = 0; i < json_array_size(changes); i++) {
			p->pending++;
			route53_get_change(p->cred, json_string_value(
			    json_array_get(changes, i)), req_change_status, p);
		}
		return;
	}
	p->pending++;
	if (strcmp(rec_str(p->rec, "zone_mode"), "auto") == 0)
		zones_list(p->cred, req_zones, p);
	else
		zones_resolve(p->cred, rec_str(p->rec, "hosted_zone"),
		    req_zones, p);
}

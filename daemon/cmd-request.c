/*
 * request public/private/list/show/records/sync/deploy-challenge/
 * resend-email: certificates requested from ACM, validated (Route 53 or
 * by hand, or e-mail) and fetched into the repository when issued.
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>

#include <jansson.h>
#include <openssl/rand.h>

#include "acmd.h"
#include "aws/aws.h"
#include "aws/endpoint.h"
#include "aws/services.h"
#include "cmd.h"
#include "creds.h"
#include "inventory.h"
#include "jobs/sched.h"
#include "log.h"
#include "pem.h"
#include "rec.h"
#include "repo.h"
#include "requests.h"
#include "store.h"
#include "xmalloc.h"
#include "zones.h"

#define REQ_WINDOW	(72 * 3600)	/* ACM's validation window */
#define REQ_POLL_MIN	5
#define REQ_POLL_MAX	1800
#define REQ_R53_RETRY	30	/* seconds after a Route 53 failure; doubles */

static struct job	*req_job;
static json_t		*req_busy;	/* id -> true while a poll runs */

static const char *const key_algorithms[] = { "RSA_2048", "EC_prime256v1",
    "EC_secp384r1", NULL };

/* Records. */

static json_t *
req_get(const char *id, char **cause)
{
	struct store_txn	*t;
	json_t			*rec;

	*cause = NULL;
	if ((t = store_begin(acmd.store, 0, cause)) == NULL)
		return (NULL);
	rec = rec_get(t, DB_REQUESTS, id, cause);
	store_abort(t);
	return (rec);
}

static int
req_put(const json_t *rec)
{
	struct store_txn	*t;
	char			*cause = NULL;

	json_object_set_new((json_t *)rec, "updated", json_integer(time(NULL)));
	if ((t = store_begin(acmd.store, 1, &cause)) == NULL ||
	    rec_put(t, DB_REQUESTS, rec_str(rec, "id"), rec, &cause) != 0 ||
	    store_commit(t, &cause) != 0) {
		if (t != NULL && cause != NULL && strstr(cause, "commit") == NULL)
			store_abort(t);
		log_warnx("request %s: cannot record: %s", rec_str(rec, "id"),
		    cause);
		free(cause);
		return (-1);
	}
	return (0);
}

static void
req_set_status(json_t *rec, const char *status)
{
	const char	*old = rec_str(rec, "status");

	if (old != NULL && strcmp(old, status) == 0)
		return;
	log_info("request %s (%s): %s", rec_str(rec, "id"), rec_str(rec,
	    "domain"), status);
	json_object_set_new(rec, "status", json_string(status));
}

/* Validation of names: RFC 1035-ish, with one leading wildcard label. */
static int
valid_domain(const char *d)
{
	regex_t	 r;
	int	 ok;

	if (strlen(d) > 253)
		return (0);
	if (regcomp(&r, "^(\\*\\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
	    "\\.)+[A-Za-z]{2,63}\\.?$", REG_EXTENDED | REG_NOSUB) != 0)
		return (0);
	ok = regexec(&r, d, 0, NULL, 0) == 0;
	regfree(&r);
	return (ok);
}

static char *
repo_name_for(const char *domain)
{
	char	*n, *p;

	if (strncmp(domain, "*.", 2) == 0)
		xasprintf(&n, "wildcard.%s", domain + 2);
	else
		n = xstrdup(domain);
	for (p = n; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("._-", *p) == NULL)
			*p = '-';
	}
	return (n);
}

/* The poller. */

struct req_poll {
	char		*id;
	json_t		*rec;
	struct aws_cred	*cred;
	struct cmd_ctx	*ctx;		/* request sync: answer when done */
	int		 pending;
	int		 force;		/* a person asked: no back-off */
	int		 challenge_cmd;	/* deploy-challenge: fail if it did */
	int		 challenge_failed; /* Route 53 failed in this poll */
};

static void	req_poll_done(struct req_poll *);
static void	req_fetch(struct req_poll *);
static void	req_challenge(struct req_poll *);

static json_t *
req_view(const json_t *rec)
{
	json_t	*v = json_deep_copy(rec);

	json_object_del(v, "token");
	json_object_del(v, "challenge");
	return (v);
}

static void
req_poll_free(struct req_poll *p)
{
	json_object_del(req_busy, p->id);
	free(p->id);
	json_decref(p->rec);
	aws_cred_unref(p->cred);
	free(p);
}

static void
req_schedule_next(json_t *rec)
{
	long long	 polls = rec_int(rec, "polls") + 1;
	long long	 wait = REQ_POLL_MIN;

	/* Back off as the request ages: 5 s doubling every 4 polls. */
	if (polls > 4)
		wait = REQ_POLL_MIN << ((polls - 4) / 4 > 9 ? 9 :
		    (polls - 4) / 4);
	if (wait > REQ_POLL_MAX)
		wait = REQ_POLL_MAX;
	json_object_set_new(rec, "polls", json_integer(polls));
	json_object_set_new(rec, "next_poll", json_integer(time(NULL) + wait));
}

static int
req_final(const json_t *rec)
{
	const char	*s = rec_str(rec, "status");

	return (s != NULL && (strcmp(s, "Issued") == 0 ||
	    strcmp(s, "Failed") == 0 || strcmp(s, "Validation Timed Out") == 0));
}

/*
 * An Issued request --with-key whose key is not known to be stored: due
 * for a look at its version (and an export) when it has not given up and
 * its next_retry has come, or when forced (request sync).
 */
static int
req_key_due(const json_t *rec, int force)
{
	const json_t	*in = json_object_get(rec, "key_export");
	const char	*st = rec_str(in, "state");

	if (!rec_bool(rec, "with_key") || rec_str(rec, "status") == NULL ||
	    strcmp(rec_str(rec, "status"), "Issued") != 0 ||
	    (st != NULL && strcmp(st, "stored") == 0))
		return (0);
	return (force || ((st == NULL || strcmp(st, "failed") != 0) &&
	    rec_int(in, "next_retry") <= (long long)time(NULL)));
}

static void
req_poll_done(struct req_poll *p)
{
	if (--p->pending > 0)
		return;
	if (!req_final(p->rec))
		req_schedule_next(p->rec);
	/* Written first: the key's attempts go into the stored record. */
	if (req_put(p->rec) == 0 && req_key_due(p->rec, 0))
		lifecycle_request_key(p->rec, 0);
	if (p->ctx != NULL && p->challenge_cmd && p->challenge_failed)
		cmd_reply_error(p->ctx, PROTO_EAWS, "request %s: %s (status: %s)",
		    p->id, rec_str(p->rec, "last_error") ? rec_str(p->rec,
		    "last_error") : "the challenge failed", rec_str(p->rec,
		    "status"));
	else if (p->ctx != NULL)
		cmd_reply_json(p->ctx, req_view(p->rec));
	req_poll_free(p);
}

/* cert is stored already: the request's version is that one. */
static void
req_link_stored(struct store_txn *t, json_t *rec, const char *cert,
    char **cause)
{
	struct pem_certinfo	*ci = NULL;
	char			*name = NULL;
	long			 version;

	free(*cause);
	*cause = NULL;
	if (pem_certinfo_parse(cert, strlen(cert), &ci, cause) == 0 &&
	    repo_find_fingerprint(t, ci->sha256, &name, &version, cause) == 1) {
		json_object_set_new(rec, "name", json_string(name));
		json_object_set_new(rec, "version", json_integer(version));
	}
	pem_certinfo_free(ci);
	free(name);
}

/*
 * What acmd asked ACM for goes into the inventory at once (the rest comes
 * with the next discovery): cert NULL while it is not issued.
 */
static int
req_note(struct store_txn *t, const json_t *rec, const char *status,
    const char *cert, const char *chain, char **cause)
{
	json_t	*set, *sans;
	size_t	 i;
	int	 ret;

	set = json_pack("{s:s, s:s}", "type", strcmp(rec_str(rec, "kind"),
	    "private") == 0 ? "Private" : "Amazon Issued", "status", status);
	if (cert == NULL) {
		sans = json_array();
		json_array_append_new(sans, json_string(rec_str(rec, "domain")));
		for (i = 0; i < json_array_size(json_object_get(rec, "sans"));
		    i++)
			json_array_append(sans, json_array_get(
			    json_object_get(rec, "sans"), i));
		json_object_set_new(set, "domain", json_string(rec_str(rec,
		    "domain")));
		json_object_set_new(set, "sans", sans);
	}
	if (rec_str(rec, "name") != NULL && rec_int(rec, "version") > 0)
		json_object_set_new(set, "linked", json_pack("{s:s, s:I}",
		    "name", rec_str(rec, "name"), "version",
		    (json_int_t)rec_int(rec, "version")));
	ret = inv_note(t, rec_str(rec, "arn"), rec_str(rec, "credential"), set,
	    cert, chain, cause);
	json_decref(set);
	return (ret);
}

/* req_note in a transaction of its own, for a request just made. */
static void
req_note_alone(const json_t *rec)
{
	struct store_txn	*t;
	char			*cause = NULL;

	if ((t = store_begin(acmd.store, 1, &cause)) != NULL &&
	    req_note(t, rec, "PENDING_VALIDATION", NULL, NULL, &cause) != 0) {
		store_abort(t);
		t = NULL;
	}
	if (t == NULL || store_commit(t, &cause) != 0) {
		log_warnx("request %s: inventory: %s", rec_str(rec, "id"),
		    cause);
		free(cause);
	}
}

static void
req_got_cert(struct aws_result *r, void *arg)
{
	struct req_poll		*p = arg;
	struct store_txn	*t;
	enum proto_error	 code;
	const char		*cert, *chain, *name;
	char			*cause = NULL, *f1, *f2, *f3, *msg;
	long			 version;
	json_t			*c;
	int			 exists;

	if (!r->ok) {
		log_warnx("request %s: GetCertificate: %s: %s", p->id,
		    r->err.code, r->err.message);
		req_poll_done(p);
		return;
	}
	cert = rec_str(r->json, "Certificate");
	chain = rec_str(r->json, "CertificateChain");
	name = rec_str(p->rec, "name");
	if (cert == NULL || (t = store_begin(acmd.store, 1, &cause)) == NULL) {
		log_warnx("request %s: %s", p->id, cause ? cause :
		    "no certificate in the answer");
		free(cause);
		req_poll_done(p);
		return;
	}
	c = repo_get(t, name, &cause);
	exists = c != NULL;
	json_decref(c);
	if (repo_add(t, name, cert, chain, NULL, NULL, "request", exists ?
	    REPO_MUST_EXIST : REPO_MUST_BE_NEW, &version, &code, &cause) != 0) {
		/* Fetched before (a restart after the commit): link to it. */
		if (code == PROTO_EEXIST && strstr(cause, "already") != NULL)
			req_link_stored(t, p->rec, cert, &cause);
		store_abort(t);
		if (cause != NULL) {
			log_warnx("request %s: adding to the repository: %s",
			    p->id, cause);
			free(cause);
			req_poll_done(p);
			return;
		}
		version = 0;
	} else {
		json_object_set_new(p->rec, "version", json_integer(version));
		if (req_note(t, p->rec, "ISSUED", cert, chain, &cause) != 0) {
			store_abort(t);
			t = NULL;
		}
		if (t == NULL || store_commit(t, &cause) != 0) {
			log_warnx("request %s: %s", p->id, cause);
			free(cause);
			req_poll_done(p);
			return;
		}
	}
	req_set_status(p->rec, "Issued");
	json_object_del(p->rec, "last_error");
	json_object_set_new(p->rec, "issued_at", json_integer(time(NULL)));
	if (version > 0) {
		json_object_set_new(p->rec, "version", json_integer(version));
		xasprintf(&msg, "certificate %s issued for %s, now version %ld of "
		    "%s", rec_str(p->rec, "arn"), rec_str(p->rec, "domain"),
		    version, name);
		xasprintf(&f1, "CERT_ARN=%s", rec_str(p->rec, "arn"));
		xasprintf(&f2, "REGION=%s", rec_str(p->rec, "region"));
		xasprintf(&f3, "DOMAIN=%s", rec_str(p->rec, "domain"));
		log_event(LOG_NOTICE, "cert-issued", msg, f1, f2, f3,
		    (char *)NULL);
		free(msg);
		free(f1);
		free(f2);
		free(f3);
		repo_new_version(name, version);
	}
	/* Private, asked --with-key: the key follows (req_poll_done). */
	req_poll_done(p);
}

static void
req_fetch(struct req_poll *p)
{
	p->pending++;
	acm_get_certificate(p->cred, rec_str(p->rec, "region"), rec_str(p->rec,
	    "arn"), req_got_cert, p);
}

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

	wait = (long long)REQ_R53_RETRY << (n > 6 ? 6 : n - 1);
	if (wait > REQ_POLL_MAX)
		wait = REQ_POLL_MAX;
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
	req_poll_done(p);
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
	req_poll_done(p);
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
	req_poll_done(p);
}

static void
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

static void
req_described(struct aws_result *r, void *arg)
{
	struct req_poll	*p = arg;
	json_t		*c, *dvo, *d, *domains, *rr;
	const char	*status, *mode;
	size_t		 i;
	int		 records = 1;

	if (!r->ok) {
		log_warnx("request %s: DescribeCertificate: %s: %s", p->id,
		    r->err.code, r->err.message);
		if (strcmp(r->err.code, "ResourceNotFoundException") == 0) {
			req_set_status(p->rec, "Failed");
			json_object_set_new(p->rec, "failure_reason",
			    json_string("the certificate is gone from ACM"));
		}
		req_poll_done(p);
		return;
	}
	c = json_object_get(r->json, "Certificate");
	status = rec_str(c, "Status");
	json_object_set_new(p->rec, "acm_status", json_string(status ?
	    status : "UNKNOWN"));
	domains = json_array();
	dvo = json_object_get(c, "DomainValidationOptions");
	json_array_foreach(dvo, i, d) {
		rr = json_object_get(d, "ResourceRecord");
		json_array_append_new(domains, json_pack("{s:s?, s:s?, s:s?}",
		    "domain", rec_str(d, "DomainName"), "method",
		    rec_str(d, "ValidationMethod"), "status",
		    rec_str(d, "ValidationStatus")));
		if (rr != NULL)
			json_object_set_new(json_array_get(domains, i), "record",
			    json_pack("{s:s?, s:s?, s:s?}", "name",
			    rec_str(rr, "Name"), "type", rec_str(rr, "Type"),
			    "value", rec_str(rr, "Value")));
		else if (rec_str(d, "ValidationMethod") != NULL &&
		    strcmp(rec_str(d, "ValidationMethod"), "DNS") == 0)
			records = 0;
	}
	json_object_set_new(p->rec, "domains", domains);
	if (status == NULL)
		status = "UNKNOWN";
	if (strcmp(status, "ISSUED") == 0)
		req_fetch(p);
	else if (strcmp(status, "FAILED") == 0) {
		req_set_status(p->rec, "Failed");
		json_object_set_new(p->rec, "failure_reason", json_string(
		    rec_str(c, "FailureReason") ? rec_str(c, "FailureReason") :
		    "unknown"));
	} else if (strcmp(status, "VALIDATION_TIMED_OUT") == 0 ||
	    time(NULL) - rec_int(p->rec, "created") > REQ_WINDOW)
		req_set_status(p->rec, "Validation Timed Out");
	else if (strcmp(status, "PENDING_VALIDATION") == 0) {
		mode = rec_str(p->rec, "zone_mode");
		if (strcmp(rec_str(p->rec, "validation"), "EMAIL") == 0)
			req_set_status(p->rec, "Pending Validation");
		else if (!records)
			;	/* ACM has not made the records yet */
		else if (strcmp(mode, "manual") == 0)
			req_set_status(p->rec, "Sync Records");
		else
			req_challenge(p);
	} else
		req_set_status(p->rec, "Failed");
	req_poll_done(p);
}

static void	req_requested(struct aws_result *, void *);

/* Send RequestCertificate with the token stored before. */
static void
req_send(struct req_poll *p)
{
	json_t	*body, *sans;
	size_t	 i;

	body = json_pack("{s:s, s:s}", "DomainName", rec_str(p->rec, "domain"),
	    "IdempotencyToken", rec_str(p->rec, "token"));
	sans = json_object_get(p->rec, "sans");
	if (json_array_size(sans) > 0) {
		json_t *all = json_array();

		json_array_append_new(all, json_string(rec_str(p->rec,
		    "domain")));
		for (i = 0; i < json_array_size(sans); i++)
			json_array_append(all, json_array_get(sans, i));
		json_object_set_new(body, "SubjectAlternativeNames", all);
	}
	if (strcmp(rec_str(p->rec, "kind"), "private") == 0)
		json_object_set_new(body, "CertificateAuthorityArn",
		    json_string(rec_str(p->rec, "ca_arn")));
	else
		json_object_set_new(body, "ValidationMethod",
		    json_string(rec_str(p->rec, "validation")));
	if (rec_str(p->rec, "key_algorithm") != NULL)
		json_object_set_new(body, "KeyAlgorithm",
		    json_string(rec_str(p->rec, "key_algorithm")));
	if (json_array_size(json_object_get(p->rec, "tags")) > 0)
		json_object_set(body, "Tags", json_object_get(p->rec, "tags"));
	p->pending++;
	acm_request_certificate(p->cred, rec_str(p->rec, "region"), body,
	    req_requested, p);
}

static void
req_requested(struct aws_result *r, void *arg)
{
	struct req_poll	*p = arg;
	const char	*arn;
	struct cmd_ctx	*ctx = p->ctx;

	if (!r->ok) {
		req_set_status(p->rec, "Failed");
		json_object_set_new(p->rec, "failure_reason", json_pack("s++",
		    r->err.code, ": ", r->err.message));
		if (ctx != NULL) {
			p->ctx = NULL;
			cmd_reply_aws(ctx, r->err.code, r->err.message);
		}
		req_poll_done(p);
		return;
	}
	if ((arn = rec_str(r->json, "CertificateArn")) != NULL)
		json_object_set_new(p->rec, "arn", json_string(arn));
	req_set_status(p->rec, "Pending Validation");
	log_info("request %s: %s requested: %s", p->id, rec_str(p->rec,
	    "domain"), arn ? arn : "?");
	/* The first look at it comes soon: ACM needs a moment for records. */
	json_object_set_new(p->rec, "next_poll", json_integer(time(NULL) + 2));
	json_object_set_new(p->rec, "polls", json_integer(0));
	req_put(p->rec);
	if (arn != NULL)
		req_note_alone(p->rec);
	if (ctx != NULL) {
		p->ctx = NULL;
		cmd_reply_json(ctx, req_view(p->rec));
	}
	p->pending--;
	req_poll_free(p);
}

#define REQ_SEND	0x1	/* RequestCertificate (with the stored token) */
#define REQ_FORCE	0x2	/* a person asked: no back-off */
#define REQ_CHALLENGE	0x4	/* deploy-challenge: a failure is an error */

/* Start a poll of one request (ctx: reply when done). */
static int
req_poll_start(json_t *rec, struct cmd_ctx *ctx, int flags, char **cause)
{
	int	 send = flags & REQ_SEND;

	struct req_poll	*p;
	const char	*id = rec_str(rec, "id");

	if (json_object_get(req_busy, id) != NULL) {
		xasprintf(cause, "request %s is being looked at already", id);
		json_decref(rec);
		return (-1);
	}
	p = xcalloc(1, sizeof *p);
	p->id = xstrdup(id);
	p->rec = rec;
	p->ctx = ctx;
	p->force = (flags & REQ_FORCE) != 0;
	p->challenge_cmd = (flags & REQ_CHALLENGE) != 0;
	if ((p->cred = creds_get(rec_str(rec, "credential"), cause)) == NULL) {
		p->ctx = NULL;
		req_poll_free(p);
		return (-1);
	}
	json_object_set_new(req_busy, id, json_true());
	p->pending = 1;	/* held while starting */
	if (send || rec_str(rec, "arn") == NULL)
		req_send(p);
	else {
		p->pending++;
		acm_describe_certificate(p->cred, rec_str(rec, "region"),
		    rec_str(rec, "arn"), req_described, p);
	}
	req_poll_done(p);
	return (0);
}

struct req_due {
	json_t	*polls;
	json_t	*keys;		/* Issued, the key due */
};

static int
req_due_cb(const char *key, json_t *rec, void *arg)
{
	struct req_due	*d = arg;

	if (!req_final(rec) && rec_int(rec, "next_poll") <= (long long)time(NULL))
		json_array_append(d->polls, rec);
	else if (req_key_due(rec, 0))
		json_array_append(d->keys, rec);
	return (0);
}

static void
req_job_fn(struct job *j, void *arg)
{
	struct req_due		 d = { json_array(), json_array() };
	json_t			*rec;
	char			*cause = NULL;
	size_t			 i;

	rec_walk(DB_REQUESTS, NULL, req_due_cb, &d, &cause);
	json_array_foreach(d.keys, i, rec)
		lifecycle_request_key(rec, 0);
	json_decref(d.keys);
	for (i = 0; i < json_array_size(d.polls); i++) {
		rec = json_deep_copy(json_array_get(d.polls, i));
		/* A crash after storing the token: same token, same ARN. */
		if (req_poll_start(rec, NULL, rec_str(rec, "arn") == NULL ?
		    REQ_SEND : 0, &cause) != 0) {
			log_debug("requests: %s", cause);
			free(cause);
			cause = NULL;
		}
	}
	json_decref(d.polls);
	free(cause);
	job_done(j, 1, NULL);
}

void
requests_init(void)
{
	req_busy = json_object();
	req_job = sched_add("requests", REQ_POLL_MIN, 1, req_job_fn, NULL);
}

/* Commands. */

/*
 * Store a new request, its token first (a retry or a crash never requests
 * twice), and send it.  rec is taken over.
 */
static void
req_create_store(struct cmd_ctx *ctx, json_t *rec)
{
	struct store_txn	*t;
	unsigned char		 rnd[16];
	char			 id[32], token[33], *cause = NULL;
	uint64_t		 seq;
	size_t			 i;

	if (RAND_bytes(rnd, sizeof rnd) != 1)
		fatalx("no random bytes");
	for (i = 0; i < sizeof rnd; i++)
		snprintf(token + 2 * i, 3, "%02x", rnd[i]);
	json_object_set_new(rec, "token", json_string(token));
	json_object_set_new(rec, "status", json_string("Requesting"));
	if ((t = store_begin(acmd.store, 1, &cause)) == NULL)
		goto fail;
	if (store_next_id(t, "request", &seq, &cause) != 0)
		goto fail_abort;
	snprintf(id, sizeof id, "r-%llu", (unsigned long long)seq);
	json_object_set_new(rec, "id", json_string(id));
	json_object_set_new(rec, "updated", json_integer(time(NULL)));
	if (rec_put(t, DB_REQUESTS, id, rec, &cause) != 0)
		goto fail_abort;
	if (store_commit(t, &cause) != 0)
		goto fail;
	if (req_poll_start(rec, ctx, REQ_SEND, &cause) != 0) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
	}
	return;
fail_abort:
	store_abort(t);
fail:
	cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
	free(cause);
	json_decref(rec);
}

struct req_zoned {
	struct cmd_ctx	*ctx;
	json_t		*rec;
};

/* --hosted-zone resolved (or not): the request goes on, or nothing. */
static void
req_create_zoned(json_t *zones, const char *code, const char *error,
    void *arg)
{
	struct req_zoned	*z = arg;
	const json_t		*zone = json_array_get(zones, 0);
	const char		*given = rec_str(z->rec, "hosted_zone");

	if (zone == NULL) {
		if (code != NULL)
			cmd_reply_error(z->ctx, PROTO_EAWS, "hosted zone %s: %s",
			    given, error);
		else
			cmd_reply_arg_error(z->ctx, "hosted_zone", "%s: %s",
			    given, error);
		json_decref(z->rec);
	} else {
		json_object_set_new(z->rec, "hosted_zone", json_string(
		    rec_str(zone, "id")));
		json_object_set_new(z->rec, "hosted_zone_name", json_string(
		    rec_str(zone, "name")));
		req_create_store(z->ctx, z->rec);
	}
	json_decref(zones);
	free(z);
}

static void
req_create(struct cmd_ctx *ctx, const char *kind)
{
	json_t		*rec = NULL, *sans, *tags;
	char		*domain = NULL, *cred = NULL, *region = NULL;
	char		*validation = NULL, *alg = NULL, *zone = NULL;
	char		*ca = NULL, *name = NULL, *cause = NULL, **sanv = NULL;
	char		**tagv = NULL, *eq;
	struct aws_cred	*c = NULL;
	size_t		 nsans = 0, ntags = 0, i;
	int		 autozone = 0, manual = 0, with_key = 0;

	if (cmd_arg_str(ctx, "credential", 1, &cred) != 0 ||
	    cmd_arg_str(ctx, "region", 1, &region) != 0 ||
	    cmd_arg_str(ctx, "domain", 1, &domain) != 0 ||
	    cmd_arg_strv(ctx, "san", 0, &sanv, &nsans) != 0 ||
	    cmd_arg_strv(ctx, "tag", 0, &tagv, &ntags) != 0 ||
	    cmd_arg_str(ctx, "name", 0, &name) != 0)
		goto out;
	if (strcmp(kind, "public") == 0) {
		if (cmd_arg_str(ctx, "validation", 1, &validation) != 0 ||
		    cmd_arg_str(ctx, "key_algorithm", 0, &alg) != 0 ||
		    cmd_arg_str(ctx, "hosted_zone", 0, &zone) != 0 ||
		    cmd_arg_bool(ctx, "auto_zone", &autozone) != 0 ||
		    cmd_arg_bool(ctx, "manual_dns", &manual) != 0)
			goto out;
	} else if (cmd_arg_str(ctx, "ca", 1, &ca) != 0 ||
	    cmd_arg_bool(ctx, "with_key", &with_key) != 0)
		goto out;
	if (!aws_region_valid(region)) {
		cmd_reply_arg_error(ctx, "region", "unknown region '%s'",
		    region);
		goto out;
	}
	if (!valid_domain(domain)) {
		cmd_reply_arg_error(ctx, "domain", "'%s' is not a domain name "
		    "ACM can certify", domain);
		goto out;
	}
	sans = json_array();
	for (i = 0; i < nsans; i++) {
		if (!valid_domain(sanv[i])) {
			json_decref(sans);
			cmd_reply_arg_error(ctx, "san", "'%s' is not a "
			    "domain name ACM can certify", sanv[i]);
			goto out;
		}
		json_array_append_new(sans, json_string(sanv[i]));
	}
	tags = json_array();
	for (i = 0; i < ntags; i++) {
		if ((eq = strchr(tagv[i], '=')) == NULL || eq == tagv[i]) {
			json_decref(sans);
			json_decref(tags);
			cmd_reply_arg_error(ctx, "tag", "tag '%s' is not "
			    "KEY=VALUE", tagv[i]);
			goto out;
		}
		*eq = '\0';
		json_array_append_new(tags, json_pack("{s:s, s:s}", "Key",
		    tagv[i], "Value", eq + 1));
	}
	rec = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:I}", "kind", kind,
	    "credential", cred, "region", region, "domain", domain, "sans",
	    sans, "tags", tags, "created", (json_int_t)time(NULL));
	if (validation != NULL) {
		for (i = 0; validation[i] != '\0'; i++)
			validation[i] = (char)toupper((unsigned char)validation[i]);
		if (strcmp(validation, "DNS") != 0 &&
		    strcmp(validation, "EMAIL") != 0) {
			cmd_reply_arg_error(ctx, "validation", "--validation is "
			    "dns or email");
			goto out;
		}
		if ((zone != NULL) + autozone + manual > 1) {
			cmd_reply_arg_error(ctx, "hosted_zone", "give one of "
			    "--hosted-zone, --auto-zone and --manual-dns");
			goto out;
		}
		if (strcmp(validation, "EMAIL") == 0 && (zone != NULL ||
		    autozone || manual)) {
			cmd_reply_arg_error(ctx, "validation", "zone options go "
			    "with --validation dns");
			goto out;
		}
		json_object_set_new(rec, "validation", json_string(validation));
		json_object_set_new(rec, "zone_mode", json_string(zone ? "zone" :
		    autozone ? "auto" : "manual"));
		if (zone != NULL)
			json_object_set_new(rec, "hosted_zone", json_string(zone));
	} else {
		json_object_set_new(rec, "validation", json_string("PRIVATE"));
		json_object_set_new(rec, "zone_mode", json_string("none"));
		json_object_set_new(rec, "ca_arn", json_string(ca));
		json_object_set_new(rec, "with_key", json_boolean(with_key));
	}
	if (alg != NULL) {
		for (i = 0; key_algorithms[i] != NULL; i++) {
			if (strcmp(key_algorithms[i], alg) == 0)
				break;
		}
		if (key_algorithms[i] == NULL) {
			cmd_reply_arg_error(ctx, "key_algorithm", "--key-algorithm is "
			    "RSA_2048, EC_prime256v1 or EC_secp384r1");
			goto out;
		}
		json_object_set_new(rec, "key_algorithm", json_string(alg));
	}
	if (name != NULL && !repo_valid_name(name)) {
		cmd_reply_arg_error(ctx, "name", "'%s' is not a valid "
		    "repository name", name);
		goto out;
	}
	if (name == NULL)
		name = repo_name_for(domain);
	json_object_set_new(rec, "name", json_string(name));
	if ((c = creds_get(cred, &cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_ENOTFOUND, "%s", cause);
		goto out;
	}
	if (zone != NULL) {
		/* The zone named must be there before ACM hears anything. */
		struct req_zoned	*z = xcalloc(1, sizeof *z);

		z->ctx = ctx;
		z->rec = rec;
		zones_resolve(c, zone, req_create_zoned, z);
		aws_cred_unref(c);
		rec = NULL;
		goto out;
	}
	aws_cred_unref(c);
	req_create_store(ctx, rec);
	rec = NULL;
out:
	json_decref(rec);
	free(cause);
	free(domain);
	free(cred);
	free(region);
	free(validation);
	free(alg);
	free(zone);
	free(ca);
	free(name);
	mp_strv_free(sanv);
	mp_strv_free(tagv);
}

static void
cmd_request_public_exec(struct cmd_ctx *ctx)
{
	req_create(ctx, "public");
}

const struct cmd_entry cmd_request_public_entry = {
	.name = "request.public",
	.usage = "request public --credential C --region R --domain D "
	    "[--san S]... --validation dns|email [--key-algorithm A] "
	    "[--hosted-zone ID | --auto-zone | --manual-dns] [--tag K=V]... "
	    "[--name NAME]",
	.exec = cmd_request_public_exec,
};

static void
cmd_request_private_exec(struct cmd_ctx *ctx)
{
	req_create(ctx, "private");
}

const struct cmd_entry cmd_request_private_entry = {
	.name = "request.private",
	.usage = "request private --credential C --region R --ca ARN "
	    "--domain D [--san S]... [--with-key] [--name NAME]",
	.exec = cmd_request_private_exec,
};

static int
req_list_cb(const char *key, json_t *rec, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, "
	    "s:s?, s:s?, s:s?}", "id", rec_str(rec, "id"), "domain",
	    rec_str(rec, "domain"), "kind", rec_str(rec, "kind"), "validation",
	    rec_str(rec, "validation"), "region", rec_str(rec, "region"),
	    "status", rec_str(rec, "status"), "arn", rec_str(rec, "arn"),
	    "error", rec_str(rec, "last_error")));
	return (0);
}

static void
cmd_request_list_exec(struct cmd_ctx *ctx)
{
	cmd_reply_walk(ctx, DB_REQUESTS, NULL, req_list_cb, json_array());
}

const struct cmd_entry cmd_request_list_entry = {
	.name = "request.list",
	.usage = "request list",
	.flags = CMD_READONLY,
	.exec = cmd_request_list_exec,
};

static json_t *
req_arg(struct cmd_ctx *ctx)
{
	json_t	*rec;
	char	*id = NULL, *cause = NULL;

	if (cmd_arg_str(ctx, "id", 1, &id) != 0)
		return (NULL);
	rec = req_get(id, &cause);
	if (rec == NULL) {
		if (cause != NULL)
			cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		else
			cmd_reply_error(ctx, PROTO_ENOTFOUND, "no request '%s' "
			    "(acmctl request list)", id);
	}
	free(cause);
	free(id);
	return (rec);
}

static void
cmd_request_show_exec(struct cmd_ctx *ctx)
{
	json_t	*rec;

	if ((rec = req_arg(ctx)) == NULL)
		return;
	cmd_reply_json(ctx, req_view(rec));
	json_decref(rec);
}

const struct cmd_entry cmd_request_show_entry = {
	.name = "request.show",
	.usage = "request show ID",
	.flags = CMD_READONLY,
	.exec = cmd_request_show_exec,
};

static void
cmd_request_records_exec(struct cmd_ctx *ctx)
{
	json_t		*rec, *rows, *d, *rr, *seen;
	const char	*n;
	size_t		 i;

	if ((rec = req_arg(ctx)) == NULL)
		return;
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
		json_decref(rows);
		cmd_reply_error(ctx, PROTO_ESTATE, "request %s is validated by "
		    "%s, not DNS", rec_str(rec, "id"), rec_str(rec,
		    "validation"));
	} else if (json_array_size(rows) == 0) {
		/* Not an error: ACM publishes them a few seconds after. */
		cmd_note(ctx, "ACM has not published the validation records of "
		    "%s yet (status: %s); they appear a few seconds after the "
		    "request: run this again in a moment", rec_str(rec, "id"),
		    rec_str(rec, "status") ? rec_str(rec, "status") : "?");
		cmd_reply_json(ctx, rows);
	} else
		cmd_reply_json(ctx, rows);
	json_decref(rec);
}

const struct cmd_entry cmd_request_records_entry = {
	.name = "request.records",
	.usage = "request records ID",
	.flags = CMD_READONLY,
	.exec = cmd_request_records_exec,
};

static void
cmd_request_sync_exec(struct cmd_ctx *ctx)
{
	json_t	*rec, *now;
	char	*cause = NULL;

	if ((rec = req_arg(ctx)) == NULL)
		return;
	if (req_final(rec)) {
		if (req_key_due(rec, 1)) {
			/* The key: looked for, and exported if due, now. */
			lifecycle_request_key(rec, 1);
			now = req_get(rec_str(rec, "id"), &cause);
			if (now != NULL) {
				json_decref(rec);
				rec = now;
			}
			free(cause);
		}
		cmd_reply_json(ctx, req_view(rec));
		json_decref(rec);
		return;
	}
	/* ACM's answer now; a Route 53 back-off stays (deploy-challenge). */
	if (req_poll_start(rec, ctx, 0, &cause) != 0) {
		cmd_reply_error(ctx, PROTO_EBUSY, "%s", cause);
		free(cause);
	}
}

const struct cmd_entry cmd_request_sync_entry = {
	.name = "request.sync",
	.usage = "request sync ID",
	.exec = cmd_request_sync_exec,
};

static void
cmd_request_challenge_exec(struct cmd_ctx *ctx)
{
	json_t	*rec;
	char	*zone = NULL, *cause = NULL;
	int	 autozone = 0;

	if (cmd_arg_str(ctx, "hosted_zone", 0, &zone) != 0 ||
	    cmd_arg_bool(ctx, "auto_zone", &autozone) != 0 ||
	    (rec = req_arg(ctx)) == NULL) {
		free(zone);
		return;
	}
	if (strcmp(rec_str(rec, "validation"), "DNS") != 0 || req_final(rec)) {
		cmd_reply_error(ctx, PROTO_ESTATE, "request %s is %s, validated "
		    "by %s: no DNS challenge to deploy", rec_str(rec, "id"),
		    rec_str(rec, "status"), rec_str(rec, "validation"));
		json_decref(rec);
		free(zone);
		return;
	}
	if (zone != NULL) {
		json_object_set_new(rec, "zone_mode", json_string("zone"));
		json_object_set_new(rec, "hosted_zone", json_string(zone));
	} else if (autozone || strcmp(rec_str(rec, "zone_mode"),
	    "manual") == 0) {
		json_object_set_new(rec, "zone_mode", json_string("auto"));
		json_object_del(rec, "hosted_zone");
	}
	json_object_set_new(rec, "challenge", json_pack("{s:s}", "state",
	    "none"));
	free(zone);
	if (req_poll_start(rec, ctx, REQ_FORCE | REQ_CHALLENGE, &cause) != 0) {
		cmd_reply_error(ctx, PROTO_EBUSY, "%s", cause);
		free(cause);
	}
}

const struct cmd_entry cmd_request_challenge_entry = {
	.name = "request.deploy-challenge",
	.usage = "request deploy-challenge ID [--hosted-zone ID | --auto-zone]",
	.exec = cmd_request_challenge_exec,
};

struct req_resend {
	struct cmd_ctx	*ctx;
	int		 pending;
	int		 failed;
	char		*error;
};

static void
req_resent(struct aws_result *r, void *arg)
{
	struct req_resend	*rs = arg;

	if (!r->ok && rs->error == NULL)
		xasprintf(&rs->error, "%s: %s", r->err.code, r->err.message);
	if (--rs->pending > 0)
		return;
	if (rs->error != NULL)
		cmd_reply_error(rs->ctx, PROTO_EAWS, "%s", rs->error);
	else
		cmd_reply_json(rs->ctx, json_pack("{s:s}", "result",
		    "validation e-mail sent again"));
	free(rs->error);
	free(rs);
}

static void
cmd_request_resend_exec(struct cmd_ctx *ctx)
{
	struct req_resend	*rs;
	struct aws_cred		*c;
	json_t			*rec, *d, *doms;
	char			*only = NULL, *cause = NULL;
	size_t			 i;

	if (cmd_arg_str(ctx, "domain", 0, &only) != 0 ||
	    (rec = req_arg(ctx)) == NULL) {
		free(only);
		return;
	}
	if (strcmp(rec_str(rec, "validation"), "EMAIL") != 0 ||
	    req_final(rec)) {
		cmd_reply_error(ctx, PROTO_ESTATE, "request %s is not waiting for "
		    "e-mail validation (%s, validated by %s)", rec_str(rec, "id"),
		    rec_str(rec, "status"), rec_str(rec, "validation"));
		goto out;
	}
	if (rec_str(rec, "arn") == NULL) {
		cmd_reply_error(ctx, PROTO_ESTATE, "request %s has not reached "
		    "ACM yet (status: %s): wait until request show gives its "
		    "ARN, then resend", rec_str(rec, "id"), rec_str(rec,
		    "status"));
		goto out;
	}
	if ((c = creds_get(rec_str(rec, "credential"), &cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_ENOTFOUND, "%s", cause);
		goto out;
	}
	rs = xcalloc(1, sizeof *rs);
	rs->ctx = ctx;
	rs->pending = 1;
	/*
	 * The domains ACM validates: from its answer once a poll has seen
	 * them, else the ones requested (ACM knows them from the start).
	 */
	doms = json_array();
	json_array_foreach(json_object_get(rec, "domains"), i, d) {
		if (rec_str(d, "domain") != NULL)
			json_array_append_new(doms, json_string(rec_str(d,
			    "domain")));
	}
	if (json_array_size(doms) == 0) {
		json_array_append_new(doms, json_string(rec_str(rec, "domain")));
		json_array_extend(doms, json_object_get(rec, "sans"));
	}
	json_array_foreach(doms, i, d) {
		const char *dom = json_string_value(d);

		if (dom == NULL || (only != NULL && strcasecmp(only, dom) != 0))
			continue;
		rs->pending++;
		acm_resend_validation_email(c, rec_str(rec, "region"),
		    rec_str(rec, "arn"), dom, dom, req_resent, rs);
	}
	json_decref(doms);
	aws_cred_unref(c);
	if (rs->pending == 1) {
		free(rs);
		cmd_reply_arg_error(ctx, "domain", "request %s is not for %s "
		    "(it is for %s)", rec_str(rec, "id"), only, rec_str(rec,
		    "domain"));
		goto out;
	}
	/* Drop the hold (no AWS call answers synchronously). */
	rs->pending--;
out:
	json_decref(rec);
	free(only);
	free(cause);
}

const struct cmd_entry cmd_request_resend_entry = {
	.name = "request.resend-email",
	.usage = "request resend-email ID [--domain D]",
	.exec = cmd_request_resend_exec,
};

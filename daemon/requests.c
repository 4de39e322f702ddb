/*
 * The requests engine: certificates requested from ACM (requests.h),
 * their IdempotencyToken stored before the call, polled with a back-off
 * as they age, validated (Route 53 through challenge.c, or by hand, or
 * e-mail) and fetched into the repository when issued.
 */
#include <ctype.h>
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
#include "aws/services.h"
#include "creds.h"
#include "intent.h"
#include "inventory.h"
#include "keys.h"
#include "log.h"
#include "pem.h"
#include "rec.h"
#include "repo.h"
#include "request-poll.h"
#include "requests.h"
#include "store.h"
#include "xmalloc.h"
#include "zones.h"

#define REQ_WINDOW	(72 * 3600)	/* ACM's validation window */

/* Polls back off as a request ages: 5 s, doubling every 4 polls. */
static const struct intent_kind req_poll_kind = {
	.what = "request poll",
	.retry_base = REQ_POLL_MIN,
	.retry_max = REQ_POLL_MAX,
	.retry_every = 4,
};


/* Records. */

struct req_write {
	const json_t	*rec;
};

static int
req_put_fn(struct store_txn *t, void *arg, char **cause)
{
	const json_t	*rec = arg;

	return (rec_put(t, DB_REQUESTS, rec_str(rec, "id"), rec, cause));
}

static int
req_put(const json_t *rec)
{
	char	*cause = NULL;

	json_object_set_new((json_t *)rec, "updated", json_integer(time(NULL)));
	if (store_write(acmd.store, req_put_fn, (void *)rec, &cause) != 0) {
		log_warnx("request %s: cannot record: %s", rec_str(rec, "id"),
		    cause);
		free(cause);
		return (-1);
	}
	return (0);
}

/* The poller. */

static void	req_fetch(struct req_poll *);

static void
req_poll_free(struct req_poll *p)
{
	intent_release(&req_poll_kind, p->id);
	free(p->id);
	json_decref(p->rec);
	aws_cred_unref(p->cred);
	free(p);
}

static void
req_schedule_next(json_t *rec)
{
	long long	 polls = rec_int(rec, "polls") + 1;
	long long	 wait = intent_backoff(&req_poll_kind, polls);

	json_object_set_new(rec, "polls", json_integer(polls));
	json_object_set_new(rec, "next_poll", json_integer(time(NULL) + wait));
}

void
req_poll_done(struct req_poll *p)
{
	if (--p->pending > 0)
		return;
	if (!req_final(p->rec))
		req_schedule_next(p->rec);
	/* Written first: the key's attempts go into the stored record. */
	if (req_put(p->rec) == 0 && req_key_due(p->rec, 0))
		keys_for_request(p->rec, 0);
	if (p->challenge_cmd && p->challenge_failed)
		op_fail(&p->reply, PROTO_EAWS, "request %s: %s (status: %s)",
		    p->id, rec_str(p->rec, "last_error") ? rec_str(p->rec,
		    "last_error") : "the challenge failed", rec_str(p->rec,
		    "status"));
	else if (p->reply.done != NULL)
		op_ok(&p->reply, req_view(p->rec));
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

static int
req_note_fn(struct store_txn *t, void *arg, char **cause)
{
	return (req_note(t, arg, "PENDING_VALIDATION", NULL, NULL, cause));
}

/* req_note in a transaction of its own, for a request just made. */
static void
req_note_alone(const json_t *rec)
{
	char	*cause = NULL;

	if (store_write(acmd.store, req_note_fn, (void *)rec, &cause) != 0) {
		log_warnx("request %s: inventory: %s", rec_str(rec, "id"),
		    cause);
		free(cause);
	}
}

/* An issued certificate into the repository, and the inventory. */
struct req_store {
	json_t		*rec;
	const char	*cert, *chain;
	long		 version;	/* 0: stored before, linked to */
};

static int
req_store_fn(struct store_txn *t, void *arg, char **cause)
{
	struct req_store	*rs = arg;
	const char		*name = rec_str(rs->rec, "name");
	enum repo_err		 err;
	json_t			*c;
	int			 exists;

	c = repo_get(t, name, cause);
	exists = c != NULL;
	json_decref(c);
	if (repo_add(t, &(struct repo_input){ .name = name, .cert = rs->cert,
	    .chain = rs->chain, .source = "request", .mode = exists ?
	    REPO_MUST_EXIST : REPO_MUST_BE_NEW }, &rs->version, &err,
	    cause) != 0) {
		/* Fetched before (a restart after the commit): link to it. */
		if (err != REPO_EDUP)
			return (-1);
		req_link_stored(t, rs->rec, rs->cert, cause);
		rs->version = 0;
		return (*cause != NULL ? -1 : 0);
	}
	json_object_set_new(rs->rec, "version", json_integer(rs->version));
	return (req_note(t, rs->rec, "ISSUED", rs->cert, rs->chain, cause));
}

static void
req_got_cert(struct aws_result *r, void *arg)
{
	struct req_poll		*p = arg;
	struct req_store	 rs = { .rec = p->rec };
	const char		*name;
	char			*cause = NULL, *f1, *f2, *f3, *msg;
	long			 version;

	if (!r->ok) {
		log_warnx("request %s: GetCertificate: %s: %s", p->id,
		    r->err.code, r->err.message);
		req_poll_done(p);
		return;
	}
	rs.cert = rec_str(r->json, "Certificate");
	rs.chain = rec_str(r->json, "CertificateChain");
	name = rec_str(p->rec, "name");
	if (rs.cert == NULL) {
		log_warnx("request %s: no certificate in the answer", p->id);
		req_poll_done(p);
		return;
	}
	if (store_write(acmd.store, req_store_fn, &rs, &cause) != 0) {
		log_warnx("request %s: adding to the repository: %s", p->id,
		    cause);
		free(cause);
		req_poll_done(p);
		return;
	}
	version = rs.version;
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
	/* An exportable public certificate (ACM, June 2025). */
	if (rec_bool(p->rec, "exportable"))
		json_object_set_new(body, "Options", json_pack("{s:s}",
		    "Export", "ENABLED"));
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
	struct op_reply	 reply = p->reply;
	json_t		*v;

	p->reply = OP_NONE;
	if (!r->ok) {
		req_set_status(p->rec, "Failed");
		json_object_set_new(p->rec, "failure_reason", json_pack("s++",
		    r->err.code, ": ", r->err.message));
		op_fail_aws(&reply, &r->err, NULL);
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
	v = req_view(p->rec);
	if (rec_bool(p->rec, "with_key"))
		json_object_set_new(v, "note", json_string(rec_bool(p->rec,
		    "auto_export") ? "AWS charges for each export of the key: "
		    "acmd exports it once when issued and once after each "
		    "renewal" : "AWS charges for each export of the key: acmd "
		    "exports it once"));
	op_ok(&reply, v);
	p->pending--;
	req_poll_free(p);
}

int
req_poll_start(json_t *rec, struct op_reply reply, int flags, char **cause)
{
	struct req_poll	*p;
	const char	*id = rec_str(rec, "id");
	int		 send = flags & REQ_SEND;

	if (intent_held(&req_poll_kind, id)) {
		xasprintf(cause, "request %s is being looked at already", id);
		json_decref(rec);
		return (-1);
	}
	p = xcalloc(1, sizeof *p);
	p->id = xstrdup(id);
	p->rec = rec;
	p->reply = reply;
	p->step_done = req_poll_done;
	p->force = (flags & REQ_FORCE) != 0;
	p->challenge_cmd = (flags & REQ_CHALLENGE) != 0;
	if ((p->cred = creds_get(rec_str(rec, "credential"), cause)) == NULL) {
		req_poll_free(p);
		return (-1);
	}
	intent_hold(&req_poll_kind, id);
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
	int	 hurry;
};

/* A key export that has not given up (hurry: whatever its next_retry). */
static int
req_key_hurried(const json_t *rec)
{
	const char	*st = rec_str(json_object_get(rec, "key_export"),
			    "state");

	return (req_key_due(rec, 1) && (st == NULL || strcmp(st,
	    "failed") != 0));
}

static int
req_due_cb(const char *key, json_t *rec, void *arg)
{
	struct req_due	*d = arg;

	if (!req_final(rec) && (d->hurry || rec_int(rec, "next_poll") <=
	    (long long)time(NULL)))
		json_array_append(d->polls, rec);
	else if (req_key_due(rec, 0) || (d->hurry && req_key_hurried(rec)))
		json_array_append(d->keys, rec);
	return (0);
}

int
requests_poll_due(int hurry, size_t *keys, char **cause)
{
	struct req_due	 d = { json_array(), json_array(), hurry };
	json_t		*rec;
	size_t		 i;

	if (rec_walk(DB_REQUESTS, NULL, req_due_cb, &d, cause) != 0) {
		json_decref(d.polls);
		json_decref(d.keys);
		return (-1);
	}
	*keys = json_array_size(d.keys);
	json_array_foreach(d.keys, i, rec)
		keys_for_request(rec, hurry);
	json_decref(d.keys);
	for (i = 0; i < json_array_size(d.polls); i++) {
		rec = json_deep_copy(json_array_get(d.polls, i));
		/* A crash after storing the token: same token, same ARN. */
		if (req_poll_start(rec, OP_NONE, rec_str(rec, "arn") == NULL ?
		    REQ_SEND : 0, cause) != 0) {
			log_debug("requests: %s", *cause);
			free(*cause);
			*cause = NULL;
		}
	}
	json_decref(d.polls);
	return (0);
}

/* Requests someone asked for. */

void
request_spec_free(struct request_spec *s)
{
	if (s == NULL)
		return;
	free(s->credential);
	free(s->region);
	free(s->domain);
	free(s->name);
	json_decref(s->sans);
	json_decref(s->tags);
	free(s->validation);
	free(s->key_algorithm);
	free(s->hosted_zone);
	free(s->ca);
	free(s);
}

/* The record a spec becomes (without its token and id yet). */
static json_t *
req_record(const struct request_spec *s)
{
	json_t	*rec;
	char	*name;

	rec = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:I}", "kind", s->kind,
	    "credential", s->credential, "region", s->region, "domain",
	    s->domain, "sans", s->sans, "tags", s->tags, "created",
	    (json_int_t)time(NULL));
	if (strcmp(s->kind, "public") == 0) {
		json_object_set_new(rec, "validation",
		    json_string(s->validation));
		json_object_set_new(rec, "zone_mode", json_string(s->hosted_zone ?
		    "zone" : s->auto_zone ? "auto" : "manual"));
		if (s->hosted_zone != NULL)
			json_object_set_new(rec, "hosted_zone",
			    json_string(s->hosted_zone));
		json_object_set_new(rec, "exportable",
		    json_boolean(s->exportable));
	} else {
		json_object_set_new(rec, "validation", json_string("PRIVATE"));
		json_object_set_new(rec, "zone_mode", json_string("none"));
		json_object_set_new(rec, "ca_arn", json_string(s->ca));
	}
	json_object_set_new(rec, "with_key", json_boolean(s->with_key));
	json_object_set_new(rec, "auto_export", json_boolean(s->auto_export));
	if (s->key_algorithm != NULL)
		json_object_set_new(rec, "key_algorithm",
		    json_string(s->key_algorithm));
	name = s->name != NULL ? xstrdup(s->name) :
	    repo_name_for_domain(s->domain, NULL);
	json_object_set_new(rec, "name", json_string(name));
	free(name);
	return (rec);
}

/* In t: a request id, and the record under it. */
static int
req_create_fn(struct store_txn *t, void *arg, char **cause)
{
	json_t		*rec = arg;
	uint64_t	 seq;
	char		 id[32];

	if (store_next_id(t, "request", &seq, cause) != 0)
		return (-1);
	snprintf(id, sizeof id, "r-%llu", (unsigned long long)seq);
	json_object_set_new(rec, "id", json_string(id));
	json_object_set_new(rec, "updated", json_integer(time(NULL)));
	return (rec_put(t, DB_REQUESTS, id, rec, cause));
}

/*
 * Store a new request, its token first (a retry or a crash never requests
 * twice), and send it.  rec is taken over.
 */
static void
req_create_store(json_t *rec, struct op_reply reply)
{
	unsigned char	 rnd[16];
	char		 token[33], *cause = NULL;
	size_t		 i;

	if (RAND_bytes(rnd, sizeof rnd) != 1)
		fatalx("no random bytes");
	for (i = 0; i < sizeof rnd; i++)
		snprintf(token + 2 * i, 3, "%02x", rnd[i]);
	json_object_set_new(rec, "token", json_string(token));
	json_object_set_new(rec, "status", json_string("Requesting"));
	if (store_write(acmd.store, req_create_fn, rec, &cause) != 0) {
		op_fail(&reply, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		json_decref(rec);
		return;
	}
	if (req_poll_start(rec, reply, REQ_SEND, &cause) != 0) {
		op_fail(&reply, PROTO_EINTERNAL, "%s", cause);
		free(cause);
	}
}

struct req_zoned {
	struct op_reply	 reply;
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
			op_fail(&z->reply, PROTO_EAWS, "hosted zone %s: %s",
			    given, error);
		else
			op_fail_arg(&z->reply, "hosted_zone", "%s: %s", given,
			    error);
		json_decref(z->rec);
	} else {
		json_object_set_new(z->rec, "hosted_zone", json_string(
		    rec_str(zone, "id")));
		json_object_set_new(z->rec, "hosted_zone_name", json_string(
		    rec_str(zone, "name")));
		req_create_store(z->rec, z->reply);
	}
	json_decref(zones);
	free(z);
}

void
requests_create(struct request_spec *s, struct op_reply reply)
{
	struct aws_cred		*c;
	struct req_zoned	*z;
	json_t			*rec;
	char			*cause = NULL;

	if ((c = creds_get(s->credential, &cause)) == NULL) {
		op_fail(&reply, PROTO_ENOTFOUND, "%s", cause);
		free(cause);
		request_spec_free(s);
		return;
	}
	rec = req_record(s);
	if (s->hosted_zone != NULL) {
		/* The zone named must be there before ACM hears anything. */
		z = xcalloc(1, sizeof *z);
		z->reply = reply;
		z->rec = rec;
		zones_resolve(c, s->hosted_zone, req_create_zoned, z);
	} else
		req_create_store(rec, reply);
	aws_cred_unref(c);
	request_spec_free(s);
}

void
requests_sync(const char *id, struct op_reply reply)
{
	json_t	*rec, *now;
	char	*cause = NULL;

	if ((rec = req_find(id, &reply)) == NULL)
		return;
	if (req_final(rec)) {
		if (req_key_due(rec, 1)) {
			/* The key: looked for, and exported if due, now. */
			keys_for_request(rec, 1);
			if ((now = req_get(rec_str(rec, "id"), &cause)) != NULL) {
				json_decref(rec);
				rec = now;
			}
			free(cause);
		}
		op_ok(&reply, req_view(rec));
		json_decref(rec);
		return;
	}
	/* ACM's answer now; a Route 53 back-off stays (deploy-challenge). */
	if (req_poll_start(rec, reply, 0, &cause) != 0) {
		op_fail(&reply, PROTO_EBUSY, "%s", cause);
		free(cause);
	}
}

struct req_resend {
	struct op_reply	 reply;
	int		 pending;
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
		op_fail(&rs->reply, PROTO_EAWS, "%s", rs->error);
	else
		op_ok(&rs->reply, json_pack("{s:s}", "result",
		    "validation e-mail sent again"));
	free(rs->error);
	free(rs);
}

/*
 * The domains ACM validates: from its answer once a poll has seen them,
 * else the ones requested (ACM knows them from the start).
 */
static json_t *
req_domains(const json_t *rec)
{
	json_t	*doms = json_array(), *d;
	size_t	 i;

	json_array_foreach(json_object_get(rec, "domains"), i, d) {
		if (rec_str(d, "domain") != NULL)
			json_array_append_new(doms, json_string(rec_str(d,
			    "domain")));
	}
	if (json_array_size(doms) == 0) {
		json_array_append_new(doms, json_string(rec_str(rec, "domain")));
		json_array_extend(doms, json_object_get(rec, "sans"));
	}
	return (doms);
}

void
requests_resend(const char *id, const char *only, struct op_reply reply)
{
	struct req_resend	*rs;
	struct aws_cred		*c;
	json_t			*rec, *doms, *d;
	char			*cause = NULL;
	size_t			 i;

	if ((rec = req_find(id, &reply)) == NULL)
		return;
	if (strcmp(rec_str(rec, "validation"), "EMAIL") != 0 ||
	    req_final(rec)) {
		op_fail(&reply, PROTO_ESTATE, "request %s is not waiting for "
		    "e-mail validation (%s, validated by %s)", rec_str(rec, "id"),
		    rec_str(rec, "status"), rec_str(rec, "validation"));
		goto out;
	}
	if (rec_str(rec, "arn") == NULL) {
		op_fail(&reply, PROTO_ESTATE, "request %s has not reached ACM "
		    "yet (status: %s): wait until request show gives its ARN, "
		    "then resend", rec_str(rec, "id"), rec_str(rec, "status"));
		goto out;
	}
	if ((c = creds_get(rec_str(rec, "credential"), &cause)) == NULL) {
		op_fail(&reply, PROTO_ENOTFOUND, "%s", cause);
		goto out;
	}
	rs = xcalloc(1, sizeof *rs);
	rs->reply = reply;
	rs->pending = 1;
	doms = req_domains(rec);
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
		op_fail_arg(&reply, "domain", "request %s is not for %s (it is "
		    "for %s)", rec_str(rec, "id"), only, rec_str(rec, "domain"));
		goto out;
	}
	/* Drop the hold (no AWS call answers synchronously). */
	rs->pending--;
out:
	json_decref(rec);
	free(cause);
}

void
requests_challenge(const char *id, const char *zone, int autozone,
    struct op_reply reply)
{
	json_t	*rec;
	char	*cause = NULL;

	if ((rec = req_find(id, &reply)) == NULL)
		return;
	if (strcmp(rec_str(rec, "validation"), "DNS") != 0 || req_final(rec)) {
		op_fail(&reply, PROTO_ESTATE, "request %s is %s, validated by "
		    "%s: no DNS challenge to deploy", rec_str(rec, "id"),
		    rec_str(rec, "status"), rec_str(rec, "validation"));
		json_decref(rec);
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
	if (req_poll_start(rec, reply, REQ_FORCE | REQ_CHALLENGE,
	    &cause) != 0) {
		op_fail(&reply, PROTO_EBUSY, "%s", cause);
		free(cause);
	}
}

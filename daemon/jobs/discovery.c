#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "aws/aws.h"
#include "aws/endpoint.h"
#include "aws/services.h"
#include "conf.h"
#include "creds.h"
#include "discovery.h"
#include "discovery-int.h"
#include "inventory.h"
#include "log.h"
#include "mp.h"
#include "pem.h"
#include "rec.h"
#include "repo.h"
#include "sched.h"
#include "store.h"
#include "util.h"
#include "xmalloc.h"

#define DISC_PAGE	1000
#define DISC_PROGRESS_MS 250

static struct disc_run	*running;
static struct job	*disc_job;
static struct job	*disc_next_job;	/* the job a starting run belongs to */
static void		(*disc_done_hook)(void);

static void	disc_region_step(struct disc_region *);
static void	disc_unit_done(struct disc_region *);

/*
 * ACM answers "RSA-2048", "EC-prime256v1" where its API's enum (and what
 * acmd reads from certificates) says RSA_2048: one spelling, the enum's.
 */
static json_t *
key_algorithm(const char *alg)
{
	json_t	*v;
	char	*s, *p;

	if (alg == NULL)
		return (NULL);
	s = xstrdup(alg);
	for (p = s; *p != '\0'; p++) {
		if (*p == '-')
			*p = '_';
	}
	v = json_string(s);
	free(s);
	return (v);
}

static const char *
type_name(const char *acm_type)
{
	if (acm_type == NULL)
		return ("Unknown");
	if (strcmp(acm_type, "AMAZON_ISSUED") == 0)
		return ("Amazon Issued");
	if (strcmp(acm_type, "PRIVATE") == 0)
		return ("Private");
	if (strcmp(acm_type, "IMPORTED") == 0)
		return ("Imported");
	return (acm_type);
}

static void
disc_progress(struct disc_run *run, const char *what, int force)
{
	uint64_t	 now = now_ms();
	char		*msg;

	if (run->reply.progress == NULL)
		return;
	if (!force && now - run->last_progress < DISC_PROGRESS_MS)
		return;
	run->last_progress = now;
	xasprintf(&msg, "%s (%llu certificates seen)", what,
	    (unsigned long long)run->certs_seen);
	op_progress(&run->reply, run->units_done, run->nunits, msg);
	free(msg);
}

static void
disc_cert_free(struct disc_cert *c)
{
	free(c->arn);
	free(c->name);
	json_decref(c->summary);
	json_decref(c->desc);
	json_decref(c->tags);
	free(c->cert);
	free(c->chain);
	free(c);
}

static json_t *
epoch(json_t *v)
{
	if (json_is_number(v))
		return (json_integer((json_int_t)json_number_value(v)));
	return (NULL);
}

static void
set_if(json_t *o, const char *k, json_t *v)
{
	if (v != NULL)
		json_object_set_new(o, k, v);
}

/*
 * An error in the unit, counted; the first is the unit's error, shown
 * with it (what failed, AWS's code and message; about is an ARN or NULL).
 */
static void
disc_region_error(struct disc_region *r, struct aws_result *res,
    const char *about)
{
	if (r->error == NULL) {
		xasprintf(&r->error, "%s%s%s: %s: %s", res->op ? res->op : "?",
		    about ? " " : "", about ? about : "", res->err.code,
		    res->err.message);
		r->network = res->err.network;
	} else if (!res->err.network)
		r->network = 0;
	r->errors++;
}

/* ACM's tags as a map, or the ones known before when they were not read. */
static json_t *
disc_tags(const struct disc_cert *c)
{
	json_t	*tags, *tl, *tg;
	size_t	 i;

	if (c->tags == NULL)
		return (json_incref(json_object_get(json_object_get(
		    c->r->existing, c->arn), "tags")));
	tags = json_object();
	tl = json_object_get(c->tags, "Tags");
	json_array_foreach(tl, i, tg) {
		if (rec_str(tg, "Key") != NULL)
			json_object_set_new(tags, rec_str(tg, "Key"),
			    json_string(rec_str(tg, "Value") ? rec_str(tg,
			    "Value") : ""));
	}
	return (tags);
}

/* The inventory's record of a certificate ACM described. */
static json_t *
disc_cert_record(const struct disc_cert *c)
{
	struct disc_region	*r = c->r;
	json_t			*d = c->desc, *rec, *v;
	struct pem_certinfo	*ci = NULL;
	char			*cause = NULL;

	rec = json_object();
	json_object_set_new(rec, "account", json_string(r->account));
	json_object_set_new(rec, "region", json_string(r->region));
	json_object_set_new(rec, "arn", json_string(c->arn));
	json_object_set_new(rec, "credential", json_string(r->cred_name));
	json_object_set_new(rec, "type", json_string(type_name(rec_str(d,
	    "Type"))));
	json_object_set_new(rec, "status", json_string(rec_str(d, "Status") ?
	    rec_str(d, "Status") : "UNKNOWN"));
	json_object_set_new(rec, "domain", json_string(rec_str(d,
	    "DomainName") ? rec_str(d, "DomainName") : ""));
	v = json_object_get(d, "SubjectAlternativeNames");
	json_object_set(rec, "sans", json_is_array(v) ? v : json_array());
	set_if(rec, "key_algorithm", key_algorithm(rec_str(d,
	    "KeyAlgorithm")));
	set_if(rec, "serial", json_incref(json_object_get(d, "Serial")));
	set_if(rec, "renewal_eligibility", json_incref(json_object_get(d,
	    "RenewalEligibility")));
	set_if(rec, "not_before", epoch(json_object_get(d, "NotBefore")));
	set_if(rec, "not_after", epoch(json_object_get(d, "NotAfter")));
	set_if(rec, "created_at", epoch(json_object_get(d, "CreatedAt")));
	set_if(rec, "failure_reason", json_incref(json_object_get(d,
	    "FailureReason")));
	v = json_object_get(d, "InUseBy");
	json_object_set(rec, "in_use_by", json_is_array(v) ? v : json_array());
	set_if(rec, "ca_arn", json_incref(json_object_get(d,
	    "CertificateAuthorityArn")));
	set_if(rec, "domain_validation", json_incref(json_object_get(d,
	    "DomainValidationOptions")));
	set_if(rec, "tags", disc_tags(c));
	/* What an incremental discovery compares the next listing with. */
	set_if(rec, "summary", json_incref(c->summary));
	if (c->cert == NULL)
		return (rec);
	if (pem_certinfo_parse(c->cert, strlen(c->cert), &ci, &cause) == 0) {
		json_object_set_new(rec, "sha256", json_string(ci->sha256));
		pem_certinfo_free(ci);
	} else {
		log_warnx("discovery: %s: certificate from ACM: %s", c->arn,
		    cause);
		free(cause);
	}
	return (rec);
}

static void
disc_cert_done(struct disc_cert *c)
{
	struct disc_region	*r = c->r;

	if (--c->pending > 0)
		return;
	if (c->desc == NULL) {
		/* Describe failed: keep the old record alive if we had one. */
		if (json_object_get(r->existing, c->arn) != NULL)
			json_object_set_new(r->seen, c->arn, json_true());
	} else {
		disc_record(r, c->arn, disc_cert_record(c), c->cert, c->chain);
		if (json_object_size(r->batch) >= DISC_BATCH)
			disc_flush(r);
		disc_progress(r->run, r->region, 0);
	}
	disc_cert_free(c);
	r->outstanding--;
	disc_region_step(r);
}

static void
disc_got_cert(struct aws_result *res, void *arg)
{
	struct disc_cert	*c = arg;

	if (res->ok) {
		const char *cert = rec_str(res->json, "Certificate");
		const char *chain = rec_str(res->json, "CertificateChain");

		c->cert = cert != NULL ? xstrdup(cert) : NULL;
		c->chain = chain != NULL ? xstrdup(chain) : NULL;
	} else if (strcmp(res->err.code, "RequestInProgressException") != 0) {
		log_warnx("discovery: %s: GetCertificate: %s: %s", c->arn,
		    res->err.code, res->err.message);
		disc_region_error(c->r, res, c->arn);
	}
	disc_cert_done(c);
}

static void
disc_described(struct aws_result *res, void *arg)
{
	struct disc_cert	*c = arg;
	struct disc_region	*r = c->r;
	json_t			*d, *old;
	const char		*status;

	if (!res->ok) {
		if (strcmp(res->err.code, "ResourceNotFoundException") != 0) {
			log_warnx("discovery: %s: DescribeCertificate: %s: %s",
			    c->arn, res->err.code, res->err.message);
			disc_region_error(r, res, c->arn);
		}
		disc_cert_done(c);
		return;
	}
	d = json_object_get(res->json, "Certificate");
	if (!json_is_object(d)) {
		if (r->error == NULL)
			xasprintf(&r->error, "DescribeCertificate %s: no "
			    "Certificate in the answer", c->arn);
		r->network = 0;
		r->errors++;
		disc_cert_done(c);
		return;
	}
	c->desc = json_incref(d);
	status = rec_str(d, "Status");
	old = json_object_get(r->existing, c->arn);
	/* The PEM is fetched when issued and not already known. */
	if (status != NULL && strcmp(status, "ISSUED") == 0 && (old == NULL ||
	    rec_str(old, "sha256") == NULL || !json_equal(json_object_get(old,
	    "serial"), json_object_get(d, "Serial")) ||
	    !json_is_number(json_object_get(d, "NotAfter")) ||
	    rec_int(old, "not_after") != (long long)json_number_value(
	    json_object_get(d, "NotAfter")))) {
		c->pending++;
		acm_get_certificate(r->cred, r->region, c->arn, disc_got_cert, c);
	}
	disc_cert_done(c);
}

static void
disc_got_tags(struct aws_result *res, void *arg)
{
	struct disc_cert	*c = arg;

	if (res->ok)
		c->tags = json_incref(res->json);
	else if (strcmp(res->err.code, "ResourceNotFoundException") != 0) {
		log_warnx("discovery: %s: ListTagsForCertificate: %s: %s",
		    c->arn, res->err.code, res->err.message);
		disc_region_error(c->r, res, c->arn);
	}
	disc_cert_done(c);
}

static void
disc_listed(struct aws_result *res, void *arg)
{
	struct disc_region	*r = arg;
	struct disc_cert	*c;
	json_t			*list, *s;
	const char		*next, *arn;
	size_t			 i;

	if (!res->ok) {
		disc_region_error(r, res, NULL);
		r->incomplete = 1;
		log_warnx("discovery: %s %s: ListCertificates: %s: %s",
		    r->account, r->region, res->err.code, res->err.message);
		r->listing = 0;
		disc_region_step(r);
		return;
	}
	list = json_object_get(res->json, "CertificateSummaryList");
	json_array_foreach(list, i, s) {
		if ((arn = rec_str(s, "CertificateArn")) == NULL)
			continue;
		if (!r->run->full && disc_unchanged(r, arn, s)) {
			disc_keep(r, arn);
			continue;
		}
		c = xcalloc(1, sizeof *c);
		c->r = r;
		c->arn = xstrdup(arn);
		c->summary = json_incref(s);
		c->pending = r->run->full ? 2 : 1;
		r->outstanding++;
		acm_describe_certificate(r->cred, r->region, arn, disc_described,
		    c);
		/* Tags (and InUseBy of the unchanged) on a full pass only. */
		if (r->run->full)
			acm_list_tags(r->cred, r->region, arn, disc_got_tags, c);
	}
	next = rec_str(res->json, "NextToken");
	if (next != NULL && *next != '\0')
		acm_list_certificates(r->cred, r->region, next, DISC_PAGE, NULL,
		    disc_listed, r);
	else
		r->listing = 0;
	disc_region_step(r);
}

/* IAM: list (with Marker), then get each body for its fingerprint. */
static void
disc_iam_got(struct aws_result *res, void *arg)
{
	struct disc_cert	*c = arg;
	struct disc_region	*r = c->r;
	const struct xml_node	*m;
	struct pem_certinfo	*ci = NULL;
	json_t			*rec;
	const char		*body, *v;
	char			*cause = NULL;

	if (!res->ok) {
		if (strcmp(res->err.code, "NoSuchEntity") != 0) {
			log_warnx("discovery: IAM %s: %s: %s", c->name,
			    res->err.code, res->err.message);
			disc_region_error(r, res, c->name);
		}
		if (json_object_get(r->existing, c->name) != NULL)
			json_object_set_new(r->seen, c->name, json_true());
		goto out;
	}
	m = xml_path(res->xml, "GetServerCertificateResult/ServerCertificate/"
	    "ServerCertificateMetadata");
	body = xml_text(res->xml, "GetServerCertificateResult/"
	    "ServerCertificate/CertificateBody");
	rec = json_object();
	json_object_set_new(rec, "type", json_string("IAM"));
	json_object_set_new(rec, "account", json_string(r->account));
	json_object_set_new(rec, "credential", json_string(r->cred_name));
	json_object_set_new(rec, "name", json_string(c->name));
	if ((v = xml_text(m, "Arn")) != NULL)
		json_object_set_new(rec, "arn", json_string(v));
	if ((v = xml_text(m, "ServerCertificateId")) != NULL)
		json_object_set_new(rec, "id", json_string(v));
	if ((v = xml_text(m, "Path")) != NULL)
		json_object_set_new(rec, "path", json_string(v));
	json_object_set_new(rec, "status", json_string("ACTIVE"));
	if (body != NULL && pem_certinfo_parse(body, strlen(body), &ci,
	    &cause) == 0) {
		rec_set_certinfo(rec, ci);
		json_object_set_new(rec, "domain", json_string(ci->cn));
		pem_certinfo_free(ci);
	} else {
		log_warnx("discovery: IAM %s: %s", c->name, cause ? cause :
		    "no certificate body");
		free(cause);
	}
	disc_record(r, c->name, rec, NULL, NULL);
out:
	disc_cert_free(c);
	r->outstanding--;
	disc_region_step(r);
}

static void
disc_iam_listed(struct aws_result *res, void *arg)
{
	struct disc_region	*r = arg;
	const struct xml_node	*list, *m;
	struct disc_cert	*c;
	const char		*name, *marker;

	if (!res->ok) {
		disc_region_error(r, res, NULL);
		r->incomplete = 1;
		log_warnx("discovery: %s IAM: ListServerCertificates: %s: %s",
		    r->account, res->err.code, res->err.message);
		r->listing = 0;
		disc_region_step(r);
		return;
	}
	list = xml_path(res->xml, "ListServerCertificatesResult/"
	    "ServerCertificateMetadataList");
	for (m = xml_child(list, "member"); m != NULL;
	    m = xml_next_named(m, "member")) {
		if ((name = xml_text(m, "ServerCertificateName")) == NULL)
			continue;
		c = xcalloc(1, sizeof *c);
		c->r = r;
		c->name = xstrdup(name);
		c->pending = 1;
		r->outstanding++;
		iam_get_server_certificate(r->cred, name, disc_iam_got, c);
	}
	marker = xml_text(res->xml, "ListServerCertificatesResult/Marker");
	if (marker != NULL && *marker != '\0' && xml_text(res->xml,
	    "ListServerCertificatesResult/IsTruncated") != NULL &&
	    strcmp(xml_text(res->xml, "ListServerCertificatesResult/"
	    "IsTruncated"), "true") == 0)
		iam_list_server_certificates(r->cred, marker, disc_iam_listed, r);
	else
		r->listing = 0;
	disc_region_step(r);
}

static void
disc_region_step(struct disc_region *r)
{
	if (r->done || r->listing || r->outstanding > 0)
		return;
	r->done = 1;
	disc_flush(r);
	/* Only a complete listing may say that something is gone. */
	if (!r->incomplete)
		disc_mark_gone(r);
	disc_unit_done(r);
}

static void
disc_region_start(struct disc_region *r)
{
	r->existing = json_object();
	r->seen = json_object();
	r->batch = json_object();
	disc_load_existing(r);
	r->listing = 1;
	if (r->iam)
		iam_list_server_certificates(r->cred, NULL, disc_iam_listed, r);
	else
		acm_list_certificates(r->cred, r->region, NULL, DISC_PAGE, NULL,
		    disc_listed, r);
}

static void
disc_region_free(struct disc_region *r)
{
	aws_cred_unref(r->cred);
	free(r->cred_name);
	free(r->account);
	free(r->region);
	json_decref(r->existing);
	json_decref(r->seen);
	json_decref(r->batch);
	free(r->error);
	free(r);
}

static json_t *
disc_summary(struct disc_run *run)
{
	json_t		*out, *units = json_array(), *u;
	uint64_t	 found = 0, new = 0, changed = 0, gone = 0, errors = 0;
	uint64_t	 unchanged = 0;
	size_t		 i;

	for (i = 0; i < run->nunits; i++) {
		struct disc_region *r = run->units[i];

		u = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}",
		    "credential", r->cred_name, "account", r->account,
		    "region", r->iam ? "IAM" : r->region,
		    "found", (json_int_t)r->found, "new", (json_int_t)r->new,
		    "changed", (json_int_t)r->changed,
		    "gone", (json_int_t)r->gone,
		    "errors", (json_int_t)r->errors);
		json_object_set_new(u, "error", r->error != NULL ?
		    json_string(r->error) : json_null());
		json_array_append_new(units, u);
		found += r->found;
		new += r->new;
		changed += r->changed;
		gone += r->gone;
		errors += r->errors;
		unchanged += r->unchanged;
	}
	errors += json_array_size(run->cred_errors);
	out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "duration_ms", (json_int_t)(now_ms() - run->started_ms),
	    "found", (json_int_t)found, "new", (json_int_t)new,
	    "changed", (json_int_t)changed, "gone", (json_int_t)gone,
	    "errors", (json_int_t)errors,
	    "aws_calls", (json_int_t)(aws_get_stats()->calls -
	    run->calls_before));
	json_object_set_new(out, "full", json_boolean(run->full));
	json_object_set_new(out, "unchanged", json_integer(unchanged));
	json_object_set_new(out, "regions", units);
	json_object_set(out, "credential_errors", run->cred_errors);
	return (out);
}

/*
 * What failed, every unit and credential named with its first error
 * ("eu-west-1 (ListCertificates: NetworkError: ...); ..."), or NULL when
 * nothing did; *network: every failure was AWS not being reached.
 */
static char *
disc_failures(struct disc_run *run, size_t *nfailed, int *network)
{
	struct disc_region	*r;
	json_t			*e;
	char			*list = NULL, *next;
	size_t			 i;

	*nfailed = 0;
	*network = 1;
	for (i = 0; i < run->nunits; i++) {
		if ((r = run->units[i])->error == NULL)
			continue;
		(*nfailed)++;
		*network = *network && r->network;
		xasprintf(&next, "%s%s%s%s (%s)", list ? list : "", list ?
		    "; " : "", r->iam ? "IAM " : "", r->iam ? r->account :
		    r->region, r->error);
		free(list);
		list = next;
	}
	json_array_foreach(run->cred_errors, i, e) {
		(*nfailed)++;
		*network = *network && rec_bool(e, "network");
		xasprintf(&next, "%s%scredential %s (%s)", list ? list : "",
		    list ? "; " : "", rec_str(e, "credential"), rec_str(e,
		    "error"));
		free(list);
		list = next;
	}
	return (list);
}

/*
 * The answer: the summary, ok when nothing failed; else an error (EAWS,
 * or ENETWORK when AWS could not be reached at all) naming what failed,
 * with the summary, as a deploy to several regions answers.
 */
static int
disc_answer(struct disc_run *run, json_t *summary, const char *line)
{
	size_t	 nfailed, total;
	int	 network;
	char	*list;

	if ((list = disc_failures(run, &nfailed, &network)) == NULL) {
		op_ok(&run->reply, summary);
		if (run->job != NULL)
			job_done(run->job, 1, line);
		return (1);
	}
	total = run->nunits + json_array_size(run->cred_errors);
	op_fail_data(&run->reply, network ? PROTO_ENETWORK : PROTO_EAWS,
	    summary, "discovery failed in %zu of %zu %s: %s", nfailed, total,
	    run->nunits == 0 ? "credentials" : json_array_size(
	    run->cred_errors) == 0 ? "regions" : "regions and credentials",
	    list);
	if (run->job != NULL)
		job_done(run->job, 0, list);
	free(list);
	return (0);
}

static void
disc_finish(struct disc_run *run)
{
	json_t		*summary;
	char		*line;
	size_t		 i;

	summary = disc_summary(run);
	xasprintf(&line, "%s: %lld found, %lld new, %lld changed, %lld gone, "
	    "%lld errors", run->full ? "full" : "incremental",
	    rec_int(summary, "found"), rec_int(summary, "new"),
	    rec_int(summary, "changed"), rec_int(summary, "gone"),
	    rec_int(summary, "errors"));
	log_info("discovery: done in %lld ms: %s",
	    rec_int(summary, "duration_ms"), line);
	if (disc_answer(run, summary, line) && run->whole)
		disc_state_note(run->full);
	free(line);
	inv_warm();
	for (i = 0; i < run->nunits; i++)
		disc_region_free(run->units[i]);
	free(run->units);
	json_decref(run->creds);
	json_decref(run->regions);
	json_decref(run->cred_errors);
	free(run);
	running = NULL;
	/* What follows every discovery (deployments, expiry: jobs.c). */
	if (disc_done_hook != NULL)
		disc_done_hook();
}

void
discovery_set_done_hook(void (*fn)(void))
{
	disc_done_hook = fn;
}

static void
disc_unit_done(struct disc_region *r)
{
	struct disc_run	*run = r->run;
	char		*what;

	run->units_done++;
	xasprintf(&what, "%s %s done", r->account, r->iam ? "IAM" : r->region);
	disc_progress(run, what, 1);
	free(what);
	if (run->units_done == run->nunits && run->starting == 0)
		disc_finish(run);
}

struct disc_ident {
	struct disc_run	*run;
	struct aws_cred	*cred;
	char		*name;
};

/* The account is known: one unit per region, and one for IAM. */
static void
disc_add_units(struct disc_run *run, struct aws_cred *cred, const char *name)
{
	struct disc_region	*r;
	size_t			 i, j, first = run->nunits;
	int			 iam_done = 0;

	for (j = 0; j < first; j++) {
		if (run->units[j]->iam &&
		    strcmp(run->units[j]->account, cred->account) == 0)
			iam_done = 1;
	}
	for (i = 0; i <= json_array_size(run->regions); i++) {
		if (i == json_array_size(run->regions) && iam_done)
			break;
		r = xcalloc(1, sizeof *r);
		r->run = run;
		r->cred = cred;
		aws_cred_ref(cred);
		r->cred_name = xstrdup(name);
		r->account = xstrdup(cred->account);
		if (i == json_array_size(run->regions)) {
			r->iam = 1;
			r->region = xstrdup("us-east-1");
		} else
			r->region = xstrdup(json_string_value(
			    json_array_get(run->regions, i)));
		run->units = xreallocarray(run->units, run->nunits + 1,
		    sizeof *run->units);
		run->units[run->nunits++] = r;
	}
	for (i = first; i < run->nunits; i++)
		disc_region_start(run->units[i]);
}

static void
disc_identified(struct aws_result *res, void *arg)
{
	struct disc_ident	*id = arg;
	struct disc_run		*run = id->run;
	const char		*account;

	account = res->ok ? xml_text(res->xml,
	    "GetCallerIdentityResult/Account") : NULL;
	if (account == NULL) {
		json_array_append_new(run->cred_errors, json_pack("{s:s, s:s, "
		    "s:b}", "credential", id->name, "error", res->ok ?
		    "STS answered without an account" : res->err.message,
		    "network", !res->ok && res->err.network));
		log_warnx("discovery: credential %s: %s%s%s", id->name,
		    res->ok ? "no account" : res->err.code, res->ok ? "" : ": ",
		    res->ok ? "" : res->err.message);
	} else {
		if (id->cred->account == NULL)
			id->cred->account = xstrdup(account);
		creds_set_account(id->name, account);
		disc_add_units(run, id->cred, id->name);
	}
	run->starting--;
	aws_cred_unref(id->cred);
	free(id->name);
	free(id);
	if (run->starting == 0 && run->units_done == run->nunits)
		disc_finish(run);
}

int
discovery_running(void)
{
	return (running != NULL);
}

void
discovery_start(json_t *creds, json_t *regions, int full,
    struct op_reply reply)
{
	struct disc_run		*run;
	struct disc_ident	*id;
	struct aws_cred		*cred;
	char			**names, *why = NULL, *cause = NULL;
	size_t			 n, i;
	int			 whole;

	if (running != NULL) {
		op_fail(&reply, PROTO_EBUSY, "a discovery is running already "
		    "(%llu of %zu regions done)", (unsigned long long)
		    running->units_done, running->nunits);
		json_decref(creds);
		json_decref(regions);
		return;
	}
	whole = creds == NULL && regions == NULL;
	if (regions == NULL && (regions = config_regions(acmd.conf,
	    &cause)) == NULL) {
		op_fail(&reply, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		json_decref(creds);
		return;
	}
	for (i = 0; i < json_array_size(regions); i++) {
		if (!aws_region_valid(json_string_value(json_array_get(regions,
		    i)))) {
			op_fail_arg(&reply, PROTO_A_REGION, "unknown region '%s'",
			    json_string_value(json_array_get(regions, i)));
			json_decref(creds);
			json_decref(regions);
			return;
		}
	}
	if (creds == NULL) {
		creds = json_array();
		names = creds_names(&n);
		for (i = 0; i < n; i++)
			json_array_append_new(creds, json_string(names[i]));
		mp_strv_free(names);
	}
	run = xcalloc(1, sizeof *run);
	run->reply = reply;
	run->job = disc_next_job;
	disc_next_job = NULL;
	/* A discovery on demand is a run of the discovery job too. */
	if (run->job == NULL && disc_job != NULL &&
	    sched_job_begin(disc_job) == 0)
		run->job = disc_job;
	run->creds = creds;
	run->regions = regions;
	run->cred_errors = json_array();
	run->started_ms = now_ms();
	run->calls_before = aws_get_stats()->calls;
	run->whole = whole;
	run->full = full || disc_full_due();
	running = run;
	log_info("discovery: starting (%s): %zu credential%s, %zu region%s",
	    run->full ? "full" : "incremental",
	    json_array_size(creds), json_array_size(creds) == 1 ? "" : "s",
	    json_array_size(regions), json_array_size(regions) == 1 ? "" : "s");
	run->starting = 1;	/* held until every credential is looked at */
	for (i = 0; i < json_array_size(creds); i++) {
		const char *name = json_string_value(json_array_get(creds, i));

		if ((cred = creds_get(name, &why)) == NULL) {
			json_array_append_new(run->cred_errors, json_pack(
			    "{s:s, s:s}", "credential", name, "error", why));
			log_warnx("discovery: %s", why);
			free(why);
			why = NULL;
			continue;
		}
		run->starting++;
		id = xcalloc(1, sizeof *id);
		id->run = run;
		id->cred = cred;
		id->name = xstrdup(name);
		/* Who is this?  Also proves the keys before anything else. */
		sts_get_caller_identity(cred, disc_identified, id);
	}
	run->starting--;
	if (run->starting == 0 && run->units_done == run->nunits)
		disc_finish(run);
}

/* A run of the job that could not start: the job says why. */
static void
disc_job_refused(void *arg, json_t *result, const struct op_error *e)
{
	struct job	*j = arg;

	json_decref(result);
	if (e != NULL && job_running(j))
		job_done(j, 0, e->message);
}

static void
disc_job_fn(struct job *j, void *arg)
{
	disc_next_job = j;
	discovery_start(NULL, NULL, 0, (struct op_reply){ NULL,
	    disc_job_refused, j });
	disc_next_job = NULL;
}

void
discovery_init(void)
{
	disc_job = sched_add("discovery", acmd.conf->discovery_interval, 60,
	    disc_job_fn, NULL);
}

void
discovery_configure(void)
{
	if (disc_job != NULL)
		sched_set_interval(disc_job, acmd.conf->discovery_interval);
}

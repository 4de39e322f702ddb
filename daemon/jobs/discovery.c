#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <event2/event.h>
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
static void	disc_region_end(struct disc_region *);
static void	disc_region_pump(struct disc_region *);
static void	disc_listed(struct aws_result *, void *);
static void	disc_unit_done(struct disc_region *);
static void	disc_maybe_finish(struct disc_run *);

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
	json_decref(c->old);
	json_decref(c->summary);
	json_decref(c->desc);
	json_decref(c->tags);
	free(c->cert);
	free(c->chain);
	free(c);
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

static void
disc_cert_done(struct disc_cert *c)
{
	struct disc_region	*r = c->r;

	if (r->run->job != NULL)
		job_progress(r->run->job);
	if (--c->pending > 0)
		return;
	/* When describe failed, the record from before stays (listed: seen). */
	if (c->desc != NULL) {
		disc_record(r, c->arn, disc_cert_record(c), c->old, c->cert,
		    c->chain);
		if (json_object_size(r->batch) >= DISC_BATCH) {
			disc_slice_begin(r);
			disc_flush(r);
		}
		disc_progress(r->run, r->region, 0);
	}
	disc_cert_free(c);
	r->outstanding--;
	disc_region_pump(r);
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
	json_t			*d, *old = c->old;
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

/*
 * A certificate of the listing (id: an ARN, or an IAM name) with old, its
 * record from before (taken over): kept as it was when an incremental
 * pass may (same), NULL; else under way, with pending answers to come.
 */
static struct disc_cert *
disc_cert_start(struct disc_region *r, const char *id, json_t *old, int same,
    int pending)
{
	struct disc_cert	*c;

	if (!r->run->full && same) {
		disc_keep(r, id, old);
		json_decref(old);
		return (NULL);
	}
	c = xcalloc(1, sizeof *c);
	c->r = r;
	if (r->iam)
		c->name = xstrdup(id);
	else
		c->arn = xstrdup(id);
	c->old = old;
	c->pending = pending;
	r->outstanding++;
	return (c);
}

/* Look at one summary of the listing: keep, or describe (and tag). */
static void
disc_summarised(struct disc_region *r, const json_t *s)
{
	struct disc_cert	*c;
	const char		*arn;
	json_t			*old;
	int			 same;

	if ((arn = rec_str(s, "CertificateArn")) == NULL)
		return;
	disc_seen(r, arn);
	/* An incremental pass reads what it may keep by first. */
	old = disc_old(r, arn, r->run->full ? NULL : disc_keep_keys);
	same = disc_unchanged(old, s);
	if (!r->run->full && !same && old != NULL) {
		json_decref(old);
		old = disc_old(r, arn, NULL);
	}
	if ((c = disc_cert_start(r, arn, old, same, r->run->full ? 2 : 1)) ==
	    NULL)
		return;
	c->summary = json_incref((json_t *)s);
	acm_describe_certificate(r->cred, r->region, arn, disc_described, c);
	/* Tags (and InUseBy of the unchanged) on a full pass only. */
	if (r->run->full)
		acm_list_tags(r->cred, r->region, arn, disc_got_tags, c);
}

/*
 * Work the page: at most DISC_INFLIGHT certificates under way; once the
 * page is all under way, ask for the next one.  Re-entered from an answer
 * that came at once, it leaves the work to the loop already running.  An
 * incremental pass keeps most of a page without a call: the rest of the
 * page once the slice is spent goes on in the next.
 */
static void
disc_region_pump(struct disc_region *r)
{
	size_t	 n = 0;

	if (r->pumping) {
		r->pumping = 2;
		return;
	}
	disc_slice_begin(r);
	do {
		r->pumping = 1;
		/* One read transaction for what the page's answers start. */
		while (r->page != NULL && r->page_pos < json_array_size(r->page) &&
		    r->outstanding < DISC_INFLIGHT) {
			if (disc_slice_over(r, &n)) {
				disc_txn_end(r);
				r->pumping = 0;
				disc_slice_later(r, disc_region_pump,
				    "the listing's page");
				return;
			}
			disc_summarised(r, json_array_get(r->page, r->page_pos++));
		}
		disc_txn_end(r);
		if (r->page != NULL && r->page_pos >= json_array_size(r->page)) {
			json_decref(r->page);
			r->page = NULL;
			if (r->next_token != NULL) {
				char *next = r->next_token;

				r->next_token = NULL;
				acm_list_certificates(r->cred, r->region, next,
				    DISC_PAGE, NULL, disc_listed, r);
				free(next);
			} else if (!r->iam)
				r->listing = 0;
		}
	} while (r->pumping == 2);
	r->pumping = 0;
	disc_region_step(r);
}

static void
disc_listed(struct aws_result *res, void *arg)
{
	struct disc_region	*r = arg;
	json_t			*list;
	const char		*next;

	if (!res->ok) {
		disc_region_error(r, res, NULL);
		r->incomplete = 1;
		log_warnx("discovery: %s %s: ListCertificates: %s: %s",
		    r->account, r->region, res->err.code, res->err.message);
		r->listing = 0;
		disc_region_pump(r);
		return;
	}
	list = json_object_get(res->json, "CertificateSummaryList");
	r->page = json_is_array(list) ? json_incref(list) : json_array();
	r->page_pos = 0;
	next = rec_str(res->json, "NextToken");
	if (next != NULL && *next != '\0')
		r->next_token = xstrdup(next);
	disc_region_pump(r);
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
	disc_record(r, c->name, rec, c->old, NULL, NULL);
out:
	disc_cert_free(c);
	r->outstanding--;
	disc_region_step(r);
}

/* The record's field k is the XML element e of m. */
static int
disc_same_str(const json_t *rec, const char *k, const struct xml_node *m,
    const char *e)
{
	const char	*a = rec_str(rec, k), *b = xml_text(m, e);

	return (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void
disc_iam_listed(struct aws_result *res, void *arg)
{
	struct disc_region	*r = arg;
	const struct xml_node	*list, *m;
	struct disc_cert	*c;
	json_t			*old;
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
		disc_seen(r, name);
		old = disc_old(r, name, NULL);
		/*
		 * A server certificate cannot change: another one under the
		 * name has another id.  An incremental pass keeps the known.
		 */
		if ((c = disc_cert_start(r, name, old, old != NULL &&
		    !rec_bool(old, "gone") &&
		    disc_same_str(old, "id", m, "ServerCertificateId") &&
		    disc_same_str(old, "arn", m, "Arn") &&
		    disc_same_str(old, "path", m, "Path"), 1)) != NULL)
			iam_get_server_certificate(r->cred, name, disc_iam_got,
			    c);
	}
	disc_txn_end(r);
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
	/* A listing's answers come through here, a certificate's below. */
	if (r->run->job != NULL)
		job_progress(r->run->job);
	if (r->done || r->listing || r->outstanding > 0)
		return;
	r->done = 1;
	disc_slice_begin(r);
	disc_region_end(r);
}

/*
 * The unit's end, in slices: the rest of the batch written, what is gone
 * marked; then (not before) the unit is done.  Nothing else works the
 * unit meanwhile: its listing and its certificates are all answered.
 */
static void
disc_region_end(struct disc_region *r)
{
	if (disc_flush(r)) {
		disc_slice_later(r, disc_region_end, "the last batch");
		return;
	}
	/* Only a complete listing may say that something is gone. */
	if (!r->incomplete && disc_mark_gone(r)) {
		disc_slice_later(r, disc_region_end, "the scan for what is gone");
		return;
	}
	disc_unit_done(r);
}

static void
disc_region_start(struct disc_region *r)
{
	r->batch = json_object();
	r->listing = 1;
	r->list_start = time(NULL);
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
	disc_txn_end(r);
	disc_slice_free(r);
	json_decref(r->batch);
	json_decref(r->gone_set);
	free(r->gone_after);
	json_decref(r->page);
	free(r->next_token);
	free(r->seen);
	free(r->error);
	free(r);
}

static void
disc_after(evutil_socket_t fd, short what, void *arg)
{
	if (disc_done_hook != NULL)
		disc_done_hook();
}

static void
disc_finish(struct disc_run *run)
{
	struct timeval	 tv = { 0, 0 };
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
	json_decref(run->unreachable);
	disc_org_free(run);
	free(run);
	running = NULL;
	/*
	 * What follows every discovery (deployments, expiry: jobs.c) runs
	 * once the answer is on its way: the discovery is done.
	 */
	if (disc_done_hook != NULL)
		event_base_once(acmd.base, -1, EV_TIMEOUT, disc_after, NULL,
		    &tv);
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
	/* The account's slot may go to the next account. */
	if (r->oacct != NULL)
		disc_org_unit_done(r);
	disc_maybe_finish(run);
}

static void
disc_maybe_finish(struct disc_run *run)
{
	if (run->units_done == run->nunits && run->starting == 0)
		disc_finish(run);
}

struct disc_ident {
	struct disc_run	*run;
	struct aws_cred	*cred;
	char		*name;
};

static size_t
disc_add_units(struct disc_run *run, struct aws_cred *cred, const char *name,
    struct disc_org_acct *oacct)
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
		r->oacct = oacct;
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
	return (run->nunits - first);
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
		disc_add_units(run, id->cred, id->name, NULL);
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
	run->unreachable = json_array();
	run->add_units = disc_add_units;
	run->maybe_finish = disc_maybe_finish;
	run->started_ms = now_ms();
	run->calls_before = aws_get_stats()->calls;
	run->whole = whole;
	run->full = full || disc_full_due();
	running = run;
	/*
	 * acm list's cache follows the discovery batch by batch only if it
	 * is current when the discovery starts: made so now (the rebuild the
	 * first list after the discovery would pay; nothing when empty).
	 */
	if (inv_cache_stale() && inv_cache_update(&why) != 0) {
		log_warnx("discovery: acm list cache: %s", why);
		free(why);
		why = NULL;
	}
	log_info("discovery: starting (%s): %zu credential%s, %zu region%s",
	    run->full ? "full" : "incremental",
	    json_array_size(creds), json_array_size(creds) == 1 ? "" : "s",
	    json_array_size(regions), json_array_size(regions) == 1 ? "" : "s");
	run->starting = 1;	/* held until every credential is looked at */
	for (i = 0; i < json_array_size(creds); i++) {
		const char *name = json_string_value(json_array_get(creds, i));

		if (disc_org_start(run, name))
			continue;
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

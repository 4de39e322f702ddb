/*
 * Discovery of an organization: its accounts listed afresh at every run
 * (org.c keeps the list: new ones added, removed or suspended ones marked
 * gone), the role assumed in each, and each account discovered as a
 * credential of its own would be ("ORG/ACCOUNT"), at most
 * parallel_accounts accounts at once.  An account whose role cannot be
 * assumed is reported (the summary's unreachable_accounts, status, the
 * journal) and the others go on.  AWS refuses the role of an account
 * suspended or closing since the listing, as it refuses a role that does
 * not exist: the organization is asked (DescribeAccount) and an account
 * it no longer has active is marked gone at once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acmd.h"
#include "aws/aws.h"
#include "aws/services.h"
#include "conf.h"
#include "creds.h"
#include "discovery-int.h"
#include "log.h"
#include "org.h"
#include "rec.h"
#include "xmalloc.h"

struct disc_org_acct {
	struct disc_org		*org;
	char			*id;
	char			*member;	/* ORG/ACCOUNT */
	struct aws_cred		*cred;
	char			*error;		/* the role's, while asked */
	size_t			 units;		/* not yet done */
	struct disc_org_acct	*next;
};

struct disc_org {
	struct disc_run		*run;
	char			*name;
	json_t			*work;		/* account ids to discover */
	json_t			*names;		/* id -> the account's name */
	size_t			 next;		/* the next one to start */
	size_t			 active;	/* accounts under way */
	int			 held;		/* run->starting held */
	struct disc_org_acct	*accts;
	struct disc_org		*next_org;
};

static void	disc_org_pump(struct disc_org *);

/*
 * Nothing more of the organization will add units: the run may end (its
 * caller sees to that, once it no longer needs the run).
 */
static void
disc_org_release(struct disc_org *o)
{
	if (!o->held)
		return;
	o->held = 0;
	o->run->starting--;
}

static void
disc_org_cred_error(struct disc_org *o, const char *what,
    const struct aws_error *err)
{
	char	*msg;

	xasprintf(&msg, "%s: %s: %s", what, err->code, err->message);
	json_array_append_new(o->run->cred_errors, json_pack("{s:s, s:s, "
	    "s:b}", "credential", o->name, "error", msg, "network",
	    err->network));
	log_warnx("discovery: organization %s: %s", o->name, msg);
	free(msg);
}

/* The account's role was refused (msg); gone: the organization no longer
 * has it active (why), or NULL. */
static void
disc_org_refused(struct disc_org_acct *a, const char *msg, const char *gone)
{
	struct disc_org	*o = a->org;
	const char	*name = rec_str(o->names, a->id);
	json_t		*row;

	row = json_pack("{s:s, s:s, s:s?, s:s}", "credential", o->name,
	    "account", a->id, "name", name, "error", msg);
	if (gone != NULL) {
		json_object_set_new(row, "gone", json_string(gone));
		org_account_gone(o->name, a->id, gone);
	}
	json_array_append_new(o->run->unreachable, row);
	org_note_account(o->name, a->id, name, msg);
}

static void
disc_org_unreachable(struct disc_org_acct *a, const char *code,
    const char *message)
{
	char	*msg;

	xasprintf(&msg, "%s: %s", code, message);
	disc_org_refused(a, msg, NULL);
	free(msg);
}

/* One account's slot is free again. */
static void
disc_org_account_end(struct disc_org_acct *a)
{
	struct disc_org	*o = a->org;

	o->active--;
	disc_org_pump(o);
}

/* What the organization says of an account whose role was refused. */
static void
disc_org_described(struct aws_result *res, void *arg)
{
	struct disc_org_acct	*a = arg;
	struct disc_run		*run = a->org->run;
	const char		*state = NULL;
	char			*gone = NULL;

	if (res->ok) {
		state = rec_str(json_object_get(res->json, "Account"), "State");
		if (state == NULL || *state == '\0')
			state = rec_str(json_object_get(res->json, "Account"),
			    "Status");
		if (state != NULL && strcmp(state, "ACTIVE") != 0)
			xasprintf(&gone, "%s in the organization, its role "
			    "refused", state);
	} else if (strcmp(res->err.code, "AccountNotFoundException") == 0)
		gone = xstrdup("no longer in the organization, its role "
		    "refused");
	disc_org_refused(a, a->error, gone);
	free(gone);
	free(a->error);
	a->error = NULL;
	disc_org_account_end(a);
	run->maybe_finish(run);
}

/*
 * The role was refused with an answer of AWS's: is the account still an
 * active one of the organization?  (Its slot is kept meanwhile.)  0, or
 * -1 when the organization cannot be asked.
 */
static int
disc_org_ask(struct disc_org_acct *a, const struct aws_error *err)
{
	struct aws_cred	*org;
	char		*cause = NULL;

	if (err->network || err->cls == AWS_ERR_TRANSIENT ||
	    err->cls == AWS_ERR_THROTTLE)
		return (-1);
	if ((org = creds_get(a->org->name, &cause)) == NULL) {
		free(cause);
		return (-1);
	}
	xasprintf(&a->error, "%s: %s", err->code, err->message);
	orgs_describe_account(org, a->id, disc_org_described, a);
	aws_cred_unref(org);
	return (0);
}

static void
disc_org_identified(struct aws_result *res, void *arg)
{
	struct disc_org_acct	*a = arg;
	struct disc_org		*o = a->org;
	struct disc_run		*run = o->run;
	const char		*account;

	account = res->ok ? xml_text(res->xml,
	    "GetCallerIdentityResult/Account") : NULL;
	if (!res->ok && disc_org_ask(a, &res->err) == 0)
		return;
	if (account == NULL || strcmp(account, a->id) != 0) {
		if (res->ok)
			disc_org_unreachable(a, "STS", account == NULL ?
			    "GetCallerIdentity answered without an account" :
			    "the role's credentials are another account's");
		else
			disc_org_unreachable(a, res->err.code,
			    res->err.message);
		disc_org_account_end(a);
	} else {
		org_note_account(o->name, a->id, rec_str(o->names, a->id),
		    NULL);
		a->units = run->add_units(run, a->cred, a->member, a);
		if (a->units == 0)
			disc_org_account_end(a);
	}
	run->maybe_finish(run);
}

static void
disc_org_pump(struct disc_org *o)
{
	struct disc_org_acct	*a;
	char			*cause = NULL;

	while (o->active < acmd.conf->parallel_accounts &&
	    o->next < json_array_size(o->work)) {
		a = xcalloc(1, sizeof *a);
		a->org = o;
		a->id = xstrdup(json_string_value(json_array_get(o->work,
		    o->next++)));
		a->member = org_member(o->name, a->id);
		a->next = o->accts;
		o->accts = a;
		o->active++;
		if ((a->cred = creds_get(a->member, &cause)) == NULL) {
			disc_org_unreachable(a, "CredentialsError", cause);
			free(cause);
			cause = NULL;
			o->active--;
			continue;
		}
		/* Assumes the role: proves it before any region starts. */
		sts_get_caller_identity(a->cred, disc_org_identified, a);
	}
	if (o->next >= json_array_size(o->work) && o->active == 0)
		disc_org_release(o);
}

static void
disc_org_listed(json_t *listed, const struct aws_error *err, void *arg)
{
	struct disc_org	*o = arg;
	struct disc_run	*run = o->run;
	json_t		*l;
	char		*cause = NULL;
	size_t		 i;

	if (err != NULL) {
		/* An incomplete listing says nothing of what is gone. */
		disc_org_cred_error(o, "listing the organization's accounts",
		    err);
		disc_org_release(o);
		run->maybe_finish(run);
		return;
	}
	if ((o->work = org_note_listing(o->name, listed, &cause)) == NULL) {
		json_array_append_new(run->cred_errors, json_pack("{s:s, "
		    "s:s}", "credential", o->name, "error", cause));
		free(cause);
		disc_org_release(o);
		run->maybe_finish(run);
		return;
	}
	json_array_foreach(listed, i, l)
		json_object_set_new(o->names, rec_str(l, "Id"), json_string(
		    rec_str(l, "Name")));
	log_info("discovery: organization %s: %zu accounts listed, %zu to "
	    "discover", o->name, json_array_size(listed),
	    json_array_size(o->work));
	disc_org_pump(o);
	run->maybe_finish(run);
}

int
disc_org_start(struct disc_run *run, const char *name)
{
	struct disc_org	*o;
	json_t		*rec;
	char		*cause = NULL;

	if ((rec = org_rec(name, &cause)) == NULL) {
		if (cause == NULL)
			return (0);
		json_array_append_new(run->cred_errors, json_pack("{s:s, s:s}",
		    "credential", name, "error", cause));
		free(cause);
		return (1);
	}
	o = xcalloc(1, sizeof *o);
	o->run = run;
	o->name = xstrdup(name);
	o->names = json_object();
	o->held = 1;
	run->starting++;
	o->next_org = run->orgs;
	run->orgs = o;
	org_list(name, rec, disc_org_listed, o);
	json_decref(rec);
	return (1);
}

void
disc_org_unit_done(struct disc_region *r)
{
	struct disc_org_acct	*a = r->oacct;

	if (a->units > 0 && --a->units == 0)
		disc_org_account_end(a);
}

void
disc_org_free(struct disc_run *run)
{
	struct disc_org		*o;
	struct disc_org_acct	*a;

	while ((o = run->orgs) != NULL) {
		run->orgs = o->next_org;
		while ((a = o->accts) != NULL) {
			o->accts = a->next;
			aws_cred_unref(a->cred);
			free(a->error);
			free(a->id);
			free(a->member);
			free(a);
		}
		json_decref(o->work);
		json_decref(o->names);
		free(o->name);
		free(o);
	}
}

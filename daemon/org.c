/*
 * Organizations: the accounts of an organization credential, listed
 * (organizations:ListAccounts, or ListAccountsForParent for each
 * --include-ou) and kept in the credential's record.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <jansson.h>

#include "acmd.h"
#include "aws/aws.h"
#include "aws/services.h"
#include "creds.h"
#include "log.h"
#include "org.h"
#include "rec.h"
#include "store.h"
#include "xmalloc.h"

/*
 * The most accounts a listing may hold (Organizations' quota is 10 by
 * default and raised on request; larger organizations exist, not this
 * large): an endpoint that pages on and on is refused, not followed.
 */
#define ORG_MAX_ACCOUNTS	20000

json_t *
org_rec(const char *name, char **cause)
{
	json_t	*rec;

	if (strchr(name, '/') != NULL)
		return (NULL);
	if ((rec = rec_read(DB_CREDENTIALS, name, cause)) == NULL)
		return (NULL);
	if (!rec_bool(rec, "organization")) {
		json_decref(rec);
		return (NULL);
	}
	return (rec);
}

char *
org_member(const char *org, const char *account)
{
	char	*s;

	xasprintf(&s, "%s/%s", org, account);
	return (s);
}

/* A listing under way: one parent (or the whole organization) a page
 * at a time. */
struct org_listing {
	struct aws_cred	*cred;
	json_t		*parents;	/* NULL: ListAccounts */
	size_t		 parent;
	json_t		*accounts;
	size_t		 pages;
	org_list_cb	 cb;
	void		*arg;
};

static void	org_listed(struct aws_result *, void *);

static void
org_listing_end(struct org_listing *l, const struct aws_error *err)
{
	l->cb(err == NULL ? l->accounts : NULL, err, l->arg);
	aws_cred_unref(l->cred);
	json_decref(l->parents);
	json_decref(l->accounts);
	free(l);
}

/* The listing cannot be used: an error of acmd's own, not AWS's. */
static void __attribute__((format(printf, 2, 3)))
org_listing_refuse(struct org_listing *l, const char *fmt, ...)
{
	struct aws_error	 err;
	va_list			 ap;
	char			*msg;

	va_start(ap, fmt);
	xvasprintf(&msg, fmt, ap);
	va_end(ap);
	memset(&err, 0, sizeof err);
	err.code = "MalformedAnswer";
	err.message = msg;
	err.cls = AWS_ERR_CLIENT;
	org_listing_end(l, &err);
	free(msg);
}

static void
org_list_next(struct org_listing *l, const char *token)
{
	const char	*parent = NULL;

	if (l->parents != NULL)
		parent = json_string_value(json_array_get(l->parents,
		    l->parent));
	orgs_list_accounts(l->cred, parent, token, org_listed, l);
}

static void
org_listed(struct aws_result *r, void *arg)
{
	struct org_listing	*l = arg;
	json_t			*list, *a;
	const char		*next;
	size_t			 i;

	if (!r->ok) {
		org_listing_end(l, &r->err);
		return;
	}
	list = json_object_get(r->json, "Accounts");
	json_array_foreach(list, i, a) {
		if (json_array_size(l->accounts) >= ORG_MAX_ACCOUNTS) {
			org_listing_refuse(l, "the organization lists more "
			    "than %d accounts", ORG_MAX_ACCOUNTS);
			return;
		}
		/* An account id is 12 digits: anything else is not one. */
		if (rec_str(a, "Id") != NULL && strlen(rec_str(a, "Id")) == 12 &&
		    strspn(rec_str(a, "Id"), "0123456789") == 12)
			json_array_append_new(l->accounts, json_pack(
			    "{s:s, s:s, s:s, s:s}", "Id", rec_str(a, "Id"),
			    "Name", rec_str(a, "Name") ? rec_str(a, "Name") :
			    "", "Status", rec_str(a, "Status") ?
			    rec_str(a, "Status") : "", "State", rec_str(a,
			    "State") ? rec_str(a, "State") : ""));
	}
	next = rec_str(r->json, "NextToken");
	if (next != NULL && *next != '\0') {
		/* Pages of no account, on and on, are refused too. */
		if (++l->pages > ORG_MAX_ACCOUNTS / 10) {
			org_listing_refuse(l, "the organization's listing goes "
			    "on for more than %d pages", ORG_MAX_ACCOUNTS / 10);
			return;
		}
		org_list_next(l, next);
		return;
	}
	if (l->parents != NULL && ++l->parent < json_array_size(l->parents)) {
		org_list_next(l, NULL);
		return;
	}
	org_listing_end(l, NULL);
}

void
org_list(const char *name, const json_t *rec, org_list_cb cb, void *arg)
{
	struct org_listing	*l;
	struct aws_error	 err;
	const json_t		*ous = json_object_get(rec, "include_ous");
	char			*cause = NULL;

	l = xcalloc(1, sizeof *l);
	if ((l->cred = creds_get(name, &cause)) == NULL) {
		memset(&err, 0, sizeof err);
		err.code = "CredentialsError";
		err.message = cause;
		err.cls = AWS_ERR_AUTH;
		cb(NULL, &err, arg);
		free(cause);
		free(l);
		return;
	}
	if (json_array_size(ous) > 0)
		l->parents = json_deep_copy(ous);
	l->accounts = json_array();
	l->cb = cb;
	l->arg = arg;
	org_list_next(l, NULL);
}

/* Is this account of the listing active (Status, or the newer State)? */
static int
org_active(const json_t *a)
{
	const char	*state = rec_str(a, "State");

	if (state != NULL && *state != '\0')
		return (strcmp(state, "ACTIVE") == 0);
	return (rec_str(a, "Status") != NULL &&
	    strcmp(rec_str(a, "Status"), "ACTIVE") == 0);
}

static int
org_excluded(const json_t *rec, const char *id)
{
	const json_t	*v;
	size_t		 i;

	json_array_foreach(json_object_get(rec, "exclude_accounts"), i, v) {
		if (strcmp(json_string_value(v), id) == 0)
			return (1);
	}
	return (0);
}

struct org_op {
	const char	*name;
	const json_t	*listed;
	json_t		*work;
	const char	*account;
	const char	*account_name;
	const char	*error;
	const char	*reason;	/* why the account is gone */
	int		 changed;	/* the error is not the last one */
};

/* Mark an account gone (once: the first time says since when). */
static void
org_gone(json_t *acct, const char *reason, time_t now)
{
	if (strcmp(rec_str(acct, "state") ? rec_str(acct, "state") : "",
	    "gone") != 0) {
		json_object_set_new(acct, "gone_since", json_integer(now));
		log_info("organization: account %s is gone: %s",
		    rec_str(acct, "id"), reason);
	}
	json_object_set_new(acct, "state", json_string("gone"));
	json_object_set_new(acct, "reason", json_string(reason));
	/* An error of before is no longer news (org_account_gone tells one
	 * that comes with going). */
	json_object_del(acct, "error");
}

/* The certificates of every gone account marked gone too (org-gone.c). */
static int
org_listing_gone(struct store_txn *t, const char *name, json_t *accts,
    char **cause)
{
	const char	*id;
	json_t		*acct;
	char		*member;
	size_t		 n;
	int		 ret;

	json_object_foreach(accts, id, acct) {
		if (strcmp(rec_str(acct, "state") ? rec_str(acct, "state") :
		    "", "gone") != 0)
			continue;
		member = org_member(name, id);
		ret = org_certs_gone(t, member, id, (time_t)rec_int(acct,
		    "gone_since"), &n, cause);
		free(member);
		if (ret != 0)
			return (-1);
		if (n > 0)
			log_info("organization %s: %zu certificates of account "
			    "%s marked gone with it", name, n, id);
	}
	return (0);
}

/* long: merges one listing into the account list, every case named */
static int
org_listing_fn(struct store_txn *t, void *arg, char **cause)
{
	struct org_op	*op = arg;
	json_t		*rec, *accts, *a, *acct;
	const char	*id;
	time_t		 now = time(NULL);
	size_t		 i;
	int		 ret;
	void		*tmp;

	if ((rec = rec_get(t, DB_CREDENTIALS, op->name, cause)) == NULL) {
		if (*cause == NULL)
			xasprintf(cause, "credential %s was removed", op->name);
		return (-1);
	}
	if ((accts = json_object_get(rec, "accounts")) == NULL ||
	    !json_is_object(accts)) {
		accts = json_object();
		json_object_set_new(rec, "accounts", accts);
	}
	/* Every account known is gone until the listing has it. */
	json_object_foreach_safe(accts, tmp, id, acct)
		json_object_set_new(acct, "listed", json_false());
	json_array_foreach(op->listed, i, a) {
		id = rec_str(a, "Id");
		if ((acct = json_object_get(accts, id)) == NULL) {
			acct = json_pack("{s:s, s:I}", "id", id, "first_seen",
			    (json_int_t)now);
			json_object_set_new(accts, id, acct);
			log_info("organization %s: new account %s (%s)",
			    op->name, id, rec_str(a, "Name"));
		}
		json_object_set_new(acct, "listed", json_true());
		json_object_set_new(acct, "name", json_string(rec_str(a,
		    "Name")));
		json_object_set_new(acct, "status", json_string(*rec_str(a,
		    "State") != '\0' ? rec_str(a, "State") : rec_str(a,
		    "Status")));
		json_object_set_new(acct, "last_listed", json_integer(now));
		if (!org_active(a))
			org_gone(acct, "not active in the organization", now);
		else if (org_excluded(rec, id)) {
			json_object_set_new(acct, "state",
			    json_string("excluded"));
			json_object_del(acct, "reason");
		} else {
			json_object_set_new(acct, "state",
			    json_string("active"));
			json_object_del(acct, "reason");
			json_object_del(acct, "gone_since");
			json_array_append_new(op->work, json_string(id));
		}
	}
	json_object_foreach(accts, id, acct) {
		if (!rec_bool(acct, "listed"))
			org_gone(acct, json_array_size(json_object_get(rec,
			    "include_ous")) > 0 ? "no longer in the organization "
			    "or in its --include-ou" : "no longer in the "
			    "organization", now);
		json_object_del(acct, "listed");
	}
	ret = org_listing_gone(t, op->name, accts, cause);
	json_object_set_new(rec, "listed", json_integer(now));
	if (ret == 0)
		ret = rec_put(t, DB_CREDENTIALS, op->name, rec, cause);
	json_decref(rec);
	return (ret);
}

static int
org_account_gone_fn(struct store_txn *t, void *arg, char **cause)
{
	struct org_op	*op = arg;
	json_t		*rec, *accts, *acct;
	int		 ret;

	if ((rec = rec_get(t, DB_CREDENTIALS, op->name, cause)) == NULL)
		return (*cause != NULL ? -1 : 0);
	accts = json_object_get(rec, "accounts");
	if ((acct = json_object_get(accts, op->account)) == NULL) {
		json_decref(rec);
		return (0);
	}
	org_gone(acct, op->reason, time(NULL));
	ret = org_listing_gone(t, op->name, accts, cause);
	if (ret == 0)
		ret = rec_put(t, DB_CREDENTIALS, op->name, rec, cause);
	json_decref(rec);
	return (ret);
}

void
org_account_gone(const char *name, const char *account, const char *reason)
{
	struct org_op	 op = { .name = name, .account = account,
			    .reason = reason };
	char		*cause = NULL;

	if (store_write(acmd.store, org_account_gone_fn, &op, &cause) != 0) {
		log_warnx("organization %s: account %s: %s", name, account,
		    cause);
		free(cause);
	}
}

json_t *
org_note_listing(const char *name, const json_t *listed, char **cause)
{
	struct org_op	 op = { .name = name, .listed = listed };

	op.work = json_array();
	if (store_write(acmd.store, org_listing_fn, &op, cause) != 0) {
		json_decref(op.work);
		return (NULL);
	}
	return (op.work);
}

static int
org_account_fn(struct store_txn *t, void *arg, char **cause)
{
	struct org_op	*op = arg;
	json_t		*rec, *acct;
	int		 ret;

	if ((rec = rec_get(t, DB_CREDENTIALS, op->name, cause)) == NULL)
		return (*cause != NULL ? -1 : 0);
	acct = json_object_get(json_object_get(rec, "accounts"), op->account);
	if (acct == NULL) {
		json_decref(rec);
		return (0);
	}
	json_object_set_new(acct, "checked", json_integer(time(NULL)));
	op->changed = op->error == NULL ? rec_str(acct, "error") != NULL :
	    rec_str(acct, "error") == NULL || strcmp(rec_str(acct, "error"),
	    op->error) != 0;
	if (op->error != NULL)
		json_object_set_new(acct, "error", json_string(op->error));
	else
		json_object_del(acct, "error");
	ret = rec_put(t, DB_CREDENTIALS, op->name, rec, cause);
	json_decref(rec);
	return (ret);
}

void
org_note_account(const char *name, const char *account,
    const char *account_name, const char *error)
{
	struct org_op	 op = { .name = name, .account = account,
			    .error = error };
	char		*cause = NULL, *msg, f1[96], f2[96];

	if (store_write(acmd.store, org_account_fn, &op, &cause) != 0) {
		log_warnx("organization %s: account %s: %s", name, account,
		    cause);
		free(cause);
	}
	if (error == NULL) {
		if (op.changed)
			log_info("organization %s: account %s is reachable "
			    "again", name, account);
		return;
	}
	xasprintf(&msg, "organization %s: account %s%s%s%s is unreachable: %s",
	    name, account, account_name ? " (" : "", account_name ?
	    account_name : "", account_name ? ")" : "", error);
	/* The journal hears of it when it starts or its error changes. */
	if (!op.changed) {
		log_debug("%s", msg);
		free(msg);
		return;
	}
	snprintf(f1, sizeof f1, "ACCOUNT=%s", account);
	snprintf(f2, sizeof f2, "CREDENTIAL=%s", name);
	log_event(LOG_WARNING, "account-unreachable", msg, f1, f2,
	    (char *)NULL);
	free(msg);
}

char *
org_account_state(const char *name, const char *account)
{
	json_t		*rec, *acct;
	char		*cause = NULL, *state = NULL;

	if ((rec = org_rec(name, &cause)) == NULL) {
		free(cause);
		return (NULL);
	}
	acct = json_object_get(json_object_get(rec, "accounts"), account);
	if (rec_str(acct, "state") != NULL)
		state = xstrdup(rec_str(acct, "state"));
	json_decref(rec);
	return (state);
}

static int
org_status_cb(const char *key, json_t *rec, void *arg)
{
	json_t		*rows = arg, *row, *bad, *acct;
	const char	*id, *state;
	json_int_t	 active = 0, gone = 0, excluded = 0;

	if (!rec_bool(rec, "organization"))
		return (0);
	bad = json_array();
	json_object_foreach(json_object_get(rec, "accounts"), id, acct) {
		state = rec_str(acct, "state") ? rec_str(acct, "state") : "";
		if (strcmp(state, "active") == 0)
			active++;
		else if (strcmp(state, "gone") == 0)
			gone++;
		else
			excluded++;
		/* Active ones, and gone ones whose going came with an
		 * error (org_account_gone; the next listing forgets it). */
		if ((strcmp(state, "active") == 0 || strcmp(state, "gone") ==
		    0) && rec_str(acct, "error"))
			json_array_append_new(bad, json_pack("{s:s, s:s?, "
			    "s:s, s:s?}", "account", id, "name", rec_str(acct,
			    "name"), "error", rec_str(acct, "error"), "gone",
			    strcmp(state, "gone") == 0 ? rec_str(acct,
			    "reason") : NULL));
	}
	row = json_pack("{s:s, s:s?, s:I, s:I, s:I, s:o}", "credential", key,
	    "role_name", rec_str(rec, "role_name"), "active", active, "gone",
	    gone, "excluded", excluded, "unreachable", bad);
	json_array_append_new(rows, row);
	return (0);
}

json_t *
org_status(char **cause)
{
	json_t	*rows = json_array();

	if (rec_walk(DB_CREDENTIALS, NULL, org_status_cb, rows, cause) != 0) {
		json_decref(rows);
		return (NULL);
	}
	return (rows);
}

/* credential test ORG: who the keys are, the organization, each role. */
struct org_test {
	struct op_reply	 reply;
	char		*name;
	json_t		*rec;
	struct aws_cred	*cred;
	json_t		*out;		/* the answer being built */
	json_t		*rows;		/* one per account listed */
	size_t		 pending;
};

struct org_test_acct {
	struct org_test	*t;
	json_t		*row;		/* borrowed from t->rows */
};

static void
org_test_free(struct org_test *t)
{
	free(t->name);
	json_decref(t->rec);
	aws_cred_unref(t->cred);
	json_decref(t->out);
	json_decref(t->rows);
	free(t);
}

static void
org_test_account_done(struct org_test *t)
{
	if (--t->pending > 0)
		return;
	json_object_set(t->out, "accounts", t->rows);
	op_ok(&t->reply, json_incref(t->out));
	org_test_free(t);
}

static void
org_test_assumed(struct aws_result *r, void *arg)
{
	struct org_test_acct	*a = arg;
	const char		*id = rec_str(a->row, "account");
	char			*err = NULL;

	if (!r->ok)
		xasprintf(&err, "%s: %s", r->err.code, r->err.message);
	json_object_set_new(a->row, "assumed", json_boolean(r->ok));
	json_object_set_new(a->row, "error", err ? json_string(err) :
	    json_null());
	org_note_account(a->t->name, id, rec_str(a->row, "name"), err);
	free(err);
	org_test_account_done(a->t);
	free(a);
}

static void
org_test_listed(json_t *listed, const struct aws_error *err, void *arg)
{
	struct org_test		*t = arg;
	struct org_test_acct	*a;
	struct aws_cred		*c;
	json_t			*work, *l, *row;
	char			*cause = NULL, *member;
	size_t			 i, j;
	int			 todo;

	if (err != NULL) {
		op_fail_aws(&t->reply, err, "listing the organization's "
		    "accounts");
		org_test_free(t);
		return;
	}
	if ((work = org_note_listing(t->name, listed, &cause)) == NULL) {
		op_fail(&t->reply, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		org_test_free(t);
		return;
	}
	t->pending = 1;
	json_array_foreach(listed, i, l) {
		todo = 0;
		json_array_foreach(work, j, row) {
			if (strcmp(json_string_value(row), rec_str(l, "Id")) == 0)
				todo = 1;
		}
		row = json_pack("{s:s, s:s, s:s, s:s, s:b, s:n}", "account",
		    rec_str(l, "Id"), "name", rec_str(l, "Name"), "status",
		    *rec_str(l, "State") ? rec_str(l, "State") : rec_str(l,
		    "Status"), "state", todo ? "active" : org_excluded(t->rec,
		    rec_str(l, "Id")) ? "excluded" : "gone", "assumed", 0,
		    "error");
		json_array_append_new(t->rows, row);
		if (!todo)
			continue;
		member = org_member(t->name, rec_str(l, "Id"));
		if ((c = creds_get(member, &cause)) == NULL) {
			json_object_set_new(row, "error", json_string(cause));
			free(cause);
			cause = NULL;
			free(member);
			continue;
		}
		a = xcalloc(1, sizeof *a);
		a->t = t;
		a->row = row;
		t->pending++;
		sts_get_caller_identity(c, org_test_assumed, a);
		aws_cred_unref(c);
		free(member);
	}
	json_decref(work);
	org_test_account_done(t);
}

static void
org_test_described(struct aws_result *r, void *arg)
{
	struct org_test	*t = arg;
	json_t		*o = json_object_get(r->json, "Organization");

	if (!r->ok) {
		op_fail_aws(&t->reply, &r->err, "DescribeOrganization");
		org_test_free(t);
		return;
	}
	json_object_set_new(t->out, "organization", json_string(rec_str(o,
	    "Id") ? rec_str(o, "Id") : ""));
	json_object_set_new(t->out, "management_account", json_string(
	    rec_str(o, "MasterAccountId") ? rec_str(o, "MasterAccountId") :
	    ""));
	org_list(t->name, t->rec, org_test_listed, t);
}

static void
org_test_identified(struct aws_result *r, void *arg)
{
	struct org_test	*t = arg;
	const char	*account, *arn;

	if (!r->ok) {
		op_fail_aws(&t->reply, &r->err, NULL);
		org_test_free(t);
		return;
	}
	account = xml_text(r->xml, "GetCallerIdentityResult/Account");
	arn = xml_text(r->xml, "GetCallerIdentityResult/Arn");
	if (account == NULL || arn == NULL) {
		op_fail(&t->reply, PROTO_EAWS, "STS GetCallerIdentity "
		    "answered without an account");
		org_test_free(t);
		return;
	}
	creds_note_identity(t->name, account, arn);
	json_object_set_new(t->out, "account", json_string(account));
	json_object_set_new(t->out, "arn", json_string(arn));
	orgs_describe_organization(t->cred, org_test_described, t);
}

void
org_test(const char *name, struct op_reply reply)
{
	struct org_test	*t;
	char		*cause = NULL;

	t = xcalloc(1, sizeof *t);
	t->reply = reply;
	t->name = xstrdup(name);
	if ((t->rec = org_rec(name, &cause)) == NULL ||
	    (t->cred = creds_get(name, &cause)) == NULL) {
		op_fail(&reply, PROTO_ENOTFOUND, "%s", cause ? cause :
		    "not an organization's credential");
		free(cause);
		org_test_free(t);
		return;
	}
	t->out = json_pack("{s:s, s:s?}", "credential", name, "role_name",
	    rec_str(t->rec, "role_name"));
	t->rows = json_array();
	sts_get_caller_identity(t->cred, org_test_identified, t);
}

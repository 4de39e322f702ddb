/*
 * request public/private/list/show/records/sync/deploy-challenge/
 * resend-email, ca list: certificates requested from ACM (requests.h).
 */
#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/endpoint.h"
#include "cmd.h"
#include "repo.h"
#include "requests.h"
#include "xmalloc.h"

/* RequestCertificate: the first name, the Common Name, is 64 octets at most. */
#define REQ_DOMAIN_MAX	64

static const char *const key_algorithms[] = { "RSA_2048", "EC_prime256v1",
    "EC_secp384r1", NULL };

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

/* The arguments both kinds of request take. */
static int
req_common_args(struct cmd_ctx *ctx, struct request_spec *s)
{
	char	**sanv = NULL;
	size_t	 nsans = 0, i;
	int	 ret = -1;

	if (cmd_arg_str(ctx, PROTO_A_CREDENTIAL, 1, &s->credential) != 0 ||
	    cmd_arg_org_account(ctx, &s->credential) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_REGION, 1, &s->region) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_DOMAIN, 1, &s->domain) != 0 ||
	    cmd_arg_strv(ctx, PROTO_A_SAN, 0, &sanv, &nsans) != 0 ||
	    cmd_arg_tags(ctx, PROTO_A_TAG, &s->tags) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_NAME, 0, &s->name) != 0)
		goto out;
	if (s->tags == NULL)
		s->tags = json_array();
	if (!aws_region_valid(s->region)) {
		cmd_reply_arg_error(ctx, PROTO_A_REGION, "unknown region '%s'",
		    s->region);
		goto out;
	}
	if (!valid_domain(s->domain)) {
		cmd_reply_arg_error(ctx, PROTO_A_DOMAIN, "'%s' is not a domain "
		    "name ACM can certify", s->domain);
		goto out;
	}
	/* The first name is the Common Name: RFC 5280's 64 octets. */
	if (strlen(s->domain) > REQ_DOMAIN_MAX) {
		cmd_reply_arg_error(ctx, PROTO_A_DOMAIN, "'%s' is %zu characters; "
		    "ACM takes at most %d for the first name (the Common Name): "
		    "give a shorter --domain and this name as --san", s->domain,
		    strlen(s->domain), REQ_DOMAIN_MAX);
		goto out;
	}
	s->sans = json_array();
	for (i = 0; i < nsans; i++) {
		if (!valid_domain(sanv[i])) {
			cmd_reply_arg_error(ctx, PROTO_A_SAN, "'%s' is not a "
			    "domain name ACM can certify", sanv[i]);
			goto out;
		}
		json_array_append_new(s->sans, json_string(sanv[i]));
	}
	if (s->name != NULL && !repo_valid_name(s->name)) {
		cmd_reply_arg_error(ctx, PROTO_A_NAME, "'%s' is not a valid "
		    "repository name", s->name);
		goto out;
	}
	ret = 0;
out:
	mp_strv_free(sanv);
	return (ret);
}

/* request public's own: validation, key algorithm, zone. */
static int
req_public_args(struct cmd_ctx *ctx, struct request_spec *s)
{
	int	 manual = 0;
	size_t	 i;

	if (cmd_arg_str(ctx, PROTO_A_VALIDATION, 1, &s->validation) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_KEY_ALGORITHM, 0, &s->key_algorithm) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_HOSTED_ZONE, 0, &s->hosted_zone) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_AUTO_ZONE, &s->auto_zone) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_MANUAL_DNS, &manual) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_EXPORTABLE, &s->exportable) != 0)
		return (-1);
	if ((s->with_key || s->auto_export) && !s->exportable) {
		cmd_reply_arg_error(ctx, s->auto_export ? PROTO_A_AUTO_EXPORT :
		    PROTO_A_WITH_KEY, "only an exportable public certificate "
		    "has a key to export: add --exportable");
		return (-1);
	}
	for (i = 0; s->validation[i] != '\0'; i++)
		s->validation[i] = (char)toupper((unsigned char)s->validation[i]);
	if (strcmp(s->validation, "DNS") != 0 &&
	    strcmp(s->validation, "EMAIL") != 0) {
		cmd_reply_arg_error(ctx, PROTO_A_VALIDATION, "--validation is "
		    "dns or email");
		return (-1);
	}
	if ((s->hosted_zone != NULL) + s->auto_zone + manual > 1) {
		cmd_reply_arg_error(ctx, PROTO_A_HOSTED_ZONE, "give one of "
		    "--hosted-zone, --auto-zone and --manual-dns");
		return (-1);
	}
	if (strcmp(s->validation, "EMAIL") == 0 && (s->hosted_zone != NULL ||
	    s->auto_zone || manual)) {
		cmd_reply_arg_error(ctx, PROTO_A_VALIDATION, "zone options go "
		    "with --validation dns");
		return (-1);
	}
	for (i = 0; s->key_algorithm != NULL && key_algorithms[i] != NULL; i++) {
		if (strcmp(key_algorithms[i], s->key_algorithm) == 0)
			break;
	}
	if (s->key_algorithm != NULL && key_algorithms[i] == NULL) {
		cmd_reply_arg_error(ctx, PROTO_A_KEY_ALGORITHM, "--key-algorithm "
		    "is RSA_2048, EC_prime256v1 or EC_secp384r1");
		return (-1);
	}
	return (0);
}

static void
req_create(struct cmd_ctx *ctx, const char *kind)
{
	struct request_spec	*s;

	s = xcalloc(1, sizeof *s);
	s->kind = kind;
	if (req_common_args(ctx, s) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_WITH_KEY, &s->with_key) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_AUTO_EXPORT, &s->auto_export) != 0)
		goto fail;
	if (strcmp(kind, "public") == 0) {
		if (req_public_args(ctx, s) != 0)
			goto fail;
	} else if (cmd_arg_str(ctx, PROTO_A_CA, 1, &s->ca) != 0)
		goto fail;
	/* Each renewal's key is exported: the first one's too. */
	if (s->auto_export)
		s->with_key = 1;
	requests_create(s, cmd_op(ctx));
	return;
fail:
	request_spec_free(s);
}

static void
cmd_request_public_exec(struct cmd_ctx *ctx)
{
	req_create(ctx, "public");
}

const struct cmd_entry cmd_request_public_entry = {
	.name = PROTO_CMD_REQUEST_PUBLIC,
	.usage = "request public --credential C [--account ID] --region R "
	    "--domain D [--san S]... --validation dns|email [--key-algorithm A] "
	    "[--hosted-zone ID | --auto-zone | --manual-dns] [--tag K=V]... "
	    "[--name NAME] [--exportable [--with-key] [--auto-export]]",
	.exec = cmd_request_public_exec,
};

static void
cmd_request_private_exec(struct cmd_ctx *ctx)
{
	req_create(ctx, "private");
}

const struct cmd_entry cmd_request_private_entry = {
	.name = PROTO_CMD_REQUEST_PRIVATE,
	.usage = "request private --credential C [--account ID] --region R "
	    "--ca ARN --domain D [--san S]... [--with-key] [--auto-export] "
	    "[--name NAME]",
	.exec = cmd_request_private_exec,
};

static void
cmd_request_list_exec(struct cmd_ctx *ctx)
{
	json_t	*rows;
	char	*cause = NULL;

	if ((rows = requests_list(&cause)) == NULL) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		return;
	}
	cmd_reply_json(ctx, rows);
}

const struct cmd_entry cmd_request_list_entry = {
	.name = PROTO_CMD_REQUEST_LIST,
	.usage = "request list",
	.flags = CMD_READONLY,
	.exec = cmd_request_list_exec,
};

static void
cmd_request_show_exec(struct cmd_ctx *ctx)
{
	json_t	*v;
	char	*id = NULL;

	if (cmd_arg_str(ctx, PROTO_A_ID, 1, &id) != 0)
		return;
	if ((v = requests_show(id, cmd_op(ctx))) != NULL)
		cmd_reply_json(ctx, v);
	free(id);
}

const struct cmd_entry cmd_request_show_entry = {
	.name = PROTO_CMD_REQUEST_SHOW,
	.usage = "request show ID",
	.flags = CMD_READONLY,
	.exec = cmd_request_show_exec,
};

static void
cmd_request_records_exec(struct cmd_ctx *ctx)
{
	json_t	*rows;
	char	*id = NULL, *status = NULL;

	if (cmd_arg_str(ctx, PROTO_A_ID, 1, &id) != 0)
		return;
	if ((rows = requests_records(id, &status, cmd_op(ctx))) != NULL) {
		/* Not an error: ACM publishes them a few seconds after. */
		if (json_array_size(rows) == 0)
			cmd_note(ctx, "ACM has not published the validation "
			    "records of %s yet (status: %s); they appear a few "
			    "seconds after the request: run this again in a "
			    "moment", id, status);
		cmd_reply_json(ctx, rows);
	}
	free(status);
	free(id);
}

const struct cmd_entry cmd_request_records_entry = {
	.name = PROTO_CMD_REQUEST_RECORDS,
	.usage = "request records ID",
	.flags = CMD_READONLY,
	.exec = cmd_request_records_exec,
};

static void
cmd_request_sync_exec(struct cmd_ctx *ctx)
{
	char	*id = NULL;

	if (cmd_arg_str(ctx, PROTO_A_ID, 1, &id) != 0)
		return;
	requests_sync(id, cmd_op(ctx));
	free(id);
}

const struct cmd_entry cmd_request_sync_entry = {
	.name = PROTO_CMD_REQUEST_SYNC,
	.usage = "request sync ID",
	.exec = cmd_request_sync_exec,
};

static void
cmd_request_challenge_exec(struct cmd_ctx *ctx)
{
	char	*id = NULL, *zone = NULL;
	int	 autozone = 0;

	if (cmd_arg_str(ctx, PROTO_A_ID, 1, &id) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_HOSTED_ZONE, 0, &zone) != 0 ||
	    cmd_arg_bool(ctx, PROTO_A_AUTO_ZONE, &autozone) != 0)
		goto out;
	requests_challenge(id, zone, autozone, cmd_op(ctx));
out:
	free(id);
	free(zone);
}

const struct cmd_entry cmd_request_challenge_entry = {
	.name = PROTO_CMD_REQUEST_CHALLENGE,
	.usage = "request deploy-challenge ID [--hosted-zone ID | --auto-zone]",
	.exec = cmd_request_challenge_exec,
};

static void
cmd_request_resend_exec(struct cmd_ctx *ctx)
{
	char	*id = NULL, *only = NULL;

	if (cmd_arg_str(ctx, PROTO_A_ID, 1, &id) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_DOMAIN, 0, &only) != 0)
		goto out;
	requests_resend(id, only, cmd_op(ctx));
out:
	free(id);
	free(only);
}

const struct cmd_entry cmd_request_resend_entry = {
	.name = PROTO_CMD_REQUEST_RESEND,
	.usage = "request resend-email ID [--domain D]",
	.exec = cmd_request_resend_exec,
};

static void
cmd_request_auto_export_exec(struct cmd_ctx *ctx)
{
	char	*id = NULL;
	int	 off = 0;

	if (cmd_arg_str(ctx, PROTO_A_ID, 1, &id) == 0 &&
	    cmd_arg_bool(ctx, PROTO_A_OFF, &off) == 0)
		requests_auto_export(id, !off, cmd_op(ctx));
	free(id);
}

const struct cmd_entry cmd_request_auto_export_entry = {
	.name = PROTO_CMD_REQUEST_AUTO_EXPORT,
	.usage = "request auto-export ID|ARN [--off]",
	.exec = cmd_request_auto_export_exec,
};

static void
cmd_ca_list_exec(struct cmd_ctx *ctx)
{
	char	*cred = NULL, *region = NULL;

	if (cmd_arg_str(ctx, PROTO_A_CREDENTIAL, 0, &cred) != 0 ||
	    cmd_arg_str(ctx, PROTO_A_REGION, 1, &region) != 0)
		goto out;
	if (!aws_region_valid(region)) {
		cmd_reply_arg_error(ctx, PROTO_A_REGION, "unknown region '%s' "
		    "(not one where ACM runs)", region);
		goto out;
	}
	requests_ca_list(cred, region, cmd_op(ctx));
out:
	free(cred);
	free(region);
}

const struct cmd_entry cmd_ca_list_entry = {
	.name = PROTO_CMD_CA_LIST,
	.usage = "ca list --credential C --region R",
	.flags = CMD_NOAUDIT,	/* calls AWS with the stored keys */
	.exec = cmd_ca_list_exec,
};

/*
 * The arguments of every command (proto.h): one declaration, used by
 * acmd to check a request before the command runs and by acmctl to build
 * one.
 */
#include <string.h>

#include "proto.h"

/* Bounds: what the longest sane value is, well short of a frame. */
#define LEN_NAME	128		/* repository and credential names */
#define LEN_REGION	32
#define LEN_DOMAIN	253
#define LEN_ARN		2048
#define LEN_PEM		(1024 * 1024)	/* PEM_MAX_INPUT */
#define LEN_SHORT	64		/* enum-like values */
#define LEN_TAG		(128 + 1 + 256)	/* KEY=VALUE at ACM's limits */
#define LEN_SECRET	128
#define LEN_TOKEN	8192		/* an STS session token */
#define LEN_PASS	1023		/* PEM_MAX_PASS */
#define ITEMS_REGIONS	64
#define ITEMS_CREDS	256
#define ITEMS_SANS	100		/* ACM's most names on a certificate */
#define ITEMS_TAGS	50		/* ACM's most tags on a certificate */
#define ITEMS_TARGETS	64		/* CONF_MAX_TARGETS */
#define ITEMS_ACCOUNTS	1000		/* an organization's accounts */
#define ITEMS_OUS	100

#define ARG(k, t, f, len, items) { .key = (k), .type = (t), .flags = (f), \
	.max_len = (len), .max_items = (items) }
#define STR(k, f, len)		ARG(k, PROTO_T_STR, f, len, 0)
#define STRV(k, f, len, n)	ARG(k, PROTO_T_STRV, f, len, n)
#define BOOL(k)			ARG(k, PROTO_T_BOOL, 0, 0, 0)
#define UINT(k)			ARG(k, PROTO_T_UINT, 0, 0, 0)
#define END			{ .key = NULL }
#define REQ			(PROTO_ARG_REQUIRED | PROTO_ARG_NONEMPTY)

static const struct proto_arg no_args[] = { END };

static const struct proto_arg audit_args[] = {
	UINT(PROTO_A_LIMIT), END
};

static const struct proto_arg credential_add_args[] = {
	STR(PROTO_A_NAME, REQ, LEN_NAME),
	STR(PROTO_A_ACCESS_KEY, 0, LEN_SECRET),
	STR(PROTO_A_SECRET, PROTO_ARG_SECRET, LEN_SECRET),
	STR(PROTO_A_SESSION_TOKEN, PROTO_ARG_SECRET, LEN_TOKEN),
	STR(PROTO_A_PROFILE, 0, LEN_NAME),
	STR(PROTO_A_ROLE_ARN, 0, LEN_ARN),
	STR(PROTO_A_EXTERNAL_ID, 0, 1224),	/* STS's limit */
	BOOL(PROTO_A_ENV),
	BOOL(PROTO_A_ORGANIZATION),
	STR(PROTO_A_ROLE_NAME, 0, LEN_SHORT),
	STRV(PROTO_A_EXCLUDE_ACCOUNT, 0, LEN_SHORT, ITEMS_ACCOUNTS),
	STRV(PROTO_A_INCLUDE_OU, 0, LEN_SHORT, ITEMS_OUS),
	END
};

static const struct proto_arg name_arg[] = {
	STR(PROTO_A_NAME, REQ, LEN_NAME), END
};

static const struct proto_arg name_opt_arg[] = {
	STR(PROTO_A_NAME, 0, LEN_NAME), END
};

static const struct proto_arg cert_add_args[] = {
	STR(PROTO_A_NAME, REQ, LEN_NAME),
	STR(PROTO_A_CERT_PEM, REQ, LEN_PEM),
	STR(PROTO_A_CHAIN_PEM, 0, LEN_PEM),
	STR(PROTO_A_KEY_PEM, PROTO_ARG_REQUIRED | PROTO_ARG_SECRET, LEN_PEM),
	STR(PROTO_A_PASSPHRASE, PROTO_ARG_SECRET, LEN_PASS),
	END
};

static const struct proto_arg cert_export_args[] = {
	STR(PROTO_A_NAME, REQ, LEN_NAME),
	UINT(PROTO_A_VERSION),
	BOOL(PROTO_A_WITH_KEY),
	END
};

static const struct proto_arg discover_args[] = {
	STRV(PROTO_A_CREDENTIAL, 0, LEN_NAME, ITEMS_CREDS),
	STRV(PROTO_A_REGION, 0, LEN_REGION, ITEMS_REGIONS),
	BOOL(PROTO_A_FULL),
	END
};

static const struct proto_arg acm_list_args[] = {
	STRV(PROTO_A_CREDENTIAL, 0, LEN_NAME, ITEMS_CREDS),
	STRV(PROTO_A_REGION, 0, LEN_REGION, ITEMS_REGIONS),
	STR(PROTO_A_TYPE, 0, LEN_SHORT),
	STR(PROTO_A_STATUS, 0, LEN_SHORT),
	STR(PROTO_A_DOMAIN, 0, LEN_DOMAIN),
	UINT(PROTO_A_EXPIRING),
	BOOL(PROTO_A_ALL),
	STRV(PROTO_A_ACCOUNT, 0, LEN_SHORT, ITEMS_ACCOUNTS),
	END
};

static const struct proto_arg arn_arg[] = {
	STR(PROTO_A_ARN, REQ, LEN_ARN), END
};

static const struct proto_arg all_arg[] = {
	BOOL(PROTO_A_ALL), END
};

static const struct proto_arg delete_args[] = {
	STR(PROTO_A_ARN, REQ, LEN_ARN), BOOL(PROTO_A_YES), END
};

static const struct proto_arg deploy_args[] = {
	STR(PROTO_A_NAME, REQ, LEN_NAME),
	STR(PROTO_A_CREDENTIAL, PROTO_ARG_NONEMPTY, LEN_NAME),
	STR(PROTO_A_ACCOUNT, PROTO_ARG_NONEMPTY, LEN_SHORT),
	STRV(PROTO_A_REGION, 0, LEN_REGION, ITEMS_REGIONS),
	STRV(PROTO_A_TARGET, 0, LEN_NAME, ITEMS_TARGETS),
	BOOL(PROTO_A_ALL_REGIONS),
	BOOL(PROTO_A_REPLACE),
	BOOL(PROTO_A_AUTO_REDEPLOY),
	STRV(PROTO_A_TAG, 0, LEN_TAG, ITEMS_TAGS),
	END
};

static const struct proto_arg deploy_remove_args[] = {
	STR(PROTO_A_NAME, REQ, LEN_NAME),
	STRV(PROTO_A_REGION, 0, LEN_REGION, ITEMS_REGIONS),
	END
};

static const struct proto_arg deploy_check_args[] = {
	BOOL(PROTO_A_NO_WAIT), END
};

#define REQUEST_COMMON \
	STR(PROTO_A_CREDENTIAL, REQ, LEN_NAME), \
	STR(PROTO_A_ACCOUNT, PROTO_ARG_NONEMPTY, LEN_SHORT), \
	STR(PROTO_A_REGION, REQ, LEN_REGION), \
	STR(PROTO_A_DOMAIN, REQ, LEN_DOMAIN), \
	STRV(PROTO_A_SAN, 0, LEN_DOMAIN, ITEMS_SANS), \
	STRV(PROTO_A_TAG, 0, LEN_TAG, ITEMS_TAGS), \
	STR(PROTO_A_NAME, 0, LEN_NAME)

static const struct proto_arg request_public_args[] = {
	REQUEST_COMMON,
	STR(PROTO_A_VALIDATION, REQ, LEN_SHORT),
	STR(PROTO_A_KEY_ALGORITHM, 0, LEN_SHORT),
	STR(PROTO_A_HOSTED_ZONE, PROTO_ARG_NONEMPTY, LEN_DOMAIN),
	BOOL(PROTO_A_AUTO_ZONE),
	BOOL(PROTO_A_MANUAL_DNS),
	BOOL(PROTO_A_EXPORTABLE),
	BOOL(PROTO_A_WITH_KEY),
	BOOL(PROTO_A_AUTO_EXPORT),
	END
};

static const struct proto_arg request_private_args[] = {
	REQUEST_COMMON,
	STR(PROTO_A_CA, REQ, LEN_ARN),
	BOOL(PROTO_A_WITH_KEY),
	BOOL(PROTO_A_AUTO_EXPORT),
	END
};

static const struct proto_arg auto_export_args[] = {
	STR(PROTO_A_ID, REQ, LEN_ARN),		/* a request's id, or an ARN */
	BOOL(PROTO_A_OFF),
	END
};

static const struct proto_arg id_arg[] = {
	STR(PROTO_A_ID, REQ, LEN_SHORT), END
};

static const struct proto_arg challenge_args[] = {
	STR(PROTO_A_ID, REQ, LEN_SHORT),
	STR(PROTO_A_HOSTED_ZONE, PROTO_ARG_NONEMPTY, LEN_DOMAIN),
	BOOL(PROTO_A_AUTO_ZONE),
	END
};

static const struct proto_arg resend_args[] = {
	STR(PROTO_A_ID, REQ, LEN_SHORT),
	STR(PROTO_A_DOMAIN, 0, LEN_DOMAIN),
	END
};

static const struct proto_arg ca_list_args[] = {
	STR(PROTO_A_CREDENTIAL, 0, LEN_NAME),
	STR(PROTO_A_REGION, REQ, LEN_REGION),
	END
};

static const struct proto_arg renew_args[] = {
	STR(PROTO_A_ARN, REQ, LEN_ARN),
	STR(PROTO_A_CREDENTIAL, 0, LEN_NAME),
	BOOL(PROTO_A_WITH_KEY),
	BOOL(PROTO_A_YES),
	END
};

static const struct proto_arg revoke_args[] = {
	STR(PROTO_A_ARN, REQ, LEN_ARN),
	STR(PROTO_A_REASON, REQ, LEN_SHORT),
	STR(PROTO_A_CREDENTIAL, 0, LEN_NAME),
	END
};

static const struct proto_arg fetch_key_args[] = {
	STR(PROTO_A_ARN, REQ, LEN_ARN),
	STR(PROTO_A_CREDENTIAL, 0, LEN_NAME),
	BOOL(PROTO_A_YES),
	END
};

const struct proto_cmd proto_cmds[] = {
	{ PROTO_CMD_PING, no_args },
	{ PROTO_CMD_STATUS, no_args },
	{ PROTO_CMD_AUDIT, audit_args },
	{ PROTO_CMD_CREDENTIAL_ADD, credential_add_args },
	{ PROTO_CMD_CREDENTIAL_LIST, no_args },
	{ PROTO_CMD_CREDENTIAL_REMOVE, name_arg },
	{ PROTO_CMD_CREDENTIAL_TEST, name_arg },
	{ PROTO_CMD_CERT_ADD, cert_add_args },
	{ PROTO_CMD_CERT_LIST, no_args },
	{ PROTO_CMD_CERT_SHOW, name_arg },
	{ PROTO_CMD_CERT_RENEW, cert_add_args },
	{ PROTO_CMD_CERT_EXPORT, cert_export_args },
	{ PROTO_CMD_CERT_DELETE, name_arg },
	{ PROTO_CMD_DISCOVER, discover_args },
	{ PROTO_CMD_ACM_LIST, acm_list_args },
	{ PROTO_CMD_ACM_SHOW, arn_arg },
	{ PROTO_CMD_IAM_LIST, all_arg },
	{ PROTO_CMD_DELETE, delete_args },
	{ PROTO_CMD_DEPLOY, deploy_args },
	{ PROTO_CMD_DEPLOY_LIST, name_opt_arg },
	{ PROTO_CMD_DEPLOY_SHOW, name_arg },
	{ PROTO_CMD_DEPLOY_REMOVE, deploy_remove_args },
	{ PROTO_CMD_DEPLOY_CHECK, deploy_check_args },
	{ PROTO_CMD_SYNC, name_opt_arg },
	{ PROTO_CMD_REQUEST_PUBLIC, request_public_args },
	{ PROTO_CMD_REQUEST_PRIVATE, request_private_args },
	{ PROTO_CMD_REQUEST_LIST, no_args },
	{ PROTO_CMD_REQUEST_SHOW, id_arg },
	{ PROTO_CMD_REQUEST_RECORDS, id_arg },
	{ PROTO_CMD_REQUEST_SYNC, id_arg },
	{ PROTO_CMD_REQUEST_CHALLENGE, challenge_args },
	{ PROTO_CMD_REQUEST_RESEND, resend_args },
	{ PROTO_CMD_REQUEST_AUTO_EXPORT, auto_export_args },
	{ PROTO_CMD_CA_LIST, ca_list_args },
	{ PROTO_CMD_RENEW, renew_args },
	{ PROTO_CMD_REVOKE, revoke_args },
	{ PROTO_CMD_FETCH_KEY, fetch_key_args },
	{ PROTO_CMD_NOTIFY_TEST, no_args },
	{ PROTO_CMD_NOTIFY_CHECK, no_args },
	{ NULL, NULL }
};

const struct proto_cmd *
proto_cmd_find(const char *name)
{
	const struct proto_cmd	*c;

	for (c = proto_cmds; c->name != NULL; c++) {
		if (strcmp(c->name, name) == 0)
			return (c);
	}
	return (NULL);
}

const struct proto_arg *
proto_arg_find(const struct proto_cmd *c, const char *key)
{
	const struct proto_arg	*a;

	for (a = c->args; a->key != NULL; a++) {
		if (strcmp(a->key, key) == 0)
			return (a);
	}
	return (NULL);
}

const char *
proto_type_name(enum proto_type t)
{
	switch (t) {
	case PROTO_T_STR:
		return ("a string");
	case PROTO_T_STRV:
		return ("a list of strings");
	case PROTO_T_BOOL:
		return ("true or false");
	case PROTO_T_UINT:
		return ("a whole number");
	}
	return ("?");
}

/* The command table of acmctl: what each command takes and prints. */
#include <stddef.h>

#include "acmctl.h"
#include "proto.h"

static const struct ctl_opt no_opts[] = { { NULL, 0, NULL, NULL } };

static const struct ctl_opt audit_opts[] = {
	{ "limit", OPT_UINT, NULL, "show the last N entries (default 50)" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt credential_add_opts[] = {
	{ "access-key", OPT_STR, PROTO_A_ACCESS_KEY,
	  "AWS access key id; the secret is read from standard input" },
	{ "profile", OPT_STR, NULL, "use this profile of the shared AWS files" },
	{ "env", OPT_FLAG, NULL, "use the keys in acmd's environment" },
	{ "role-arn", OPT_STR, PROTO_A_ROLE_ARN, "assume this role (another account)" },
	{ "external-id", OPT_STR, PROTO_A_EXTERNAL_ID, "external id for the role" },
	{ "organization", OPT_FLAG, NULL, "every account of the organization "
	  "these keys manage (with --role-name)" },
	{ "role-name", OPT_STR, PROTO_A_ROLE_NAME, "with --organization: the "
	  "role assumed in each account" },
	{ "exclude-account", OPT_LIST, PROTO_A_EXCLUDE_ACCOUNT, "with "
	  "--organization: leave this account out (repeatable)" },
	{ "include-ou", OPT_LIST, PROTO_A_INCLUDE_OU, "with --organization: "
	  "only the accounts directly in this root or OU (repeatable)" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt cert_add_opts[] = {
	{ "cert", OPT_FILE, PROTO_A_CERT_PEM,
	  "PEM certificate (may hold the chain too)" },
	{ "key", OPT_FILE, PROTO_A_KEY_PEM, "PEM private key (asks for a "
	  "passphrase if encrypted)" },
	{ "chain", OPT_FILE, PROTO_A_CHAIN_PEM, "PEM chain, issuer first" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt cert_export_opts[] = {
	{ "version", OPT_UINT, NULL, "this version (default: the current)" },
	{ "with-key", OPT_FLAG, PROTO_A_WITH_KEY, "include the private key" },
	{ "out", OPT_LOCAL, NULL, "write NAME.crt, NAME.chain.pem (and "
	  "NAME.key, mode 0600) into this directory (not one others can "
	  "write unless sticky)" },
	{ "force", OPT_LOCAL_FLAG, NULL, "with --out: replace existing files "
	  "(never written through: a new file is renamed over them)" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt discover_opts[] = {
	{ "credential", OPT_LIST, NULL, "only this credential (repeatable)" },
	{ "region", OPT_LIST, NULL, "only this region (repeatable)" },
	{ "full", OPT_FLAG, NULL, "describe every certificate and read its "
	  "tags, not only what the listing shows changed" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt acm_list_opts[] = {
	{ "credential", OPT_LIST, NULL, "found with this credential" },
	{ "region", OPT_LIST, NULL, "in this region" },
	{ "type", OPT_STR, NULL, "amazon-issued, private, imported or iam" },
	{ "status", OPT_STR, NULL, "ACM status, e.g. ISSUED" },
	{ "domain", OPT_STR, NULL, "domain or SAN matching this glob" },
	{ "expiring", OPT_UINT, NULL, "expiring within DAYS (or expired)" },
	{ "all", OPT_FLAG, NULL, "include certificates gone from AWS" },
	{ "account", OPT_LIST, NULL, "in this AWS account (repeatable)" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt all_opt[] = {
	{ "all", OPT_FLAG, NULL, "include certificates gone from AWS" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt deploy_opts[] = {
	{ "credential", OPT_STR, NULL, "AWS credential to deploy with" },
	{ "account", OPT_STR, NULL, "with an organization's credential: "
	  "into this account" },
	{ "region", OPT_LIST, NULL, "into this region (repeatable)" },
	{ "all-regions", OPT_FLAG, PROTO_A_ALL_REGIONS, "into every ACM region" },
	{ "replace", OPT_FLAG, NULL, "re-import onto the ARN acmd deployed to "
	  "before (keeps the ARN and what uses it)" },
	{ "auto-redeploy", OPT_FLAG, PROTO_A_AUTO_REDEPLOY, "follow every new "
	  "version of the certificate" },
	{ "tag", OPT_LIST, NULL, "KEY=VALUE tag on the ACM certificate" },
	{ "target", OPT_LIST, NULL, "write into this [target] of acmd.conf "
	  "and run its reload command (repeatable; instead of ACM)" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt check_opts[] = {
	{ "no-wait", OPT_FLAG, PROTO_A_NO_WAIT, "start the check and return at "
	  "once" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt region_opts[] = {
	{ "region", OPT_LIST, NULL, "only in this region (repeatable)" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt request_public_opts[] = {
	{ "credential", OPT_STR, NULL, "AWS credential to request with" },
	{ "account", OPT_STR, NULL, "with an organization's credential: "
	  "in this account" },
	{ "region", OPT_STR, NULL, "ACM region" },
	{ "domain", OPT_STR, NULL, "the certificate's first name, its Common "
	  "Name (64 characters at most; longer names go in --san)" },
	{ "san", OPT_LIST, NULL, "another name on it, up to 253 characters "
	  "(repeatable)" },
	{ "validation", OPT_STR, NULL, "dns or email" },
	{ "key-algorithm", OPT_STR, PROTO_A_KEY_ALGORITHM,
	  "RSA_2048, EC_prime256v1 or EC_secp384r1" },
	{ "hosted-zone", OPT_STR, PROTO_A_HOSTED_ZONE, "write the validation "
	  "records into this Route 53 zone" },
	{ "auto-zone", OPT_FLAG, PROTO_A_AUTO_ZONE, "find the Route 53 zone (the "
	  "longest match)" },
	{ "manual-dns", OPT_FLAG, PROTO_A_MANUAL_DNS, "show the records to create "
	  "by hand (the default)" },
	{ "tag", OPT_LIST, NULL, "KEY=VALUE tag, key up to 128 and value up to "
	  "256 characters (repeatable)" },
	{ "name", OPT_STR, NULL, "repository name (default: the domain)" },
	{ "exportable", OPT_FLAG, NULL, "exportable (for servers outside AWS)" },
	{ "with-key", OPT_FLAG, PROTO_A_WITH_KEY, "export its key when issued" },
	{ "auto-export", OPT_FLAG, PROTO_A_AUTO_EXPORT, "and after each renewal" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt request_private_opts[] = {
	{ "credential", OPT_STR, NULL, "AWS credential to request with" },
	{ "account", OPT_STR, NULL, "with an organization's credential: "
	  "in this account" },
	{ "region", OPT_STR, NULL, "ACM region" },
	{ "ca", OPT_STR, NULL, "ARN of the ACM Private CA" },
	{ "domain", OPT_STR, NULL, "the certificate's first name, its Common "
	  "Name (64 characters at most; longer names go in --san)" },
	{ "san", OPT_LIST, NULL, "another name on it, up to 253 characters "
	  "(repeatable)" },
	{ "with-key", OPT_FLAG, PROTO_A_WITH_KEY, "also fetch the private key "
	  "(ExportCertificate; AWS charges for it)" },
	{ "auto-export", OPT_FLAG, PROTO_A_AUTO_EXPORT, "export it again after "
	  "each renewal" },
	{ "tag", OPT_LIST, NULL, "KEY=VALUE tag, key up to 128 and value up to "
	  "256 characters (repeatable)" },
	{ "name", OPT_STR, NULL, "repository name (default: the domain)" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt challenge_opts[] = {
	{ "hosted-zone", OPT_STR, PROTO_A_HOSTED_ZONE, "Route 53 zone to write to" },
	{ "auto-zone", OPT_FLAG, PROTO_A_AUTO_ZONE, "find the zone" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt off_opt[] = {
	{ "off", OPT_FLAG, NULL, "turn it off" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt resend_opts[] = {
	{ "domain", OPT_STR, NULL, "only for this domain" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt ca_list_opts[] = {
	{ "credential", OPT_STR, NULL, "AWS credential (default: default)" },
	{ "region", OPT_STR, NULL, "the region of the private CAs" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt renew_opts[] = {
	{ "credential", OPT_STR, NULL, "AWS credential (default: the one that "
	  "found it)" },
	{ "with-key", OPT_FLAG, PROTO_A_WITH_KEY, "also export the renewed key "
	  "(charged by AWS)" },
	{ "yes", OPT_FLAG, NULL, "do not ask for confirmation" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt revoke_opts[] = {
	{ "reason", OPT_STR, NULL, "key-compromise, superseded, "
	  "cessation-of-operation, affiliation-changed, privilege-withdrawn, "
	  "certificate-authority-compromise, a-a-compromise or unspecified" },
	{ "credential", OPT_STR, NULL, "AWS credential (default: the one that "
	  "found it)" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt fetch_key_opts[] = {
	{ "credential", OPT_STR, NULL, "AWS credential (default: the one that "
	  "found it)" },
	{ "yes", OPT_FLAG, NULL, "do not ask for confirmation" },
	{ NULL, 0, NULL, NULL }
};

static const struct ctl_opt yes_opt[] = {
	{ "yes", OPT_FLAG, NULL, "do not ask for confirmation" },
	{ NULL, 0, NULL, NULL }
};

const struct ctl_cmd ctl_cmds[] = {
	{ .name = "ping", .cmd = PROTO_CMD_PING, .args = "",
	  .help = "check that acmd answers", .opts = no_opts,
	  .render = render_generic },
	{ .name = "status", .cmd = PROTO_CMD_STATUS, .args = "",
	  .help = "daemon version, uptime, store, counts and jobs",
	  .opts = no_opts, .render = render_status_org },
	{ .name = "audit", .cmd = PROTO_CMD_AUDIT, .args = "",
	  .help = "the audit log of state-changing commands (admin only)",
	  .opts = audit_opts, .render = render_audit },
	{ .name = "credential add", .cmd = PROTO_CMD_CREDENTIAL_ADD, .args = "NAME",
	  .help = "store AWS credentials (secret from standard input)",
	  .opts = credential_add_opts, .render = render_credential,
	  .prepare = prepare_secret },
	{ .name = "credential list", .cmd = PROTO_CMD_CREDENTIAL_LIST, .args = "",
	  .help = "the stored credentials (secrets are never shown)",
	  .opts = no_opts, .render = render_generic },
	{ .name = "credential remove", .cmd = PROTO_CMD_CREDENTIAL_REMOVE,
	  .args = "NAME", .help = "forget a stored credential",
	  .opts = no_opts, .render = render_generic },
	{ .name = "credential test", .cmd = PROTO_CMD_CREDENTIAL_TEST, .args = "NAME",
	  .help = "ask STS who the credential is (account and ARN); for an "
	  "organization's, its accounts and which roles could be assumed",
	  .opts = no_opts, .render = render_credential_test },
	{ .name = "cert add", .cmd = PROTO_CMD_CERT_ADD, .args = "NAME",
	  .help = "add a certificate with its key to the repository",
	  .opts = cert_add_opts, .render = render_generic,
	  .prepare = prepare_passphrase },
	{ .name = "cert list", .cmd = PROTO_CMD_CERT_LIST, .args = "",
	  .help = "the repository's certificates", .opts = no_opts,
	  .render = render_generic },
	{ .name = "cert show", .cmd = PROTO_CMD_CERT_SHOW, .args = "NAME",
	  .help = "one certificate: details, versions, deployments",
	  .opts = no_opts, .render = render_cert_show },
	{ .name = "cert renew", .cmd = PROTO_CMD_CERT_RENEW, .args = "NAME",
	  .help = "add a new version of a certificate",
	  .opts = cert_add_opts, .render = render_generic,
	  .prepare = prepare_passphrase },
	{ .name = "cert export", .cmd = PROTO_CMD_CERT_EXPORT, .args = "NAME",
	  .help = "print (or write) a certificate, its chain and, when asked, "
	  "its key", .opts = cert_export_opts, .render = render_export,
	  .prepare = prepare_export },
	{ .name = "cert delete", .cmd = PROTO_CMD_CERT_DELETE, .args = "NAME",
	  .help = "remove a certificate from the repository (never from ACM)",
	  .opts = no_opts, .render = render_generic },
	{ .name = "discover", .cmd = PROTO_CMD_DISCOVER, .args = "",
	  .help = "find every certificate in ACM and IAM now",
	  .opts = discover_opts, .render = render_discover_org },
	{ .name = "acm list", .cmd = PROTO_CMD_ACM_LIST, .args = "",
	  .help = "the AWS tab: every certificate discovery found",
	  .opts = acm_list_opts, .render = render_acm_list },
	{ .name = "acm show", .cmd = PROTO_CMD_ACM_SHOW, .args = "ARN",
	  .help = "everything known about one ACM certificate",
	  .opts = no_opts, .render = render_generic },
	{ .name = "iam list", .cmd = PROTO_CMD_IAM_LIST, .args = "",
	  .help = "IAM server certificates", .opts = all_opt,
	  .render = render_generic },
	{ .name = "notify test", .cmd = PROTO_CMD_NOTIFY_TEST, .args = "",
	  .help = "send a test message through every notification channel",
	  .opts = no_opts, .render = render_generic },
	{ .name = "notify check", .cmd = PROTO_CMD_NOTIFY_CHECK, .args = "",
	  .help = "check expiry now and list what was notified",
	  .opts = no_opts, .render = render_generic },
	{ .name = "deploy", .cmd = PROTO_CMD_DEPLOY, .args = "NAME",
	  .help = "import a repository certificate into ACM, or write it "
	  "into file targets",
	  .opts = deploy_opts, .render = render_deploy },
	{ .name = "deploy list", .cmd = PROTO_CMD_DEPLOY_LIST, .args = "[NAME]",
	  .help = "deployments and their state (mismatches in red)",
	  .opts = no_opts, .render = render_deploy_list },
	{ .name = "deploy show", .cmd = PROTO_CMD_DEPLOY_SHOW, .args = "NAME",
	  .help = "everything about a certificate's deployments",
	  .opts = no_opts, .render = render_generic },
	{ .name = "deploy remove", .cmd = PROTO_CMD_DEPLOY_REMOVE, .args = "NAME",
	  .help = "forget deployments (ACM is not touched)",
	  .opts = region_opts, .render = render_generic },
	{ .name = "deploy check", .cmd = PROTO_CMD_DEPLOY_CHECK, .args = "",
	  .help = "compare every deployment with ACM now and show what was "
	  "found", .opts = check_opts, .render = render_check },
	{ .name = "sync", .cmd = PROTO_CMD_SYNC, .args = "[NAME]",
	  .help = "re-deploy what is out of sync (mismatch, missing, failed)",
	  .opts = no_opts, .render = render_deploy },
	{ .name = "request public", .cmd = PROTO_CMD_REQUEST_PUBLIC, .args = "",
	  .help = "request a public certificate from ACM",
	  .opts = request_public_opts, .render = render_request },
	{ .name = "request private", .cmd = PROTO_CMD_REQUEST_PRIVATE, .args = "",
	  .help = "request a certificate from an ACM Private CA",
	  .opts = request_private_opts, .render = render_request },
	{ .name = "request list", .cmd = PROTO_CMD_REQUEST_LIST, .args = "",
	  .help = "requests and their status", .opts = no_opts,
	  .render = render_request_list },
	{ .name = "request show", .cmd = PROTO_CMD_REQUEST_SHOW, .args = "ID",
	  .help = "one request: status, domains, validation records",
	  .opts = no_opts, .render = render_request },
	{ .name = "request records", .cmd = PROTO_CMD_REQUEST_RECORDS, .args = "ID",
	  .help = "the DNS records to create by hand", .opts = no_opts,
	  .render = render_records },
	{ .name = "request sync", .cmd = PROTO_CMD_REQUEST_SYNC, .args = "ID",
	  .help = "ask ACM now and show the status", .opts = no_opts,
	  .render = render_request },
	{ .name = "request deploy-challenge", .cmd = PROTO_CMD_REQUEST_CHALLENGE,
	  .args = "ID", .help = "write the validation records into Route 53",
	  .opts = challenge_opts, .render = render_request },
	{ .name = "request resend-email", .cmd = PROTO_CMD_REQUEST_RESEND,
	  .args = "ID", .help = "send the validation e-mail again",
	  .opts = resend_opts, .render = render_generic },
	{ .name = "request auto-export", .cmd = PROTO_CMD_REQUEST_AUTO_EXPORT,
	  .args = "ID", .help = "export the key again after every renewal "
	  "(ID, or the ARN of a certificate acmd did not request; --off: stop)", .opts = off_opt, .render = render_request },
	{ .name = "ca list", .cmd = PROTO_CMD_CA_LIST, .args = "",
	  .help = "the ACM Private CAs of a region", .opts = ca_list_opts,
	  .render = render_ca_list },
	{ .name = "renew", .cmd = PROTO_CMD_RENEW, .args = "ARN",
	  .help = "renew a private certificate in ACM; a new repository version",
	  .opts = renew_opts, .render = render_generic,
	  .prepare = prepare_confirm },
	{ .name = "revoke", .cmd = PROTO_CMD_REVOKE, .args = "ARN",
	  .help = "revoke a private certificate at its CA (ACM PCA)",
	  .opts = revoke_opts, .render = render_generic },
	{ .name = "fetch-key", .cmd = PROTO_CMD_FETCH_KEY, .args = "ARN",
	  .help = "export the key of a private or exportable public "
	  "certificate into the repository (charged by AWS)", .opts = fetch_key_opts, .render = render_generic,
	  .prepare = prepare_confirm },
	{ .name = "delete", .cmd = PROTO_CMD_DELETE, .args = "ARN",
	  .help = "remove an ACM certificate from acmd (never from ACM)",
	  .opts = yes_opt, .render = render_generic,
	  .prepare = prepare_confirm },
	{ .name = NULL }
};

/* The command table of acmctl: what each command takes and prints. */
#include <stddef.h>

#include "acmctl.h"
#include "proto.h"

static const struct ctl_opt no_opts[] = { { NULL, 0, NULL, NULL, 0 } };

static const struct ctl_opt audit_opts[] = {
	{ "limit", OPT_UINT, NULL, "show the last N entries (default 50)", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt credential_add_opts[] = {
	{ "access-key", OPT_STR, "access_key",
	  "AWS access key id; the secret is read from standard input", 0 },
	{ "profile", OPT_STR, NULL, "use this profile of the shared AWS files", 0 },
	{ "env", OPT_FLAG, NULL, "use the keys in acmd's environment", 0 },
	{ "role-arn", OPT_STR, "role_arn", "assume this role (another account)", 0 },
	{ "external-id", OPT_STR, "external_id", "external id for the role", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt cert_add_opts[] = {
	{ "cert", OPT_STR, NULL, "PEM certificate (may hold the chain too)", 1 },
	{ "key", OPT_STR, NULL, "PEM private key (asks for a passphrase if "
	  "encrypted)", 1 },
	{ "chain", OPT_STR, NULL, "PEM chain, issuer first", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt cert_export_opts[] = {
	{ "version", OPT_UINT, NULL, "this version (default: the current)", 0 },
	{ "with-key", OPT_FLAG, "with_key", "include the private key", 0 },
	{ "out", OPT_STR, NULL, "write NAME.crt, NAME.chain.pem (and "
	  "NAME.key, mode 0600) into this directory", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt discover_opts[] = {
	{ "credential", OPT_LIST, NULL, "only this credential (repeatable)", 0 },
	{ "region", OPT_LIST, NULL, "only this region (repeatable)", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt acm_list_opts[] = {
	{ "credential", OPT_LIST, NULL, "found with this credential", 0 },
	{ "region", OPT_LIST, NULL, "in this region", 0 },
	{ "type", OPT_STR, NULL, "amazon-issued, private, imported or iam", 0 },
	{ "status", OPT_STR, NULL, "ACM status, e.g. ISSUED", 0 },
	{ "domain", OPT_STR, NULL, "domain or SAN matching this glob", 0 },
	{ "expiring", OPT_UINT, NULL, "expiring within DAYS (or expired)", 0 },
	{ "all", OPT_FLAG, NULL, "include certificates gone from AWS", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt all_opt[] = {
	{ "all", OPT_FLAG, NULL, "include certificates gone from AWS", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt deploy_opts[] = {
	{ "credential", OPT_STR, NULL, "AWS credential to deploy with", 1 },
	{ "region", OPT_LIST, NULL, "into this region (repeatable)", 0 },
	{ "all-regions", OPT_FLAG, "all_regions", "into every ACM region", 0 },
	{ "replace", OPT_FLAG, NULL, "re-import onto the ARN acmd deployed to "
	  "before (keeps the ARN and what uses it)", 0 },
	{ "auto-redeploy", OPT_FLAG, "auto_redeploy", "follow every new "
	  "version of the certificate", 0 },
	{ "tag", OPT_LIST, NULL, "KEY=VALUE tag on the ACM certificate", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt check_opts[] = {
	{ "no-wait", OPT_FLAG, "no_wait", "start the check and return at "
	  "once", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt region_opts[] = {
	{ "region", OPT_LIST, NULL, "only in this region (repeatable)", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt request_public_opts[] = {
	{ "credential", OPT_STR, NULL, "AWS credential to request with", 1 },
	{ "region", OPT_STR, NULL, "ACM region", 1 },
	{ "domain", OPT_STR, NULL, "the certificate's domain name", 1 },
	{ "san", OPT_LIST, NULL, "another name on it (repeatable)", 0 },
	{ "validation", OPT_STR, NULL, "dns or email", 1 },
	{ "key-algorithm", OPT_STR, "key_algorithm",
	  "RSA_2048, EC_prime256v1 or EC_secp384r1", 0 },
	{ "hosted-zone", OPT_STR, "hosted_zone", "write the validation "
	  "records into this Route 53 zone", 0 },
	{ "auto-zone", OPT_FLAG, "auto_zone", "find the Route 53 zone (the "
	  "longest match)", 0 },
	{ "manual-dns", OPT_FLAG, "manual_dns", "show the records to create "
	  "by hand (the default)", 0 },
	{ "tag", OPT_LIST, NULL, "KEY=VALUE tag (repeatable)", 0 },
	{ "name", OPT_STR, NULL, "repository name (default: the domain)", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt request_private_opts[] = {
	{ "credential", OPT_STR, NULL, "AWS credential to request with", 1 },
	{ "region", OPT_STR, NULL, "ACM region", 1 },
	{ "ca", OPT_STR, NULL, "ARN of the ACM Private CA", 1 },
	{ "domain", OPT_STR, NULL, "the certificate's domain name", 1 },
	{ "san", OPT_LIST, NULL, "another name on it (repeatable)", 0 },
	{ "with-key", OPT_FLAG, "with_key", "also fetch the private key "
	  "(ExportCertificate; AWS charges for it)", 0 },
	{ "tag", OPT_LIST, NULL, "KEY=VALUE tag (repeatable)", 0 },
	{ "name", OPT_STR, NULL, "repository name (default: the domain)", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt challenge_opts[] = {
	{ "hosted-zone", OPT_STR, "hosted_zone", "Route 53 zone to write to", 0 },
	{ "auto-zone", OPT_FLAG, "auto_zone", "find the zone", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt resend_opts[] = {
	{ "domain", OPT_STR, NULL, "only for this domain", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt ca_list_opts[] = {
	{ "credential", OPT_STR, NULL, "AWS credential (default: default)", 0 },
	{ "region", OPT_STR, NULL, "the region of the private CAs", 1 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt renew_opts[] = {
	{ "credential", OPT_STR, NULL, "AWS credential (default: the one that "
	  "found it)", 0 },
	{ "with-key", OPT_FLAG, "with_key", "also export the renewed key "
	  "(charged by AWS)", 0 },
	{ "yes", OPT_FLAG, NULL, "do not ask for confirmation", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt revoke_opts[] = {
	{ "reason", OPT_STR, NULL, "key-compromise, superseded, "
	  "cessation-of-operation, affiliation-changed, privilege-withdrawn, "
	  "certificate-authority-compromise, a-a-compromise or unspecified", 1 },
	{ "credential", OPT_STR, NULL, "AWS credential (default: the one that "
	  "found it)", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt fetch_key_opts[] = {
	{ "credential", OPT_STR, NULL, "AWS credential (default: the one that "
	  "found it)", 0 },
	{ "yes", OPT_FLAG, NULL, "do not ask for confirmation", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

static const struct ctl_opt yes_opt[] = {
	{ "yes", OPT_FLAG, NULL, "do not ask for confirmation", 0 },
	{ NULL, 0, NULL, NULL, 0 }
};

const struct ctl_cmd ctl_cmds[] = {
	{ .name = "ping", .cmd = CMD_PING, .args = "",
	  .help = "check that acmd answers", .opts = no_opts,
	  .render = render_generic },
	{ .name = "status", .cmd = CMD_STATUS, .args = "",
	  .help = "daemon version, uptime, store, counts and jobs",
	  .opts = no_opts, .render = render_status },
	{ .name = "audit", .cmd = CMD_AUDIT, .args = "",
	  .help = "the audit log of state-changing commands (admin only)",
	  .opts = audit_opts, .render = render_audit },
	{ .name = "credential add", .cmd = "credential.add", .args = "NAME",
	  .help = "store AWS credentials (secret from standard input)",
	  .opts = credential_add_opts, .render = render_credential,
	  .prepare = prepare_secret },
	{ .name = "credential list", .cmd = "credential.list", .args = "",
	  .help = "the stored credentials (secrets are never shown)",
	  .opts = no_opts, .render = render_generic },
	{ .name = "credential remove", .cmd = "credential.remove",
	  .args = "NAME", .help = "forget a stored credential",
	  .opts = no_opts, .render = render_generic },
	{ .name = "credential test", .cmd = "credential.test", .args = "NAME",
	  .help = "ask STS who the credential is (account and ARN)",
	  .opts = no_opts, .render = render_generic },
	{ .name = "cert add", .cmd = "cert.add", .args = "NAME",
	  .help = "add a certificate with its key to the repository",
	  .opts = cert_add_opts, .render = render_generic,
	  .prepare = prepare_cert_files },
	{ .name = "cert list", .cmd = "cert.list", .args = "",
	  .help = "the repository's certificates", .opts = no_opts,
	  .render = render_generic },
	{ .name = "cert show", .cmd = "cert.show", .args = "NAME",
	  .help = "one certificate: details, versions, deployments",
	  .opts = no_opts, .render = render_cert_show },
	{ .name = "cert renew", .cmd = "cert.renew", .args = "NAME",
	  .help = "add a new version of a certificate",
	  .opts = cert_add_opts, .render = render_generic,
	  .prepare = prepare_cert_files },
	{ .name = "cert export", .cmd = "cert.export", .args = "NAME",
	  .help = "print (or write) a certificate, its chain and, when asked, "
	  "its key", .opts = cert_export_opts, .render = render_export },
	{ .name = "cert delete", .cmd = "cert.delete", .args = "NAME",
	  .help = "remove a certificate from the repository (never from ACM)",
	  .opts = no_opts, .render = render_generic },
	{ .name = "discover", .cmd = "discover", .args = "",
	  .help = "find every certificate in ACM and IAM now",
	  .opts = discover_opts, .render = render_discover },
	{ .name = "acm list", .cmd = "acm.list", .args = "",
	  .help = "the AWS tab: every certificate discovery found",
	  .opts = acm_list_opts, .render = render_acm_list },
	{ .name = "acm show", .cmd = "acm.show", .args = "ARN",
	  .help = "everything known about one ACM certificate",
	  .opts = no_opts, .render = render_generic },
	{ .name = "iam list", .cmd = "iam.list", .args = "",
	  .help = "IAM server certificates", .opts = all_opt,
	  .render = render_generic },
	{ .name = "notify test", .cmd = "notify.test", .args = "",
	  .help = "send a test message through every notification channel",
	  .opts = no_opts, .render = render_generic },
	{ .name = "notify check", .cmd = "notify.check", .args = "",
	  .help = "check expiry now and list what was notified",
	  .opts = no_opts, .render = render_generic },
	{ .name = "deploy", .cmd = "deploy", .args = "NAME",
	  .help = "import a repository certificate into ACM",
	  .opts = deploy_opts, .render = render_deploy },
	{ .name = "deploy list", .cmd = "deploy.list", .args = "[NAME]",
	  .help = "deployments and their state (mismatches in red)",
	  .opts = no_opts, .render = render_deploy_list },
	{ .name = "deploy show", .cmd = "deploy.show", .args = "NAME",
	  .help = "everything about a certificate's deployments",
	  .opts = no_opts, .render = render_generic },
	{ .name = "deploy remove", .cmd = "deploy.remove", .args = "NAME",
	  .help = "forget deployments (ACM is not touched)",
	  .opts = region_opts, .render = render_generic },
	{ .name = "deploy check", .cmd = "deploy.check", .args = "",
	  .help = "compare every deployment with ACM now and show what was "
	  "found", .opts = check_opts, .render = render_check },
	{ .name = "sync", .cmd = "sync", .args = "[NAME]",
	  .help = "re-deploy what is out of sync (mismatch, missing, failed)",
	  .opts = no_opts, .render = render_deploy },
	{ .name = "request public", .cmd = "request.public", .args = "",
	  .help = "request a public certificate from ACM",
	  .opts = request_public_opts, .render = render_request },
	{ .name = "request private", .cmd = "request.private", .args = "",
	  .help = "request a certificate from an ACM Private CA",
	  .opts = request_private_opts, .render = render_request },
	{ .name = "request list", .cmd = "request.list", .args = "",
	  .help = "requests and their status", .opts = no_opts,
	  .render = render_request_list },
	{ .name = "request show", .cmd = "request.show", .args = "ID",
	  .help = "one request: status, domains, validation records",
	  .opts = no_opts, .render = render_request },
	{ .name = "request records", .cmd = "request.records", .args = "ID",
	  .help = "the DNS records to create by hand", .opts = no_opts,
	  .render = render_records },
	{ .name = "request sync", .cmd = "request.sync", .args = "ID",
	  .help = "ask ACM now and show the status", .opts = no_opts,
	  .render = render_request },
	{ .name = "request deploy-challenge", .cmd = "request.deploy-challenge",
	  .args = "ID", .help = "write the validation records into Route 53",
	  .opts = challenge_opts, .render = render_request },
	{ .name = "request resend-email", .cmd = "request.resend-email",
	  .args = "ID", .help = "send the validation e-mail again",
	  .opts = resend_opts, .render = render_generic },
	{ .name = "ca list", .cmd = "ca.list", .args = "",
	  .help = "the ACM Private CAs of a region", .opts = ca_list_opts,
	  .render = render_ca_list },
	{ .name = "renew", .cmd = "renew", .args = "ARN",
	  .help = "renew a private certificate in ACM; a new repository version",
	  .opts = renew_opts, .render = render_generic,
	  .prepare = prepare_confirm },
	{ .name = "revoke", .cmd = "revoke", .args = "ARN",
	  .help = "revoke a private certificate at its CA (ACM PCA)",
	  .opts = revoke_opts, .render = render_generic },
	{ .name = "fetch-key", .cmd = "fetch-key", .args = "ARN",
	  .help = "export a private certificate's key into the repository "
	  "(charged by AWS)", .opts = fetch_key_opts, .render = render_generic,
	  .prepare = prepare_confirm },
	{ .name = "delete", .cmd = "delete", .args = "ARN",
	  .help = "remove an ACM certificate from acmd (never from ACM)",
	  .opts = yes_opt, .render = render_generic,
	  .prepare = prepare_confirm },
	{ .name = NULL }
};

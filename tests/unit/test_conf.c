/* acmd.conf parsing: defaults, values, and errors naming file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

static void
test_defaults(void **state)
{
	struct config	*c = config_defaults();

	assert_string_equal(c->socket, "/run/acmd/acmd.sock");
	assert_int_equal(c->socket_mode, 0660);
	assert_int_equal(c->admin_gid, (gid_t)-1);
	assert_int_equal(c->discovery_interval, 15 * 60);
	assert_int_equal(c->full_discovery_interval, 24 * 3600);
	assert_int_equal(c->mismatch_interval, 3600);
	assert_int_equal(c->max_attempts, 3);
	assert_int_equal(c->nthresholds, 4);
	assert_int_equal(c->threshold_days[0], 30);
	assert_int_equal(c->threshold_days[3], 1);
	assert_string_equal(config_master_key(c), "/var/lib/acmd/master.key");
	config_free(c);
}

/* Parse text that must be good. */
static struct config *
parse_ok(const char *text)
{
	struct config	*c;
	char		*cause = NULL;

	if ((c = config_parse_string(text, "t.conf", &cause)) == NULL)
		fail_msg("%s", cause);
	return (c);
}

static void
test_values(void **state)
{
	struct config	*c;

	c = parse_ok(
	    "# comment\n"
	    "[daemon]\n"
	    "socket = /tmp/x.sock\n"
	    "socket_mode = 0600\n"
	    "admin_group = 4242\n"
	    "state_dir = /tmp/state\n"
	    "debug = yes\n"
	    "[jobs]\n"
	    "discovery_interval = 90m\n"
	    "[notify]\n"
	    "thresholds = 7, 60 14\n");
	assert_string_equal(c->socket, "/tmp/x.sock");
	assert_int_equal(c->socket_mode, 0600);
	assert_int_equal(c->admin_gid, 4242);
	assert_int_equal(c->debug, 1);
	assert_int_equal(c->discovery_interval, 5400);
	assert_int_equal(c->nthresholds, 3);
	assert_int_equal(c->threshold_days[0], 60);
	assert_int_equal(c->threshold_days[2], 7);
	assert_string_equal(config_master_key(c), "/tmp/state/master.key");
	config_free(c);
}

static void
expect_error(const char *text, const char *want)
{
	struct config	*c;
	char		*cause = NULL;

	c = config_parse_string(text, "bad.conf", &cause);
	assert_null(c);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("error '%s' does not contain '%s'", cause, want);
	free(cause);
}

static void
test_errors(void **state)
{
	expect_error("[daemon]\nsocket = /x\nbogus = 1\n",
	    "bad.conf:3: unknown setting 'bogus' in [daemon]");
	expect_error("\n\n[nosuch]\nx = 1\n", "bad.conf:4: unknown section [nosuch]");
	expect_error("[daemon]\nsocket_mode = 999\n", "bad.conf:2: daemon.socket_mode");
	expect_error("[daemon]\ndebug = maybe\n", "bad.conf:2: daemon.debug: 'maybe' is not yes or no");
	expect_error("[jobs]\ndiscovery_interval = 6x\n", "bad.conf:2: jobs.discovery_interval");
	expect_error("[aws]\nmax_attempts = 0\n", "bad.conf:2: aws.max_attempts: 0 is out of range");
	expect_error("[daemon]\nlog = syslog\n", "bad.conf:2: daemon.log");
	expect_error("[daemon]\nadmin_group = no-such-group-xyz\n",
	    "no such group 'no-such-group-xyz'");
	expect_error("[notify]\nthresholds = 7 7\n", "given twice");
	expect_error("[notify]\nthresholds = 7 abc\n", "'abc' is not a number");
	expect_error("[daemon\nsocket = /x\n", "bad.conf:1: syntax error");
	/* Values that are more than their type. */
	expect_error("[aws]\nregions = mars-north-9\n",
	    "bad.conf:2: aws.regions: unknown region 'mars-north-9'");
	expect_error("[aws]\nregions = all us-east-1\n", "bad.conf:2: aws.regions");
	expect_error("[aws]\nendpoint_url = not a url\n",
	    "bad.conf:2: aws.endpoint_url: 'not a url' is not an http");
	expect_error("[aws]\nendpoint_url = http://h:0/\n", "aws.endpoint_url");
	expect_error("[aws]\nendpoint_url = http://\n", "aws.endpoint_url");
	expect_error("[notify]\nwebhook_url = notaurl\n", "notify.webhook_url");
	expect_error("[notify]\nwebhook_url = http://user@/x\n",
	    "notify.webhook_url");
	expect_error("[notify]\nsmtp_url = http://mail.example.com\n",
	    "notify.smtp_url");
	expect_error("[notify]\nmail_to = a@example.com b@@example.com\n",
	    "bad.conf:2: notify.mail_to: 'b@@example.com' is not a mail address");
	expect_error("[notify]\nmail_from = acmd\n", "notify.mail_from");
	expect_error("[daemon]\nstate_dir = var/lib/acmd\n",
	    "bad.conf:2: daemon.state_dir: 'var/lib/acmd' is not an absolute");
	expect_error("[daemon]\nmaster_key = key\n", "daemon.master_key");
	expect_error("[daemon]\ndebug = yes\n\ndebug = no\n",
	    "bad.conf:4: daemon.debug: given twice (first on line 2)");
	expect_error("[watch a]\npath = /\npath = /\n",
	    "bad.conf:3: watch.path: given twice in [watch a] (first on line 2)");
	expect_error("[aws]\nrates = NoSuchOperation=5\n",
	    "bad.conf:2: aws.rates: unknown operation 'NoSuchOperation'");
	expect_error("[aws]\nrates = nosuch:ListCertificates=5\n",
	    "unknown operation 'nosuch:ListCertificates'");
	expect_error("[watch a]\npath = /nonexistent/acmd-test\n",
	    "bad.conf:2: watch.path: /nonexistent/acmd-test: No such file");
	expect_error("[watch a]\npath = /dev/null\n",
	    "bad.conf:2: watch.path: /dev/null is not a directory");
}

/* [target NAME]: parsed, split without a shell, checked against target_dirs. */
static void
test_targets(void **state)
{
	const struct conf_target	*t;
	struct config			*c;

	c = parse_ok(
	    "[daemon]\n"
	    "target_dirs = /srv/tls /etc/ssl/\n"
	    "[target web]\n"
	    "fullchain = /srv/tls/web/full.pem\n"
	    "key = /etc/ssl/private/web.key\n"
	    "key_mode = 0640\n"
	    "reload = /bin/sh -c 'exec nginx -s \"reload\"'  \n"
	    "reload_timeout = 2m\n");
	assert_non_null(t = config_target(c, "web"));
	assert_null(config_target(c, "nosuch"));
	assert_null(t->cert);
	assert_string_equal(t->key, "/etc/ssl/private/web.key");
	assert_int_equal(t->mode, 0644);
	assert_int_equal(t->key_mode, 0640);
	assert_int_equal(t->reload_timeout, 120);
	assert_string_equal(t->reload_argv[0], "/bin/sh");
	assert_string_equal(t->reload_argv[1], "-c");
	assert_string_equal(t->reload_argv[2], "exec nginx -s \"reload\"");
	assert_null(t->reload_argv[3]);
	assert_true(config_target_dir_allowed(c, "/srv/tls"));
	assert_true(config_target_dir_allowed(c, "/etc/ssl/private"));
	assert_false(config_target_dir_allowed(c, "/srv/tlsx"));
	assert_false(config_target_dir_allowed(c, "/etc"));
	config_free(c);
	expect_error("[daemon]\ntarget_dirs = /srv\n[target a]\ncert = /srv/x/../../etc/c.pem\n",
	    "bad.conf:4: [target a]: /srv/x/../../etc/c.pem: give a plain path");
	expect_error("[daemon]\ntarget_dirs = /srv\n[target a]\ncert = /srvx/c.pem\n",
	    "/srvx/c.pem is outside the directories [daemon] target_dirs allows (/srv)");
	expect_error("[daemon]\ntarget_dirs = srv\n", "daemon.target_dirs: 'srv' is not an absolute path");
	expect_error("[daemon]\nsocket = acmd.sock\n", "daemon.socket: 'acmd.sock' is not an absolute path");
	expect_error("[target a/b]\ncert = /srv/c.pem\n", "a target's name is letters");
	expect_error("[target a]\ncert = /srv/c.pem\nreload_timeout = 0s\n",
	    "target.reload_timeout: 0s is out of range");
	expect_error("[daemon]\ntarget_dirs = /srv\n[target a]\ncert = /srv/c.pem\ncert = /srv/d.pem\n",
	    "bad.conf:5: target.cert: given twice in [target a] (first on line 4)");
}

static void
test_valid_values(void **state)
{
	struct config	*c;

	c = parse_ok(
	    "[aws]\n"
	    "regions = us-east-1, eu-west-1\n"
	    "endpoint_url = https://[::1]:8443/base\n"
	    "rates = DescribeCertificate=20 acm-pca:RevokeCertificate=5 "
	    "sts:GetCallerIdentity=1\n"
	    "[notify]\n"
	    "webhook_url = https://user:t0k%40n@hooks.example.com/x?y=1\n"
	    "smtp_url = smtps://mail.example.com:465\n"
	    "mail_from = acmd+certs@example.com\n"
	    "mail_to = ops@example.com; o'brien@mail.example.org,x@localhost\n"
	    "   thresholds = 9\n"
	    "[watch a]\n"
	    "path = /\n");
	assert_int_equal(c->nthresholds, 1);
	config_free(c);
}

static void
test_long_line(void **state)
{
	struct config	*c;
	char		*text, *cause = NULL;
	size_t		 n = 200 * 1024;

	/* A long list is fine; a line past the limit is named, not split. */
	text = malloc(n + 64);
	assert_non_null(text);
	snprintf(text, n + 64, "[aws]\nregions = ");
	while (strlen(text) < 4000)
		strcat(text, "us-east-1 ");
	strcat(text, "\n");
	c = config_parse_string(text, "t.conf", &cause);
	if (c == NULL)
		fail_msg("%s", cause);
	config_free(c);
	snprintf(text, n + 64, "[notify]\n\nmail_to = ");
	memset(text + strlen(text), 'a', n);
	text[n] = '\0';
	strcat(text, "\nbogus = 1\n");
	c = config_parse_string(text, "t.conf", &cause);
	assert_null(c);
	if (strstr(cause, "t.conf:3: line longer than 8192 bytes "
	    "(setting 'mail_to')") == NULL)
		fail_msg("%s", cause);
	free(cause);
	free(text);
}

static void
test_load_file(void **state)
{
	char		 path[] = "/tmp/acmd-conf-XXXXXX";
	struct config	*c;
	char		*cause = NULL;
	int		 fd;
	FILE		*f;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs("[daemon]\nstate_dir = /srv/acmd\n\n[aws]\nregions = all\nnope = 1\n", f);
	fclose(f);
	c = config_load(path, 0, &cause);
	assert_null(c);
	assert_non_null(strstr(cause, ":6: unknown setting 'nope' in [aws]"));
	assert_non_null(strstr(cause, path));
	free(cause);
	cause = NULL;
	unlink(path);
	/* Missing: an error when named, defaults when optional. */
	assert_null(config_load(path, 0, &cause));
	assert_non_null(strstr(cause, "No such file"));
	free(cause);
	cause = NULL;
	c = config_load(path, 1, &cause);
	assert_non_null(c);
	config_free(c);
	/* A directory is named as one. */
	assert_null(config_load("/tmp", 0, &cause));
	assert_non_null(strstr(cause, "/tmp: is a directory"));
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_valid_values),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_load_file),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/* The AWS shared config and credentials files, as the AWS CLI reads them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <ini.h>

#include "profile.h"
#include "xmalloc.h"

struct files {
	char	dir[64];
	char	*credentials;
	char	*config;
};

static int
setup(void **state)
{
	struct files	*f = xcalloc(1, sizeof *f);

	snprintf(f->dir, sizeof f->dir, "/tmp/test_profile.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return (-1);
	xasprintf(&f->credentials, "%s/credentials", f->dir);
	xasprintf(&f->config, "%s/config", f->dir);
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct files	*f = *state;

	unlink(f->credentials);
	unlink(f->config);
	rmdir(f->dir);
	free(f->credentials);
	free(f->config);
	free(f);
	return (0);
}

static void
put(const char *path, const char *text)
{
	FILE	*fp;

	if (text == NULL) {
		unlink(path);
		return;
	}
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static struct aws_profile *
load(struct files *f, const char *name)
{
	struct aws_profile	*p = NULL;
	char			*cause = NULL;

	if (aws_profile_load(f->credentials, f->config, name, &p,
	    &cause) != 0)
		fail_msg("load %s: %s", name, cause);
	assert_null(cause);
	assert_string_equal(p->name, name);
	return (p);
}

static void
load_fails(struct files *f, const char *cred, const char *conf,
    const char *name, const char *want)
{
	struct aws_profile	*p = (struct aws_profile *)1;
	char			*cause = NULL;

	assert_int_equal(aws_profile_load(cred, conf, name, &p, &cause), -1);
	assert_null(p);
	assert_non_null(cause);
	if (strstr(cause, want) == NULL)
		fail_msg("error '%s' does not contain '%s'", cause, want);
	free(cause);
}

static void
test_default(void **state)
{
	struct files		*f = *state;
	struct aws_profile	*p;

	put(f->credentials,
	    "[default]\n"
	    "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
	    "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
	    "\n"
	    "[other]\n"
	    "aws_access_key_id = AKIAOTHER\n");
	put(f->config,
	    "# the CLI's config\n"
	    "[default]\n"
	    "region = eu-west-3\n"
	    "output = json\n"
	    "s3 =\n"
	    "    max_concurrent_requests = 20\n"
	    "[profile other]\n"
	    "region = us-west-2\n");
	p = load(f, "default");
	assert_string_equal(p->access_key_id, "AKIAIOSFODNN7EXAMPLE");
	assert_string_equal(p->secret_access_key,
	    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
	assert_null(p->session_token);
	assert_string_equal(p->region, "eu-west-3");
	assert_null(p->role_arn);
	assert_null(p->endpoint_url);
	aws_profile_free(p);

	p = load(f, "other");
	assert_string_equal(p->access_key_id, "AKIAOTHER");
	assert_null(p->secret_access_key);
	assert_string_equal(p->region, "us-west-2");
	aws_profile_free(p);
	aws_profile_free(NULL);
}

static void
test_named_config(void **state)
{
	struct files		*f = *state;
	struct aws_profile	*p;

	put(f->credentials, NULL);
	put(f->config,
	    "[default]\n"
	    "region = us-east-1\n"
	    "\n"
	    "[profile prod]\n"
	    "role_arn = arn:aws:iam::210987654321:role/acmd-deploy\n"
	    "source_profile = default\n"
	    "external_id = 9f1c2b\n"
	    "role_session_name = acmd\n"
	    "region = eu-central-1\n"
	    "endpoint_url = http://127.0.0.1:4566\n"
	    "unknown_key = whatever\n"
	    "\n"
	    "[prod]\n"
	    "region = not-a-profile\n"
	    "[profile \"with space\"]\n"
	    "region = ap-south-1\n"
	    "[profile    spaced]\n"
	    "region = sa-east-1\n"
	    "[profile a b]\n"
	    "region = three-words\n"
	    "[profile default]\n"
	    "role_session_name = from-profile-default\n");
	p = load(f, "prod");
	assert_string_equal(p->role_arn,
	    "arn:aws:iam::210987654321:role/acmd-deploy");
	assert_string_equal(p->source_profile, "default");
	assert_string_equal(p->external_id, "9f1c2b");
	assert_string_equal(p->role_session_name, "acmd");
	assert_string_equal(p->region, "eu-central-1");
	assert_string_equal(p->endpoint_url, "http://127.0.0.1:4566");
	assert_null(p->access_key_id);
	aws_profile_free(p);

	p = load(f, "with space");
	assert_string_equal(p->region, "ap-south-1");
	aws_profile_free(p);
	p = load(f, "spaced");
	assert_string_equal(p->region, "sa-east-1");
	aws_profile_free(p);
	/* "[profile default]" is the default profile too. */
	p = load(f, "default");
	assert_string_equal(p->region, "us-east-1");
	assert_string_equal(p->role_session_name, "from-profile-default");
	aws_profile_free(p);
	/* "[a b]" after "profile" is three words: not a profile. */
	load_fails(f, f->credentials, f->config, "a", "not found");
	load_fails(f, f->credentials, f->config, "a b", "not found");
}

static void
test_precedence(void **state)
{
	struct files		*f = *state;
	struct aws_profile	*p;

	put(f->credentials,
	    "[dev]\n"
	    "aws_access_key_id = AKIACRED\n"
	    "aws_secret_access_key = credsecret\n"
	    "region = us-east-2\n"
	    "external_id =\n");
	put(f->config,
	    "[profile dev]\n"
	    "aws_access_key_id = AKIACONF\n"
	    "aws_secret_access_key = confsecret\n"
	    "aws_session_token = conftoken\n"
	    "region = eu-north-1\n"
	    "external_id = conf-id\n"
	    "role_session_name = conf-session\n");
	p = load(f, "dev");
	assert_string_equal(p->access_key_id, "AKIACRED");
	assert_string_equal(p->secret_access_key, "credsecret");
	assert_string_equal(p->region, "us-east-2");
	/* Not in the credentials file: from the config file. */
	assert_string_equal(p->session_token, "conftoken");
	assert_string_equal(p->role_session_name, "conf-session");
	/* An empty value in the credentials file clears it. */
	assert_null(p->external_id);
	aws_profile_free(p);

	/* The credentials file has no "profile " prefix. */
	put(f->credentials, "[profile x]\naws_access_key_id = A\n");
	put(f->config, NULL);
	load_fails(f, f->credentials, f->config, "x", "not found");
	p = load(f, "profile x");
	assert_string_equal(p->access_key_id, "A");
	aws_profile_free(p);
}

static void
test_role_source(void **state)
{
	struct files		*f = *state;
	struct aws_profile	*p;

	put(f->credentials,
	    "[base]\n"
	    "aws_access_key_id = AKIABASE\n"
	    "aws_secret_access_key = basesecret\n");
	put(f->config,
	    "[profile base]\n"
	    "region = us-east-1\n"
	    "[profile cross]\n"
	    "role_arn = arn:aws:iam::111122223333:role/acmd\n"
	    "source_profile = base\n");
	p = load(f, "cross");
	assert_string_equal(p->role_arn, "arn:aws:iam::111122223333:role/acmd");
	assert_string_equal(p->source_profile, "base");
	assert_null(p->access_key_id);
	assert_null(p->region);
	aws_profile_free(p);
	p = load(f, "base");
	assert_string_equal(p->access_key_id, "AKIABASE");
	assert_string_equal(p->region, "us-east-1");
	aws_profile_free(p);
}

static void
test_syntax(void **state)
{
	struct files		*f = *state;
	struct aws_profile	*p;
	char			*token, *text, *longname, *prefix;
	int			 save = ini_max_line;

	/* Keys are case-insensitive, values keep ';', old token name. */
	token = xmalloc(3001);
	memset(token, 'T', 3000);
	token[3000] = '\0';
	xasprintf(&text,
	    "\xef\xbb\xbf[default]\r\n"
	    "AWS_Access_Key_ID = AKIAUPPER\r\n"
	    "Aws_Secret_Access_Key=s3cr3t;x\r\n"
	    "aws_security_token = old\r\n"
	    "aws_session_token = %s\r\n"
	    "REGION : us-gov-west-1 ; not a comment\r\n"
	    "; comment\r\n", token);
	put(f->credentials, text);
	put(f->config, NULL);
	p = load(f, "default");
	assert_string_equal(p->access_key_id, "AKIAUPPER");
	assert_string_equal(p->secret_access_key, "s3cr3t;x");
	assert_string_equal(p->session_token, token);
	assert_string_equal(p->region, "us-gov-west-1 ; not a comment");
	aws_profile_free(p);
	assert_int_equal(ini_max_line, save);
	free(text);
	free(token);

	put(f->credentials, "[default]\naws_security_token = old\n");
	p = load(f, "default");
	assert_string_equal(p->session_token, "old");
	aws_profile_free(p);

	/* An empty section is still a profile. */
	put(f->credentials, "[empty]\n[other]\nregion = x\n");
	p = load(f, "empty");
	assert_null(p->region);
	aws_profile_free(p);

	/* Section names past inih's 50 bytes are compared whole. */
	longname = xmalloc(81);
	memset(longname, 'n', 80);
	longname[80] = '\0';
	prefix = xstrndup(longname, 42);
	xasprintf(&text, "[profile %s]\nregion = long\n", longname);
	put(f->config, text);
	put(f->credentials, NULL);
	p = load(f, longname);
	assert_string_equal(p->region, "long");
	aws_profile_free(p);
	load_fails(f, f->credentials, f->config, prefix, "not found");
	free(text);
	free(prefix);
	free(longname);

	/* Broken lines name the file and line. */
	put(f->config, "[default]\nregion = x\nthis is not ini\n");
	load_fails(f, f->credentials, f->config, "default", "config: line 3");
	put(f->config, "[default\nregion = x\n");
	load_fails(f, f->credentials, f->config, "default", "line 1");
	/* A line over the limit. */
	text = xmalloc(AWS_PROFILE_MAX_LINE + 64);
	memset(text, 'x', AWS_PROFILE_MAX_LINE + 63);
	memcpy(text, "[default]\nk = ", 14);
	text[AWS_PROFILE_MAX_LINE + 63] = '\0';
	put(f->config, text);
	load_fails(f, f->credentials, f->config, "default", "longer than");
	free(text);
	put(f->config, NULL);
}

static void
test_missing(void **state)
{
	struct files		*f = *state;
	struct aws_profile	*p;
	char			*cause = NULL;

	put(f->credentials, "[default]\naws_access_key_id = A\n");
	put(f->config, "[profile x]\nregion = r\n");
	load_fails(f, f->credentials, f->config, "nope",
	    "AWS profile 'nope' not found in");
	p = (struct aws_profile *)1;
	assert_int_equal(aws_profile_load(f->credentials, f->config, "nope",
	    &p, &cause), -1);
	assert_non_null(strstr(cause, f->credentials));
	assert_non_null(strstr(cause, f->config));
	free(cause);

	/* Missing files are empty ones. */
	put(f->credentials, NULL);
	p = load(f, "x");
	assert_string_equal(p->region, "r");
	aws_profile_free(p);
	put(f->config, NULL);
	load_fails(f, f->credentials, f->config, "default", "not found");
	load_fails(f, NULL, NULL, "default", "(no file)");
	load_fails(f, "/nonexistent/dir/credentials", "", "default",
	    "/nonexistent/dir/credentials");
	/* A directory is not a file. */
	load_fails(f, f->dir, f->dir, "default", "not found");
	load_fails(f, NULL, NULL, "", "no AWS profile name");
}

static void
test_env(void **state)
{
	char	*cred, *conf, *name, *s;

	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_CONFIG_FILE");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_DEFAULT_PROFILE");
	setenv("HOME", "/home/acmd/", 1);
	aws_profile_env(&cred, &conf, &name);
	assert_string_equal(cred, "/home/acmd/.aws/credentials");
	assert_string_equal(conf, "/home/acmd/.aws/config");
	assert_string_equal(name, "default");
	free(cred);
	free(conf);
	free(name);

	setenv("AWS_SHARED_CREDENTIALS_FILE", "$HOME/creds", 1);
	setenv("AWS_CONFIG_FILE", "~/x/${ACMD_T}/$ACMD_T.ini$/$NOPE_X", 1);
	setenv("ACMD_T", "t", 1);
	setenv("AWS_PROFILE", "prod", 1);
	aws_profile_env(&cred, &conf, &name);
	assert_string_equal(cred, "/home/acmd//creds");
	assert_string_equal(conf, "/home/acmd/x/t/t.ini$/$NOPE_X");
	assert_string_equal(name, "prod");
	free(cred);
	free(conf);
	free(name);

	/* AWS_DEFAULT_PROFILE is looked at first, as in botocore. */
	setenv("AWS_DEFAULT_PROFILE", "legacy", 1);
	setenv("AWS_CONFIG_FILE", "", 1);
	aws_profile_env(&cred, &conf, &name);
	assert_string_equal(name, "legacy");
	assert_string_equal(conf, "/home/acmd/.aws/config");
	free(cred);
	free(conf);
	free(name);

	s = aws_profile_expand_path("~no_such_user_acmd/x");
	assert_string_equal(s, "~no_such_user_acmd/x");
	free(s);
	s = aws_profile_expand_path("~root/.aws");
	assert_string_equal(s, "/root/.aws");
	free(s);
	s = aws_profile_expand_path("${unclosed/x");
	assert_string_equal(s, "${unclosed/x");
	free(s);
	setenv("HOME", "/", 1);
	s = aws_profile_expand_path("~");
	assert_string_equal(s, "/");
	free(s);
	unsetenv("HOME");
	s = aws_profile_expand_path("~/a");
	assert_true(s[0] == '/');
	free(s);
	unsetenv("AWS_SHARED_CREDENTIALS_FILE");
	unsetenv("AWS_CONFIG_FILE");
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_DEFAULT_PROFILE");
	unsetenv("ACMD_T");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_named_config, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_precedence, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_role_source, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_syntax, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test(test_env),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

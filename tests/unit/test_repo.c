/*
 * The one domain -> repository name rule (issue 13): every domain ACM can
 * hold, 1 to 253 characters, wildcard or not, gives a name the repository
 * takes, with room for repo_unique_name's "-99".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "repo.h"
#include "xmalloc.h"

/* A domain of len characters: labels of up to 63, dots between. */
static void
make_domain(char *buf, size_t len, int wildcard)
{
	size_t	 i, inlabel = 0;

	for (i = 0; i < len; i++) {
		if (wildcard && i == 0)
			buf[i] = '*';
		else if (wildcard && i == 1)
			buf[i] = '.';
		else if (inlabel == 63 || (i % 20 == 19 && i + 1 < len &&
		    buf[i - 1] != '.')) {
			buf[i] = '.';
			inlabel = 0;
			continue;
		} else
			buf[i] = 'a' + (char)(i % 26);
		inlabel++;
	}
	if (len > 0 && buf[len - 1] == '.')
		buf[len - 1] = 'z';
	buf[len] = '\0';
}

static void
test_every_length(void **state)
{
	char	 domain[300], *name;
	size_t	 len;
	int	 w;

	(void)state;
	for (w = 0; w < 2; w++) {
		for (len = (size_t)(w ? 3 : 1); len <= 253; len++) {
			make_domain(domain, len, w);
			name = repo_name_for_domain(domain, NULL);
			if (!repo_valid_name(name) ||
			    strlen(name) > REPO_NAME_BASE_MAX)
				fail_msg("domain of %zu characters (%s) gave "
				    "'%s', %zu characters", len, domain, name,
				    strlen(name));
			free(name);
		}
	}
}

static void
test_shapes(void **state)
{
	char	*name;

	(void)state;
	name = repo_name_for_domain("*.example.com", NULL);
	assert_string_equal(name, "wildcard.example.com");
	free(name);
	name = repo_name_for_domain("www.example.com", NULL);
	assert_string_equal(name, "www.example.com");
	free(name);
	/* No domain (a certificate with no name ACM shows): from the ARN. */
	name = repo_name_for_domain(NULL, "arn:aws:acm:us-east-1:111111111111:"
	    "certificate/0c12b83c-38aa-4ec5-b4fb-2ee7d87da52b");
	assert_string_equal(name, "acm-0c12b83c");
	free(name);
	name = repo_name_for_domain("", NULL);
	assert_true(repo_valid_name(name));
	free(name);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_length),
		cmocka_unit_test(test_shapes),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * The metrics page's pieces: label values escaped as the text exposition
 * format says, values written as Prometheus reads them, the AWS counters'
 * registry, and the [metrics] listen and allow values.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "conf-check.h"
#include "metrics-addr.h"
#include "metrics.h"

/* Each of bad is refused by check, with a reason. */
static void
refused(int (*check)(const char *, char **), const char *const *bad)
{
	char	*cause;

	for (; *bad != NULL; bad++) {
		cause = NULL;
		if (check(*bad, &cause) == 0)
			fail_msg("'%s' taken", *bad);
		assert_non_null(cause);
		free(cause);
	}
}

static void
test_escape(void **state)
{
	/* A value and how it is written; UTF-8 passes as it is. */
	static const char *const cases[][2] = {
		{ "we\"ird\\dom\nain", "we\\\"ird\\\\dom\\nain" },
		{ "plain.example.com", "plain.example.com" },
		{ "\\\\\n\n\"", "\\\\\\\\\\n\\n\\\"" },
		{ "b\xc3\xa4r", "b\xc3\xa4r" },
		{ "", "" },
	};
	struct mtext		 t = { 0 };
	size_t			 i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		mtext_reset(&t);
		metrics_escape(&t, cases[i][0]);
		assert_string_equal(t.p != NULL ? t.p : "", cases[i][1]);
	}
	mtext_free(&t);
}

static void
test_sample(void **state)
{
	struct mtext	 t = { 0 };

	metrics_sample(&t, "acmd_x", (const char *const []){ "a", "1", "b",
	    NULL, "c", "", "d", "q\"", NULL }, 1830680168);
	assert_string_equal(t.p, "acmd_x{a=\"1\",d=\"q\\\"\"} 1830680168\n");
	mtext_reset(&t);
	metrics_sample(&t, "acmd_y", NULL, 0.25);
	assert_string_equal(t.p, "acmd_y 0.250000\n");
	mtext_reset(&t);
	metrics_sample(&t, "acmd_z", (const char *const []){ "a", NULL, NULL },
	    -3);
	assert_string_equal(t.p, "acmd_z -3\n");
	mtext_reset(&t);
	metrics_sample(&t, "acmd_n", NULL, NAN);
	metrics_sample(&t, "acmd_i", NULL, INFINITY);
	assert_string_equal(t.p, "acmd_n NaN\nacmd_i +Inf\n");
	mtext_reset(&t);
	metrics_family(&t, "acmd_x", "gauge", "What it is.");
	assert_string_equal(t.p, "# HELP acmd_x What it is.\n"
	    "# TYPE acmd_x gauge\n");
	mtext_free(&t);
}

struct seen {
	char	 buf[1024];
};

static void
aws_cb(const struct metrics_aws *m, void *arg)
{
	struct seen	*s = arg;
	size_t		 len = strlen(s->buf);

	snprintf(s->buf + len, sizeof s->buf - len, "%s/%s/%s=%llu ",
	    m->service, m->operation, m->region,
	    (unsigned long long)m->calls);
}

static void
test_registry(void **state)
{
	struct metrics_aws	*a, *b;
	struct seen		 s = { "" };

	a = metrics_aws_get("acm", "ListCertificates", "us-east-1");
	b = metrics_aws_get("acm", "ListCertificates", "eu-west-1");
	assert_ptr_not_equal(a, b);
	assert_ptr_equal(a, metrics_aws_get("acm", "ListCertificates",
	    "us-east-1"));
	a->calls = 2;
	b->calls = 1;
	metrics_aws_get("acm-pca", "IssueCertificate", "us-east-1")->calls = 5;
	metrics_aws_foreach(aws_cb, &s);
	/* In label order. */
	assert_string_equal(s.buf, "acm/ListCertificates/eu-west-1=1 "
	    "acm/ListCertificates/us-east-1=2 "
	    "acm-pca/IssueCertificate/us-east-1=5 ");
	metrics_free();
	s.buf[0] = '\0';
	metrics_aws_foreach(aws_cb, &s);
	assert_string_equal(s.buf, "");
}

static void
test_listen(void **state)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			*cause = NULL;

	assert_int_equal(metrics_listen_parse("127.0.0.1:9464", &ss, &len,
	    &cause), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9464);
	assert_int_equal(metrics_listen_parse("[::1]:9464", &ss, &len,
	    &cause), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(metrics_listen_parse("/run/acmd/metrics.sock", &ss,
	    &len, &cause), 0);
	assert_int_equal(ss.ss_family, AF_UNIX);
	assert_string_equal(((struct sockaddr_un *)&ss)->sun_path,
	    "/run/acmd/metrics.sock");
	refused(conf_check_listen, (const char *const []){ "127.0.0.1",
	    "127.0.0.1:0", "localhost:9464", "9464", "relative/path",
	    "127.0.0.1:99999", NULL });
}

static int
allowed(const struct metrics_net *nets, size_t n, int family,
    const char *addr)
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	struct sockaddr_in6	 sin6 = { .sin6_family = AF_INET6 };

	if (family == AF_INET) {
		assert_int_equal(inet_pton(AF_INET, addr, &sin.sin_addr), 1);
		return (metrics_allowed(nets, n, (struct sockaddr *)&sin));
	}
	assert_int_equal(inet_pton(AF_INET6, addr, &sin6.sin6_addr), 1);
	return (metrics_allowed(nets, n, (struct sockaddr *)&sin6));
}

static void
test_allow(void **state)
{
	struct metrics_net	*nets;
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	size_t			 n;
	char			*cause = NULL;

	assert_int_equal(metrics_allow_parse("127.0.0.1, 10.0.0.0/8 "
	    "192.168.1.0/25\t::1 fd00::/8", &nets, &n, &cause), 0);
	assert_int_equal(n, 5);
	assert_true(allowed(nets, n, AF_INET, "127.0.0.1"));
	assert_false(allowed(nets, n, AF_INET, "127.0.0.2"));
	assert_true(allowed(nets, n, AF_INET, "10.200.3.4"));
	assert_false(allowed(nets, n, AF_INET, "11.0.0.1"));
	assert_true(allowed(nets, n, AF_INET, "192.168.1.127"));
	assert_false(allowed(nets, n, AF_INET, "192.168.1.128"));
	assert_true(allowed(nets, n, AF_INET6, "::1"));
	assert_true(allowed(nets, n, AF_INET6, "fd12::5"));
	assert_false(allowed(nets, n, AF_INET6, "fe80::1"));
	/* IPv4 on an IPv6 socket is matched as IPv4. */
	assert_true(allowed(nets, n, AF_INET6, "::ffff:10.1.2.3"));
	assert_false(allowed(nets, n, AF_INET6, "::ffff:11.1.2.3"));
	assert_true(metrics_allowed(nets, n, (struct sockaddr *)&sun));
	free(nets);

	assert_int_equal(metrics_allow_parse("0.0.0.0/0", &nets, &n, &cause),
	    0);
	assert_true(allowed(nets, n, AF_INET, "203.0.113.9"));
	assert_false(allowed(nets, n, AF_INET6, "2001:db8::1"));
	free(nets);

	refused(conf_check_allow, (const char *const []){ "300.1.1.1",
	    "10.0.0.0/33", "::1/129", "host.example", "10.0.0.0/x",
	    "10.0.0.0/", NULL });
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_listen),
		cmocka_unit_test(test_allow),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

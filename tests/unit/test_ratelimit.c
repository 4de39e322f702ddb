/*
 * The rate limiter against the token bucket AWS (and the emulator) keep:
 * pacing, a stalled event loop, the floor an answer sets, withdrawal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "ratelimit.h"

#define MAXCALLS	64

static struct event_base	*base;
static double			 sent[MAXCALLS];
static int			 nsent;

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6);
}

static void
sent_cb(void *arg)
{
	int	*id = arg;

	assert_true(nsent < MAXCALLS);
	sent[nsent++] = now();
	if (id != NULL)
		*id = nsent;
}

static int
setup(void **state)
{
	(void)state;
	base = event_base_new();
	nsent = 0;
	return (base == NULL);
}

static int
teardown(void **state)
{
	(void)state;
	event_base_free(base);
	return (0);
}

/* Ask for n slots: those that may go now are counted as sent at once. */
static void
ask(struct rl_bucket *b, double rate, int n, struct rl_ticket **tickets)
{
	struct rl_ticket	*t;
	int			 i;

	for (i = 0; i < n; i++) {
		if (ratelimit_acquire(b, rate, sent_cb, NULL, &t) == 0)
			sent_cb(NULL);
		if (tickets != NULL)
			tickets[i] = t;
	}
}

/*
 * AWS's bucket: holds one second of quota (at least one request), starts
 * full, refills at the rate.  Returns how many requests it would refuse.
 */
static int
throttled(double rate, double start)
{
	double	 cap = rate < 1 ? 1 : rate, tokens = cap, last = start;
	int	 i, refused = 0;

	for (i = 0; i < nsent; i++) {
		tokens += (sent[i] - last) * rate / 1000;
		if (tokens > cap)
			tokens = cap;
		last = sent[i];
		if (tokens < 1) {
			refused++;
			continue;
		}
		tokens -= 1;
	}
	return (refused);
}

static void
test_paced_at_the_quota(void **state)
{
	struct ratelimit	*rl = ratelimit_new(base);
	struct rl_bucket	*b = ratelimit_bucket(rl, "1/r/acm:DescribeCertificate");
	double			 t0 = now();

	(void)state;
	ask(b, 10, 30, NULL);
	assert_int_equal(nsent, 9);		/* a burst under the bucket */
	assert_int_equal(ratelimit_queued(b), 21);
	event_base_dispatch(base);
	assert_int_equal(nsent, 30);
	assert_int_equal(ratelimit_queued(b), 0);
	assert_int_equal(throttled(10, t0), 0);
	/* 21 more at 10/s less 3%: a little over 2 s, not much more. */
	assert_true(sent[29] - t0 >= 2100);
	assert_true(sent[29] - t0 < 2600);
	ratelimit_free(rl);
}

static void
test_stalled_loop_sends_no_backlog(void **state)
{
	struct ratelimit	*rl = ratelimit_new(base);
	struct rl_bucket	*b = ratelimit_bucket(rl, "1/r/acm:GetCertificate");
	double			 t0 = now(), resume;
	int			 i, together = 0;

	(void)state;
	ask(b, 10, 40, NULL);
	/* The loop is busy for 1.5 s: 15 slots' worth of time passes. */
	usleep(1500 * 1000);
	resume = now();
	event_base_dispatch(base);
	assert_int_equal(nsent, 40);
	for (i = 9; i < nsent; i++) {
		if (sent[i] - resume < 20)
			together++;
	}
	/* What waited goes as a burst the bucket can take, not all at once. */
	assert_true(together >= 1);
	assert_true(together <= 9);
	assert_int_equal(throttled(10, t0), 0);
	ratelimit_free(rl);
}

static void
test_answer_sets_a_floor(void **state)
{
	struct ratelimit	*rl = ratelimit_new(base);
	struct rl_bucket	*b = ratelimit_bucket(rl, "1/r/acm:ListCertificates");
	double			 t0 = now(), answered;

	(void)state;
	ask(b, 1, 1, NULL);
	assert_int_equal(nsent, 1);
	/* The answer takes 400 ms: AWS may have counted it that late. */
	usleep(400 * 1000);
	ratelimit_done(b);
	answered = now();
	ask(b, 1, 1, NULL);
	assert_int_equal(nsent, 1);
	event_base_dispatch(base);
	assert_int_equal(nsent, 2);
	/* A bucket of one: a full interval after the answer, not the send. */
	assert_true(sent[1] - answered >= 1000);
	assert_true(sent[1] - t0 >= 1400);
	assert_true(sent[1] - answered < 1300);
	ratelimit_free(rl);
}

static void
test_withdrawn_requests_are_not_sent(void **state)
{
	struct ratelimit	*rl = ratelimit_new(base);
	struct rl_bucket	*b = ratelimit_bucket(rl, "1/r/acm:ImportCertificate");
	struct rl_ticket	*t[4];
	int			 id[4] = { 0, 0, 0, 0 }, i;

	(void)state;
	for (i = 0; i < 4; i++) {
		if (ratelimit_acquire(b, 20, sent_cb, &id[i], &t[i]) == 0)
			sent_cb(&id[i]);
	}
	/* 20/s: a burst of 18, so all four go at once. */
	assert_int_equal(nsent, 4);
	nsent = 0;
	for (i = 0; i < 4; i++) {
		id[i] = 0;
		assert_int_equal(ratelimit_acquire(b, 1, sent_cb, &id[i],
		    &t[i]), 1);
	}
	ratelimit_cancel(t[1]);
	ratelimit_cancel(t[3]);
	assert_int_equal(ratelimit_queued(b), 2);
	event_base_dispatch(base);
	assert_int_equal(nsent, 2);
	assert_int_equal(id[0], 1);		/* first come, first served */
	assert_int_equal(id[2], 2);
	assert_int_equal(id[1], 0);
	assert_int_equal(id[3], 0);
	/* Withdrawing the last one leaves no timer behind. */
	assert_int_equal(ratelimit_acquire(b, 1, sent_cb, &id[1], &t[1]), 1);
	ratelimit_cancel(t[1]);
	assert_int_equal(event_base_dispatch(base), 1);	/* nothing to run */
	assert_int_equal(nsent, 2);
	ratelimit_free(rl);
}

static void
test_overrides_and_reload(void **state)
{
	struct ratelimit	*rl = ratelimit_new(base);
	struct rl_bucket	*b;
	char			*cause = NULL;

	(void)state;
	assert_true(ratelimit_rate(rl, "acm", "ListCertificates") == 1);
	assert_true(ratelimit_rate(rl, "acm", "NoSuchOperation") == 0);
	assert_int_equal(ratelimit_parse(rl, "acm",
	    "DescribeCertificate=20, acm-pca:RevokeCertificate=5", &cause), 0);
	assert_true(ratelimit_rate(rl, "acm", "DescribeCertificate") == 20);
	assert_true(ratelimit_rate(rl, "acm-pca", "RevokeCertificate") == 5);
	assert_int_equal(ratelimit_parse(rl, "acm", "Describe", &cause), -1);
	assert_non_null(strstr(cause, "Operation=rate"));
	free(cause);
	assert_int_equal(ratelimit_parse(rl, "acm", "X=-1", &cause), -1);
	free(cause);
	/* A reload forgets overrides but not what was sent. */
	b = ratelimit_bucket(rl, "1/r/acm:ListCertificates");
	ask(b, 1, 1, NULL);
	ratelimit_clear(rl);
	assert_true(ratelimit_rate(rl, "acm", "DescribeCertificate") == 10);
	assert_ptr_equal(ratelimit_bucket(rl, "1/r/acm:ListCertificates"), b);
	ask(b, 1, 1, NULL);
	assert_int_equal(nsent, 1);
	assert_int_equal(ratelimit_queued(b), 1);
	/* Freed with a request still waiting: no callback, no leak. */
	ratelimit_free(rl);
	assert_int_equal(nsent, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_paced_at_the_quota,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_stalled_loop_sends_no_backlog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_sets_a_floor,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_withdrawn_requests_are_not_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overrides_and_reload,
		    setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

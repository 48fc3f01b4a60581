/*
 * test_suite_steps.c - terms that pick a server sweep's step: n=N (its
 * connections) and rate=R or rate=closed (its load), parsed and matched on
 * synthetic rows; a term that leaves two steps of one model and C apart is
 * ambiguous rather than a median of both.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/suite/expr.h"
#include "harness/suite/verdict.h"
#include "tests/testutil.h"

/* A server run: model at C, n connections, closed loop (rate NaN) or rate. */
static res_run srv(const char *model, unsigned c, size_t n, double rate, double p99)
{
	res_run r;
	res_init(&r);
	snprintf(r.model, sizeof r.model, "%s", model);
	snprintf(r.workload, sizeof r.workload, "serve");
	snprintf(r.params, sizeof r.params, "timeout_ms=60000,work=http:delay_ms=50");
	snprintf(r.status, sizeof r.status, "ok");
	r.concurrency = c;
	r.tasks = n;
	r.rate_requested = rate;
	r.client_p99_s = p99;
	r.client_rps = 1000 / p99;
	return r;
}

static void test_parse(void **st)
{
	(void)st;
	expr_expect e;
	char err[256] = "";
	assert_int_equal(expr_parse_expect("client_p99(pool@4 n=50 rate=closed on serve) / "
					   "client_p99(epoll rate=1000) in 5..1e6 : why",
					   &e, err, sizeof err),
			 0);
	assert_string_equal(e.num.model, "pool");
	assert_int_equal(e.num.c, 4);
	assert_int_equal(e.num.n, 50);
	assert_true(e.num.rate_set && e.num.rate == 0);
	assert_string_equal(e.num.workload, "serve");
	assert_int_equal(e.den.n, 0);
	assert_true(e.den.rate_set && e.den.rate == 1000);
	assert_int_equal(e.num.metric, METRIC_CP99);
	/* the qualifiers in either order; none at all */
	assert_int_equal(
		expr_parse_expect("req_per_s(coro rate=500 n=10) / 1 in 0..1", &e, err, sizeof err),
		0);
	assert_true(e.num.n == 10 && e.num.rate == 500);
	assert_int_equal(expr_parse_expect("rss_per_conn(coro) / 1 in 0..1", &e, err, sizeof err),
			 0);
	assert_true(e.num.n == 0 && !e.num.rate_set);

	static const char *const bad[] = {
		"p99(pool n=0) / 1 in 0..1",           "p99(pool n=1.5) / 1 in 0..1",
		"p99(pool n=5 n=6) / 1 in 0..1",       "p99(pool rate=0) / 1 in 0..1",
		"p99(pool rate=fast) / 1 in 0..1",     "p99(pool rate=closedx) / 1 in 0..1",
		"p99(pool rate=1 rate=2) / 1 in 0..1",
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		err[0] = 0;
		assert_int_equal(expr_parse_expect(bad[i], &e, err, sizeof err), -1);
		assert_non_null(strstr(err, "want"));
	}
	assert_int_equal(expr_parse_expect("p99(pool n=5 n=6) / 1 in 0..1", &e, err, sizeof err),
			 -1);
	assert_non_null(strstr(err, "n=6"));
}

static verdict_ex judge(const char *text, const res_run *runs, size_t n)
{
	expr_expect e;
	char err[256] = "";
	if (expr_parse_expect(text, &e, err, sizeof err) < 0)
		fail_msg("%s: %s", text, err);
	return verdict_expect(&e, runs, n);
}

static void test_pick(void **st)
{
	(void)st;
	res_run runs[] = {
		srv("pool", 4, 1, NAN, 0.051),   srv("pool", 4, 50, NAN, 2.0),
		srv("epoll", 50, 1, NAN, 0.052), srv("epoll", 50, 50, NAN, 0.055),
		srv("epoll", 50, 50, 1000, 0.5), srv("pool", 4, 50, 1000, 3.0),
	};
	size_t n = N_ELEMS(runs);
	verdict_ex r = judge("client_p99(pool@4 n=50 rate=closed) / client_p99(epoll@50 n=50 "
			     "rate=closed) in 30..40",
			     runs, n);
	assert_int_equal(r.v, VERDICT_REPRODUCED);
	assert_true(fabs(r.value - 2.0 / 0.055) < 1e-9);
	r = judge("client_p99(epoll n=50 rate=1000) / 0.5 in 0.99..1.01", runs, n);
	assert_int_equal(r.v, VERDICT_REPRODUCED);
	r = judge("client_p99(pool@4 n=1) / client_p99(epoll@50 n=1) in 0.9..1.1", runs, n);
	assert_int_equal(r.v, VERDICT_REPRODUCED);
	assert_true(fabs(r.value - 0.051 / 0.052) < 1e-9);

	/* two steps left apart: no median of both */
	r = judge("client_p99(pool@4) / 1 in 0..100", runs, n);
	assert_int_equal(r.v, VERDICT_NA);
	assert_non_null(strstr(r.msg, "ran N=1 and N=50"));
	assert_non_null(strstr(r.msg, "n=N"));
	r = judge("client_p99(epoll n=50) / 1 in 0..100", runs, n);
	assert_int_equal(r.v, VERDICT_NA);
	assert_non_null(strstr(r.msg, "closed loop and 1000/s"));
	/* a step that was not run */
	r = judge("client_p99(epoll n=7) / 1 in 0..100", runs, n);
	assert_int_equal(r.v, VERDICT_NA);
	/* n= matches batch rows by their N too: one N, as before */
	res_run b = srv("coro", 3, 20, NAN, 0.1);
	r = judge("req_per_s(coro n=20) / 10000 in 0.99..1.01", &b, 1);
	assert_int_equal(r.v, VERDICT_REPRODUCED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_pick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

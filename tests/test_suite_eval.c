/*
 * test_suite_eval.c - expectations, matrix rows and verdicts, on synthetic
 * results: nothing here depends on timing.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/suite/expr.h"
#include "harness/suite/suite.h"
#include "harness/suite/matrix.h"
#include "harness/suite/verdict.h"
#include "tests/testutil.h"

/* A suite's required lines, to add expectations and rows to. */
static const char good_head[] = "name L9\n"
				"claim a pool caps\n"
				"full -w sleep:ms=100 -m pool -n 20 -c 4\n"
				"quick -w sleep:ms=10 -m pool -n 20 -c 4\n";

static res_run mk(const char *model, unsigned c, const char *status, double makespan)
{
	res_run r;
	memset(&r, 0, sizeof r);
	snprintf(r.model, sizeof r.model, "%s", model);
	snprintf(r.workload, sizeof r.workload, "sleep");
	snprintf(r.params, sizeof r.params, "ms=100,blocking=0");
	snprintf(r.status, sizeof r.status, "%s", status);
	r.concurrency = c;
	r.tasks = 3;
	r.makespan_s = makespan;
	r.throughput_per_s = 3 / makespan;
	r.lat_p50_s = makespan / 2;
	r.lat_p99_s = makespan;
	r.cpu_user_s = 0.01;
	r.cpu_sys_s = 0.02;
	r.ctx_voluntary = 5;
	r.ctx_involuntary = 1;
	r.max_rss_kib = 2048;
	return r;
}

static expr_expect ex(const char *text)
{
	expr_expect e;
	char err[256] = "";
	if (expr_parse_expect(text, &e, err, sizeof err) < 0)
		fprintf(stderr, "%s: %s\n", text, err);
	assert_string_equal(err, "");
	return e;
}

static void test_eval(void **st)
{
	(void)st;
	res_run runs[] = {
		mk("sequential", 3, "ok", 0.30),
		mk("sequential", 3, "ok", 0.31),
		mk("sequential", 3, "ok", 0.50), /* the median ignores the outlier */
		mk("coro", 3, "ok", 0.10),
		mk("coro", 3, "ok", 0.11),
		mk("coro", 3, "error: x", NAN),
		mk("coro", 1, "ok", 0.30),
		mk("threads:stack=64k", 3, "ok", 0.12),
		mk("pool", 3, "error: boom", NAN),
	};
	size_t n = N_ELEMS(runs);
	verdict_ex r;
	expr_expect e = ex("makespan(coro) / makespan(sequential) in 0.15..0.45 : why");
	r = verdict_expect(&e, runs, n);
	assert_int_equal(r.v, VERDICT_REPRODUCED);
	assert_true(fabs(r.value - 0.105 / 0.31) < 1e-9);
	/* the interval: 0.10 / 0.50 .. 0.11 / 0.30 at most, around the ratio */
	assert_true(r.lo >= 0.2 - 1e-9 && r.lo < r.value && r.hi > r.value);
	assert_true(r.hi <= 0.11 / 0.30 + 1e-9);
	assert_int_equal(r.reps, 2);
	/* the outlier rep puts the interval across 0.25: inconclusive */
	e = ex("makespan(coro) / makespan(sequential) in 0.25..0.45 : why");
	r = verdict_expect(&e, runs, n);
	assert_int_equal(r.v, VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(r.msg, "across an edge of 0.25..0.45"));
	assert_non_null(strstr(r.msg, "coro@3"));
	assert_non_null(strstr(r.msg, "sequential@3"));

	e = ex("makespan(coro@1) / delay in 2.9..3.1");
	r = verdict_expect(&e, runs, n);
	assert_int_equal(r.v, VERDICT_REPRODUCED);
	assert_true(fabs(r.value - 3.0) < 1e-9);
	assert_non_null(strstr(r.msg, "delay 0.1 s"));

	e = ex("makespan(coro) / makespan(sequential) in 0.5..0.9");
	r = verdict_expect(&e, runs, n);
	assert_int_equal(r.v, VERDICT_NOT_REPRODUCED);
	assert_non_null(strstr(r.msg, "0.339"));

	/* a model given with options matches by name; CONST divisor */
	e = ex("makespan(threads) / 0.12 in 0.99..1.01");
	r = verdict_expect(&e, runs, n);
	assert_int_equal(r.v, VERDICT_REPRODUCED);

	/* each metric */
	static const struct {
		const char *text;
		double want;
	} m[] = {
		{ "throughput(coro@1) / 10 in 0..100", 1.0 },
		{ "p50(coro@1) / 0.15 in 0..100", 1.0 },
		{ "p99(coro@1) / 0.3 in 0..100", 1.0 },
		{ "cpu(coro@1) / 0.03 in 0..100", 1.0 },
		{ "rss(coro@1) / 2048 in 0..100", 1.0 },
		{ "ctx(coro@1) / 6 in 0..100", 1.0 },
	};
	for (size_t i = 0; i < N_ELEMS(m); i++) {
		e = ex(m[i].text);
		r = verdict_expect(&e, runs, n);
		assert_int_equal(r.v, VERDICT_REPRODUCED);
		assert_true(fabs(r.value - m[i].want) < 1e-9);
	}

	/* n/a: a model that was not run, a C that was not run */
	e = ex("makespan(epoll) / makespan(sequential) in 0..10");
	r = verdict_expect(&e, runs, n);
	assert_int_equal(r.v, VERDICT_NA);
	assert_string_equal(r.msg, "no runs of epoll at C=3");
	e = ex("makespan(coro) / makespan(sequential@7) in 0..10");
	r = verdict_expect(&e, runs, n);
	assert_int_equal(r.v, VERDICT_NA);
	assert_string_equal(r.msg, "no runs of sequential at C=7");
	/* every run of a model failed: not reproduced */
	e = ex("makespan(pool) / delay in 0..10");
	r = verdict_expect(&e, runs, n);
	assert_int_equal(r.v, VERDICT_NOT_REPRODUCED);
	assert_non_null(strstr(r.msg, "every run of pool at C=3 failed (error: boom)"));
	/* no delay parameter */
	res_run fib = mk("coro", 1, "ok", 1.0);
	snprintf(fib.params, sizeof fib.params, "n=30");
	e = ex("makespan(coro) / delay in 0..10");
	r = verdict_expect(&e, &fib, 1);
	assert_int_equal(r.v, VERDICT_NA);
	assert_non_null(strstr(r.msg, "no delay_ms or ms"));
	/* delay_ms, and a missing figure */
	snprintf(fib.params, sizeof fib.params, "delay_ms=250|500,size=4k");
	r = verdict_expect(&e, &fib, 1);
	assert_int_equal(r.v, VERDICT_REPRODUCED);
	assert_true(fabs(r.value - 4.0) < 1e-9);
	fib.max_rss_kib = -1;
	e = ex("rss(coro) / 1 in 0..10");
	r = verdict_expect(&e, &fib, 1);
	assert_int_equal(r.v, VERDICT_NA);
	assert_non_null(strstr(r.msg, "no rss figure"));
	/* no runs at all */
	r = verdict_expect(&e, NULL, 0);
	assert_int_equal(r.v, VERDICT_NA);
}

/* Terms that name a workload, for results that hold several. */
static void test_eval_workloads(void **st)
{
	(void)st;
	res_run runs[] = {
		mk("threads", 2, "ok", 0.40),
		mk("coro", 2, "ok", 0.02),
		mk("threads", 2, "ok", 0.20),
		mk("coro", 2, "ok", 0.01),
	};
	snprintf(runs[0].workload, sizeof runs[0].workload, "switch");
	snprintf(runs[0].params, sizeof runs[0].params, "rounds=100,mode=pipe");
	snprintf(runs[1].workload, sizeof runs[1].workload, "switch");
	snprintf(runs[1].params, sizeof runs[1].params, "rounds=100,mode=pipe");
	snprintf(runs[2].workload, sizeof runs[2].workload, "switch");
	snprintf(runs[2].params, sizeof runs[2].params, "rounds=100,mode=yield");
	snprintf(runs[3].workload, sizeof runs[3].workload, "switch");
	snprintf(runs[3].params, sizeof runs[3].params, "rounds=100,mode=yield");
	verdict_ex r;
	expr_expect e = ex("makespan(threads on switch:mode=pipe) / makespan(coro on "
			   "switch:mode=yield) in 20..1000 : the claim");
	assert_string_equal(e.num.workload, "switch:mode=pipe");
	assert_string_equal(e.den.workload, "switch:mode=yield");
	assert_string_equal(e.why, "the claim");
	r = verdict_expect(&e, runs, N_ELEMS(runs));
	assert_int_equal(r.v, VERDICT_REPRODUCED);
	assert_true(fabs(r.value - 40.0) < 1e-9);
	assert_non_null(strstr(r.msg, "threads@2 on switch:mode=pipe"));
	/* @C and on together; several params must all match, as whole items */
	e = ex("makespan(coro@2 on switch:rounds=100,mode=pipe) / 0.02 in 0.99..1.01");
	assert_int_equal(e.num.c, 2);
	r = verdict_expect(&e, runs, N_ELEMS(runs));
	assert_int_equal(r.v, VERDICT_REPRODUCED);
	e = ex("makespan(coro on switch:mode=pip) / 1 in 0..10");
	r = verdict_expect(&e, runs, N_ELEMS(runs));
	assert_int_equal(r.v, VERDICT_NA);
	assert_non_null(strstr(r.msg, "no runs of coro on switch:mode=pip"));
	e = ex("makespan(coro on fib) / 1 in 0..10");
	assert_int_equal(verdict_expect(&e, runs, N_ELEMS(runs)).v, VERDICT_NA);
	/* naming too little is ambiguous, not a median over two workloads */
	e = ex("makespan(threads) / 1 in 0..10");
	r = verdict_expect(&e, runs, N_ELEMS(runs));
	assert_int_equal(r.v, VERDICT_NA);
	assert_non_null(strstr(r.msg, "ambiguous: threads ran switch:rounds=100,mode=pipe and "
				      "switch:rounds=100,mode=yield"));
	e = ex("makespan(threads on switch) / 1 in 0..10");
	assert_int_equal(verdict_expect(&e, runs, N_ELEMS(runs)).v, VERDICT_NA);
	/* delay comes from the numerator's workload; the default C from its runs */
	res_run two[] = { mk("epoll", 8, "ok", 0.12), mk("epoll", 500, "ok", 0.3) };
	snprintf(two[1].params, sizeof two[1].params, "ms=200,blocking=0");
	snprintf(two[0].workload, sizeof two[0].workload, "http");
	snprintf(two[0].params, sizeof two[0].params, "delay_ms=100,size=1k");
	e = ex("makespan(epoll on http) / delay in 1.19..1.21");
	r = verdict_expect(&e, two, 2);
	assert_int_equal(r.v, VERDICT_REPRODUCED);
	assert_non_null(strstr(r.msg, "epoll@8 on http"));
	e = ex("makespan(epoll on sleep) / delay in 1.49..1.51");
	assert_int_equal(verdict_expect(&e, two, 2).v, VERDICT_REPRODUCED);
}

static expr_row row(const char *text)
{
	expr_row r;
	char err[256] = "";
	if (expr_parse_row(text, &r, err, sizeof err) < 0)
		fprintf(stderr, "%s: %s\n", text, err);
	assert_string_equal(err, "");
	return r;
}

/* A decision matrix row: the claim's choice against the measured best. */
static void test_matrix(void **st)
{
	(void)st;
	res_run runs[] = {
		mk("sequential", 8, "ok", 1.00),   mk("threads+gil", 8, "ok", 1.02),
		mk("prefork", 8, "ok", 0.52),      mk("prefork", 8, "ok", 0.50),
		mk("prefork", 8, "ok", 0.51),      mk("epoll", 8, "ok", 0.98),
		mk("coro", 8, "error: boom", NAN),
	};
	for (size_t i = 0; i < N_ELEMS(runs); i++) {
		snprintf(runs[i].workload, sizeof runs[i].workload, "fib");
		snprintf(runs[i].params, sizeof runs[i].params, "n=30");
	}
	expr_row r = row("makespan(* on fib) best prefork : CPU-bound work");
	assert_string_equal(r.label, "CPU-bound work");
	assert_string_equal(r.term.model, "*");
	assert_string_equal(r.term.workload, "fib");
	assert_int_equal(r.nchoice, 1);
	assert_true(fabs(r.within - 0.10) < 1e-12);
	verdict_mx m = matrix_row(&r, runs, N_ELEMS(runs));
	assert_int_equal(m.v, VERDICT_REPRODUCED);
	assert_int_equal(m.c, 8);
	assert_int_equal(m.n, 4); /* coro's runs all failed: no figure */
	assert_string_equal(m.m[0].model, "prefork");
	assert_true(fabs(m.m[0].value - 0.51) < 1e-9);
	assert_string_equal(m.m[1].model, "epoll");
	assert_string_equal(m.m[3].model, "threads+gil");
	assert_string_equal(m.msg, "prefork 510 ms is the best (next: epoll)");

	/* a choice behind the best: within the tolerance or not */
	r = row("makespan(*@8 on fib:n=30) best sequential|threads within 3% : x");
	assert_int_equal(r.nchoice, 2);
	assert_string_equal(r.choice[1], "threads");
	for (int i = 2; i <= 4; i++) {
		runs[i].makespan_s = 2.0;
		runs[i].throughput_per_s = 1.5;
	}
	m = matrix_row(&r, runs, N_ELEMS(runs));
	assert_int_equal(m.v, VERDICT_REPRODUCED); /* sequential, 2% behind */
	assert_string_equal(m.m[0].model, "epoll");
	r.within = 0.01;
	m = matrix_row(&r, runs, N_ELEMS(runs));
	assert_int_equal(m.v, VERDICT_NOT_REPRODUCED);
	assert_non_null(strstr(m.msg, "sequential 1.00 s is 2% behind the best, epoll 980 ms"));
	/* the choice never ran: n/a, as is a workload nobody ran */
	r = row("makespan(* on fib) best pool : x");
	m = matrix_row(&r, runs, N_ELEMS(runs));
	assert_int_equal(m.v, VERDICT_NA);
	assert_non_null(strstr(m.msg, "none of the chosen models ran; the best is epoll"));
	r = row("makespan(* on sleep) best pool : x");
	assert_int_equal(matrix_row(&r, runs, N_ELEMS(runs)).v, VERDICT_NA);
	/* throughput: higher is better */
	r = row("throughput(* on fib) best epoll within 0% : x");
	m = matrix_row(&r, runs, N_ELEMS(runs));
	assert_string_equal(m.m[0].model, "epoll");
	assert_int_equal(m.v, VERDICT_REPRODUCED);

	/* in a suite: rows join the expectations in the verdict */
	suite s;
	char err[512] = "", text[1024];
	snprintf(text, sizeof text,
		 "%smatrix makespan(* on fib) best epoll : cpu\n"
		 "matrix makespan(* on fib) best sequential within 1%% : cpu again\n",
		 good_head);
	assert_int_equal(suite_parse(text, "t", &s, err, sizeof err), 0);
	assert_int_equal(s.nex, 0);
	assert_int_equal(s.nrows, 2);
	assert_int_equal(s.rows[1].line, 6);
	verdict_ex res[SUITE_MAX_EXPECT];
	verdict_mx mx[SUITE_MAX_ROWS];
	assert_int_equal(verdict_suite(&s, runs, N_ELEMS(runs), 2, res, mx),
			 VERDICT_NOT_REPRODUCED);
	assert_int_equal(mx[0].v, VERDICT_REPRODUCED);
	assert_int_equal(mx[1].v, VERDICT_NOT_REPRODUCED);
	s.rows[1].within = 0.05;
	assert_int_equal(verdict_suite(&s, runs, N_ELEMS(runs), 2, res, mx), VERDICT_REPRODUCED);
	s.needs[s.nneeds++] =
		(suite_need){ .what = "cores", .op = ">=", .value = 4, .text = "cores >= 4" };
	assert_int_equal(verdict_suite(&s, runs, N_ELEMS(runs), 2, res, mx), VERDICT_NA);
	assert_int_equal(mx[0].n, 4); /* measured all the same */
	assert_string_equal(mx[0].msg, "needs cores >= 4: the machine delivered 2 cores");
}

static void test_verdicts(void **st)
{
	(void)st;
	verdict_ex r[3] = { { .v = VERDICT_REPRODUCED },
			    { .v = VERDICT_REPRODUCED },
			    { .v = VERDICT_REPRODUCED } };
	assert_int_equal(verdict_combine(r, 3), VERDICT_REPRODUCED);
	r[1].v = VERDICT_NA;
	assert_int_equal(verdict_combine(r, 3), VERDICT_NA);
	r[2].v = VERDICT_NOT_REPRODUCED;
	assert_int_equal(verdict_combine(r, 3), VERDICT_NOT_REPRODUCED);
	r[1].v = VERDICT_REPRODUCED;
	assert_int_equal(verdict_combine(r, 3), VERDICT_NOT_REPRODUCED);
	assert_int_equal(verdict_combine(r, 0), VERDICT_REPRODUCED);
	assert_string_equal(verdict_name(VERDICT_NA), "n/a");
	assert_string_equal(verdict_name(VERDICT_NOT_REPRODUCED), "not reproduced");

	/* a whole suite, with needs */
	suite s;
	char err[512] = "", text[1024];
	snprintf(text, sizeof text,
		 "%sexpect makespan(coro) / makespan(sequential) in 0.25..0.45\n"
		 "expect makespan(coro) / delay in 0.9..1.2\nneeds cores >= 64\n",
		 good_head);
	assert_int_equal(suite_parse(text, "t", &s, err, sizeof err), 0);
	res_run runs[] = { mk("sequential", 3, "ok", 0.30), mk("coro", 3, "ok", 0.10) };
	verdict_ex res[SUITE_MAX_EXPECT];
	verdict_mx mx[SUITE_MAX_ROWS];
	assert_int_equal(verdict_suite(&s, runs, 2, 2, res, mx), VERDICT_NA);
	assert_int_equal(res[0].v, VERDICT_NA);
	assert_string_equal(res[0].msg, "needs cores >= 64: the machine delivered 2 cores");
	assert_int_equal(verdict_suite(&s, runs, 2, 64, res, mx), VERDICT_REPRODUCED);
	assert_int_equal(res[1].v, VERDICT_REPRODUCED);
	runs[1].makespan_s = 0.2;
	assert_int_equal(verdict_suite(&s, runs, 2, 64, res, mx), VERDICT_NOT_REPRODUCED);
	/* one n/a and one failure: not reproduced */
	runs[0].concurrency = 1;
	assert_int_equal(verdict_suite(&s, runs, 2, 64, res, mx), VERDICT_NOT_REPRODUCED);
	assert_int_equal(res[0].v, VERDICT_NA);
	assert_int_equal(res[1].v, VERDICT_NOT_REPRODUCED);

	char why[200];
	static const struct {
		const char *need;
		int cores, ok;
	} nd[] = { { "cores > 2", 2, 0 }, { "cores > 2", 3, 1 },  { "cores <= 2", 2, 1 },
		   { "cores < 2", 2, 0 }, { "cores == 4", 4, 1 }, { "cores == 4", 3, 0 } };
	for (size_t i = 0; i < N_ELEMS(nd); i++) {
		snprintf(text, sizeof text, "%sexpect makespan(a) / 1 in 0..1\nneeds %s\n",
			 good_head, nd[i].need);
		assert_int_equal(suite_parse(text, "t", &s, err, sizeof err), 0);
		assert_int_equal(verdict_needs_ok(&s, nd[i].cores, why, sizeof why), nd[i].ok);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eval),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_eval_workloads),
		cmocka_unit_test(test_matrix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

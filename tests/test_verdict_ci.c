/*
 * test_verdict_ci.c - statistical verdicts on fixed inputs: an expectation's
 * bootstrap interval inside its band, outside it, across an edge; digits
 * that show why 0.01003 is not in 0..0.01; a need the machine did not
 * deliver; how verdicts combine and count; the exit status they give.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/suite/expr.h"
#include "harness/suite/suite.h"
#include "harness/suite/trial.h"
#include "harness/suite/verdict.h"
#include "harness/suite/verdict_text.h"
#include "tests/testutil.h"

static res_run mk(const char *model, double makespan)
{
	res_run r;
	memset(&r, 0, sizeof r);
	snprintf(r.model, sizeof r.model, "%s", model);
	snprintf(r.workload, sizeof r.workload, "sleep");
	snprintf(r.params, sizeof r.params, "ms=100");
	snprintf(r.status, sizeof r.status, "ok");
	r.concurrency = 4;
	r.tasks = 4;
	r.makespan_s = makespan;
	return r;
}

static expr_expect ex(const char *text)
{
	expr_expect e;
	char err[256] = "";
	assert_int_equal(expr_parse_expect(text, &e, err, sizeof err), 0);
	e.line = 7;
	return e;
}

/* coro's five reps spread +-20 % around 1.0, sequential's three at 2.0. */
static void spread(res_run *runs)
{
	static const double a[] = { 0.8, 0.9, 1.0, 1.1, 1.2 };
	for (int i = 0; i < 5; i++)
		runs[i] = mk("coro", a[i]);
	for (int i = 5; i < 8; i++)
		runs[i] = mk("sequential", 2.0);
}

static void test_inside_outside_across(void **st)
{
	(void)st;
	res_run runs[8];
	spread(runs);
	/* inside: the whole interval is in the band */
	expr_expect e = ex("makespan(coro) / makespan(sequential) in 0.3..0.7");
	verdict_ex r = verdict_expect(&e, runs, 8);
	assert_int_equal(r.v, VERDICT_REPRODUCED);
	assert_true(r.value == 0.5);
	assert_true(r.lo < 0.5 && r.hi > 0.5 && r.lo >= 0.4 && r.hi <= 0.6);
	assert_int_equal(r.reps, 3);
	assert_non_null(strstr(r.msg, "0.5 ["));
	assert_non_null(strstr(r.msg, "] in 0.3..0.7 (95% CI over 3 reps) = coro@4 "));
	/* the same inputs, the same interval */
	verdict_ex again = verdict_expect(&e, runs, 8);
	assert_true(again.lo == r.lo && again.hi == r.hi);
	/* entirely outside, above and below */
	e = ex("makespan(coro) / makespan(sequential) in 0.65..0.9");
	r = verdict_expect(&e, runs, 8);
	assert_int_equal(r.v, VERDICT_NOT_REPRODUCED);
	assert_non_null(strstr(r.msg, "] below 0.65..0.9"));
	e = ex("makespan(coro) / makespan(sequential) in 0.1..0.35");
	r = verdict_expect(&e, runs, 8);
	assert_int_equal(r.v, VERDICT_NOT_REPRODUCED);
	assert_non_null(strstr(r.msg, "] above 0.1..0.35"));
	/* across an edge: the point is inside, the interval is not */
	e = ex("makespan(coro) / makespan(sequential) in 0.48..0.7");
	r = verdict_expect(&e, runs, 8);
	assert_int_equal(r.v, VERDICT_INCONCLUSIVE);
	assert_non_null(strstr(r.msg, "] across an edge of 0.48..0.7"));
	/* and the point outside, the interval reaching in */
	e = ex("makespan(coro) / makespan(sequential) in 0.52..0.7");
	assert_int_equal(verdict_expect(&e, runs, 8).v, VERDICT_INCONCLUSIVE);
	/* the interval in a table */
	char t[96];
	verdict_text_ratio(t, sizeof t, &r, &e);
	assert_true(t[0] == '0' && strstr(t, "0.5 [0.") && t[strlen(t) - 1] == ']');
	r.value = NAN;
	verdict_text_ratio(t, sizeof t, &r, &e);
	assert_string_equal(t, "n/a");
	/* one rep each: a zero-width interval at the ratio */
	e = ex("makespan(coro) / makespan(sequential) in 0.3..0.4");
	r = verdict_expect(&e, runs + 4, 2);
	assert_int_equal(r.v, VERDICT_NOT_REPRODUCED);
	assert_true(r.lo == 0.6 && r.hi == 0.6);
}

static void test_digits(void **st)
{
	(void)st;
	/* L10: 0.01003 printed "0.01" beside a band 0..0.01 */
	res_run runs[3] = { mk("coro", 0.01003), mk("coro", 0.01003), mk("coro", 0.01003) };
	expr_expect e = ex("makespan(coro) / 1 in 0..0.01");
	verdict_ex r = verdict_expect(&e, runs, 3);
	assert_int_equal(r.v, VERDICT_NOT_REPRODUCED);
	assert_true(r.value == 0.01003);
	assert_non_null(strstr(r.msg, "0.01003 [0.01003, 0.01003] above 0..0.01"));
	char b[32];
	verdict_text_num(b, sizeof b, 0.01003, 0, 0.01);
	assert_string_equal(b, "0.01003");
	verdict_text_num(b, sizeof b, 0.0100000004, 0, 0.01);
	assert_string_equal(b, "0.0100000004");
	verdict_text_num(b, sizeof b, 0.01, 0, 0.01); /* on the edge: it is the edge */
	assert_string_equal(b, "0.01");
	verdict_text_num(b, sizeof b, 0.33417, 0.25, 0.45);
	assert_string_equal(b, "0.334");
	verdict_text_num(b, sizeof b, 0.2499, 0.25, 0.45);
	assert_string_equal(b, "0.2499");
	/* the same value just inside: reproduced */
	e.hi = 0.0101;
	assert_int_equal(verdict_expect(&e, runs, 3).v, VERDICT_REPRODUCED);
}

static void test_not_applicable(void **st)
{
	(void)st;
	suite s;
	char err[512] = "", why[200] = "";
	const char text[] = "name L1b\nclaim two cores\n"
			    "full -w sleep:ms=100 -m coro -n 4 -c 4\n"
			    "quick -w sleep:ms=100 -m coro -n 4 -c 4\n"
			    "expect makespan(coro) / delay in 0.9..1.1\nneeds cores >= 2\n";
	assert_int_equal(suite_parse(text, "t", &s, err, sizeof err), 0);
	res_run runs[1] = { mk("coro", 0.1) };
	verdict_ex res[SUITE_MAX_EXPECT];
	verdict_mx mx[SUITE_MAX_ROWS];
	assert_int_equal(verdict_suite(&s, runs, 1, 1.1, res, mx), VERDICT_NA);
	assert_string_equal(res[0].msg, "needs cores >= 2: the machine delivered 1.1 cores");
	assert_true(isnan(res[0].value) && isnan(res[0].lo));
	assert_int_equal(verdict_suite(&s, runs, 1, 2.0, res, mx), VERDICT_REPRODUCED);
	/* within 10 % of two cores counts as two; not measured holds */
	assert_int_equal(verdict_needs_ok(&s, 1.85, why, sizeof why), 1);
	assert_int_equal(verdict_needs_ok(&s, 1.75, why, sizeof why), 0);
	assert_string_equal(why, "needs cores >= 2: the machine delivered 1.75 cores");
	assert_int_equal(verdict_needs_ok(&s, NAN, why, sizeof why), 1);
	/* a whole count stays itself: 9 is not 10 */
	s.needs[0] =
		(suite_need){ .what = "cores", .op = ">=", .value = 10, .text = "cores >= 10" };
	assert_int_equal(verdict_needs_ok(&s, 9, why, sizeof why), 0);
	assert_int_equal(verdict_needs_ok(&s, 9.2, why, sizeof why), 1);
}

static void test_combine_count_exit(void **st)
{
	(void)st;
	verdict_ex r[4] = { { .v = VERDICT_REPRODUCED },
			    { .v = VERDICT_REPRODUCED },
			    { .v = VERDICT_REPRODUCED },
			    { .v = VERDICT_REPRODUCED } };
	assert_int_equal(verdict_combine(r, 4), VERDICT_REPRODUCED);
	r[0].v = VERDICT_NA;
	assert_int_equal(verdict_combine(r, 4), VERDICT_NA);
	r[1].v = VERDICT_INCONCLUSIVE;
	assert_int_equal(verdict_combine(r, 4), VERDICT_INCONCLUSIVE);
	r[2].v = VERDICT_NOT_REPRODUCED;
	assert_int_equal(verdict_combine(r, 4), VERDICT_NOT_REPRODUCED);
	r[0].v = r[2].v = VERDICT_REPRODUCED;
	assert_int_equal(verdict_combine(r, 4), VERDICT_INCONCLUSIVE);
	assert_string_equal(verdict_name(VERDICT_INCONCLUSIVE), "inconclusive");

	size_t count[VERDICT_N] = { 0 };
	count[VERDICT_REPRODUCED] = 14;
	count[VERDICT_NA] = 2;
	count[VERDICT_INCONCLUSIVE] = 1;
	char b[160];
	verdict_text_counts(b, sizeof b, count, "claims");
	assert_string_equal(b, "17 claims: 14 reproduced, 2 n/a, 1 inconclusive, 0 not reproduced");

	/* only inconclusive (or n/a) does not fail a suite */
	assert_int_equal(trial_exit_code(VERDICT_INCONCLUSIVE), 0);
	assert_int_equal(trial_exit_code(VERDICT_NA), 0);
	assert_int_equal(trial_exit_code(VERDICT_REPRODUCED), 0);
	assert_int_equal(trial_exit_code(VERDICT_NOT_REPRODUCED), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inside_outside_across),
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_not_applicable),
		cmocka_unit_test(test_combine_count_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_spread.c - the spread of a group of reps (stats.h): CV, MAD, the
 * outlier rule, noisy or not, and a group's figures from res_run rows, all
 * against hand-computed values. */
#include <math.h>
#include <string.h>

#include "tests/testutil.h"

#include "harness/run/stats.h"

#define assert_near(a, b) near_at((a), (b), #a, __FILE__, __LINE__)

static void near_at(double a, double b, const char *expr, const char *file, int line)
{
	if (fabs(a - b) <= 1e-12 * fmax(1, fabs(b)))
		return;
	print_error("%s = %.17g, want %.17g\n", expr, a, b);
	_fail(file, line);
}

/* 2 4 4 4 5 5 7 9: mean 5, sum of squares 32, sample stddev sqrt(32/7). */
static void test_cv(void **state)
{
	const double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	assert_near(stats_cv(v, 8), sqrt(32.0 / 7) / 5);
	const double neg[] = { -2, -4, -4, -4, -5, -5, -7, -9 }; /* |mean|: CV stays positive */
	assert_near(stats_cv(neg, 8), sqrt(32.0 / 7) / 5);
	const double same[] = { 3, 3, 3 };
	assert_near(stats_cv(same, 3), 0);
	const double zero[] = { -1, 1 };
	assert_true(isnan(stats_cv(zero, 2))); /* mean 0: no relative spread */
	assert_true(isnan(stats_cv(v, 1)));
	assert_true(isnan(stats_cv(v, 0)));
}

/* 1 1 2 2 4 6 9: median 2, |deviations| 1 1 0 0 2 4 7, their median 1. */
static void test_mad(void **state)
{
	const double v[] = { 9, 1, 2, 6, 1, 4, 2 };
	double copy[7];
	memcpy(copy, v, sizeof v);
	assert_near(stats_mad(copy, 7), 1);
	assert_memory_equal(copy, v, sizeof v); /* the input is left alone */
	const double even[] = { 1, 2, 3, 4 };   /* median 2.5, deviations 1.5 .5 .5 1.5 */
	assert_near(stats_mad(even, 4), 1);
	const double gaps[] = { 5, NAN, 5, 7 }; /* NaN skipped: median 5, deviations 0 0 2 */
	assert_near(stats_mad(gaps, 4), 0);
	assert_near(stats_mad(v, 1), 0);
	assert_true(isnan(stats_mad(v, 0)));
}

static void test_outliers(void **state)
{
	/* median 100, MAD 1 (x 1.4826 x 3 = 4.45): 150 is out, 99..101 are in. */
	const double one[] = { 100, 101, 99, 100, 150 };
	assert_int_equal(stats_outliers(one, 5), 1);
	const double two[] = { 10, 50, 10.1, 9.9, 10, 1 }; /* one far above, one far below */
	assert_int_equal(stats_outliers(two, 6), 2);
	const double tight[] = { 100, 101, 99, 100, 102 };
	assert_int_equal(stats_outliers(tight, 5), 0);
	/* MAD 0: any difference is infinitely many MADs, but 1 % is under the 5 % floor. */
	const double flat[] = { 1, 1, 1, 1, 1.01 };
	assert_int_equal(stats_outliers(flat, 5), 0);
	const double flat_far[] = { 1, 1, 1, 1, 1.08 };
	assert_int_equal(stats_outliers(flat_far, 5), 1);
	const double pair[] = { 1, 100 }; /* two reps: each is 1 MAD away, never out */
	assert_int_equal(stats_outliers(pair, 2), 0);
	assert_int_equal(stats_outliers(one, 1), 0);
	assert_int_equal(stats_outliers(one, 0), 0);
}

static void test_spread_and_noisy(void **state)
{
	stats_spread s;
	/* An obvious outlier: flagged (CV 20.4 % as well). */
	const double out[] = { 100, 101, 99, 100, 150 };
	assert_int_equal(stats_spread_of(out, 5, &s), 0);
	assert_int_equal(s.n, 5);
	assert_near(s.median, 100);
	assert_near(s.min, 99);
	assert_near(s.max, 150);
	assert_near(s.mean, 110);
	assert_near(s.stddev, sqrt(2002.0 / 4)); /* deviations -10 -9 -11 -10 40 */
	assert_near(s.cv, sqrt(2002.0 / 4) / 110);
	assert_int_equal(s.outliers, 1);
	assert_true(stats_noisy(&s));

	/* A tight group: CV about 1.1 %, no outlier, not flagged. */
	const double tight[] = { 100, 101, 99, 100, 102 };
	assert_int_equal(stats_spread_of(tight, 5, &s), 0);
	assert_true(s.cv < 0.02);
	assert_int_equal(s.outliers, 0);
	assert_false(stats_noisy(&s));

	/* Noisy by the outlier alone: CV 2.5 %, nine equal reps and one 8 % off. */
	const double lone[] = { 100, 100, 100, 100, 100, 100, 100, 100, 100, 108 };
	assert_int_equal(stats_spread_of(lone, 10, &s), 0);
	assert_true(s.cv < STATS_NOISY_CV);
	assert_int_equal(s.outliers, 1);
	assert_true(stats_noisy(&s));

	/* Noisy by CV alone: 1 2 3 4 spreads evenly, so nothing is an outlier. */
	const double even[] = { 1, 2, 3, 4 };
	assert_int_equal(stats_spread_of(even, 4, &s), 0);
	assert_int_equal(s.outliers, 0);
	assert_true(s.cv > STATS_NOISY_CV);
	assert_true(stats_noisy(&s));

	/* One rep: its value, no spread, never noisy. */
	const double single[] = { 3 };
	assert_int_equal(stats_spread_of(single, 1, &s), 0);
	assert_int_equal(s.n, 1);
	assert_near(s.median, 3);
	assert_near(s.min, 3);
	assert_near(s.max, 3);
	assert_near(s.mean, 3);
	assert_true(isnan(s.stddev) && isnan(s.cv));
	assert_int_equal(s.outliers, 0);
	assert_false(stats_noisy(&s));

	/* NaNs (a figure a run did not have) are skipped; none at all: NaN, n 0. */
	const double gaps[] = { NAN, 1, 3, NAN };
	assert_int_equal(stats_spread_of(gaps, 4, &s), 0);
	assert_int_equal(s.n, 2);
	assert_near(s.median, 2);
	assert_int_equal(stats_spread_of(gaps, 1, &s), 0);
	assert_int_equal(s.n, 0);
	assert_true(isnan(s.median) && isnan(s.min) && isnan(s.max) && isnan(s.mean));
	assert_false(stats_noisy(&s));
}

static res_run row(const char *model, unsigned c, const char *status, double makespan)
{
	res_run r;
	memset(&r, 0, sizeof r);
	strcpy(r.model, model);
	strcpy(r.workload, "fib");
	strcpy(r.params, "n=30");
	r.tasks = 4;
	r.concurrency = c;
	strcpy(r.status, status);
	r.makespan_s = makespan;
	r.max_rss_kib = -1; /* no rusage: a NaN figure */
	return r;
}

/* A group is one (workload, params, model, C); only its ok reps count. */
static void test_group(void **state)
{
	res_run runs[] = {
		row("epoll", 2, "ok", 3),         row("epoll", 4, "ok", 100),
		row("epoll", 2, "ok", 1),         row("threads", 2, "ok", 100),
		row("epoll", 2, "error: x", 100), row("epoll", 2, "ok", 2),
	};
	stats_spread s;
	assert_true(stats_same_group(&runs[0], &runs[2]));
	assert_false(stats_same_group(&runs[0], &runs[1]));
	assert_false(stats_same_group(&runs[0], &runs[3]));
	runs[5].rep = 7; /* reps and status do not make a group */
	assert_true(stats_same_group(&runs[0], &runs[5]));
	strcpy(runs[5].params, "n=31");
	assert_false(stats_same_group(&runs[0], &runs[5]));
	strcpy(runs[5].params, "n=30");

	assert_int_equal(stats_group(runs, 6, &runs[0], METRIC_MAKESPAN, &s), 0);
	assert_int_equal(s.n, 3);
	assert_near(s.median, 2);
	assert_near(s.min, 1);
	assert_near(s.max, 3);
	assert_int_equal(stats_group(runs, 6, &runs[0], METRIC_RSS, &s), 0);
	assert_int_equal(s.n, 0); /* every rep lacks it */
	assert_int_equal(stats_group(runs, 0, &runs[0], METRIC_MAKESPAN, &s), 0);
	assert_int_equal(s.n, 0);
}

/* Groups by sorting: contiguous, in the order they first ran, runs in theirs. */
static void test_group_index(void **state)
{
	res_run runs[] = { row("epoll", 2, "ok", 1),         row("threads", 2, "ok", 2),
			   row("epoll", 4, "ok", 3),         row("epoll", 2, "ok", 4),
			   row("threads", 2, "error: x", 5), row("epoll", 2, "ok", 6) };
	size_t order[6], start[7];
	assert_int_equal(stats_group_index(runs, 6, order, start), 3);
	const size_t want_order[] = { 0, 3, 5, 1, 4, 2 }, want_start[] = { 0, 3, 5, 6 };
	assert_memory_equal(order, want_order, sizeof want_order);
	assert_memory_equal(start, want_start, sizeof want_start);

	stats_spread s;
	assert_int_equal(stats_spread_runs(runs, order + 3, 2, METRIC_MAKESPAN, &s), 0);
	assert_int_equal(s.n, 1); /* the failed rep does not count */
	assert_near(s.median, 2);
	assert_int_equal(stats_spread_runs(runs, order, 3, METRIC_MAKESPAN, &s), 0);
	assert_near(s.median, 4);
	assert_int_equal(stats_group_index(runs, 0, order, start), 0);
	assert_int_equal(start[0], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cv),       cmocka_unit_test(test_mad),
		cmocka_unit_test(test_outliers), cmocka_unit_test(test_spread_and_noisy),
		cmocka_unit_test(test_group),    cmocka_unit_test(test_group_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

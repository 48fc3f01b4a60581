/*
 * test_bootstrap.c - the bootstrap interval of a ratio of medians, with a
 * fixed seed: reproducible, zero width without spread, containing the point
 * estimate with it, narrower with more reps.
 */
#include <math.h>
#include <string.h>

#include "harness/run/bootstrap.h"
#include "harness/run/stats.h"
#include "tests/testutil.h"

#define SEED 42

static void test_prng(void **st)
{
	(void)st;
	uint64_t a = 7, b = 7, c = 8;
	uint64_t x = bootstrap_next(&a);
	assert_true(x == bootstrap_next(&b));
	assert_true(x != bootstrap_next(&c));
	assert_true(bootstrap_next(&a) != x);
}

static void test_identical(void **st)
{
	(void)st;
	double a[] = { 2, 2, 2, 2, 2 }, b[] = { 4, 4, 4 }, lo, hi;
	assert_int_equal(bootstrap_ratio_ci(a, 5, b, 3, BOOTSTRAP_B, 0.95, SEED, &lo, &hi), 0);
	assert_true(lo == 0.5 && hi == 0.5);
	/* a constant denominator is one value */
	double k = 0.5;
	assert_int_equal(bootstrap_ratio_ci(a, 5, &k, 1, BOOTSTRAP_B, 0.95, SEED, &lo, &hi), 0);
	assert_true(lo == 4 && hi == 4);
	/* nothing to resample */
	assert_int_equal(bootstrap_ratio_ci(a, 0, b, 3, BOOTSTRAP_B, 0.95, SEED, &lo, &hi), -1);
	assert_true(isnan(lo) && isnan(hi));
	assert_int_equal(bootstrap_ratio_ci(a, 5, b, 3, 0, 0.95, SEED, &lo, &hi), -1);
}

static void test_spread(void **st)
{
	(void)st;
	double a[] = { 1.0, 1.1, 0.9, 1.05, 0.95 }, b[] = { 2.0, 2.2, 1.8, 2.1, 1.9 };
	double lo, hi, lo2, hi2;
	assert_int_equal(bootstrap_ratio_ci(a, 5, b, 5, BOOTSTRAP_B, 0.95, SEED, &lo, &hi), 0);
	double ma[5], mb[5];
	memcpy(ma, a, sizeof a);
	memcpy(mb, b, sizeof b);
	double point = stats_median(ma, 5) / stats_median(mb, 5);
	assert_true(lo < point && point < hi);
	assert_true(lo > 0.9 / 2.2 - 1e-12 && hi < 1.1 / 1.8 + 1e-12);
	/* the same seed, the same interval */
	assert_int_equal(bootstrap_ratio_ci(a, 5, b, 5, BOOTSTRAP_B, 0.95, SEED, &lo2, &hi2), 0);
	assert_true(lo2 == lo && hi2 == hi);
	/* a narrower level gives a narrower interval */
	assert_int_equal(bootstrap_ratio_ci(a, 5, b, 5, BOOTSTRAP_B, 0.5, SEED, &lo2, &hi2), 0);
	assert_true(lo2 >= lo && hi2 <= hi && hi2 - lo2 < hi - lo);
}

/* The same spread (values evenly spaced over +-10 %), n reps each. */
static double width(size_t n)
{
	double a[64], b[64], lo, hi;
	for (size_t i = 0; i < n; i++) {
		double f = 0.9 + 0.2 * (double)((i * 7) % n) / (double)(n - 1);
		a[i] = 1.0 * f;
		b[i] = 2.0 * (2.0 - f);
	}
	assert_int_equal(bootstrap_ratio_ci(a, n, b, n, BOOTSTRAP_B, 0.95, SEED, &lo, &hi), 0);
	assert_true(lo <= 0.5 + 1e-12 && 0.5 - 1e-12 <= hi);
	return hi - lo;
}

static void test_more_reps_narrow(void **st)
{
	(void)st;
	double w5 = width(5), w15 = width(15), w45 = width(45);
	assert_true(w5 > 0);
	assert_true(w15 < w5);
	assert_true(w45 < w15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prng),
		cmocka_unit_test(test_identical),
		cmocka_unit_test(test_spread),
		cmocka_unit_test(test_more_reps_narrow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_stats.c - percentiles, mean/stddev/median, histograms, and a run's
 * figures from a hand-built task table, all against hand-computed values. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

#include "harness/run/stats.h"
#include "workloads/workload.h"

/* cmocka 1.1 compares floats only; times need doubles. Relative 1e-12. */
#define assert_near(a, b) near_at((a), (b), #a, __FILE__, __LINE__)

static void near_at(double a, double b, const char *expr, const char *file, int line)
{
	if (fabs(a - b) <= 1e-12 * fmax(1, fabs(b)))
		return;
	print_error("%s = %.17g, want %.17g\n", expr, a, b);
	_fail(file, line);
}

static void test_percentile_one_to_ten(void **state)
{
	const double v[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	assert_true(stats_percentile(v, 10, 0) == 1);
	assert_true(stats_percentile(v, 10, 10) == 1);
	assert_true(stats_percentile(v, 10, 11) == 2);
	assert_true(stats_percentile(v, 10, 50) == 5);
	assert_true(stats_percentile(v, 10, 90) == 9);
	assert_true(stats_percentile(v, 10, 99) == 10);
	assert_true(stats_percentile(v, 10, 100) == 10);
	assert_true(isnan(stats_percentile(v, 10, -1)));
	assert_true(isnan(stats_percentile(v, 10, 100.5)));
	assert_true(isnan(stats_percentile(v, 10, NAN)));
}

/* ceil(p * n / 100) must not be pushed up by rounding: 70% of 10 is rank 7. */
static void test_percentile_exact_ranks(void **state)
{
	double v[100];
	for (int i = 0; i < 100; i++)
		v[i] = i + 1;
	for (int p = 1; p <= 100; p++)
		assert_true(stats_percentile(v, 100, p) == p);
	assert_true(stats_percentile(v, 10, 70) == 7);
	assert_true(stats_percentile(v, 20, 35) == 7);
	assert_true(stats_percentile(v, 3, 33.4) == 2); /* ceil(1.002) */
}

static void test_percentile_small(void **state)
{
	const double one[] = { 42 };
	assert_true(stats_percentile(one, 1, 0) == 42);
	assert_true(stats_percentile(one, 1, 50) == 42);
	assert_true(stats_percentile(one, 1, 100) == 42);
	assert_true(isnan(stats_percentile(one, 0, 50)));
	assert_true(isnan(stats_percentile(NULL, 0, 0)));
}

static void test_sort(void **state)
{
	double v[] = { 7, 3, NAN, 10, 1, 9, 2, 8, 5, 4, 6 };
	stats_sort(v, N_ELEMS(v));
	for (int i = 0; i < 10; i++)
		assert_true(v[i] == i + 1);
	assert_true(isnan(v[10]));
	assert_true(stats_percentile(v, 10, 90) == 9);
	stats_sort(v, 0); /* no-op, no crash */
}

static void test_median(void **state)
{
	double odd[] = { 9, 1, 5 }, even[] = { 4, 1, 3, 2 }, one[] = { 7 };
	assert_true(stats_median(odd, 3) == 5);
	assert_true(odd[0] == 1 && odd[2] == 9); /* sorted in place */
	assert_true(stats_median(even, 4) == 2.5);
	assert_true(stats_median(one, 1) == 7);
	assert_true(isnan(stats_median(NULL, 0)));
}

static void test_mean_stddev(void **state)
{
	const double v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	assert_near(stats_mean(v, 8), 5);
	/* sum of squared deviations 32, over n - 1 = 7 */
	assert_near(stats_stddev(v, 8), sqrt(32.0 / 7));
	assert_true(isnan(stats_mean(v, 0)));
	assert_true(isnan(stats_stddev(v, 1)));
	assert_true(isnan(stats_stddev(v, 0)));
	/* Large, close values: the two-pass formula keeps the digits. */
	const double big[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };
	assert_near(stats_stddev(big, 3), 1);
}

static void test_histogram(void **state)
{
	const double v[] = { 0, 0.5, 1, 1.5, 2, 3.99, 4, -1, 5, NAN };
	size_t c[4] = { 9, 9, 9, 9 };
	assert_int_equal(stats_histogram(v, N_ELEMS(v), 0, 4, c, 4), 7);
	assert_int_equal(c[0], 2); /* 0, 0.5 */
	assert_int_equal(c[1], 2); /* 1, 1.5 */
	assert_int_equal(c[2], 1); /* 2 */
	assert_int_equal(c[3], 2); /* 3.99, and 4 == hi */
	assert_int_equal(stats_histogram(v, N_ELEMS(v), 1, 1, c, 4), 0);
	assert_int_equal(stats_histogram(v, N_ELEMS(v), 0, 1, c, 0), 0);
}

#define MS 1000000ull

static void set_task(model_table *t, size_t i, uint64_t start_ms, uint64_t end_ms, unsigned runs,
		     int err, uint64_t digest)
{
	t->task[i].start_ns = t->t0_ns + start_ms * MS;
	t->task[i].end_ns = t->t0_ns + end_ms * MS;
	atomic_store(&t->task[i].runs, runs);
	t->task[i].err = err;
	t->task[i].digest = digest;
}

/*
 * task  start  end  runs  err   latency  service
 *   0     0    100    1    0     0.1      0.1
 *   1    50    300    1    0     0.3      0.25
 *   2   100    200    1    5     0.2      0.1    (error)
 *   3     -      -    0    0      -        -     (never ran: error)
 *   4   200    400    2    0     0.4      0.2    (ran twice: error)
 */
static void test_from_table(void **state)
{
	model_table *t = model_table_new(5);
	assert_non_null(t);
	t->t0_ns = 5000 * MS;
	set_task(t, 0, 0, 100, 1, 0, 11);
	set_task(t, 1, 50, 300, 1, 0, 22);
	set_task(t, 2, 100, 200, 1, 5, 33);
	set_task(t, 3, 0, 0, 0, 0, 44);
	t->task[3].start_ns = t->task[3].end_ns = 0; /* as model_table_reset leaves it */
	set_task(t, 4, 200, 400, 2, 0, 55);

	res_run r;
	memset(&r, 0, sizeof r);
	strcpy(r.status, "ok");
	r.cpu_user_s = 1.25;
	r.max_rss_kib = 777;
	assert_int_equal(stats_from_table(&r, t), 0);

	assert_near(r.makespan_s, 0.4);
	assert_near(r.throughput_per_s, 2 / 0.4); /* tasks 0 and 1 */
	assert_near(r.lat_mean_s, 0.25);
	assert_near(r.lat_p50_s, 0.2);
	assert_near(r.lat_p90_s, 0.4);
	assert_near(r.lat_p99_s, 0.4);
	assert_near(r.lat_max_s, 0.4);
	assert_near(r.svc_mean_s, (0.1 + 0.25 + 0.1 + 0.2) / 4);
	assert_near(r.svc_p50_s, 0.1);
	assert_near(r.svc_p99_s, 0.25);
	assert_int_equal(r.errors, 3);
	uint64_t want = wl_run_digest_add(wl_run_digest_add(0, 0, 11), 1, 22);
	assert_true(r.digest == want);
	/* untouched */
	assert_string_equal(r.status, "ok");
	assert_true(r.cpu_user_s == 1.25);
	assert_int_equal(r.max_rss_kib, 777);
	model_table_free(t);
}

/* The digest must not depend on which slot finished first. */
static void test_from_table_digest_order(void **state)
{
	model_table *a = model_table_new(3), *b = model_table_new(3);
	assert_non_null(a);
	assert_non_null(b);
	for (size_t i = 0; i < 3; i++) {
		set_task(a, i, i, 10 + i, 1, 0, 100 + i);
		set_task(b, i, 10 - i, 20 - i, 1, 0, 100 + i);
	}
	res_run ra, rb;
	assert_int_equal(stats_from_table(&ra, a), 0);
	assert_int_equal(stats_from_table(&rb, b), 0);
	assert_true(ra.digest == rb.digest);
	set_task(b, 2, 0, 1, 1, 0, 999); /* different work, different digest */
	assert_int_equal(stats_from_table(&rb, b), 0);
	assert_true(ra.digest != rb.digest);
	model_table_free(a);
	model_table_free(b);
}

static void test_from_table_nothing_ran(void **state)
{
	model_table *t = model_table_new(3), *empty = model_table_new(0);
	assert_non_null(t);
	assert_non_null(empty);
	res_run r;
	memset(&r, 0, sizeof r);
	assert_int_equal(stats_from_table(&r, t), 0);
	assert_true(isnan(r.makespan_s));
	assert_true(isnan(r.throughput_per_s));
	assert_true(isnan(r.lat_mean_s) && isnan(r.lat_p50_s) && isnan(r.lat_max_s));
	assert_true(isnan(r.svc_mean_s) && isnan(r.svc_p99_s));
	assert_int_equal(r.errors, 3);
	assert_true(r.digest == 0);

	assert_int_equal(stats_from_table(&r, empty), 0);
	assert_true(isnan(r.makespan_s) && isnan(r.throughput_per_s) && isnan(r.lat_p50_s));
	assert_int_equal(r.errors, 0);
	model_table_free(t);
	model_table_free(empty);
}

/* A zero makespan (coarse clock, instant tasks) gives no throughput, not inf. */
static void test_from_table_zero_makespan(void **state)
{
	model_table *t = model_table_new(2);
	assert_non_null(t);
	t->t0_ns = 1000;
	set_task(t, 0, 0, 0, 1, 0, 1);
	set_task(t, 1, 0, 0, 1, 0, 2);
	res_run r;
	assert_int_equal(stats_from_table(&r, t), 0);
	assert_true(r.makespan_s == 0);
	assert_true(isnan(r.throughput_per_s));
	assert_true(r.lat_max_s == 0);
	assert_int_equal(r.errors, 0);
	model_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile_one_to_ten),
		cmocka_unit_test(test_percentile_exact_ranks),
		cmocka_unit_test(test_percentile_small),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_mean_stddev),
		cmocka_unit_test(test_histogram),
		cmocka_unit_test(test_from_table),
		cmocka_unit_test(test_from_table_digest_order),
		cmocka_unit_test(test_from_table_nothing_ran),
		cmocka_unit_test(test_from_table_zero_makespan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_metric.c - the metric table: every entry complete, each figure read
 * from the right field (NaN where the row has none), and formatted by unit.
 */
#include <math.h>
#include <string.h>

#include "harness/run/metric.h"
#include "tests/testutil.h"

static res_run row(void)
{
	res_run r;
	memset(&r, 0, sizeof r);
	r.tasks = 4;
	r.makespan_s = 2.0;
	r.throughput_per_s = 2.0;
	r.lat_p50_s = 0.5;
	r.lat_p90_s = 0.9;
	r.lat_p99_s = 0.99;
	r.lat_max_s = 1.0;
	r.cpu_user_s = 0.4;
	r.cpu_sys_s = 0.2;
	r.ctx_voluntary = 8;
	r.ctx_involuntary = 4;
	r.max_rss_kib = 2048;
	r.rss_sum_kib = -1; /* not sampled: rss is the largest process's */
	r.rate_requested = NAN;
	r.client_requests = 300;
	r.client_errors = 3;
	r.client_rps = 150;
	r.client_p50_s = 0.002;
	r.client_p99_s = 0.02;
	r.client_p99_uncorrected_s = 0.001;
	r.kernel_stack_kib = 64;
	return r;
}

static void test_table(void **st)
{
	(void)st;
	for (int m = 0; m < METRIC_N; m++) {
		assert_non_null(metric_table[m].name);
		assert_non_null(metric_table[m].unit);
		assert_non_null(metric_table[m].get);
		for (int k = 0; k < m; k++) /* names are unique */
			assert_string_not_equal(metric_table[k].name, metric_table[m].name);
		/* only throughput and req/s are better when larger */
		assert_int_equal(metric_table[m].lower_is_better,
				 m != METRIC_THROUGHPUT && m != METRIC_REQ_S);
	}
	assert_string_equal(metric_name(METRIC_P99), "p99");
	assert_string_equal(metric_name((metric_id)METRIC_N), "?");
}

static void test_values(void **st)
{
	(void)st;
	res_run r = row();
	static const struct {
		metric_id m;
		double want;
	} v[] = {
		{ METRIC_MAKESPAN, 2.0 },  { METRIC_THROUGHPUT, 2.0 }, { METRIC_P50, 0.5 },
		{ METRIC_P90, 0.9 },       { METRIC_P99, 0.99 },       { METRIC_MAX, 1.0 },
		{ METRIC_CPU, 0.6 },       { METRIC_RSS, 2048 },       { METRIC_CTX, 12 },
		{ METRIC_USER_TASK, 0.1 }, { METRIC_SYS_TASK, 0.05 },  { METRIC_VOL_TASK, 2 },
		{ METRIC_INVOL_TASK, 1 },  { METRIC_REQ_S, 150 },     { METRIC_CP50, 0.002 },
		{ METRIC_CP99, 0.02 },     { METRIC_CERRORS, 3 },      { METRIC_RSS_CONN, 512 },
		{ METRIC_CPU_REQ, 0.002 }, { METRIC_CP99U, 0.001 },
		{ METRIC_KSTACK_CONN, 16 }, { METRIC_MEM_CONN, 528 },
	};
	for (size_t i = 0; i < N_ELEMS(v); i++)
		assert_true(fabs(metric_value(v[i].m, &r) - v[i].want) < 1e-12);
	/* rusage that could not be read is -1 in the row: no figure */
	r.max_rss_kib = -1;
	r.ctx_involuntary = -1;
	assert_true(isnan(metric_value(METRIC_RSS, &r)));
	assert_true(isnan(metric_value(METRIC_CTX, &r)));
	assert_true(isnan(metric_value(METRIC_INVOL_TASK, &r)));
	assert_true(metric_value(METRIC_VOL_TASK, &r) == 2);
	assert_true(isnan(metric_value(METRIC_RSS_CONN, &r)));
	/* a row that is not a server's has no client figures */
	res_init(&r);
	r.tasks = 4;
	for (metric_id m = METRIC_REQ_S; m <= METRIC_KSTACK_CONN; m++)
		if (m != METRIC_RSS_CONN && m != METRIC_MEM_CONN)
			assert_true(isnan(metric_value(m, &r)));
}

static void test_format(void **st)
{
	(void)st;
	char buf[32];
	assert_string_equal(metric_format(METRIC_MAKESPAN, 0.0412, buf, sizeof buf), "41.2 ms");
	assert_string_equal(metric_format(METRIC_THROUGHPUT, 12300, buf, sizeof buf), "12.3k/s");
	assert_string_equal(metric_format(METRIC_RSS, 2048, buf, sizeof buf), "2048 KiB");
	assert_string_equal(metric_format(METRIC_CTX, 17, buf, sizeof buf), "17");
	assert_string_equal(metric_format(METRIC_RSS_CONN, 13.44, buf, sizeof buf), "13.4 KiB");
	assert_string_equal(metric_format(METRIC_REQ_S, 43300, buf, sizeof buf), "43.3k/s");
	assert_string_equal(metric_format(METRIC_P50, NAN, buf, sizeof buf), "-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

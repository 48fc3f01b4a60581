/* test_hybrid.c - the hybrid model: an epoll loop that hands blocking and CPU-bound steps to
 * worker threads. Every task runs once with sequential's digest, with and without +gil, for
 * workloads without a step (null, fib: run whole on a worker), with one (sleep: on the loop),
 * with WL_STEP_OFFLOAD (sleep blocking=1, mixed: the blocking or computing step on a worker).
 * Structure, not speed: with blocking sleeps the tasks overlap under hybrid (every task starts
 * before any ends), and not at all under epoll. No thread or fd is left behind. */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include "tests/http_fixture.h"
#include "tests/model_fixture.h"
#include "tests/wl_fixture.h"
#include "models/registry.h"

extern const wl_kind wl_http, wl_mixed;

static const char *const hybrids[] = { "hybrid", "hybrid:workers=1", "hybrid:workers=3",
				       "hybrid+gil", "hybrid+gil:gil_interval_ms=0" };
#define NHYBRIDS (sizeof hybrids / sizeof *hybrids)

/* Under every hybrid, at two concurrencies, w's digest is sequential's, and
 * the run leaves no thread or fd behind. */
static void same_as_sequential(const wl_spec *w, size_t n)
{
	static const unsigned cs[] = { 1, 4 };
	size_t threads = count_dir("/proc/self/task"), fds = count_dir("/proc/self/fd");
	model_table *t;
	uint64_t want;
	int rc;

	t = run_model("sequential", w, n, 1, &rc);
	check_all_once(t, "sequential", n, 1, rc);
	want = run_digest(t);
	model_table_free(t);
	for (size_t m = 0; m < NHYBRIDS; m++) {
		for (size_t k = 0; k < sizeof cs / sizeof *cs; k++) {
			t = run_model(hybrids[m], w, n, cs[k], &rc);
			check_all_once(t, hybrids[m], n, cs[k], rc);
			assert_lanes_serial(t, hybrids[m]);
			if (run_digest(t) != want)
				fail_msg("%s %s c=%u: digest differs from sequential's", hybrids[m],
					 w->kind->name, cs[k]);
			model_table_free(t);
			assert_int_equal(threads_settle(threads), threads);
			assert_int_equal(count_dir("/proc/self/fd"), fds);
		}
	}
}

static void test_null_and_fib(void **state)
{
	wl_spec w;

	spec_make(&w, "null", NULL);
	spec_prepare(&w);
	same_as_sequential(&w, 20);
	wl_release(&w);
	spec_make(&w, "fib", "n", "12", NULL);
	spec_prepare(&w);
	same_as_sequential(&w, 12);
	wl_release(&w);
}

static void test_sleep(void **state)
{
	wl_spec w;

	spec_make(&w, "sleep", "ms", "5", NULL);
	spec_prepare(&w);
	same_as_sequential(&w, 8);
	wl_release(&w);
	spec_make(&w, "sleep", "ms", "5|2", "blocking", "1", NULL);
	spec_prepare(&w);
	same_as_sequential(&w, 8);
	wl_release(&w);
}

/* mixed: the fetch on the loop, then OFFLOAD to compute; blocking=1 offloads the whole task. */
static void test_mixed(void **state)
{
	int fds = count_fds();
	struct srv s = srv_start(OK);
	wl_spec w;

	http_spec(&w, &wl_mixed, s.port, "fib", "10|15", "rounds", "2", NULL);
	spec_prepare(&w);
	same_as_sequential(&w, 6);
	wl_release(&w);
	http_spec(&w, &wl_mixed, s.port, "fib", "12", "blocking", "1", NULL);
	spec_prepare(&w);
	same_as_sequential(&w, 6);
	wl_release(&w);
	http_spec(&w, &wl_http, s.port, "blocking", "1", NULL);
	spec_prepare(&w);
	same_as_sequential(&w, 4);
	wl_release(&w);
	srv_stop(&s);
	assert_int_equal(count_fds(), fds);
}

static model_table *blocking_sleeps(const char *model, uint64_t *digest)
{
	wl_spec w;
	model_table *t;
	int rc;

	spec_make(&w, "sleep", "ms", "20", "blocking", "1", NULL);
	spec_prepare(&w);
	t = run_model(model, &w, 4, 4, &rc);
	check_all_once(t, model, 4, 4, rc);
	*digest = run_digest(t);
	wl_release(&w);
	return t;
}

/* Blocking sleeps overlap on hybrid's workers; epoll runs them one after another. */
static void test_overlap(void **state)
{
	static const char *const overlapping[] = { "hybrid:workers=4", "hybrid+gil:workers=4" };
	uint64_t d0, d1, last_start = 0, first_end = UINT64_MAX;
	model_table *t;

	for (size_t m = 0; m < 2; m++) {
		t = blocking_sleeps(overlapping[m], &d0);
		last_start = 0;
		first_end = UINT64_MAX;
		for (size_t i = 0; i < 4; i++) {
			if (t->task[i].start_ns > last_start)
				last_start = t->task[i].start_ns;
			if (t->task[i].end_ns < first_end)
				first_end = t->task[i].end_ns;
		}
		if (last_start >= first_end)
			fail_msg("%s: a task started after another ended", overlapping[m]);
		model_table_free(t);
	}

	t = blocking_sleeps("epoll", &d1);
	for (size_t a = 0; a < 4; a++)
		for (size_t b = a + 1; b < 4; b++) {
			const model_task *x = &t->task[a], *y = &t->task[b];
			if (!(x->end_ns <= y->start_ns || y->end_ns <= x->start_ns))
				fail_msg("epoll: tasks %zu and %zu overlap", a, b);
		}
	model_table_free(t);
	assert_int_equal(d0, d1);
}

static void test_edges(void **state)
{
	const model_kind *const *all = model_all();
	model_table *t;
	wl_spec w;
	int rc;
	size_t k;

	/* registered right after coro */
	for (k = 0; all[k] && strcmp(all[k]->name, "coro") != 0; k++)
		;
	assert_non_null(all[k]);
	assert_ptr_equal(all[k + 1], model_find("hybrid"));

	spec_make(&w, "null", NULL);
	spec_prepare(&w);
	t = run_model("hybrid", &w, 0, 4, &rc);
	assert_int_equal(rc, MODEL_OK);
	model_table_free(t);
	t = run_model("hybrid", &w, 3, 0, &rc);
	assert_int_equal(rc, MODEL_ERROR);
	assert_non_null(strstr(t->why, "concurrency"));
	model_table_free(t);
	/* more lanes than tasks, more workers than lanes */
	t = run_model("hybrid:workers=64", &w, 2, 16, &rc);
	check_all_once(t, "hybrid:workers=64", 2, 16, rc);
	model_table_free(t);
	wl_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_and_fib), cmocka_unit_test(test_sleep),
		cmocka_unit_test(test_mixed),        cmocka_unit_test(test_overlap),
		cmocka_unit_test(test_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_switch.c - the switch workload and the wl_io yield hook: every model runs switch
 * tasks once each with sequential's digest; coro's yield really hands the CPU to the other
 * coroutine (two tasks alternate step by step); wl_yield without a hook falls back to
 * sched_yield. No speed is asserted: that is the L14 suite's job. */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "model_fixture.h"
#include "wl_fixture.h"

static uint64_t digest_of(const char *model, const wl_spec *w, size_t n, unsigned c)
{
	int rc;
	model_table *t = run_model(model, w, n, c, &rc);
	check_all_once(t, model, n, c, rc);
	uint64_t d = run_digest(t);
	model_table_free(t);
	return d;
}

static void test_every_model(void **state)
{
	wl_spec w;
	int nmodels = 0;

	(void)state;
	spec_make(&w, "switch", "rounds", "200", NULL);
	spec_prepare(&w);
	uint64_t want = digest_of("sequential", &w, 5, 1);
	wl_result r = { 0 };
	w.kind->run(&w, 0, &wl_io_blocking, &r);
	assert_int_equal(r.err, 0);
	assert_true(r.digest == wl_digest_u64(200));
	for (const model_kind *const *k = model_all(); *k; k++, nmodels++) {
		uint64_t got = digest_of((*k)->name, &w, 5, 2);
		if (got != want)
			fail_msg("%s: digest %016llx, sequential %016llx", (*k)->name,
				 (unsigned long long)got, (unsigned long long)want);
	}
	assert_true(nmodels >= 2);
	wl_release(&w);
}

static void test_params(void **state)
{
	const wl_kind *k = wl_find("switch");

	(void)state;
	assert_non_null(k);
	assert_string_equal(k->cls, "cpu");
	assert_string_equal(k->params[0].name, "rounds");
	assert_string_equal(k->params[0].def, "10000");
	assert_int_equal(k->params[0].min, 1);
	assert_int_equal(k->params[0].max, 100000000);
	assert_null(k->params[1].name);
}

/* A test-only workload: each task records (task, step) in one global order,
 * yielding between steps. */
#define STEPS 6
static struct {
	size_t task;
	int step;
} order[2 * STEPS];
static size_t norder;

static void order_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	(void)w;
	for (int s = 0; s < STEPS; s++) {
		assert_true(norder < N_ELEMS(order));
		order[norder].task = i;
		order[norder++].step = s;
		assert_int_equal(wl_yield(io), 0);
	}
	r->digest = wl_digest_u64(i);
}

static const wl_param_def no_params[] = { { 0 } };
static const wl_kind order_kind = {
	.name = "order",
	.summary = "test: record the order of steps",
	.cls = "cpu",
	.params = no_params,
	.run = order_run,
};

static void test_coro_interleaves(void **state)
{
	wl_spec w = { .kind = &order_kind };
	int rc;

	(void)state;
	norder = 0;
	model_table *t = run_model("coro", &w, 2, 2, &rc);
	check_all_once(t, "coro", 2, 2, rc);
	model_table_free(t);
	assert_int_equal(norder, 2 * STEPS);
	for (size_t k = 0; k < norder; k++) {
		if (order[k].task != k % 2 || order[k].step != (int)(k / 2))
			fail_msg("entry %zu: task %zu step %d, want task %zu step %zu", k,
				 order[k].task, order[k].step, k % 2, k / 2);
	}

	/* With one lane nothing interleaves: task 0 runs whole, then task 1. */
	norder = 0;
	t = run_model("coro", &w, 2, 1, &rc);
	check_all_once(t, "coro", 2, 1, rc);
	model_table_free(t);
	assert_int_equal(norder, 2 * STEPS);
	for (size_t k = 0; k < norder; k++)
		assert_int_equal(order[k].task, k / STEPS);
}

static int hook_calls;
static int count_yield(wl_io *io)
{
	(void)io;
	hook_calls++;
	return -EAGAIN;
}

static void test_null_hook(void **state)
{
	wl_io none = { 0 };
	wl_io hooked = { .yield = count_yield };

	(void)state;
	assert_null(wl_io_blocking.yield);
	assert_int_equal(wl_yield(NULL), 0);
	assert_int_equal(wl_yield(&none), 0);
	assert_int_equal(wl_yield(&wl_io_blocking), 0);
	assert_int_equal(wl_yield(&hooked), -EAGAIN);
	assert_int_equal(hook_calls, 1);

	/* A failing hook fails the task with its errno. */
	wl_spec w;
	wl_result r = { 0 };
	spec_make(&w, "switch", "rounds", "3", NULL);
	spec_prepare(&w);
	w.kind->run(&w, 0, &hooked, &r);
	assert_int_equal(r.err, EAGAIN);
	assert_non_null(strstr(r.msg, "yield"));
	assert_int_equal(hook_calls, 2);
	wl_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_every_model),
		cmocka_unit_test(test_coro_interleaves),
		cmocka_unit_test(test_null_hook),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

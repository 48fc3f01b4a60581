/* test_switch.c - the switch workload and the wl_io yield hook: every model runs switch
 * tasks once each with sequential's digest; coro's yield really hands the CPU to the other
 * coroutine (two tasks alternate step by step) and tasks that keep yielding do not starve
 * one that waits; wl_yield without a hook falls back to sched_yield. mode=pipe is
 * test_switch_pipe.c. No speed is asserted: that is the L14 suite's job. */
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

#include "tests/model_fixture.h"
#include "tests/wl_fixture.h"
#include "models/registry.h"
#include "workloads/registry.h"

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
	assert_string_equal(k->params[1].name, "mode");
	assert_int_equal(k->params[1].type, WL_ENUM);
	assert_string_equal(k->params[1].def, "yield");
	assert_string_equal(k->params[1].choices, "yield|pipe");
	assert_null(k->params[2].name);
	assert_non_null(k->begin);
	assert_non_null(k->end);
}

/* A test-only workload: each task records (task, step) in one global order,
 * yielding between steps. */
#define STEPS 6
static struct {
	size_t task;
	int step;
} order[3 * STEPS];
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
	/* two and three lanes: round robin, each lane's first step included
	 * (every lane starts before any yield hands the CPU straight on) */
	for (size_t lanes = 2; lanes <= 3; lanes++) {
		norder = 0;
		model_table *t = run_model("coro", &w, lanes, (unsigned)lanes, &rc);
		check_all_once(t, "coro", lanes, (unsigned)lanes, rc);
		model_table_free(t);
		assert_int_equal(norder, lanes * STEPS);
		for (size_t k = 0; k < norder; k++) {
			if (order[k].task != k % lanes || order[k].step != (int)(k / lanes))
				fail_msg("%zu lanes, entry %zu: task %zu step %d, want task %zu "
					 "step %zu",
					 lanes, k, order[k].task, order[k].step, k % lanes,
					 k / lanes);
		}
	}

	/* With one lane nothing interleaves: task 0 runs whole, then task 1. */
	norder = 0;
	model_table *t = run_model("coro", &w, 2, 1, &rc);
	check_all_once(t, "coro", 2, 1, rc);
	model_table_free(t);
	assert_int_equal(norder, 2 * STEPS);
	for (size_t k = 0; k < norder; k++)
		assert_int_equal(order[k].task, k / STEPS);
}

/* Tasks that keep yielding must not starve one that waits: task 0 sleeps
 * 2 ms, the others yield until it has woken (each yield may hand the CPU
 * straight to the other, never through the loop, but for the time budget).
 * A yielder that is still at it after 10 s calls it starvation. */
static volatile int sleeper_woke;

static void starve_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	(void)w;
	if (i == 0) {
		int rc = io->sleep_until(io, wl_now_ns() + 2000000);
		sleeper_woke = rc == 0;
		r->digest = wl_digest_u64(0);
		if (rc)
			wl_fail(r, -rc, "sleep: %s", strerror(-rc));
		return;
	}
	uint64_t give_up = wl_now_ns() + 10000000000ull;
	while (!sleeper_woke) {
		if (wl_now_ns() > give_up) {
			wl_fail(r, ETIMEDOUT, "starved: the sleeper never woke");
			return;
		}
		assert_int_equal(wl_yield(io), 0);
	}
	r->digest = wl_digest_u64(i);
}

static const wl_kind starve_kind = {
	.name = "starve",
	.summary = "test: yielders beside a sleeper",
	.cls = "io",
	.params = no_params,
	.run = starve_run,
};

static void test_coro_yield_fair(void **state)
{
	wl_spec w = { .kind = &starve_kind };
	int rc;

	(void)state;
	sleeper_woke = 0;
	model_table *t = run_model("coro", &w, 3, 3, &rc);
	if (atomic_load(&t->nerr))
		fail_msg("%s", t->msg);
	check_all_once(t, "coro", 3, 3, rc);
	model_table_free(t);
	assert_true(sleeper_woke);
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
		cmocka_unit_test(test_params),           cmocka_unit_test(test_every_model),
		cmocka_unit_test(test_coro_interleaves), cmocka_unit_test(test_coro_yield_fair),
		cmocka_unit_test(test_null_hook),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

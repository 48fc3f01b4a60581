/* test_loopwarm.c - a warm executor: the loop models and coro make loop 0's loop and lanes before
 * t0. */
/* loop_tasks_prepare makes the loop (its backend is created once, counted by a backend that wraps
 * epoll's) and the run takes it instead of making another; every task still runs once. With
 * loops=2 the run makes the second loop only. A prepared loop for another backend, or none at
 * all (N or C 0, a test that calls run() alone), is made at the run, and nothing leaks (fds).
 * coro's, made for another C, leaves the run correct. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "harness/run/spec.h"
#include "models/epoll.h"
#include "models/looptasks.h"
#include "tests/model_fixture.h"

static int creates;

static int counting_create(loop *l, size_t max_fds, char *err, size_t errlen)
{
	creates++;
	return loop_backend_epoll.create(l, max_fds, err, errlen);
}

static loop_backend counting, other;

static void setup_backends(void)
{
	counting = loop_backend_epoll;
	counting.create = counting_create;
	other = counting; /* the same, at another address: another backend */
	creates = 0;
}

typedef struct {
	model_spec m;
	wl_spec w;
	model_table *t;
	model_run r;
} run_kit;

static void kit_make(run_kit *k, const char *model, const char *wl, size_t n, unsigned c)
{
	char err[256];
	model_make(&k->m, model, 0);
	if (spec_workload(wl, 0, &k->w, err, sizeof err) < 0 ||
	    wl_prepare(&k->w, err, sizeof err) < 0)
		fail_msg("%s: %s", wl, err);
	k->t = model_table_new(n ? n : 1);
	assert_non_null(k->t);
	model_table_use(k->t, n);
	k->r = (model_run){ .model = &k->m, .wl = &k->w, .n = n, .c = c, .table = k->t };
}

static void kit_free(run_kit *k)
{
	model_table_free(k->t);
	wl_release(&k->w);
}

/* prepare, t0, run on backend `at_run`: the run's status. */
static int prepare_then_run(run_kit *k, const loop_backend *at_run)
{
	assert_int_equal(loop_tasks_prepare(&k->r, &counting), MODEL_OK);
	k->t->t0_ns = wl_now_ns();
	return loop_run_tasks(&k->r, at_run);
}

static void test_prepared_loop_is_the_one_that_runs(void **state)
{
	size_t fds0 = count_dir("/proc/self/fd");
	const char *wls[] = { "sleep:ms=1", "null" };
	for (size_t j = 0; j < sizeof wls / sizeof *wls; j++) {
		run_kit k;
		setup_backends();
		kit_make(&k, "epoll", wls[j], 200, 50);
		assert_int_equal(loop_tasks_prepare(&k.r, &counting), MODEL_OK);
		assert_non_null(k.r.prep);
		assert_int_equal(creates, 1); /* before t0 */
		k.t->t0_ns = wl_now_ns();
		int rc = loop_run_tasks(&k.r, &counting);
		assert_int_equal(creates, 1); /* none after */
		assert_null(k.r.prep);
		check_all_once(k.t, wls[j], 200, 50, rc);
		kit_free(&k);
	}
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
}

/* loops=2: loop 0's part is made ahead, loop 1 makes its own on its thread. */
static void test_two_loops_prepare_the_first(void **state)
{
	run_kit k;
	setup_backends();
	kit_make(&k, "epoll:loops=2", "sleep:ms=1", 100, 20);
	assert_int_equal(loop_tasks_prepare(&k.r, &counting), MODEL_OK);
	assert_int_equal(creates, 1);
	k.t->t0_ns = wl_now_ns();
	int rc = loop_run_tasks(&k.r, &counting);
	assert_int_equal(creates, 2);
	check_all_once(k.t, "epoll:loops=2", 100, 20, rc);
	kit_free(&k);
}

/* A loop prepared for another backend is not used: the run makes its own,
 * and the prepared one is freed (no fd left). */
static void test_other_backend_makes_its_own(void **state)
{
	size_t fds0 = count_dir("/proc/self/fd");
	run_kit k;
	setup_backends();
	kit_make(&k, "epoll", "sleep:ms=1", 30, 30);
	int rc = prepare_then_run(&k, &other);
	assert_int_equal(creates, 2);
	check_all_once(k.t, "epoll", 30, 30, rc);
	kit_free(&k);
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
}

/* Nothing to run: nothing made; a run without prepare makes its loop itself. */
static void test_no_lanes_nothing_prepared(void **state)
{
	size_t fds0 = count_dir("/proc/self/fd");
	run_kit k;
	setup_backends();
	kit_make(&k, "epoll", "null", 0, 4);
	assert_int_equal(loop_tasks_prepare(&k.r, &counting), MODEL_OK);
	assert_null(k.r.prep);
	assert_int_equal(loop_run_tasks(&k.r, &counting), MODEL_OK);
	assert_int_equal(creates, 0);
	kit_free(&k);

	kit_make(&k, "epoll", "null", 10, 0);
	assert_int_equal(loop_tasks_prepare(&k.r, &counting), MODEL_OK);
	assert_null(k.r.prep);
	assert_int_equal(loop_run_tasks(&k.r, &counting), MODEL_ERROR); /* C = 0 */
	kit_free(&k);

	kit_make(&k, "epoll", "null", 10, 3);
	k.t->t0_ns = wl_now_ns();
	int rc = loop_run_tasks(&k.r, &counting); /* no prepare */
	assert_int_equal(creates, 1);
	check_all_once(k.t, "epoll", 10, 3, rc);
	kit_free(&k);
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
}

/* coro makes loop 0's pool, loop and lanes ahead: a run takes them; one
 * whose split changed since (C here) uses the pool and makes the rest; one
 * with nothing to run frees them. No fd is left either way. */
static void test_coro_prepared(void **state)
{
	size_t fds0 = count_dir("/proc/self/fd");
	const model_kind *coro = model_find("coro");
	const unsigned cs[] = { 40, 25 }; /* at the run; prepared for 40 */
	assert_non_null(coro);
	for (size_t j = 0; j < 2; j++) {
		run_kit k;
		kit_make(&k, "coro", "sleep:ms=1", 120, 40);
		assert_int_equal(coro->prepare(&k.r), MODEL_OK);
		assert_non_null(k.r.prep);
		k.r.c = cs[j];
		k.t->t0_ns = wl_now_ns();
		int rc = coro->run(&k.r);
		assert_null(k.r.prep);
		check_all_once(k.t, "coro", 120, cs[j], rc);
		kit_free(&k);
	}
	run_kit k;
	kit_make(&k, "coro", "null", 0, 4);
	assert_int_equal(coro->prepare(&k.r), MODEL_OK);
	assert_int_equal(coro->run(&k.r), MODEL_OK);
	kit_free(&k);
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prepared_loop_is_the_one_that_runs),
		cmocka_unit_test(test_two_loops_prepare_the_first),
		cmocka_unit_test(test_other_backend_makes_its_own),
		cmocka_unit_test(test_no_lanes_nothing_prepared),
		cmocka_unit_test(test_coro_prepared),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

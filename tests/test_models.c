/* test_models.c - the blocking models run each task once, agree, keep C and leak nothing. */
/* They keep at most C tasks in flight, take their options, reject C = 0, and leave no thread, fd
 * or zombie. What happens when a spawn fails or a task's process dies is test_model_faults.c's.
 * Runs call kind->run() in this process, as the harness does in its run child. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

#include "tests/model_fixture.h"
#include "tests/wl_fixture.h"

static const char *const all_models[] = { "sequential", "threads",     "pool",    "fork",
					  "prefork",    "threads+gil", "pool+gil" };
static const char *const spawners[] = { "threads", "pool",        "fork",
					"prefork", "threads+gil", "pool+gil" };

/* Under ASan a fork copies page tables for the whole shadow map, and valgrind
 * runs every forked child under it too: keep the large N modest there. */
#if defined(__SANITIZE_ADDRESS__)
#define SLOW_FORK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SLOW_FORK 1
#endif
#endif
#ifndef SLOW_FORK
#define SLOW_FORK 0
#endif

static size_t big_n(void)
{
	return getenv("CB_MEMCHECK") ? 100 : SLOW_FORK ? 250 : 1000;
}

/* ---- every task exactly once ---- */

static void test_every_task_once(void **state)
{
	size_t ns[] = { 0, 1, 7, big_n() };
	wl_spec w;

	spec_make(&w, "null", NULL);
	spec_prepare(&w);
	for (size_t m = 0; m < N_ELEMS(all_models); m++)
		for (size_t a = 0; a < N_ELEMS(ns); a++) {
			size_t n = ns[a];
			unsigned cs[] = { 1, 3, (unsigned)n, (unsigned)(2 * n) };
			for (size_t b = 0; b < N_ELEMS(cs); b++) {
				int rc;
				if (cs[b] == 0)
					continue;
				model_table *t = run_model(all_models[m], &w, n, cs[b], &rc);
				check_all_once(t, all_models[m], n, cs[b], rc);
				model_table_free(t);
			}
		}
	wl_release(&w);
	assert_no_zombies();
}

static void test_fib_every_task_once(void **state)
{
	struct {
		size_t n;
		unsigned c;
	} runs[] = { { 7, 1 }, { 7, 3 }, { 50, 4 } };
	wl_spec w;

	spec_make(&w, "fib", "n", "10", NULL);
	spec_prepare(&w);
	for (size_t m = 0; m < N_ELEMS(all_models); m++)
		for (size_t k = 0; k < N_ELEMS(runs); k++) {
			int rc;
			model_table *t = run_model(all_models[m], &w, runs[k].n, runs[k].c, &rc);
			check_all_once(t, all_models[m], runs[k].n, runs[k].c, rc);
			model_table_free(t);
		}
	wl_release(&w);
}

/* ---- the same work, the same digest ---- */

/* The digest of running every task right here, with no model at all. */
static uint64_t direct_digest(const wl_spec *w, size_t n)
{
	uint64_t acc = 0;
	for (size_t i = 0; i < n; i++) {
		wl_result res = { 0 };
		w->kind->run(w, i, &wl_io_blocking, &res);
		assert_int_equal(res.err, 0);
		acc = wl_run_digest_add(acc, i, res.digest);
	}
	return acc;
}

static void digests_agree(const char *name, const char *key, const char *val)
{
	const size_t n = 7;
	wl_spec w;

	spec_make(&w, name, key, val, NULL);
	spec_prepare(&w);
	uint64_t want = direct_digest(&w, n);
	for (size_t m = 0; m < N_ELEMS(all_models); m++) {
		int rc;
		model_table *t = run_model(all_models[m], &w, n, 3, &rc);
		check_all_once(t, all_models[m], n, 3, rc);
		if (run_digest(t) != want)
			fail_msg("%s on %s: digest %016llx, want %016llx", all_models[m], name,
				 (unsigned long long)run_digest(t), (unsigned long long)want);
		model_table_free(t);
	}
	wl_release(&w);
}

static void test_digests_fib(void **state)
{
	digests_agree("fib", "n", "15");
}

static void test_digests_hash(void **state)
{
	digests_agree("hash", NULL, NULL);
	digests_agree("hash", "bytes", "4k"); /* released under +gil */
}

static void test_digests_sleep(void **state)
{
	digests_agree("sleep", "ms", "1");
}

/* ---- at most C in flight: a lane runs one task at a time ---- */

static void test_lanes_serial(void **state)
{
	const size_t n = 12;
	const unsigned c = 3;
	wl_spec w;

	spec_make(&w, "sleep", "ms", "5", NULL);
	spec_prepare(&w);
	for (size_t m = 0; m < N_ELEMS(all_models); m++) {
		int rc, used[3] = { 0 };
		model_table *t = run_model(all_models[m], &w, n, c, &rc);
		check_all_once(t, all_models[m], n, c, rc);
		for (size_t a = 0; a < n; a++)
			used[t->task[a].worker] = 1;
		assert_lanes_serial(t, all_models[m]);
		assert_true(used[0] + used[1] + used[2] <= (int)c);
		model_table_free(t);
	}
	wl_release(&w);
}

/* ---- options and bad arguments ---- */

static void test_stack_option(void **state)
{
	const char *const names[] = { "threads", "pool" };
	size_t threads0 = count_dir("/proc/self/task");
	wl_spec w;

	spec_make(&w, "fib", "n", "10", NULL);
	spec_prepare(&w);
	for (size_t k = 0; k < N_ELEMS(names); k++) {
		model_spec m;
		int rc;
		model_make(&m, names[k], 256 * 1024);
		assert_int_equal(m.o[0].def->is_size, 1);
		model_table *t = run_spec(&m, &w, 20, 4, &rc);
		check_all_once(t, names[k], 20, 4, rc);
		model_table_free(t);

		/* Below the system's minimum: an error that names the option. */
		model_make(&m, names[k], 1);
		t = run_spec(&m, &w, 20, 4, &rc);
		assert_int_equal(rc, MODEL_ERROR);
		assert_non_null(strstr(t->why, "stack=1"));
		assert_int_equal(atomic_load(&t->task[0].runs), 0);
		model_table_free(t);
	}
	wl_release(&w);
	assert_int_equal(threads_settle(threads0), threads0);
}

static void test_zero_concurrency(void **state)
{
	wl_spec w;

	spec_make(&w, "null", NULL);
	spec_prepare(&w);
	for (size_t m = 0; m < N_ELEMS(spawners); m++) {
		int rc;
		model_table *t = run_model(spawners[m], &w, 5, 0, &rc);
		assert_int_equal(rc, MODEL_ERROR);
		assert_non_null(strstr(t->why, "concurrency"));
		for (size_t i = 0; i < 5; i++)
			assert_int_equal(atomic_load(&t->task[i].runs), 0);
		model_table_free(t);
	}
	wl_release(&w);
}

/* ---- nothing leaks ---- */

static void test_no_fd_leak(void **state)
{
	size_t fds0 = count_dir("/proc/self/fd");
	size_t threads0 = count_dir("/proc/self/task");
	wl_spec w;

	spec_make(&w, "fib", "n", "10", NULL);
	spec_prepare(&w);
	for (int rep = 0; rep < 3; rep++)
		for (size_t m = 0; m < N_ELEMS(all_models); m++) {
			int rc;
			model_table *t = run_model(all_models[m], &w, 40, 8, &rc);
			check_all_once(t, all_models[m], 40, 8, rc);
			model_table_free(t);
		}
	wl_release(&w);
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
	assert_int_equal(threads_settle(threads0), threads0);
	assert_no_zombies();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_task_once), cmocka_unit_test(test_fib_every_task_once),
		cmocka_unit_test(test_digests_fib),     cmocka_unit_test(test_digests_hash),
		cmocka_unit_test(test_digests_sleep),   cmocka_unit_test(test_lanes_serial),
		cmocka_unit_test(test_stack_option),    cmocka_unit_test(test_zero_concurrency),
		cmocka_unit_test(test_no_fd_leak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

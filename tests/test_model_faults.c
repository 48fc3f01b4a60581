/*
 * test_model_faults.c - the models when something goes wrong: a spawn fails
 * (CONCBENCH_FAULT_SPAWN stands in for EAGAIN), a task fails, or a task's
 * process dies. Each run must end with the right status and reason, run no
 * task twice, and leave no zombie and no thread behind.
 *
 * Runs call kind->run() in this process, as the harness does in its run child.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "tests/model_fixture.h"
#include "workloads/registry.h"

static const wl_param_def no_params[] = { { 0 } };

/* ---- a task's process dies ---- */

typedef struct {
	pid_t parent; /* never die in the test process itself */
	int how;      /* 0: SIGKILL, else _exit(how) */
} crash_state;

/* Task 3 takes its process down; the others return their index's digest. */
static void crash_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	const crash_state *cs = w->state;

	if (i == 3 && getpid() == cs->parent) {
		wl_fail(r, EINVAL, "task 3 ran in the test process");
		return;
	}
	if (i == 3 && cs->how == 0)
		raise(SIGKILL);
	if (i == 3)
		_exit(cs->how);
	r->digest = wl_digest_u64(i);
}

static const wl_kind crash_kind = {
	.name = "crash",
	.summary = "task 3 dies",
	.cls = "cpu",
	.params = no_params,
	.run = crash_run,
};

static model_table *run_crash(const char *model, int how, size_t n, unsigned c, int *rc)
{
	crash_state cs = { getpid(), how };
	wl_spec w = { .kind = &crash_kind, .state = &cs };
	return run_model(model, &w, n, c, rc);
}

/* The model says why it stopped; no task reported an error of its own. */
static void assert_crashed(model_table *t, int rc, const char *want)
{
	if (rc != MODEL_ERROR || strcmp(t->why, want) != 0)
		fail_msg("rc %d, why \"%s\", want error \"%s\"", rc, t->why, want);
	assert_int_equal(atomic_load(&t->status), MODEL_ERROR);
	assert_string_equal(t->msg, "");
	assert_int_equal(atomic_load(&t->task[3].runs), 0);
	assert_int_equal(t->task[3].err, ECHILD);
	assert_no_zombies();
}

static void assert_others_once(model_table *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i == 3)
			continue;
		assert_int_equal(atomic_load(&t->task[i].runs), 1);
		assert_int_equal(t->task[i].err, 0);
		assert_int_equal(t->task[i].digest, wl_digest_u64(i));
	}
	assert_int_equal(atomic_load(&t->nerr), 1);
}

static void test_fork_crash(void **state)
{
	const char *const want[] = { "task 3: worker process killed by signal 9 (Killed)",
				     "task 3: worker process exited with status 7" };
	const int how[] = { 0, 7 };

	for (size_t k = 0; k < N_ELEMS(how); k++) {
		int rc;
		model_table *t = run_crash("fork", how[k], 10, 3, &rc);
		assert_crashed(t, rc, want[k]);
		assert_others_once(t, 10);
		model_table_free(t);
	}
}

static void test_prefork_crash(void **state)
{
	const size_t n = 10;
	int rc;

	/* The other workers drain the queue: only task 3 is lost. */
	model_table *t = run_crash("prefork", 0, n, 3, &rc);
	assert_crashed(t, rc, "task 3: worker process killed by signal 9 (Killed)");
	assert_others_once(t, n);
	model_table_free(t);

	/* The only worker dies: what it had not reached fails with it. */
	t = run_crash("prefork", 7, n, 1, &rc);
	assert_crashed(t, rc, "task 3: worker process exited with status 7");
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(atomic_load(&t->task[i].runs), i < 3);
		assert_int_equal(t->task[i].err, i < 3 ? 0 : ECHILD);
	}
	assert_int_equal(atomic_load(&t->nerr), n - 3);
	model_table_free(t);
}

/* ---- the limit path: a spawn fails, everything in flight is waited for ---- */

static const char *spawn_call(const char *model)
{
	return strcmp(model, "threads") == 0 || strcmp(model, "pool") == 0
		       ? "pthread_create EAGAIN at %zu threads"
		       : "fork EAGAIN at %zu processes";
}

/* Run `model` on w with spawn number `fault` failing; check the run is a
 * limit that names `alive` threads or processes, and that no task ran twice
 * and nothing was left behind. */
static model_table *run_limit(const char *model, const wl_spec *w, const char *fault, size_t n,
			      unsigned c, size_t alive)
{
	size_t threads0 = count_dir("/proc/self/task");
	char want[128];
	int rc;

	setenv("CONCBENCH_FAULT_SPAWN", fault, 1);
	model_table *t = run_model(model, w, n, c, &rc);
	unsetenv("CONCBENCH_FAULT_SPAWN");

	snprintf(want, sizeof want, spawn_call(model), alive);
	/* the reason, then a hint on how to raise the limit */
	if (rc != MODEL_LIMIT || strncmp(t->why, want, strlen(want)) != 0 ||
	    !strstr(t->why, "raise"))
		fail_msg("%s: rc %d, why \"%s\", want limit \"%s\"", model, rc, t->why, want);
	assert_int_equal(atomic_load(&t->status), MODEL_LIMIT);
	for (size_t i = 0; i < n; i++)
		assert_true(atomic_load(&t->task[i].runs) <= 1);
	assert_no_zombies();
	assert_int_equal(threads_settle(threads0), threads0);
	return t;
}

/* Spawn number `fault` fails; `ran` tasks (or, for pools, at most n) run. */
static void limit_case(const char *model, const char *fault, size_t n, unsigned c, size_t alive,
		       size_t ran)
{
	wl_spec w = { .kind = wl_find("null") };

	assert_non_null(w.kind);
	model_table *t = run_limit(model, &w, fault, n, c, alive);
	if (ran != (size_t)-1) /* one task per spawn: exactly the first ran */
		for (size_t i = 0; i < n; i++)
			assert_int_equal(atomic_load(&t->task[i].runs), i < ran);
	assert_int_equal(atomic_load(&t->nerr), 0);
	assert_string_equal(t->msg, "");
	model_table_free(t);
}

static void test_limit(void **state)
{
	const size_t any = (size_t)-1;

	/* Spawn 2 of 4 fails: two were alive. */
	limit_case("threads", "2", 10, 4, 2, 2);
	limit_case("fork", "2", 10, 4, 2, 2);
	limit_case("pool", "2", 10, 4, 2, any);
	limit_case("prefork", "2", 10, 4, 2, any);
	/* In the steady state a slot was just freed: C - 1 alive. */
	limit_case("threads", "5", 10, 2, 1, 5);
	limit_case("fork", "5", 10, 2, 1, 5);
	/* A pool with no worker at all runs nothing. */
	limit_case("pool", "0", 10, 4, 0, 0);
	limit_case("prefork", "0", 10, 4, 0, 0);
}

/* Task 0 fails; the others return their index's digest. */
static void fail0_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	if (i == 0) {
		wl_fail(r, EIO, "disk on fire");
		return;
	}
	r->digest = wl_digest_u64(i);
}

static const wl_kind fail0_kind = {
	.name = "fail0",
	.summary = "task 0 fails",
	.cls = "cpu",
	.params = no_params,
	.run = fail0_run,
};

/* A task fails, then a spawn does: the run is still a limit, with its own
 * reason, and the task's error is kept beside it rather than masking it.
 * (threads joins task 0 before it records the limit, so there the order is
 * certain; fork may record the limit first, which must not matter.) */
static void test_limit_after_task_error(void **state)
{
	const char *const names[] = { "threads", "fork" };
	wl_spec w = { .kind = &fail0_kind };

	for (size_t k = 0; k < N_ELEMS(names); k++) {
		model_table *t = run_limit(names[k], &w, "2", 10, 4, 2);
		assert_string_equal(t->msg, "task 0: disk on fire");
		assert_int_equal(atomic_load(&t->nerr), 1);
		assert_int_equal(t->task[0].err, EIO);
		for (size_t i = 0; i < t->n; i++)
			assert_int_equal(atomic_load(&t->task[i].runs), i < 2);
		model_table_free(t);
	}
}

/* A pool that cannot be built runs nothing new. To see it without timing,
 * every task waits until the queue's head (the table's next, in both pools)
 * reaches n: only closing the queue lets the tasks already taken finish. The
 * wait gives up after about 2 s so that a broken model fails, not hangs. */
static void gate_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	model_table *t = *(model_table *const *)w->state;
	struct timespec pause = { 0, 100000 };

	for (int k = 0; atomic_load(&t->next) < t->n; k++) {
		if (k == 20000) {
			wl_fail(r, ETIMEDOUT, "the queue was never closed");
			return;
		}
		nanosleep(&pause, NULL);
	}
	r->digest = wl_digest_u64(i);
}

static const wl_kind gate_kind = {
	.name = "gate",
	.summary = "waits for the queue to close",
	.cls = "io",
	.params = no_params,
	.run = gate_run,
};

static void test_limit_closes_pool(void **state)
{
	const char *const names[] = { "pool", "prefork" };

	for (size_t k = 0; k < N_ELEMS(names); k++) {
		model_table *t = model_table_new(10);
		wl_spec w = { .kind = &gate_kind, .state = &t };
		model_spec m;
		size_t ran = 0;

		assert_non_null(t);
		model_make(&m, names[k], 0);
		setenv("CONCBENCH_FAULT_SPAWN", "2", 1);
		int rc = run_in(&m, &w, t, 4);
		unsetenv("CONCBENCH_FAULT_SPAWN");
		if (rc != MODEL_LIMIT || atomic_load(&t->nerr) != 0)
			fail_msg("%s: rc %d, %d errors: %s / %s", names[k], rc,
				 atomic_load(&t->nerr), t->why, t->msg);
		for (size_t i = 0; i < t->n; i++)
			ran += atomic_load(&t->task[i].runs);
		assert_true(ran <= 2); /* at most one per worker made */
		model_table_free(t);
		assert_no_zombies();
	}
}

int main(void)
{
	/* The crash tests come first: their children leave from deep inside a
	 * task, and valgrind, which follows them, then reports glibc's cache of
	 * joined threads' stacks (left by the thread models) as possibly lost. */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fork_crash),
		cmocka_unit_test(test_prefork_crash),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_limit_after_task_error),
		cmocka_unit_test(test_limit_closes_pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

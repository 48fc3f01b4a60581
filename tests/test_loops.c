/* test_loops.c - a loop per core: epoll:loops=K and coro:loops=K (models/loopgroup.c). */
/* Every task once with sequential's digest on null, fib, sleep, http and mixed, leaving no thread
 * or fd; the tasks run on K distinct OS threads (a task waits until it has met one from another
 * thread); a loop that finishes early takes more (work sharing: task 0 waits for all the others,
 * which only the other loop can run); a limit in one loop stops the others, with the limit's
 * message; loops=0 and loops=1025 are usage errors; K > C runs C loops. Never a speed. */
#define _GNU_SOURCE
#include <sched.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "tests/http_fixture.h"
#include "tests/model_fixture.h"
#include "tests/wl_fixture.h"

extern const wl_kind wl_http, wl_mixed;

static const char *const loops2[] = { "epoll:loops=2", "coro:loops=2" };
static const char *const every[] = { "epoll:loops=2", "coro:loops=2", "epoll:loops=3",
				     "coro:loops=3",  "epoll:loops=2,et=1" };

/* Under each of every[], at several C, w's digest is sequential's, each task
 * ran once on a lane below C, and the run left no thread or fd behind. */
static void same_as_sequential(const wl_spec *w, size_t n)
{
	static const unsigned cs[] = { 1, 2, 5, 64 };
	size_t threads = count_dir("/proc/self/task"), fds = count_dir("/proc/self/fd");
	int rc;
	model_table *t = run_model("sequential", w, n, 1, &rc);
	check_all_once(t, "sequential", n, 1, rc);
	uint64_t want = run_digest(t);
	model_table_free(t);

	for (size_t m = 0; m < N_ELEMS(every); m++)
		for (size_t k = 0; k < N_ELEMS(cs); k++) {
			t = run_model(every[m], w, n, cs[k], &rc);
			check_all_once(t, every[m], n, cs[k], rc);
			assert_lanes_serial(t, every[m]);
			if (run_digest(t) != want)
				fail_msg("%s %s c=%u: digest differs from sequential's", every[m],
					 w->kind->name, cs[k]);
			model_table_free(t);
			assert_int_equal(threads_settle(threads), threads);
			assert_int_equal(count_dir("/proc/self/fd"), fds);
		}
}

static void test_cpu_and_sleep(void **state)
{
	wl_spec w;

	spec_make(&w, "null", NULL);
	spec_prepare(&w);
	same_as_sequential(&w, getenv("CB_MEMCHECK") ? 100 : 1000);
	same_as_sequential(&w, 0);
	wl_release(&w);
	spec_make(&w, "fib", "n", "15", NULL);
	spec_prepare(&w);
	same_as_sequential(&w, 40);
	wl_release(&w);
	spec_make(&w, "sleep", "ms", "5|1", NULL);
	spec_prepare(&w);
	same_as_sequential(&w, 30);
	wl_release(&w);
}

static void test_http_and_mixed(void **state)
{
	int fds = count_fds();
	struct srv s = srv_start(OK);
	wl_spec w;

	http_spec(&w, &wl_http, s.port, NULL);
	spec_prepare(&w);
	same_as_sequential(&w, 8);
	wl_release(&w);
	http_spec(&w, &wl_mixed, s.port, "fib", "10|15", "rounds", "2", NULL);
	spec_prepare(&w);
	same_as_sequential(&w, 6);
	wl_release(&w);
	srv_stop(&s);
	assert_int_equal(count_fds(), fds);
}

/* ---- test workloads that see which thread runs them ---- */

static pid_t tid[64];
static atomic_int ended;

static uint64_t deadline_in(unsigned s)
{
	return wl_now_ns() + (uint64_t)s * 1000000000u;
}

/* meet: task i notes its thread, then waits (computing, as CPU-bound work
 * holds its loop) until some task has run on another thread. Only loops
 * that run in parallel get past that; a 20 s sanity bound fails it. */
static void meet_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	uint64_t until = deadline_in(20);
	tid[i] = gettid();
	for (int other = 0; !other; sched_yield()) {
		for (size_t j = 0; j < 4; j++) /* the test runs at most 4 */
			other |= tid[j] && tid[j] != tid[i];
		if (wl_now_ns() > until) {
			wl_fail(r, ETIMEDOUT, "task %zu met no task of another thread", i);
			return;
		}
	}
	r->digest = wl_digest_u64(i);
}

/* skew: task 0 waits until every other task has ended; the others end at
 * once. A loop stuck in task 0 takes no more, so all the others must run on
 * the other loop: a fixed split would leave half of them behind task 0. */
static void skew_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	uint64_t until = deadline_in(20);
	tid[i] = gettid();
	while (i == 0 && atomic_load(&ended) < 19) {
		sched_yield();
		if (wl_now_ns() > until) {
			wl_fail(r, ETIMEDOUT, "task 0: only %d others ended", atomic_load(&ended));
			return;
		}
	}
	if (i)
		atomic_fetch_add(&ended, 1);
	r->digest = wl_digest_u64(i);
}

static const wl_param_def no_params[] = { { 0 } };
static const wl_kind meet = { .name = "meet", .cls = "cpu", .params = no_params, .run = meet_run };
static const wl_kind skew = { .name = "skew", .cls = "cpu", .params = no_params, .run = skew_run };

/* N = C = 4 on two loops: two lanes each; each loop's first task waits to
 * meet the other's, so both threads ran tasks, and a lane kept to one. */
static void test_two_threads(void **state)
{
	wl_spec w = { .kind = &meet };
	for (size_t m = 0; m < N_ELEMS(loops2); m++) {
		int rc;
		memset(tid, 0, sizeof tid);
		model_table *t = run_model(loops2[m], &w, 4, 4, &rc);
		check_all_once(t, loops2[m], 4, 4, rc);
		pid_t a = tid[0], b = 0;
		for (size_t i = 0; i < 4; i++) {
			if (tid[i] != a)
				b = tid[i];
			for (size_t j = 0; j < 4; j++) /* lanes 0-1 on one loop, 2-3 on the other */
				if (t->task[i].worker / 2 == t->task[j].worker / 2)
					assert_int_equal(tid[i], tid[j]);
		}
		assert_true(b != 0 && b != a);
		model_table_free(t);
	}
}

static void test_work_sharing(void **state)
{
	wl_spec w = { .kind = &skew };
	for (size_t m = 0; m < N_ELEMS(loops2); m++) {
		int rc;
		memset(tid, 0, sizeof tid);
		atomic_store(&ended, 0);
		model_table *t = run_model(loops2[m], &w, 20, 2, &rc);
		check_all_once(t, loops2[m], 20, 2, rc);
		for (size_t i = 2; i < 20; i++)
			assert_int_equal(tid[i], tid[1]);
		assert_true(tid[0] != tid[1]);
		model_table_free(t);
	}
}

/* stuck_or_fail: task 0 waits a minute (on its loop: a timer), task 1
 * fails at once with EMFILE, a limit. The loop of task 1 stops the run and
 * the other loop with it: task 0 is cancelled, not waited for. */
static void sof_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	if (i == 1) {
		wl_fail(r, EMFILE, "out of fds");
		return;
	}
	io->sleep_until(io, deadline_in(60));
	r->digest = 1;
}

static int sof_step(const wl_spec *w, size_t i, void *state, int ready, wl_wait *next,
		    wl_result *r)
{
	if (i == 1) {
		wl_fail(r, EMFILE, "out of fds");
		return WL_STEP_DONE;
	}
	if (ready)
		return WL_STEP_DONE;
	*next = (wl_wait){ .fd = -1, .deadline_ns = deadline_in(60) };
	return WL_STEP_WAIT;
}

static const wl_kind stuck_or_fail = {
	.name = "sof", .cls = "io", .params = no_params, .run = sof_run, .step = sof_step
};

static void test_limit_stops_the_others(void **state)
{
	wl_spec w = { .kind = &stuck_or_fail };
	size_t threads = count_dir("/proc/self/task"), fds = count_dir("/proc/self/fd");
	for (size_t m = 0; m < N_ELEMS(loops2); m++) {
		int rc;
		uint64_t t0 = wl_now_ns();
		model_table *t = run_model(loops2[m], &w, 2, 2, &rc);
		assert_int_equal(rc, MODEL_LIMIT);
		if (!strstr(t->why, "open files: EMFILE at task 1"))
			fail_msg("%s: why: %s", loops2[m], t->why);
		assert_int_equal(atomic_load(&t->task[0].runs), 1);
		assert_int_equal(t->task[0].err, ECANCELED);
		assert_int_equal(t->task[1].err, EMFILE);
		assert_true(wl_now_ns() - t0 < 30000000000ull); /* it did not wait the minute */
		model_table_free(t);
		assert_int_equal(threads_settle(threads), threads);
		assert_int_equal(count_dir("/proc/self/fd"), fds);
	}
}

/* A loop thread that cannot be started is the run's limit, said so. */
static void test_thread_limit(void **state)
{
	wl_spec w;
	spec_make(&w, "sleep", "ms", "1", NULL);
	spec_prepare(&w);
	for (size_t m = 0; m < N_ELEMS(loops2); m++) {
		int rc;
		setenv("CONCBENCH_FAULT_SPAWN", "0", 1);
		model_table *t = run_model(loops2[m], &w, 10, 4, &rc);
		unsetenv("CONCBENCH_FAULT_SPAWN");
		assert_int_equal(rc, MODEL_LIMIT);
		if (!strstr(t->why, "pthread_create EAGAIN at 1 threads"))
			fail_msg("%s: why: %s", loops2[m], t->why);
		for (size_t i = 0; i < 10; i++)
			assert_int_equal(atomic_load(&t->task[i].runs), 0);
		model_table_free(t);
	}
	wl_release(&w);
}

/* loops is 1..1024, parsed before any run; more loops than lanes run one a lane. */
static void test_option(void **state)
{
	const char *bad[] = { "epoll:loops=0", "coro:loops=0", "epoll:loops=1025", "coro:loops=-1" };
	model_spec m;
	char err[256];
	for (size_t k = 0; k < N_ELEMS(bad); k++) {
		if (spec_model(bad[k], &m, err, sizeof err) == 0)
			fail_msg("%s was taken", bad[k]);
		assert_non_null(strstr(err, "loops"));
	}
	assert_int_equal(spec_model("epoll:loops=1024", &m, err, sizeof err), 0);
	assert_int_equal(model_opt(&m, "loops"), 1024);
	assert_int_equal(spec_model("coro", &m, err, sizeof err), 0);
	assert_int_equal(model_opt(&m, "loops"), 1); /* the default: one loop, as before */

	wl_spec w = { .kind = &meet };
	const char *many[] = { "epoll:loops=8", "coro:loops=8" };
	for (size_t k = 0; k < N_ELEMS(many); k++) {
		int rc;
		memset(tid, 0, sizeof tid);
		model_table *t = run_model(many[k], &w, 2, 2, &rc); /* 2 lanes: 2 loops */
		check_all_once(t, many[k], 2, 2, rc);
		assert_true(tid[0] != tid[1]);
		model_table_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_and_sleep),
		cmocka_unit_test(test_http_and_mixed),
		cmocka_unit_test(test_two_threads),
		cmocka_unit_test(test_work_sharing),
		cmocka_unit_test(test_limit_stops_the_others),
		cmocka_unit_test(test_thread_limit),
		cmocka_unit_test(test_option),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

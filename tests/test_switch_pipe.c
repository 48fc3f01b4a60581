/* test_switch_pipe.c - the switch workload's mode=pipe (lmbench's lat_ctx): the models that
 * run a pair at once give the yield digest and leave no fd open; an odd task count fails at
 * begin; a blocking backend polls only for the first byte; where a pair cannot run at once
 * the run fails, not hangs. The yield mode is test_switch.c. No speed is asserted. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "tests/testutil.h"

#include "tests/model_fixture.h"
#include "tests/wl_fixture.h"

static uint64_t digest_of(const char *model, const wl_spec *w, size_t n, unsigned c)
{
	int rc;
	model_table *t = run_model(model, w, n, c, &rc);
	check_all_once(t, model, n, c, rc);
	uint64_t d = run_digest(t);
	model_table_free(t);
	return d;
}

static void make_pipe(wl_spec *w, const char *rounds)
{
	spec_make(w, "switch", "rounds", rounds, "mode", "pipe", NULL);
	spec_prepare(w);
}

/* Every model that can run both tasks of a pair at once gives the yield
 * digest, and its end() leaves no fd behind. */
static void test_pipe_models(void **state)
{
	static const struct {
		const char *model;
		unsigned c;
	} runs[] = { { "threads", 2 },     { "threads", 4 },
		     { "threads+gil", 2 }, { "pool", 2 },
		     { "fork", 2 },        { "fork", 4 },
		     { "prefork", 2 },     { "coro", 2 },
		     { "coro", 4 },        { "hybrid:workers=2", 2 } };
	wl_spec yield, w;

	(void)state;
	spec_make(&yield, "switch", "rounds", "300", NULL);
	spec_prepare(&yield);
	uint64_t want = digest_of("sequential", &yield, 4, 1);
	make_pipe(&w, "300");
	size_t fds = count_dir("/proc/self/fd");
	for (size_t k = 0; k < N_ELEMS(runs); k++) {
		uint64_t got = digest_of(runs[k].model, &w, 4, runs[k].c);
		if (got != want)
			fail_msg("%s c=%u: digest %016llx, yield's %016llx", runs[k].model,
				 runs[k].c, (unsigned long long)got, (unsigned long long)want);
		if (count_dir("/proc/self/fd") != fds)
			fail_msg("%s c=%u: %zu fds open after the run, %zu before", runs[k].model,
				 runs[k].c, count_dir("/proc/self/fd"), fds);
		assert_no_zombies();
	}
	wl_release(&w);
	wl_release(&yield);
}

/* An odd task count: begin says why and opens nothing; the run records it as
 * its reason and runs no task. */
static void test_pipe_odd(void **state)
{
	wl_spec w;
	char err[WL_ERRLEN] = "";
	int rc;

	(void)state;
	make_pipe(&w, "10");
	size_t fds = count_dir("/proc/self/fd");
	assert_int_equal(wl_begin(&w, 3, err, sizeof err), EINVAL);
	assert_null(w.run);
	assert_int_equal(count_dir("/proc/self/fd"), fds);
	assert_string_equal(err, "switch:mode=pipe pairs tasks 0-1, 2-3, ...: give an even "
				 "number of tasks (-n), not 3");

	model_table *t = run_model("threads", &w, 3, 2, &rc);
	assert_int_equal(rc, MODEL_ERROR);
	assert_int_equal(atomic_load(&t->status), MODEL_ERROR);
	assert_string_equal(t->why, err);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(atomic_load(&t->task[i].runs), 0);
	model_table_free(t);

	/* yield mode has nothing to set up: any count will do */
	wl_spec y;
	spec_make(&y, "switch", NULL);
	assert_int_equal(wl_begin(&y, 3, err, sizeof err), 0);
	assert_null(y.run);
	wl_end(&y);
	wl_release(&w);
}

/* run() without begin() fails the task rather than touching fds it has not got. */
static void test_pipe_no_begin(void **state)
{
	wl_spec w;
	wl_result r = { 0 };

	(void)state;
	make_pipe(&w, "10");
	w.kind->run(&w, 0, &wl_io_blocking, &r);
	assert_int_equal(r.err, EINVAL);
	assert_non_null(strstr(r.msg, "wl_begin"));
	wl_release(&w);
}

/* A backend that counts wait_fd calls and waits through the blocking one;
 * `blocking` says which path the workload must take. */
typedef struct {
	wl_io io;
	atomic_int waits;
} counting_io;

static int counting_wait_fd(wl_io *io, int fd, int events, uint64_t deadline_ns)
{
	atomic_fetch_add(&((counting_io *)io)->waits, 1);
	return wl_io_blocking.wait_fd(&wl_io_blocking, fd, events, deadline_ns);
}

typedef struct {
	const wl_spec *w;
	size_t i;
	counting_io cio;
	wl_result r;
} pipe_task;

static void *pipe_task_main(void *arg)
{
	pipe_task *p = arg;
	p->w->kind->run(p->w, p->i, &p->cio.io, &p->r);
	return NULL;
}

/* Tasks 0 and 1 on two threads with a counting backend: how often each waited. */
static void run_pair(const wl_spec *w, int blocking, int waits[2])
{
	pipe_task p[2];
	pthread_t th[2];

	for (size_t k = 0; k < 2; k++) {
		memset(&p[k], 0, sizeof p[k]);
		p[k].w = w;
		p[k].i = k;
		p[k].cio.io = wl_io_blocking;
		p[k].cio.io.wait_fd = counting_wait_fd;
		p[k].cio.io.blocking = blocking;
		assert_int_equal(pthread_create(&th[k], NULL, pipe_task_main, &p[k]), 0);
	}
	for (size_t k = 0; k < 2; k++) {
		assert_int_equal(pthread_join(th[k], NULL), 0);
		if (p[k].r.err)
			fail_msg("task %zu: %s", k, p[k].r.msg);
		assert_true(p[k].r.digest == wl_digest_u64(50));
		waits[k] = atomic_load(&p[k].cio.waits);
	}
}

/* A blocking backend polls once per task, for the first byte: past it every
 * read blocks in the kernel, which is the switch measured. A backend that
 * cannot block waits before every read. */
static void test_pipe_waits(void **state)
{
	wl_spec w, run;
	char err[WL_ERRLEN] = "";
	int waits[2];

	(void)state;
	assert_int_equal(wl_io_blocking.blocking, 1);
	make_pipe(&w, "50");
	run = w;
	if (wl_begin(&run, 2, err, sizeof err) != 0)
		fail_msg("begin: %s", err);
	assert_non_null(run.run);
	run_pair(&run, 1, waits);
	assert_int_equal(waits[0], 1);
	assert_int_equal(waits[1], 1);
	run_pair(&run, 0, waits);
	assert_int_equal(waits[0], 50);
	assert_int_equal(waits[1], 50);
	wl_end(&run);
	assert_null(run.run);
	wl_release(&w);
}

static const wl_param_def no_params[] = { { 0 } };

/* A test-only workload: each task's digest is its backend's blocking flag. */
static void blocking_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	(void)w;
	(void)i;
	r->digest = (uint64_t)io->blocking;
}

static const wl_kind blocking_kind = {
	.name = "blocking",
	.summary = "test: report io->blocking",
	.cls = "cpu",
	.params = no_params,
	.run = blocking_run,
};

static void test_blocking_flag(void **state)
{
	static const struct {
		const char *model;
		uint64_t want;
	} runs[] = { { "sequential", 1 }, { "threads", 1 },  { "threads+gil", 1 },
		     { "fork", 1 },       { "pool+gil", 1 }, { "coro", 0 } };
	wl_spec w = { .kind = &blocking_kind };
	int rc;

	(void)state;
	for (size_t k = 0; k < N_ELEMS(runs); k++) {
		model_table *t = run_model(runs[k].model, &w, 2, 2, &rc);
		check_all_once(t, runs[k].model, 2, 2, rc);
		for (size_t i = 0; i < 2; i++)
			if (t->task[i].digest != runs[k].want)
				fail_msg("%s: task %zu saw blocking = %llu", runs[k].model, i,
					 (unsigned long long)t->task[i].digest);
		model_table_free(t);
	}
}

/* Where the two tasks of a pair cannot run at once, the first waits its
 * deadline out and says why; its peer, run later, fails on the word the
 * first left it instead of blocking for good. One run per model, n = 2:
 * each costs the deadline (switch_first_wait_s, 5 s). */
static void test_pipe_alone(void **state)
{
	static const char *const models[] = { "sequential", "epoll" };
	wl_spec w;
	int rc;

	(void)state;
	make_pipe(&w, "1000");
	for (size_t k = 0; k < N_ELEMS(models); k++) {
		model_table *t = run_model(models[k], &w, 2, 2, &rc);
		assert_int_equal(rc, MODEL_OK); /* the model did its part */
		assert_int_equal(atomic_load(&t->nerr), 2);
		assert_int_equal(t->task[0].err, ETIMEDOUT);
		assert_true(t->task[0].end_ns - t->task[0].start_ns >= 5000000000ull);
		assert_non_null(strstr(t->msg, "task 0: no answer from task 1 in 5 s: mode=pipe "
					       "needs both tasks of a pair in flight at once"));
		assert_int_equal(t->task[1].err, ECANCELED);
		assert_int_equal(atomic_load(&t->task[1].runs), 1);
		model_table_free(t);
	}
	wl_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipe_models),   cmocka_unit_test(test_pipe_odd),
		cmocka_unit_test(test_pipe_no_begin), cmocka_unit_test(test_pipe_waits),
		cmocka_unit_test(test_blocking_flag), cmocka_unit_test(test_pipe_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

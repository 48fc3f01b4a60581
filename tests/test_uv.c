/* test_uv.c - the uv model: tasks on libuv's loop, its timers, its polls, its limits. */
/* Many tasks share the one loop thread, all in flight at once; libuv's whole-millisecond timers
 * never wake a task before its deadline; a deadline replaced (the wait it belonged to is over)
 * never fires; an fd closed and its number reused by a task brings no stale event; an fd in
 * error wakes its task, which learns why; past RLIMIT_NOFILE the run is a limit that says so;
 * built without libuv, every run is a limit. Its runs beside the other loops: test_looptasks.c,
 * test_serve*.c, test_pertask.c, test_timeline.c. */
#define _GNU_SOURCE
#include "tests/clirun.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tests/model_fixture.h"
#include "tests/uv_fixture.h"
#include "tests/wl_fixture.h"

static const wl_param_def no_params[] = { { 0 } };

/* The tests that run the model need libuv; without it, the limit test below. */
#define NEED_UV()                                                                                  \
	do {                                                                                       \
		if (uv_skipped("uv"))                                                              \
			skip();                                                                    \
	} while (0)

/* ---- a task that waits, checking when and where it is woken ---- */

enum { PIPE_OPEN, PIPE_READ, PIPE_NAP, PIPE_REUSED, PIPE_LATE };

typedef struct {
	int phase, fd[2], old;
	uint64_t until; /* no wake-up before this */
	pthread_t thread;
} wt_state;

static pthread_t test_thread;
static int reuse_seen; /* a new pipe got a number a task closed before */

static int wt_fail(wl_result *r, int err, const char *why)
{
	wl_fail(r, err, "%s", why);
	return WL_STEP_DONE;
}

static int wt_pipe(wt_state *s, wl_result *r)
{
	return pipe2(s->fd, O_NONBLOCK | O_CLOEXEC) == 0 ? 0 : (wt_fail(r, errno, "pipe2"), -1);
}

static void wt_close(wt_state *s)
{
	close(s->fd[0]);
	close(s->fd[1]);
}

/* A byte in a pipe, read with a deadline 30 ms off; then that deadline is
 * replaced by a nap of 60 ms (the pipe closed first); then a new pipe,
 * likely on the old numbers, empty: only its deadline may wake it; then a
 * byte in it, which must. */
static int wt_step(const wl_spec *w, size_t i, void *state, int ready, wl_wait *next,
		   wl_result *r)
{
	wt_state *s = state;
	uint64_t now = wl_now_ns();
	char c[2];

	if (!pthread_equal(pthread_self(), test_thread))
		return wt_fail(r, EINVAL, "a step ran off the loop's thread");
	if (ready & WL_TIMEOUT && now < s->until)
		return wt_fail(r, EINVAL, "woken before its deadline");
	switch (s->phase) {
	case PIPE_OPEN:
		if (wt_pipe(s, r) < 0)
			return WL_STEP_DONE;
		if (write(s->fd[1], "ab", 2) != 2)
			return wt_fail(r, errno, "write");
		s->phase = PIPE_READ;
		*next = (wl_wait){ s->fd[0], WL_READ, now + 30000000 };
		return WL_STEP_WAIT;
	case PIPE_READ: /* one byte of two: the old pipe stays readable */
		/* (a loop slow to start, as under valgrind, may see the deadline
		 * first: then the byte is there all the same) */
		if (read(s->fd[0], c, 1) != 1)
			return wt_fail(r, EIO, "the pipe was not read");
		s->old = s->fd[0];
		wt_close(s);
		s->phase = PIPE_NAP;
		s->until = now + 60000000;
		*next = (wl_wait){ .fd = -1, .deadline_ns = s->until };
		return WL_STEP_WAIT;
	case PIPE_NAP:
		if (wt_pipe(s, r) < 0)
			return WL_STEP_DONE;
		reuse_seen |= s->fd[0] == s->old || s->fd[1] == s->old;
		s->phase = PIPE_REUSED;
		s->until = now + 10000000;
		*next = (wl_wait){ s->fd[0], WL_READ, s->until };
		return WL_STEP_WAIT;
	case PIPE_REUSED: /* now a byte: the new pipe's registration is live */
		if (ready != WL_TIMEOUT || write(s->fd[1], "c", 1) != 1) {
			wt_close(s);
			return wt_fail(r, EIO, "an empty pipe reported ready: a stale event");
		}
		s->phase = PIPE_LATE;
		*next = (wl_wait){ s->fd[0], WL_READ, now + 5000000000ull };
		return WL_STEP_WAIT;
	default:
		wt_close(s);
		if (ready != WL_READ)
			return wt_fail(r, EIO, "a byte in the new pipe went unreported");
		r->digest = wl_digest_u64(i * 7);
		return WL_STEP_DONE;
	}
}

static const wl_kind wl_waits = {
	.name = "waits",
	.cls = "io",
	.params = no_params,
	.step = wt_step,
	.state_size = sizeof(wt_state),
};

/* All of N in flight on the one thread: every task starts before any ends. */
static void test_one_thread(void **st)
{
	wl_spec w = { .kind = &wl_waits };
	size_t fds0 = count_dir("/proc/self/fd");
	uint64_t last_start = 0, first_end = UINT64_MAX;
	int rc;

	NEED_UV();
	test_thread = pthread_self();
	model_table *t = run_model("uv", &w, 40, 40, &rc);
	check_all_once(t, "uv", 40, 40, rc);
	for (size_t i = 0; i < 40; i++) {
		if (t->task[i].start_ns > last_start)
			last_start = t->task[i].start_ns;
		if (t->task[i].end_ns < first_end)
			first_end = t->task[i].end_ns;
		assert_true(t->task[i].end_ns - t->task[i].start_ns >= 70000000); /* sanity */
	}
	assert_true(last_start < first_end);
	model_table_free(t);
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
}

/* One lane, then three: each task's 30 ms deadline is replaced by its nap
 * (never fires), and the next task on the lane never sees it either; the
 * reused numbers bring no stale event. */
static void test_replaced_deadline_and_reused_fd(void **st)
{
	wl_spec w = { .kind = &wl_waits };
	const unsigned cs[] = { 1, 3 };
	int rc;

	NEED_UV();
	test_thread = pthread_self();
	for (size_t k = 0; k < N_ELEMS(cs); k++) {
		reuse_seen = 0;
		model_table *t = run_model("uv", &w, 6, cs[k], &rc);
		check_all_once(t, "uv", 6, cs[k], rc);
		assert_lanes_serial(t, "uv");
		assert_true(reuse_seen); /* the case did arise */
		model_table_free(t);
	}
}

/* An fd in error (a refused connect: libuv reports EBADF and stops the
 * poll) wakes its task, which says why; nothing hangs, nothing leaks. */
static void test_fd_in_error(void **st)
{
	size_t fds0 = count_dir("/proc/self/fd");
	wl_spec w;
	int rc;

	NEED_UV();
	spec_make(&w, "http", "url", "http://127.0.0.1:9/x", "timeout_ms", "5000", NULL);
	spec_prepare(&w);
	model_table *t = run_model("uv", &w, 4, 2, &rc);
	assert_int_equal(atomic_load(&t->nerr), 4);
	if (!strstr(t->msg, "refused"))
		fail_msg("msg: %s", t->msg);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(atomic_load(&t->task[i].runs), 1);
	model_table_free(t);
	wl_release(&w);
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
}

/* The lowest free fd number: with RLIMIT_NOFILE there, no new fd opens. */
static rlim_t lowest_free(void)
{
	int fd = dup(0);
	assert_true(fd >= 0);
	close(fd);
	return (rlim_t)fd;
}

/* More tasks in flight than fds: the task refused is the run's limit, with
 * the limit's figure; none ran twice, none started after. And a loop that
 * cannot be made at all is a limit too. */
static void test_fd_limit(void **st)
{
	struct rlimit old, rl;
	size_t fds0 = count_dir("/proc/self/fd");
	wl_spec w = { .kind = &wl_waits };
	int rc;

	NEED_UV();
	test_thread = pthread_self();
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = old;
	rl.rlim_cur = lowest_free() + 24; /* the loop's own 3 fds, then pipes */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	model_table *t = run_model("uv", &w, 40, 40, &rc);
	assert_int_equal(rc, MODEL_LIMIT);
	if (!strstr(t->why, "open files: EMFILE at task") || !strstr(t->why, "RLIMIT_NOFILE"))
		fail_msg("why: %s", t->why);
	int ran = 0;
	for (size_t i = 0; i < 40; i++) {
		unsigned runs = atomic_load(&t->task[i].runs);
		assert_true(runs <= 1);
		ran += (int)runs;
	}
	assert_true(ran < 40);
	model_table_free(t);

	rl.rlim_cur = lowest_free(); /* not even the loop's epoll fd */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	t = run_model("uv", &w, 4, 2, &rc);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(rc, MODEL_LIMIT);
	if (!strstr(t->why, "uv: uv_loop_init: EMFILE"))
		fail_msg("why: %s", t->why);
	assert_int_equal(atomic_load(&t->task[0].runs), 0);
	model_table_free(t);
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
}

/* Through the binary: uv beside epoll, one digest, or, built without
 * libuv, uv's row a limit that says why; and `list models` shows it. */
static void test_cli(void **st)
{
	char p[256], statuses[8][64], digests[8][20], why[MODEL_MSGLEN];
	int have = uvmodel_available(why, sizeof why) == 0;
	result *r = RUN("run", "-w", "sleep:ms=5", "-m", "epoll,uv", "-n", "20", "-c", "7",
			"--reps", "1", "-o", tmpdir, "--name", "uv", "--no-plot");

	path_in(p, sizeof p, "uv", "results.csv");
	int rows = csv_rows(p, statuses, digests, 8), limits = 0;
	assert_true(rows >= 2); /* more where a slowed run ran again */
	for (int k = 0; k < rows; k++) {
		if (strstr(statuses[k], "limit: uv unavailable (built without libuv1-dev")) {
			limits++;
			continue;
		}
		if (strcmp(statuses[k], "ok") && !strstr(statuses[k], "slowed")) /* quoted */
			fail_msg("row %d: %s", k, statuses[k]);
		assert_string_equal(digests[k], digests[0]);
	}
	assert_int_equal(r->code, have ? 0 : 1);
	assert_int_equal(limits, !have);
	if (!have)
		assert_non_null(strstr(r->out, "limit: uv unavailable (built without libuv1-dev"));
	r = RUN("list", "models");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "uv "));
	assert_non_null(strstr(r->out, have ? "uv_poll" : "built without libuv1-dev"));
}

/* In process: a build without libuv refuses every run before any task. */
static void test_unavailable(void **st)
{
	char why[MODEL_MSGLEN];
	wl_spec w;
	int rc;

	if (uvmodel_available(why, sizeof why) == 0) {
		print_message("built with libuv: its absence is tested in a build without "
			      "(make HAVE_UV=)\n");
		skip();
	}
	spec_make(&w, "null", NULL);
	spec_prepare(&w);
	model_table *t = run_model("uv", &w, 5, 2, &rc);
	assert_int_equal(rc, MODEL_LIMIT);
	if (!strstr(t->why, "uv unavailable (built without libuv1-dev"))
		fail_msg("why: %s", t->why);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(atomic_load(&t->task[i].runs), 0);
	model_table_free(t);
	wl_release(&w);
}

int main(void)
{
	uv_skipped("uv"); /* libuv's pipe for the process, before fds are counted */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_thread),
		cmocka_unit_test(test_replaced_deadline_and_reused_fd),
		cmocka_unit_test(test_fd_in_error),
		cmocka_unit_test(test_fd_limit),
		cmocka_unit_test(test_cli),
		cmocka_unit_test(test_unavailable),
	};
	return cmocka_run_group_tests_name("uv", tests, setup, teardown);
}

/* test_looptasks.c - select, poll, epoll (one loop and two), uv and uring run every task once, as sequential does. */
/* They keep at most C lanes, agree with sequential's run digest, stop as a limit where select's
 * FD_SETSIZE ends, and leak no fd. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "harness/run/spec.h"
#include "tests/model_fixture.h"
#include "tests/uring_fixture.h"
#include "tests/uv_fixture.h"

extern const model_kind model_sequential;

/* select, poll, epoll, epoll:et=1, epoll:loops=2, uv, uring, uring:multishot=0 */
enum { NMODELS = 8 };

static int memcheck(void)
{
	return getenv("CB_MEMCHECK") != NULL;
}

static const char *const model_names[NMODELS] = { "select",     "poll",          "epoll",
						  "epoll:et=1", "epoll:loops=2", "uv",
						  "uring",      "uring:multishot=0" };

/* Model m cannot run here: uring without io_uring, uv built without libuv. */
static int skipped(int m)
{
	return uring_skipped(model_names[m]) || uv_skipped(model_names[m]);
}

static void make_model(model_spec *m, int which)
{
	model_make(m, model_names[which], 0);
}

/* Model `which` over w, as the harness runs it. */
static model_table *run_which(int which, const wl_spec *w, size_t n, unsigned c, int *rc)
{
	model_spec m;
	make_model(&m, which);
	return run_spec(&m, w, n, c, rc);
}

static void make_wl(wl_spec *w, const char *text)
{
	char err[256];
	if (spec_workload(text, 0, w, err, sizeof err) < 0 || wl_prepare(w, err, sizeof err) < 0)
		fail_msg("%s: %s", text, err);
}

/* Every model, N tasks, each C in cs (C = 0 skipped). */
static void every_once(const char *wl, size_t n, const unsigned *cs, size_t ncs)
{
	size_t fds0 = count_dir("/proc/self/fd");
	wl_spec w;

	make_wl(&w, wl);
	for (int m = 0; m < NMODELS; m++)
		for (size_t b = 0; b < ncs; b++) {
			int rc;
			if (!cs[b] || skipped(m))
				continue;
			model_table *t = run_which(m, &w, n, cs[b], &rc);
			check_all_once(t, model_names[m], n, cs[b], rc);
			model_table_free(t);
		}
	wl_release(&w);
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
}

static void test_every_task_once(void **state)
{
	const char *const wls[] = { "null", "fib:n=12", "sleep:ms=5" };
	size_t big = memcheck() ? 100 : 1000;

	for (size_t k = 0; k < N_ELEMS(wls); k++) {
		size_t ns[] = { 0, 1, 7, big };
		for (size_t a = 0; a < N_ELEMS(ns) - (k == 2); a++) {
			unsigned n = (unsigned)ns[a], cs[] = { 1, 3, n, 2 * n };
			every_once(wls[k], n, cs, N_ELEMS(cs));
		}
	}
}

static void test_sleep_every_task_once(void **state)
{
	unsigned n = memcheck() ? 50 : 200, cs[] = { 7, n, 2 * n };
	every_once("sleep:ms=5", n, cs, N_ELEMS(cs));
}

/* At most C in flight: lanes below C, and a lane runs one task at a time. */
static void test_lanes(void **state)
{
	const size_t n = 50;
	const unsigned c = 50;
	wl_spec w;

	make_wl(&w, "sleep:ms=20");
	for (int m = 0; m < NMODELS; m++) {
		if (skipped(m))
			continue;
		int rc;
		model_table *t = run_which(m, &w, n, c, &rc);
		check_all_once(t, model_names[m], n, c, rc);
		for (size_t a = 0; a < n; a++) {
			model_task *x = &t->task[a];
			assert_true(x->worker >= 0 && x->worker < (int)c);
			assert_true(x->end_ns - x->start_ns >= 20000000); /* sanity */
		}
		assert_lanes_serial(t, model_names[m]);
		model_table_free(t);
	}
	wl_release(&w);
}

/* ---- a test workload on real fds: a pipe to itself ----
 * Wait until the write end is writable, write 3 bytes, wait until the read
 * end is readable, read until EAGAIN (the edge-triggered contract), done
 * when all 3 came back. Both forms; the digest depends on i and the bytes. */

typedef struct {
	int fd[2];
	int got;
	uint64_t sum;
	uint64_t deadline;
} pipe_state;

static void pipe_close(pipe_state *s)
{
	close(s->fd[0]);
	close(s->fd[1]);
}

static int pipe_open(pipe_state *s, size_t i, wl_result *r)
{
	if (pipe2(s->fd, O_NONBLOCK | O_CLOEXEC) == 0)
		return 0;
	wl_fail(r, errno, "pipe: %s", strerror(errno));
	return -1;
}

static void pipe_put(pipe_state *s, size_t i)
{
	char b[3] = { (char)i, (char)(i >> 8), 'x' };
	assert_int_equal(write(s->fd[1], b, 3), 3);
}

/* Read what is there, until EAGAIN; 1 when all 3 bytes came. */
static int pipe_take(pipe_state *s)
{
	unsigned char c;
	while (read(s->fd[0], &c, 1) == 1) {
		s->sum = s->sum * 31 + c;
		s->got++;
	}
	return s->got == 3;
}

static int pipe_step(const wl_spec *w, size_t i, void *state, int ready, wl_wait *next,
		     wl_result *r)
{
	pipe_state *s = state;

	if (!ready) {
		if (pipe_open(s, i, r) < 0)
			return WL_STEP_DONE;
		s->deadline = wl_now_ns() + 60000000000ull;
		*next = (wl_wait){ s->fd[1], WL_WRITE, s->deadline };
		return WL_STEP_WAIT;
	}
	if (ready & WL_TIMEOUT) {
		pipe_close(s);
		wl_fail(r, ETIMEDOUT, "timed out");
		return WL_STEP_DONE;
	}
	if (ready & WL_WRITE)
		pipe_put(s, i);
	else if (pipe_take(s)) {
		pipe_close(s);
		r->digest = wl_digest_u64(s->sum ^ i);
		return WL_STEP_DONE;
	}
	*next = (wl_wait){ s->fd[0], WL_READ, s->deadline };
	return WL_STEP_WAIT;
}

static void pipe_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	pipe_state s = { 0 };
	uint64_t deadline = wl_now_ns() + 60000000000ull;

	if (pipe_open(&s, i, r) < 0)
		return;
	assert_true(io->wait_fd(io, s.fd[1], WL_WRITE, deadline) > 0);
	pipe_put(&s, i);
	while (!pipe_take(&s))
		assert_true(io->wait_fd(io, s.fd[0], WL_READ, deadline) > 0);
	pipe_close(&s);
	r->digest = wl_digest_u64(s.sum ^ i);
}

static const wl_param_def no_params[] = { { 0 } };

static const wl_kind wl_pipe = {
	.name = "pipe",
	.cls = "io",
	.params = no_params,
	.run = pipe_run,
	.step = pipe_step,
	.state_size = sizeof(pipe_state),
};

static uint64_t sequential_digest(const wl_spec *w, size_t n)
{
	model_spec m = { .kind = &model_sequential, .text = "sequential" };
	int rc;
	model_table *t = run_spec(&m, w, n, 1, &rc);
	check_all_once(t, "sequential", n, 1, rc);
	uint64_t d = run_digest(t);
	model_table_free(t);
	return d;
}

static void digests_agree(wl_spec *w, const char *name)
{
	const size_t n = 60;
	uint64_t want = sequential_digest(w, n);

	for (int m = 0; m < NMODELS; m++) {
		if (skipped(m))
			continue;
		int rc;
		model_table *t = run_which(m, w, n, 8, &rc);
		check_all_once(t, model_names[m], n, 8, rc);
		if (run_digest(t) != want)
			fail_msg("%s on %s: digest %016llx, want %016llx", model_names[m], name,
				 (unsigned long long)run_digest(t), (unsigned long long)want);
		model_table_free(t);
	}
}

static void test_digests(void **state)
{
	const char *const wls[] = { "null", "fib:n=15", "sleep:ms=1", "hash" };
	size_t fds0 = count_dir("/proc/self/fd");
	wl_spec w = { .kind = &wl_pipe };

	for (size_t k = 0; k < N_ELEMS(wls); k++) {
		wl_spec x;
		make_wl(&x, wls[k]);
		digests_agree(&x, wls[k]);
		wl_release(&x);
	}
	digests_agree(&w, "pipe");
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
}

/* ---- select's FD_SETSIZE: a limit, with nothing leaked ---- */

static void test_fd_setsize(void **state)
{
	struct rlimit rl;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < FD_SETSIZE + 64) {
		print_message("skipped: RLIMIT_NOFILE hard limit %llu is too low to pass "
			      "FD_SETSIZE (%d)\n",
			      (unsigned long long)rl.rlim_max, FD_SETSIZE);
		skip();
	}
	struct rlimit old = rl;
	if (rl.rlim_cur < FD_SETSIZE + 64) {
		rl.rlim_cur = FD_SETSIZE + 64;
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	size_t fds0 = count_dir("/proc/self/fd");
	int *dups = calloc(FD_SETSIZE, sizeof *dups), ndup = 0, fd;

	/* Fill the table so that the next pipes land at FD_SETSIZE - 3 on. */
	while ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < FD_SETSIZE - 4) {
		assert_true(fd >= 0);
		dups[ndup++] = fd;
	}
	dups[ndup++] = fd;

	wl_spec w = { .kind = &wl_pipe };
	int rc;
	model_table *t = run_which(0, &w, 8, 4, &rc);
	assert_int_equal(rc, MODEL_LIMIT);
	assert_int_equal(atomic_load(&t->status), MODEL_LIMIT);
	if (!strstr(t->why, "FD_SETSIZE") || !strstr(t->why, "1024"))
		fail_msg("why: %s", t->why);
	/* The task refused failed with EMFILE, those in flight were cancelled,
	 * none ran twice, and none started after. */
	assert_true(atomic_load(&t->nerr) >= 1);
	int refused = 0, ran = 0;
	for (size_t i = 0; i < 8; i++) {
		unsigned runs = atomic_load(&t->task[i].runs);
		assert_true(runs <= 1);
		ran += (int)runs;
		refused += t->task[i].err == EMFILE;
		if (runs)
			assert_true(t->task[i].err == EMFILE || t->task[i].err == ECANCELED);
	}
	assert_int_equal(refused, 1);
	assert_int_equal(atomic_load(&t->nerr), ran);
	assert_non_null(strstr(t->msg, "FD_SETSIZE"));
	model_table_free(t);

	/* poll and epoll take those fds in their stride. */
	for (int m = 1; m < NMODELS; m++) {
		if (skipped(m))
			continue;
		t = run_which(m, &w, 20, 10, &rc);
		check_all_once(t, model_names[m], 20, 10, rc);
		model_table_free(t);
	}
	for (int k = 0; k < ndup; k++)
		close(dups[k]);
	free(dups);
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
}

/* A step that waits for nothing would hang a loop: an error that says so. */
static int nothing_step(const wl_spec *w, size_t i, void *state, int ready, wl_wait *next,
			wl_result *r)
{
	if (ready)
		return WL_STEP_DONE;
	*next = (wl_wait){ .fd = -1 };
	return WL_STEP_WAIT;
}

static const wl_kind wl_nothing = {
	.name = "nothing",
	.cls = "io",
	.params = no_params,
	.step = nothing_step,
};

static void test_waits_for_nothing(void **state)
{
	wl_spec w = { .kind = &wl_nothing };
	for (int m = 0; m < NMODELS; m++) {
		if (skipped(m))
			continue;
		int rc;
		model_table *t = run_which(m, &w, 5, 2, &rc);
		assert_int_equal(rc, MODEL_ERROR);
		assert_non_null(strstr(t->why, "waits for nothing"));
		model_table_free(t);
	}
}

static void test_zero_concurrency(void **state)
{
	wl_spec w;
	make_wl(&w, "null");
	for (int m = 0; m < NMODELS; m++) {
		if (skipped(m))
			continue;
		int rc;
		model_table *t = run_which(m, &w, 5, 0, &rc);
		assert_int_equal(rc, MODEL_ERROR);
		assert_non_null(strstr(t->why, "concurrency"));
		assert_int_equal(atomic_load(&t->task[0].runs), 0);
		model_table_free(t);
	}
	wl_release(&w);
}

int main(void)
{
	uv_skipped("uv"); /* libuv's pipe for the process, before fds are counted */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_task_once),
		cmocka_unit_test(test_sleep_every_task_once),
		cmocka_unit_test(test_lanes),
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_fd_setsize),
		cmocka_unit_test(test_waits_for_nothing),
		cmocka_unit_test(test_zero_concurrency),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

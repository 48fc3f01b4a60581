/* test_uring.c - the io_uring backend and model: the limit where io_uring is missing, generations. */
/* CONCBENCH_FAULT_URING=1 makes io_uring_setup fail with EPERM: the run ends as a limit that says
 * so, in process and through the binary, before any task. The backend drops the completion of a
 * removed poll even when its fd number was reused; one-shot polls are level-triggered, multishot
 * ones edge-triggered; a poll busy with a wake-up when it is removed is removed all the same. The model's runs beside the other loops: test_looptasks.c, test_loop.c. */
#define _GNU_SOURCE
#include "tests/clirun.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "models/looptasks.h"
#include "tests/model_fixture.h"
#include "tests/uring_fixture.h"
#include "tests/wl_fixture.h"

static const loop_backend *const backends[] = { &loop_backend_uring, &loop_backend_uring_once };

static void check_why(const char *why)
{
	if (!strstr(why, "io_uring unavailable (io_uring_setup: EPERM: ") ||
	    !strstr(why, "kernel.io_uring_disabled") || !strstr(why, "CONCBENCH_FAULT_URING"))
		fail_msg("why: %s", why);
}

/* In process: uring_available, the backend and both forms of the model. */
static void test_fault_limit(void **state)
{
	const char *const names[] = { "uring", "uring:multishot=0" };
	char why[MODEL_MSGLEN];
	wl_spec w;

	setenv("CONCBENCH_FAULT_URING", "1", 1);
	assert_int_equal(uring_available(why, sizeof why), -EPERM);
	check_why(why);
	errno = 0;
	assert_null(loop_new(&loop_backend_uring, 16, 16, why, sizeof why));
	assert_int_equal(errno, EPERM);
	check_why(why);
	spec_make(&w, "null", NULL);
	spec_prepare(&w);
	for (size_t m = 0; m < N_ELEMS(names); m++) {
		int rc;
		model_table *t = run_model(names[m], &w, 5, 2, &rc);
		assert_int_equal(rc, MODEL_LIMIT);
		assert_int_equal(atomic_load(&t->status), MODEL_LIMIT);
		check_why(t->why);
		for (size_t i = 0; i < 5; i++) /* refused before any task */
			assert_int_equal(atomic_load(&t->task[i].runs), 0);
		model_table_free(t);
	}
	setenv("CONCBENCH_FAULT_URING", "0", 1); /* 0: no fault */
	if (uring_available(why, sizeof why) == 0) {
		int rc;
		model_table *t = run_model("uring", &w, 5, 2, &rc);
		check_all_once(t, "uring", 5, 2, rc);
		model_table_free(t);
	}
	unsetenv("CONCBENCH_FAULT_URING");
	wl_release(&w);
}

/* Through the binary: the uring row is a limit with its reason, epoll's is
 * fine, the exit status 1; and `list models` shows the model. */
static void test_fault_cli(void **state)
{
	setenv("CONCBENCH_FAULT_URING", "1", 1);
	result *r = RUN("run", "-w", "null", "-m", "epoll,uring", "-n", "4", "-c", "2", "--reps",
			"1", "-o", tmpdir, "--name", "fault", "--no-plot");
	unsetenv("CONCBENCH_FAULT_URING");
	assert_int_equal(r->code, 1);
	assert_non_null(strstr(r->out, "limit: io_uring unavailable (io_uring_setup: EPERM: "));
	char p[256], statuses[8][64], digests[8][20];
	path_in(p, sizeof p, "fault", "results.csv");
	assert_int_equal(csv_rows(p, statuses, digests, 8), 2);
	assert_string_equal(statuses[0], "ok");
	if (!strstr(statuses[1], "limit: io_uring unavailable")) /* quoted: it has commas */
		fail_msg("uring's status: %s", statuses[1]);

	r = RUN("list", "models");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "uring"));
	assert_non_null(strstr(r->out, "multishot"));
}

/* ---- the backend ---- */

static void on_never(loop *l, int fd, int ready, void *arg)
{
	fail_msg("fd %d reported ready (%d)", fd, ready);
}

static void stop_now(loop *l, void *arg)
{
	loop_stop(l);
}

static void unwatch(loop *l, void *arg)
{
	assert_int_equal(loop_watch(l, *(int *)arg, 0, NULL, NULL), 0);
}

/* Reads one byte a call and counts the calls. */
static void read_one(loop *l, int fd, int ready, void *arg)
{
	char c;
	assert_int_equal(ready, WL_READ);
	assert_int_equal(read(fd, &c, 1), 1);
	++*(int *)arg;
}

/* A poll armed in the kernel, then its fd closed (the poll still holds the
 * pipe) and the pipe written: whatever the old poll completes with names
 * the fd number, which a new pipe now has. Not news for the new pipe. */
static void test_reused_fd_number(void **state)
{
	size_t fds0 = count_dir("/proc/self/fd");

	for (size_t b = 0; b < N_ELEMS(backends); b++) {
		char err[MODEL_MSGLEN];
		int p[2], q[2], calls = 0;
		if (uring_skipped(backends[b]->name))
			return;
		loop *l = loop_new(backends[b], 16, 16, err, sizeof err);
		assert_non_null(l);
		assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
		assert_int_equal(loop_watch(l, p[0], WL_READ, on_never, NULL), 0);
		assert_true(loop_timer(l, wl_now_ns() + 2000000, stop_now, NULL) > 0);
		assert_int_equal(loop_run(l), 0); /* the poll is in the kernel now */
		int old = p[0];
		assert_int_equal(loop_watch_close(l, p[0]), 0);
		assert_int_equal(write(p[1], "x", 1), 1);
		assert_int_equal(pipe2(q, O_NONBLOCK | O_CLOEXEC), 0);
		assert_int_equal(q[0], old); /* the lowest free number */
		assert_int_equal(loop_watch(l, q[0], WL_READ, on_never, NULL), 0);
		assert_true(loop_timer(l, wl_now_ns() + 20000000, unwatch, &q[0]) > 0);
		assert_int_equal(loop_run(l), 0);

		/* News for the new pipe is delivered, once. */
		assert_int_equal(loop_watch(l, q[0], WL_READ, read_one, &calls), 0);
		assert_int_equal(write(q[1], "y", 1), 1);
		assert_true(loop_timer(l, wl_now_ns() + 20000000, unwatch, &q[0]) > 0);
		assert_int_equal(loop_run(l), 0);
		assert_int_equal(calls, 1);
		loop_free(l);
		close(p[1]);
		close(q[0]);
		close(q[1]);
	}
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
}

/* Re-arms itself `*left` times, a loop turn each. */
static void turns(loop *l, void *arg)
{
	if (--*(int *)arg > 0)
		assert_true(loop_timer(l, wl_now_ns() + 1000000, turns, arg) > 0);
}

/* A socket whose peer wrote just before it was closed: its poll is busy with
 * that wake-up when the removal comes (EALREADY), and must be removed again,
 * or it holds the socket open for good and the peer never sees the end. */
static void test_close_while_woken(void **state)
{
	size_t fds0 = count_dir("/proc/self/fd");

	for (size_t b = 0; b < N_ELEMS(backends); b++) {
		char err[MODEL_MSGLEN], c;
		if (uring_skipped(backends[b]->name))
			return;
		loop *l = loop_new(backends[b], 16, 16, err, sizeof err);
		assert_non_null(l);
		for (int k = 0; k < 50; k++) {
			int p[2], left;
			assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, p), 0);
			assert_int_equal(loop_watch(l, p[0], WL_READ, on_never, NULL), 0);
			assert_true(loop_timer(l, 0, stop_now, NULL) > 0);
			assert_int_equal(loop_run(l), 0); /* the poll is in the kernel now */
			assert_int_equal(write(p[1], "x", 1), 1);
			assert_int_equal(loop_watch_close(l, p[0]), 0);
			left = 5;
			assert_true(loop_timer(l, 0, turns, &left) > 0);
			assert_int_equal(loop_run(l), 0);
			/* closed with a byte unread: the peer reads ECONNRESET, not EAGAIN */
			ssize_t n = read(p[1], &c, 1);
			if (n != 0 && !(n < 0 && errno == ECONNRESET))
				fail_msg("%s, round %d: the closed socket is still open (%s)",
					 backends[b]->name, k, n < 0 ? strerror(errno) : "data");
			close(p[1]);
		}
		loop_free(l);
	}
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
}

/* Linux 5.13 or later: multishot polls, else one-shot ones everywhere. */
static int has_multishot(void)
{
	struct utsname u;
	int major = 0, minor = 0;
	if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return 0;
	return major > 5 || (major == 5 && minor >= 13);
}

/* Two bytes, a callback that reads one: one-shot polls, re-armed each turn,
 * report the byte left (level); a multishot poll waits for the next write
 * (edge, as epoll:et=1). */
static void test_level_and_edge(void **state)
{
	for (size_t b = 0; b < N_ELEMS(backends); b++) {
		char err[MODEL_MSGLEN];
		int p[2], calls = 0, edge = b == 0 && has_multishot();
		if (uring_skipped(backends[b]->name))
			return;
		loop *l = loop_new(backends[b], 16, 16, err, sizeof err);
		assert_non_null(l);
		assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
		assert_int_equal(write(p[1], "ab", 2), 2);
		assert_int_equal(loop_watch(l, p[0], WL_READ, read_one, &calls), 0);
		assert_true(loop_timer(l, wl_now_ns() + 30000000, stop_now, NULL) > 0);
		assert_int_equal(loop_run(l), 0);
		assert_int_equal(calls, edge ? 1 : 2);
		if (edge) { /* a new write is a new edge: the old byte comes now */
			assert_int_equal(write(p[1], "c", 1), 1);
			assert_true(loop_timer(l, wl_now_ns() + 30000000, stop_now, NULL) > 0);
			assert_int_equal(loop_run(l), 0);
			assert_int_equal(calls, 2);
		}
		loop_free(l);
		close(p[0]);
		close(p[1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault_limit),
		cmocka_unit_test(test_fault_cli),
		cmocka_unit_test(test_reused_fd_number),
		cmocka_unit_test(test_level_and_edge),
		cmocka_unit_test(test_close_while_woken),
	};
	return cmocka_run_group_tests_name("uring", tests, setup, teardown);
}

/* test_loop.c - the event loop: timers fire in deadline order, callbacks may change anything. */
/* Timers never fire after a cancel, stale ids cancel nothing, and each backend reports read and
 * write readiness, for many fds and for a high one, and closes a watched fd in one call (epoll, uring:
 * and watches for a hang-up alone). The models on the loop: test_looptasks.c; uring: test_uring.c. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "models/epoll.h"
#include "models/looptasks.h"
#include "models/poll.h"
#include "models/select.h"
#include "tests/model_fixture.h"
#include "tests/uring_fixture.h"

static const loop_backend *const backends[] = { &loop_backend_select, &loop_backend_poll,
						&loop_backend_epoll, &loop_backend_epoll_et,
						&loop_backend_uring, &loop_backend_uring_once };

static int memcheck(void)
{
	return getenv("CB_MEMCHECK") != NULL;
}

static uint64_t rng(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static loop *new_loop(const loop_backend *be)
{
	char err[MODEL_MSGLEN];
	loop *l = loop_new(be, 16, 16, err, sizeof err);
	if (!l)
		fail_msg("%s: %s", be->name, err);
	return l;
}

/* ---- timers ---- */

typedef struct {
	uint64_t *fired; /* deadlines, in firing order */
	size_t nfired;
	char *done; /* per timer: fired */
} fire_log;

typedef struct {
	fire_log *log;
	size_t k;
	uint64_t deadline;
} timer_arg;

static void log_fire(loop *l, void *arg)
{
	timer_arg *a = arg;
	assert_int_equal(a->log->done[a->k], 0);
	a->log->done[a->k] = 1;
	a->log->fired[a->log->nfired++] = a->deadline;
}

/* Random deadlines, all already past, so one round fires them all in heap
 * order; random cancels (some twice) must never fire; stale ids must not
 * cancel the timers that reuse their slots. */
static void heap_order(size_t n)
{
	loop *l = new_loop(&loop_backend_poll);
	timer_arg *a = calloc(n, sizeof *a);
	int64_t *id = calloc(n, sizeof *id);
	char *cancelled = calloc(n, 1);
	fire_log log = { calloc(n, sizeof(uint64_t)), 0, calloc(n, 1) };
	uint64_t s = 88172645463325252ull;
	size_t want = 0;

	for (size_t k = 0; k < n; k++) {
		a[k] = (timer_arg){ &log, k, 1 + rng(&s) % 1000000 };
		id[k] = loop_timer(l, a[k].deadline, log_fire, &a[k]);
		assert_true(id[k] > 0);
		if (k && rng(&s) % 3 == 0) { /* cancel an earlier one */
			size_t j = rng(&s) % k;
			loop_cancel(l, id[j]);
			cancelled[j] = 1;
		}
	}
	for (size_t k = 0; k < n; k++)
		want += !cancelled[k];
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(log.nfired, want);
	for (size_t k = 1; k < log.nfired; k++)
		assert_true(log.fired[k - 1] <= log.fired[k]);
	for (size_t k = 0; k < n; k++)
		assert_int_equal(log.done[k], !cancelled[k]);

	/* Every old id is stale now: cancelling them touches no new timer. */
	memset(log.done, 0, n);
	log.nfired = 0;
	for (size_t k = 0; k < n / 2; k++)
		assert_true(loop_timer(l, a[k].deadline, log_fire, &a[k]) > 0);
	for (size_t k = 0; k < n; k++)
		loop_cancel(l, id[k]);
	loop_cancel(l, 0);
	loop_cancel(l, -5);
	loop_cancel(l, INT64_MAX);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(log.nfired, n / 2);
	loop_free(l);
	free(a);
	free(id);
	free(cancelled);
	free(log.fired);
	free(log.done);
}

static void test_heap_order(void **state)
{
	heap_order(10000);
}

static void test_heap_scale(void **state)
{
	heap_order(memcheck() ? 20000 : 100000);
}

typedef struct {
	int fired, chain;
	int64_t victim;
	int victim_fired;
} reent;

static void victim(loop *l, void *arg)
{
	((reent *)arg)->victim_fired = 1;
}

static void stopper(loop *l, void *arg)
{
	((reent *)arg)->fired++;
	loop_stop(l);
}

/* Re-arms itself (at a past deadline) until the chain runs out; the first
 * call also cancels the victim, due later. */
static void chain(loop *l, void *arg)
{
	reent *r = arg;
	r->fired++;
	if (r->victim) {
		loop_cancel(l, r->victim);
		r->victim = 0;
	}
	if (--r->chain > 0)
		assert_true(loop_timer(l, 0, chain, r) > 0);
}

static void test_timers_reentrant(void **state)
{
	loop *l = new_loop(&loop_backend_epoll);
	reent r = { .chain = 100 };

	r.victim = loop_timer(l, wl_now_ns() + 60000000000ull, victim, &r);
	assert_true(loop_timer(l, 5, chain, &r) > 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(r.fired, 100);
	assert_int_equal(r.victim_fired, 0);

	/* A stop returns from loop_run; the next run goes on. */
	reent s = { 0 };
	uint64_t t0 = wl_now_ns();
	assert_true(loop_timer(l, 0, stopper, &s) > 0);
	assert_true(loop_timer(l, t0 + 2000000, stopper, &s) > 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(s.fired, 1);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(s.fired, 2);
	assert_true(wl_now_ns() >= t0 + 2000000); /* sanity: not early */
	assert_int_equal(loop_run(l), 0);         /* nothing left: returns */
	loop_free(l);
}

/* A timer that keeps re-arming itself at a past deadline (coro's turn for
 * its run queue does) must not hold back an older timer that is due: the
 * older one fires within a few iterations, and the re-armer stops then. */
typedef struct {
	int rearms, late_fired;
} greedy;

static void greedy_fn(loop *l, void *arg)
{
	greedy *g = arg;
	if (!g->late_fired && ++g->rearms < 1000000)
		assert_true(loop_timer(l, 0, greedy_fn, g) > 0);
}

static void late_fn(loop *l, void *arg)
{
	((greedy *)arg)->late_fired = 1;
}

static void test_timers_rearm_fair(void **state)
{
	loop *l = new_loop(&loop_backend_epoll);
	greedy g = { 0 };
	uint64_t t0 = wl_now_ns();

	assert_true(loop_timer(l, t0 + 1000000, late_fn, &g) > 0);
	assert_true(loop_timer(l, 0, greedy_fn, &g) > 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(g.late_fired, 1);
	assert_true(g.rearms < 1000000); /* it fired while the other kept going */
	loop_free(l);
}

/* ---- fds on each backend ---- */

typedef struct {
	int calls, last_ready;
	int other; /* an fd this callback unwatches, or -1 */
	int64_t timer;
} fd_arg;

static void on_read(loop *l, int fd, int ready, void *arg)
{
	fd_arg *a = arg;
	char c;
	a->calls++;
	a->last_ready = ready;
	assert_int_equal(read(fd, &c, 1), 1);
	assert_int_equal(loop_watch(l, fd, 0, NULL, NULL), 0);
	if (a->other >= 0)
		assert_int_equal(loop_watch(l, a->other, 0, NULL, NULL), 0);
	if (a->timer)
		loop_cancel(l, a->timer);
}

static void on_write(loop *l, int fd, int ready, void *arg)
{
	fd_arg *a = arg;
	a->calls++;
	a->last_ready = ready;
	loop_watch(l, fd, 0, NULL, NULL);
}

static void on_never(loop *l, int fd, int ready, void *arg)
{
	fail_msg("fd %d reported ready", fd);
}

static void unwatch_timer(loop *l, void *arg)
{
	int *fd = arg;
	assert_int_equal(loop_watch(l, *fd, 0, NULL, NULL), 0);
}

static void test_fd_readiness(void **state)
{
	size_t fds0 = count_dir("/proc/self/fd");

	for (size_t b = 0; b < N_ELEMS(backends); b++) {
		int p[2], q[2];
		if (uring_skipped(backends[b]->name))
			continue;
		loop *l = new_loop(backends[b]);
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, q), 0);

		/* Read readiness; the loop returns once nothing is watched. */
		fd_arg a = { .other = -1 };
		assert_int_equal(loop_watch(l, p[0], WL_READ, on_read, &a), 0);
		assert_int_equal(write(p[1], "x", 1), 1);
		assert_int_equal(loop_run(l), 0);
		assert_int_equal(a.calls, 1);
		assert_int_equal(a.last_ready, WL_READ);

		/* Write readiness: a fresh socket can be written at once. */
		fd_arg w = { .other = -1 };
		assert_int_equal(loop_watch(l, p[1], WL_WRITE, on_write, &w), 0);
		assert_int_equal(loop_run(l), 0);
		assert_int_equal(w.calls, 1);
		assert_int_equal(w.last_ready, WL_WRITE);

		/* Two ready at once; the first callback unwatches the other, whose
		 * event is then not delivered. */
		fd_arg x = { .other = q[0] }, y = { .other = p[0] };
		assert_int_equal(loop_watch(l, p[0], WL_READ, on_read, &x), 0);
		assert_int_equal(loop_watch(l, q[0], WL_READ, on_read, &y), 0);
		assert_int_equal(write(p[1], "x", 1), 1);
		assert_int_equal(write(q[1], "x", 1), 1);
		assert_int_equal(loop_run(l), 0);
		assert_int_equal(x.calls + y.calls, 1);
		char c;
		assert_int_equal(read(x.calls ? q[0] : p[0], &c, 1), 1);

		/* An fd that never becomes ready, and a timer that gives up on it. */
		uint64_t t0 = wl_now_ns();
		assert_int_equal(loop_watch(l, p[0], WL_READ, on_never, NULL), 0);
		assert_true(loop_timer(l, t0 + 3000000, unwatch_timer, &p[0]) > 0);
		assert_int_equal(loop_run(l), 0);
		assert_true(wl_now_ns() >= t0 + 3000000);

		/* Data and a timer: the data wins and cancels the timer. */
		fd_arg d = { .other = -1 };
		d.timer = loop_timer(l, wl_now_ns() + 60000000000ull, victim, NULL);
		assert_int_equal(loop_watch(l, p[0], WL_READ, on_read, &d), 0);
		assert_int_equal(write(p[1], "x", 1), 1);
		assert_int_equal(loop_run(l), 0);
		assert_int_equal(d.calls, 1);

		loop_free(l);
		close(p[0]);
		close(p[1]);
		close(q[0]);
		close(q[1]);
	}
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
}

typedef struct {
	int *left;
} drain_arg;

static void drain(loop *l, int fd, int ready, void *arg)
{
	char c;
	assert_int_equal(read(fd, &c, 1), 1);
	loop_watch(l, fd, 0, NULL, NULL);
	--*(int *)arg;
}

/* Many fds, all ready at once, and one with a large number (the fd table
 * grows to reach it); select only where it can. */
static void test_many_fds(void **state)
{
	struct rlimit rl;
	int npipes = memcheck() ? 500 : 4000;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < (rlim_t)(2 * npipes + 64))
		npipes = (int)(rl.rlim_cur - 64) / 2;
	int *p = calloc(2 * (size_t)npipes, sizeof *p);
	int high = (int)rl.rlim_cur - 1;

	for (int k = 0; k < npipes; k++) {
		assert_int_equal(pipe(p + 2 * k), 0);
		assert_int_equal(write(p[2 * k + 1], "x", 1), 1);
	}
	assert_int_equal(dup2(p[0], high), high);
	for (size_t b = 1; b < N_ELEMS(backends); b++) {
		if (uring_skipped(backends[b]->name))
			continue;
		loop *l = new_loop(backends[b]);
		int left = npipes;
		for (int k = 0; k < npipes; k++)
			assert_int_equal(loop_watch(l, p[2 * k], WL_READ, drain, &left), 0);
		assert_int_equal(loop_run(l), 0);
		assert_int_equal(left, 0);
		for (int k = 0; k < npipes; k++)
			assert_int_equal(write(p[2 * k + 1], "x", 1), 1);
		left = 1;
		assert_int_equal(loop_watch(l, high, WL_READ, drain, &left), 0);
		assert_int_equal(loop_run(l), 0);
		assert_int_equal(left, 0);
		/* p[0] shares high's pipe: its byte is gone; refill it. */
		assert_int_equal(write(p[1], "x", 1), 1);
		loop_free(l);
	}
	/* select: the high fd is refused with a message naming FD_SETSIZE. */
	loop *l = new_loop(&loop_backend_select);
	if (high >= FD_SETSIZE) {
		assert_int_equal(loop_watch(l, high, WL_READ, drain, NULL), -EMFILE);
		assert_non_null(strstr(loop_error(l), "FD_SETSIZE"));
	}
	loop_free(l);
	close(high);
	for (int k = 0; k < 2 * npipes; k++)
		close(p[k]);
	free(p);
}

static void on_hup(loop *l, int fd, int ready, void *arg)
{
	*(int *)arg = ready;
	assert_int_equal(loop_watch_close(l, fd), 0);
}

/* loop_watch_close stops watching and closes, on every backend; LOOP_HUP
 * (epoll, uring) wakes for a hang-up and not for the bytes sent before it. */
static void test_hup_and_watch_close(void **state)
{
	size_t fds0 = count_dir("/proc/self/fd");
	for (size_t b = 0; b < N_ELEMS(backends); b++) {
		int p[2], ready = 0,
			  hup = backends[b] != &loop_backend_select &&
				backends[b] != &loop_backend_poll;
		if (uring_skipped(backends[b]->name))
			continue;
		loop *l = new_loop(backends[b]);
		reent r = { 0 };
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p), 0);
		assert_int_equal(loop_watch(l, p[0], hup ? LOOP_HUP : WL_READ, on_hup, &ready), 0);
		assert_int_equal(write(p[1], "x", 1), 1);
		if (hup) { /* the byte wakes nobody: the timer ends the run */
			assert_true(loop_timer(l, wl_now_ns() + 20000000, stopper, &r) > 0);
			assert_int_equal(loop_run(l), 0);
			assert_int_equal(r.fired, 1);
			assert_int_equal(ready, 0);
			close(p[1]);
		}
		assert_int_equal(loop_run(l), 0); /* returns once p[0] is closed */
		assert_int_equal(ready, hup ? LOOP_HUP : WL_READ);
		assert_int_equal(fcntl(p[0], F_GETFD), -1);
		if (!hup)
			close(p[1]);
		loop_free(l);
	}
	assert_int_equal(count_dir("/proc/self/fd"), fds0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_order),
		cmocka_unit_test(test_heap_scale),
		cmocka_unit_test(test_timers_reentrant),
		cmocka_unit_test(test_timers_rearm_fair),
		cmocka_unit_test(test_fd_readiness),
		cmocka_unit_test(test_many_fds),
		cmocka_unit_test(test_hup_and_watch_close),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

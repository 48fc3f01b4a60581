/* test_loop_ready.c - the loop's ready queue (loop_soon): one turn runs what is ready, in order. */
/* Callbacks run first-asked-first, with those they add, without a backend wait between them (a
 * wait is counted by a backend that wraps epoll's); a callback that keeps adding itself does not
 * starve a ready fd or a due timer; with nothing watched a turn asks the backend nothing; a
 * loop_stop leaves the rest queued, in order. Step-less tasks on the loop models run N null tasks
 * without a single backend wait. The loop itself: test_loop.c. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "models/epoll.h"
#include "harness/run/spec.h"
#include "models/looptasks.h"
#include "tests/model_fixture.h"

/* ---- a backend that counts its waits, on top of epoll's ---- */

static int waits;

static int counting_wait(loop *l, int64_t timeout_ns, loop_event *ev, int max)
{
	waits++;
	return loop_backend_epoll.wait(l, timeout_ns, ev, max);
}

static loop_backend counting;

static loop *new_loop(void)
{
	char err[MODEL_MSGLEN];
	counting = loop_backend_epoll;
	counting.name = "epoll";
	counting.wait = counting_wait;
	waits = 0;
	loop *l = loop_new(&counting, 16, 16, err, sizeof err);
	if (!l)
		fail_msg("%s", err);
	return l;
}

/* ---- order, and what callbacks add ---- */

enum { CHAIN = 1000 };

typedef struct {
	int order[2 * CHAIN];
	int n;
	int next; /* the number the next callback added gets */
	int add;  /* how many more each callback adds */
} chain_log;

typedef struct {
	chain_log *log;
	int k;
} chain_arg;

static chain_arg args[2 * CHAIN];

static void chained(loop *l, void *arg)
{
	chain_arg *a = arg;
	chain_log *g = a->log;
	g->order[g->n++] = a->k;
	if (g->n == 2 * CHAIN)
		loop_stop(l); /* the fd watched would keep the loop waiting */
	if (g->add > 0 && g->next < 2 * CHAIN) {
		g->add--;
		args[g->next] = (chain_arg){ g, g->next };
		assert_int_equal(loop_soon(l, chained, &args[g->next]), 0);
		g->next++;
	}
}

static void never_fd(loop *l, int fd, int ready, void *arg)
{
	fail_msg("fd %d was never written", fd);
}

/* 1000 asked for at once (the ring grows past 64 and wraps while it
 * drains), then 1000 more added one by one by the callbacks: all in the
 * order asked. With an fd watched, the backend is asked at most once per 16
 * callbacks (the clock is read only that often); a timer at deadline 0 per
 * callback would have cost 2000 waits. */
static void test_order_and_turns(void **state)
{
	loop *l = new_loop();
	chain_log g = { .next = CHAIN, .add = CHAIN };
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_watch(l, p[0], WL_READ, never_fd, NULL), 0);
	for (int k = 0; k < CHAIN; k++) {
		args[k] = (chain_arg){ &g, k };
		assert_int_equal(loop_soon(l, chained, &args[k]), 0);
	}
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(g.n, 2 * CHAIN);
	for (int k = 0; k < 2 * CHAIN; k++)
		assert_int_equal(g.order[k], k);
	assert_true(waits <= 2 * CHAIN / 16 + 2);
	loop_watch(l, p[0], 0, NULL, NULL);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

/* With nothing watched, a chain of ready callbacks and timers already due
 * runs without a single wait; loop_run ends when the queue is empty. */
static void due_timer(loop *l, void *arg)
{
	chained(l, arg);
}

static void test_no_wait_when_nothing_watched(void **state)
{
	loop *l = new_loop();
	chain_log g = { .next = 3, .add = 500 }; /* stops at 503, short of 2 * CHAIN */

	args[0] = (chain_arg){ &g, 0 };
	args[1] = (chain_arg){ &g, 1 };
	args[2] = (chain_arg){ &g, 2 };
	assert_int_equal(loop_soon(l, chained, &args[0]), 0);
	assert_true(loop_timer(l, 1, due_timer, &args[1]) > 0); /* long past */
	assert_int_equal(loop_soon(l, chained, &args[2]), 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(g.n, 503);
	assert_int_equal(waits, 0);
	/* the timer fired before the queue ran, as the turn's order says */
	assert_int_equal(g.order[0], 1);
	assert_int_equal(g.order[1], 0);
	assert_int_equal(g.order[2], 2);
	loop_free(l);
}

/* ---- fairness ---- */

typedef struct {
	int fd_fired, timer_fired;
	long readds;
} greedy;

static void greedy_fn(loop *l, void *arg)
{
	greedy *g = arg;
	if ((!g->fd_fired || !g->timer_fired) && ++g->readds < 100000000)
		assert_int_equal(loop_soon(l, greedy_fn, g), 0);
}

static void greedy_fd(loop *l, int fd, int ready, void *arg)
{
	greedy *g = arg;
	char c;
	assert_int_equal(read(fd, &c, 1), 1);
	loop_watch(l, fd, 0, NULL, NULL);
	g->fd_fired = 1;
}

static void greedy_timer(loop *l, void *arg)
{
	((greedy *)arg)->timer_fired = 1;
}

/* A callback that adds itself again and again holds up neither a ready fd
 * nor a timer that comes due: both fire, and then it stops. */
static void test_greedy_does_not_starve(void **state)
{
	loop *l = new_loop();
	greedy g = { 0 };
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_watch(l, p[0], WL_READ, greedy_fd, &g), 0);
	assert_true(loop_timer(l, wl_now_ns() + 2000000, greedy_timer, &g) > 0);
	assert_int_equal(loop_soon(l, greedy_fn, &g), 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(g.fd_fired, 1);
	assert_int_equal(g.timer_fired, 1);
	assert_true(g.readds < 100000000);
	close(p[0]);
	close(p[1]);
	loop_free(l);
}

/* ---- loop_stop from the queue ---- */

typedef struct {
	int ran[4], n;
} stop_log;

static stop_log slog;

static void rec(loop *l, void *arg)
{
	slog.ran[slog.n++] = (int)(intptr_t)arg;
	if ((intptr_t)arg == 1)
		loop_stop(l);
}

static void test_stop_keeps_the_rest(void **state)
{
	loop *l = new_loop();
	memset(&slog, 0, sizeof slog);
	for (intptr_t k = 0; k < 4; k++)
		assert_int_equal(loop_soon(l, rec, (void *)k), 0);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(slog.n, 2);
	assert_int_equal(loop_run(l), 0);
	assert_int_equal(slog.n, 4);
	for (int k = 0; k < 4; k++)
		assert_int_equal(slog.ran[k], k);
	loop_free(l);
}

/* ---- tasks without a step on the loop ---- */

/* N null tasks (no step: each runs whole, inline) on one lane and on four:
 * every task once, and not one backend wait - they start from the ready
 * queue, not from a timer due now, which cost a wait (a system call) each. */
static void test_null_tasks_no_waits(void **state)
{
	const unsigned cs[] = { 1, 4 };
	for (size_t j = 0; j < 2; j++) {
		model_spec m;
		wl_spec w;
		char err[WL_ERRLEN];
		assert_int_equal(spec_workload("null", 0, &w, err, sizeof err), 0);
		model_make(&m, "epoll", 0);
		model_table *t = model_table_new(2000);
		wl_spec run = w;
		model_run r = { .model = &m, .wl = &run, .n = t->n, .c = cs[j], .table = t };
		assert_non_null(t);
		waits = 0;
		counting = loop_backend_epoll;
		counting.wait = counting_wait;
		assert_int_equal(wl_begin(&run, t->n, err, sizeof err), 0);
		t->t0_ns = wl_now_ns();
		int rc = loop_run_tasks(&r, &counting);
		wl_end(&run);
		check_all_once(t, "epoll", t->n, cs[j], rc);
		assert_int_equal(waits, 0);
		model_table_free(t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_turns),
		cmocka_unit_test(test_no_wait_when_nothing_watched),
		cmocka_unit_test(test_greedy_does_not_starve),
		cmocka_unit_test(test_stop_keeps_the_rest),
		cmocka_unit_test(test_null_tasks_no_waits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

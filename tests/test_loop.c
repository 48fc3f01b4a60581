/*
 * test_loop.c - the event loop and the models on it: timers fire in deadline
 * order and never after a cancel, callbacks may change anything, each backend
 * reports readiness, and the select, poll and epoll models run every task
 * exactly once with the digest of the sequential model, in at most C lanes,
 * stopping as a limit where select's FD_SETSIZE ends, leaking no fd.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

#include "../harness/spec.h"
#include "../models/loop.h"
#include "model_fixture.h"

extern const model_kind model_select, model_poll, model_epoll, model_sequential;

static const loop_backend *const backends[] = { &loop_backend_select, &loop_backend_poll,
						&loop_backend_epoll, &loop_backend_epoll_et };
enum { NMODELS = 4 }; /* select, poll, epoll, epoll:et=1 */

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

/* ---- the models ---- */

static const char *const model_names[NMODELS] = { "select", "poll", "epoll", "epoll:et=1" };

static void make_model(model_spec *m, int which)
{
	const model_kind *kinds[NMODELS] = { &model_select, &model_poll, &model_epoll,
					     &model_epoll };
	memset(m, 0, sizeof *m);
	m->kind = kinds[which];
	snprintf(m->text, sizeof m->text, "%s", model_names[which]);
	if (which == 3) {
		m->o[0].def = &model_epoll.opts[0];
		assert_string_equal(m->o[0].def->name, "et");
		m->o[0].num = 1;
		m->nopts = 1;
	}
}

static void make_wl(wl_spec *w, const char *text)
{
	char err[256];
	if (spec_workload(text, 0, w, err, sizeof err) < 0 || wl_prepare(w, err, sizeof err) < 0)
		fail_msg("%s: %s", text, err);
}

static void check_all_once(model_table *t, const char *model, size_t n, unsigned c, int rc)
{
	size_t lanes = c < n ? c : n;

	if (rc != MODEL_OK)
		fail_msg("%s n=%zu c=%u: rc %d: %s / %s", model, n, c, rc, t->why, t->msg);
	assert_int_equal(atomic_load(&t->nerr), 0);
	assert_string_equal(t->why, "");
	for (size_t i = 0; i < n; i++) {
		model_task *k = &t->task[i];
		if (atomic_load(&k->runs) != 1)
			fail_msg("%s n=%zu c=%u: task %zu ran %u times", model, n, c, i,
				 atomic_load(&k->runs));
		assert_true(k->worker >= 0 && (size_t)k->worker < lanes);
		assert_true(k->start_ns >= t->t0_ns);
		assert_true(k->end_ns >= k->start_ns);
		assert_int_equal(k->err, 0);
	}
}

static uint64_t run_digest(model_table *t)
{
	uint64_t acc = 0;
	for (size_t i = 0; i < t->n; i++)
		acc = wl_run_digest_add(acc, i, t->task[i].digest);
	return acc;
}

/* Every model, N tasks, each C in cs (C = 0 skipped). */
static void every_once(const char *wl, size_t n, const unsigned *cs, size_t ncs)
{
	size_t fds0 = count_dir("/proc/self/fd");
	wl_spec w;

	make_wl(&w, wl);
	for (int m = 0; m < NMODELS; m++)
		for (size_t b = 0; b < ncs; b++) {
			model_spec ms;
			int rc;
			if (!cs[b])
				continue;
			make_model(&ms, m);
			model_table *t = run_spec(&ms, &w, n, cs[b], &rc);
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
		model_spec ms;
		int rc;
		make_model(&ms, m);
		model_table *t = run_spec(&ms, &w, n, c, &rc);
		check_all_once(t, model_names[m], n, c, rc);
		for (size_t a = 0; a < n; a++) {
			model_task *x = &t->task[a];
			assert_true(x->worker >= 0 && x->worker < (int)c);
			assert_true(x->end_ns - x->start_ns >= 20000000); /* sanity */
			for (size_t b = 0; b < n; b++) {
				model_task *y = &t->task[b];
				if (a == b || x->worker != y->worker)
					continue;
				if (!(x->end_ns <= y->start_ns || y->end_ns <= x->start_ns))
					fail_msg("%s: tasks %zu and %zu overlap on lane %d",
						 model_names[m], a, b, x->worker);
			}
		}
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
		model_spec ms;
		int rc;
		make_model(&ms, m);
		model_table *t = run_spec(&ms, w, n, 8, &rc);
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
	model_spec ms;
	int rc;
	make_model(&ms, 0);
	model_table *t = run_spec(&ms, &w, 8, 4, &rc);
	assert_int_equal(rc, MODEL_LIMIT);
	assert_int_equal(atomic_load(&t->status), MODEL_LIMIT);
	if (!strstr(t->why, "FD_SETSIZE") || !strstr(t->why, "1024"))
		fail_msg("why: %s", t->why);
	assert_true(atomic_load(&t->nerr) >=
		    1); /* The task refused failed with EMFILE, those in flight were cancelled,
			 * none ran twice, and none started after. */
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
		make_model(&ms, m);
		t = run_spec(&ms, &w, 20, 10, &rc);
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
		model_spec ms;
		int rc;
		make_model(&ms, m);
		model_table *t = run_spec(&ms, &w, 5, 2, &rc);
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
		model_spec ms;
		int rc;
		make_model(&ms, m);
		model_table *t = run_spec(&ms, &w, 5, 0, &rc);
		assert_int_equal(rc, MODEL_ERROR);
		assert_non_null(strstr(t->why, "concurrency"));
		assert_int_equal(atomic_load(&t->task[0].runs), 0);
		model_table_free(t);
	}
	wl_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heap_order),
		cmocka_unit_test(test_heap_scale),
		cmocka_unit_test(test_timers_reentrant),
		cmocka_unit_test(test_fd_readiness),
		cmocka_unit_test(test_many_fds),
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

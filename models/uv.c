/*
 * uv.c - the "uv" model: the resumable tasks on libuv's loop.
 *
 * libuv was written for Node.js in 2011 (Ryan Dahl, Bert Belder, Ben
 * Noordhuis) to replace libev and libeio, which had no Windows: one loop
 * over epoll, kqueue, event ports and IOCP, and a thread pool for what those
 * cannot wait on (files, DNS, user work). Node.js, uvloop (asyncio's fast
 * loop), Julia and Neovim run on it. It wins by being portable and mature:
 * one API on every OS, a decade of production fixes. What it costs: all is
 * a callback on a handle the caller allocates and closes asynchronously (a
 * uv_poll_t per fd, malloc'd here, freed in its close callback); each
 * uv_poll_start takes the fd out of epoll and puts it back (uv_poll_init
 * adds and removes it once more, to check it); its own timer heap counts
 * whole milliseconds (a deadline is rounded up to the next one).
 *
 * The production reference beside our loops, so libuv owns the waiting and
 * the timers: a lane (a task in flight, as in looptasks.c) is a uv_timer_t
 * for its task's deadline and a uv_poll_t for the fd it waits on, and
 * uv_run is the loop. Not a loop_backend under loop.c: that would keep the
 * timers in loop.c's heap and use libuv as a mere epoll. The lane logic is
 * looptasks.c's (same names, same order; its lanes are loop.c's, so shared
 * code would need an interface over both loops for some forty lines). As
 * there, a task's fd is watched only while it waits on it: its handle is
 * closed the moment it waits on something else, before the step can close
 * the fd and the number be reused. Without libuv (CB_HAVE_UV unset) each
 * run is a limit that says so.
 */
#include "models/uv.h"
#include "models/model.h"
#include "models/timeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef CB_HAVE_UV
#include <uv.h>

/* libuv makes a pipe for its signals on its first loop and keeps it for
 * the life of the process: made here, once, before t0 (prepare), and before
 * a test counts its fds. */
static atomic_int uv_warm;

int uvmodel_available(char *why, size_t len)
{
	uv_loop_t l;
	int rc;

	if (atomic_load(&uv_warm))
		return 0;
	if ((rc = uv_loop_init(&l)) < 0) {
		snprintf(why, len, "uv: uv_loop_init: %s: %s", model_errname(-rc), uv_strerror(rc));
		return -1;
	}
	uv_loop_close(&l);
	atomic_store(&uv_warm, 1);
	return 0;
}

typedef struct uvt uvt;

/* A lane: one task in flight and what libuv waits on for it. */
typedef struct {
	uv_timer_t timer; /* its task's deadline; data: the lane */
	uv_poll_t *poll;  /* on the fd its task waits on; NULL: none */
	uvt *t;
	int lane, busy, begun;
	size_t task;
	void *state;
	int fd, events;    /* poll's fd (-1: none), and what it is started for */
	uint64_t deadline; /* the timer's (0: none) */
} uvlane;

struct uvt {
	model_run *r;
	const wl_kind *k;
	uv_loop_t loop;
	uv_prepare_t before;  /* --timeline: the loop is about to poll */
	uv_check_t after;     /* and has polled */
	uvlane *lane, **idle; /* idle: a stack of free lanes */
	size_t nidle, nlanes, next, stride;
	char *slab; /* the lanes' step states */
	int filling, stopping;
	char err[MODEL_MSGLEN]; /* why a registration failed, for the run */
};

static void fill(uvt *t);

/* One call of the task's step, with the timeline's events around it. */
static int call_step(uvlane *ln, int ready, wl_wait *w, wl_result *res)
{
	tl_event_at(TL_RUN, (int64_t)ln->task);
	int rc = ln->t->k->step(ln->t->r->wl, ln->task, ln->state, ready, w, res);
	if (rc == WL_STEP_WAIT)
		tl_event_at(TL_WAIT, (int64_t)ln->task);
	tl_event_at(TL_SCHED, -1);
	return rc;
}

static void free_handle(uv_handle_t *h)
{
	free(h);
}

/* Stop watching the lane's fd: uv_close stops the poll at once (out of
 * epoll, and out of the events of this turn not yet delivered); the
 * handle's memory goes in the close callback, at the end of the turn. */
static void drop_poll(uvlane *ln)
{
	if (ln->poll)
		uv_close((uv_handle_t *)ln->poll, free_handle);
	ln->poll = NULL;
	ln->fd = -1;
	ln->events = 0;
}

static void unregister(uvlane *ln)
{
	drop_poll(ln);
	uv_timer_stop(&ln->timer);
	ln->deadline = 0;
}

static void release(uvlane *ln)
{
	uvt *t = ln->t;
	ln->busy = ln->begun = 0;
	t->idle[t->nidle++] = ln;
	fill(t);
}

static void finish(uvlane *ln, const wl_result *res)
{
	unregister(ln);
	model_task_end(ln->t->r, ln->task, res);
	release(ln);
}

/* The task cannot go on: its step, told that time is up, closes what it
 * holds; the task counts as failed with err and why. */
static void close_out(uvlane *ln, int err, const char *why)
{
	uvt *t = ln->t;
	wl_result res = { 0 };
	wl_wait w;
	unregister(ln);
	if (ln->begun) {
		for (int k = 0; k < 8; k++)
			if (call_step(ln, WL_TIMEOUT, &w, &res) == WL_STEP_DONE)
				break;
		wl_fail(&res, err, "%s", why);
		model_task_end(t->r, ln->task, &res);
	}
	ln->busy = ln->begun = 0;
	t->idle[t->nidle++] = ln;
}

/* Stop the run: close out every task in flight, start no more. */
static void abort_run(uvt *t)
{
	t->stopping = 1;
	for (size_t j = 0; j < t->nlanes; j++)
		if (t->lane[j].busy)
			close_out(&t->lane[j], ECANCELED, "cancelled: the run stopped");
	uv_stop(&t->loop);
}

/* A registration for lane ln failed with rc (a libuv error: -errno). */
static void failed(uvlane *ln, int rc)
{
	uvt *t = ln->t;
	char why[MODEL_MSGLEN];
	int limit = rc == UV_EMFILE || rc == UV_ENOSPC || rc == UV_ENOMEM;

	if (*t->err)
		snprintf(why, sizeof why, "%s", t->err);
	else
		snprintf(why, sizeof why, "uv: %s", uv_strerror(rc));
	model_fail(t->r, limit ? MODEL_LIMIT : MODEL_ERROR, "%s", why);
	close_out(ln, -rc, why);
	abort_run(t);
}

static void advance(uvlane *ln, int ready);

static void on_poll(uv_poll_t *h, int status, int events)
{
	uvlane *ln = h->data;
	int want = ln->events;
	int ready = (events & UV_READABLE ? WL_READ : 0) | (events & UV_WRITABLE ? WL_WRITE : 0);

	/* An error on the fd (libuv says EBADF and stops the poll): ready for
	 * what the task waits for; its next call finds out what went wrong. */
	if (status < 0) {
		ready = want;
		ln->events = 0;
	}
	if (ready & want)
		advance(ln, ready & want);
}

static void on_timer(uv_timer_t *h)
{
	uvlane *ln = h->data;
	ln->deadline = 0;
	advance(ln, WL_TIMEOUT);
}

/* ms from the loop's cached now (whole ms of CLOCK_MONOTONIC, or of its
 * coarse twin, which never runs ahead) to deadline_ns rounded up: the timer
 * fires when now reaches it, never before the deadline. */
static uint64_t ms_until(uv_loop_t *l, uint64_t deadline_ns)
{
	uint64_t due = (deadline_ns + 999999) / 1000000, now = uv_now(l);
	return due > now ? due - now : 0;
}

/* Watch fd for events (WL_READ | WL_WRITE; the fd < 0: none). 0 or -errno. */
static int watch(uvlane *ln, int fd, int events)
{
	uvt *t = ln->t;
	int rc;

	if (fd != ln->fd)
		drop_poll(ln);
	if (fd >= 0 && !ln->poll) {
		if (!(ln->poll = malloc(sizeof *ln->poll)))
			return UV_ENOMEM;
		if ((rc = uv_poll_init(&t->loop, ln->poll, fd)) < 0) {
			free(ln->poll);
			ln->poll = NULL;
			snprintf(t->err, sizeof t->err, "uv: uv_poll_init fd %d: %s: %s", fd,
				 model_errname(-rc), uv_strerror(rc));
			return rc;
		}
		ln->poll->data = ln;
		ln->fd = fd;
	}
	if (fd >= 0 && events != ln->events) {
		int ev = (events & WL_READ ? UV_READABLE : 0) |
			 (events & WL_WRITE ? UV_WRITABLE : 0);
		if ((rc = uv_poll_start(ln->poll, ev, on_poll)) < 0) {
			snprintf(t->err, sizeof t->err, "uv: uv_poll_start fd %d: %s", fd,
				 uv_strerror(rc));
			return rc;
		}
		ln->events = events;
	}
	return 0;
}

/* Register lane ln for what its task waits on next. 0 or -errno. */
static int arm(uvlane *ln, const wl_wait *w)
{
	int events = w->fd >= 0 ? w->events & (WL_READ | WL_WRITE) : 0, rc;

	if (!events && !w->deadline_ns) {
		snprintf(ln->t->err, sizeof ln->t->err,
			 "uv: task %zu waits for nothing (no fd, no deadline)", ln->task);
		return UV_EINVAL;
	}
	if ((rc = watch(ln, events ? w->fd : -1, events)) < 0)
		return rc;
	if (w->deadline_ns != ln->deadline) {
		if (w->deadline_ns)
			uv_timer_start(&ln->timer, on_timer, ms_until(&ln->t->loop, w->deadline_ns),
				       0);
		else
			uv_timer_stop(&ln->timer);
		ln->deadline = w->deadline_ns;
	}
	return 0;
}

/* One step of lane ln's task, then go on: wait for what it asks, or
 * finish. OFFLOAD (the next call blocks or computes) is followed at once,
 * inline: a plain event loop serialises blocking work. */
static void advance(uvlane *ln, int ready)
{
	wl_wait w = { .fd = -1 };
	wl_result res = { 0 };
	int rc = call_step(ln, ready, &w, &res);

	while (rc == WL_STEP_OFFLOAD)
		rc = call_step(ln, 0, &w, &res);
	if (rc == WL_STEP_DONE)
		finish(ln, &res);
	else if ((rc = arm(ln, &w)) < 0)
		failed(ln, rc);
}

/* A workload without a step runs whole when its lane's timer comes due. */
static void run_inline(uv_timer_t *h)
{
	uvlane *ln = h->data;
	model_exec(ln->t->r, ln->task, ln->lane, &wl_io_blocking);
	release(ln);
}

static void start(uvlane *ln)
{
	uvt *t = ln->t;

	ln->task = t->next++;
	ln->busy = 1;
	if (!t->k->step) {
		uv_timer_start(&ln->timer, run_inline, 0, 0);
		return;
	}
	ln->begun = 1;
	model_task_begin(t->r, ln->task, ln->lane);
	memset(ln->state, 0, t->k->state_size);
	advance(ln, 0);
}

/* Start tasks on idle lanes. Re-entered from a task that ends at once, it
 * leaves the work to the outer call: no recursion per task. */
static void fill(uvt *t)
{
	if (t->filling)
		return;
	t->filling = 1;
	while (t->nidle && t->next < t->r->n && !t->stopping &&
	       atomic_load(&t->r->table->status) == MODEL_OK)
		start(t->idle[--t->nidle]);
	t->filling = 0;
}

/* --timeline: the loop's poll is the lane's io state (as loop.c records). */
static void before_poll(uv_prepare_t *h)
{
	tl_event_at(TL_IO, -1);
}

static void after_poll(uv_check_t *h)
{
	tl_event_at(TL_SCHED, -1);
}

static int run_on(uvt *t, size_t lanes)
{
	model_run *r = t->r;
	int rc = uv_loop_init(&t->loop);

	if (rc < 0) {
		int limit = rc == UV_EMFILE || rc == UV_ENFILE || rc == UV_ENOMEM;
		return model_fail(r, limit ? MODEL_LIMIT : MODEL_ERROR, "uv: uv_loop_init: %s: %s",
				  model_errname(-rc), uv_strerror(rc));
	}
	for (size_t j = lanes; j-- > 0;) {
		uvlane *ln = &t->lane[j];
		*ln = (uvlane){
			.t = t, .lane = (int)j, .fd = -1, .state = t->slab + j * t->stride
		};
		uv_timer_init(&t->loop, &ln->timer);
		ln->timer.data = ln;
		t->idle[t->nidle++] = ln;
	}
	t->nlanes = lanes;
	uv_prepare_init(&t->loop, &t->before);
	uv_check_init(&t->loop, &t->after);
	if (tl_active) { /* unref'd: they do not keep the loop running */
		uv_prepare_start(&t->before, before_poll);
		uv_check_start(&t->after, after_poll);
		uv_unref((uv_handle_t *)&t->before);
		uv_unref((uv_handle_t *)&t->after);
	}
	fill(t);
	uv_run(&t->loop, UV_RUN_DEFAULT); /* until no lane waits, or uv_stop */
	if (!t->stopping && t->next < r->n && atomic_load(&r->table->status) == MODEL_OK)
		model_fail(r, MODEL_ERROR, "uv: the loop ended with %zu tasks not started",
			   r->n - t->next);
	for (size_t j = 0; j < lanes; j++) {
		if (t->lane[j].busy)
			close_out(&t->lane[j], ECANCELED, "cancelled: the run stopped");
		uv_close((uv_handle_t *)&t->lane[j].timer, NULL);
	}
	uv_close((uv_handle_t *)&t->before, NULL);
	uv_close((uv_handle_t *)&t->after, NULL);
	uv_run(&t->loop, UV_RUN_DEFAULT); /* the close callbacks */
	if ((rc = uv_loop_close(&t->loop)) < 0 && atomic_load(&r->table->status) == MODEL_OK)
		model_fail(r, MODEL_ERROR, "uv: uv_loop_close: %s", uv_strerror(rc));
	return atomic_load(&r->table->status);
}

static int uv_run_model(model_run *r)
{
	const wl_kind *k = r->wl->kind;
	uvt t = { .r = r, .k = k };
	int rc;

	if (r->n == 0)
		return MODEL_OK;
	if (r->c == 0)
		return model_fail(r, MODEL_ERROR, "uv: concurrency must be at least 1");
	size_t lanes = r->c < r->n ? r->c : r->n;
	tl_lane_kind(TL_LANE_LOOP); /* --timeline: this thread interleaves tasks */
	t.stride = k->step ? (k->state_size + 15) / 16 * 16 : 0;
	t.lane = calloc(lanes, sizeof *t.lane);
	t.idle = calloc(lanes, sizeof *t.idle);
	t.slab = calloc(lanes, t.stride ? t.stride : 1);
	if (t.lane && t.idle && t.slab)
		rc = run_on(&t, lanes);
	else
		rc = model_fail(r, MODEL_LIMIT, "uv: calloc ENOMEM for %zu tasks in flight", lanes);
	free(t.lane);
	free(t.idle);
	free(t.slab);
	return rc;
}

#define UV_SUMMARY "libuv's loop (Node.js, uvloop): a uv_poll per fd, a uv_timer per task"

#else /* built without libuv */

#define UV_WHY "uv unavailable (built without libuv1-dev: run make deps, then rebuild)"

int uvmodel_available(char *why, size_t len)
{
	snprintf(why, len, "%s", UV_WHY);
	return -1;
}

static int uv_run_model(model_run *r)
{
	return model_fail(r, MODEL_LIMIT, "%s", UV_WHY);
}

#define UV_SUMMARY "libuv's loop (Node.js, uvloop); unavailable: built without libuv1-dev"

#endif

/* Before t0: a build without libuv ends here, as a limit. */
static int uv_prepare_model(model_run *r)
{
	char why[MODEL_MSGLEN];
	if (uvmodel_available(why, sizeof why) < 0)
		return model_fail(r, MODEL_LIMIT, "%s", why);
	return MODEL_OK;
}

const model_kind model_uv = {
	.name = "uv",
	.summary = UV_SUMMARY,
	.run = uv_run_model,
	.prepare = uv_prepare_model,
};

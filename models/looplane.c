/*
 * looplane.c - the lanes of the event-loop executor (looptasks.c), which the
 * select, poll, epoll and uring models share (the loop itself is loop.c).
 *
 * It keeps up to C tasks in flight on one loop, each in a lane (a slot
 * 0..C-1), driving every task through its workload's step(): step says which
 * fd and events or which deadline it waits on next, and the lane registers
 * that with the loop; when it comes, step runs again, until the task is done.
 * A workload without a step (CPU-bound work) runs whole, inline, and blocks
 * the loop while it does: no other task moves - the lesson of the model.
 *
 * For step authors: a lane keeps its registration while its task waits on
 * the same fd and events, so a step must not close its fd and wait on a new
 * one that reuses the number in the same call (under epoll the new file would
 * never be added). Under epoll:et=1 a step handed WL_READ/WL_WRITE reads or
 * writes until EAGAIN before waiting on that fd again: no new edge will come.
 *
 * A step that says WL_STEP_OFFLOAD (its next call blocks or computes) is
 * called again at once, inline: a plain event loop serialises blocking work.
 * With an executor hook (loop_run_tasks_offload, which hybrid.c uses) the
 * lane instead hands that call, or a step-less task whole, to the executor
 * as a job, dropping its registrations meanwhile, and picks the task up
 * again when the job comes back (loop_job_done).
 */
#include "models/looplane.h"
#include "models/timeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fill(tasks *t);

/* One call of the task's step; the loop thread holds the executor's GIL,
 * if any, while it runs. */
static int call_step(lane *ln, int ready, wl_wait *w, wl_result *res)
{
	tasks *t = ln->t;
	gil *g = t->o ? t->o->g : NULL;

	gil_acquire(g);
	tl_event_at(TL_RUN, (int64_t)ln->task);
	int rc = t->k->step(t->r->wl, ln->task, ln->state, ready, w, res);
	if (rc == WL_STEP_WAIT)
		tl_event_at(TL_WAIT, (int64_t)ln->task);
	tl_event_at(TL_SCHED, -1);
	gil_release(g);
	return rc;
}

static void unregister(lane *ln)
{
	if (ln->fd >= 0)
		loop_watch(ln->t->l, ln->fd, 0, NULL, NULL);
	if (ln->timer > 0)
		loop_cancel(ln->t->l, ln->timer);
	ln->fd = -1;
	ln->events = ln->timer = 0;
	ln->deadline = 0;
	ln->queued = 0; /* its entry in the ready queue, if any, does nothing */
}

static void release(lane *ln)
{
	tasks *t = ln->t;
	ln->busy = ln->begun = 0;
	t->idle[t->nidle++] = ln;
	fill(t);
	/* An executor's fd, or K loops' wake fd, keeps the loop going: stop it
	 * when all is done. */
	if ((t->o || t->gm->g) && !t->filling && t->nidle == t->nlanes)
		loop_stop(t->l);
}

static void finish(lane *ln, const wl_result *res)
{
	unregister(ln);
	model_task_end(ln->t->r, ln->task, res);
	release(ln);
}

/* The task cannot go on: its step, told that time is up, closes what it
 * holds; the task counts as failed with err and why. */
static void close_out(lane *ln, int err, const char *why)
{
	tasks *t = ln->t;
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

/* Stop the run: close out every task in flight, start no more (and, with
 * K loops, the others stop too). */
static void abort_run(tasks *t)
{
	t->stopping = 1;
	if (t->gm->g)
		loopgroup_stop(t->gm->g);
	for (size_t j = 0; j < t->nlanes; j++)
		if (t->lane[j].busy && !t->lane[j].away)
			close_out(&t->lane[j], ECANCELED, "cancelled: the run stopped");
	loop_stop(t->l);
}

/* A registration for lane ln failed with rc (-errno). */
static void failed(lane *ln, int rc)
{
	tasks *t = ln->t;
	char why[MODEL_MSGLEN];
	int limit = rc == -EMFILE || rc == -ENOSPC || rc == -ENOMEM;

	if (*loop_error(t->l))
		snprintf(why, sizeof why, "%s", loop_error(t->l));
	else
		snprintf(why, sizeof why, "%s: %s", t->r->model->kind->name, strerror(-rc));
	model_fail(t->r, limit ? MODEL_LIMIT : MODEL_ERROR, "%s", why);
	close_out(ln, -rc, why);
	abort_run(t);
}

static void on_fd(loop *l, int fd, int ready, void *arg);
static void on_timer(loop *l, void *arg);

/* Register lane ln for what its task waits on next. 0 or -errno. */
static int arm(lane *ln, const wl_wait *w)
{
	loop *l = ln->t->l;
	int events = w->fd >= 0 ? w->events & (WL_READ | WL_WRITE) : 0;
	int fd = events ? w->fd : -1, rc;

	if (fd < 0 && !w->deadline_ns) {
		loop_set_error(l, "%s: task %zu waits for nothing (no fd, no deadline)",
			       ln->t->r->model->kind->name, ln->task);
		return -EINVAL;
	}
	if (fd != ln->fd || events != ln->events) {
		if (ln->fd >= 0 && ln->fd != fd) {
			loop_watch(l, ln->fd, 0, NULL, NULL);
			ln->fd = -1;
			ln->events = 0;
		}
		/* On failure the loop still has what ln says. */
		if (fd >= 0 && (rc = loop_watch(l, fd, events, on_fd, ln)) < 0)
			return rc;
		ln->fd = fd;
		ln->events = events;
	}
	if (w->deadline_ns != ln->deadline) {
		if (ln->timer)
			loop_cancel(l, ln->timer);
		ln->timer = 0;
		ln->deadline = 0;
		if (w->deadline_ns) {
			int64_t id = loop_timer(l, w->deadline_ns, on_timer, ln);
			if (id < 0)
				return (int)id;
			ln->timer = id;
			ln->deadline = w->deadline_ns;
		}
	}
	return 0;
}

/* Hand lane ln's next call to the executor: its step's (state), or, for a
 * workload without a step, the whole task (NULL). */
static void offload(lane *ln, void *state)
{
	unregister(ln);
	ln->job->job = (loop_job){ .task = ln->task, .lane = ln->lane, .state = state };
	ln->away = 1;
	ln->t->o->submit(ln->t->o->ctx, &ln->job->job);
}

/* Go on after a step returned rc: wait for what it asks, offload, or finish. */
static void proceed(lane *ln, int rc, const wl_wait *w, wl_result *res)
{
	if (rc == WL_STEP_DONE)
		finish(ln, res);
	else if (rc == WL_STEP_OFFLOAD)
		offload(ln, ln->state);
	else if ((rc = arm(ln, w)) < 0)
		failed(ln, rc);
}

/* One step of lane ln's task, then go on. Without an executor, OFFLOAD
 * means: call again, here and now (the loop waits meanwhile). */
static void advance(lane *ln, int ready)
{
	wl_wait w = { .fd = -1 };
	wl_result res = { 0 };
	int rc = call_step(ln, ready, &w, &res);

	while (rc == WL_STEP_OFFLOAD && !ln->t->o)
		rc = call_step(ln, 0, &w, &res);
	proceed(ln, rc, &w, &res);
}

/* A job handed back after the run stopped, or never handed back: what the
 * task got done counts, the rest is cancelled. */
static void abandon(lane *ln)
{
	tasks *t = ln->t;
	loop_job *j = &ln->job->job;

	ln->away = 0;
	if (j->state && j->ran && j->rc == WL_STEP_DONE) {
		model_task_end(t->r, ln->task, &j->res);
		ln->begun = 0;
	}
	close_out(ln, ECANCELED, "cancelled: the run stopped");
}

void looplane_job_done(loop_job *j)
{
	lane *ln = ((lane_job *)j)->ln;

	if (ln->t->stopping) {
		abandon(ln);
		return;
	}
	ln->away = 0;
	if (!j->state)
		release(ln); /* model_exec recorded it */
	else
		proceed(ln, j->rc, &j->next, &j->res);
}

static void on_fd(loop *l, int fd, int ready, void *arg)
{
	advance(arg, ready);
}

static void on_timer(loop *l, void *arg)
{
	lane *ln = arg;
	ln->timer = 0;
	ln->deadline = 0;
	advance(ln, WL_TIMEOUT);
}

/* A workload without a step runs whole when its lane's turn comes. */
static void run_inline(loop *l, void *arg)
{
	lane *ln = arg;
	if (!ln->queued)
		return; /* closed out since it was queued */
	ln->queued = 0;
	model_exec(ln->t->r, ln->task, ln->lane, &wl_io_blocking);
	release(ln);
}

static void start(lane *ln, size_t i)
{
	tasks *t = ln->t;

	ln->task = i;
	ln->busy = 1;
	if (!t->k->step && t->o) {
		offload(ln, NULL);
		return;
	}
	if (!t->k->step) {
		/* Ready at once: it runs in this turn's ready queue, with the
		 * other tasks ready now and those their ends start, without a
		 * backend wait (a system call) between one and the next. */
		int rc = loop_soon(t->l, run_inline, ln);
		if (rc < 0)
			failed(ln, rc);
		else
			ln->queued = 1;
		return;
	}
	ln->begun = 1;
	model_task_begin(t->r, ln->task, ln->lane);
	memset(ln->state, 0, t->k->state_size);
	advance(ln, 0);
}

/* Start tasks on idle lanes. Re-entered from a task that ends at once, it
 * leaves the work to the outer call: no recursion per task. */
static void fill(tasks *t)
{
	size_t i;

	if (t->filling)
		return;
	t->filling = 1;
	while (t->nidle && !t->stopping && atomic_load(&t->r->table->status) == MODEL_OK &&
	       loopgroup_next(t->gm, &t->next, t->r->n, &i))
		start(t->idle[--t->nidle], i);
	t->filling = 0;
	/* K loops: a run failed in any of them stops this one */
	if (t->gm->g && !t->stopping && atomic_load(&t->r->table->status) != MODEL_OK)
		abort_run(t);
}

/* Another loop of the run failed: stop this one too. */
static void on_wake(loop *l, int fd, int ready, void *arg)
{
	loopgroup_woken(((tasks *)arg)->gm);
	abort_run(arg);
}

int looplane_run(tasks *t, const loop_backend *be, size_t lanes)
{
	model_run *r = t->r;
	char err[MODEL_MSGLEN];
	int rc;

	if (!t->l && !(t->l = loop_new(be, lanes + 16, lanes, err, sizeof err))) {
		int limit = errno == EMFILE || errno == ENFILE || errno == ENOMEM;
		return model_fail(r, limit ? MODEL_LIMIT : MODEL_ERROR, "%s", err);
	}
	for (size_t j = lanes; j-- > 0;) {
		t->lane[j] = (lane){ .t = t, .lane = (int)(t->gm->lane0 + j), .fd = -1 };
		t->lane[j].state = t->slab + j * t->stride;
		if (t->jobs) {
			t->lane[j].job = &t->jobs[j];
			t->jobs[j].ln = &t->lane[j];
		}
		t->idle[t->nidle++] = &t->lane[j];
	}
	t->nlanes = lanes;
	if ((t->o && t->o->start(t->o->ctx, t->l) != MODEL_OK) ||
	    (t->gm->g && loop_watch(t->l, t->gm->wake, WL_READ, on_wake, t) < 0 &&
	     model_fail(r, MODEL_LIMIT, "%s", loop_error(t->l)))) {
		loop_free(t->l);
		t->l = NULL;
		return atomic_load(&r->table->status);
	}
	fill(t);
	/* With an executor or K loops, all may be over before the loop runs. */
	rc = (t->o || t->gm->g) && t->nidle == t->nlanes ? 0 : loop_run(t->l);
	if (rc < 0) {
		if (*loop_error(t->l))
			model_fail(r, MODEL_ERROR, "%s", loop_error(t->l));
		else
			model_fail(r, MODEL_ERROR, "%s: wait: %s", be->name, strerror(-rc));
		abort_run(t);
	}
	if (t->o) {
		t->o->stop(t->o->ctx);
		t->stopping = 1;
		for (size_t j = 0; j < lanes; j++)
			if (t->lane[j].away)
				abandon(&t->lane[j]);
	}
	loop_free(t->l);
	t->l = NULL;
	return atomic_load(&r->table->status);
}

/*
 * loop.c - the event loop: which fds to watch, which timers are due, and
 * whose callback to call next (after Redis's ae.c).
 *
 * One iteration: compute how long to sleep from the earliest timer, ask the
 * backend which fds are ready, call their callbacks, then read the clock once
 * and fire every timer that is due. Fds live in a table indexed by fd number;
 * timers in a binary min-heap keyed by (deadline, order of arming), so equal
 * deadlines fire first-armed-first. A timer id names a slot that remembers
 * where its timer sits in the heap, so a cancel is O(log n), and a generation
 * count in the id makes a stale id (fired, cancelled) harmless.
 *
 * Callbacks may watch, unwatch, arm, cancel and stop as they please: nothing
 * here holds a pointer into a table across a callback.
 *
 * Below the loop: loop_run_tasks, the executor of the select, poll and epoll
 * models.
 */
#include "loop.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	int events; /* WL_READ | WL_WRITE; 0: not watched */
	loop_fd_fn fn;
	void *arg;
	uint64_t since; /* the iteration that started watching it */
} loop_fd;

typedef struct {
	uint64_t deadline, seq; /* heap key */
	uint32_t slot;
} loop_heapent;

typedef struct {
	uint32_t gen;  /* part of the id; bumped when the slot is freed */
	uint32_t pos;  /* index in the heap; FREE when not armed */
	uint32_t next; /* free list */
	loop_timer_fn fn;
	void *arg;
} loop_slot;

#define FREE UINT32_MAX

struct loop {
	const loop_backend *be;
	void *bstate;
	loop_fd *fd;
	size_t nfd, nwatched;
	loop_heapent *heap;
	size_t nheap, heapcap;
	loop_slot *slot;
	uint32_t nslot, freeslot;
	uint64_t seq;  /* timers armed so far: ties go to the first armed */
	uint64_t iter; /* backend waits so far */
	loop_event *ev;
	int evcap, evpos, evn; /* events of the last wait not yet delivered */
	int stop;
	char err[MODEL_MSGLEN];
};

/* ---- the loop object ---- */

loop *loop_new(const loop_backend *be, size_t max_fds, size_t max_timers, char *err, size_t errlen)
{
	loop *l = calloc(1, sizeof *l);
	size_t nfd = max_fds < 64 ? 64 : max_fds;
	size_t nt = max_timers < 64 ? 64 : max_timers;

	if (l) {
		l->be = be;
		l->nfd = nfd;
		l->fd = calloc(nfd, sizeof *l->fd);
		l->heapcap = nt;
		l->heap = malloc(nt * sizeof *l->heap);
		l->evcap = 64;
		l->ev = malloc((size_t)l->evcap * sizeof *l->ev);
		l->freeslot = FREE;
	}
	if (!l || !l->fd || !l->heap || !l->ev) {
		snprintf(err, errlen, "%s: out of memory for %zu fds", be->name, max_fds);
		loop_free(l);
		return NULL;
	}
	if (be->create(l, max_fds, err, errlen) < 0) {
		l->be = NULL; /* nothing to destroy */
		loop_free(l);
		return NULL;
	}
	return l;
}

void loop_free(loop *l)
{
	if (!l)
		return;
	if (l->be)
		l->be->destroy(l);
	free(l->fd);
	free(l->heap);
	free(l->slot);
	free(l->ev);
	free(l);
}

void *loop_backend_state(loop *l)
{
	return l->bstate;
}

void loop_set_backend_state(loop *l, void *state)
{
	l->bstate = state;
}

void loop_set_error(loop *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(l->err, sizeof l->err, fmt, ap);
	va_end(ap);
}

const char *loop_error(const loop *l)
{
	return l->err;
}

/* ---- fds ---- */

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return -ENOMEM;
	memset((char *)q + *cap * size, 0, (n - *cap) * size);
	*p = q;
	*cap = n;
	return 0;
}

int loop_watch(loop *l, int fd, int events, loop_fd_fn fn, void *arg)
{
	int rc;

	events &= WL_READ | WL_WRITE;
	if (fd < 0)
		return -EBADF;
	if ((size_t)fd >= l->nfd) {
		if (!events)
			return 0;
		if ((rc = grow((void **)&l->fd, &l->nfd, (size_t)fd + 1, sizeof *l->fd)))
			return rc;
	}
	/* The event buffer holds one event per watched fd, so a wait always
	 * reports every ready fd and none starves. */
	if (events && !l->fd[fd].events && l->nwatched + 1 > (size_t)l->evcap) {
		size_t cap = (size_t)l->evcap;
		if ((rc = grow((void **)&l->ev, &cap, l->nwatched + 1, sizeof *l->ev)))
			return rc;
		l->evcap = (int)cap;
	}
	loop_fd *f = &l->fd[fd];
	int old = f->events;
	l->err[0] = 0;
	rc = old == events ? 0 : l->be->set(l, fd, old, events);
	if (rc < 0 && events)
		return rc;
	/* Stopping always succeeds here, even if the fd is already closed. */
	if (!old && events) {
		l->nwatched++;
		f->since = l->iter;
	} else if (old && !events) {
		l->nwatched--;
	}
	f->events = events;
	f->fn = events ? fn : NULL;
	f->arg = events ? arg : NULL;
	return rc;
}

/* ---- timers: a binary min-heap of slots ---- */

static int before(const loop_heapent *a, const loop_heapent *b)
{
	return a->deadline != b->deadline ? a->deadline < b->deadline : a->seq < b->seq;
}

static void place(loop *l, size_t i, loop_heapent e)
{
	l->heap[i] = e;
	l->slot[e.slot].pos = (uint32_t)i;
}

static void sift_up(loop *l, size_t i)
{
	loop_heapent e = l->heap[i];
	while (i > 0 && before(&e, &l->heap[(i - 1) / 2])) {
		place(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	place(l, i, e);
}

static void sift_down(loop *l, size_t i)
{
	loop_heapent e = l->heap[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && before(&l->heap[c + 1], &l->heap[c]))
			c++;
		if (!before(&l->heap[c], &e))
			break;
		place(l, i, l->heap[c]);
		i = c;
	}
	place(l, i, e);
}

/* Take the timer at heap index i out; its slot goes back on the free list. */
static void heap_remove(loop *l, size_t i)
{
	loop_slot *s = &l->slot[l->heap[i].slot];
	uint32_t k = l->heap[i].slot;

	s->pos = FREE;
	s->gen = s->gen >= 0x7fffffff ? 1 : s->gen + 1;
	s->next = l->freeslot;
	l->freeslot = k;
	if (i == --l->nheap)
		return;
	place(l, i, l->heap[l->nheap]); /* the last one fills the hole */
	if (i > 0 && before(&l->heap[i], &l->heap[(i - 1) / 2]))
		sift_up(l, i);
	else
		sift_down(l, i);
}

static int new_slot(loop *l, uint32_t *k)
{
	if (l->freeslot == FREE) {
		uint32_t n = l->nslot ? l->nslot * 2 : 64;
		if (l->nslot >= FREE / 2)
			return -ENOMEM;
		loop_slot *s = realloc(l->slot, n * sizeof *s);
		if (!s)
			return -ENOMEM;
		for (uint32_t j = l->nslot; j < n; j++)
			s[j] = (loop_slot){ .gen = 1,
					    .pos = FREE,
					    .next = j + 1 < n ? j + 1 : FREE };
		l->slot = s;
		l->freeslot = l->nslot;
		l->nslot = n;
	}
	*k = l->freeslot;
	l->freeslot = l->slot[*k].next;
	return 0;
}

int64_t loop_timer(loop *l, uint64_t deadline_ns, loop_timer_fn fn, void *arg)
{
	uint32_t k;
	int rc;

	if (l->nheap == l->heapcap &&
	    (rc = grow((void **)&l->heap, &l->heapcap, l->nheap + 1, sizeof *l->heap)))
		return rc;
	if ((rc = new_slot(l, &k)))
		return rc;
	l->slot[k].fn = fn;
	l->slot[k].arg = arg;
	l->heap[l->nheap] = (loop_heapent){ deadline_ns, l->seq++, k };
	sift_up(l, l->nheap++);
	return (int64_t)l->slot[k].gen << 32 | k;
}

void loop_cancel(loop *l, int64_t id)
{
	uint32_t k = (uint32_t)id;
	if (id <= 0 || k >= l->nslot || l->slot[k].gen != (uint64_t)id >> 32 ||
	    l->slot[k].pos == FREE)
		return;
	heap_remove(l, l->slot[k].pos);
}

/* ---- running ---- */

void loop_stop(loop *l)
{
	l->stop = 1;
}

/* Deliver what the last wait reported. An fd unwatched by an earlier
 * callback is skipped, and so is one watched anew since the wait: its event
 * was about whatever had that number before. */
static void dispatch_fds(loop *l)
{
	while (l->evpos < l->evn && !l->stop) {
		loop_event e = l->ev[l->evpos++];
		loop_fd *f = &l->fd[e.fd];
		int ready = e.ready & f->events;
		if (ready && f->since != l->iter)
			f->fn(l, e.fd, ready, f->arg);
	}
}

/* Fire the timers due by now, but not those armed by these very callbacks:
 * a callback that re-arms at a past deadline must not starve the fds. */
static void dispatch_timers(loop *l)
{
	uint64_t now = wl_now_ns(), seq = l->seq;

	while (l->nheap && !l->stop && l->heap[0].deadline <= now && l->heap[0].seq < seq) {
		loop_slot *s = &l->slot[l->heap[0].slot];
		loop_timer_fn fn = s->fn;
		void *arg = s->arg;
		heap_remove(l, 0);
		fn(l, arg);
	}
}

int loop_run(loop *l)
{
	l->stop = 0;
	dispatch_fds(l); /* what a loop_stop left undelivered */
	while (!l->stop && (l->nwatched || l->nheap)) {
		int64_t timeout = -1;
		if (l->nheap) {
			uint64_t now = wl_now_ns(), d = l->heap[0].deadline;
			timeout = d > now ? (int64_t)(d - now) : 0;
		}
		l->err[0] = 0;
		int n = l->be->wait(l, timeout, l->ev, l->evcap);
		if (n < 0)
			return n;
		l->iter++;
		l->evpos = 0;
		l->evn = n;
		dispatch_fds(l);
		dispatch_timers(l);
	}
	return 0;
}

/* ---- loop_run_tasks: the executor of the select, poll and epoll models ----
 *
 * A lane is a slot for one task in flight; it remembers what its task is
 * registered for, so a step that waits again on the same fd for the same
 * events, or with the same deadline, costs the backend nothing. (Hence a
 * step must not close its fd and wait on a new one with the same number in
 * one call: the executor would see no change. Under epoll that new file
 * would never be added.) Edge-triggered epoll adds one rule, the usual one:
 * a step handed WL_READ or WL_WRITE reads or writes until EAGAIN before it
 * waits on that fd again, since no new edge will come for what it left.
 */

typedef struct tasks tasks;

typedef struct {
	tasks *t;
	int lane, busy, begun;
	size_t task;
	void *state;
	int fd, events; /* registered for; fd -1: none */
	int64_t timer;  /* 0: none */
	uint64_t deadline;
} lane;

struct tasks {
	model_run *r;
	const wl_kind *k;
	loop *l;
	lane *lane, **idle; /* idle: a stack of free lanes */
	size_t nidle, next, stride;
	char *slab; /* the lanes' step states */
	int filling, stopping;
};

static void fill(tasks *t);

static void unregister(lane *ln)
{
	if (ln->fd >= 0)
		loop_watch(ln->t->l, ln->fd, 0, NULL, NULL);
	if (ln->timer > 0)
		loop_cancel(ln->t->l, ln->timer);
	ln->fd = -1;
	ln->events = ln->timer = 0;
	ln->deadline = 0;
}

static void release(lane *ln)
{
	ln->busy = ln->begun = 0;
	ln->t->idle[ln->t->nidle++] = ln;
	fill(ln->t);
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
			if (t->k->step(t->r->wl, ln->task, ln->state, WL_TIMEOUT, &w, &res) ==
			    WL_STEP_DONE)
				break;
		wl_fail(&res, err, "%s", why);
		model_task_end(t->r, ln->task, &res);
	}
	ln->busy = ln->begun = 0;
	t->idle[t->nidle++] = ln;
}

/* Stop the run: close out every task in flight, start no more. */
static void abort_run(tasks *t)
{
	t->stopping = 1;
	for (size_t j = 0; j < t->r->n && j < t->r->c; j++)
		if (t->lane[j].busy)
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

/* One step of lane ln's task, then wait for what it asks, or finish it. */
static void advance(lane *ln, int ready)
{
	tasks *t = ln->t;
	wl_wait w = { .fd = -1 };
	wl_result res = { 0 };
	int rc;

	if (t->k->step(t->r->wl, ln->task, ln->state, ready, &w, &res) == WL_STEP_DONE)
		finish(ln, &res);
	else if ((rc = arm(ln, &w)) < 0)
		failed(ln, rc);
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
	ln->timer = 0;
	model_exec(ln->t->r, ln->task, ln->lane, &wl_io_blocking);
	release(ln);
}

static void start(lane *ln)
{
	tasks *t = ln->t;

	ln->task = t->next++;
	ln->busy = 1;
	if (!t->k->step) {
		/* Due at once: the loop runs it on its next round of timers. */
		ln->timer = loop_timer(t->l, 0, run_inline, ln);
		if (ln->timer < 0)
			failed(ln, (int)ln->timer);
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
	if (t->filling)
		return;
	t->filling = 1;
	while (t->nidle && t->next < t->r->n && !t->stopping &&
	       atomic_load(&t->r->table->status) == MODEL_OK)
		start(t->idle[--t->nidle]);
	t->filling = 0;
}

static int run_on(tasks *t, const loop_backend *be, size_t lanes)
{
	model_run *r = t->r;
	char err[MODEL_MSGLEN];
	int rc;

	t->l = loop_new(be, lanes + 16, lanes, err, sizeof err);
	if (!t->l) {
		int limit = errno == EMFILE || errno == ENFILE || errno == ENOMEM;
		return model_fail(r, limit ? MODEL_LIMIT : MODEL_ERROR, "%s", err);
	}
	for (size_t j = lanes; j-- > 0;) {
		t->lane[j] = (lane){ .t = t, .lane = (int)j, .fd = -1 };
		t->lane[j].state = t->slab + j * t->stride;
		t->idle[t->nidle++] = &t->lane[j];
	}
	fill(t);
	if ((rc = loop_run(t->l)) < 0) {
		if (*loop_error(t->l))
			model_fail(r, MODEL_ERROR, "%s", loop_error(t->l));
		else
			model_fail(r, MODEL_ERROR, "%s: wait: %s", be->name, strerror(-rc));
		abort_run(t);
	}
	loop_free(t->l);
	return atomic_load(&r->table->status);
}

int loop_run_tasks(model_run *r, const loop_backend *be)
{
	const wl_kind *k = r->wl->kind;
	tasks t = { .r = r, .k = k };
	int rc;

	if (r->n == 0)
		return MODEL_OK;
	if (r->c == 0)
		return model_fail(r, MODEL_ERROR, "%s: concurrency must be at least 1",
				  r->model->kind->name);
	size_t lanes = r->c < r->n ? r->c : r->n;
	t.stride = k->step ? (k->state_size + 15) / 16 * 16 : 0;
	t.lane = calloc(lanes, sizeof *t.lane);
	t.idle = calloc(lanes, sizeof *t.idle);
	t.slab = calloc(lanes, t.stride ? t.stride : 1);
	if (t.lane && t.idle && t.slab)
		rc = run_on(&t, be, lanes);
	else
		rc = model_fail(r, MODEL_LIMIT, "%s: calloc ENOMEM for %zu tasks in flight",
				r->model->kind->name, lanes);
	free(t.lane);
	free(t.idle);
	free(t.slab);
	return rc;
}

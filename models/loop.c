/*
 * loop.c - the event loop: which fds to watch, which timers are due, and
 * whose callback to call next (after Redis's ae.c).
 *
 * One iteration (a turn): compute how long to sleep from the earliest timer
 * (not at all if callbacks are ready), ask the backend which fds are ready,
 * call their callbacks, read the clock once and fire every timer that is due,
 * then run the ready queue - callbacks asked for with loop_soon, as asyncio's
 * call_soon and libuv's idle/check callbacks - in order, with those they add,
 * until it is empty or LOOP_TURN_NS have passed. So a thousand tasks that are
 * ready at once start in one turn, not one backend wait (a system call) each,
 * and a callback that keeps adding itself holds up the fds for at most about
 * LOOP_TURN_NS. With nothing watched and nothing to sleep for, a turn makes
 * no system call at all. Fds live in a table indexed by fd number, timers in
 * a heap (timerheap.c) whose ids a cancel may use long after they fired.
 *
 * Callbacks may watch, unwatch, arm, cancel and stop as they please: nothing
 * here holds a pointer into a table across a callback.
 *
 * The executor that drives tasks on this loop, loop_run_tasks, is looptasks.c.
 */
#include "models/loop.h"
#include "models/timeline.h"
#include "models/timerheap.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct {
	int events; /* WL_READ | WL_WRITE; 0: not watched */
	loop_fd_fn fn;
	void *arg;
	uint64_t since; /* the iteration that started watching it */
} loop_fd;

/* A callback in the ready queue. */
typedef struct {
	loop_timer_fn fn;
	void *arg;
} loop_call;

struct loop {
	const loop_backend *be;
	void *bstate;
	loop_fd *fd;
	size_t nfd, nwatched;
	timerheap th;
	uint64_t iter;         /* backend waits so far */
	uint64_t dispatch_now; /* while timers fire: the "now" they fire by; else 0 */
	loop_event *ev;
	int evcap, evpos, evn; /* events of the last wait not yet delivered */
	loop_call *ready;      /* a ring of rcap (a power of two) */
	size_t rhead, nready, rcap;
	int stop;
	char err[MODEL_MSGLEN];
};

/* ---- the loop object ---- */

loop *loop_new(const loop_backend *be, size_t max_fds, size_t max_timers, char *err, size_t errlen)
{
	loop *l = calloc(1, sizeof *l);
	size_t nfd = max_fds < 64 ? 64 : max_fds;
	int th = -ENOMEM;

	if (l) {
		l->be = be;
		l->nfd = nfd;
		l->fd = calloc(nfd, sizeof *l->fd);
		l->evcap = 64;
		l->ev = malloc((size_t)l->evcap * sizeof *l->ev);
		l->rcap = 64;
		l->ready = malloc(l->rcap * sizeof *l->ready);
		th = th_init(&l->th, max_timers); /* no reallocation while they arm */
		model_mem_populate(l->fd, l->fd ? nfd * sizeof *l->fd : 0);
	}
	if (!l || !l->fd || th < 0 || !l->ev || !l->ready) {
		snprintf(err, errlen, "%s: out of memory for %zu fds", be->name, max_fds);
		if (l)
			l->be = NULL; /* the backend was never created */
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
	th_free(&l->th);
	free(l->ev);
	free(l->ready);
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

	events &= WL_READ | WL_WRITE | LOOP_HUP;
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

int loop_watch_close(loop *l, int fd)
{
	if (fd < 0)
		return -EBADF;
	if ((size_t)fd < l->nfd && l->fd[fd].events) {
		if (l->be->forgets_closed) { /* loop_watch(fd, 0) but the backend */
			l->fd[fd] = (loop_fd){ 0 };
			l->nwatched--;
		} else {
			loop_watch(l, fd, 0, NULL, NULL);
		}
	}
	return close(fd) == 0 ? 0 : -errno;
}

/* ---- timers (the heap is timerheap.c) ---- */

int64_t loop_timer(loop *l, uint64_t deadline_ns, loop_timer_fn fn, void *arg)
{
	/* Armed by a timer callback for a time already past: due at the next
	 * iteration. Kept at its past deadline it would sort ahead of the older
	 * timers still due now and hold them back; a callback that keeps
	 * re-arming so (coro's turn) would starve them for good. */
	if (l->dispatch_now && deadline_ns <= l->dispatch_now)
		deadline_ns = l->dispatch_now + 1;
	return th_add(&l->th, deadline_ns, fn, arg);
}

void loop_cancel(loop *l, int64_t id)
{
	th_cancel(&l->th, id);
}

/* ---- the ready queue ---- */

int loop_soon(loop *l, loop_timer_fn fn, void *arg)
{
	if (l->nready == l->rcap) { /* double, and unwrap the ring */
		loop_call *q = malloc(2 * l->rcap * sizeof *q);
		if (!q)
			return -ENOMEM;
		for (size_t k = 0; k < l->nready; k++)
			q[k] = l->ready[(l->rhead + k) & (l->rcap - 1)];
		free(l->ready);
		l->ready = q;
		l->rhead = 0;
		l->rcap *= 2;
	}
	l->ready[(l->rhead + l->nready++) & (l->rcap - 1)] = (loop_call){ fn, arg };
	return 0;
}

/* Run the ready queue in order, with what its callbacks add, until it is
 * empty or the turn's time is up (the clock read every 16 callbacks: it
 * would cost as much as a null task). */
static void dispatch_ready(loop *l)
{
	uint64_t start = l->nready ? wl_now_ns() : 0;

	for (unsigned k = 1; l->nready && !l->stop; k++) {
		loop_call c = l->ready[l->rhead];
		l->rhead = (l->rhead + 1) & (l->rcap - 1);
		l->nready--;
		c.fn(l, c.arg);
		if (k % 16 == 0 && wl_now_ns() - start >= LOOP_TURN_NS)
			break;
	}
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

/* Fire the timers due by now, but not those armed by these very callbacks
 * (loop_timer moves those past now): a callback that re-arms at a past
 * deadline must starve neither the fds nor the other timers. */
static void dispatch_timers(loop *l)
{
	uint64_t now = wl_now_ns();

	l->dispatch_now = now;
	loop_timer_fn fn;
	void *arg;
	while (!l->stop && th_pop_due(&l->th, now, &fn, &arg))
		fn(l, arg);
	l->dispatch_now = 0;
}

int loop_run(loop *l)
{
	l->stop = 0;
	dispatch_fds(l); /* what a loop_stop left undelivered */
	while (!l->stop && (l->nwatched || l->th.n || l->nready)) {
		int64_t timeout = -1;
		if (l->nready) {
			timeout = 0;
		} else if (l->th.n) {
			uint64_t now = wl_now_ns(), d = l->th.heap[0].deadline;
			timeout = d > now ? (int64_t)(d - now) : 0;
		}
		if (timeout || l->nwatched) { /* else there is nothing to ask */
			l->err[0] = 0;
			if (timeout)
				tl_event_at(TL_IO, -1); /* --timeline: the loop waits */
			int n = l->be->wait(l, timeout, l->ev, l->evcap);
			if (timeout)
				tl_event_at(TL_SCHED, -1);
			if (n < 0)
				return n;
			l->iter++;
			l->evpos = 0;
			l->evn = n;
			dispatch_fds(l);
		}
		dispatch_timers(l);
		dispatch_ready(l);
	}
	return 0;
}

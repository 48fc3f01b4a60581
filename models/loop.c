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
 * The executor that drives tasks on this loop, loop_run_tasks, is looptasks.c.
 */
#include "models/loop.h"
#include "models/timeline.h"

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
	uint64_t seq;          /* timers armed so far: ties go to the first armed */
	uint64_t iter;         /* backend waits so far */
	uint64_t dispatch_now; /* while timers fire: the "now" they fire by; else 0 */
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
	/* Armed by a timer callback for a time already past: due at the next
	 * iteration. Kept at its past deadline it would sort ahead of the older
	 * timers still due now and hold them back; a callback that keeps
	 * re-arming so (coro's turn) would starve them for good. */
	if (l->dispatch_now && deadline_ns <= l->dispatch_now)
		deadline_ns = l->dispatch_now + 1;
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

/* Fire the timers due by now, but not those armed by these very callbacks
 * (loop_timer moves those past now): a callback that re-arms at a past
 * deadline must starve neither the fds nor the other timers. */
static void dispatch_timers(loop *l)
{
	uint64_t now = wl_now_ns();

	l->dispatch_now = now;
	while (l->nheap && !l->stop && l->heap[0].deadline <= now) {
		loop_slot *s = &l->slot[l->heap[0].slot];
		loop_timer_fn fn = s->fn;
		void *arg = s->arg;
		heap_remove(l, 0);
		fn(l, arg);
	}
	l->dispatch_now = 0;
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
		dispatch_timers(l);
	}
	return 0;
}

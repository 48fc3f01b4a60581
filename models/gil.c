/*
 * gil.c - an emulated CPython Global Interpreter Lock.
 *
 * CPython runs Python code under one process-wide lock, the GIL: its reference
 * counts and object internals are not thread-safe, and one lock made the
 * interpreter simple and single-threaded code fast. So Python threads overlap
 * their waits, never their computing: CPU-bound code gains nothing from
 * threads (lesson L1) and delays the return of I/O-bound threads (L15), while
 * I/O and hashlib, which drop the lock, do gain (L3, L8).
 *
 * Modelled here, after ceval_gil.c's "new GIL" (3.2+): a thread holds the GIL
 * while it computes. A thread that wants it queues. The holder looks at check
 * points (CPython: the eval breaker, between bytecodes; here gil_checkpoint,
 * called by CPU workloads); once someone has waited the switch interval
 * (5 ms) it hands the lock over, and FORCE_SWITCHING keeps it from grabbing
 * the lock straight back: here it queues behind the waiters before it lets
 * go. Blocking I/O, sleeps and long hashes run between release and acquire.
 * The decision uses an injectable clock, so tests make it exact.
 *
 * Not modelled: bytecode granularity (the check points are wherever the
 * workload puts them), the main thread's priority for signal handling, the
 * waiter's own timed wait (the holder decides instead, from the same times),
 * and the per-interpreter GIL of 3.12+ or the free-threaded build of 3.13+.
 * The waiters form a FIFO (CPython's condition variable promises no order),
 * so hand-offs are fair and tests deterministic.
 */
#include "models/gil.h"
#include "models/timeline.h"

#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

/* One queued thread. It lives on the waiter's stack while it waits, with its
 * own condition variable, so a release wakes exactly the next thread. */
typedef struct gil_waiter {
	pthread_cond_t cv;
	struct gil_waiter *next;
} gil_waiter;

struct gil {
	pthread_mutex_t mu; /* guards everything below but nwait's reads */
	int locked;
	pthread_t holder;         /* valid while locked */
	gil_waiter *head, *tail;  /* FIFO of threads waiting to take it */
	atomic_uint nwait;        /* queue length; read unlocked by checkpoint */
	uint64_t contended_since; /* when the holder first had someone waiting */
	uint64_t interval_ns;
	uint64_t switches; /* forced hand-offs */
	gil_clock_fn clock;
	void *clock_arg;
};

static uint64_t gil_monotonic(void *arg)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

gil *gil_new(uint64_t interval_ns, gil_clock_fn clock, void *clock_arg)
{
	gil *g = calloc(1, sizeof *g);

	if (!g)
		return NULL;
	if (pthread_mutex_init(&g->mu, NULL)) {
		free(g);
		return NULL;
	}
	atomic_init(&g->nwait, 0);
	g->interval_ns = interval_ns;
	g->clock = clock ? clock : gil_monotonic;
	g->clock_arg = clock_arg;
	return g;
}

void gil_free(gil *g)
{
	if (!g)
		return;
	assert(!g->locked && !g->head);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

static int held_by_me_locked(const gil *g)
{
	return g->locked && pthread_equal(g->holder, pthread_self());
}

/* Join the queue's tail. The first waiter starts the contention clock: the
 * interval counts from when the holder first kept someone waiting. */
static void enqueue(gil *g, gil_waiter *w)
{
	pthread_cond_init(&w->cv, NULL);
	w->next = NULL;
	if (g->tail)
		g->tail->next = w;
	else
		g->head = w;
	g->tail = w;
	if (atomic_fetch_add_explicit(&g->nwait, 1, memory_order_relaxed) == 0)
		g->contended_since = g->clock(g->clock_arg);
}

/* Make the caller the holder. If others still queue, their wait for this new
 * holder starts now, as a CPython waiter's timed wait restarts on a switch. */
static void take(gil *g)
{
	g->locked = 1;
	g->holder = pthread_self();
	if (atomic_load_explicit(&g->nwait, memory_order_relaxed) > 0)
		g->contended_since = g->clock(g->clock_arg);
}

/* Wait in the queue until the lock is free and w is first, then take it. */
static void wait_turn(gil *g, gil_waiter *w)
{
	while (g->locked || g->head != w)
		pthread_cond_wait(&w->cv, &g->mu);
	g->head = w->next;
	if (!g->head)
		g->tail = NULL;
	atomic_fetch_sub_explicit(&g->nwait, 1, memory_order_relaxed);
	take(g);
	pthread_cond_destroy(&w->cv);
}

/* Let go and wake the first waiter; it alone may take the lock next, since
 * any newcomer finds the queue non-empty and joins its tail. */
static void drop(gil *g)
{
	g->locked = 0;
	if (g->head)
		pthread_cond_signal(&g->head->cv);
}

void gil_acquire(gil *g)
{
	gil_waiter w;

	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	assert(!held_by_me_locked(g));
	if (!g->locked && !g->head) {
		take(g);
	} else {
		tl_state(TL_GIL); /* --timeline: this thread waits for the GIL */
		enqueue(g, &w);
		wait_turn(g, &w);
		tl_state(TL_RUN);
	}
	pthread_mutex_unlock(&g->mu);
}

void gil_release(gil *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->mu);
	assert(held_by_me_locked(g));
	drop(g);
	pthread_mutex_unlock(&g->mu);
}

/* CPython's drop request, decided by the holder from the clock. */
static int should_switch(gil *g)
{
	if (!held_by_me_locked(g) || !g->head)
		return 0;
	return g->clock(g->clock_arg) - g->contended_since >= g->interval_ns;
}

int gil_checkpoint(gil *g)
{
	gil_waiter w;

	/* The common case, nobody waiting, costs no lock. A waiter that just
	 * queued is seen at the next check point. */
	if (!g || atomic_load_explicit(&g->nwait, memory_order_relaxed) == 0)
		return 0;
	pthread_mutex_lock(&g->mu);
	int sw = should_switch(g);
	if (sw) {
		/* FORCE_SWITCHING: queue behind the waiters before letting go, so
		 * the lock cannot come back before another thread has had it. */
		g->switches++;
		tl_event_at(TL_HANDOFF, -1);
		tl_state(TL_GIL);
		enqueue(g, &w);
		drop(g);
		wait_turn(g, &w);
		tl_state(TL_RUN);
	}
	pthread_mutex_unlock(&g->mu);
	return sw;
}

int gil_held_by_me(gil *g)
{
	if (!g)
		return 0;
	pthread_mutex_lock(&g->mu);
	int mine = held_by_me_locked(g);
	pthread_mutex_unlock(&g->mu);
	return mine;
}

unsigned gil_waiters(gil *g)
{
	return g ? atomic_load_explicit(&g->nwait, memory_order_relaxed) : 0;
}

uint64_t gil_switches(gil *g)
{
	if (!g)
		return 0;
	pthread_mutex_lock(&g->mu);
	uint64_t n = g->switches;
	pthread_mutex_unlock(&g->mu);
	return n;
}

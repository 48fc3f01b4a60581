/*
 * gil.h - an emulated CPython GIL (the "new GIL" of CPython 3.2+).
 *
 * One lock that a thread holds while it computes. A thread that wants it
 * queues; once a holder has kept it for the switch interval while someone
 * waited, it hands it over at its next check point (gil_checkpoint), and
 * queues behind the waiters (FORCE_SWITCHING). Waiting for I/O, sleeping or
 * hashing a large buffer happens between gil_release and gil_acquire.
 *
 * A NULL gil is "no GIL": every call is a no-op (checkpoint returns 0), so
 * one code path serves "threads" and "threads+gil".
 */
#ifndef CB_GIL_H
#define CB_GIL_H

#include <stdint.h>

/* CPython's sys.getswitchinterval() default, 5 ms. */
#define GIL_INTERVAL_DEFAULT_NS 5000000ull

/* A clock in ns. NULL to gil_new means CLOCK_MONOTONIC; tests pass a fake
 * one they advance by hand. Called from any thread, under the gil's mutex. */
typedef uint64_t (*gil_clock_fn)(void *arg);

typedef struct gil gil;

/* A released GIL with switch interval interval_ns (0: hand over at every
 * check point where someone waits). NULL if memory or a mutex ran out. */
gil *gil_new(uint64_t interval_ns, gil_clock_fn clock, void *clock_arg);
/* Free it; nobody may hold it or wait for it. NULL is fine. */
void gil_free(gil *g);

/* Take the GIL, waiting in FIFO order behind earlier waiters. The caller must
 * not hold it already. */
void gil_acquire(gil *g);
/* Give it up (before blocking I/O, a sleep, a long hash); the longest waiter
 * gets it next. The caller must hold it. */
void gil_release(gil *g);
/* The eval breaker: called by the holder every so often while it computes.
 * If someone waits and the holder has kept the GIL for the interval since
 * that wait began, hand it to the first waiter, wait for the turn to come
 * back, and return 1 (holding it again); else return 0 at once. Cheap when
 * nobody waits: one relaxed atomic load. A non-holder gets 0. */
int gil_checkpoint(gil *g);

/* Does the calling thread hold it? (0 for NULL.) */
int gil_held_by_me(gil *g);
/* Threads queued in gil_acquire or waiting to get it back after a switch. */
unsigned gil_waiters(gil *g);
/* Hand-offs forced at check points so far (not voluntary releases). */
uint64_t gil_switches(gil *g);

#endif

/*
 * loop.h - one event loop, several readiness backends (after Redis's ae).
 *
 * The loop itself (loop.c) keeps the registered fds with their callbacks, a
 * min-heap of timers (timerheap.c) and a ready queue of callbacks to run this
 * turn (loop_soon), and asks a backend which fds are ready. A backend is
 * a tiny, fixed interface — create, destroy, set interest, wait — with one
 * small file each: select.c, poll.c, epoll.c, uring.c (each declared by its own
 * header). Those files also define the models of the same names, which drive
 * tasks' resumable forms on the loop (loop_run_tasks, looptasks.h); coro.c
 * runs coroutines on the epoll backend (the scheduler is coro_sched.c);
 * hybrid.c adds worker threads for blocking and CPU-bound steps
 * (loop_run_tasks_offload); the bundled HTTP target is the serve workload
 * on the epoll model (harness/run/target_serve.c).
 *
 * Single-threaded: a loop and everything registered on it belong to the
 * thread that calls loop_run / loop_run_tasks.
 */
#ifndef CB_LOOP_H
#define CB_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "models/model.h"

typedef struct loop loop;

/* Called when fd is ready: `ready` holds WL_READ / WL_WRITE. */
typedef void (*loop_fd_fn)(loop *l, int fd, int ready, void *arg);
/* Called once when a timer's deadline passes. */
typedef void (*loop_timer_fn)(loop *l, void *arg);

typedef struct {
	int fd;
	int ready; /* WL_READ | WL_WRITE */
} loop_event;

/* A readiness backend. Interest is per fd, as WL_READ | WL_WRITE; 0 removes. */
typedef struct {
	const char *name;
	/* Make backend state for up to max_fds fds (the fd numbers may be larger:
	 * select must refuse fds >= FD_SETSIZE with a clear message). 0 or -1. */
	int (*create)(loop *l, size_t max_fds, char *err, size_t errlen);
	void (*destroy)(loop *l);
	/* Change fd's interest from `old` to `now` (either may be 0). 0 or -errno. */
	int (*set)(loop *l, int fd, int old, int now);
	/* Wait up to timeout_ns (-1: forever, 0: poll) and fill at most max
	 * events. Returns how many, or -errno (EINTR is returned as 0). */
	int (*wait)(loop *l, int64_t timeout_ns, loop_event *ev, int max);
	/* 1: the kernel drops a closed fd from the set on its own (epoll), so
	 * loop_watch_close need not tell the backend. */
	int forgets_closed;
} loop_backend;

/* Beside WL_READ and WL_WRITE, an interest only the epoll and uring backends
 * honour (select and poll ignore it): the peer hung up (EPOLLRDHUP), and not the
 * bytes it sent before, which stay unread in the kernel's buffer. */
enum { LOOP_HUP = 8 };

/* New loop on `be` for about max_fds fds and max_timers timers (both grow as
 * needed). NULL with a message on failure. */
loop *loop_new(const loop_backend *be, size_t max_fds, size_t max_timers, char *err, size_t errlen);
void loop_free(loop *l);
/* The backend's own state, for the backend's functions. */
void *loop_backend_state(loop *l);
void loop_set_backend_state(loop *l, void *state);
/* For backends: say in words why set() or wait() just failed, for the run's
 * message ("select: fd 1024 is past FD_SETSIZE (1024): ..."). */
void loop_set_error(loop *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The last message a backend left, or "". */
const char *loop_error(const loop *l);

/* Watch fd for `events` (WL_READ | WL_WRITE | LOOP_HUP; 0 stops watching)
 * until told otherwise: the interest stays set across callbacks, and
 * watching again for the same events costs no system call. One callback
 * per fd. 0 or -errno (select: -EMFILE... for fds past FD_SETSIZE, see above). */
int loop_watch(loop *l, int fd, int events, loop_fd_fn fn, void *arg);
/* Stop watching fd and close it. On a backend that forgets closed fds by
 * itself (epoll) the close is the only system call, where loop_watch(fd, 0)
 * then close() would add an epoll_ctl per connection. Only for an fd no other
 * descriptor shares (not dup'd, not inherited): epoll forgets a file when
 * its last descriptor closes. 0 or -errno (from close). */
int loop_watch_close(loop *l, int fd);
/* A one-shot timer at deadline_ns (CLOCK_MONOTONIC). Returns an id > 0 for
 * loop_cancel, or -errno. */
int64_t loop_timer(loop *l, uint64_t deadline_ns, loop_timer_fn fn, void *arg);
void loop_cancel(loop *l, int64_t id);
/* Call fn(l, arg) in this turn's ready queue (asyncio's call_soon): after
 * the fds and timers of the turn, before the next wait, in the order asked,
 * the queue's callbacks adding to it as they go, for up to LOOP_TURN_NS a
 * turn. Not cancellable: a callback whose reason went away must see so
 * itself. A timer at deadline 0 is the other "at once": it waits for the
 * next turn, after the fds. 0 or -ENOMEM. */
int loop_soon(loop *l, loop_timer_fn fn, void *arg);
/* How long a turn may spend on its ready queue before the fds get a look. */
#define LOOP_TURN_NS 100000u
/* Run until loop_stop, or until nothing is watched, no timer is set and
 * the ready queue is empty.
 * 0, or -errno from the backend. */
int loop_run(loop *l);
/* From a callback: loop_run returns once that callback does. Readiness the
 * last wait reported but not yet delivered is kept for the next loop_run,
 * so no edge-triggered event is lost. */
void loop_stop(loop *l);

#endif

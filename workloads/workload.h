/*
 * workload.h - the task interface.
 *
 * A workload is a kind of task with parameters, written "name:key=value,...".
 * One task is one unit of work; it returns a 64-bit digest of its result, and a
 * run's digest combines all task digests without regard to order (see
 * wl_run_digest), so every model that does the same work shows the same digest.
 *
 * A CPU workload is one function: run task i, return its digest. Workloads that
 * wait (sleep now, I/O later) do their waiting through a wl_io, a tiny interface
 * whose backend the model chooses: the blocking backend here calls nanosleep;
 * an event loop or a coroutine scheduler supplies its own, so the same
 * straight-line task code yields instead of blocking.
 */
#ifndef CB_WORKLOAD_H
#define CB_WORKLOAD_H

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>

#define WL_MAX_PARAMS 8
#define WL_MAX_VALUES 16 /* values in a per-task list: "n=40|41" */
#define WL_ERRLEN     160

enum wl_ptype { WL_INT, WL_SIZE, WL_ENUM, WL_STR };

typedef struct wl_spec wl_spec;

/* One parameter a workload accepts; the parser checks names, types and ranges. */
typedef struct {
	const char *name;
	enum wl_ptype type;
	const char *def;     /* default, as text */
	int64_t min, max;    /* inclusive range for WL_INT and WL_SIZE */
	int64_t force_max;   /* larger max allowed with --force (0: none) */
	const char *choices; /* "|"-separated, for WL_ENUM */
	const char *help;
	int per_task; /* WL_INT, WL_SIZE: may be a list "a|b|c" that tasks cycle
		       * through (task i takes value i % count; see wl_param_at) */
	/* Does it apply to this instance? NULL: always. One that does not
	 * (scrypt's n on algo=sha256, the bundled target's delay_ms when a url
	 * is given) is still accepted, but no run records it: it is left out of
	 * wl_params_string, so results and chart names show only what mattered. */
	int (*applies)(const wl_spec *w);
	/* WL_STR: take the rest of the spec's text, commas included (so it is
	 * written last): serve's work=hash:algo=sha256,bytes=64k. */
	int rest;
	/* Optional, WL_STR: refuse a value at parse time (a usage error): 0, or
	 * -1 with err set ("name: ..."). force is --force, passed on. It may
	 * write the value's canonical form to canon, as results record it
	 * (serve's work=hash:bytes=64k: hash:algo=sha256,bytes=65536,rounds=1);
	 * left empty, the value stays as written. */
	int (*check)(const char *text, int force, char *canon, size_t canonlen, char *err,
		     size_t errlen);
} wl_param_def;

/* Readiness, as wait_fd() and the resumable form speak of it. */
enum { WL_READ = 1, WL_WRITE = 2, WL_TIMEOUT = 4 };

/* Where a task does its waiting (the straight-line form). Blocking models use
 * wl_io_blocking, which blocks the thread; a coroutine scheduler supplies one
 * that parks the coroutine and runs others. */
typedef struct wl_io wl_io;
struct wl_io {
	/* Wait until CLOCK_MONOTONIC reaches deadline_ns. 0 or -errno. */
	int (*sleep_until)(wl_io *io, uint64_t deadline_ns);
	/* Wait until fd is ready for `events` (WL_READ | WL_WRITE) or deadline_ns
	 * (0: none) passes. Returns the ready events (> 0), -ETIMEDOUT, or -errno. */
	int (*wait_fd)(wl_io *io, int fd, int events, uint64_t deadline_ns);
	void *ctx; /* the backend's state */
	/* 1: waiting blocks the calling thread, so a task may make a blocking
	 * call (read()) directly - bracketed by wl_nogil_begin/wl_nogil_end, so
	 * that under the emulated GIL the others run meanwhile. 0 (coroutines,
	 * event loops): a blocking call would stall every task sharing the
	 * thread; wait through wait_fd first. */
	int blocking;
	/* Optional (NULL: nothing to do), for an emulated GIL (models/gil.h):
	 * checkpoint is the eval breaker, which a CPU workload calls every
	 * 10-50 us of work so that a waiting thread can be handed the lock;
	 * nogil_begin/nogil_end bracket work done without the lock, as C code
	 * that drops the GIL (hashlib on large buffers, a blocking syscall made
	 * past the backend). Call them through the wl_ helpers below. */
	void (*checkpoint)(wl_io *io);
	void (*nogil_begin)(wl_io *io);
	void (*nogil_end)(wl_io *io);
	/* Optional (NULL: sched_yield()): give up the CPU to a peer and come
	 * back at the next turn. A coroutine scheduler parks the coroutine and
	 * runs the others first; for threads sched_yield is the kernel's switch.
	 * 0 or -errno. Call it through wl_yield. */
	int (*yield)(wl_io *io);
};
extern wl_io wl_io_blocking;

static inline void wl_checkpoint(wl_io *io)
{
	if (io && io->checkpoint)
		io->checkpoint(io);
}

static inline void wl_nogil_begin(wl_io *io)
{
	if (io && io->nogil_begin)
		io->nogil_begin(io);
}

static inline void wl_nogil_end(wl_io *io)
{
	if (io && io->nogil_end)
		io->nogil_end(io);
}

static inline int wl_yield(wl_io *io)
{
	if (io && io->yield)
		return io->yield(io);
	return sched_yield() == 0 ? 0 : -errno;
}

/* The resumable form, for callback-style event loops: what a task waits for
 * next. A task waits for one fd, or only for its deadline (fd = -1). */
typedef struct {
	int fd;               /* -1: no fd */
	int events;           /* WL_READ | WL_WRITE, when fd >= 0 */
	uint64_t deadline_ns; /* 0: none; when it passes, step() gets WL_TIMEOUT */
} wl_wait;
/* What step() returns. WL_STEP_OFFLOAD: the next step blocks or computes;
 * an executor may run it on a worker thread, then resume the task on the
 * loop (the hybrid model, asyncio's run_in_executor). A plain event loop
 * calls step again at once, inline, so the work still holds up its loop.
 * The call after OFFLOAD gets ready == 0 (WL_TIMEOUT when the run is being
 * cancelled: give up without doing the work) and does its waiting through
 * wl_offload_backend(). */
enum { WL_STEP_DONE = 0, WL_STEP_WAIT = 1, WL_STEP_OFFLOAD = 2 };

/* The backend an offloaded step waits through: an executor's worker sets
 * wl_offload_io around the call (hybrid+gil: the GIL's backend, so blocking
 * lets go of it); NULL, as on every other thread, means wl_io_blocking.
 * (Defined in workload.c.) */
extern _Thread_local wl_io *wl_offload_io;
static inline wl_io *wl_offload_backend(void)
{
	return wl_offload_io ? wl_offload_io : &wl_io_blocking;
}

typedef struct wl_kind wl_kind;

/* A parsed workload: its kind, parameter values and prepared state. */
struct wl_spec {
	const wl_kind *kind;
	int nparams;
	struct {
		const wl_param_def *def;
		int64_t num;                 /* WL_INT, WL_SIZE; index into choices for WL_ENUM */
		char text[128];              /* as given (or the default) */
		int64_t vals[WL_MAX_VALUES]; /* a per-task list; vals[0] == num */
		int nvals;                   /* 0 or 1: one value, num */
	} p[WL_MAX_PARAMS];
	void *state; /* built by init, read-only while tasks run */
	void *run;   /* built by begin for one run (NULL outside one); see wl_kind */
	/* host:port of the bundled HTTP target when the harness started one
	 * (an http workload that names no url); "" otherwise. Set before init. */
	char target[64];
	/* A listening TCP socket the harness opened before the run (loopback,
	 * non-blocking), for a server workload (wl_kind.server): used when
	 * listen_set is 1. Fork and prefork children inherit it; the harness
	 * ends the run with shutdown(listen_fd, SHUT_RDWR) once its load is
	 * done, and a task still waiting to accept then fails, never hangs. */
	int listen_set;
	int listen_fd;
};

/* Per-task outcome. err is 0 or a positive errno-like code with msg set. */
typedef struct {
	uint64_t digest;
	int err;
	char msg[WL_ERRLEN];
} wl_result;

struct wl_kind {
	const char *name;
	const char *summary;
	const char *cls;            /* "cpu" or "io": what dominates the task */
	const wl_param_def *params; /* terminated by a zero entry */
	/* Optional: refuse, before any run, parameters that cannot work with
	 * ntasks tasks at most min_c in flight (switch:mode=pipe with an odd
	 * -n) or at all (hash: n not a power of two), so that they are a usage
	 * error and not a failure repeated by every run. 0, or -1 with err set
	 * ("name: ..."). Call it through wl_check. */
	int (*check)(const wl_spec *w, size_t ntasks, unsigned min_c, char *err, size_t errlen);
	/* Prepare state (buffers, constants) before any run; may be NULL. */
	int (*init)(wl_spec *w, char *err, size_t errlen);
	void (*fini)(wl_spec *w);
	/* Optional set-up for one run, knowing its task count: done in the run's
	 * own process before t0, so every run starts fresh and the children of
	 * the fork and prefork models inherit what it opens (switch:mode=pipe's
	 * pipes). It leaves its state in w->run; 0, or an errno-like code with
	 * err set and nothing left open. end undoes it. */
	int (*begin)(wl_spec *w, size_t ntasks, char *err, size_t errlen);
	void (*end)(wl_spec *w);
	/* Run task i (the straight-line form). Fill r->digest, or set r->err and
	 * r->msg. Waiting goes through io. */
	void (*run)(const wl_spec *w, size_t i, wl_io *io, wl_result *r);
	/* The resumable form doing the same work, for event loops; NULL for
	 * workloads that never wait (an event loop runs those with run(), inline).
	 * First call: state zeroed (state_size bytes), ready == 0. Later calls:
	 * ready holds what happened (WL_READ, WL_WRITE, WL_TIMEOUT). Returns
	 * WL_STEP_WAIT with *next filled, WL_STEP_OFFLOAD (see above: the next
	 * call blocks or computes), or WL_STEP_DONE with r filled and every
	 * resource of the task (fds) released. */
	int (*step)(const wl_spec *w, size_t i, void *state, int ready, wl_wait *next,
		    wl_result *r);
	size_t state_size;
	/* Does this workload want the bundled HTTP target? (no url given) */
	int (*needs_target)(const wl_spec *w);
	/* 1 for serve: each task serves one connection accepted on the run's
	 * listening socket; the harness must open the socket (listen_set) and
	 * drive a load against it. */
	int server;
	/* How deep a task's straight-line form goes on its stack, about, when
	 * that is past the first page (0: within it; http's is 8 KiB). A
	 * coroutine pool touches that much of each stack before t0, as the
	 * stacks of a warm pool that ran such tasks would be: the pages every
	 * task touches anyway, at ~20 us a first touch on a VM. */
	size_t stack_bytes;
	/* Optional: a longer text for `concbench list workloads`. */
	const char *help;
};

/* workload.c */
int64_t wl_param(const wl_spec *w, const char *name); /* the first value */
/* Task i's value of a per-task parameter: value i % count of its list. */
int64_t wl_param_at(const wl_spec *w, const char *name, size_t i);
int wl_param_count(const wl_spec *w, const char *name); /* values in the list, >= 1 */
const char *wl_param_text(const wl_spec *w, const char *name);
/* The parameters that apply (see wl_param_def.applies) in one canonical
 * form, as results record them: "name=value,..." in the table's order;
 * numbers as plain integers, sizes in bytes (bytes=65536, never 64k), a
 * per-task list as "a|b"; an empty text parameter (url) is left out. */
void wl_params_string(const wl_spec *w, char *buf, size_t len);
/* The kind's check (0 when it has none), once N and the smallest C are known. */
int wl_check(const wl_spec *w, size_t ntasks, unsigned min_c, char *err, size_t errlen);
int wl_prepare(wl_spec *w, char *err, size_t errlen); /* calls init */
void wl_release(wl_spec *w);
/* Around one run: call begin (0 when the kind has none), then end. */
int wl_begin(wl_spec *w, size_t ntasks, char *err, size_t errlen);
void wl_end(wl_spec *w);
uint64_t wl_digest_bytes(const void *p, size_t n); /* XXH3-64 */
uint64_t wl_digest_u64(uint64_t v);                /* of 8 LE bytes */
/* Fold task i's digest into a run digest: sum mod 2^64 of XXH3(digest, seed i). */
uint64_t wl_run_digest_add(uint64_t acc, size_t i, uint64_t task_digest);
void wl_fail(wl_result *r, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint64_t wl_now_ns(void); /* CLOCK_MONOTONIC */

#endif

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

#include <stddef.h>
#include <stdint.h>

#define WL_MAX_PARAMS 8
#define WL_ERRLEN     160

enum wl_ptype { WL_INT, WL_SIZE, WL_ENUM };

/* One parameter a workload accepts; the parser checks names, types and ranges. */
typedef struct {
	const char *name;
	enum wl_ptype type;
	const char *def;     /* default, as text */
	int64_t min, max;    /* inclusive range for WL_INT and WL_SIZE */
	int64_t force_max;   /* larger max allowed with --force (0: none) */
	const char *choices; /* "|"-separated, for WL_ENUM */
	const char *help;
} wl_param_def;

/* Where a task does its waiting. Blocking models use wl_io_blocking. */
typedef struct wl_io wl_io;
struct wl_io {
	/* Wait until CLOCK_MONOTONIC reaches deadline_ns. 0 or -errno. */
	int (*sleep_until)(wl_io *io, uint64_t deadline_ns);
	void *ctx; /* the backend's state */
};
extern wl_io wl_io_blocking;

typedef struct wl_kind wl_kind;

/* A parsed workload: its kind, parameter values and prepared state. */
typedef struct {
	const wl_kind *kind;
	int nparams;
	struct {
		const wl_param_def *def;
		int64_t num;   /* WL_INT, WL_SIZE; index into choices for WL_ENUM */
		char text[48]; /* as given (or the default) */
	} p[WL_MAX_PARAMS];
	void *state; /* built by init, read-only while tasks run */
} wl_spec;

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
	/* Prepare state (buffers, constants) before any run; may be NULL. */
	int (*init)(wl_spec *w, char *err, size_t errlen);
	void (*fini)(wl_spec *w);
	/* Run task i. Fill r->digest, or set r->err and r->msg. */
	void (*run)(const wl_spec *w, size_t i, wl_io *io, wl_result *r);
};

/* registry.c */
const wl_kind *wl_find(const char *name);
const wl_kind *const *wl_all(void); /* NULL-terminated */

/* workload.c */
int64_t wl_param(const wl_spec *w, const char *name);
const char *wl_param_text(const wl_spec *w, const char *name);
void wl_params_string(const wl_spec *w, char *buf, size_t len); /* "n=32,..." */
int wl_prepare(wl_spec *w, char *err, size_t errlen);           /* calls init */
void wl_release(wl_spec *w);
uint64_t wl_digest_bytes(const void *p, size_t n); /* XXH3-64 */
uint64_t wl_digest_u64(uint64_t v);                /* of 8 LE bytes */
/* Fold task i's digest into a run digest: sum mod 2^64 of XXH3(digest, seed i). */
uint64_t wl_run_digest_add(uint64_t acc, size_t i, uint64_t task_digest);
void wl_fail(wl_result *r, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
uint64_t wl_now_ns(void); /* CLOCK_MONOTONIC */

#endif

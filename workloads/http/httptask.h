/*
 * httptask.h - one HTTP GET as a task, shared by the http and mixed workloads.
 *
 * The GET is written once, as a state machine (connect, send, receive) that
 * says which fd and event it waits for next: that is the resumable form an
 * event loop drives. The straight-line form is the same machine driven by a
 * loop that waits through the model's wl_io (http_drive), so the two forms
 * cannot drift apart: they are one piece of code.
 *
 * The body is digested as it streams in (XXH3's streaming state gives the
 * same value as wl_digest_bytes over the whole body), so no task holds more
 * than one small read buffer of it.
 */
#ifndef CB_HTTPTASK_H
#define CB_HTTPTASK_H

#include <netinet/in.h>
#include <stdint.h>

#define XXH_STATIC_LINKING_ONLY /* for sizeof(XXH3_state_t) */
#include <xxhash.h>

#include "workloads/http/httpparse.h"
#include "workloads/workload.h"

/* The parameters of every workload that fetches, first in its table. */
/* clang-format off */
#define HTTP_PARAMS                                                                         \
	{ .name = "delay_ms", .type = WL_INT, .def = "100", .min = 0, .max = 600000,        \
	  .per_task = 1,                                                                    \
	  .help = "how long the bundled target waits before it replies (not with url)" },   \
	{ .name = "size", .type = WL_SIZE, .def = "1024", .min = 0, .max = 64 << 20,        \
	  .per_task = 1,                                                                    \
	  .help = "body bytes the bundled target sends (4k, 1m; not with url)" },           \
	{ .name = "url", .type = WL_STR, .def = "",                                         \
	  .help = "http://host[:port]/path to GET instead of the bundled target" },         \
	{ .name = "keepalive", .type = WL_INT, .def = "0", .min = 0, .max = 1,              \
	  .help = "0: a connection per task (requests.get); "                               \
		  "1: reuse idle ones, per thread (requests.Session)" },                    \
	{ .name = "timeout_ms", .type = WL_INT, .def = "30000", .min = 1, .max = 3600000,   \
	  .help = "each task's deadline, for connect, send and receive together" },         \
	{ .name = "blocking", .type = WL_INT, .def = "0", .min = 0, .max = 1,               \
	  .help = "1: a teaching pitfall: wait with plain poll() even on an event loop or "  \
		  "coroutines, stalling every task there (listing 2-20)" }
/* clang-format on */

/* Where to connect and what to ask: built by init, read-only in tasks. */
struct http_cfg {
	struct sockaddr_in addr;
	uint64_t pool_key;   /* names this target in the keep-alive pool */
	char authority[128]; /* host[:port] as given: the Host header */
	char path[192];      /* the request target; the query follows if seeded */
	int seeded;          /* bundled target: ?delay_ms=D&size=S&seed=i follows */
	int keepalive;
	int blocking; /* the pitfall: wait past the model's backend */
	int64_t timeout_ms;
	int ndelay, nsize; /* per-task lists: task i asks for entry i % count */
	int64_t delay_ms[WL_MAX_VALUES], size[WL_MAX_VALUES];
};

/* Fill c from w's parameters (url, or w->target), resolving the host once.
 * 0, or -1 with "name: ..." in err. */
int http_cfg_init(struct http_cfg *c, const wl_spec *w, const char *name, char *err, size_t errlen);

/* A task's state: zeroed before its first step, as wl_kind.step promises.
 * Holds no pointers into itself, so a model may move it between steps (the
 * XXH3 state, which wants 64-byte alignment, is re-aligned when moved). */
struct http_task {
	int phase;
	int fd;
	int reused;    /* fd came from the keep-alive pool */
	int offloaded; /* http_step_blocking: WL_STEP_OFFLOAD returned */
	uint64_t deadline_ns;
	size_t sent;
	httpp parser;
	unsigned xxh_off;
	unsigned char xxh_mem[sizeof(XXH3_state_t) + 64];
};

/* One step of task i's GET (the contract of wl_kind.step). On success
 * r->digest is the body's wl_digest_bytes. Besides WL_READ, WL_WRITE and
 * WL_TIMEOUT, ready may be -errno: the waiting itself failed, and the task
 * fails with it (http_drive's use). */
int http_task_step(const struct http_cfg *c, size_t i, struct http_task *t, int ready,
		   wl_wait *next, wl_result *r);

/* The straight-line form: call step until done, waiting through io (or
 * through wl_io_blocking when c->blocking); WL_STEP_OFFLOAD goes on at once. */
typedef int http_step_fn(const wl_spec *w, size_t i, void *state, int ready, wl_wait *next,
			 wl_result *r);
void http_drive(const struct http_cfg *c, const wl_spec *w, size_t i, wl_io *io, void *state,
		http_step_fn *step, wl_result *r);

/* The resumable form when c->blocking: the first call says WL_STEP_OFFLOAD;
 * the second does the whole task, blocking the caller (the event loop, or a
 * hybrid's worker), then WL_STEP_DONE. state starts with a struct http_task. */
int http_step_blocking(const struct http_cfg *c, const wl_spec *w, size_t i, void *state,
		       http_step_fn *step, int ready, wl_result *r);

/* Close the calling thread's idle keep-alive connections. */
void http_pool_drain(void);

/* wl_kind.needs_target: the bundled target, unless a url is given. */
int http_needs_target(const wl_spec *w);

#endif

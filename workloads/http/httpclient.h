/*
 * httpclient.h - one HTTP GET as a task, shared by the http and mixed workloads
 * (and concbench load's connections, which may POST a fixed body instead:
 * httpcfg.body).
 *
 * The request is written once, as a state machine (connect, send, receive) that
 * says which fd and event it waits for next: that is the resumable form an
 * event loop drives. The straight-line form is the same machine driven by a
 * loop that waits through the model's wl_io (httpclient_drive), so the two forms
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

#include "workloads/http/httpcfg.h"
#include "workloads/http/httpresp.h"
#include "workloads/workload.h"

/* A task's state: zeroed before its first step, as wl_kind.step promises.
 * Holds no pointers into itself, so a model may move it between steps (the
 * XXH3 state, which wants 64-byte alignment, is re-aligned when moved). */
struct httpclient_task {
	int phase;
	int fd;
	int reused;      /* fd came from the keep-alive pool, or was held */
	int held;        /* c->hold: fd stays open here for the next GET */
	int offloaded;   /* httpclient_step_blocking: WL_STEP_OFFLOAD returned */
	int unconfirmed; /* connect() said EINPROGRESS and nothing was sent yet */
	uint64_t deadline_ns;
	size_t sent;
	httpresp parser;
	unsigned xxh_off;
	unsigned char xxh_mem[sizeof(XXH3_state_t) + 64];
};

/* With c->hold (a load generator's connection, which sends request after
 * request on one socket), a task done with a reusable connection keeps it in
 * t->fd with t->held set, instead of the thread's pool; the same struct,
 * stepped again from ready == 0, sends the next GET on it. The caller closes
 * a held fd it no longer wants (and clears held). */
/* One step of task i's GET (the contract of wl_kind.step). On success
 * r->digest is the body's wl_digest_bytes. Besides WL_READ, WL_WRITE and
 * WL_TIMEOUT, ready may be -errno: the waiting itself failed, and the task
 * fails with it (httpclient_drive's use). */
int httpclient_step(const struct httpcfg *c, size_t i, struct httpclient_task *t, int ready,
		    wl_wait *next, wl_result *r);

/* The straight-line form: call step until done, waiting through io (or
 * through wl_io_blocking when c->blocking); WL_STEP_OFFLOAD goes on at once. */
typedef int httpclient_step_fn(const wl_spec *w, size_t i, void *state, int ready, wl_wait *next,
			       wl_result *r);
void httpclient_drive(const struct httpcfg *c, const wl_spec *w, size_t i, wl_io *io, void *state,
		      httpclient_step_fn *step, wl_result *r);

/* The resumable form when c->blocking: the first call says WL_STEP_OFFLOAD;
 * the second does the whole task, blocking the caller (the event loop, or a
 * hybrid's worker), then WL_STEP_DONE. state starts with a struct httpclient_task. */
int httpclient_step_blocking(const struct httpcfg *c, const wl_spec *w, size_t i, void *state,
			     httpclient_step_fn *step, int ready, wl_result *r);

/* The request head task i sends under c (a GET, or a POST of c->body) into
 * buf[0..len), as snprintf: the length it needs. For c->head, made once. */
size_t httpclient_head(const struct httpcfg *c, size_t i, char *buf, size_t len);

#endif

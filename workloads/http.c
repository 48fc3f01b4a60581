/*
 * http.c - one HTTP GET per task: the book's I/O-bound example.
 *
 * The book fetches example.com with requests.get (listings 1-7/1-8) and
 * aiohttp (chapter 4); concbench fetches from its bundled target instead, a
 * local server that answers /work?delay_ms=D&size=S&seed=K after D ms with S
 * bytes made from K, so the wait is known and the network stays out of the
 * figures. A url parameter fetches a real server instead (http:// only: TLS
 * would measure OpenSSL, not the model). keepalive=0 opens a connection per
 * task, as requests.get does; keepalive=1 reuses idle ones, as a session.
 * delay_ms and size may be per-task lists (delay_ms=100|300). blocking=1 is a
 * pitfall shown on purpose: the task polls its socket itself, past the
 * model's backend, so on an event loop or coroutines it stalls all others
 * (its step says WL_STEP_OFFLOAD first, so hybrid runs it on a worker).
 *
 * The digest is XXH3 of the body, so every model must receive every byte.
 * The work itself (connect, send, receive under one deadline) is the state
 * machine in httpclient.c, configured from the parameters by httpcfg.c; this
 * file hands them to the models.
 */
#include "workloads/http/httpcfg.h"
#include "workloads/http/httpclient.h"
#include "workloads/http/httppool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static const wl_param_def http_params[] = {
	HTTPCFG_PARAMS,
	{ 0 },
};

static int http_init(wl_spec *w, char *err, size_t errlen)
{
	struct httpcfg *c = malloc(sizeof *c);

	if (!c)
		return ERR("http: out of memory");
	if (httpcfg_init(c, w, "http", err, errlen) < 0) {
		free(c);
		return -1;
	}
	w->state = c;
	return 0;
}

/* Idle connections of worker threads close as those threads exit; the
 * calling thread's close here, so nothing outlives the workload. */
static void http_fini(wl_spec *w)
{
	httppool_drain();
	free(w->state);
}

static int http_plain_step(const wl_spec *w, size_t i, void *state, int ready, wl_wait *next,
			   wl_result *r)
{
	return httpclient_step(w->state, i, state, ready, next, r);
}

static int http_step(const wl_spec *w, size_t i, void *state, int ready, wl_wait *next,
		     wl_result *r)
{
	const struct httpcfg *c = w->state;

	if (c->blocking)
		return httpclient_step_blocking(c, w, i, state, http_plain_step, ready, r);
	return http_plain_step(w, i, state, ready, next, r);
}

static void http_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	struct httpclient_task t;

	memset(&t, 0, sizeof t);
	httpclient_drive(w->state, w, i, io, &t, http_plain_step, r);
}

const wl_kind wl_http = {
	.name = "http",
	.summary = "one HTTP GET per task, from the bundled target or a url",
	.cls = "io",
	.params = http_params,
	.init = http_init,
	.fini = http_fini,
	.run = http_run,
	.step = http_step,
	.state_size = sizeof(struct httpclient_task),
	.needs_target = httpcfg_needs_target,
	.stack_bytes = 8192, /* under 8 KiB: test_cli_http's small-stack test */
};

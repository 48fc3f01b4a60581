/*
 * serveparams.c - the serve workload's parameters (serve.c): where to
 * listen, which API, the per-connection deadline, a stall on purpose, a
 * listener per loop (reuseport), and the work run per request, each
 * checked where it is parsed.
 */
#define _GNU_SOURCE
#include "workloads/serveparams.h"
#include "workloads/serveconn.h"
#include "workloads/servesock.h"
#include "workloads/wlparse.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

/* The listen address applies only when the harness gives no socket. */
static int serve_own_socket(const wl_spec *w)
{
	return !w->listen_set;
}

/* The work is run only under the digest API; the API is recorded only
 * when it is not the default, so digest runs keep their params text. */
static int serve_digest_api(const wl_spec *w)
{
	return wl_param(w, "api") == SERVECONN_DIGEST;
}

static int serve_target_api(const wl_spec *w)
{
	return !serve_digest_api(w);
}

static int listen_check(const char *text, int force, char *canon, size_t canonlen, char *err,
			size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char msg[160];

	if (servesock_addr(text, &ss, &len, msg, sizeof msg) < 0)
		return ERR("serve: listen: %s", msg);
	return 0;
}

/* A work is any workload that needs no per-run set-up of its own. Its
 * canonical form is its name and wl_params_string, so that 64k and 65536
 * make one set of results. */
static int work_check(const char *text, int force, char *canon, size_t canonlen, char *err,
		      size_t errlen)
{
	wl_spec w;
	char msg[WL_ERRLEN], params[160];
	int n;

	if (wl_parse(text, force, &w, msg, sizeof msg) < 0)
		return ERR("serve: work=%s: %s", text, msg);
	if (w.kind->server)
		return ERR("serve: work=%s: a server cannot be the work of a server", text);
	if (w.kind->begin)
		return ERR("serve: work=%s: %s needs a set-up per run, which a request cannot "
			   "have",
			   text, w.kind->name);
	if (w.kind->step && w.kind->state_size > SERVE_WORK_STATE)
		return ERR("serve: work=%s: its step state is over %zu bytes", text,
			   (size_t)SERVE_WORK_STATE);
	if (wl_check(&w, 1, 1, msg, sizeof msg) < 0)
		return ERR("serve: work=%s: %s", text, msg);
	wl_params_string(&w, params, sizeof params);
	n = snprintf(canon, canonlen, "%s%s%s", w.kind->name, params[0] ? ":" : "", params);
	if (n < 0 || (size_t)n >= canonlen)
		canon[0] = '\0'; /* too long: as written */
	return 0;
}

/* The stall is recorded only when there is one. */
static int serve_stalls(const wl_spec *w)
{
	return wl_param(w, "stall_ms") > 0;
}

/* reuseport is recorded only when asked for. */
static int serve_reuses(const wl_spec *w)
{
	return wl_param(w, "reuseport") == 1;
}

int serve_check(const wl_spec *w, size_t ntasks, unsigned min_c, char *err, size_t errlen)
{
	(void)ntasks, (void)min_c;
	if (serve_stalls(w) && wl_param(w, "stall_ms") >= wl_param(w, "stall_every_ms"))
		return ERR(
			"serve: stall_ms=%lld must be shorter than its period stall_every_ms=%lld",
			(long long)wl_param(w, "stall_ms"),
			(long long)wl_param(w, "stall_every_ms"));
	return 0;
}

const wl_param_def serve_params[] = {
	{ .name = "api",
	  .type = WL_ENUM,
	  .def = "digest",
	  .choices = "digest|target",
	  .help = "digest: every path runs the work's task K for ?seed=K and answers its "
		  "digest; target: the bundled target's /work?delay_ms=D&size=S&seed=K (a "
		  "wait of D ms, S bytes of a body made from K), no work. /stats under both",
	  .applies = serve_target_api },
	{ .name = "listen",
	  .type = WL_STR,
	  .def = "127.0.0.1:0",
	  .help = "HOST:PORT to listen on when the harness gives no socket (port 0: any "
		  "free one)",
	  .applies = serve_own_socket,
	  .check = listen_check },
	{ .name = "stall_ms",
	  .type = WL_INT,
	  .def = "0",
	  .min = 0,
	  .max = 600000,
	  .help = "a stall on purpose: every stall_every_ms from the run's start, each server "
		  "thread that would go on sleeps for this long (a GC pause, a blocked loop); "
		  "0: none",
	  .applies = serve_stalls },
	{ .name = "stall_every_ms",
	  .type = WL_INT,
	  .def = "10000",
	  .min = 1,
	  .max = 3600000,
	  .help = "the period of stall_ms, longer than it",
	  .applies = serve_stalls },
	{ .name = "reuseport",
	  .type = WL_INT,
	  .def = "0",
	  .min = 0,
	  .max = 1,
	  .help = "1: each loop thread (epoll:loops=K, coro:loops=K) accepts on a listening "
		  "socket of its own, SO_REUSEPORT, the kernel spreading connections by a hash "
		  "(nginx's reuseport); a loop short of connections takes another's every 5 ms. "
		  "Blocking models ignore it",
	  .applies = serve_reuses },
	{ .name = "timeout_ms",
	  .type = WL_INT,
	  .def = "60000",
	  .min = 1,
	  .max = 3600000,
	  .help = "a request head must arrive, and an answer leave, within this; an idle "
		  "keep-alive connection is closed after it" },
	{ .name = "work",
	  .type = WL_STR,
	  .def = "null",
	  .rest = 1,
	  .help = "the workload run per request, task K for ?seed=K; written last, it takes "
		  "the rest of the text: serve:work=hash:algo=sha256,bytes=64k",
	  .applies = serve_digest_api,
	  .check = work_check },
	{ 0 },
};

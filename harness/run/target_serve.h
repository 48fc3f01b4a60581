/*
 * target_serve.h - the bundled HTTP target: a small HTTP/1.1 server for the
 * http workloads to talk to, so a sweep needs nothing but concbench.
 *
 *   GET /work?delay_ms=D&size=S&seed=K   200 after D ms (0..600000) with S
 *                                        bytes (0..64 MiB) of httpbody_fill(K)
 *   GET /stats                           live connections, delayed requests,
 *                                        requests answered (text/plain)
 *
 * What a request may say: workloads/http/httpreq.h; what one connection
 * does: workloads/http/httpserver.h. One thread, the project's event loop
 * (models/loop.c): 20,000 delayed requests cost 20,000 small structs and
 * timers, not threads. `concbench serve` runs it in the foreground;
 * target_spawn.c runs it as a sweep's peer process.
 */
#ifndef CB_TARGET_SERVE_H
#define CB_TARGET_SERVE_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

/* Serve on `listen` ("HOST:PORT", "[V6]:PORT" or "PORT"; HOST numeric or
 * "localhost"; port 0 picks a free one) until *stop becomes nonzero (looked
 * at every 100 ms at least). Once bound, prints "listening on HOST:PORT\n" to
 * announce (if not NULL) and flushes it. Raises the soft RLIMIT_NOFILE to the
 * hard limit. 0, or -1 with a message ("cannot bind 127.0.0.1:80: ..."). */
int target_serve(const char *listen, volatile sig_atomic_t *stop, FILE *announce, char *err,
		 size_t errlen);

#endif

/*
 * target_serve.h - the bundled HTTP target: a small HTTP/1.1 server for the
 * http workloads to talk to, so a sweep needs nothing but concbench.
 *
 *   GET /work?delay_ms=D&size=S&seed=K   200 after D ms (0..600000) with S
 *                                        bytes (0..64 MiB) of httpbody_fill(K)
 *   GET /stats                           live connections, delayed requests,
 *                                        requests answered (text/plain)
 *   POST (either path)                   as GET, once its Content-Length body
 *                                        (up to 64 MiB) is read and dropped
 *
 * What a request may say: workloads/http/httpreq.h; what one connection
 * does: workloads/http/httpserver.h. One thread, the project's event loop
 * (models/loop.c): 20,000 delayed requests cost 20,000 small structs and
 * timers, not threads. `concbench serve` runs it in the foreground;
 * target_spawn.c runs it as a sweep's peer process.
 *
 * It can also be made to stall on purpose, as a server does in a GC pause or
 * when a handler blocks its event loop: the teaching server for coordinated
 * omission (a closed-loop load generator waits out the stall and hardly
 * records it; an open loop at a fixed rate charges it to every request it
 * delayed).
 */
#ifndef CB_TARGET_SERVE_H
#define CB_TARGET_SERVE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Serve on `listen` ("HOST:PORT", "[V6]:PORT" or "PORT"; HOST numeric or
 * "localhost"; port 0 picks a free one) until *stop becomes nonzero (looked
 * at every 100 ms at least). Once bound, prints "listening on HOST:PORT\n" to
 * announce (if not NULL) and flushes it. Raises the soft RLIMIT_NOFILE to the
 * hard limit. 0, or -1 with a message ("cannot bind 127.0.0.1:80: ..."). */
int target_serve(const char *listen, volatile sig_atomic_t *stop, FILE *announce, char *err,
		 size_t errlen);

/* A stall on purpose: every every_ns (the first every_ns after listening
 * begins) the server's one thread sleeps for stall_ns, so nothing is
 * accepted, read or answered meanwhile; then it goes on. Nothing is printed
 * per stall. 0 < stall_ns < every_ns, or both 0: never. */
typedef struct {
	uint64_t stall_ns, every_ns;
} target_stall;

/* target_serve, stalling as `stall` says (NULL: never). */
int target_serve_stalling(const char *listen, const target_stall *stall,
			  volatile sig_atomic_t *stop, FILE *announce, char *err, size_t errlen);

#endif

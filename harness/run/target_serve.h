/*
 * target_serve.h - `concbench serve`: the serve workload (workloads/serve.c)
 * run forever on a model, in rounds, on a listening socket of its own. With
 * no work it answers the bundled target's API, which the http workloads
 * talk to, so a sweep needs nothing but concbench:
 *
 *   GET /work?delay_ms=D&size=S&seed=K   200 after D ms (0..600000) with S
 *                                        bytes (0..64 MiB) of httpbody_fill(K)
 *   GET /stats                           live connections, delayed requests,
 *                                        requests answered (text/plain)
 *   POST (either path)                   as GET, once its Content-Length body
 *                                        (up to 64 MiB) is read and dropped
 *
 * With a work (the digest API), every path runs the work's task K for
 * ?seed=K and answers its digest. What a request may say:
 * workloads/http/httpreq.h. target_spawn.c runs it as a sweep's peer
 * process (epoll, the target API).
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

/* A stall on purpose: every every_ns (the first every_ns after listening
 * begins) the server answers nothing for stall_ns: each of its threads that
 * would go on sleeps to the stall's end (on an event loop, its one thread),
 * so nothing is accepted, read or answered meanwhile; then it goes on.
 * Nothing is printed per stall. 0 < stall_ns < every_ns, or both 0: never. */
typedef struct {
	uint64_t stall_ns, every_ns;
} target_stall;

#define TARGET_ROUND ((size_t)1 << 20) /* connections per round, by default */

/* What to serve. Zeroed: the bundled target on epoll at 127.0.0.1:8080. */
typedef struct {
	const char *listen; /* "HOST:PORT", "[V6]:PORT" or "PORT"; NULL: 127.0.0.1:8080 */
	const char *model;  /* a model spec; NULL: epoll */
	unsigned c;         /* connections served at once; 0: target_default_c */
	const char *work;   /* NULL: the target API; else the digest API running it */
	target_stall stall;
	size_t round; /* connections per round; 0: TARGET_ROUND */
} target_opts;

/* The connections a model serves at once unless told (1 for sequential). */
unsigned target_default_c(const char *model_name);

/* Refuse what no server could run (a usage error): a bad model, C, work or
 * address. 0, or -1 with a message that names the bad part. */
int target_check(const target_opts *o, char *err, size_t errlen);

/* Serve until *stop becomes nonzero (looked at every 10 ms): bind (port 0
 * picks a free one), print "listening on HOST:PORT\n" to announce (if not
 * NULL) and flush it, then run rounds of o->round connections of the serve
 * workload on the model, each in a child process of its own group; the
 * socket stays open across rounds. Raises the soft RLIMIT_NOFILE to the
 * hard limit. On stop the round's processes are killed, open connections
 * and all. 0, or -1 with a message ("cannot bind 127.0.0.1:80: ...",
 * "limit: pthread_create EAGAIN at 31211 threads"). */
int target_serve_opts(const target_opts *o, volatile sig_atomic_t *stop, FILE *announce, char *err,
		      size_t errlen);

/* The bundled target (epoll, the target API) on `listen`. */
int target_serve(const char *listen, volatile sig_atomic_t *stop, FILE *announce, char *err,
		 size_t errlen);

/* target_serve, stalling as `stall` says (NULL: never). */
int target_serve_stalling(const char *listen, const target_stall *stall,
			  volatile sig_atomic_t *stop, FILE *announce, char *err, size_t errlen);

#endif

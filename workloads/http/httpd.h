/*
 * httpd.h - the bundled HTTP target: a small HTTP/1.1 server for the http
 * workloads to talk to, so a sweep needs nothing but concbench.
 *
 *   GET /work?delay_ms=D&size=S&seed=K   200 after D ms (0..600000) with S
 *                                        bytes (0..64 MiB) of httpd_body(K)
 *   GET /stats                           live connections, delayed requests,
 *                                        requests answered (text/plain)
 *
 * HEAD works on both; other paths are 404, other methods 405, bad numbers or
 * a malformed request 400, a request head over 8 KiB 431. Keep-alive is the
 * HTTP/1.1 default, pipelined requests are answered in order, and an idle
 * connection is closed after 60 s. One thread, one epoll loop, a heap of
 * timers: 20,000 delayed requests cost 20,000 small structs, not threads.
 */
#ifndef CB_HTTPD_H
#define CB_HTTPD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define HTTPD_MAX_DELAY_MS 600000u
#define HTTPD_MAX_SIZE     (64u << 20)

/* Serve on `listen` ("HOST:PORT", "[V6]:PORT" or "PORT"; HOST numeric or
 * "localhost"; port 0 picks a free one) until *stop becomes nonzero (looked
 * at every 100 ms at least). Once bound, prints "listening on HOST:PORT\n" to
 * announce (if not NULL) and flushes it. Raises the soft RLIMIT_NOFILE to the
 * hard limit. 0, or -1 with a message ("cannot bind 127.0.0.1:80: ..."). */
int httpd_serve(const char *listen, volatile sig_atomic_t *stop, FILE *announce, char *err,
		size_t errlen);

/* Start a server in a process of its own (its own process group; bound to
 * cpuset, an hwloc_const_cpuset_t of `topology`, an hwloc_topology_t, when
 * cpuset is not NULL) on 127.0.0.1 and a free port. Returns once a real
 * request got a 200 (within 5 s), with *pid set and hostport holding
 * "127.0.0.1:PORT". The server dies with the thread that started it. 0, or
 * -1 with a message and nothing left running. */
int httpd_spawn(const void *topology, const void *cpuset, pid_t *pid, char *hostport, size_t len,
		char *err, size_t errlen);

/* Stop a server from httpd_spawn: SIGTERM, up to 5 s to exit, then SIGKILL;
 * reap it and give its CPU user and system seconds (either pointer may be
 * NULL). 0, or -1 when it could not be reaped. */
int httpd_stop(pid_t pid, double *user_s, double *sys_s);

/* The body of /work for seed: len bytes from byte offset `offset`. Byte i is
 * byte i % 8 (least significant first) of the 64-bit word
 * mix(mix(seed ^ 0x636f6e6362656e63) + (i / 8 + 1) * 0x9e3779b97f4a7c15),
 * mix being SplitMix64's finaliser: any slice can be made on its own. */
void httpd_body(uint64_t seed, uint64_t offset, unsigned char *buf, size_t len);

#endif

/*
 * httpserver.h - one connection of the bundled HTTP target, as a resumable
 * state machine that knows sockets but no event loop.
 *
 * A step is handed what became ready (WL_READ, WL_WRITE, HTTPSERVER_HUP, or
 * WL_TIMEOUT once its deadline passed), does what it can without blocking,
 * and says what it waits for next: an fd, its events and a deadline, or that
 * the connection is over. Whoever runs the loop (harness/run/target_serve.c
 * on models/loop.c) only waits and calls back; httpserver_drive is the same
 * machine driven straight-line with poll(), so the two forms cannot drift.
 *
 * Keep-alive is the HTTP/1.1 default, pipelined requests are answered in
 * order (a request's body, read and dropped, is never taken for the next
 * request), an idle connection is closed after 60 s, and a request head over
 * 8 KiB is a 431.
 */
#ifndef CB_HTTPSERVER_H
#define CB_HTTPSERVER_H

#include <stddef.h>
#include <stdint.h>

#include "workloads/workload.h"

#define HTTPSERVER_MAX_HEAD  8192           /* request line + headers; more is a 431 */
#define HTTPSERVER_CHUNK     65536          /* body bytes generated per send */
#define HTTPSERVER_IDLE_NS   60000000000ull /* keep-alive idle, stalled writes */
#define HTTPSERVER_LINGER_NS 2000000000ull  /* draining a closing connection */

/* An event beside WL_READ / WL_WRITE: only the peer hanging up (a delayed
 * request waits for its timer, not for the pipelined bytes behind it). */
enum { HTTPSERVER_HUP = 8 };

/* What all connections of one server share: the counters /stats reports
 * and the scratch buffers a step uses (one thread serves them all). */
typedef struct {
	size_t connections; /* open, from httpserver_open to WL_STEP_DONE */
	size_t delayed;     /* waiting out a delay_ms */
	uint64_t requests;  /* answers begun */
	char rbuf[HTTPSERVER_MAX_HEAD];
	unsigned char wbuf[HTTPSERVER_CHUNK];
} httpserver;

enum httpserver_state {
	HTTPSERVER_READ,   /* waiting for (the rest of) a request head */
	HTTPSERVER_BODY,   /* reading and dropping the request's body */
	HTTPSERVER_DELAY,  /* request taken; its delay runs */
	HTTPSERVER_WRITE,  /* sending the answer as the socket takes it */
	HTTPSERVER_LINGER, /* answered and shut for writing; reading to EOF so
			    * the peer's unread bytes do not turn our close into
			    * a reset */
};

/* One connection. Holds no pointer into itself, so it may be moved. */
typedef struct {
	int fd;
	unsigned char state; /* enum httpserver_state */
	unsigned char keep;  /* keep the connection after this answer */
	uint64_t deadline;   /* CLOCK_MONOTONIC ns: delay end, idle or linger */
	char *in;            /* bytes read but not yet parsed (pipelining) */
	size_t inlen;
	uint64_t skip;     /* request body bytes still to read and drop */
	uint16_t cont;     /* out[0..cont): a "100 Continue" to send before the body */
	uint32_t delay_ms; /* the answer's delay, which runs once the body is in */
	/* The answer: a small head (with the whole body when it is text), then
	 * body_len bytes of httpbody_fill(seed), made as the socket takes them. */
	uint64_t body_len, body_off, seed;
	uint16_t outlen, outoff;
	char out[320];
} httpserver_conn;

/* Start serving fd (non-blocking, the caller's to close after the end) on
 * c, and say what it waits for first. */
void httpserver_open(httpserver *s, httpserver_conn *c, int fd, wl_wait *next);
/* One step (see above). WL_STEP_WAIT with *next filled, or WL_STEP_DONE:
 * the connection is over and its memory freed; close c->fd then. */
int httpserver_step(httpserver *s, httpserver_conn *c, int ready, wl_wait *next);
/* End the connection now (the server is stopping): free what it holds and
 * count it out. Close c->fd then. */
void httpserver_close(httpserver *s, httpserver_conn *c);
/* The straight-line form: serve fd until the connection is over, waiting
 * with poll(). Does not close fd. */
void httpserver_drive(httpserver *s, int fd);

#endif

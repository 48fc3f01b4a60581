/*
 * serveconn.h - one connection of the serve workload, as a resumable state
 * machine: accept on the run's listening socket, read a request head, hand
 * the request out, write the answer, and again until the client closes.
 *
 * The machine knows sockets, not the work or the event loop: serve.c runs
 * the work between SERVECONN_WORK and serveconn_answer, and either drives
 * the machine straight-line through a wl_io (serve's run) or returns its
 * waits to a loop (serve's step). So the two forms cannot drift apart.
 */
#ifndef CB_SERVECONN_H
#define CB_SERVECONN_H

#include <stddef.h>
#include <stdint.h>

#include "workloads/workload.h"

#define SERVECONN_IN 1024 /* a request head, and pipelined bytes; more is a 431 */

/* What serveconn_step returns beside WL_STEP_WAIT and WL_STEP_DONE: a
 * request is in; run the work of task c->seed, then serveconn_answer. */
enum { SERVECONN_WORK = 3 };

typedef struct {
	int phase;
	int straight;               /* driven by serve's run: no loop holds a registration */
	int lfd;                    /* this task's own dup of the listening socket, or -1 */
	int lreg;                   /* a loop may still watch lfd: close it only later */
	int fd;                     /* the connection, or -1 */
	int keep, head_only, minor; /* of the request being answered */
	uint64_t deadline;          /* of the request being read or the answer written */
	uint64_t timeout_ns;
	uint64_t seed;   /* the request's ?seed=K: the work's task index */
	uint64_t skip;   /* request body bytes still to read and drop */
	uint64_t nreq;   /* answers whose work was done */
	uint64_t digest; /* the first request's work digest: the task's */
	wl_result fail;  /* why the task ends with an error, if it does */
	uint32_t inlen, outlen, outoff;
	char out[192];
	char in[SERVECONN_IN];
} serveconn;

/* One step: from a zeroed c with ready == 0 (accept on a dup of lfd, with
 * timeout_ns per request and per answer), then with what became ready
 * (WL_READ, WL_WRITE, WL_TIMEOUT, or -errno: the waiting failed). Returns
 * WL_STEP_WAIT with *next filled, SERVECONN_WORK, or WL_STEP_DONE with r
 * filled and every fd closed. */
int serveconn_step(serveconn *c, int lfd, uint64_t timeout_ns, int ready, wl_wait *next,
		   wl_result *r);
/* The work of the request is done (res: its digest or error): queue the
 * answer. serveconn_step with ready == 0 writes it. */
void serveconn_answer(serveconn *c, const wl_result *res);
/* Tell the machine what the task returned to its loop (rc, *next): a wait
 * elsewhere lets the loop forget the listening dup, which may then close. */
int serveconn_returned(serveconn *c, int rc, const wl_wait *next);

#endif

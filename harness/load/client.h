/*
 * client.h - the load generator's engine: connections on the project's
 * event loop (models/loop.c), each sending request after request through
 * the HTTP client's state machine (workloads/http/httpclient.c), on one or
 * more threads, each with its own loop and histograms, merged at the end.
 */
#ifndef CB_LOAD_CLIENT_H
#define CB_LOAD_CLIENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/load/result.h"
#include "workloads/http/httpcfg.h"

/* What to run. */
typedef struct {
	struct httpcfg http;         /* where and what (httpcfg_url), keepalive, timeout_ms */
	unsigned conns;              /* connections, over all threads */
	unsigned threads;            /* each its own loop; 1 .. conns */
	double rate;                 /* requests/s over all connections; 0: closed loop */
	uint64_t duration_ns;        /* the measured part's length; 0: run until `requests` */
	uint64_t requests;           /* measured requests (-n); 0: run for duration_ns */
	uint64_t warmup_ns;          /* run this long first, measuring nothing */
	int exact;                   /* keep every latency (exact percentiles) */
	int check_body;              /* every body the same bytes as the first (body.h) */
	int expect_set;              /* and the same as expect (the bundled target's, known) */
	uint64_t expect;             /* the digest the body must have, when expect_set */
	int post;                    /* http carries a request body: POST (for the rows) */
	/* A request still out at the end of the duration counts in the
	 * latencies with the time it has waited so far (a lower bound), as
	 * well as in `unfinished`: a server that never answered a connection
	 * (it waits in the backlog of an iterative server) then shows in the
	 * percentiles instead of vanishing from them. Server sweeps set it. */
	int count_unfinished;
	/* Of conns, how many are mostly idle (a chat's many quiet users): each
	 * sends one request at the start, unmeasured (a failure still counts
	 * as an error), then holds its socket open until the end. The others
	 * carry the load (and the rate) and are the ones measured. Only with
	 * duration_ns; less than conns. */
	unsigned idle;
	volatile sig_atomic_t *stop; /* set (Ctrl-C): end now, keep what was measured */
} load_cfg;

/* Run the load. 0 when it ran (request errors are counted in r), -1 with a
 * message when it could not start (no threads, no loop), -2 when a system
 * limit stops it (too few fds; the message says how to raise it). */
int load_run(const load_cfg *c, load_result *r, char *err, size_t errlen);

#endif

/*
 * peerload.h - the load generator a server run (serve) is measured under.
 *
 * A server workload's tasks each serve one connection, so a run needs
 * clients: the runner opens the listening socket before it forks the run
 * (every process of the run inherits it: fork and prefork children accept
 * on it too), then runs `concbench load`'s engine (harness/load/) against
 * it in a thread of its own, bound to the CPUs the run does not use, for
 * the duration or request count asked. When the load is done the thread
 * shuts the socket down, so a task still waiting to accept (a connection
 * the load never managed to open) ends instead of waiting forever, and the
 * run ends. The row then gets the client's figures beside the server's
 * rusage: requests, errors, req/s and the corrected latency percentiles.
 */
#ifndef CB_PEERLOAD_H
#define CB_PEERLOAD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/run/result.h"

/* What load to drive a server run with. */
typedef struct {
	double rate;          /* requests/s over all connections; 0: closed loop */
	uint64_t duration_ns; /* the measured window; 0: until `requests` */
	uint64_t requests;    /* measured requests; 0: for duration_ns */
	const char *path;     /* the request target, "/work?seed=0" */
	size_t idle;          /* of the connections, mostly idle ones (load_cfg.idle) */
} run_peer;

typedef struct peerload peerload;

/* A listening TCP socket on 127.0.0.1, port chosen by the kernel, with room
 * in its backlog for `backlog` connections, non-blocking, close-on-exec
 * off (the run's processes inherit it). The fd, its port in *port; or -1
 * with err set. */
int peerload_listen(size_t backlog, int *port, char *err, size_t errlen);
/* Start the load: conns connections to 127.0.0.1:port, from the CPUs of
 * topology outside run_cpus (anywhere when none is left). listen_fd is shut
 * down when it is done. NULL with err set. */
peerload *peerload_start(const run_peer *p, size_t conns, int listen_fd, int port,
			 const void *topology, const void *run_cpus, char *err, size_t errlen);
/* End it now, keeping what it measured (the run ended first, or Ctrl-C). */
void peerload_stop(peerload *pl);
/* Wait for the load to end, put its figures in r (rate_requested, client_*,
 * body_digest), free it. A load that could not run says why in *why (""
 * when it ran). 1 when that was a system limit (too few fds), else 0. */
int peerload_finish(peerload *pl, res_run *r, char *why, size_t whylen);

#endif

/*
 * serve.h - the serve workload (serve.c): every model as an HTTP server.
 * Its kind is wl_serve, found through the registry; this header adds what
 * a standalone user of the workload needs beyond the wl_kind interface.
 */
#ifndef CB_SERVE_H
#define CB_SERVE_H

#include "workloads/workload.h"

/* The port the run's listening socket is bound to, once begin() opened it
 * (listen=HOST:0 takes any free one) or the harness handed one in
 * (listen_set); 0 outside a run. */
int serve_port(const wl_spec *w);

/* Under reuseport=1, once the model's run is over (before wl_end): the
 * run's listeners (its socket and those loop threads opened beside it),
 * in *shared (unless NULL) the loop threads that share the run's socket
 * for want of one of their own, and in accepts[0..max) the connections
 * accepted from each listener (0: the run's socket). 0 when reuseport=0
 * or outside a run. */
int serve_listeners(const wl_spec *w, long *accepts, int max, int *shared);

/* A stall on purpose, for a prepared serve spec (before the run): in each
 * window [from_ns + k*every_ns, + stall_ns), k >= 1, a thread of the server
 * that would go on (accept, read, answer) sleeps to the window's end, so
 * the server answers nothing meanwhile; on an event loop or coroutines the
 * one thread sleeps. 0 < stall_ns < every_ns. */
void serve_stall(wl_spec *w, uint64_t from_ns, uint64_t stall_ns, uint64_t every_ns);

#endif

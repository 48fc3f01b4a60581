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

#endif

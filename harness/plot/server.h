/*
 * server.h - the charts of a server sweep (serve:work=..., run under a load):
 *
 *	server_throughput   requests/s the load got answered vs connections, a
 *	                    line per model (the iterative server stays flat, a
 *	                    thread per connection climbs, then everyone meets
 *	                    the CPU)
 *	server_latency      client p50 and p99 vs connections, two panels
 *	server_rate         client p99 vs the offered rate, a line per model
 *	                    (an open-loop sweep: the hockey stick)
 *	server_cost         server CPU per request and memory per connection
 *	                    vs connections, two panels
 *	server_steps        every step as bars (serversteps.c): req/s, p99
 *	                    corrected and uncorrected, memory per connection
 *
 * x is the connections the load opened (the rows' N), log2; each point is
 * the median over reps at the largest C the model ran there.
 */
#ifndef CB_PLOT_SERVER_H
#define CB_PLOT_SERVER_H

#include "harness/plot/data.h"

/* Are the set's rows a server sweep's (a server workload, or client
 * figures)? 1 or 0. */
int plot_server_rows(const plot_set *s);
/* Draw what the set's rows support (nothing when they carry no client
 * figures). 0, or -1 with s->err set. */
int plot_server(plot_set *s);

#endif

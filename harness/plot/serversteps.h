/*
 * serversteps.h - server_steps (serversteps.c): every step of a server
 * sweep as a group of bars - requests/s, p99 corrected beside uncorrected,
 * server memory per connection - for sweeps whose steps make no line (one
 * connection count per model, or a closed loop beside an open one).
 */
#ifndef CB_PLOT_SERVERSTEPS_H
#define CB_PLOT_SERVERSTEPS_H

#include "harness/plot/data.h"

/* Draw server_steps when the set has 1 to 24 steps with ok rows; 0 (drawn
 * or skipped), or -1 with s->err set. */
int plot_server_steps(plot_set *s);

#endif

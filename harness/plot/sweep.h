/*
 * sweep.h - the charts over concurrency (sweep.c): throughput, latency, speed-up,
 * memory.
 */
#ifndef CB_PLOT_SWEEP_H
#define CB_PLOT_SWEEP_H

#include "harness/plot/data.h"

/* Each returns 0 (drawn or skipped) or -1 on a write error. */
int plot_throughput(plot_set *s);
int plot_latency(plot_set *s);
int plot_speedup(plot_set *s);
int plot_memory(plot_set *s);

#endif

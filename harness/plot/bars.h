/*
 * bars.h - the bar charts (bars.c): makespan, CPU time, memory at one C.
 */
#ifndef CB_PLOT_BARS_H
#define CB_PLOT_BARS_H

#include "harness/plot/data.h"

/* Each returns 0 (drawn or skipped) or -1 on a write error. */
int plot_memory_bars(plot_set *s); /* at one C */
int plot_makespan(plot_set *s);
int plot_cpu(plot_set *s);

#endif

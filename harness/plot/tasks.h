/*
 * tasks.h - the charts from the tasks/ CSV files (tasks.c): latency CDF, timelines.
 */
#ifndef CB_PLOT_TASKS_H
#define CB_PLOT_TASKS_H

#include "harness/plot/data.h"

/* Each returns 0 (drawn or skipped) or -1 on a write error. */
int plot_cdf(plot_set *s);
int plot_timelines(plot_set *s);

#endif

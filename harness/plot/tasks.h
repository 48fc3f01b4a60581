/*
 * tasks.h - the charts from the tasks/ CSV files (tasks.c): latency CDF, timelines.
 */
#ifndef CB_PLOT_TASKS_H
#define CB_PLOT_TASKS_H

#include "harness/plot/data.h"

/* Each returns 0 (drawn or skipped) or -1 on a write error. */
int plot_cdf(plot_set *s);
int plot_timelines(plot_set *s);
/* The run of model m a timeline shows: its first rep at the common
 * concurrency closest to 4 (each lane can be seen there); NULL if none. */
const res_run *plot_timeline_run(const plot_set *s, size_t m);
/* The longest single task of the sequential runs, in seconds (median over
 * reps): from tasks/ when recorded, else sequential's svc_p99_s (the
 * longest task when N <= 100). *from names the source; NaN when neither. */
double plot_longest_task(const plot_set *s, const char **from);

#endif

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
/* The CPU-work ideal makespan at concurrency c for a model that can use
 * every core: max(sequential / min(C, cores), the longest task), in s;
 * *longest gets the longest task (NaN: unknown). NaN without sequential. */
double plot_cpu_ideal(const plot_set *s, unsigned c, double *longest);
/* Tics naming the models along x, rotated when a name would not fit its
 * share of `width` (a fraction of the canvas); returns the height the
 * labels need, as a fraction of the canvas. */
double plot_model_tics(FILE *f, const plot_set *s, double width);

#endif

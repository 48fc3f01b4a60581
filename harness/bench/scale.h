/* scale.h - part of `concbench bench`: how far the I/O executors scale (reps at most
 * BENCH_MAX_REPS). */
#ifndef CB_BENCH_SCALE_H
#define CB_BENCH_SCALE_H

#include <signal.h>
#include <stdio.h>

/* Many concurrent waits under the I/O executors: a table on out, CSV on csv.
 * 0, or 1 when a row did not finish ok. */
int bench_scale(FILE *out, FILE *csv, int reps, volatile sig_atomic_t *stop);

#endif

/* bench.h - the parts of `concbench bench`: per-task cost, scale, switches. */
#ifndef CB_BENCH_H
#define CB_BENCH_H

#include <signal.h>
#include <stdio.h>

#define BENCH_MAX_REPS 101

/* Many concurrent waits under the I/O executors: a table on out, CSV on csv.
 * 0, or 1 when a row did not finish ok. */
int bench_scale(FILE *out, FILE *csv, int reps, volatile sig_atomic_t *stop);

/* Our coroutine switch and a coroutine's life beside glibc's ucontext. */
int bench_switch(FILE *out, FILE *csv, int reps, volatile sig_atomic_t *stop);

#endif

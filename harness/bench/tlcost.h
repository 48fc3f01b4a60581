/* tlcost.h - part of `concbench bench`: what recording --timeline costs. */
#ifndef CB_BENCH_TLCOST_H
#define CB_BENCH_TLCOST_H

#include <signal.h>
#include <stdio.h>

/* Switch-heavy and task-heavy runs without and with the state events,
 * interleaved rep by rep: a table on out, CSV on csv. 0, or 1 when a row
 * did not finish ok. */
int bench_tlcost(FILE *out, FILE *csv, int reps, volatile sig_atomic_t *stop);

#endif

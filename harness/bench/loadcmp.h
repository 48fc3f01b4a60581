/* loadcmp.h - part of `concbench bench`: concbench load beside wrk, against
 * nginx and the bundled target (reps at most BENCH_MAX_REPS). */
#ifndef CB_BENCH_LOADCMP_H
#define CB_BENCH_LOADCMP_H

#include <signal.h>
#include <stdio.h>

/* For each server, wrk and `self load` (self: the concbench binary) taking
 * turns, reps times each; a table on out, CSV on csv. Without wrk on PATH,
 * without nginx (on PATH or in /usr/sbin), or when a server does not start,
 * one line says which rows are skipped and why. Always 0: the rows report speed, they never fail the
 * bench. */
int bench_loadcmp(FILE *out, FILE *csv, const char *self, int reps, volatile sig_atomic_t *stop);

#endif

/* summary.h - the end-of-sweep table: medians over reps, speed-up vs sequential. */
#ifndef CB_SUMMARY_H
#define CB_SUMMARY_H

#include <stdio.h>

#include "harness/run/result.h"

void summary_print(FILE *out, const res_run *runs, size_t n);

/* A run's line as the sweep prints it after each run (ANSI colours when
 * color): the batch figures, or a server run's client figures. */
void summary_line(FILE *out, const res_run *r, int color);

#endif

/* summary.h - the end-of-sweep table: medians over reps, speed-up vs sequential. */
#ifndef CB_SUMMARY_H
#define CB_SUMMARY_H

#include <stdio.h>

#include "harness/run/result.h"

void summary_print(FILE *out, const res_run *runs, size_t n);

#endif

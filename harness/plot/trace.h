/*
 * trace.h - trace.json, the state timelines as Chrome trace-event JSON
 * (trace.c), for Perfetto, chrome://tracing and speedscope.
 */
#ifndef CB_PLOT_TRACE_H
#define CB_PLOT_TRACE_H

#include <stddef.h>
#include <stdio.h>

#include "harness/run/result.h"

/* Write dir/trace.json from every run of runs[0..n) (results.csv's rows,
 * in order) that has state events in dir/tasks/; a run whose files cannot
 * be read is left out, with the reason on diag (NULL: stderr). 1 when
 * written, 0 when no run has events (nothing written), -1 with err set
 * when the file cannot be written. */
int plot_trace(const char *dir, const res_run *runs, size_t n, FILE *diag, char *err,
	       size_t errlen);

#endif

/*
 * loadplot.h - the charts of a `concbench load` results directory (out.h's
 * results.csv and spectrum.csv), drawn by gnuplot like every other chart:
 *
 *	spectrum            latency against percentile, the "nines" on a log
 *	                    axis (HdrHistogram's plot): a line per step, the
 *	                    uncorrected latency dashed beside the corrected one
 *	latency_throughput  p50 .. p99.9 and max against the throughput achieved,
 *	                    a point per step (2+ steps): the hockey stick of a
 *	                    rate sweep, where latency turns up as the server
 *	                    saturates; a line per connection count when the
 *	                    sweep crossed counts and rates
 */
#ifndef CB_PLOT_LOADPLOT_H
#define CB_PLOT_LOADPLOT_H

#include <stddef.h>
#include <stdio.h>

/* Is dir/results.csv a load sweep's (its header begins as out.c writes)? */
int plot_is_load_dir(const char *dir);
/* Write the charts' .dat and .gp into dir and run gnuplot (as plot_dir).
 * The number drawn; 0 with a hint on diag when gnuplot is missing; -1 with
 * err set when the files cannot be read or written. */
int plot_load_dir(const char *dir, const char *gnuplot, FILE *diag, char *err, size_t errlen);

#endif

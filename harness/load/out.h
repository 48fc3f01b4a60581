/*
 * out.h - a load sweep's results directory: results/<name>/<UTC stamp>/
 * (report.h's, with its `latest` link) holding
 *
 *   results.csv    one row per step (load_step): what it asked for, what it
 *                  measured; seconds, requests/s and milliseconds, an empty
 *                  cell where a figure does not apply (the rate of a closed
 *                  loop, percentiles of a step with nothing ok), the body
 *                  digest as 16 hex digits when --check-body checked it;
 *                  send_delay_* (open loop: how late requests went out,
 *                  result.h); host, concbench_version, started_utc last,
 *                  as run's rows
 *   results.json   {"schema": 1, "kind": "load", "context": {...}, "steps":
 *                  [...]}: the same columns per step, and its spectrum
 *   spectrum.csv   step,latency,percentile,value_ms,rank,nines: each step's
 *                  percentile spectrum (latency "corrected" and
 *                  "uncorrected" in an open loop, "closed" in a closed one)
 *
 * Every file is rewritten whole after every step (temp, fsync, rename), so a
 * Ctrl-C or a failed step loses nothing measured before it. `concbench plot
 * DIR` draws the charts from these files (harness/plot/loadplot.c).
 */
#ifndef CB_LOAD_OUT_H
#define CB_LOAD_OUT_H

#include <stddef.h>
#include <stdio.h>

#include "harness/load/step.h"

typedef struct load_out load_out;

/* Open root/name/<stamp>/; argv is the command line for the context.
 * NULL with a message in err. */
load_out *load_out_open(const char *root, const char *name, int argc, char **argv, char *err,
			size_t errlen);
/* Rewrite the files with steps[0..n). 0, or -1 (load_out_error says why). */
int load_out_write(load_out *o, const load_step *steps, size_t n);
/* The CSV header and one row, as results.csv has them. */
void load_out_csv_header(FILE *f);
void load_out_csv_row(FILE *f, const load_step *s, const char *host, const char *version,
		      const char *started);
const char *load_out_path(const load_out *o);
const char *load_out_error(const load_out *o);
/* Point `latest` here and free o. 0, or -1 with the reason in err. */
int load_out_close(load_out *o, char *err, size_t errlen);

#endif

/*
 * table.h - a load run's figures as a table on stdout, like wrk's: what
 * ran, how many requests in how long, the rate (achieved against requested
 * in an open loop), latency percentiles (corrected and uncorrected side by
 * side in an open loop), errors by kind, and on request the whole spectrum.
 */
#ifndef CB_LOAD_TABLE_H
#define CB_LOAD_TABLE_H

#include <stdio.h>

#include "harness/load/client.h"
#include "harness/load/step.h"

/* Print r; url as the user wrote it; spectrum: the --latency listing too. */
void load_table(FILE *f, const char *url, const load_cfg *c, load_result *r, int spectrum);
/* A sweep's steps side by side: connections, rate asked and achieved,
 * errors and the corrected percentiles (step.h). */
void load_table_steps(FILE *f, const load_step *s, size_t n);

#endif

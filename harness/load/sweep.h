/*
 * sweep.h - a load sweep: one load run per step, over a list of rates
 * (`--rate 1000..16000x2`: where does latency turn up?) and of connection
 * counts (`-c 1,10,100`), every rate at every count. Each step prints its
 * table as it ends and becomes a row (step.h); with a results directory
 * (out.h) the files are rewritten after every step. Ctrl-C ends the step
 * running, which is kept as "interrupted", and the sweep with it.
 */
#ifndef CB_LOAD_SWEEP_H
#define CB_LOAD_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/load/client.h"
#include "harness/load/out.h"
#include "harness/load/step.h"

typedef struct {
	load_cfg base;         /* all but conns, threads and rate */
	const int64_t *conns;  /* connection counts, at least one */
	size_t nconns;
	const double *rates;   /* requests/s; none: a closed loop */
	size_t nrates;
	unsigned threads;      /* each step uses min(threads, its connections) */
	const char *url;       /* as the user wrote it */
	int spectrum;          /* print the percentile spectrum too (--latency) */
	load_out *out;         /* NULL: no files */
} load_sweep_cfg;

/* Run every step, printing to f. The steps in *steps (malloc'd, *n of
 * them; the caller frees). Returns the exit status: 0 when every step ran
 * and got replies, 1 when a step measured nothing or could not start (the
 * sweep goes on to the next), 130 when interrupted; a results file that
 * cannot be written is said on diag and makes it 1. */
int load_sweep(const load_sweep_cfg *s, FILE *f, FILE *diag, load_step **steps, size_t *n);

#endif

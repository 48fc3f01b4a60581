/*
 * step.h - one step of a load sweep as a row: what it asked for (connections,
 * threads, rate) and what it measured, in the units results.csv uses
 * (seconds, requests/s, milliseconds), with the latency spectrum beside it.
 *
 * A sweep (`--rate 1000..16000x2`, `-c 1,10,100`) runs one load per step and
 * makes one load_step of each; out.c writes them as results.csv rows and
 * results.json objects, the table in table.c prints the run itself. The
 * step is plain data (no pointers), so a sweep keeps an array of them and
 * rewrites the files whole after every step, as `run` does after every run.
 */
#ifndef CB_LOAD_STEP_H
#define CB_LOAD_STEP_H

#include <stdint.h>

#include "harness/load/client.h"

#define LOAD_NPCT     5   /* p50, p90, p99, p99.9, p99.99 */
#define LOAD_SPECTRUM 320 /* points of one spectrum, at most */

extern const double load_pcts[LOAD_NPCT];

/* The latency figures of one histogram, in ms; NaN when nothing was ok. */
typedef struct {
	double p[LOAD_NPCT], max, mean, stdev;
} load_lat;

typedef struct {
	unsigned step; /* 1, 2, ... */
	char method[8];
	char url[320];
	unsigned conns, threads;
	int keepalive;
	double rate;                        /* requested, req/s; 0: closed loop */
	double duration_s, warmup_s;        /* asked for (0: -n) */
	uint64_t requests;                  /* asked for (-n; 0: -d) */
	double window_s;                    /* measured */
	uint64_t done, ok, errors;          /* done = ok + errors */
	uint64_t err[LOAD_ERR_KINDS];       /* by kind (errors.h) */
	uint64_t unfinished, unsent, bytes; /* see result.h */
	double achieved_rps;                /* done / window */
	double sent_rps;                    /* (done + unfinished) / window */
	double rate_ratio;                  /* sent_rps / rate; NaN in a closed loop */
	int exact;                          /* percentiles from every sample */
	load_lat corrected, uncorrected;
	double delay_p50, delay_p99, delay_max; /* send delay (result.h), ms; NaN: closed */
	int body_checked;
	uint64_t digest;  /* of every ok body, when body_checked */
	char status[200]; /* "ok", "interrupted", "failed: ..." */
	/* the spectra (hist.h's load_hist_spectrum, 5 ticks a halving) */
	load_pctl spec[2][LOAD_SPECTRUM]; /* [0] corrected, [1] uncorrected */
	unsigned nspec[2];
} load_step;

/* Fill s (step number index) from the configuration that ran and what it
 * measured; failed: a message when the step could not run (NULL if it
 * ran). Sorts exact samples, so r is not const. */
void load_step_fill(load_step *s, unsigned index, const char *url, const load_cfg *c,
		    load_result *r, const char *failed);

#endif

/*
 * trial.h - a suite put to the test: its sweeps run (quick or full size),
 * their results read back and judged, more reps run while an expectation is
 * inconclusive, and the verdicts printed.
 */
#ifndef CB_TRIAL_H
#define CB_TRIAL_H

#include <signal.h>
#include <stdio.h>

#include "harness/suite/suite.h"
#include "harness/suite/verdict.h"

#define TRIAL_MAX_REPS 15 /* --max-reps's default */
#define TRIAL_MAX_MORE (SUITE_MAX_SWEEPS * 4)

/* The outcome of running a suite. */
typedef struct {
	int sweep_rc;                    /* the last sweep_run()'s exit status */
	char dir[SUITE_MAX_SWEEPS][512]; /* each sweep's results directory, "" if none */
	char what[SUITE_MAX_SWEEPS][32]; /* the kind of its (first) workload: "fib" */
	int ndirs;
	/* the directories of reps added while an expectation was inconclusive
	 * (their rows are judged with the first ones) */
	char more[TRIAL_MAX_MORE][512];
	int nmore;
	int rounds; /* how many times reps were added */
	/* the fewest cores the machine delivered in the checks around its
	 * sweeps (harness/run/check.c), NaN when not measured */
	double eff_cores;
	verdict v;
	verdict_ex res[SUITE_MAX_EXPECT];
	verdict_mx mx[SUITE_MAX_ROWS];
} trial_outcome;

/* The most reps per group trial_run() goes to while an expectation is
 * inconclusive (the option --max-reps; TRIAL_MAX_REPS until set). */
void trial_set_max_reps(int n);
/* Run s's sweeps (quick or full size) under out_root (results/<name>/<stamp>/),
 * then evaluate them. While an expectation is inconclusive (its interval
 * crosses an edge of its band), each sweep that measured it runs again with
 * as many reps as it has so far (at most the max-reps in all), into a
 * directory of its own, and all rows are judged together. Sweep output goes to out, diagnostics to
 * diag. Returns 0, or 2 if the suite's options are bad (message on diag), 130 if stopped. */
int trial_run(const suite *s, int quick, const char *out_root, int no_plot,
	      volatile sig_atomic_t *stop, FILE *out, FILE *diag, trial_outcome *o);
/* The exit status a claim's verdict gives: 1 not reproduced, else 0
 * (inconclusive and n/a do not fail). */
int trial_exit_code(verdict v);
/* Print the expectations with their verdicts, the claim's, and the count
 * of each verdict. */
void trial_print(FILE *f, const suite *s, const trial_outcome *o);

#endif

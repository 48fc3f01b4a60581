/*
 * trial.h - a suite put to the test: its sweeps run (quick or full size),
 * their results read back and judged, and the verdicts printed.
 */
#ifndef CB_TRIAL_H
#define CB_TRIAL_H

#include <signal.h>
#include <stdio.h>

#include "harness/suite/suite.h"
#include "harness/suite/verdict.h"

/* The outcome of running a suite. */
typedef struct {
	int sweep_rc;                    /* the last sweep_run()'s exit status */
	char dir[SUITE_MAX_SWEEPS][512]; /* each sweep's results directory, "" if none */
	char what[SUITE_MAX_SWEEPS][32]; /* the kind of its (first) workload: "fib" */
	int ndirs;
	verdict v;
	verdict_ex res[SUITE_MAX_EXPECT];
	verdict_mx mx[SUITE_MAX_ROWS];
} trial_outcome;

/* Run s's sweeps (quick or full size) under out_root (results/<name>/<stamp>/),
 * then evaluate them. Sweep output goes to out, diagnostics to diag. Returns
 * 0, or 2 if the suite's options are bad (message on diag), 130 if stopped. */
int trial_run(const suite *s, int quick, const char *out_root, int no_plot,
	      volatile sig_atomic_t *stop, FILE *out, FILE *diag, trial_outcome *o);
/* Print the expectations with their verdicts, and the claim's. */
void trial_print(FILE *f, const suite *s, const trial_outcome *o);

#endif

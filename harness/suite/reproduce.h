/* reproduce.h - `concbench reproduce`: run suites, write REPORT.md. */
#ifndef CB_REPRODUCE_H
#define CB_REPRODUCE_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/suite/suite.h"
#include "harness/suite/trial.h"

/* Write the REPORT.md text for suites[i] with outcomes[i], i < n, to f:
 * the context (machine, load, kernel, build, date, size), then a row per
 * claim and the decision matrices; chart links are made relative to
 * report_dir. n < total: an interrupted run, marked "partial: interrupted
 * after n of total suites" at the top. */
void reproduce_report(FILE *f, const suite *suites, const trial_outcome *outcomes, size_t n,
		      size_t total, const char *report_dir, int quick);
/* The context's line on the machine's effective parallelism over the
 * suites' sweeps, into buf: "effective parallelism: 1.43 to 2.00 of 2 cores
 * delivered (fewest during L1b)", or "... not measured". */
void reproduce_context_line(char *buf, size_t len, const suite *suites,
			    const trial_outcome *outcomes, size_t n);
/* Run every suite, then write report_root/reproduce/<stamp>/REPORT.md and
 * print it to out. Returns 0 when no claim is "not reproduced", 1 otherwise,
 * 2 on a bad suite, 130 if stopped (*stop set: the report then holds the
 * suites that finished, marked partial). */
int reproduce_run(const suite *suites, size_t n, int quick, const char *out_root, int no_plot,
		  volatile sig_atomic_t *stop, FILE *out, FILE *diag);

#endif

/* reproduce.h - `concbench reproduce`: run suites, write REPORT.md. */
#ifndef CB_REPRODUCE_H
#define CB_REPRODUCE_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/suite/suite.h"
#include "harness/suite/trial.h"

/* Write the REPORT.md text for suites[i] with outcomes[i] to f; chart links
 * are made relative to report_dir. */
void reproduce_report(FILE *f, const suite *suites, const trial_outcome *outcomes, size_t n,
		      const char *report_dir, int quick);
/* Run every suite, then write report_root/reproduce/<stamp>/REPORT.md and
 * print it to out. Returns 0 when no claim is "not reproduced", 1 otherwise,
 * 2 on a bad suite, 130 if stopped. */
int reproduce_run(const suite *suites, size_t n, int quick, const char *out_root, int no_plot,
		  volatile sig_atomic_t *stop, FILE *out, FILE *diag);

#endif

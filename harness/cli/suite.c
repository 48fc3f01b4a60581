/*
 * suite.c - `concbench suite NAME|FILE`: one claim's sweeps and verdicts.
 * Options only; loading, running and judging are harness/suite/'s.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/cli/cli.h"
#include "harness/suite/catalog.h"
#include "harness/suite/trial.h"

static void suite_usage(FILE *f)
{
	fprintf(f, "usage: concbench suite NAME|FILE [--quick] [--out DIR] [--no-plot]\n\n"
		   "Runs a suite's sweeps (a built-in one by name, see: concbench list suites,\n"
		   "or a suite file), writes results/<name>/<UTC timestamp>/ and its charts as\n"
		   "`concbench run` does, one directory per sweep, then checks the suite's\n"
		   "expectations and decision-matrix rows and prints each with its verdict:\n"
		   "reproduced, not reproduced, or n/a (with the reason). The file format is\n"
		   "in README.md (Suites and reproducing the book).\n\n"
		   "      --quick     the suite's quick size (seconds) instead of its full one\n"
		   "  -o, --out DIR   results root (default: results)\n"
		   "      --no-plot   do not draw charts\n\n"
		   "exit status: 0 reproduced or n/a, 1 not reproduced, 2 bad suite or usage,\n"
		   "130 interrupted\n");
}

/* Load and run one suite; print its verdicts. The exit code. */
static int run_suite(const char *target, int quick, const char *out, int no_plot,
		     volatile sig_atomic_t *stop)
{
	suite *s = malloc(sizeof *s);
	trial_outcome *o = malloc(sizeof *o);
	char err[512];
	int rc;
	if (!s || !o) {
		rc = cli_fail("suite", 1, "out of memory");
	} else if (catalog_load(target, s, err, sizeof err) < 0) {
		rc = cli_fail("suite", 2, "%s", err);
	} else {
		rc = trial_run(s, quick, out, no_plot, stop, stdout, stderr, o);
		if (rc == 0) {
			trial_print(stdout, s, o);
			rc = o->v == VERDICT_NOT_REPRODUCED ? 1 : 0;
		}
	}
	free(s);
	free(o);
	return rc;
}

int cli_suite(int argc, char **argv, volatile sig_atomic_t *stop)
{
	int quick = 0, no_plot = 0;
	const char *out = "results", *target = NULL;
	const cli_opt opts[] = {
		{ .name = "--quick", .type = CLI_FLAG, .dst = &quick },
		{ .name = "--no-plot", .type = CLI_FLAG, .dst = &no_plot },
		CLI_OPT_OUT(&out),
		{ 0 },
	};
	const cli_parser p = { .cmd = "suite",
			       .opts = opts,
			       .operand = &target,
			       .usage = suite_usage,
			       .see_help = 1 };
	int rc = cli_parse(&p, argc, argv);
	if (rc >= 0)
		return rc;
	if (!target) {
		cli_fail("suite", 2, "give a suite name or file");
		suite_usage(stderr);
		return 2;
	}
	return run_suite(target, quick, out, no_plot, stop);
}

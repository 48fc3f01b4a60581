/*
 * suite.c - `concbench suite NAME|FILE`: one claim's sweeps and verdicts.
 * Options only; loading, running and judging are harness/suite/'s.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/cli/cli.h"
#include "harness/suite/catalog.h"
#include "harness/suite/trial.h"

static void suite_usage(FILE *f)
{
	fprintf(f,
		"usage: concbench suite NAME|FILE [--quick] [--out DIR] [--no-plot] [--max-reps N]\n\n"
		"Runs a suite's sweeps (a built-in one by name, see: concbench list suites,\n"
		"or a suite file), writes results/<name>/<UTC timestamp>/ and its charts as\n"
		"`concbench run` does, one directory per sweep, then checks the suite's\n"
		"expectations and decision-matrix rows and prints each with its verdict:\n"
		"reproduced, not reproduced, inconclusive, or n/a (with the reason). An\n"
		"expectation's ratio carries a 95%% bootstrap interval over the reps: inside\n"
		"its band it is reproduced, outside not; across an edge, the sweeps run\n"
		"again with more reps (up to --max-reps) and, still across, it is\n"
		"inconclusive. The file format is in README.md (Suites and reproducing\n"
		"the book).\n\n"
		"      --quick     the suite's quick size (seconds) instead of its full one\n"
		"  -o, --out DIR   results root (default: results)\n"
		"      --no-plot   do not draw charts\n"
		"      --max-reps N  the most reps per group while an expectation is\n"
		"                  inconclusive (default: %d)\n\n"
		"exit status: 0 reproduced, inconclusive or n/a, 1 not reproduced, 2 bad\n"
		"suite or usage, 130 interrupted\n",
		TRIAL_MAX_REPS);
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
			rc = trial_exit_code(o->v);
		}
	}
	free(s);
	free(o);
	return rc;
}

int cli_suite(int argc, char **argv, volatile sig_atomic_t *stop)
{
	int quick = 0, no_plot = 0;
	int64_t max_reps = TRIAL_MAX_REPS;
	const char *out = "results", *target = NULL;
	const cli_opt opts[] = {
		{ .name = "--quick", .type = CLI_FLAG, .dst = &quick },
		{ .name = "--no-plot", .type = CLI_FLAG, .dst = &no_plot },
		{ .name = "--max-reps",
		  .type = CLI_INT,
		  .dst = &max_reps,
		  .eq = 1,
		  .min = 1,
		  .max = 1000 },
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
	trial_set_max_reps((int)max_reps);
	return run_suite(target, quick, out, no_plot, stop);
}

/*
 * reproduce.c - `concbench reproduce`: every built-in suite (or every suite
 * file of a directory) and REPORT.md. Options only; the work is
 * harness/suite/reproduce.c's.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "harness/suite/reproduce.h"
#include "harness/suite/catalog.h"
#include "harness/suite/trial.h"

static void reproduce_usage(FILE *f)
{
	fprintf(f,
		"usage: concbench reproduce [--quick] [--out DIR] [--no-plot] [--suites DIR]\n"
		"                           [--only NAME,...] [--max-reps N]\n\n"
		"Runs every built-in suite (or every *.suite file of --suites DIR) and writes\n"
		"results/reproduce/<UTC timestamp>/REPORT.md: per claim, the book's figure,\n"
		"ours (with its 95%% bootstrap interval), the expectation, the verdict and\n"
		"links to the charts. Prints it too, and the count of each verdict. An\n"
		"expectation whose interval crosses an edge of its band runs again with\n"
		"more reps, up to --max-reps N per group (default: %d); still across, it\n"
		"is inconclusive. --only NAME,... keeps those suites alone (the lecture\n"
		"notebooks run their lessons so, and show this report's rows).\n\n"
		"exit status: 0 no claim was not reproduced (inconclusive and n/a do not\n"
		"fail), 1 a claim was not reproduced, 2 bad suite or usage, 130 interrupted\n",
		TRIAL_MAX_REPS);
}

/* Every built-in suite, loaded into *s (calloc'd); the exit code on failure, else -1. */
static int load_builtins(suite **s, size_t *n)
{
	char err[512];
	*n = catalog_builtin_count();
	*s = calloc(*n ? *n : 1, sizeof **s);
	if (!*s)
		return cli_fail("reproduce", 1, "out of memory");
	for (size_t i = 0; i < *n; i++)
		if (catalog_load(catalog_builtin_name(i), &(*s)[i], err, sizeof err) < 0) {
			free(*s);
			*s = NULL;
			return cli_fail("reproduce", 2, "%s", err);
		}
	return -1;
}

/* Keep the suites --only names, in the order given; the exit code on a
 * name no suite has, else -1. */
static int keep_only(const char *only, suite *s, size_t *n)
{
	char names[1024];
	if (strlen(only) >= sizeof names || !*only)
		return cli_usage_error("reproduce", "--only: give suite names, as L1,L4");
	snprintf(names, sizeof names, "%s", only);
	size_t kept = 0;
	char *save = NULL;
	for (char *w = strtok_r(names, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		size_t j = kept;
		while (j < *n && strcmp(s[j].name, w) != 0)
			j++;
		if (j == *n) {
			int dup = 0;
			for (size_t k = 0; k < kept; k++)
				dup |= strcmp(s[k].name, w) == 0;
			if (dup)
				continue;
			return cli_usage_error("reproduce",
					       "--only: no suite named '%s' (see: concbench list suites)", w);
		}
		suite t = s[kept];
		s[kept++] = s[j];
		s[j] = t;
	}
	*n = kept;
	return -1;
}

int cli_reproduce(int argc, char **argv, volatile sig_atomic_t *stop)
{
	int quick = 0, no_plot = 0;
	int64_t max_reps = TRIAL_MAX_REPS;
	const char *out = "results", *dir = NULL, *only = NULL;
	const cli_opt opts[] = {
		{ .name = "--quick", .type = CLI_FLAG, .dst = &quick },
		{ .name = "--no-plot", .type = CLI_FLAG, .dst = &no_plot },
		CLI_OPT_OUT(&out),
		{ .name = "--suites", .type = CLI_TEXT, .dst = &dir },
		{ .name = "--only", .type = CLI_TEXT, .dst = &only, .eq = 1 },
		{ .name = "--max-reps",
		  .type = CLI_INT,
		  .dst = &max_reps,
		  .eq = 1,
		  .min = 1,
		  .max = 1000 },
		{ 0 },
	};
	const cli_parser p = {
		.cmd = "reproduce", .opts = opts, .usage = reproduce_usage, .see_help = 1
	};
	int rc = cli_parse(&p, argc, argv);
	if (rc >= 0)
		return rc;
	char err[512];
	suite *s = NULL;
	size_t n = 0;
	if (dir) {
		if (catalog_load_dir(dir, &s, &n, err, sizeof err) < 0)
			return cli_fail("reproduce", 2, "%s", err);
	} else if ((rc = load_builtins(&s, &n)) >= 0) {
		return rc;
	}
	if (only && n && (rc = keep_only(only, s, &n)) >= 0) {
		free(s);
		return rc;
	}
	if (n == 0) {
		free(s);
		return cli_fail("reproduce", 2, "no suites");
	}
	trial_set_max_reps((int)max_reps);
	rc = reproduce_run(s, n, quick, out, no_plot, stop, stdout, stderr);
	free(s);
	return rc;
}

/*
 * cli_suite.c - `concbench suite`, `concbench reproduce`, `concbench list
 * suites`: options only; the work is in suite.c and reproduce.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "harness/suite/catalog.h"
#include "harness/suite/reproduce.h"

static int suite_usage(FILE *f, int rc)
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
	return rc;
}

static int reproduce_usage(FILE *f, int rc)
{
	fprintf(f, "usage: concbench reproduce [--quick] [--out DIR] [--no-plot] [--suites DIR]\n\n"
		   "Runs every built-in suite (or every *.suite file of --suites DIR) and writes\n"
		   "results/reproduce/<UTC timestamp>/REPORT.md: per claim, the book's figure,\n"
		   "ours, the expectation, the verdict and links to the charts. Prints it too.\n\n"
		   "exit status: 0 no claim failed, 1 a claim was not reproduced, 2 bad suite or\n"
		   "usage, 130 interrupted\n");
	return rc;
}

typedef struct {
	int quick, no_plot;
	const char *out, *suites, *target;
} suite_args;

/* Parse the shared options; returns -1 to go on, else an exit code. */
static int parse(const char *cmd, int argc, char **argv, suite_args *a, int want_target,
		 int (*usage)(FILE *, int))
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (!strcmp(o, "-h") || !strcmp(o, "--help"))
			return usage(stdout, 0);
		if (!strcmp(o, "--quick"))
			a->quick = 1;
		else if (!strcmp(o, "--no-plot"))
			a->no_plot = 1;
		else if ((!strcmp(o, "--out") || !strcmp(o, "-o")) && i + 1 < argc)
			a->out = argv[++i];
		else if (!strncmp(o, "--out=", 6))
			a->out = o + 6;
		else if (!want_target && !strcmp(o, "--suites") && i + 1 < argc)
			a->suites = argv[++i];
		else if (want_target && o[0] != '-' && !a->target)
			a->target = o;
		else {
			fprintf(stderr, "concbench %s: %s: %s\n(see: concbench %s --help)\n", cmd,
				o,
				o[0] != '-' ? "unexpected argument"
				: (!strcmp(o, "--out") || !strcmp(o, "-o") ||
				   !strcmp(o, "--suites"))
					? "needs a value"
					: "unknown option",
				cmd);
			return 2;
		}
	}
	if (want_target && !a->target) {
		fprintf(stderr, "concbench %s: give a suite name or file\n", cmd);
		return usage(stderr, 2);
	}
	return -1;
}

int cli_suite(int argc, char **argv, volatile sig_atomic_t *stop)
{
	suite_args a = { .out = "results" };
	int rc = parse("suite", argc, argv, &a, 1, suite_usage);
	if (rc >= 0)
		return rc;
	suite *s = malloc(sizeof *s);
	trial_outcome *o = malloc(sizeof *o);
	char err[512];
	if (!s || !o) {
		free(s);
		free(o);
		fprintf(stderr, "concbench suite: out of memory\n");
		return 1;
	}
	if (catalog_load(a.target, s, err, sizeof err) < 0) {
		fprintf(stderr, "concbench suite: %s\n", err);
		rc = 2;
	} else {
		rc = trial_run(s, a.quick, a.out, a.no_plot, stop, stdout, stderr, o);
		if (rc == 0) {
			trial_print(stdout, s, o);
			rc = o->v == VERDICT_NOT_REPRODUCED ? 1 : 0;
		}
	}
	free(s);
	free(o);
	return rc;
}

int cli_reproduce(int argc, char **argv, volatile sig_atomic_t *stop)
{
	suite_args a = { .out = "results" };
	int rc = parse("reproduce", argc, argv, &a, 0, reproduce_usage);
	if (rc >= 0)
		return rc;
	char err[512];
	suite *s = NULL;
	size_t n = 0;
	if (a.suites) {
		if (catalog_load_dir(a.suites, &s, &n, err, sizeof err) < 0) {
			fprintf(stderr, "concbench reproduce: %s\n", err);
			return 2;
		}
	} else {
		n = catalog_builtin_count();
		s = calloc(n ? n : 1, sizeof *s);
		if (!s) {
			fprintf(stderr, "concbench reproduce: out of memory\n");
			return 1;
		}
		for (size_t i = 0; i < n; i++)
			if (catalog_load(catalog_builtin_name(i), &s[i], err, sizeof err) < 0) {
				fprintf(stderr, "concbench reproduce: %s\n", err);
				free(s);
				return 2;
			}
	}
	if (n == 0) {
		fprintf(stderr, "concbench reproduce: no suites\n");
		free(s);
		return 2;
	}
	rc = reproduce_run(s, n, a.quick, a.out, a.no_plot, stop, stdout, stderr);
	free(s);
	return rc;
}

int cli_list_suites(void)
{
	char err[512];
	suite *s = malloc(sizeof *s);
	if (!s)
		return 1;
	int rc = 0;
	printf("suites (concbench suite NAME [--quick]; concbench reproduce runs them all):\n");
	for (size_t i = 0; i < catalog_builtin_count(); i++) {
		if (catalog_load(catalog_builtin_name(i), s, err, sizeof err) < 0) {
			fprintf(stderr, "concbench list: %s\n", err);
			rc = 1;
			continue;
		}
		printf("  %-6s %s\n", s->name, s->claim);
		if (s->book[0])
			printf("         book: %s\n", s->book);
		for (int k = 0; k < s->nex; k++)
			printf("         expect %s\n", s->ex[k].text);
	}
	free(s);
	return rc;
}

/*
 * cli.c - the commands' options and help.
 *
 * Parsing only: every bad argument gets a message naming it and exit 2, and
 * the work itself is done by sweep.c, meta.c and bench.c.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "harness/cli/cli.h"

#include <stdlib.h>
#include <string.h>

#include "harness/run/target_serve.h"
#include "harness/run/meta.h"
#include "harness/plot/plot.h"
#include "harness/run/runopts.h"
#include "harness/run/spec.h"
#include "harness/run/sweep.h"

void cli_usage(FILE *f)
{
	fprintf(f, "usage: concbench COMMAND [options]\n\n"
		   "Run the same workloads under different concurrency models and measure them.\n\n"
		   "commands:\n"
		   "  run      a sweep: workloads x models x concurrency x reps\n"
		   "  list     the models and workloads, with their parameters\n"
		   "  suite    a claim's sweep and its expectations: reproduced or not\n"
		   "  reproduce  every built-in suite, and REPORT.md\n"
		   "  plot     (re)draw the charts of a results directory\n"
		   "  topo     the machine as hwloc sees it\n"
		   "  bench    the toolkit's own per-task cost beside raw primitives\n"
		   "  serve    the bundled HTTP target, for http workloads and by hand\n"
		   "  help     this text (concbench COMMAND --help for a command)\n\n"
		   "options: --version, --help\n"
		   "exit status: 0 ok, 1 a run failed, 2 usage error, 130 interrupted\n");
}

int cli_run(int argc, char **argv, volatile sig_atomic_t *stop)
{
	/* main() hands us argv from "run" on; the context wants the whole line. */
	sweep_cfg cfg = { .out_root = "results", .argc = argc + 1, .argv = argv - 1, .stop = stop };
	wl_spec wls[RUNOPTS_MAX_WL];
	char err[512];
	int rc = runopts_parse(argc, argv, &cfg, wls, err, sizeof err);
	if (rc == 1) {
		runopts_usage(stdout);
		return 0;
	}
	if (rc == 2) {
		fprintf(stderr, "concbench run: %s\n(see: concbench run --help)\n", err);
		return 2;
	}
	rc = sweep_run(&cfg, stdout, stderr);
	runopts_free(&cfg);
	return rc;
}

static void list_workloads(FILE *f)
{
	fprintf(f, "workloads (NAME:key=value,...):\n");
	for (const wl_kind *const *w = wl_all(); *w; w++) {
		fprintf(f, "  %-8s %-3s  %s\n", (*w)->name, (*w)->cls, (*w)->summary);
		for (const wl_param_def *d = (*w)->params; d && d->name; d++) {
			char range[80];
			if (d->type == WL_ENUM)
				snprintf(range, sizeof range, "%s", d->choices);
			else if (d->type == WL_STR)
				snprintf(range, sizeof range, "text");
			else
				snprintf(range, sizeof range, "%lld..%lld%s", (long long)d->min,
					 (long long)d->max,
					 d->force_max ? " (more with --force)" : "");
			fprintf(f, "      %-10s default %-8s %s%s; %s\n", d->name, d->def, range,
				d->per_task ? " (a|b|...: per task)" : "", d->help);
		}
	}
}

/* What a model flag does, for the list. */
static const char *flag_help(const char *flag)
{
	if (!strcmp(flag, "gil"))
		return "emulate CPython's GIL: one lock held while a task computes, let go "
		       "while it waits, handed over after gil_interval_ms";
	return "";
}

static void list_models(FILE *f)
{
	fprintf(f, "models (NAME[+FLAG][:key=value,...]):\n");
	for (const model_kind *const *m = model_all(); *m; m++) {
		fprintf(f, "  %-10s %s\n", (*m)->name, (*m)->summary);
		for (const char *const *fl = (*m)->flags; fl && *fl; fl++)
			fprintf(f, "      +%-9s %s\n", *fl, flag_help(*fl));
		for (const model_opt_def *d = (*m)->opts; d && d->name; d++)
			fprintf(f, "      %-10s default %-8s %lld..%lld; %s\n", d->name, d->def,
				(long long)d->min, (long long)d->max, d->help);
	}
}

int cli_list(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "all";
	if (argc > 2) {
		fprintf(stderr, "concbench list: unexpected argument '%s'\n", argv[2]);
		return 2;
	}
	if (!strcmp(what, "-h") || !strcmp(what, "--help")) {
		printf("usage: concbench list [models|workloads|suites]\n\n"
		       "Lists the models and workloads with their parameters, defaults and ranges.\n");
		return 0;
	}
	int models = !strcmp(what, "models") || !strcmp(what, "all");
	int wls = !strcmp(what, "workloads") || !strcmp(what, "all");
	if (!models && !wls) {
		fprintf(stderr, "concbench list: unknown list '%s' (models, workloads, suites)\n",
			what);
		return 2;
	}
	if (models)
		list_models(stdout);
	if (models && wls)
		putchar('\n');
	if (wls)
		list_workloads(stdout);
	return 0;
}

int cli_topo(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: concbench topo\n\nThe machine as hwloc sees it: packages, cores, "
		       "hardware threads, NUMA nodes, caches.\n");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "concbench topo: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	return meta_topo_print(stdout) < 0 ? 1 : 0;
}

int cli_serve(int argc, char **argv, volatile sig_atomic_t *stop)
{
	const char *listen = "127.0.0.1:8080";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: concbench serve [--listen HOST:PORT]\n\n"
			       "The bundled HTTP target: GET /work?delay_ms=D&size=S&seed=K answers 200\n"
			       "after D ms with S bytes of a body that depends only on K. Keep-alive and\n"
			       "Connection: close both work. Port 0 picks a free port; the address is\n"
			       "printed once bound. GET /stats shows connections, delayed requests\n"
			       "and requests served. Ctrl-C stops it. (default --listen 127.0.0.1:8080)\n");
			return 0;
		}
		if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
			listen = argv[++i];
			continue;
		}
		fprintf(stderr, "concbench serve: %s: %s\n", argv[i],
			!strcmp(argv[i], "--listen") ? "needs HOST:PORT" : "unknown option");
		return 2;
	}
	char err[256];
	if (target_serve(listen, stop, stdout, err, sizeof err) < 0) {
		fprintf(stderr, "concbench serve: %s\n", err);
		return 1;
	}
	return 0;
}

int cli_plot(int argc, char **argv)
{
	if (argc != 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		int help = argc == 2;
		fprintf(help ? stdout : stderr,
			"usage: concbench plot DIR\n\n"
			"(Re)draws every chart of a results directory (results/NAME/latest or\n"
			"results/NAME/STAMP) as PNG, SVG and PDF with gnuplot, each beside the .gp\n"
			"script and .dat data it came from, to restyle and re-run by hand.\n");
		return help ? 0 : 2;
	}
	char err[256];
	int n = plot_dir(argv[1], NULL, stderr, err, sizeof err);
	if (n < 0) {
		fprintf(stderr, "concbench plot: %s\n", err);
		return 1;
	}
	printf("charts: %d in %s\n", n, argv[1]);
	return 0;
}

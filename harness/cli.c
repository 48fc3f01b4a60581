/*
 * cli.c - the commands' options and help.
 *
 * Parsing only: every bad argument gets a message naming it and exit 2, and
 * the work itself is done by sweep.c, meta.c and bench.c.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"
#include "meta.h"
#include "plot.h"
#include "spec.h"
#include "sweep.h"

#define MAX_TASKS 10000000
#define MAX_CONC  1000000
#define MAX_WL    32

void cli_usage(FILE *f)
{
	fprintf(f, "usage: concbench COMMAND [options]\n\n"
		   "Run the same workloads under different concurrency models and measure them.\n\n"
		   "commands:\n"
		   "  run      a sweep: workloads x models x concurrency x reps\n"
		   "  list     the models and workloads, with their parameters\n"
		   "  plot     (re)draw the charts of a results directory\n"
		   "  topo     the machine as hwloc sees it\n"
		   "  bench    the toolkit's own per-task cost beside raw primitives\n"
		   "  serve    the bundled HTTP target, for http workloads and by hand\n"
		   "  help     this text (concbench COMMAND --help for a command)\n\n"
		   "options: --version, --help\n"
		   "exit status: 0 ok, 1 a run failed, 2 usage error, 130 interrupted\n");
}

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: concbench run -w SPEC [-w SPEC...] [-m MODELS] [-n TASKS] [-c LIST] [options]\n\n"
		"Runs every workload under every model at every concurrency value, --reps times,\n"
		"each run in a fresh child process; prints a line per run and a summary, and writes\n"
		"results/<name>/<UTC timestamp>/results.csv and results.json.\n\n"
		"  -w, --workload SPEC   workload, e.g. fib:n=32 or hash:algo=sha256,bytes=64k\n"
		"                        (repeat for several; see: concbench list workloads)\n"
		"  -m, --models LIST     models separated by commas, or 'all' (default: all)\n"
		"  -n, --tasks N         tasks per run (default: 8)\n"
		"  -c, --concurrency L   most tasks in flight, pool size: 1,2,4 or 1..1024x2\n"
		"                        or 1..8 or 2..20+2 (default: the number of cores)\n"
		"  -r, --reps R          measured repetitions (default: 3)\n"
		"      --warmup W        discarded runs before them (default: 0)\n"
		"  -o, --out DIR         results root (default: results)\n"
		"      --name NAME       results/<NAME>/ (default: the first workload's name)\n"
		"      --cpus LIST       bind runs to these CPUs, hwloc list syntax: 0,1 or 0-3\n"
		"      --timeline        keep per-task timestamps in tasks/\n"
		"      --timeout SEC     kill a run after SEC seconds (default: none)\n"
		"      --force           allow parameters past their soft limits (fib n > 45)\n"
		"      --no-plot         do not draw charts at the end (concbench plot DIR does)\n"
		"  -h, --help            this text\n");
}

static int usage_error(const char *what, const char *msg)
{
	fprintf(stderr, "concbench run: %s: %s\n(see: concbench run --help)\n", what, msg);
	return 2;
}

typedef struct {
	const char *wl_text[MAX_WL];
	int nwl;
	const char *models, *tasks, *conc, *reps, *warmup, *timeout;
	int force;
} run_args;

static int parse_run_args(int argc, char **argv, run_args *a, sweep_cfg *cfg)
{
	static const struct option opts[] = {
		{ "workload", required_argument, 0, 'w' },
		{ "models", required_argument, 0, 'm' },
		{ "tasks", required_argument, 0, 'n' },
		{ "concurrency", required_argument, 0, 'c' },
		{ "reps", required_argument, 0, 'r' },
		{ "warmup", required_argument, 0, 'W' },
		{ "out", required_argument, 0, 'o' },
		{ "name", required_argument, 0, 'N' },
		{ "cpus", required_argument, 0, 'C' },
		{ "timeline", no_argument, 0, 'T' },
		{ "timeout", required_argument, 0, 't' },
		{ "force", no_argument, 0, 'F' },
		{ "no-plot", no_argument, 0, 'P' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":w:m:n:c:r:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			if (a->nwl == MAX_WL)
				return usage_error("-w", "too many workloads");
			a->wl_text[a->nwl++] = optarg;
			break;
		case 'm': a->models = optarg; break;
		case 'n': a->tasks = optarg; break;
		case 'c': a->conc = optarg; break;
		case 'r': a->reps = optarg; break;
		case 'W': a->warmup = optarg; break;
		case 'o': cfg->out_root = optarg; break;
		case 'N': cfg->name = optarg; break;
		case 'C': cfg->cpus = optarg; break;
		case 'T': cfg->timeline = 1; break;
		case 't': a->timeout = optarg; break;
		case 'F': a->force = 1; break;
		case 'P': cfg->no_plot = 1; break;
		case 'h': run_usage(stdout); return 0;
		case ':': return usage_error(argv[optind - 1], "needs a value");
		default: return usage_error(argv[optind - 1], "unknown option");
		}
	}
	if (optind < argc)
		return usage_error(argv[optind], "unexpected argument");
	if (a->nwl == 0)
		return usage_error("-w", "give at least one workload, e.g. -w fib:n=30");
	return -1; /* go on */
}

/* A whole-number option, or exit 2 naming it. */
static int num_opt(const char *name, const char *text, int64_t def, int64_t min, int64_t max,
		   int64_t *out)
{
	char err[160];
	if (!text) {
		*out = def;
		return 0;
	}
	if (spec_int(text, min, max, 0, out, err, sizeof err) < 0)
		return usage_error(name, err);
	return 0;
}

static int build_cfg(run_args *a, sweep_cfg *cfg, wl_spec *wls)
{
	char err[256];
	int64_t v;
	for (int k = 0; k < a->nwl; k++)
		if (spec_workload(a->wl_text[k], a->force, &wls[k], err, sizeof err) < 0)
			return usage_error("-w", err);
	cfg->wls = wls;
	cfg->nwl = (size_t)a->nwl;
	if (spec_models(a->models ? a->models : "all", &cfg->models, &cfg->nmodels, err,
			sizeof err) < 0)
		return usage_error("-m", err);
	if (num_opt("-n", a->tasks, 8, 1, MAX_TASKS, &v))
		return 2;
	cfg->n = (size_t)v;
	char cores[16];
	snprintf(cores, sizeof cores, "%d", meta_cores());
	if (spec_counts(a->conc ? a->conc : cores, 1, MAX_CONC, &cfg->cs, &cfg->ncs, err,
			sizeof err) < 0)
		return usage_error("-c", err);
	if (num_opt("--reps", a->reps, 3, 1, 100000, &v))
		return 2;
	cfg->reps = (int)v;
	if (num_opt("--warmup", a->warmup, 0, 0, 1000, &v))
		return 2;
	cfg->warmup = (int)v;
	if (num_opt("--timeout", a->timeout, 0, 1, 1000000, &v))
		return 2;
	cfg->timeout_s = (double)v;
	if (!cfg->name)
		cfg->name = wls[0].kind->name;
	return 0;
}

int cli_run(int argc, char **argv, volatile sig_atomic_t *stop)
{
	run_args a = { 0 };
	/* main() hands us argv from "run" on; the context wants the whole line. */
	sweep_cfg cfg = { .out_root = "results", .argc = argc + 1, .argv = argv - 1, .stop = stop };
	wl_spec wls[MAX_WL];
	int rc = parse_run_args(argc, argv, &a, &cfg);
	if (rc >= 0)
		return rc;
	rc = build_cfg(&a, &cfg, wls);
	if (rc == 0)
		rc = sweep_run(&cfg, stdout, stderr);
	free(cfg.models);
	free(cfg.cs);
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

static void list_models(FILE *f)
{
	fprintf(f, "models (NAME[:key=value,...]):\n");
	for (const model_kind *const *m = model_all(); *m; m++) {
		fprintf(f, "  %-10s %s\n", (*m)->name, (*m)->summary);
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
		printf("usage: concbench list [models|workloads]\n\n"
		       "Lists the models and workloads with their parameters, defaults and ranges.\n");
		return 0;
	}
	int models = !strcmp(what, "models") || !strcmp(what, "all");
	int wls = !strcmp(what, "workloads") || !strcmp(what, "all");
	if (!models && !wls) {
		fprintf(stderr, "concbench list: unknown list '%s' (models, workloads)\n", what);
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
	if (httpd_serve(listen, stop, stdout, err, sizeof err) < 0) {
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

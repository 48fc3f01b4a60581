/*
 * runopts.c - the options of `concbench run`, parsed into a sweep_cfg
 * (cli_run() and suite files share it).
 */
#define _GNU_SOURCE
#include "harness/run/runopts.h"

#include "harness/run/duration.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/meta.h"

#define MAX_TASKS 10000000
#define MAX_CONC  1000000

void runopts_usage(FILE *f)
{
	fprintf(f,
		"usage: concbench run -w SPEC [-w SPEC...] [-m MODELS] [-n TASKS] [-c LIST] [options]\n\n"
		"Runs every workload under every model at every concurrency value, --reps times,\n"
		"each run in a fresh child process; prints a line per run and a summary, and writes\n"
		"results/<name>/<UTC timestamp>/results.csv and results.json.\n\n"
		"  -w, --workload SPEC   workload, e.g. fib:n=32 or hash:algo=sha256,bytes=64k\n"
		"                        (repeat for several; see: concbench list workloads)\n"
		"  -m, --models LIST     models separated by commas; 'all' (the default), or\n"
		"                        'all+gil': every model and the +gil variants\n"
		"  -n, --tasks N         tasks per run (default: 8)\n"
		"  -c, --concurrency L   most tasks in flight, pool size: 1,2,4 or 1..1024x2\n"
		"                        or 1..8 or 2..20+2 (default: the number of cores)\n"
		"  -r, --reps R          measured repetitions (default: 3)\n"
		"      --warmup W        discarded runs before them (default: 0)\n"
		"  -o, --out DIR         results root (default: results)\n"
		"      --name NAME       results/<NAME>/ (default: the first workload's name)\n"
		"      --cpus LIST       bind runs to these CPUs, hwloc list syntax: 0,1 or 0-3\n"
		"      --timeline        keep per-task times and each thread's states (running,\n"
		"                        waiting for the GIL or I/O, ready) in tasks/: state\n"
		"                        timelines and trace.json (Perfetto) are drawn from them\n"
		"      --timeout SEC     kill a run after SEC seconds (default: none)\n"
		"      --force           allow parameters past their soft limits (fib n > 45)\n"
		"      --no-plot         do not draw charts at the end (concbench plot DIR does)\n"
		"A server workload (serve:work=SPEC) runs under a load on the other CPUs:\n"
		"      --connections L   connections the load opens, a step each (1,10,100;\n"
		"                        default: -n); N of the row is this value, and C\n"
		"                        too unless -c is given (every connection at once)\n"
		"      --rate L          open loop at each rate (requests/s), a step each;\n"
		"                        0 is a closed loop (--rate 0,1000: both); default: 0\n"
		"      --duration D      each run's load lasts D (default 2s), or\n"
		"      --requests R      it sends R requests\n"
		"      --idle K          of the connections, K are mostly idle (a chat's quiet\n"
		"                        users): each sends one request in a first second\n"
		"                        that is not measured, then holds its socket open;\n"
		"                        the rest carry the load and are measured\n"
		"  -h, --help            this text\n");
}

static int fail(char *err, size_t errlen, const char *what, const char *msg)
{
	snprintf(err, errlen, "%s: %s", what, msg);
	return 2;
}

typedef struct {
	const char *wl_text[RUNOPTS_MAX_WL];
	int nwl;
	const char *models, *tasks, *conc, *reps, *warmup, *timeout;
	const char *conns, *rates, *duration, *requests, *idle; /* a server workload's load */
	int force;
} run_args;

static int parse_args(int argc, char **argv, run_args *a, sweep_cfg *cfg, char *err, size_t errlen)
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
		{ "connections", required_argument, 0, 'K' },
		{ "rate", required_argument, 0, 'R' },
		{ "duration", required_argument, 0, 'D' },
		{ "requests", required_argument, 0, 'Q' },
		{ "idle", required_argument, 0, 'I' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	int ch;
	opterr = 0;
	optind = 1;
	while ((ch = getopt_long(argc, argv, ":w:m:n:c:r:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'w':
			if (a->nwl == RUNOPTS_MAX_WL)
				return fail(err, errlen, "-w", "too many workloads");
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
		case 'K': a->conns = optarg; break;
		case 'R': a->rates = optarg; break;
		case 'D': a->duration = optarg; break;
		case 'Q': a->requests = optarg; break;
		case 'I': a->idle = optarg; break;
		case 'h': return 1;
		case ':': return fail(err, errlen, argv[optind - 1], "needs a value");
		default: return fail(err, errlen, argv[optind - 1], "unknown option");
		}
	}
	if (optind < argc)
		return fail(err, errlen, argv[optind], "unexpected argument");
	if (a->nwl == 0)
		return fail(err, errlen, "-w", "give at least one workload, e.g. -w fib:n=30");
	return 0;
}

/* A whole-number option, or 2 naming it. */
static int num_opt(const char *name, const char *text, int64_t def, int64_t min, int64_t max,
		   int64_t *out, char *err, size_t errlen)
{
	char msg[160];
	if (!text) {
		*out = def;
		return 0;
	}
	if (spec_int(text, min, max, 0, out, msg, sizeof msg) < 0)
		return fail(err, errlen, name, msg);
	return 0;
}

/* A server workload's load: connections (default -n), rates (none: a
 * closed loop), its length (default 2 s); refused for other workloads. */
static int load_cfg_of(const run_args *a, sweep_cfg *cfg, wl_spec *wls, char *err, size_t errlen)
{
	char msg[256];
	int server = 0;
	for (size_t k = 0; k < cfg->nwl; k++)
		server |= wls[k].kind->server;
	const char *given = a->conns      ? "--connections"
			    : a->rates    ? "--rate"
			    : a->duration ? "--duration"
			    : a->requests ? "--requests"
			    : a->idle     ? "--idle"
					  : NULL;
	if (!server) {
		if (given)
			return fail(err, errlen, given,
				    "drives a server workload (serve:work=...); no workload here "
				    "is one");
		return 0;
	}
	if (a->duration && a->requests)
		return fail(err, errlen, "--duration", "give --duration or --requests, not both");
	char n[32];
	snprintf(n, sizeof n, "%zu", cfg->n);
	if (spec_counts(a->conns ? a->conns : n, 1, MAX_TASKS, &cfg->conns, &cfg->nconns, msg,
			sizeof msg) < 0)
		return fail(err, errlen, "--connections", msg);
	if (a->rates &&
	    spec_counts(a->rates, 0, 100000000, &cfg->rates, &cfg->nrates, msg, sizeof msg) < 0)
		return fail(err, errlen, "--rate", msg);
	int64_t d = a->duration ? spec_duration_ns(a->duration) : 2000000000;
	if (d <= 0 || d > 3600000000000)
		return fail(err, errlen, "--duration", "not a duration from 1ns to 1h (3s, 500ms)");
	cfg->load_duration_ns = a->requests ? 0 : (uint64_t)d;
	int64_t q = 0;
	if (num_opt("--requests", a->requests, 0, 1, INT64_C(1000000000000), &q, err, errlen))
		return 2;
	cfg->load_requests = (uint64_t)q;
	if (num_opt("--idle", a->idle, 0, 0, MAX_TASKS, &q, err, errlen))
		return 2;
	cfg->load_idle = (size_t)q;
	for (size_t k = 0; q && k < cfg->nconns; k++)
		if (cfg->conns[k] <= q)
			return fail(err, errlen, "--idle",
				    "some connections must stay busy: give --connections above it");
	if (q && a->requests)
		return fail(err, errlen, "--idle",
			    "idle connections need --duration, not --requests");
	cfg->c_auto = !a->conc;
	return 0;
}

static int build_cfg(run_args *a, sweep_cfg *cfg, wl_spec *wls, char *err, size_t errlen)
{
	char msg[256];
	int64_t v;
	for (int k = 0; k < a->nwl; k++)
		if (spec_workload(a->wl_text[k], a->force, &wls[k], msg, sizeof msg) < 0)
			return fail(err, errlen, "-w", msg);
	cfg->wls = wls;
	cfg->nwl = (size_t)a->nwl;
	if (spec_models(a->models ? a->models : "all", &cfg->models, &cfg->nmodels, msg,
			sizeof msg) < 0)
		return fail(err, errlen, "-m", msg);
	if (num_opt("-n", a->tasks, 8, 1, MAX_TASKS, &v, err, errlen))
		return 2;
	cfg->n = (size_t)v;
	char cores[16];
	snprintf(cores, sizeof cores, "%d", meta_cores());
	if (spec_counts(a->conc ? a->conc : cores, 1, MAX_CONC, &cfg->cs, &cfg->ncs, msg,
			sizeof msg) < 0)
		return fail(err, errlen, "-c", msg);
	/* Values that no run could take, now that N and C are known. */
	int64_t min_c = cfg->cs[0];
	for (size_t k = 1; k < cfg->ncs; k++)
		min_c = cfg->cs[k] < min_c ? cfg->cs[k] : min_c;
	for (int k = 0; k < a->nwl; k++)
		if (wl_check(&wls[k], cfg->n, (unsigned)min_c, msg, sizeof msg) < 0)
			return fail(err, errlen, "-w", msg);
	if (num_opt("--reps", a->reps, 3, 1, 100000, &v, err, errlen))
		return 2;
	cfg->reps = (int)v;
	if (num_opt("--warmup", a->warmup, 0, 0, 1000, &v, err, errlen))
		return 2;
	cfg->warmup = (int)v;
	if (num_opt("--timeout", a->timeout, 0, 1, 1000000, &v, err, errlen))
		return 2;
	cfg->timeout_s = (double)v;
	if (!cfg->name)
		cfg->name = wls[0].kind->name;
	return load_cfg_of(a, cfg, wls, err, errlen);
}

int runopts_parse(int argc, char **argv, sweep_cfg *cfg, wl_spec *wls, char *err, size_t errlen)
{
	run_args a = { 0 };
	int rc = parse_args(argc, argv, &a, cfg, err, errlen);
	if (rc == 0)
		rc = build_cfg(&a, cfg, wls, err, errlen);
	if (rc != 0)
		runopts_free(cfg);
	return rc;
}

void runopts_free(sweep_cfg *cfg)
{
	free(cfg->models);
	free(cfg->cs);
	free(cfg->conns);
	free(cfg->rates);
	cfg->conns = cfg->rates = NULL;
	cfg->nconns = cfg->nrates = 0;
	cfg->models = NULL;
	cfg->cs = NULL;
	cfg->nmodels = cfg->ncs = 0;
}

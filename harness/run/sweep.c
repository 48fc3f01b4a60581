/*
 * sweep.c - runs over workloads x models x concurrency values x reps.
 *
 * Order matters on a noisy machine: within each rep every model runs once
 * per concurrency value, and the order of models rotates from rep to rep, so
 * slow drift (thermal, a neighbour's job) spreads over all models instead of
 * landing on whichever ran last. Warm-up reps come first and are dropped.
 *
 * A quick machine check (check.h) runs before the first run and after the
 * last, outside every measurement; both go in the context, and when the
 * machine did not deliver its cores a warning follows the summary.
 *
 * Results are rewritten (atomically) after every run, so a crash or a Ctrl-C
 * never loses a finished run. A run whose digest differs from the reference
 * (the workload's first good run; sequential goes first when it is in the
 * sweep) did different work: it is an error and its timings do not count.
 */
#include "harness/run/sweep.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/run/check_report.h"
#include "harness/run/pace.h"
#include "harness/run/stats.h"
#include "harness/run/cpus.h"
#include "harness/run/meta.h"
#include "harness/plot/plot.h"
#include "harness/report/report.h"
#include "harness/run/runner.h"
#include "harness/report/summary.h"
#include "harness/run/target.h"
#include "harness/report/units.h"

typedef struct {
	const sweep_cfg *cfg;
	FILE *out, *diag;
	rep_dir *dir;
	char *meta;    /* the machine's context, without checks or the target */
	char *context; /* what results.json gets */
	check_result before, after;
	int nchecks; /* 0 (skipped), 1 (before), 2 (before and after) */
	res_run *runs;
	size_t nruns;
	size_t done, total; /* runs started, runs planned (warm-ups included) */
	uint64_t t_start;
	time_t started; /* the results directory's stamp, every row's started_utc */
	int color, progress;
	cpus_plan cpus; /* where the runs go */
	model_table *table;
	tl_buf *tl; /* --timeline: the runs' state events (NULL: not asked) */
	target server;
	size_t prepared; /* workloads whose init ran */
	pace_meter pace;
	int paced;          /* probing: 0 with CONCBENCH_NO_CHECK or no threads */
	double pace_prev;   /* the probe after the last run is the one before the next */
	double cores_prev;
	double *cores;      /* per kept run, the fewer cores of its two probes */
	size_t ncores;
} sweep;

#define PACE_REDO 2 /* a slowed rep is run again at most this many times */

static int bind_setup(sweep *s)
{
	char err[512];
	if (cpus_choose(&s->cpus, s->cfg->cpus, err, sizeof err) < 0) {
		fprintf(s->diag, "concbench: %s\n", err);
		return -1;
	}
	return 0;
}

static void progress(sweep *s, const char *wl, const model_spec *m, unsigned c, int rep)
{
	if (!s->progress)
		return;
	char eta[32] = "?";
	if (s->done > 0) {
		double el = (double)(wl_now_ns() - s->t_start) / 1e9;
		double left = el / (double)s->done * (double)(s->total - s->done);
		snprintf(eta, sizeof eta, "%d:%02d", (int)left / 60, (int)left % 60);
	}
	fprintf(s->diag, "\r\033[K[%zu/%zu] %s %s c=%u %s %d  ETA %s", s->done + 1, s->total, wl,
		m->text, c, rep > 0 ? "rep" : "warm-up", rep > 0 ? rep : 1 - rep, eta);
	fflush(s->diag);
}

static void print_line(sweep *s, const res_run *r)
{
	if (s->progress)
		fprintf(s->diag, "\r\033[K");
	summary_line(s->out, r, s->color);
	fflush(s->out);
}

void sweep_check_digest(res_run *r, int *have_ref, uint64_t *ref)
{
	if (strcmp(r->status, "ok") != 0)
		return;
	if (!*have_ref) {
		*have_ref = 1;
		*ref = r->digest;
	} else if (r->digest != *ref) {
		snprintf(r->status, sizeof r->status,
			 "error: digest mismatch: %016" PRIx64 " where the sweep has %016" PRIx64,
			 r->digest, *ref);
	}
}

static int save(sweep *s, const res_run *r)
{
	if (s->cfg->timeline && rep_write_tasks(s->dir, r, s->table, s->tl) < 0)
		fprintf(s->diag, "concbench: %s\n", rep_error(s->dir));
	if (rep_write(s->dir, s->runs, s->nruns, s->context) < 0) {
		fprintf(s->diag, "concbench: %s\n", rep_error(s->dir));
		return -1;
	}
	return 0;
}

/* Probe the pace after a run into r; 1 when the run should be done again. */
static int paced(sweep *s, res_run *r, int attempt)
{
	double cores = NAN, after = s->paced ? pace_probe(&s->pace, &cores) : NAN;
	r->pace = isnan(s->pace_prev) ? after : fmax(s->pace_prev, after);
	double c = isnan(s->cores_prev) ? cores : fmin(s->cores_prev, cores);
	s->pace_prev = after;
	s->cores_prev = cores;
	if (r->rep > 0 && strcmp(r->status, "ok") == 0 && r->pace > PACE_SLOW &&
	    attempt < PACE_REDO) {
		snprintf(r->status, sizeof r->status,
			 "slowed: a CPU did fixed work %.2fx slower than its best around this "
			 "run (the host, or work beside the run, slowed it), so it runs again",
			 r->pace);
		/* A fresh probe before the next try, so one slow moment does
		 * not count against two runs. */
		s->pace_prev = pace_probe(&s->pace, &s->cores_prev);
		return 1;
	}
	if (r->rep > 0 && !isnan(c))
		s->cores[s->ncores++] = c;
	return 0;
}

/* One (workload, model, C, rep) run, again while the host slowed it (up to
 * PACE_REDO times). 1 when a signal stopped it. */
static int one(sweep *s, wl_spec *w, const model_spec *m, size_t n, const run_peer *peer,
	       unsigned c, int rep, int *have_ref, uint64_t *ref)
{
	const sweep_cfg *cfg = s->cfg;
	run_job job = { .wl = w,
			.model = m,
			.n = n,
			.peer = peer,
			.c = c,
			.table = s->table,
			.timeline = s->tl,
			.cpuset = s->cpus.run,
			.topology = s->cpus.topo,
			.timeout_s = cfg->timeout_s,
			.stop = cfg->stop };
	for (int attempt = 0;; attempt++) {
		res_run r;
		res_init(&r);
		progress(s, w->kind->name, m, c, rep);
		int rc = run_one(&job, &r);
		s->done++;
		r.rep = rep;
		int again = rc != 1 && paced(s, &r, attempt);
		if (rep <= 0 && rc != 1)
			return 0; /* a warm-up: discarded */
		snprintf(r.suite, sizeof r.suite, "%s", cfg->suite ? cfg->suite : "");
		snprintf(r.model, sizeof r.model, "%s", m->text);
		snprintf(r.workload, sizeof r.workload, "%s", w->kind->name);
		wl_spec shown = *w; /* a server's listen= is the runner's choice: not shown */
		shown.listen_set = w->kind->server;
		wl_params_string(&shown, r.params, sizeof r.params);
		meta_stamp(&r, s->started);
		if (!again)
			sweep_check_digest(&r, have_ref, ref);
		if (rep <= 0)
			return 1;
		s->runs[s->nruns++] = r;
		print_line(s, &r);
		if (save(s, &r) < 0)
			return -1;
		if (!again)
			return rc == 1;
	}
}

/* Every rep x C x model of workload w at n tasks (under peer, for a server). */
static int sweep_step(sweep *s, wl_spec *w, size_t n, const run_peer *peer)
{
	const sweep_cfg *cfg = s->cfg;
	int have_ref = 0; /* a reference digest per step: N changes it */
	uint64_t ref = 0;
	/* a server without -c: every connection served at once (C = N) */
	int64_t own_c = (int64_t)n;
	const int64_t *cs = peer && cfg->c_auto ? &own_c : cfg->cs;
	size_t ncs = peer && cfg->c_auto ? 1 : cfg->ncs;
	for (int rep = 1 - cfg->warmup; rep <= cfg->reps; rep++)
		for (size_t ci = 0; ci < ncs; ci++)
			for (size_t k = 0; k < cfg->nmodels; k++) {
				size_t rot = rep > 0 ? (size_t)(rep - 1) : 0;
				const model_spec *m = &cfg->models[(k + rot) % cfg->nmodels];
				int rc = one(s, w, m, n, peer, (unsigned)cs[ci], rep, &have_ref, &ref);
				if (rc)
					return rc;
			}
	return 0;
}

static int sweep_all(sweep *s)
{
	const sweep_cfg *cfg = s->cfg;
	for (size_t wi = 0; wi < cfg->nwl; wi++) {
		wl_spec *w = &cfg->wls[wi];
		int rc = 0;
		if (!w->kind->server) {
			rc = sweep_step(s, w, cfg->n, NULL);
		} else { /* a step per connections value and rate */
			size_t nr = cfg->nrates ? cfg->nrates : 1;
			for (size_t i = 0; i < cfg->nconns * nr && !rc; i++) {
				run_peer peer = { .rate = cfg->nrates ? (double)cfg->rates[i % nr] : 0,
						  .duration_ns = cfg->load_duration_ns,
						  .requests = cfg->load_requests,
						  .path = "/work?seed=0",
						  .idle = cfg->load_idle };
				rc = sweep_step(s, w, (size_t)cfg->conns[i / nr], &peer);
			}
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* Start the bundled HTTP target if a workload needs it, then prepare every
 * workload (http's init needs the target's address). -1 after a message. */
static int prepare(sweep *s)
{
	const sweep_cfg *cfg = s->cfg;
	char err[256] = "";
	if (target_start(&s->server, cfg->wls, cfg->nwl, s->cpus.topo, s->cpus.run, err,
			 sizeof err) < 0) {
		fprintf(s->diag, "concbench: cannot start the bundled HTTP target: %s\n", err);
		return -1;
	}
	for (; s->prepared < cfg->nwl; s->prepared++) {
		if (wl_prepare(&cfg->wls[s->prepared], err, sizeof err) < 0) {
			fprintf(s->diag, "concbench: %s\n", err);
			return -1;
		}
	}
	return 0;
}

/* The context: the machine's, the checks taken so far and, once it has
 * stopped, the target's CPU time. NULL when memory ran out. */
static char *context_now(sweep *s, int with_target)
{
	char *c = s->nchecks ? check_context(s->meta, &s->before, s->nchecks > 1 ? &s->after : NULL)
			     : strdup(s->meta);
	char *t = c && with_target ? target_context(&s->server, c) : NULL;
	if (t) {
		free(c);
		c = t;
	}
	return c;
}

/* The quick check, unless CONCBENCH_NO_CHECK (non-empty) skips it. */
static void check(sweep *s, check_result *r)
{
	const char *skip = getenv("CONCBENCH_NO_CHECK");
	if (skip && *skip)
		return;
	if (check_run(r, 1) == 0)
		s->nchecks++;
}

/* Learn each CPU's best pace, unless CONCBENCH_NO_CHECK or CONCBENCH_NO_PACE
 * (non-empty) says not to. */
static void pace_setup(sweep *s)
{
	const char *a = getenv("CONCBENCH_NO_CHECK"), *b = getenv("CONCBENCH_NO_PACE");
	s->pace_prev = s->cores_prev = NAN;
	if ((a && *a) || (b && *b))
		return;
	s->paced = pace_init(&s->pace, s->cpus.run) == 0;
}

/* After the last run: stop the target, check the machine again (unless
 * stopped), and record both in the context. */
static void finish(sweep *s, int how)
{
	target_stop(&s->server);
	if (how == 0 && s->nchecks == 1)
		check(s, &s->after);
	char *ctx = context_now(s, 1);
	if (!ctx)
		return;
	free(s->context);
	s->context = ctx;
	if (s->dir && s->nruns && rep_write(s->dir, s->runs, s->nruns, s->context) < 0)
		fprintf(s->diag, "concbench: %s\n", rep_error(s->dir));
}

/* The smallest effective core count: of the checks, and the median over
 * the kept runs of the work the pace probes around each delivered (which
 * sees the host's slowing that the checks' CPU time cannot); NaN without any. */
static double eff_cores(sweep *s)
{
	double e = NAN;
	if (s->nchecks > 0)
		e = fmin(e, s->before.eff_cores);
	if (s->nchecks > 1)
		e = fmin(e, s->after.eff_cores);
	if (s->ncores)
		e = fmin(e, stats_median(s->cores, s->ncores));
	return e;
}

/* A busy machine's warning after the summary: on stdout with the table, and
 * on stderr too unless both are the same terminal. */
static void warn(sweep *s)
{
	char w[640];
	if (!s->nchecks ||
	    !check_warning(&s->before, s->nchecks > 1 ? &s->after : NULL, w, sizeof w))
		return;
	fprintf(s->out, "%s\n", w);
	fflush(s->out);
	if (!isatty(fileno(s->out)) || !isatty(fileno(s->diag)))
		fprintf(s->diag, "concbench: %s\n", w);
}

/* Charts for what was measured; a failure here loses no result. */
static void draw(sweep *s)
{
	char err[256];
	int n = plot_dir(rep_path(s->dir), NULL, s->diag, err, sizeof err);
	if (n < 0)
		fprintf(s->diag, "concbench: charts not drawn: %s\n", err);
	else if (n > 0)
		fprintf(s->out, "charts: %d in %s (concbench plot DIR redraws them)\n", n,
			rep_path(s->dir));
}

static void cleanup(sweep *s)
{
	target_stop(&s->server);
	for (size_t k = 0; k < s->prepared; k++)
		wl_release(&s->cfg->wls[k]);
	cpus_free(&s->cpus);
	model_table_free(s->table);
	tl_close(s->tl);
	rep_close(s->dir);
	free(s->context);
	free(s->meta);
	free(s->runs);
	free(s->cores);
}

int sweep_run(sweep_cfg *cfg, FILE *out, FILE *diag)
{
	sweep s = { .cfg = cfg, .out = out, .diag = diag };
	char err[256];
	int rc = 0;

	size_t steps = 0; /* a server workload has a step per connections value and rate */
	for (size_t k = 0; k < cfg->nwl; k++)
		steps += cfg->wls[k].kind->server
				 ? cfg->nconns * (cfg->nrates ? cfg->nrates : 1) *
					   (cfg->c_auto ? 1 : cfg->ncs)
				 : cfg->ncs;
	s.total = steps * cfg->nmodels * (size_t)(cfg->reps + cfg->warmup);
	s.color = isatty(fileno(out)) && !getenv("NO_COLOR");
	s.progress = isatty(fileno(diag));
	cfg->eff_cores = NAN;
	run_init();
	if (bind_setup(&s) < 0) {
		cleanup(&s);
		return 2;
	}
	check(&s, &s.before); /* before the target starts: it measures the machine alone */
	pace_setup(&s);
	if (prepare(&s) < 0) {
		cleanup(&s);
		return 2;
	}
	s.runs = calloc(s.total * (1 + PACE_REDO), sizeof *s.runs);
	s.cores = calloc(s.total, sizeof *s.cores);
	size_t most = cfg->n; /* tasks of the largest run: a server's connections */
	for (size_t k = 0; k < cfg->nconns; k++)
		most = (size_t)cfg->conns[k] > most ? (size_t)cfg->conns[k] : most;
	s.table = model_table_new(most);
	s.tl = cfg->timeline ? tl_open(0) : NULL; /* the runs' state events */
	s.meta = meta_context_json(cfg->argc, cfg->argv, cfg->cpus);
	s.context = s.meta ? context_now(&s, 0) : NULL;
	if (!s.runs || !s.cores || !s.table || !s.context || (cfg->timeline && !s.tl)) {
		fprintf(diag, "concbench: out of memory for %zu tasks\n", cfg->n);
		cleanup(&s);
		return 1;
	}
	s.started = time(NULL);
	if (!(s.dir = rep_open_at(cfg->out_root, cfg->name, s.started, err, sizeof err))) {
		fprintf(diag, "concbench: %s\n", err);
		cleanup(&s);
		return 1;
	}
	s.t_start = wl_now_ns();
	int how = sweep_all(&s);
	finish(&s, how);
	cfg->eff_cores = eff_cores(&s);
	if (s.progress)
		fprintf(diag, "\r\033[K");
	if (how >= 0 && s.nruns > 0 && rep_finish(s.dir) < 0)
		fprintf(diag, "concbench: %s\n", rep_error(s.dir));
	summary_print(out, s.runs, s.nruns);
	warn(&s);
	if (how >= 0 && s.nruns > 0 && !cfg->no_plot)
		draw(&s);
	for (size_t i = 0; i < s.nruns; i++)
		if (strcmp(s.runs[i].status, "ok") != 0 && !res_slowed(&s.runs[i]))
			rc = 1;
	if (how == 1) {
		size_t part = 0; /* the run the interrupt cut short is kept, but not finished */
		for (size_t i = 0; i < s.nruns; i++)
			part += strcmp(s.runs[i].status, "partial") == 0;
		fprintf(diag, "concbench: interrupted: kept %zu finished run%s%s in %s\n",
			s.nruns - part, s.nruns - part == 1 ? "" : "s",
			part == 0   ? ""
			: part == 1 ? " and the partial one"
				    : " and the partial ones",
			rep_path(s.dir));
		rc = 130;
	} else if (how < 0) {
		rc = 1;
	} else {
		fprintf(out, "results: %s\n", rep_path(s.dir));
	}
	cleanup(&s);
	return rc;
}

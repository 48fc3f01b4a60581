/*
 * trial.c - run a suite and judge it. A suite's sweeps go to
 * OUT/<suite name>/<stamp>/ like any run (the suite column holds the
 * suite's name); each results.csv is read back and the expectations and
 * matrix rows are evaluated on all of them together. While an expectation
 * is inconclusive, the sweeps that measured it run again with more reps (a
 * sweep of its own, `--reps` appended to its line, so its results.json says
 * what ran), its rows are added to the rest, and the suite is judged again:
 * no finished row is lost, and the verdict rests on all of them.
 */
#include "harness/suite/trial.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/report/csvread.h"
#include "harness/run/meta.h"
#include "harness/run/metric.h"
#include "harness/run/runopts.h"
#include "harness/run/sweep.h"
#include "harness/suite/verdict_text.h"

static int max_reps = TRIAL_MAX_REPS;

void trial_set_max_reps(int n)
{
	max_reps = n;
}

/* Run sweep k of s (with `more` reps in place of its own when more > 0: the
 * reps it has run go to *reps, the effective cores the machine delivered
 * during it to *eff, NaN when not measured); its results directory goes to o->dir[k], or
 * to o->more[] for added reps, and its rows are appended to *runs. Returns
 * sweep_run()'s status, or 2 for bad options. */
static int run_sweep(const suite *s, int k, int quick, int more, int *reps, double *eff,
		     const char *out_root, int no_plot, volatile sig_atomic_t *stop, FILE *out,
		     FILE *diag, trial_outcome *o, res_run **runs, size_t *nruns)
{
	char buf[SUITE_TEXT + 16], *words[SUITE_MAX_WORDS], nreps[16];
	char *argv[SUITE_MAX_WORDS + 5];
	const char *line = quick ? s->quick[k] : s->full[k];
	int n = suite_words(line, buf, sizeof buf, words, SUITE_MAX_WORDS);
	if (n < 0) {
		fprintf(diag, "concbench: %s: bad %s line\n", s->file, quick ? "quick" : "full");
		return 2;
	}
	/* results.json's command line: the equivalent `concbench run`. */
	argv[0] = "concbench";
	argv[1] = "run";
	for (int i = 0; i < n; i++)
		argv[i + 2] = words[i];
	if (more > 0) {
		snprintf(nreps, sizeof nreps, "%d", more);
		argv[n + 2] = "--reps";
		argv[n + 3] = nreps;
		n += 2;
	}
	argv[n + 2] = NULL;
	sweep_cfg cfg = { .out_root = out_root, .stop = stop, .argc = n + 2, .argv = argv };
	wl_spec wls[RUNOPTS_MAX_WL];
	char err[512];
	if (runopts_parse(n + 1, argv + 1, &cfg, wls, err, sizeof err) != 0) {
		fprintf(diag, "concbench: %s: %s: %s\n", s->file, quick ? "quick" : "full", err);
		return 2;
	}
	cfg.name = s->name;
	cfg.suite = s->name;
	cfg.out_root = out_root;
	cfg.no_plot = cfg.no_plot || no_plot || more > 0;
	*reps = cfg.reps;
	/* getopt permuted argv; the context records it as it now stands */
	int rc = sweep_run(&cfg, out, diag);
	*eff = cfg.eff_cores; /* the machine check's figure (NaN: not measured) */
	runopts_free(&cfg);
	if (rc == 2 || rc == 130)
		return rc;
	char latest[1024], target[512];
	snprintf(latest, sizeof latest, "%s/%s/latest", out_root, s->name);
	ssize_t l = readlink(latest, target, sizeof target - 1);
	if (l <= 0) {
		fprintf(diag, "concbench: %s: %s\n", latest, strerror(errno));
		return rc;
	}
	target[l] = 0;
	if (more > 0 && o->nmore == TRIAL_MAX_MORE)
		return rc;
	char *dir = more > 0 ? o->more[o->nmore] : o->dir[o->ndirs];
	if (snprintf(dir, sizeof o->dir[0], "%s/%s/%s", out_root, s->name, target) >=
	    (int)sizeof o->dir[0]) {
		dir[0] = 0;
		return rc;
	}
	if (more > 0)
		o->nmore++;
	else
		o->ndirs++;
	char csv[1100];
	res_run *rows = NULL;
	size_t nrows = 0;
	snprintf(csv, sizeof csv, "%s/results.csv", dir);
	if (csv_read_results(csv, &rows, &nrows, err, sizeof err) < 0) {
		fprintf(diag, "concbench: %s\n", err);
		return rc;
	}
	res_run *all = realloc(*runs, (*nruns + nrows + 1) * sizeof *all);
	if (!all) {
		fprintf(diag, "concbench: out of memory\n");
		free(rows);
		return rc;
	}
	if (nrows && more <= 0)
		snprintf(o->what[o->ndirs - 1], sizeof o->what[0], "%s", rows[0].workload);
	memcpy(all + *nruns, rows, nrows * sizeof *rows);
	*runs = all;
	*nruns += nrows;
	free(rows);
	return rc;
}

/* Mark every verdict of o "the sweep did not finish". */
static void unfinished(const suite *s, trial_outcome *o)
{
	for (int i = 0; i < s->nex; i++) {
		o->res[i] = (verdict_ex){ .v = VERDICT_NA, .value = NAN, .lo = NAN, .hi = NAN };
		snprintf(o->res[i].msg, sizeof o->res[i].msg, "the sweep did not finish");
	}
	for (int i = 0; i < s->nrows; i++) {
		o->mx[i] = (verdict_mx){ .v = VERDICT_NA };
		snprintf(o->mx[i].msg, sizeof o->mx[i].msg, "the sweep did not finish");
	}
}

static int any_inconclusive(const suite *s, const trial_outcome *o)
{
	for (int i = 0; i < s->nex; i++)
		if (o->res[i].v == VERDICT_INCONCLUSIVE)
			return 1;
	return 0;
}

/* Which sweeps to give more reps: those whose own rows (from[k]..to[k] of
 * the first round) hold both terms of an inconclusive expectation; every
 * sweep when none does (an expectation across sweeps). */
static void pick_sweeps(const suite *s, const trial_outcome *o, const res_run *runs,
			const size_t *from, const size_t *to, int *want)
{
	int any = 0;
	for (int k = 0; k < s->nsweeps; k++) {
		want[k] = 0;
		for (int i = 0; i < s->nex && !want[k]; i++)
			want[k] = o->res[i].v == VERDICT_INCONCLUSIVE &&
				  verdict_expect(&s->ex[i], runs + from[k], to[k] - from[k]).v !=
					  VERDICT_NA;
		any |= want[k];
	}
	for (int k = 0; k < s->nsweeps && !any; k++)
		want[k] = 1;
}

int trial_run(const suite *s, int quick, const char *out_root, int no_plot,
	      volatile sig_atomic_t *stop, FILE *out, FILE *diag, trial_outcome *o)
{
	memset(o, 0, sizeof *o);
	o->v = VERDICT_NA;
	o->eff_cores = NAN;
	res_run *runs = NULL;
	size_t nruns = 0;
	int reps[SUITE_MAX_SWEEPS] = { 0 }, want[SUITE_MAX_SWEEPS];
	size_t from[SUITE_MAX_SWEEPS], to[SUITE_MAX_SWEEPS];
	/* the cores the machine delivered: the least any sweep measured, or
	 * the count when none did */
	double cores = NAN;
	for (int round = 0;; round++) {
		int added = 0;
		if (round)
			pick_sweeps(s, o, runs, from, to, want);
		for (int k = 0; k < s->nsweeps; k++) {
			int more = round ? reps[k] : 0, ran = 0;
			double eff = NAN;
			if (round && reps[k] + more > max_reps)
				more = max_reps - reps[k];
			if (round && (more <= 0 || !want[k]))
				continue;
			if (round)
				fprintf(diag,
					"concbench: %s: an expectation is inconclusive; %d more "
					"reps of sweep %d (%d in all)\n",
					s->name, more, k + 1, reps[k] + more);
			if (!round)
				from[k] = nruns;
			o->sweep_rc = run_sweep(s, k, quick, more, &ran, &eff, out_root, no_plot,
						stop, out, diag, o, &runs, &nruns);
			if (!round)
				to[k] = nruns;
			if (o->sweep_rc == 2 || o->sweep_rc == 130) {
				unfinished(s, o);
				free(runs);
				return o->sweep_rc;
			}
			reps[k] += ran;
			cores = isnan(cores) || eff < cores ? eff : cores;
			added = 1;
		}
		if (round && !added)
			break;
		o->rounds = round;
		o->eff_cores = cores;
		o->v = verdict_suite(s, runs, nruns, isnan(cores) ? meta_cores() : cores, o->res,
				     o->mx);
		if (!any_inconclusive(s, o))
			break;
	}
	free(runs);
	return 0;
}

int trial_exit_code(verdict v)
{
	return v == VERDICT_NOT_REPRODUCED;
}

void trial_print(FILE *f, const suite *s, const trial_outcome *o)
{
	fprintf(f, "\n%s: %s\n", s->name, s->claim);
	if (s->book[0])
		fprintf(f, "  book: %s\n", s->book);
	for (int i = 0; i < s->nex; i++)
		fprintf(f, "  [%s] %s: %s%s%s\n", verdict_name(o->res[i].v), s->ex[i].text,
			o->res[i].msg, s->ex[i].why[0] ? " -- " : "", s->ex[i].why);
	for (int i = 0; i < s->nrows; i++) {
		const verdict_mx *m = &o->mx[i];
		fprintf(f, "  [%s] %s: %s -- %s\n", verdict_name(m->v), s->rows[i].label,
			s->rows[i].text, m->msg);
		for (int k = 0; k < m->n; k++) {
			char v[48];
			metric_format(s->rows[i].term.metric, m->m[k].value, v, sizeof v);
			fprintf(f, "      %-22s %10s  %.2fx the best\n", m->m[k].model, v,
				m->m[k].value / m->m[0].value);
		}
	}
	for (int i = 0; i < o->nmore; i++)
		fprintf(f, "  more reps: %s\n", o->more[i]);
	size_t count[VERDICT_N] = { 0 };
	for (int i = 0; i < s->nex; i++)
		count[o->res[i].v]++;
	for (int i = 0; i < s->nrows; i++)
		count[o->mx[i].v]++;
	char counts[160];
	verdict_text_counts(counts, sizeof counts, count, "checks");
	fprintf(f, "%s: %s (%s)\n", s->name, verdict_name(o->v), counts);
}

/*
 * trial.c - run a suite and judge it. A suite's sweeps go to
 * OUT/<suite name>/<stamp>/ like any run (the suite column holds the
 * suite's name); each results.csv is read back and the expectations and
 * matrix rows are evaluated on all of them together.
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

/* Run sweep k of s; its results directory goes to o->dir[k] and its rows
 * are appended to *runs. Returns sweep_run()'s status, or 2 for bad options. */
static int run_sweep(const suite *s, int k, int quick, const char *out_root, int no_plot,
		     volatile sig_atomic_t *stop, FILE *out, FILE *diag, trial_outcome *o,
		     res_run **runs, size_t *nruns)
{
	char buf[SUITE_TEXT + 16], *words[SUITE_MAX_WORDS];
	char *argv[SUITE_MAX_WORDS + 3];
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
	cfg.no_plot = cfg.no_plot || no_plot;
	/* getopt permuted argv; the context records it as it now stands */
	int rc = sweep_run(&cfg, out, diag);
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
	char *dir = o->dir[o->ndirs];
	if (snprintf(dir, sizeof o->dir[0], "%s/%s/%s", out_root, s->name, target) >=
	    (int)sizeof o->dir[0]) {
		dir[0] = 0;
		return rc;
	}
	o->ndirs++;
	char csv[1100];
	res_run *more = NULL;
	size_t nmore = 0;
	snprintf(csv, sizeof csv, "%s/results.csv", dir);
	if (csv_read_results(csv, &more, &nmore, err, sizeof err) < 0) {
		fprintf(diag, "concbench: %s\n", err);
		return rc;
	}
	res_run *all = realloc(*runs, (*nruns + nmore + 1) * sizeof *all);
	if (!all) {
		fprintf(diag, "concbench: out of memory\n");
		free(more);
		return rc;
	}
	if (nmore)
		snprintf(o->what[o->ndirs - 1], sizeof o->what[0], "%s", more[0].workload);
	memcpy(all + *nruns, more, nmore * sizeof *more);
	*runs = all;
	*nruns += nmore;
	free(more);
	return rc;
}

int trial_run(const suite *s, int quick, const char *out_root, int no_plot,
	      volatile sig_atomic_t *stop, FILE *out, FILE *diag, trial_outcome *o)
{
	memset(o, 0, sizeof *o);
	o->v = VERDICT_NA;
	res_run *runs = NULL;
	size_t nruns = 0;
	for (int k = 0; k < s->nsweeps; k++) {
		o->sweep_rc = run_sweep(s, k, quick, out_root, no_plot, stop, out, diag, o, &runs,
					&nruns);
		if (o->sweep_rc == 2 || o->sweep_rc == 130) {
			for (int i = 0; i < s->nex; i++) {
				o->res[i] = (verdict_ex){ .v = VERDICT_NA, .value = NAN };
				snprintf(o->res[i].msg, sizeof o->res[i].msg,
					 "the sweep did not finish");
			}
			for (int i = 0; i < s->nrows; i++) {
				o->mx[i] = (verdict_mx){ .v = VERDICT_NA };
				snprintf(o->mx[i].msg, sizeof o->mx[i].msg,
					 "the sweep did not finish");
			}
			free(runs);
			return o->sweep_rc;
		}
	}
	o->v = verdict_suite(s, runs, nruns, meta_cores(), o->res, o->mx);
	free(runs);
	return 0;
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
	fprintf(f, "%s: %s\n", s->name, verdict_name(o->v));
}

/*
 * tasks.c - charts from the per-task records of tasks/ (runs recorded
 * with --timeline): the latency distribution and the timelines.
 *
 * The CDF shows, for each model, what fraction of tasks finished within x:
 * a vertical line is "every task alike", a long tail is queueing. Without
 * tasks/ it falls back to the percentile points of results.csv.
 *
 * A timeline is a Gantt chart of one run: a bar per task from start to end
 * on its worker's lane, coloured by the CPU it started on. It is the picture
 * of concurrency against parallelism: bars overlapping in time on one CPU
 * take turns (concurrency); bars of different CPUs overlapping really run at
 * once (parallelism).
 */
#include "harness/plot/tasks.h"
#include "harness/plot/gp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/csvread.h"
#include "harness/plot/style.h"
#include "harness/report/rows.h"

#define CAP_TASKS  300 /* bars per timeline: more are not readable */
#define CDF_POINTS 400

/* Read the tasks/ file of run r; 0, or -1 (no file: *t NULL). */
static int read_run(const plot_set *s, const res_run *r, csv_task **t, size_t *n)
{
	char file[256], path[4500], err[256];
	*t = NULL;
	*n = 0;
	if (rows_tasks_name(r, file, sizeof file) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/tasks/%s", s->dir, file);
	return csv_read_tasks(path, t, n, err, sizeof err);
}

static int ran(const csv_task *t)
{
	return t->runs == 1 && t->err == 0 && isfinite(t->start_s) && isfinite(t->end_s);
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double plot_longest_task(const plot_set *s, const char **from)
{
	double v[64];
	size_t k = 0;
	*from = "tasks/";
	for (size_t i = 0; i < s->n && k < 64; i++) {
		csv_task *t;
		size_t nt;
		if (strcmp(s->runs[i].model, "sequential") != 0 ||
		    read_run(s, &s->runs[i], &t, &nt) < 0)
			continue;
		double mx = NAN;
		for (size_t j = 0; j < nt; j++)
			if (ran(&t[j]) && !(t[j].end_s - t[j].start_s <= mx))
				mx = t[j].end_s - t[j].start_s;
		free(t);
		if (isfinite(mx))
			v[k++] = mx;
	}
	if (k) {
		qsort(v, k, sizeof v[0], cmp_dbl);
		return v[k / 2]; /* the median rep's longest task */
	}
	/* No tasks/: sequential's p99 service time, which is the longest
	 * task's (nearest rank) when N <= 100 and a lower bound past that. */
	*from = "svc_p99_s";
	for (size_t i = 0; i < s->n && k < 64; i++)
		if (!strcmp(s->runs[i].model, "sequential") && isfinite(s->runs[i].svc_p99_s))
			v[k++] = s->runs[i].svc_p99_s;
	if (k) {
		qsort(v, k, sizeof v[0], cmp_dbl);
		return v[k / 2];
	}
	*from = "";
	return NAN;
}

/* The latencies of every ok task of model m at c, all reps pooled. */
static double *latencies(const plot_set *s, size_t m, unsigned c, size_t *n)
{
	double *v = NULL;
	*n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const res_run *r = &s->runs[i];
		csv_task *t;
		size_t k;
		if (strcmp(r->model, s->models[m]) != 0 || r->concurrency != c ||
		    read_run(s, r, &t, &k) < 0)
			continue;
		double *g = realloc(v, (*n + k + 1) * sizeof *v);
		if (g) {
			v = g;
			for (size_t j = 0; j < k; j++)
				if (ran(&t[j]))
					v[(*n)++] = t[j].end_s -
						    (isfinite(t[j].submit_s) ? t[j].submit_s : 0);
		}
		free(t);
	}
	if (v)
		qsort(v, *n, sizeof *v, cmp_dbl);
	return v;
}

int plot_cdf(plot_set *s)
{
	char name[PLOT_NAMELEN], title[96], note[160], *buf, *gbuf;
	size_t len, glen, nl[PLOT_MAXMODELS];
	double *lat[PLOT_MAXMODELS], lo = INFINITY, hi = 0, scale;
	unsigned c = s->cstar;
	int from_tasks = 1, rc = -1;

	if (!c)
		return 0;
	for (size_t m = 0; m < s->nmodels; m++) {
		lat[m] = latencies(s, m, c, &nl[m]);
		from_tasks &= nl[m] > 0;
	}
	static const metric_id pg[4] = { METRIC_P50, METRIC_P90, METRIC_P99, METRIC_MAX };
	static const double frac[4] = { 0.5, 0.9, 0.99, 1.0 };
	for (size_t m = 0; m < s->nmodels; m++)
		for (int q = 0; q < 4; q++) {
			double md, a, b;
			if (from_tasks) {
				if (q == 0)
					lo = fmin(lo, lat[m][0]), hi = fmax(hi, lat[m][nl[m] - 1]);
			} else if (plot_stat(s, m, c, pg[q], &md, &a, &b)) {
				lo = fmin(lo, md), hi = fmax(hi, md);
			}
		}
	if (!(hi > 0))
		goto out;
	const char *unit = plot_time_unit(hi, &scale);
	snprintf(name, sizeof name, "%slatency_cdf", s->prefix);
	FILE *f = plot_dat_begin(&buf, &len);
	if (!f)
		goto out;
	fprintf(f, "# %s.dat - latency distribution per model at C = %u\n# %s | %s\n", name, c,
		s->what, s->machine);
	fprintf(f,
		from_tasks
			? "# From tasks/: every task of every rep (at most %d points per model).\n"
			: "# From results.csv: median over reps of p50, p90, p99, max.\n",
		CDF_POINTS);
	fprintf(f,
		"# One block per model (gnuplot `index`). Columns: 1 latency (%s),\n"
		"# 2 fraction of tasks done within that latency\n",
		unit);
	for (size_t m = 0; m < s->nmodels; m++) {
		fprintf(f, "%s# index %zu: %s\n", m ? "\n\n" : "", m, s->models[m]);
		if (!from_tasks) {
			for (int q = 0; q < 4; q++) {
				double md, a, b;
				if (plot_stat(s, m, c, pg[q], &md, &a, &b))
					fprintf(f, "%.9g %g\n", md * scale, frac[q]);
			}
			continue;
		}
		size_t step = nl[m] > CDF_POINTS ? nl[m] / CDF_POINTS : 1;
		for (size_t j = 0; j < nl[m]; j += step)
			fprintf(f, "%.9g %.6g\n", lat[m][j] * scale, (double)(j + 1) / nl[m]);
		if ((nl[m] - 1) % step)
			fprintf(f, "%.9g 1\n", lat[m][nl[m] - 1] * scale);
	}
	if (plot_dat_end(s, name, f, &buf, &len) < 0)
		goto out;
	if (!(f = plot_gp_begin(s, name, "latency distribution (CDF) per model", &gbuf, &glen)))
		goto out;
	snprintf(title, sizeof title, "Latency distribution at C = %u", c);
	snprintf(note, sizeof note, "%s",
		 from_tasks ? "fraction of tasks (all reps) finished within a latency"
			    : "percentiles p50, p90, p99, max (medians over reps)");
	plot_gp_head(f, s, title, note);
	fprintf(f,
		"\nset xlabel \"latency (%s), completion − submission%s\"\n"
		"set ylabel \"fraction of tasks\"\nset yrange [0:1.02]\nset ytics 0.25\n",
		unit, lo > 0 && hi / lo > 10 ? "; log scale" : "");
	if (lo > 0 && hi / lo > 10) {
		plot_gp_axis(f, 'x', lo * scale, hi * scale, 1);
	} else {
		double pad = fmax((hi - lo) * 0.05, hi * 0.01) * scale;
		fprintf(f, "set xrange [%g:%g]\n", lo * scale - pad, hi * scale + pad);
	}
	fputs("plot ", f);
	for (size_t m = 0; m < s->nmodels; m++) {
		fprintf(f, "%s\"%s.dat\" index %zu using 1:2 with %s ls %zu title \"",
			m ? ", \\\n     " : "", name, m, from_tasks ? "steps" : "linespoints",
			m + 1);
		plot_gp_str(f, s->models[m]);
		fputc('"', f);
	}
	fputc('\n', f);
	rc = plot_gp_end(s, name, f, &gbuf, &glen);
out:
	for (size_t m = 0; m < s->nmodels; m++)
		free(lat[m]);
	return rc < 0 && !(hi > 0) ? 0 : rc;
}

static int cmp_int_fn(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static int cmp_start(const void *a, const void *b)
{
	const csv_task *x = a, *y = b;
	return (x->start_s > y->start_s) - (x->start_s < y->start_s);
}

/* The timeline of one run: timeline_<model>.{dat,gp}. */
static int timeline(plot_set *s, size_t m, const res_run *r, csv_task *t, size_t n)
{
	char name[PLOT_NAMELEN], part[96], title[160], note[200], *buf, *gbuf;
	size_t len, glen, k = 0, shown;
	int cpus[17], ncpu = 0, lanes = 0;
	double hi = 0, scale;

	for (size_t j = 0; j < n; j++)
		if (ran(&t[j]))
			t[k++] = t[j];
	if (!k)
		return 0;
	qsort(t, k, sizeof *t, cmp_start);
	shown = k < CAP_TASKS ? k : CAP_TASKS;
	for (size_t j = 0; j < shown; j++) {
		int cpu = t[j].cpu < 0 || t[j].cpu > 15 ? -1 : t[j].cpu, seen = 0;
		for (int i = 0; i < ncpu; i++)
			seen |= cpus[i] == cpu;
		if (!seen)
			cpus[ncpu++] = cpu;
		hi = fmax(hi, t[j].end_s);
		lanes = t[j].worker + 1 > lanes ? t[j].worker + 1 : lanes;
	}
	qsort(cpus, (size_t)ncpu, sizeof cpus[0], cmp_int_fn);
	const char *unit = plot_time_unit(hi, &scale);
	plot_name_part(part, sizeof part, s->models[m], PLOT_MODEL_PART);
	snprintf(name, sizeof name, "%stimeline_%s", s->prefix, part);
	FILE *f = plot_dat_begin(&buf, &len);
	if (!f)
		return -1;
	fprintf(f, "# %s.dat - timeline of %s, C = %u, rep %d\n# %s | %s\n", name, r->model,
		r->concurrency, r->rep, s->what, s->machine);
	fprintf(f,
		"# %zu of %zu tasks (the first by start time). One block per CPU the\n"
		"# task started on (gnuplot `index`). Columns: 1 start (%s), 2 end (%s),\n"
		"# 3 worker lane, 4 task number\n",
		shown, k, unit, unit);
	for (int i = 0; i < ncpu; i++) {
		fprintf(f, "%s# index %d: CPU %d\n", i ? "\n\n" : "", i, cpus[i]);
		for (size_t j = 0; j < shown; j++)
			if ((t[j].cpu < 0 || t[j].cpu > 15 ? -1 : t[j].cpu) == cpus[i])
				fprintf(f, "%.9g %.9g %d %zu\n", t[j].start_s * scale,
					t[j].end_s * scale, t[j].worker, j);
	}
	if (plot_dat_end(s, name, f, &buf, &len) < 0)
		return -1;
	if (!(f = plot_gp_begin(s, name, "timeline: each task on its worker lane", &gbuf, &glen)))
		return -1;
	snprintf(title, sizeof title, "Timeline of %s at C = %u (rep %d)", r->model, r->concurrency,
		 r->rep);
	if (shown < k)
		snprintf(note, sizeof note,
			 "first %zu of %zu tasks by start time; colour = CPU the task started on",
			 shown, k);
	else
		snprintf(note, sizeof note, "%zu tasks; colour = CPU the task started on", k);
	plot_gp_head(f, s, title, note);
	fprintf(f,
		"\nset xlabel \"time since submission (%s)\"\nset ylabel \"worker (lane)\"\n"
		"set xrange [0:%g]\nset yrange [%g:%g]\nset grid noytics\n",
		unit, hi * scale * 1.02, -0.7, lanes - 0.3);
	if (lanes <= 16)
		fputs("set ytics 1\n", f);
	fprintf(f, "set style fill solid 0.9 %s\n",
		lanes <= 32 ? "border lc rgb \"black\"" : "noborder");
	fputs("# A bar per task: x from start to end, y its lane.\nplot ", f);
	double h = lanes <= 32 ? 0.35 : 0.45;
	for (int i = 0; i < ncpu; i++) {
		fprintf(f,
			"%s\"%s.dat\" index %d using (($1+$2)/2):3:(($2-$1)/2):(%g) with boxxyerror "
			"lc rgb \"%s\" title \"",
			i ? ", \\\n     " : "", name, i, h,
			plot_cpu_color(cpus[i] < 0 ? 7 : cpus[i]));
		if (cpus[i] < 0)
			fputs("CPU unknown\"", f);
		else
			fprintf(f, "CPU %d\"", cpus[i]);
	}
	fputc('\n', f);
	return plot_gp_end(s, name, f, &gbuf, &glen);
}

/* Does every model have a run at concurrency c? */
static int all_have(const plot_set *s, unsigned c)
{
	for (size_t m = 0; m < s->nmodels; m++) {
		size_t i = 0;
		while (i < s->n &&
		       (strcmp(s->runs[i].model, s->models[m]) || s->runs[i].concurrency != c))
			i++;
		if (i == s->n)
			return 0;
	}
	return 1;
}

/* Timelines teach best at a small C, where each lane can be seen: the common
 * concurrency closest to 4 (the book's figures show two or three lanes). */
static unsigned timeline_c(const plot_set *s)
{
	unsigned best = 0;
	for (size_t i = 0; i < s->n; i++) {
		unsigned c = s->runs[i].concurrency;
		if (!all_have(s, c))
			continue;
		double d = fabs(log2((double)c) - 2.0), bd = fabs(log2((double)best) - 2.0);
		if (!best || d < bd || (d == bd && c < best))
			best = c;
	}
	return best;
}

const res_run *plot_timeline_run(const plot_set *s, size_t m)
{
	unsigned c = timeline_c(s);
	const res_run *best = NULL;
	for (size_t i = 0; c && i < s->n; i++) {
		const res_run *r = &s->runs[i];
		if (!strcmp(r->model, s->models[m]) && r->concurrency == c &&
		    (!best || r->rep < best->rep))
			best = r;
	}
	return best;
}

int plot_timelines(plot_set *s)
{
	for (size_t m = 0; m < s->nmodels; m++) {
		const res_run *best = plot_timeline_run(s, m);
		csv_task *t;
		size_t n;
		if (!best || read_run(s, best, &t, &n) < 0)
			continue;
		int rc = timeline(s, m, best, t, n);
		free(t);
		if (rc < 0)
			return -1;
	}
	return 0;
}

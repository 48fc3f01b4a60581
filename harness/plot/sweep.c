/*
 * sweep.c - the "vs concurrency" charts: throughput, latency (p50 and
 * p99 side by side), speed-up over sequential, and peak memory.
 *
 * Concurrency grows geometrically in a sweep (1, 2, 4, ...), so x is log2
 * with a tic at every value that was run. y goes logarithmic only when the
 * values span more than a factor of ten; otherwise a linear axis from zero
 * is the honest one. Each point is the median over reps; the error bars (in
 * throughput and memory) show the min..max over reps.
 */
#include "harness/plot/sweep.h"
#include "harness/plot/gp.h"
#include "harness/plot/bars.h"
#include "harness/plot/tasks.h"

#include <math.h>
#include <string.h>

/* Fill out[3] = median, min, max of quantity q of model m at c; 0 if none. */
typedef int (*plot_fill)(const plot_set *s, size_t m, unsigned c, int q, double out[3]);

typedef struct {
	const char *name, *what, *title, *ylabel;
	const char *qname[2]; /* the quantities, for the .dat header */
	int nq;
	plot_fill fill;
	double scale;              /* multiplies every value */
	int block[PLOT_MAXMODELS]; /* index in the .dat, -1: no data */
	double lo, hi;             /* range of the medians, after scale */
} vs_chart;

/* Write NAME.dat: one block per model, rows C, then median/min/max per
 * quantity. Sets block[] and lo/hi; returns the number of blocks. */
static int write_dat(plot_set *s, vs_chart *v, const char *name)
{
	char *buf;
	size_t len;
	int nb = 0;
	FILE *f = plot_dat_begin(&buf, &len);
	if (!f)
		return -1;
	fprintf(f, "# %s.dat - %s\n# %s | %s\n", name, v->what, s->what, s->machine);
	fputs("# One block per model (gnuplot `index 0`, `index 1`, ...), two blank lines\n"
	      "# apart. Values are over the reps of each (model, C), status ok only.\n"
	      "# Columns: 1 concurrency C",
	      f);
	for (int q = 0; q < v->nq; q++)
		fprintf(f, ", %d median %s, %d min, %d max", 2 + 3 * q, v->qname[q], 3 + 3 * q,
			4 + 3 * q);
	fputc('\n', f);
	v->lo = INFINITY;
	v->hi = -INFINITY;
	for (size_t m = 0; m < s->nmodels; m++) {
		int rows = 0;
		v->block[m] = -1;
		for (size_t k = 0; k < s->ncs; k++) {
			double o[2][3];
			int ok = 1;
			for (int q = 0; q < v->nq; q++)
				ok &= v->fill(s, m, s->cs[k], q, o[q]);
			if (!ok)
				continue;
			if (!rows++)
				fprintf(f, "%s# index %d: %s\n", nb ? "\n\n" : "", nb,
					s->models[m]);
			fprintf(f, "%u", s->cs[k]);
			for (int q = 0; q < v->nq; q++) {
				for (int j = 0; j < 3; j++)
					fprintf(f, " %.9g", o[q][j] * v->scale);
				v->lo = fmin(v->lo, o[q][0] * v->scale);
				v->hi = fmax(v->hi, o[q][0] * v->scale);
			}
			fputc('\n', f);
		}
		if (rows)
			v->block[m] = nb++;
	}
	if (plot_dat_end(s, name, f, &buf, &len) < 0)
		return -1;
	return nb;
}

/* One line per model: `index b using 1:col` with its style. */
static void plot_lines(FILE *f, const plot_set *s, const vs_chart *v, const char *name,
		       const char *using, const char *with, const char *extra)
{
	int first = 1;
	fputs("plot ", f);
	if (extra && *extra) {
		fputs(extra, f);
		first = 0;
	}
	for (size_t m = 0; m < s->nmodels; m++) {
		if (v->block[m] < 0)
			continue;
		fprintf(f, "%s\"%s.dat\" index %d using %s with %s ls %zu title \"",
			first ? "" : ", \\\n     ", name, v->block[m], using, with, m + 1);
		plot_gp_str(f, s->models[m]);
		fputc('"', f);
		first = 0;
	}
	fputc('\n', f);
}

/* A chart with one quantity: throughput, memory, speed-up. */
static int single(plot_set *s, vs_chart *v, const char *note, const char *extra_set,
		  const char *extra_plot, double ideal_hi, int with_bars)
{
	char name[PLOT_NAMELEN], *buf;
	size_t len;
	if (s->ncs < 2)
		return 0; /* one concurrency value: nothing varies along x */
	snprintf(name, sizeof name, "%s%s", s->prefix, v->name);
	int nb = write_dat(s, v, name);
	if (nb <= 0)
		return nb;
	FILE *f = plot_gp_begin(s, name, v->what, &buf, &len);
	if (!f)
		return -1;
	plot_gp_head(f, s, v->title, note);
	fprintf(f,
		"\nset xlabel \"concurrency C (tasks in flight; log scale)\"\n"
		"set ylabel \"%s\"\n",
		v->ylabel);
	plot_gp_cs_axis(f, s);
	double lo = v->lo, hi = v->hi;
	if (isfinite(ideal_hi)) /* the ideal line must fit too */
		lo = fmin(lo, 1), hi = fmax(hi, ideal_hi);
	plot_gp_axis(f, 'y', lo, hi, lo > 0 && hi / lo > 10);
	if (extra_set)
		fputs(extra_set, f);
	plot_lines(f, s, v, name, with_bars ? "1:2:3:4" : "1:2",
		   with_bars ? "yerrorlines" : "linespoints", extra_plot);
	return plot_gp_end(s, name, f, &buf, &len);
}

static int fill_get(const plot_set *s, size_t m, unsigned c, metric_id g, double o[3])
{
	return plot_stat(s, m, c, g, &o[0], &o[1], &o[2]) > 0;
}
static int fill_tput(const plot_set *s, size_t m, unsigned c, int q, double o[3])
{
	return fill_get(s, m, c, METRIC_THROUGHPUT, o);
}
static int fill_mem(const plot_set *s, size_t m, unsigned c, int q, double o[3])
{
	return fill_get(s, m, c, plot_memory_metric(s).metric, o);
}
static int fill_lat(const plot_set *s, size_t m, unsigned c, int q, double o[3])
{
	return fill_get(s, m, c, q ? METRIC_P99 : METRIC_P50, o);
}
/* Speed-up = sequential's median makespan / this model's; min and max come
 * from this model's slowest and fastest rep. */
static int fill_speedup(const plot_set *s, size_t m, unsigned c, int q, double o[3])
{
	double seq = plot_seq_makespan(s, c), ms[3];
	if (!isfinite(seq) || !fill_get(s, m, c, METRIC_MAKESPAN, ms) || !(ms[1] > 0))
		return 0;
	o[0] = seq / ms[0];
	o[1] = seq / ms[2];
	o[2] = seq / ms[1];
	return 1;
}

int plot_throughput(plot_set *s)
{
	vs_chart v = { "throughput",
		       "throughput vs concurrency, one line per model",
		       "Throughput vs concurrency",
		       "throughput (tasks/s)",
		       { "tasks/s" },
		       1,
		       fill_tput,
		       1,
		       { 0 },
		       0,
		       0 };
	return single(s, &v, NULL, NULL, NULL, NAN, 1);
}

int plot_memory(plot_set *s)
{
	if (s->ncs < 2)
		return plot_memory_bars(s);
	plot_mem mem = plot_memory_metric(s);
	char what[200];
	snprintf(what, sizeof what, "%s vs concurrency, one line per model", mem.what);
	vs_chart v = { "memory", what, "Memory vs concurrency", mem.ylabel, { "MiB" }, 1,
		       fill_mem,
		       1.0 / 1024,
		       { 0 },
		       0,
		       0 };
	return single(s, &v, mem.note, NULL, NULL, NAN, 1);
}

int plot_speedup(plot_set *s)
{
	char set[1024], plot[1024], note[200] = "";
	vs_chart v = { "speedup",
		       "speed-up over sequential vs concurrency",
		       "Speed-up over sequential",
		       "speed-up (sequential makespan / makespan)",
		       { "speed-up" },
		       1,
		       fill_speedup,
		       1,
		       { 0 },
		       0,
		       0 };
	double seq = plot_seq_makespan(s, 0), top;
	unsigned cmax = s->cs[s->ncs - 1];
	if (!isfinite(seq))
		return 0;           /* no sequential run to compare with */
	if (isfinite(s->delay_s)) { /* tasks wait: they can all overlap */
		snprintf(set, sizeof set,
			 "# The ideal for tasks that wait: all C overlap, up to N tasks.\n"
			 "ideal(c) = c < %zu ? c : %zu\nset samples 400\n",
			 s->tasks, s->tasks);
		snprintf(plot, sizeof plot,
			 "ideal(x) with lines lc rgb \"#777777\" dt 2 lw 2 "
			 "title \"ideal: min(C, N = %zu)\"",
			 s->tasks);
		top = fmin(cmax, (double)s->tasks);
	} else { /* CPU work: no faster than the cores, nor than the longest task */
		const char *from;
		double longest = plot_longest_task(s, &from);
		double cap = s->cores, bound = isfinite(longest) && longest > 0 ? seq / longest : NAN;
		if (bound < cap)
			cap = bound;
		int one = 0; /* a model besides sequential that can use one core only */
		for (size_t m = 0; m < s->nmodels; m++)
			one |= plot_one_core(s->models[m]) && strcmp(s->models[m], "sequential");
		snprintf(set, sizeof set,
				 "# The ideal for CPU work, for the models that can use every core:\n"
				 "# C tasks at once, but no more than the cores, and never faster\n"
				 "# than the longest task (sequential %.6g s / longest task %.6g s,\n"
				 "# from %s). One-core models (event loops, coro, +gil) cannot\n"
				 "# pass 1.\nideal_cap = %.6g\n"
				 "ideal(c) = c < ideal_cap ? c : ideal_cap\nset samples 400\n",
				 seq, longest, *from ? from : "nowhere: not known", cap);
		snprintf(plot, sizeof plot,
			 "ideal(x) with lines lc rgb \"#777777\" dt 2 lw 2 "
			 "title \"ideal, parallel models\"");
		if (one)
			snprintf(plot + strlen(plot), sizeof plot - strlen(plot),
				 ", \\\n     1 with lines lc rgb \"#999999\" dt 3 lw 2 "
				 "title \"ideal, one-core models\"");
		if (isfinite(bound) && bound < s->cores)
			snprintf(note, sizeof note,
				 "ideal, parallel models: min(C, cores, sequential ÷ longest task = "
				 "%.3g)%s",
				 bound, one ? "; one-core models (event loops, coro, +gil): 1" : "");
		else
			snprintf(note, sizeof note, "ideal, parallel models: min(C, %d cores)%s",
				 s->cores, one ? "; one-core models (event loops, coro, +gil): 1" : "");
		top = fmin(cmax, cap);
	}
	return single(s, &v, note, set, plot, top, 0);
}

int plot_latency(plot_set *s)
{
	char name[PLOT_NAMELEN], *buf;
	size_t len;
	double scale;
	vs_chart v = { "latency",
		       "latency p50 and p99 vs concurrency, one line per model",
		       "Latency vs concurrency",
		       "",
		       { "p50", "p99" },
		       2,
		       fill_lat,
		       1,
		       { 0 },
		       0,
		       0 };
	if (s->ncs < 2)
		return 0;
	snprintf(name, sizeof name, "%s%s", s->prefix, v.name);
	/* first pass in seconds to choose the unit; the .dat is rewritten */
	if (write_dat(s, &v, name) <= 0)
		return 0;
	const char *unit = plot_time_unit(v.hi, &scale);
	v.scale = scale;
	v.qname[0] = strcmp(unit, "s") == 0    ? "p50 latency (s)"
		     : strcmp(unit, "ms") == 0 ? "p50 latency (ms)"
					       : "p50 latency (µs)";
	v.qname[1] = "p99 latency (same unit)";
	if (write_dat(s, &v, name) < 0)
		return -1;
	FILE *f = plot_gp_begin(s, name, v.what, &buf, &len);
	if (!f)
		return -1;
	fputs("# Two panels with the same y axis: median left, 99th percentile right.\n"
	      "set multiplot title ",
	      f);
	double top = plot_gp_top(
		plot_gp_title(f, s, v.title, "latency = completion − submission (includes waiting)"));
	fprintf(f,
		"\nset tmargin at screen %.3f\nset bmargin at screen 0.12\n"
		"set xlabel \"concurrency C (log scale)\"\n",
		top);
	fprintf(f, "set ylabel \"latency (%s)\"\n", unit);
	plot_gp_cs_axis(f, s);
	plot_gp_axis(f, 'y', v.lo, v.hi, v.lo > 0 && v.hi / v.lo > 10);
	fputs("\nset lmargin at screen 0.10\nset rmargin at screen 0.44\nunset key\n"
	      "set title \"p50 (median)\" font \",16\"\n",
	      f);
	plot_lines(f, s, &v, name, "1:2", "linespoints", NULL);
	fprintf(f,
		"\nset lmargin at screen 0.50\nset rmargin at screen 0.82\n"
		"set key at screen 0.83, screen %.3f left top Left reverse samplen 3\n"
		"set title \"p99 (99th percentile)\" font \",16\"\nunset ylabel\n",
		top);
	plot_lines(f, s, &v, name, "1:5", "linespoints", NULL);
	return plot_gp_end(s, name, f, &buf, &len);
}

/*
 * bars.c - one bar per model at one concurrency: makespan (the book's
 * "sequential vs threads vs processes" picture) and the CPU time and context
 * switches each task cost.
 *
 * Both use the largest C every model ran with, named in the title. Bars are
 * medians over reps; makespan whiskers span min..max, so a reader sees at
 * once whether two bars really differ. Where a limit is known the makespan
 * chart draws it as a labelled line: for waiting tasks no run can beat
 * ceil(N/C) x the delay; for CPU work no run can beat the sequential
 * makespan (the total work) spread over min(C, cores) cores.
 */
#include "harness/plot/bars.h"
#include "harness/plot/gp.h"
#include "harness/plot/style.h"
#include "harness/plot/tasks.h"

#include <math.h>
#include <string.h>

/* x tics naming the models at 1, 2, ...: rotated when the longest name
 * would not fit its slot of an axis `width` of the canvas wide (tic font
 * 16: about 10 px a character). Returns the room the labels need below
 * the axis, as a fraction of the canvas height. */
double plot_model_tics(FILE *f, const plot_set *s, double width)
{
	size_t longest = 1;
	for (size_t m = 0; m < s->nmodels; m++)
		longest = strlen(s->models[m]) > longest ? strlen(s->models[m]) : longest;
	double slot = width * PLOT_PNG_W / (s->nmodels ? s->nmodels : 1);
	int rotate = longest * 10.0 > 0.9 * slot;
	fputs("set xtics (", f);
	for (size_t m = 0; m < s->nmodels; m++) {
		fputs(m ? ", \"" : "\"", f);
		plot_gp_str(f, s->models[m]);
		fprintf(f, "\" %zu", m + 1);
	}
	fprintf(f, ") %s\nset xrange [0.4:%zu.6]\nunset xlabel\n",
		rotate ? "rotate by 40 right" : "norotate", s->nmodels);
	/* sin 40 deg x 10 px a character, and a line of tic text */
	return ((rotate ? longest * 6.5 : 0) + 30) / PLOT_PNG_H;
}

/* One bar per model at C = s->cstar: the median over reps, a min-max
 * whisker, the median written on top; a labelled limit line if refv is a
 * number, or a limit per model (a short dash across its bar) if ideal is
 * set. Values are plotted times `scale` in `unit`; a log y axis when the
 * bars differ by more than 20x. */
typedef struct {
	const char *kind;   /* "makespan": the file name after the prefix */
	const char *what;   /* "makespan": the .dat's and .gp's headers */
	const char *title;  /* "Makespan" */
	const char *ylabel; /* "makespan (s)", with the unit */
	metric_id metric;   /* the figure of one run */
	double refv;        /* the limit line, unscaled; NaN: none */
	const char *ref;    /* its label */
	const double *ideal; /* per model, unscaled; NULL: none */
	const char *ideal_key[2]; /* labels: parallel models, one-core models */
	const char *note;         /* added to the subtitle; "" */
	double scale;
	const char *unit;
} bar_chart;

static int bars(plot_set *s, const bar_chart *b)
{
	char name[PLOT_NAMELEN], note[160], title[96], desc[160], *buf, *gbuf;
	size_t len, glen;
	double hi = 0, lo;
	unsigned c = s->cstar;

	for (size_t m = 0; m < s->nmodels; m++) {
		double md, a, mx;
		if (plot_stat(s, m, c, b->metric, &md, &a, &mx))
			hi = fmax(hi, mx);
	}
	snprintf(name, sizeof name, "%s%s", s->prefix, b->kind);
	FILE *f = plot_dat_begin(&buf, &len);
	if (!f)
		return -1;
	fprintf(f,
		"# %s.dat - %s per model at concurrency C = %u\n# %s | %s\n"
		"# Columns: 1 bar position, 2 median %s (%s) over reps, 3 min, 4 max,\n"
		"# 5 reps, 6 model%s\n",
		name, b->what, c, s->what, s->machine, b->what, b->unit,
		b->ideal ? ", 7 the model's ideal (same unit), 8 1 if the model can use one "
			   "core only"
			 : "");
	for (size_t m = 0; m < s->nmodels; m++) {
		double md, a, mx;
		size_t k = plot_stat(s, m, c, b->metric, &md, &a, &mx);
		fprintf(f, "%zu %.9g %.9g %.9g %zu \"%s\"", m + 1, md * b->scale, a * b->scale,
			mx * b->scale, k, s->models[m]);
		if (b->ideal)
			fprintf(f, " %.9g %d", b->ideal[m] * b->scale, plot_one_core(s->models[m]));
		fputc('\n', f);
	}
	if (plot_dat_end(s, name, f, &buf, &len) < 0)
		return -1;

	snprintf(desc, sizeof desc, "%s per model: median bar, min-max whisker", b->what);
	if (!(f = plot_gp_begin(s, name, desc, &gbuf, &glen)))
		return -1;
	snprintf(note, sizeof note, "bar: median over reps, whisker: min–max%s%s",
		 *b->note ? "; " : "", b->note);
	snprintf(title, sizeof title, "%s per model at C = %u", b->title, c);
	plot_gp_head(f, s, title, note);
	lo = plot_min_median(s, c, b->metric);
	if (isfinite(b->refv))
		lo = fmin(lo, b->refv);
	for (size_t m = 0; b->ideal && m < s->nmodels; m++)
		if (isfinite(b->ideal[m]))
			lo = fmin(lo, b->ideal[m]);
	int logy = lo > 0 && hi / lo > 20;
	fprintf(f, "\nset ylabel \"%s%s\"\n", b->ylabel, logy ? ", log scale" : "");
	if (logy) /* bars that differ by orders of magnitude: all stay visible */
		plot_gp_axis(f, 'y', lo * b->scale, hi * b->scale, 1);
	else
		fputs("set yrange [0:*]\n", f);
	fputs("set xtics scale 0\nset grid noxtics\nset boxwidth 0.7\n"
	      "# the legend (the limit lines) goes below the plot\n"
	      "set key outside bottom center vertical Left reverse\n"
	      "set style fill solid 0.85 border lc rgb \"black\"\n",
	      f);
	plot_model_tics(f, s, 0.85);
	fputs("plot ", f);
	for (size_t m = 0; m < s->nmodels; m++) /* +gil bars: hatched, the model's hue */
		fprintf(f,
			"\"%s.dat\" every ::%zu::%zu using 1:2 with boxes ls %zu dt solid%s%s "
			"notitle, \\\n     ",
			name, m, m, m + 1, plot_is_gil(s->models[m]) ? " fs " : "",
			plot_is_gil(s->models[m]) ? PLOT_GIL_FILL : "");
	fprintf(f,
		"\"%s.dat\" using 1:2:3:4 with yerrorbars lc rgb \"black\" lw 2 pt -1 notitle, \\\n"
		"     \"%s.dat\" using 1:4:(sprintf(\"%%.3g\", $2)) with labels offset 0,0.8 "
		"notitle",
		name, name);
	if (isfinite(b->refv)) {
		fprintf(f, ", \\\n     %.9g with lines lc rgb \"#c00000\" dt 2 lw 3 title \"",
			b->refv * b->scale);
		plot_gp_str(f, b->ref);
		fputc('"', f);
	}
	/* a dash across each bar at its own ideal: red for the models that
	 * can use every core, grey for those that can use one */
	static const char *const ideal_color[2] = { "#c00000", "#707070" };
	for (int one = 0; b->ideal && one < 2; one++) {
		int any = 0;
		for (size_t m = 0; m < s->nmodels; m++)
			any |= plot_one_core(s->models[m]) == one && isfinite(b->ideal[m]);
		if (!any)
			continue;
		fprintf(f,
			", \\\n     \"%s.dat\" using ($1-0.42):($8==%d ? $7 : NaN):(0.84):(0) "
			"with vectors nohead lc rgb \"%s\" dt 2 lw 3 title \"",
			name, one, ideal_color[one]);
		plot_gp_str(f, b->ideal_key[one]);
		fputc('"', f);
	}
	fputs("\n", f);
	return plot_gp_end(s, name, f, &gbuf, &glen);
}

double plot_cpu_ideal(const plot_set *s, unsigned c, double *longest)
{
	const char *from;
	double seq = plot_seq_makespan(s, c);
	int ncpu = (int)c < s->cores ? (int)c : s->cores;
	*longest = plot_longest_task(s, &from);
	if (!isfinite(seq) || ncpu < 1)
		return NAN;
	return isfinite(*longest) && *longest > seq / ncpu ? *longest : seq / ncpu;
}

int plot_makespan(plot_set *s)
{
	char ref[200] = "", key[2][200] = { "", "" };
	double scale, hi = 0, refv = NAN, ideal[PLOT_MAXMODELS], longest = NAN, par = NAN;
	unsigned c = s->cstar;
	double seq = plot_seq_makespan(s, c);
	int cpu = !isfinite(s->delay_s) && isfinite(seq);

	if (!c)
		return 0;
	for (size_t m = 0; m < s->nmodels; m++) {
		double md, lo, mx;
		if (plot_stat(s, m, c, METRIC_MAKESPAN, &md, &lo, &mx))
			hi = fmax(hi, mx);
	}
	unsigned waves = (unsigned)((s->tasks + c - 1) / c);
	if (isfinite(s->delay_s))
		refv = waves * s->delay_s;
	if (cpu) { /* each model's own limit */
		par = plot_cpu_ideal(s, c, &longest);
		for (size_t m = 0; m < s->nmodels; m++)
			ideal[m] = plot_one_core(s->models[m]) ? seq : par;
	}
	const char *unit =
		plot_time_unit(fmax(hi, isfinite(refv) ? refv : cpu ? fmax(par, seq) : 0), &scale);
	char ylabel[48];
	snprintf(ylabel, sizeof ylabel, "makespan (%s)", unit);
	if (isfinite(s->delay_s))
		snprintf(ref, sizeof ref, "I/O floor: ⌈N/C⌉ × delay = %u × %.4g %s = %.4g %s",
			 waves, s->delay_s * scale, unit, refv * scale, unit);
	if (cpu) {
		int ncpu = (int)c < s->cores ? (int)c : s->cores;
		if (isfinite(longest) && longest >= seq / ncpu)
			snprintf(key[0], sizeof key[0],
				 "ideal, parallel models: the longest task = %.3g %s "
				 "(> sequential ÷ min(C, cores) = %.3g %s)",
				 par * scale, unit, seq / ncpu * scale, unit);
		else
			snprintf(key[0], sizeof key[0],
				 "ideal, parallel models: sequential ÷ min(C, cores) = %.3g %s ÷ %d "
				 "= %.3g %s",
				 seq * scale, unit, ncpu, par * scale, unit);
		snprintf(key[1], sizeof key[1],
			 "ideal, one-core models (sequential, event loops, coro, +gil): "
			 "sequential = %.3g %s",
			 seq * scale, unit);
	}
	bar_chart b = { "makespan",
			"makespan",
			"Makespan",
			ylabel,
			METRIC_MAKESPAN,
			refv,
			ref,
			cpu ? ideal : NULL,
			{ key[0], key[1] },
			"",
			scale,
			unit };
	return bars(s, &b);
}

/* Peak memory at one C: the memory chart when the sweep ran only one C
 * (its lines over C need two). */
int plot_memory_bars(plot_set *s)
{
	if (!s->cstar)
		return 0;
	plot_mem mem = plot_memory_metric(s);
	bar_chart b = { "memory", mem.what, "Memory", mem.ylabel, mem.metric, NAN, "",
			NULL,     { "", "" }, mem.note, 1.0 / 1024, "MiB" };
	return bars(s, &b);
}

int plot_cpu(plot_set *s)
{
	char name[PLOT_NAMELEN], title[96], *buf, *gbuf;
	size_t len, glen;
	double scale, hi = 0, o[4][3];
	unsigned c = s->cstar;
	static const metric_id g[4] = { METRIC_USER_TASK, METRIC_SYS_TASK, METRIC_VOL_TASK,
					METRIC_INVOL_TASK };

	if (!c)
		return 0;
	for (size_t m = 0; m < s->nmodels; m++)
		for (int q = 0; q < 2; q++)
			if (plot_stat(s, m, c, g[q], &o[q][0], &o[q][1], &o[q][2]))
				hi = fmax(hi, o[q][0]);
	const char *unit = plot_time_unit(hi, &scale);
	snprintf(name, sizeof name, "%scpu", s->prefix);
	FILE *f = plot_dat_begin(&buf, &len);
	if (!f)
		return -1;
	fprintf(f,
		"# %s.dat - CPU time and context switches per task, at C = %u\n# %s | %s\n"
		"# Medians over reps of the run's rusage divided by N tasks.\n"
		"# Columns: 1 bar position, 2 user CPU (%s/task), 3 sys CPU (%s/task),\n"
		"# 4 voluntary context switches per task, 5 involuntary per task, 6 model\n",
		name, c, s->what, s->machine, unit, unit);
	for (size_t m = 0; m < s->nmodels; m++) {
		fprintf(f, "%zu", m + 1);
		for (int q = 0; q < 4; q++) {
			plot_stat(s, m, c, g[q], &o[q][0], &o[q][1], &o[q][2]);
			double v = isfinite(o[q][0]) ? o[q][0] : 0;
			fprintf(f, " %.9g", q < 2 ? v * scale : v);
		}
		fprintf(f, " \"%s\"\n", s->models[m]);
	}
	if (plot_dat_end(s, name, f, &buf, &len) < 0)
		return -1;

	if (!(f = plot_gp_begin(s, name, "CPU time and context switches per task, per model", &gbuf,
				&glen)))
		return -1;
	snprintf(title, sizeof title, "CPU time and context switches per task at C = %u", c);
	fputs("# Left: user + sys CPU stacked; right: voluntary and involuntary switches.\n"
	      "set multiplot title ",
	      f);
	int lines = plot_gp_title(f, s, title, "from the run's rusage, divided by the number of tasks");
	double top = plot_gp_top(lines);
	fprintf(f, "\nset tmargin at screen %.3f\n", top);
	fputs("set xtics scale 0\n"
	      "set grid noxtics\nset yrange [0:*]\n"
	      "set style fill solid 0.9 border lc rgb \"black\"\n",
	      f);
	double below = plot_model_tics(f, s, 0.30);
	fprintf(f, "set bmargin at screen %.3f\n", below > 0.12 ? below + 0.02 : 0.14);
	fprintf(f,
		"\nset lmargin at screen 0.10\nset rmargin at screen 0.42\n"
		"set title \"CPU time per task\" font \",16\"\nset ylabel \"CPU time (%s/task)\"\n"
		"set boxwidth 0.7\n"
		"set key at screen 0.815, screen %.3f left top Left reverse title \"CPU time\"\n"
		"plot \"%s.dat\" using 1:($2+$3) with boxes lc rgb \"#e69f00\" title \"sys\", \\\n"
		"     \"%s.dat\" using 1:2 with boxes lc rgb \"#0072b2\" title \"user\"\n",
		unit, top, name, name);
	fprintf(f,
		"\nset lmargin at screen 0.52\nset rmargin at screen 0.80\n"
		"set title \"context switches per task\" font \",16\"\n"
		"set ylabel \"switches per task\"\nset boxwidth 0.36\n"
		"set key at screen 0.815, screen %.3f left top Left reverse title \"switches\"\n"
		"plot \"%s.dat\" using ($1-0.18):4 with boxes lc rgb \"#332288\" "
		"title \"voluntary\", \\\n"
		"     \"%s.dat\" using ($1+0.18):5 with boxes lc rgb \"#ddcc77\" "
		"title \"involuntary\"\n",
		top - 0.19, name, name);
	return plot_gp_end(s, name, f, &gbuf, &glen);
}

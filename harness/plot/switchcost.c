/*
 * switchcost.c - the `switch` chart: what one hand-off of the CPU costs,
 * thread against coroutine, in one unit.
 *
 * The switch workload hands the CPU to a peer rounds times per task, so a
 * run makes N x rounds hand-offs; with its tasks on one CPU (--cpus 0) the
 * makespan divided by that count is the cost of one switch. The claim "a
 * coroutine switch is far cheaper than a thread context switch" compares
 * two of them: threads passing a byte through a pipe (lmbench's lat_ctx: a
 * kernel context switch each time) and coroutines yielding (a user-space
 * stack switch). Those two come first, solid; any other pairing the
 * results hold (threads calling sched_yield, coroutines waiting on the pipe
 * through their loop) follows, paler. Makespan bars of each workload apart
 * would show the pipe under coro slower than under threads - true, and not
 * the claim - on scales that differ a hundredfold; this chart does not.
 */
#include "harness/plot/switchcost.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/plot/gp.h"
#include "harness/plot/style.h"
#include "harness/run/stats.h"

#define MAXBARS 16

typedef struct {
	const char *model;
	int pipe;      /* mode=pipe, else yield */
	int claim;     /* one of the claim's two quantities */
	char label[96];
	double med, lo, hi; /* ns per hand-off over the reps */
	size_t reps;
} bar;

/* The value of key= in params as text (up to ',') into buf; "" if absent. */
static void param_text(const char *params, const char *key, char *buf, size_t len)
{
	size_t kl = strlen(key);
	*buf = '\0';
	for (const char *p = params; p && *p;) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=') {
			snprintf(buf, len, "%.*s", (int)strcspn(p + kl + 1, ","), p + kl + 1);
			return;
		}
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
}

/* Nanoseconds per hand-off of run r: makespan / (N x rounds); NaN if unknown. */
static double ns_per_switch(const res_run *r)
{
	char v[32];
	param_text(r->params, "rounds", v, sizeof v);
	double rounds = *v ? strtod(v, NULL) : NAN;
	if (!(rounds > 0) || !r->tasks || !isfinite(r->makespan_s))
		return NAN;
	return r->makespan_s * 1e9 / ((double)r->tasks * rounds);
}

static int run_pipe(const res_run *r)
{
	char v[16];
	param_text(r->params, "mode", v, sizeof v);
	return strcmp(v, "pipe") == 0;
}

static int is_coro(const char *model)
{
	return strncmp(model, "coro", 4) == 0 && strchr(":+", model[4]);
}

/* The bar's name: what kind of switch it measures, then model and mode. */
static void label(bar *b)
{
	const char *what = b->pipe ? (is_coro(b->model) ? "loop hand-off" : "thread switch")
				   : (is_coro(b->model) ? "coroutine switch" : "sched_yield");
	snprintf(b->label, sizeof b->label, "%s\n(%s, %s)", what, b->model,
		 b->pipe ? "pipe" : "yield");
	b->claim = b->pipe ? !is_coro(b->model) && !plot_is_gil(b->model) : is_coro(b->model);
}

/* Collect the bars: one per (model, mode), its runs at the largest C it ran;
 * the claim's two first. Returns how many. */
static size_t collect(const plot_set *s, bar *b)
{
	size_t nb = 0;
	for (size_t i = 0; i < s->n && nb < MAXBARS; i++) {
		size_t k = 0;
		while (k < nb && (strcmp(b[k].model, s->runs[i].model) || b[k].pipe != run_pipe(&s->runs[i])))
			k++;
		if (k < nb)
			continue;
		b[nb] = (bar){ .model = s->runs[i].model, .pipe = run_pipe(&s->runs[i]) };
		label(&b[nb]);
		double v[256];
		unsigned cmax = 0;
		size_t nv = 0;
		for (size_t j = 0; j < s->n; j++)
			if (!strcmp(s->runs[j].model, b[nb].model) && run_pipe(&s->runs[j]) == b[nb].pipe &&
			    s->runs[j].concurrency > cmax)
				cmax = s->runs[j].concurrency;
		for (size_t j = 0; j < s->n && nv < 256; j++)
			if (!strcmp(s->runs[j].model, b[nb].model) && run_pipe(&s->runs[j]) == b[nb].pipe &&
			    s->runs[j].concurrency == cmax && isfinite(ns_per_switch(&s->runs[j])))
				v[nv++] = ns_per_switch(&s->runs[j]);
		if (!nv)
			continue;
		b[nb].med = stats_median(v, nv); /* sorts v */
		b[nb].lo = v[0];
		b[nb].hi = v[nv - 1];
		b[nb].reps = nv;
		nb++;
	}
	/* the claim's pair first: the thread switch, then the coroutine switch */
	for (int want = 0; want < 2; want++)
		for (size_t k = want; k < nb; k++)
			if (b[k].claim && b[k].pipe == !want) {
				bar t = b[k];
				memmove(b + want + 1, b + want, (k - want) * sizeof *b);
				b[want] = t;
				break;
			}
	return nb;
}

int plot_switch(plot_set *s)
{
	char name[] = "switch", rounds[32], note[200], *buf, *gbuf;
	size_t len, glen;
	bar b[MAXBARS];
	size_t nb = collect(s, b);
	if (!nb)
		return 0;
	param_text(s->runs[0].params, "rounds", rounds, sizeof rounds);
	snprintf(s->what, sizeof s->what, "switch rounds=%s, N = %zu tasks; pipe and yield modes",
		 rounds, s->tasks);
	double lo = INFINITY, hi = 0;
	for (size_t k = 0; k < nb; k++)
		lo = fmin(lo, b[k].med), hi = fmax(hi, b[k].hi);

	FILE *f = plot_dat_begin(&buf, &len);
	if (!f)
		return -1;
	fprintf(f,
		"# switch.dat - the cost of one hand-off of the CPU, per model and mode\n"
		"# %s | %s\n"
		"# ns per hand-off = makespan / (N tasks x rounds): each task hands the CPU to\n"
		"# its peer rounds times; with the tasks on one CPU that is one switch each.\n"
		"# Columns: 1 bar position, 2 median ns per hand-off over reps, 3 min, 4 max,\n"
		"# 5 reps, 6 1 if one of the claim's two (thread by pipe, coroutine by yield),\n"
		"# 7 model, 8 mode\n",
		s->what, s->machine);
	for (size_t k = 0; k < nb; k++)
		fprintf(f, "%zu %.6g %.6g %.6g %zu %d \"%s\" %s\n", k + 1, b[k].med, b[k].lo, b[k].hi,
			b[k].reps, b[k].claim, b[k].model, b[k].pipe ? "pipe" : "yield");
	if (plot_dat_end(s, name, f, &buf, &len) < 0)
		return -1;

	if (!(f = plot_gp_begin(s, name, "nanoseconds per switch, thread vs coroutine", &gbuf, &glen)))
		return -1;
	if (nb >= 2 && b[0].claim && b[1].claim && b[0].pipe && !b[1].pipe && b[1].med > 0)
		snprintf(note, sizeof note,
			 "a thread switch costs %.3g coroutine switches; ns = makespan ÷ (N × rounds) "
			 "hand-offs",
			 b[0].med / b[1].med);
	else
		snprintf(note, sizeof note, "ns = makespan ÷ (N × rounds) hand-offs, median over reps");
	plot_gp_head(f, s, "Cost of one switch: thread (pipe) vs coroutine (yield)", note);
	int logy = lo > 0 && hi / lo > 20;
	fprintf(f, "\nset ylabel \"ns per switch%s\"\n", logy ? " (log scale)" : "");
	if (logy)
		plot_gp_axis(f, 'y', lo, hi, 1);
	else
		fputs("set yrange [0:*]\n", f);
	fputs("set xtics scale 0\nset grid noxtics\nset boxwidth 0.6\nunset key\nset xtics (", f);
	for (size_t k = 0; k < nb; k++) { /* two lines: what it measures, then how */
		size_t cut = strcspn(b[k].label, "\n");
		fputs(k ? ", \"" : "\"", f);
		b[k].label[cut] = '\0';
		plot_gp_str(f, b[k].label);
		fputs("\\n", f);
		plot_gp_str(f, b[k].label + cut + 1);
		fprintf(f, "\" %zu", k + 1);
	}
	fprintf(f, ")\nset xrange [0.4:%zu.6]\nset bmargin 5\n", nb);
	fputs("# the claim's two bars solid, other pairings pale; whiskers min-max\nplot ", f);
	for (size_t k = 0; k < nb; k++) {
		plot_style st = plot_style_for(b[k].model, 0);
		fprintf(f,
			"\"%s.dat\" every ::%zu::%zu using 1:2 with boxes lc rgb \"%s\" fs %s "
			"border lc rgb \"black\", \\\n     ",
			name, k, k, st.color,
			st.gil ? PLOT_GIL_FILL : b[k].claim ? "solid 0.85" : "solid 0.3");
	}
	fprintf(f,
		"\"%s.dat\" using 1:2:3:4 with yerrorbars lc rgb \"black\" lw 2 pt -1, \\\n"
		"     \"%s.dat\" using 1:4:($2 >= 100 ? sprintf(\"%%.0f ns\", $2) : "
		"sprintf(\"%%.3g ns\", $2)) with labels offset 0,0.8\n",
		name, name);
	return plot_gp_end(s, name, f, &gbuf, &glen);
}

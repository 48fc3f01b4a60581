/*
 * serversteps.c - a server sweep's steps side by side (serversteps.h).
 *
 * The line charts of server.c need two connection counts or two rates to
 * draw a line; a lesson often has one step per model (L17: 10,000 mostly
 * idle connections on three models; L19: one load, two handlers; L20: the
 * same load as a closed and as an open loop). This chart gives every step
 * a group of bars - one per (model, C, connections, rate), medians over
 * reps - in three panels: the requests/s the load got answered; the p99 as
 * corrected (from when each request was due) beside the uncorrected one
 * (from when it went out), so a stall that a closed loop hides shows as the
 * gap between the two; and the server's memory per connection (resident,
 * plus the kernel stacks its threads added).
 */
#include "harness/plot/serversteps.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/plot/gp.h"
#include "harness/plot/style.h"
#include "harness/run/stats.h"

#define MAXSTEPS 24 /* more would not be readable as bars */
#define MAXREPS  64

typedef struct {
	const res_run *first; /* the step's first ok row: model, C, N, rate */
	double rps, p99, p99u, kib;
} step;

static int same_step(const res_run *a, const res_run *b)
{
	int rates = (isnan(a->rate_requested) && isnan(b->rate_requested)) ||
		    a->rate_requested == b->rate_requested;
	return !strcmp(a->model, b->model) && a->concurrency == b->concurrency &&
	       a->tasks == b->tasks && rates;
}

static double kib_per_conn(const res_run *r)
{
	return metric_value(METRIC_MEM_CONN, r);
}

/* The median of field over the ok rows of st's step. */
static double med(const plot_set *s, const res_run *st, double (*field)(const res_run *))
{
	double v[MAXREPS];
	size_t n = 0;
	for (size_t i = 0; i < s->n && n < MAXREPS; i++)
		if (!strcmp(s->runs[i].status, "ok") && same_step(&s->runs[i], st) &&
		    isfinite(field(&s->runs[i])))
			v[n++] = field(&s->runs[i]);
	return n ? stats_median(v, n) : NAN;
}

static double f_rps(const res_run *r)
{
	return r->client_rps;
}
static double f_p99(const res_run *r)
{
	return r->client_p99_s * 1e3;
}
static double f_p99u(const res_run *r)
{
	return r->client_p99_uncorrected_s * 1e3;
}

/* The steps in the order the sweep ran them; how many (0: too many). */
static size_t steps_of(const plot_set *s, step *st)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		const res_run *r = &s->runs[i];
		size_t k = 0;
		if (strcmp(r->status, "ok"))
			continue;
		while (k < n && !same_step(st[k].first, r))
			k++;
		if (k < n)
			continue;
		if (n == MAXSTEPS)
			return 0;
		st[n++] = (step){ .first = r };
	}
	for (size_t k = 0; k < n; k++) {
		st[k].rps = med(s, st[k].first, f_rps);
		st[k].p99 = med(s, st[k].first, f_p99);
		st[k].p99u = med(s, st[k].first, f_p99u);
		st[k].kib = med(s, st[k].first, kib_per_conn);
	}
	return n;
}

/* "epoll C=10\n10 conns, 1000/s" (sep between the two halves) */
static void label(const res_run *r, const char *sep, char *buf, size_t len)
{
	char rate[32] = "closed loop";
	if (!isnan(r->rate_requested))
		snprintf(rate, sizeof rate, "%.0f/s", r->rate_requested);
	snprintf(buf, len, "%s C=%u%s%zu conns, %s", r->model, r->concurrency, sep, r->tasks, rate);
}

/* A step for about three y tics up to hi: 1, 2 or 5 x 10^k. */
static double tic_step(double hi)
{
	double raw = hi > 0 ? hi / 3 : 1, p = pow(10, floor(log10(raw)));
	return raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
}

/* x tics at 1..n: the steps' labels in two lines, or none (labels 0). */
static void tics(FILE *f, const step *st, size_t n, int labels)
{
	char a[96], b[96];
	fputs("set xtics scale 0 (", f);
	for (size_t k = 0; k < n; k++) {
		const res_run *r = st[k].first;
		snprintf(a, sizeof a, "%s C=%u", r->model, r->concurrency);
		if (isnan(r->rate_requested))
			snprintf(b, sizeof b, "%zu conns, closed loop", r->tasks);
		else
			snprintf(b, sizeof b, "%zu conns, %.0f/s", r->tasks, r->rate_requested);
		fputs(k ? ", \"" : "\"", f);
		if (labels) {
			plot_gp_str(f, a);
			fputs("\\n", f); /* a line break inside gnuplot's string */
			plot_gp_str(f, b);
		}
		fprintf(f, "\" %zu", k + 1);
	}
	fputs(")\n", f);
}

/* Panel k of 3, stacked from the top (at screen top) down to the labels:
 * bars of column col (and col2 beside it, when > 0); the step labels
 * under the last panel only. */
static void panel(FILE *f, const char *name, const step *st, size_t n, int k, double top,
		  const char *ylabel, int col, int col2, double lo, double hi)
{
	const double bottom = 0.12, h = (top - bottom) / 3;
	fprintf(f, "\nset tmargin at screen %.4f\nset bmargin at screen %.4f\n", top - k * h,
		top - (k + 1) * h + 0.035);
	fprintf(f, "set ylabel \"%s\"\nunset logscale y\nset ytics autofreq\n", ylabel);
	if (lo > 0 && hi / lo > 20)
		plot_gp_axis(f, 'y', lo, hi, 1);
	else
		fprintf(f, "set yrange [0:*]\nset ytics %g\n", tic_step(hi));
	tics(f, st, n, k == 2);
	fprintf(f, "set boxwidth %s\n", col2 > 0 ? "0.35" : "0.7");
	if (col2 > 0)
		fprintf(f,
			"set key off\nplot \"%s.dat\" using ($1-0.18):%d with boxes "
			"ls 1 title \"corrected\", \\\n     \"\" using ($1+0.18):%d with boxes "
			"ls 2 title \"uncorrected\"\n",
			name, col, col2);
	else
		fprintf(f, "set key off\nplot \"%s.dat\" using 1:%d with boxes ls 1 notitle\n",
			name, col);
}

int plot_server_steps(plot_set *s)
{
	step st[MAXSTEPS];
	size_t n = steps_of(s, st);
	char name[PLOT_NAMELEN], lab[160], *buf, *gbuf;
	size_t len, glen;
	double lo[3] = { INFINITY, INFINITY, INFINITY }, hi[3] = { 0, 0, 0 };
	if (n == 0)
		return 0;
	snprintf(name, sizeof name, "%sserver_steps", s->prefix);
	FILE *f = plot_dat_begin(&buf, &len);
	if (!f)
		return -1;
	fprintf(f,
		"# %s.dat - every step of a server sweep, medians over reps\n# %s | %s\n"
		"# Columns: 1 bar position, 2 step, 3 requests/s, 4 p99 corrected (ms), 5 p99 "
		"uncorrected (ms), 6 server memory per connection, resident and kernel stacks "
		"(KiB)\n",
		name, s->what, s->machine);
	for (size_t k = 0; k < n; k++) {
		const double v[4] = { st[k].rps, st[k].p99, st[k].p99u, st[k].kib };
		for (int q = 0; q < 4; q++) {
			int p = q < 2 ? q : q - 1; /* both p99s share a panel */
			if (isfinite(v[q]) && v[q] > 0)
				lo[p] = fmin(lo[p], v[q]), hi[p] = fmax(hi[p], v[q]);
		}
		label(st[k].first, ", ", lab, sizeof lab);
		fprintf(f, "%zu \"%s\" %.6g %.6g %.6g %.6g\n", k + 1, lab, v[0], v[1], v[2], v[3]);
	}
	if (plot_dat_end(s, name, f, &buf, &len) < 0)
		return -1;
	if (!(f = plot_gp_begin(s, name, "every step of a server sweep side by side", &gbuf,
				&glen)))
		return -1;
	fputs("\nset multiplot title ", f);
	int lines =
		plot_gp_title(f, s, "Server steps side by side",
			      "medians over reps; p99, left bar: corrected (from when each "
			      "request was due), right bar: uncorrected (from when it went out)");
	double top = plot_gp_top(lines);
	fprintf(f,
		"\nset style fill solid 0.8 border -1\nset xrange [0.4:%zu.6]\n"
		"set lmargin at screen 0.1\nset rmargin at screen 0.97\nunset xlabel\n"
		"set grid noxtics\n",
		n);
	panel(f, name, st, n, 0, top, "req/s", 3, 0, lo[0], hi[0]);
	panel(f, name, st, n, 1, top, "p99 ms", 4, 5, lo[1], hi[1]);
	panel(f, name, st, n, 2, top, "KiB/conn", 6, 0, lo[2], hi[2]);
	return plot_gp_end(s, name, f, &gbuf, &glen);
}

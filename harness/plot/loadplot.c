/*
 * loadplot.c - a load sweep's charts (see loadplot.h), from the files out.c
 * wrote, so `concbench plot DIR` redraws them as it does a run's.
 *
 * Latency goes on a log axis in both: a stalled server's p99 can be a
 * thousand times its p50, and that gap is the finding. The spectrum's x is
 * 1/(1-p), so 90 %, 99 %, 99.9 % ... are evenly spaced, as in wrk2's and
 * HdrHistogram's plots; p100 (the max) has no place on it and is the
 * table's.
 */
#include "harness/plot/loadplot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/plot/gp.h"
#include "harness/plot/plot.h"
#include "harness/report/csvread.h"
#include "harness/report/file.h"

#define MAXSTEPS 256
#define MAXLINES 16 /* spectrum lines drawn; more steps: the first and last ones */

static const char *const palette[] = { "#0072b2", "#d55e00", "#009e73", "#cc79a7",
				       "#e69f00", "#56b4e9", "#000000", "#999999" };
#define NCOLORS (sizeof palette / sizeof *palette)

typedef struct {
	unsigned step, conns;
	double rate, achieved, lat[5]; /* p50 p90 p99 p99.9 max, ms */
	int open;
} lrow;

static const char *const lat_col[5] = { "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms" };
static const char *const lat_name[5] = { "p50", "p90", "p99", "p99.9", "max" };

int plot_is_load_dir(const char *dir)
{
	char path[4096], line[64] = "";
	snprintf(path, sizeof path, "%s/results.csv", dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int is = fgets(line, sizeof line, f) && !strncmp(line, "step,method,url,loop,", 21);
	fclose(f);
	return is;
}

/* The column named name in the header, or -1. */
static int col(const csv_reader *r, const char *name)
{
	for (size_t i = 0; i < r->nfield; i++)
		if (!strcmp(r->field[i], name))
			return (int)i;
	return -1;
}

static const char *cell(const csv_reader *r, int c)
{
	return c >= 0 && (size_t)c < r->nfield ? r->field[c] : "";
}

/* The steps that measured something (ok or interrupted). -1 with err. */
static int read_rows(const char *dir, lrow *rows, size_t *n, char *err, size_t errlen)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/results.csv", dir);
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot read it", path);
		return -1;
	}
	csv_reader r;
	csv_init(&r, f);
	int c[11], rc = csv_next(&r);
	if (rc == 1) {
		const char *names[6] = { "step", "connections", "rate_requested", "achieved_rps",
					 "loop", "status" };
		for (int i = 0; i < 6; i++)
			c[i] = col(&r, names[i]);
		for (int i = 0; i < 5; i++)
			c[6 + i] = col(&r, lat_col[i]);
	}
	*n = 0;
	while (rc == 1 && (rc = csv_next(&r)) == 1 && *n < MAXSTEPS) {
		lrow *x = &rows[*n];
		const char *st = cell(&r, c[5]);
		if (strcmp(st, "ok") && strcmp(st, "interrupted"))
			continue;
		x->step = (unsigned)csv_num(cell(&r, c[0]));
		x->conns = (unsigned)csv_num(cell(&r, c[1]));
		x->rate = csv_num(cell(&r, c[2]));
		x->achieved = csv_num(cell(&r, c[3]));
		x->open = !strcmp(cell(&r, c[4]), "open");
		for (int i = 0; i < 5; i++)
			x->lat[i] = csv_num(cell(&r, c[6 + i]));
		if (isfinite(x->lat[0]) && x->lat[0] > 0)
			(*n)++;
	}
	csv_free(&r);
	fclose(f);
	if (rc < 0) {
		snprintf(err, errlen, "%s: malformed CSV", path);
		return -1;
	}
	return 0;
}

static void step_label(char *buf, size_t len, const lrow *x)
{
	if (x->open)
		snprintf(buf, len, "%u conn, %g req/s", x->conns, x->rate);
	else
		snprintf(buf, len, "%u conn, closed loop", x->conns);
}

/* spectrum.dat: a block per (step, latency) line, `index` k in the script. */
static int spectrum(plot_set *s, const lrow *rows, size_t n)
{
	char path[4096], *buf, *gbuf, label[96];
	size_t len, glen, nb = 0;
	struct {
		unsigned row;
		int unc;
	} block[2 * MAXLINES];
	double lo = INFINITY, hi = 0, top = 1;

	snprintf(path, sizeof path, "%s/spectrum.csv", s->dir);
	FILE *in = fopen(path, "r"), *f;
	if (!in)
		return 0; /* nothing to draw from */
	if (!(f = plot_dat_begin(&buf, &len))) {
		fclose(in);
		return -1;
	}
	fprintf(f, "# spectrum.dat - latency by percentile, a block per step and kind\n"
		   "# %s | %s\n# Columns: 1 nines = 1/(1-p), 2 latency ms, 3 percentile\n",
		s->what, s->machine);
	/* the uncorrected lines only beside a few steps, or the legend drowns */
	int with_unc = n <= 3;
	for (size_t i = 0; i < n && nb + 2 <= 2 * MAXLINES; i++) {
		/* the first steps and the last: where the curve bends */
		if (n > MAXLINES && i >= MAXLINES / 2 && i < n - MAXLINES / 2)
			continue;
		for (int unc = 0; unc < (rows[i].open && with_unc ? 2 : 1); unc++) {
			csv_reader r;
			rewind(in);
			csv_init(&r, in);
			int rc = csv_next(&r), cs = col(&r, "step"), cl = col(&r, "latency"),
			    cn = col(&r, "nines"), cv = col(&r, "value_ms"), lines = 0;
			const char *want = rows[i].open ? unc ? "uncorrected" : "corrected" : "closed";
			fprintf(f, "%s# step %u, %s\n", nb ? "\n\n" : "", rows[i].step, want);
			while (rc == 1 && (rc = csv_next(&r)) == 1) {
				double nines = csv_num(cell(&r, cn)), v = csv_num(cell(&r, cv));
				if ((unsigned)csv_num(cell(&r, cs)) != rows[i].step ||
				    strcmp(cell(&r, cl), want) || !isfinite(nines) || !(v > 0))
					continue;
				fprintf(f, "%.6g %.6g %.9g\n", nines, v, 100 - 100 / nines);
				lo = fmin(lo, v), hi = fmax(hi, v), top = fmax(top, nines);
				lines++;
			}
			csv_free(&r);
			if (!lines)
				fprintf(f, "1 NaN 0\n"); /* keeps the block's index */
			block[nb].row = (unsigned)i;
			block[nb++].unc = unc;
		}
	}
	fclose(in);
	if (plot_dat_end(s, "spectrum", f, &buf, &len) < 0)
		return -1;
	if (!(hi > 0))
		return 0;

	if (!(f = plot_gp_begin(s, "spectrum", "latency by percentile (log-scale nines)", &gbuf,
				&glen)))
		return -1;
	int open = 0;
	for (size_t i = 0; i < n; i++)
		open |= rows[i].open;
	plot_gp_head(f, s, "Latency by percentile",
		     !open	  ? "closed loop: each connection sends when its last reply is in"
		     : with_unc ? "open loop: solid from the intended send (coordinated omission "
				  "corrected), dashed from the actual send"
				: "open loop, from the intended send (coordinated omission corrected; "
				  "the uncorrected spectra are in spectrum.csv)");
	fputs("set xlabel \"percentile\"\nset ylabel \"latency (ms, log scale)\"\n"
	      "set logscale x 10\n# a tic label is a format: %% is a percent sign\n"
	      "set xtics (\"0%%\" 1, \"90%%\" 10, \"99%%\" 100, \"99.9%%\" 1000, "
	      "\"99.99%%\" 10000, \"99.999%%\" 100000, \"99.9999%%\" 1000000)\n",
	      f);
	fprintf(f, "set xrange [1:%g]\n", pow(10, ceil(log10(top > 10 ? top : 10))));
	plot_gp_axis(f, 'y', lo, hi, 1);
	fputs("plot ", f);
	for (size_t b = 0; b < nb; b++) {
		const lrow *x = &rows[block[b].row];
		step_label(label, sizeof label, x);
		fprintf(f, "%s\"spectrum.dat\" index %zu using 1:2 with lines lw 2.5 dt %d lc rgb "
			   "\"%s\" title \"",
			b ? ", \\\n     " : "", b, block[b].unc ? 2 : 1,
			palette[block[b].row % NCOLORS]);
		plot_gp_str(f, label);
		fputs(block[b].unc ? ", uncorrected\"" : "\"", f);
	}
	fputs("\n", f);
	return plot_gp_end(s, "spectrum", f, &gbuf, &glen);
}

/* latency_throughput: a line per percentile (one connection count), or the
 * p50 and p99 of each count (several), against the throughput achieved. */
static int hockey(plot_set *s, const lrow *rows, size_t n)
{
	unsigned counts[MAXSTEPS];
	size_t nc = 0;
	double lo = INFINITY, hi = 0, xmax = 0;
	char *buf, *gbuf;
	size_t len, glen;

	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < nc && counts[k] != rows[i].conns)
			k++;
		if (k == nc)
			counts[nc++] = rows[i].conns;
		for (int j = 0; j < 5; j++)
			if (rows[i].lat[j] > 0)
				lo = fmin(lo, rows[i].lat[j]), hi = fmax(hi, rows[i].lat[j]);
		xmax = fmax(xmax, rows[i].achieved);
	}
	if (n < 2 || !(hi > 0) || !(xmax > 0))
		return 0;
	FILE *f = plot_dat_begin(&buf, &len);
	if (!f)
		return -1;
	fprintf(f, "# latency_throughput.dat - latency against the throughput achieved\n"
		   "# %s | %s\n# a block per connection count; Columns: 1 achieved req/s,\n"
		   "# 2 p50 ms, 3 p90, 4 p99, 5 p99.9, 6 max, 7 requested req/s (NaN: closed),\n"
		   "# 8 connections, 9 step\n",
		s->what, s->machine);
	for (size_t k = 0; k < nc; k++) {
		fprintf(f, "%s# %u connections\n", k ? "\n\n" : "", counts[k]);
		for (size_t i = 0; i < n; i++)
			if (rows[i].conns == counts[k])
				fprintf(f, "%.6g %.6g %.6g %.6g %.6g %.6g %.6g %u %u\n", rows[i].achieved,
					rows[i].lat[0], rows[i].lat[1], rows[i].lat[2], rows[i].lat[3],
					rows[i].lat[4], rows[i].open ? rows[i].rate : NAN, rows[i].conns,
					rows[i].step);
	}
	if (plot_dat_end(s, "latency_throughput", f, &buf, &len) < 0)
		return -1;
	if (!(f = plot_gp_begin(s, "latency_throughput", "latency against throughput", &gbuf, &glen)))
		return -1;
	plot_gp_head(f, s, "Latency against throughput",
		     rows[0].open ? "a point per step of the rate sweep; latency corrected for "
				    "coordinated omission: where it turns up, the server saturates"
				  : "a point per step; closed loop: more connections, more "
				    "throughput until the server saturates, then only latency grows");
	fputs("set xlabel \"throughput achieved (requests/s)\"\n"
	      "set ylabel \"latency (ms, log scale)\"\n",
	      f);
	plot_gp_axis(f, 'x', 0, xmax, 0);
	plot_gp_axis(f, 'y', lo, hi, 1);
	fputs("plot ", f);
	if (nc == 1) {
		for (int j = 0; j < 5; j++)
			fprintf(f, "%s\"latency_throughput.dat\" using 1:%d with linespoints lw 2.5 "
				   "pt 7 ps 1.3 lc rgb \"%s\" dt %d title \"%s\"",
				j ? ", \\\n     " : "", 2 + j, palette[j], j == 4 ? 3 : 1, lat_name[j]);
	} else {
		for (size_t k = 0; k < nc && k < NCOLORS; k++)
			fprintf(f, "%s\"latency_throughput.dat\" index %zu using 1:4 with linespoints "
				   "lw 2.5 pt 7 ps 1.3 lc rgb \"%s\" title \"p99, %u conn\", \\\n     "
				   "\"latency_throughput.dat\" index %zu using 1:2 with linespoints lw 1.5 "
				   "pt 6 dt 2 lc rgb \"%s\" title \"p50, %u conn\"",
				k ? ", \\\n     " : "", k, palette[k], counts[k], k, palette[k],
				counts[k]);
	}
	fputs("\n", f);
	return plot_gp_end(s, "latency_throughput", f, &gbuf, &glen);
}

int plot_load_dir(const char *dir, const char *gnuplot, FILE *diag, char *err, size_t errlen)
{
	static lrow rows[MAXSTEPS];
	size_t n;
	char path[4096], nojson[64];
	if (!diag)
		diag = stderr;
	if (read_rows(dir, rows, &n, err, errlen) < 0)
		return -1;
	plot_set *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", dir);
		return -1;
	}
	snprintf(path, sizeof path, "%s/results.json", dir);
	char *json = file_slurp(path, (size_t)1 << 30, NULL, nojson, sizeof nojson);
	plot_set_init(s, NULL, 0, json); /* no runs: only the machine line */
	free(json);
	s->dir = dir;
	s->diag = diag;
	s->err = err;
	s->errlen = errlen;
	snprintf(s->what, sizeof s->what, "concbench load, %zu step%s", n, n == 1 ? "" : "s");
	int drawn = 0;
	if (n && (spectrum(s, rows, n) < 0 || hockey(s, rows, n) < 0))
		drawn = -1;
	else if (s->ncharts && plot_available(gnuplot))
		drawn = plot_scripts(s, gnuplot, diag);
	else if (s->ncharts)
		fprintf(diag,
			"concbench: gnuplot not found: charts not drawn; install it with: "
			"sudo apt-get install gnuplot-nox (then: concbench plot %s)\n",
			dir);
	free(s);
	return drawn;
}

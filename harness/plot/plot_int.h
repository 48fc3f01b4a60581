/*
 * plot_int.h - what the chart files share: the data set of one sweep
 * (data.c) and the script writer (gp.c).
 *
 * Each chart kind (sweep.c, bars.c, tasks.c) takes a
 * plot_set, writes NAME.dat and NAME.gp through plot_gp_*, and adds NAME to
 * the set's list of scripts; plot.c then runs gnuplot on that list.
 */
#ifndef CB_PLOT_INT_H
#define CB_PLOT_INT_H

#include <stddef.h>
#include <stdio.h>

#include "harness/run/metric.h"
#include "harness/run/result.h"

#define PLOT_MAXMODELS 64
#define PLOT_MAXCS     64
#define PLOT_MAXCHARTS 96
#define PLOT_NAMELEN   200

typedef struct {
	const char *dir; /* the results directory */
	char prefix[96]; /* "" or "<workload>-<params>_" when a dir holds several */
	res_run *runs;   /* rows of this workload with status ok */
	size_t n;
	const char *models[PLOT_MAXMODELS]; /* first-appearance order */
	size_t nmodels;
	unsigned cs[PLOT_MAXCS]; /* concurrency values, ascending */
	size_t ncs;
	unsigned cstar;    /* largest C every model has; 0 if none */
	size_t tasks;      /* N of the first row */
	int cores;         /* context "cores", else meta_cores() */
	double delay_s;    /* I/O wait per task (delay_ms=, ms=); NaN if none */
	char what[320];    /* "fib n=25, 8 tasks" */
	char machine[256]; /* "Intel Xeon, 2 cores, 2026-11-22 05:01 UTC" */
	char charts[PLOT_MAXCHARTS][PLOT_NAMELEN]; /* scripts written, no .gp */
	size_t ncharts;
	FILE *diag;
	char *err;
	size_t errlen;
} plot_set;

/* plot_data.c */
/* Group runs[0..n) (one workload, status ok) by model and concurrency and
 * read the machine from json (results.json's text, or NULL). 0, or -1 if
 * there is nothing to draw. */
int plot_set_init(plot_set *s, res_run *runs, size_t n, const char *json);
/* Median, min and max of a metric (metric.h) over the runs of model m at
 * concurrency c (c == 0: any c); the number of finite values (0: no data,
 * outputs NaN). */
size_t plot_stat(const plot_set *s, size_t m, unsigned c, metric_id metric, double *med,
		 double *min, double *max);
/* The smallest median of the metric at c over the models; inf if none. */
double plot_min_median(const plot_set *s, unsigned c, metric_id metric);
/* Does model m have a finite value of the metric at c? */
int plot_has(const plot_set *s, size_t m, unsigned c, metric_id metric);
/* Median makespan of sequential at c (else over all c); NaN if no sequential. */
double plot_seq_makespan(const plot_set *s, unsigned c);
/* nth earlier model of the same kind, for plot_style_for(). */
unsigned plot_kind_nth(const plot_set *s, size_t m);
/* A model name made safe for a file name. */
void plot_file_part(char *dst, size_t len, const char *s);

/* Seconds shown in a unit that suits max: sets *scale and returns "s",
 * "ms" or "µs". */
const char *plot_time_unit(double max, double *scale);

/* plot_gp.c: the script writer. begin() opens a memory stream with the
 * header, the model styles and the output loop; end() closes the loop and
 * writes NAME.gp atomically. 0, or -1 with s->err set. */
FILE *plot_gp_begin(plot_set *s, const char *name, const char *what, char **buf, size_t *len);
int plot_gp_end(plot_set *s, const char *name, FILE *f, char **buf, size_t *len);
/* The quoted title text "<title>\n<workload | machine>" (and a third line
 * if note), for `set title` or `set multiplot title`. */
void plot_gp_title(FILE *f, const plot_set *s, const char *title, const char *note);
/* A log axis ('x' or 'y') over [lo, hi] with tics at 1, 2, 5 x 10^k; a
 * linear one from 0 (or lo, when lo < 0) when log is 0. */
void plot_gp_axis(FILE *f, char axis, double lo, double hi, int log);
/* A string as the inside of a gnuplot double-quoted enhanced-text string. */
void plot_gp_str(FILE *f, const char *text);
/* Tics at the concurrency values of the set, log2 x axis. */
void plot_gp_cs_axis(FILE *f, const plot_set *s);
/* A data file: open a memory stream; plot_dat_end writes NAME.dat. */
FILE *plot_dat_begin(char **buf, size_t *len);
int plot_dat_end(plot_set *s, const char *name, FILE *f, char **buf, size_t *len);
/* Write dir/file atomically (temp + rename). 0 or -1 with s->err set. */
int plot_write(plot_set *s, const char *file, const char *text, size_t len);

/* The chart kinds; each returns 0 (drawn or skipped) or -1 on a write error. */
int plot_throughput(plot_set *s);
int plot_latency(plot_set *s);
int plot_speedup(plot_set *s);
int plot_memory(plot_set *s);
int plot_memory_bars(plot_set *s); /* plot_bars.c: at one C */
int plot_makespan(plot_set *s);
int plot_cpu(plot_set *s);
int plot_cdf(plot_set *s);
int plot_timelines(plot_set *s);

#endif

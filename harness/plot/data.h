/*
 * data.h - the data set of one sweep's charts (data.c): the runs grouped by
 * model and concurrency, the machine line, the list of scripts written.
 *
 * Each chart kind (sweep.c, bars.c, tasks.c) takes a plot_set, writes
 * NAME.dat and NAME.gp through gp.h, and adds NAME to the set's list of
 * scripts; plot.c then runs gnuplot on that list.
 */
#ifndef CB_PLOT_DATA_H
#define CB_PLOT_DATA_H

#include <stddef.h>
#include <stdio.h>

#include "harness/run/metric.h"
#include "harness/run/result.h"

#define PLOT_MAXMODELS 64
#define PLOT_MAXCS     64
#define PLOT_MAXCHARTS 96
#define PLOT_NAMELEN   200
/* File names stay under ~60 characters: a prefix of the kind (<= 12) and the
 * parameters that differ (<= PLOT_PARAMS_PART), a chart kind, and for a
 * timeline the model (<= PLOT_MODEL_PART); longer parts end in a hash. */
#define PLOT_PARAMS_PART 18
#define PLOT_MODEL_PART  20

typedef struct {
	const char *dir; /* the results directory */
	char prefix[64]; /* "" or "<kind>_" / "<kind>-<params that differ>_" (plot.c) */
	res_run *runs;   /* rows of this workload with status ok */
	size_t n;
	const res_run *limits; /* its rows with a "limit: ..." status, for notes */
	size_t nlimits;
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
/* nth earlier model of the same kind (and the same +gil or not), for
 * plot_style_for(). */
unsigned plot_kind_nth(const plot_set *s, size_t m);
/* Can model use only one core for CPU work (sequential, the event loops
 * and coro but with a loop per core, loops=K > 1; every +gil variant)? */
int plot_one_core(const char *model);
/* s made safe for a file name, the way tasks/ names are (letters, digits,
 * . _ + -; others become -), at most max characters: a longer s is cut and
 * ends in -HHHHHH, a hash of the whole. */
void plot_name_part(char *dst, size_t len, const char *s, size_t max);

/* The memory figure the charts show and what its axis says it counts. */
typedef struct {
	metric_id metric;
	const char *ylabel; /* "peak RSS of the largest process (MiB)" */
	const char *what;   /* for headers and titles */
	const char *note;   /* for the subtitle: what it leaves out; "" */
} plot_mem;
plot_mem plot_memory_metric(const plot_set *s);

/* Seconds shown in a unit that suits max: sets *scale and returns "s",
 * "ms" or "µs". */
const char *plot_time_unit(double max, double *scale);

#endif

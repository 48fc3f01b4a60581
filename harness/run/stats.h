/*
 * stats.h - the figures of a run: percentiles, mean, standard deviation,
 * histograms, one res_run computed exactly from a task table, and the
 * spread of a group of reps (CV, MAD, outliers: is it noisy?).
 *
 * Percentiles use the nearest-rank definition, so every reported percentile
 * is a latency some task really had (no interpolation between two tasks):
 *
 *	rank = ceil(p / 100 * n), value = sorted[rank - 1], and p == 0 -> sorted[0].
 *
 * With 1..10: p0 = 1, p50 = 5, p90 = 9, p99 = 10, p100 = 10.
 * Functions that have no answer (no data) return NAN, which report.c writes
 * as an empty CSV cell and a JSON null.
 */
#ifndef CB_STATS_H
#define CB_STATS_H

#include <stddef.h>

#include "models/model.h"
#include "harness/run/metric.h"
#include "harness/run/result.h"

/* Ascending; NaNs go last. */
void stats_sort(double *v, size_t n);
/* Nearest rank of sorted[0..n): NAN when n == 0 or p is not in [0, 100]. */
double stats_percentile(const double *sorted, size_t n, double p);
/* Arithmetic mean; NAN when n == 0. */
double stats_mean(const double *v, size_t n);
/* Sample standard deviation (divides by n - 1); NAN when n < 2, because
 * one value says nothing about spread. */
double stats_stddev(const double *v, size_t n);
/* Sorts v in place; mean of the two middle values when n is even; NAN if n == 0. */
double stats_median(double *v, size_t n);
/* Count v into nbins equal bins over [lo, hi); a value equal to hi goes into
 * the last bin, values outside and NaNs are skipped. Returns how many were
 * counted; 0 (and counts untouched) when nbins == 0 or !(lo < hi). */
size_t stats_histogram(const double *v, size_t n, double lo, double hi, size_t *counts,
		       size_t nbins);

/*
 * The spread of one figure over a group's reps, and when to call it noisy
 * (as hyperfine and pyperf warn): a coefficient of variation over 10 %, or
 * an outlier. An outlier is a value farther from the median than
 * 3 x 1.4826 x MAD (the MAD scaled to a standard deviation, so one noisy
 * rep cannot hide itself by inflating the yardstick, as it inflates the
 * stddev) and more than 5 % of the median away (so a group of near-equal
 * reps, whose MAD is ~0, does not call a 0.1 % difference an outlier).
 * One value has no spread: n == 1 gives min == max == median, NAN for the
 * rest, no outliers and never noisy.
 */
#define STATS_NOISY_CV      0.10
#define STATS_OUTLIER_K     3.0
#define STATS_OUTLIER_FLOOR 0.05

typedef struct {
	size_t n; /* finite values counted; NaNs are skipped */
	double median, min, max, mean, stddev;
	double cv;       /* stddev / |mean|; NAN when n < 2 or mean == 0 */
	size_t outliers; /* values past the rule above */
} stats_spread;

/* Coefficient of variation: sample stddev / |mean|; NAN when n < 2 or mean == 0. */
double stats_cv(const double *v, size_t n);
/* Median absolute deviation from the median (unscaled); NAN if n == 0 or out of memory. */
double stats_mad(const double *v, size_t n);
/* How many of v[0..n) are outliers by the rule above. */
size_t stats_outliers(const double *v, size_t n);
/* All of the above over the finite values of v[0..n) (v is not changed).
 * 0, or -1 if out of memory (out is then n = 0, NaNs). */
int stats_spread_of(const double *v, size_t n, stats_spread *out);
/* 1 if s is noisy: n >= 2 and (cv > STATS_NOISY_CV or an outlier). */
int stats_noisy(const stats_spread *s);

/* Same (workload, params, model, concurrency): one group of reps. */
int stats_same_group(const res_run *a, const res_run *b);
/* The spread of metric m over the ok runs of key's group in runs[0..n). */
int stats_group(const res_run *runs, size_t n, const res_run *key, metric_id m, stats_spread *out);
/* runs[0..n) by group, in O(n log n): fills order[0..n) with run indices so
 * that group g is order[start[g] .. start[g + 1]) (start has n + 1 entries),
 * groups in the order they first ran, each group's runs in theirs. Returns
 * the number of groups, or (size_t)-1 if out of memory. */
size_t stats_group_index(const res_run *runs, size_t n, size_t *order, size_t *start);
/* The spread of metric m over the ok runs among runs[idx[0..k)). */
int stats_spread_runs(const res_run *runs, const size_t *idx, size_t k, metric_id m,
		      stats_spread *out);

/*
 * Fill r's figures from a finished task table (all tasks are submitted at
 * t->t0_ns, so a task's latency is end - t0 and its service time end - start):
 *   makespan_s        latest end among tasks that ran, minus t0 (NAN if none ran)
 *   throughput_per_s  tasks that ran once without error / makespan (NAN when
 *                     the makespan is 0 or unknown, or there are no tasks)
 *   lat_*, svc_*      over tasks that ran at least once; NAN if none did
 *   errors            tasks with err != 0 or that did not run exactly once
 *   digest            wl_run_digest_add() over tasks that ran once without error
 * Leaves rusage fields, status, names and counts alone. 0, or -1 if out of memory.
 */
int stats_from_table(res_run *r, const model_table *t);

#endif

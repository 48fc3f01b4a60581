/*
 * summary.c - the end-of-sweep table.
 *
 * One row per (workload, model, concurrency): the median over the reps that
 * finished ok (a median, not a mean, because one noisy rep on a shared
 * machine should not move the figure), and the speed-up over sequential's
 * median makespan for the same workload: at the same concurrency when
 * sequential ran there, else over all its runs (sequential ignores C).
 */
#include "harness/report/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/metric.h"
#include "harness/run/stats.h"

static int same_group(const res_run *a, const res_run *b)
{
	return strcmp(a->workload, b->workload) == 0 && strcmp(a->params, b->params) == 0 &&
	       strcmp(a->model, b->model) == 0 && a->concurrency == b->concurrency;
}

static int same_workload(const res_run *a, const res_run *b)
{
	return strcmp(a->workload, b->workload) == 0 && strcmp(a->params, b->params) == 0;
}

/* Median of one metric over the ok runs that match `pick`; NaN if none. */
static double median_of(const res_run *runs, size_t n, const res_run *key,
			int (*pick)(const res_run *, const res_run *), metric_id metric,
			size_t *cnt)
{
	double *v = malloc((n ? n : 1) * sizeof *v);
	size_t k = 0;
	for (size_t i = 0; v && i < n; i++)
		if (pick(&runs[i], key) && strcmp(runs[i].status, "ok") == 0)
			v[k++] = metric_value(metric, &runs[i]);
	double m = v ? stats_median(v, k) : NAN;
	free(v);
	if (cnt)
		*cnt = k;
	return m;
}

static int is_seq_same_c(const res_run *r, const res_run *key)
{
	return same_workload(r, key) && strcmp(r->model, "sequential") == 0 &&
	       r->concurrency == key->concurrency;
}

static int is_seq(const res_run *r, const res_run *key)
{
	return same_workload(r, key) && strcmp(r->model, "sequential") == 0;
}

static double seq_makespan(const res_run *runs, size_t n, const res_run *key)
{
	size_t cnt;
	double m = median_of(runs, n, key, is_seq_same_c, METRIC_MAKESPAN, &cnt);
	return cnt ? m : median_of(runs, n, key, is_seq, METRIC_MAKESPAN, NULL);
}

/* The first failing status of a group, for the last column. */
static const char *group_status(const res_run *runs, size_t n, const res_run *key)
{
	for (size_t i = 0; i < n; i++)
		if (same_group(&runs[i], key) && strcmp(runs[i].status, "ok") != 0)
			return runs[i].status;
	return "ok";
}

static void print_row(FILE *out, const res_run *runs, size_t n, const res_run *key)
{
	size_t ok, total = 0;
	char mk[24], th[24], p50[24], p99[24], su[24] = "-";
	for (size_t i = 0; i < n; i++)
		total += same_group(&runs[i], key);
	double m = median_of(runs, n, key, same_group, METRIC_MAKESPAN, &ok);
	double t = median_of(runs, n, key, same_group, METRIC_THROUGHPUT, NULL);
	double a = median_of(runs, n, key, same_group, METRIC_P50, NULL);
	double b = median_of(runs, n, key, same_group, METRIC_P99, NULL);
	double seq = seq_makespan(runs, n, key);
	if (!isnan(seq) && !isnan(m) && m > 0)
		snprintf(su, sizeof su, seq / m >= 0.1 ? "%.2fx" : "%.2gx", seq / m);
	fprintf(out, "  %-20s %6u %3zu/%-3zu %10s %11s %10s %10s %8s  %s\n", key->model,
		key->concurrency, ok, total, metric_format(METRIC_MAKESPAN, m, mk, sizeof mk),
		metric_format(METRIC_THROUGHPUT, t, th, sizeof th),
		metric_format(METRIC_P50, a, p50, sizeof p50),
		metric_format(METRIC_P99, b, p99, sizeof p99), su, group_status(runs, n, key));
}

void summary_print(FILE *out, const res_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;
		while (j < i && !same_workload(&runs[j], &runs[i]))
			j++;
		if (j < i)
			continue; /* workload already shown */
		fprintf(out, "\nsummary: %s%s%s, %zu tasks (median over ok reps)\n",
			runs[i].workload, runs[i].params[0] ? ":" : "", runs[i].params,
			runs[i].tasks);
		fprintf(out, "  %-20s %6s %7s %10s %11s %10s %10s %8s  %s\n", "model", "C", "ok",
			"makespan", "throughput", "p50", "p99", "speed-up", "status");
		for (size_t g = i; g < n; g++) {
			size_t h = i;
			while (h < g && !same_group(&runs[h], &runs[g]))
				h++;
			if (h == g && same_workload(&runs[g], &runs[i]))
				print_row(out, runs, n, &runs[g]);
		}
	}
	fputc('\n', out);
}

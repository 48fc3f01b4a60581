/*
 * stats.c - percentiles, mean/stddev, histograms, the spread of a group of
 * reps (CV, MAD, outliers), and a run's figures from its task table.
 *
 * Percentiles are exact: the harness keeps every task's times, so there is no
 * need for a sketch or reservoir. Nearest rank (see stats.h) is used rather
 * than interpolation so that "p99 = 12 ms" means some task took 12 ms.
 * Times are CLOCK_MONOTONIC ns; differences are taken as signed 64-bit
 * values before converting, so a stray timestamp cannot wrap to 584 years.
 */
#include "harness/run/stats.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/workload.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	if (isnan(x) || isnan(y))
		return isnan(x) - isnan(y); /* NaNs sort last */
	return (x > y) - (x < y);
}

void stats_sort(double *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_double);
}

double stats_percentile(const double *sorted, size_t n, double p)
{
	if (n == 0 || !(p >= 0 && p <= 100))
		return NAN;
	/* p * n is exact for the p and n we see, and one correctly rounded
	 * division keeps ceil() from turning 9.000000000000002 into 10. */
	double rank = ceil(p * (double)n / 100.0);
	if (rank < 1)
		rank = 1;
	if (rank > (double)n)
		rank = (double)n;
	return sorted[(size_t)rank - 1];
}

double stats_mean(const double *v, size_t n)
{
	if (n == 0)
		return NAN;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	return sum / (double)n;
}

double stats_stddev(const double *v, size_t n)
{
	if (n < 2)
		return NAN;
	/* Two passes: subtracting the mean first avoids the cancellation of
	 * the sum-of-squares formula when values are large and close. */
	double m = stats_mean(v, n), ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - m) * (v[i] - m);
	return sqrt(ss / (double)(n - 1));
}

double stats_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	stats_sort(v, n);
	if (n % 2)
		return v[n / 2];
	return (v[n / 2 - 1] + v[n / 2]) / 2;
}

size_t stats_histogram(const double *v, size_t n, double lo, double hi, size_t *counts,
		       size_t nbins)
{
	if (nbins == 0 || !(lo < hi))
		return 0;
	for (size_t b = 0; b < nbins; b++)
		counts[b] = 0;
	size_t counted = 0;
	double width = (hi - lo) / (double)nbins;
	for (size_t i = 0; i < n; i++) {
		if (!(v[i] >= lo && v[i] <= hi))
			continue;
		size_t b = (size_t)((v[i] - lo) / width);
		if (b >= nbins)
			b = nbins - 1;
		counts[b]++;
		counted++;
	}
	return counted;
}

double stats_cv(const double *v, size_t n)
{
	double m = stats_mean(v, n);
	return n < 2 || m == 0 ? NAN : stats_stddev(v, n) / fabs(m);
}

/* A sorted copy of v's finite values, its count in *k; NULL if out of memory. */
static double *finite_copy(const double *v, size_t n, size_t *k)
{
	double *c = malloc((n ? n : 1) * sizeof *c);
	*k = 0;
	for (size_t i = 0; c && i < n; i++)
		if (isfinite(v[i]))
			c[(*k)++] = v[i];
	if (c)
		stats_sort(c, *k);
	return c;
}

/* MAD of sorted[0..n) around its median m; scratch holds n doubles. */
static double mad_sorted(const double *sorted, size_t n, double m, double *scratch)
{
	for (size_t i = 0; i < n; i++)
		scratch[i] = fabs(sorted[i] - m);
	return stats_median(scratch, n);
}

double stats_mad(const double *v, size_t n)
{
	size_t k;
	double *c = finite_copy(v, n, &k), *d = malloc((n ? n : 1) * sizeof *d);
	double mad = NAN;
	if (c && d && k > 0)
		mad = mad_sorted(c, k, stats_median(c, k), d);
	free(c);
	free(d);
	return mad;
}

size_t stats_outliers(const double *v, size_t n)
{
	stats_spread s;
	return stats_spread_of(v, n, &s) < 0 ? 0 : s.outliers;
}

int stats_spread_of(const double *v, size_t n, stats_spread *out)
{
	size_t k;
	double *c = finite_copy(v, n, &k);
	double *d = malloc((n ? n : 1) * sizeof *d);

	*out = (stats_spread){ 0, NAN, NAN, NAN, NAN, NAN, NAN, 0 };
	if (!c || !d) {
		free(c);
		free(d);
		return -1;
	}
	out->n = k;
	if (k > 0) {
		out->median = stats_median(c, k);
		out->min = c[0];
		out->max = c[k - 1];
		out->mean = stats_mean(c, k);
		out->stddev = stats_stddev(c, k);
		out->cv = stats_cv(c, k);
		double scale = 1.4826 * mad_sorted(c, k, out->median, d);
		for (size_t i = 0; i < k; i++) {
			double dev = fabs(c[i] - out->median);
			if (dev > STATS_OUTLIER_K * scale &&
			    dev > STATS_OUTLIER_FLOOR * fabs(out->median))
				out->outliers++;
		}
	}
	free(c);
	free(d);
	return 0;
}

int stats_noisy(const stats_spread *s)
{
	return s->n >= 2 && (s->cv > STATS_NOISY_CV || s->outliers > 0);
}

int stats_same_group(const res_run *a, const res_run *b)
{
	return strcmp(a->workload, b->workload) == 0 && strcmp(a->params, b->params) == 0 &&
	       strcmp(a->model, b->model) == 0 && a->concurrency == b->concurrency;
}

int stats_spread_runs(const res_run *runs, const size_t *idx, size_t k, metric_id m,
		      stats_spread *out)
{
	double *v = malloc((k ? k : 1) * sizeof *v);
	size_t j = 0;
	for (size_t i = 0; v && i < k; i++)
		if (strcmp(runs[idx[i]].status, "ok") == 0)
			v[j++] = metric_value(m, &runs[idx[i]]);
	int rc = stats_spread_of(v ? v : (double[1]){ 0 }, v ? j : 0, out);
	free(v);
	return v ? rc : -1;
}

int stats_group(const res_run *runs, size_t n, const res_run *key, metric_id m, stats_spread *out)
{
	size_t *idx = malloc((n ? n : 1) * sizeof *idx), k = 0;
	for (size_t i = 0; idx && i < n; i++)
		if (stats_same_group(&runs[i], key))
			idx[k++] = i;
	int rc = stats_spread_runs(runs, idx ? idx : (size_t[1]){ 0 }, idx ? k : 0, m, out);
	free(idx);
	return idx ? rc : -1;
}

/* By group key, then by place in the array: a group's runs stay in order. */
static int cmp_run(const void *a, const void *b)
{
	const res_run *x = *(const res_run *const *)a, *y = *(const res_run *const *)b;
	int c = strcmp(x->workload, y->workload);
	if (!c)
		c = strcmp(x->params, y->params);
	if (!c)
		c = strcmp(x->model, y->model);
	if (!c)
		c = (x->concurrency > y->concurrency) - (x->concurrency < y->concurrency);
	return c ? c : (x > y) - (x < y);
}

typedef struct {
	const res_run *first; /* the group's first run: where it appears in runs */
	size_t at, len;       /* its slice of the sorted runs */
} slice;

static int cmp_slice(const void *a, const void *b)
{
	const slice *x = a, *y = b;
	return (x->first > y->first) - (x->first < y->first);
}

size_t stats_group_index(const res_run *runs, size_t n, size_t *order, size_t *start)
{
	const res_run **p = malloc((n ? n : 1) * sizeof *p);
	slice *g = malloc((n ? n : 1) * sizeof *g);
	size_t ng = 0;

	if (!p || !g) {
		free(p);
		free(g);
		return (size_t)-1;
	}
	for (size_t i = 0; i < n; i++)
		p[i] = &runs[i];
	qsort(p, n, sizeof *p, cmp_run);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || !stats_same_group(p[i - 1], p[i]))
			g[ng++] = (slice){ p[i], i, 0 };
		g[ng - 1].len++;
	}
	qsort(g, ng, sizeof *g, cmp_slice);
	start[0] = 0;
	for (size_t k = 0, o = 0; k < ng; k++) {
		for (size_t i = 0; i < g[k].len; i++)
			order[o++] = (size_t)(p[g[k].at + i] - runs);
		start[k + 1] = start[k] + g[k].len;
	}
	free(p);
	free(g);
	return ng;
}

static double span_s(uint64_t from_ns, uint64_t to_ns)
{
	return (double)(int64_t)(to_ns - from_ns) / 1e9;
}

int stats_from_table(res_run *r, const model_table *t)
{
	size_t n = t->n, ran = 0, ok = 0, errors = 0;
	uint64_t last_end = 0, digest = 0;
	double *lat = NULL, *svc = NULL;

	if (n > 0) {
		if (n > SIZE_MAX / (2 * sizeof(double)))
			return -1;
		lat = malloc(2 * n * sizeof(double));
		if (!lat)
			return -1;
		svc = lat + n;
	}
	for (size_t i = 0; i < n; i++) {
		const model_task *k = &t->task[i];
		unsigned runs = atomic_load(&k->runs);
		if (k->err != 0 || runs != 1)
			errors++;
		if (runs == 1 && k->err == 0) {
			digest = wl_run_digest_add(digest, i, k->digest);
			ok++;
		}
		if (runs == 0)
			continue;
		if (ran == 0 || (int64_t)(k->end_ns - last_end) > 0)
			last_end = k->end_ns;
		lat[ran] = span_s(t->t0_ns, k->end_ns);
		svc[ran] = span_s(k->start_ns, k->end_ns);
		ran++;
	}

	r->makespan_s = ran ? span_s(t->t0_ns, last_end) : NAN;
	r->throughput_per_s = (n > 0 && r->makespan_s > 0) ? (double)ok / r->makespan_s : NAN;
	r->errors = errors;
	r->digest = digest;

	stats_sort(lat, ran);
	stats_sort(svc, ran);
	r->lat_mean_s = stats_mean(lat, ran);
	r->lat_p50_s = stats_percentile(lat, ran, 50);
	r->lat_p90_s = stats_percentile(lat, ran, 90);
	r->lat_p99_s = stats_percentile(lat, ran, 99);
	r->lat_max_s = stats_percentile(lat, ran, 100);
	r->svc_mean_s = stats_mean(svc, ran);
	r->svc_p50_s = stats_percentile(svc, ran, 50);
	r->svc_p99_s = stats_percentile(svc, ran, 99);
	free(lat);
	return 0;
}

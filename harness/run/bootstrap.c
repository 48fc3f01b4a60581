/*
 * bootstrap.c - the percentile bootstrap of a ratio of medians: draw each
 * group's reps again with replacement, take the ratio of the two medians,
 * repeat, and read the interval off the sorted ratios. The PRNG is
 * splitmix64 from a seed the caller fixes, so a verdict is reproducible.
 */
#include "harness/run/bootstrap.h"

#include <math.h>
#include <stdlib.h>

#include "harness/run/stats.h"

uint64_t bootstrap_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The median of n values drawn with replacement from v, using tmp[0..n). */
static double resample_median(const double *v, size_t n, double *tmp, uint64_t *s)
{
	for (size_t i = 0; i < n; i++)
		tmp[i] = v[bootstrap_next(s) % n];
	return stats_median(tmp, n);
}

/* Linear interpolation between the order statistics of sorted[0..n). */
static double quantile(const double *sorted, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t i = (size_t)pos;
	if (i + 1 >= n)
		return sorted[n - 1];
	return sorted[i] + (pos - (double)i) * (sorted[i + 1] - sorted[i]);
}

int bootstrap_ratio_ci(const double *a, size_t na, const double *b, size_t nb, int b_count,
		       double level, uint64_t seed, double *lo, double *hi)
{
	*lo = *hi = NAN;
	if (!na || !nb || b_count < 1 || !(level > 0 && level < 1))
		return -1;
	double *tmp = malloc((na > nb ? na : nb) * sizeof *tmp);
	double *r = malloc((size_t)b_count * sizeof *r);
	if (!tmp || !r) {
		free(tmp);
		free(r);
		return -1;
	}
	uint64_t s = seed;
	size_t k = 0;
	for (int i = 0; i < b_count; i++) {
		double x = resample_median(a, na, tmp, &s) / resample_median(b, nb, tmp, &s);
		if (!isnan(x))
			r[k++] = x;
	}
	free(tmp);
	if (k) {
		stats_sort(r, k);
		*lo = quantile(r, k, (1 - level) / 2);
		*hi = quantile(r, k, 1 - (1 - level) / 2);
	}
	free(r);
	return k ? 0 : -1;
}

/*
 * hist.c - log-linear latency histograms (see hist.h).
 *
 * The index of a value v is its position in a number line that is linear
 * up to 2^11 and logarithmic-then-linear above: for v >= 2^11 with its top
 * bit at e, the 10 bits just below the top bit pick the sub-bucket, so
 *
 *	index = 2^11 + (e - 11) * 2^10 + ((v >> (e - 10)) - 2^10)
 *
 * and a bucket spans 2^(e-10) values, 1/1024 of its lowest. This is
 * HdrHistogram's layout with 3 significant digits, written small: no unit
 * magnitude, no auto-resize, one counter array.
 */
#include "harness/load/hist.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LIN_END ((uint64_t)1 << LOAD_HIST_LINEAR)
#define SUBS    ((uint64_t)1 << LOAD_HIST_SUBBITS)

int load_hist_init(load_hist *h, int exact)
{
	memset(h, 0, sizeof *h);
	h->count = calloc(LOAD_HIST_BUCKETS, sizeof *h->count);
	h->exact = exact;
	h->sorted = 1;
	return h->count ? 0 : -1;
}

void load_hist_free(load_hist *h)
{
	free(h->count);
	free(h->sample);
	memset(h, 0, sizeof *h);
}

size_t load_hist_index(uint64_t v)
{
	if (v < LIN_END)
		return (size_t)v;
	int e = 63 - __builtin_clzll(v);
	if (e >= LOAD_HIST_TOPBIT)
		return LOAD_HIST_BUCKETS - 1;
	uint64_t sub = (v >> (e - LOAD_HIST_SUBBITS)) - SUBS;
	return (size_t)(LIN_END + (uint64_t)(e - LOAD_HIST_LINEAR) * SUBS + sub);
}

uint64_t load_hist_lowest(size_t i)
{
	if (i < LIN_END)
		return i;
	uint64_t k = i - LIN_END;
	int e = LOAD_HIST_LINEAR + (int)(k / SUBS);
	return (SUBS + k % SUBS) << (e - LOAD_HIST_SUBBITS);
}

uint64_t load_hist_highest(size_t i)
{
	if (i < LIN_END)
		return i;
	if (i >= LOAD_HIST_BUCKETS - 1)
		return UINT64_MAX;
	int e = LOAD_HIST_LINEAR + (int)((i - LIN_END) / SUBS);
	return load_hist_lowest(i) + ((uint64_t)1 << (e - LOAD_HIST_SUBBITS)) - 1;
}

/* Keep v in exact mode's array, growing it by doubling. */
static int keep(load_hist *h, uint64_t v)
{
	if (h->n > h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 1024;
		while (cap < h->n)
			cap *= 2;
		uint64_t *s = realloc(h->sample, cap * sizeof *s);
		if (!s) {
			h->exact = 0; /* answer from the buckets from now on */
			free(h->sample);
			h->sample = NULL;
			h->cap = 0;
			return -1;
		}
		h->sample = s;
		h->cap = cap;
	}
	h->sample[h->n - 1] = v;
	h->sorted = 0;
	return 0;
}

int load_hist_record(load_hist *h, uint64_t v)
{
	h->count[load_hist_index(v)]++;
	if (!h->n || v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	h->n++;
	double d = (double)v - h->mean;
	h->mean += d / (double)h->n;
	h->m2 += d * ((double)v - h->mean);
	return h->exact ? keep(h, v) : 0;
}

int load_hist_merge(load_hist *dst, const load_hist *src)
{
	if (!src->n)
		return 0;
	for (size_t i = 0; i < LOAD_HIST_BUCKETS; i++)
		dst->count[i] += src->count[i];
	if (!dst->n || src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
	/* Chan et al.'s pairwise update of mean and M2. */
	double na = (double)dst->n, nb = (double)src->n, d = src->mean - dst->mean;
	uint64_t had = dst->n;
	dst->n += src->n;
	dst->mean += d * nb / (na + nb);
	dst->m2 += src->m2 + d * d * na * nb / (na + nb);
	if (dst->exact && !src->exact) {
		free(dst->sample);
		dst->sample = NULL;
		dst->cap = 0;
		dst->exact = 0;
	}
	if (!dst->exact)
		return 0;
	uint64_t *s = realloc(dst->sample, (size_t)dst->n * sizeof *s);
	if (!s) {
		dst->exact = 0;
		return -1;
	}
	memcpy(s + had, src->sample, (size_t)src->n * sizeof *s);
	dst->sample = s;
	dst->cap = (size_t)dst->n;
	dst->sorted = 0;
	return 0;
}

double load_hist_mean(const load_hist *h)
{
	return h->n ? h->mean : NAN;
}

double load_hist_stddev(const load_hist *h)
{
	return h->n > 1 ? sqrt(h->m2 / (double)(h->n - 1)) : NAN;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* ceil(p/100 * n), in 1..n. */
static uint64_t rank_of(const load_hist *h, double p)
{
	double r = ceil(p / 100.0 * (double)h->n - 1e-9);
	if (r < 1)
		return 1;
	return r > (double)h->n ? h->n : (uint64_t)r;
}

static uint64_t value_of_rank(load_hist *h, uint64_t rank)
{
	if (h->exact) {
		if (!h->sorted)
			qsort(h->sample, (size_t)h->n, sizeof *h->sample, cmp_u64);
		h->sorted = 1;
		return h->sample[rank - 1];
	}
	if (rank == h->n) /* the extremes are known exactly */
		return h->max;
	if (rank == 1)
		return h->min;
	uint64_t seen = 0;
	size_t i = 0;
	for (; i < LOAD_HIST_BUCKETS - 1; i++)
		if ((seen += h->count[i]) >= rank)
			break;
	uint64_t lo = load_hist_lowest(i), hi = load_hist_highest(i);
	uint64_t v = lo + (hi - lo) / 2;
	return v < h->min ? h->min : v > h->max ? h->max : v;
}

uint64_t load_hist_value_at(load_hist *h, double p)
{
	if (!h->n)
		return 0;
	return value_of_rank(h, rank_of(h, p));
}

size_t load_hist_spectrum(load_hist *h, int ticks, load_pctl *out, size_t max)
{
	size_t k = 0;
	double p = 0;

	if (!h->n || ticks < 1)
		return 0;
	while (k < max) {
		uint64_t rank = rank_of(h, p);
		out[k++] = (load_pctl){ p, value_of_rank(h, rank), rank };
		if (rank == h->n)
			break;
		/* HdrHistogram's percentile iterator: `ticks` steps per halving */
		double half = pow(2, floor(log2(100.0 / (100.0 - p))) + 1);
		p += 100.0 / (ticks * half);
	}
	if (k < max && out[k - 1].pct < 100)
		out[k++] = (load_pctl){ 100, h->max, h->n };
	return k;
}

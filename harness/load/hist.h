/*
 * hist.h - latency histograms for the load generator: log-linear buckets
 * with a relative error under 0.1 %, mergeable across threads, or every
 * sample kept (exact mode).
 *
 * A load run records millions of latencies; keeping each one would cost
 * 8 bytes a request and a sort at the end. HdrHistogram's idea keeps a fixed
 * table instead: values below 2^11 ns get a bucket each, and every power of
 * two above is cut into 1024 equal sub-buckets, so a bucket is never wider
 * than 1/1024 of the values in it (0.098 %). The table is 31,745 counters
 * (248 KiB) for values up to 2^40 ns (18 minutes); longer ones count in the
 * top bucket, and min and max are kept exact. Two histograms merge by adding
 * counters, so each thread records into its own without locks.
 *
 * Percentiles use the nearest rank (stats.h's rule): the value of the
 * ceil(p/100 * n)-th smallest sample; from the buckets that is the middle of
 * its bucket (within 0.05 % of the sample), clamped to [min, max], and the
 * first and last rank are min and max themselves. Exact
 * mode keeps the samples too and answers from them, for short -n runs.
 */
#ifndef CB_LOAD_HIST_H
#define CB_LOAD_HIST_H

#include <stddef.h>
#include <stdint.h>

#define LOAD_HIST_LINEAR  11 /* values below 2^11 ns have a bucket each */
#define LOAD_HIST_SUBBITS 10 /* 2^10 sub-buckets per power of two above */
#define LOAD_HIST_TOPBIT  40 /* values from 2^40 ns share the top bucket */
/* the linear buckets, 1024 per power of two, and one for 2^40 ns and over */
#define LOAD_HIST_BUCKETS                                                                          \
	((1u << LOAD_HIST_LINEAR) +                                                                \
	 (LOAD_HIST_TOPBIT - LOAD_HIST_LINEAR) * (1u << LOAD_HIST_SUBBITS) + 1)

typedef struct {
	uint64_t *count; /* LOAD_HIST_BUCKETS counters */
	uint64_t n, min, max;
	double mean, m2; /* Welford's running mean and sum of squared deviations */
	/* exact mode: every sample, sorted when a percentile is asked for */
	int exact, sorted;
	uint64_t *sample;
	size_t cap;
} load_hist;

/* One point of the percentile spectrum (load_hist_spectrum). */
typedef struct {
	double pct;     /* 0 .. 100 */
	uint64_t value; /* ns */
	uint64_t rank;  /* the sample's nearest rank, 1 .. n */
} load_pctl;

/* 0, or -1 when memory ran out. exact: keep every sample as well. */
int load_hist_init(load_hist *h, int exact);
void load_hist_free(load_hist *h);
/* Record one latency (ns). 0, or -1 when exact mode ran out of memory
 * (the sample still counts in the buckets). */
int load_hist_record(load_hist *h, uint64_t ns);
/* Add everything src holds to dst (both exact, or dst's samples are
 * dropped and dst answers from its buckets). 0, or -1 out of memory. */
int load_hist_merge(load_hist *dst, const load_hist *src);

/* The bucket of a value, and the lowest and highest value of a bucket. */
size_t load_hist_index(uint64_t ns);
uint64_t load_hist_lowest(size_t index);
uint64_t load_hist_highest(size_t index);

double load_hist_mean(const load_hist *h);   /* NAN when empty */
double load_hist_stddev(const load_hist *h); /* sample stdev; NAN when n < 2 */
/* Nearest rank value at p (0..100); 0 when empty. */
uint64_t load_hist_value_at(load_hist *h, double p);

/* The spectrum as wrk2's --latency prints it: from p0, each halving of
 * the distance to 100 % in `ticks` steps (50, 75, 87.5, ...), until the
 * last sample; then 100 %. Fills at most max points; returns how many. */
size_t load_hist_spectrum(load_hist *h, int ticks, load_pctl *out, size_t max);

#endif

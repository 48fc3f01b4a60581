/*
 * bootstrap.h - a bootstrap confidence interval for the ratio of two
 * medians (the reps of a numerator group over those of a denominator),
 * with a small fixed-seed PRNG so the same inputs give the same interval.
 */
#ifndef CB_BOOTSTRAP_H
#define CB_BOOTSTRAP_H

#include <stddef.h>
#include <stdint.h>

#define BOOTSTRAP_B 2000 /* resamples, unless the caller asks for another count */

/* splitmix64: the next value of the state *s. */
uint64_t bootstrap_next(uint64_t *s);

/* The interval of median(a) / median(b) at level (0.95: the 2.5th and 97.5th
 * percentiles of b_count resamples, each of a and of b drawn independently
 * with replacement). A denominator that is one value (a constant) is b with
 * nb == 1. Resamples whose ratio is not a number are skipped. 0 with *lo and
 * *hi set, or -1 (no values, or out of memory) with both NAN. */
int bootstrap_ratio_ci(const double *a, size_t na, const double *b, size_t nb, int b_count,
		       double level, uint64_t seed, double *lo, double *hi);

#endif

/*
 * verdict.h - a suite judged on its results: each expectation and matrix
 * row evaluated (reproduced, not reproduced, inconclusive, or n/a with the
 * reason), and the claim's verdict from them.
 */
#ifndef CB_VERDICT_H
#define CB_VERDICT_H

#include <stddef.h>

#include "harness/run/result.h"
#include "harness/suite/expr.h"
#include "harness/suite/suite.h"

/* Inconclusive: the ratio's confidence interval crosses an edge of the band. */
typedef enum {
	VERDICT_REPRODUCED,
	VERDICT_NOT_REPRODUCED,
	VERDICT_NA,
	VERDICT_INCONCLUSIVE,
	VERDICT_N /* how many verdicts there are */
} verdict;
/* "reproduced", "not reproduced", "n/a", "inconclusive" */
const char *verdict_name(verdict v);

#define VERDICT_LEVEL 0.95 /* of an expectation's bootstrap interval */

/* An expectation judged: reproduced when the ratio's 95 % bootstrap interval
 * over reps lies inside the band, not reproduced when it lies outside,
 * inconclusive when it crosses an edge. */
typedef struct {
	verdict v;
	double value;  /* the measured ratio (of medians), NaN when n/a */
	double lo, hi; /* its interval, NaN when n/a */
	int reps;      /* the fewer reps of the two groups (numerator's alone over a constant) */
	char msg[400]; /* "0.334 in 0.25..0.45 (95% CI ...) = coro@8 3.00 s / ...", or why n/a */
} verdict_ex;

#define VERDICT_MAX_MODELS 16
/* A matrix row measured and judged: every model's figure, best first. */
typedef struct {
	verdict v;
	unsigned c; /* the concurrency it was read at */
	int n;
	struct {
		char model[64];
		double value;
	} m[VERDICT_MAX_MODELS];
	char msg[400]; /* "prefork 0.21 s is the best" or why not / n/a */
} verdict_mx;

/* Evaluate e on runs[0..n) (the suite's results). */
verdict_ex verdict_expect(const expr_expect *e, const res_run *runs, size_t n);
/* Do the suite's needs hold on a machine that delivered `cores` cores (the
 * effective parallelism measured, or the count when it was not)? At least
 * 90 % of N cores counts as N (1.85 -> 2, 1.75 -> 1, 1.1 -> 1, a count of 9
 * stays 9); NaN counts as holding. 1, or 0 with the reason in why:
 * "needs cores >= 2: the machine delivered 1.1 cores". */
int verdict_needs_ok(const suite *s, double cores, char *why, size_t len);
/* Evaluate every expectation of s into res[0..s->nex) (all n/a with the
 * reason when a need fails) and every row into mx[0..s->nrows), and return
 * the claim's verdict, as verdict_combine() gives it. */
verdict verdict_suite(const suite *s, const res_run *runs, size_t n, double cores, verdict_ex *res,
		      verdict_mx *mx);
/* The verdict of several: not reproduced if one is, else inconclusive if one
 * is, else n/a if one is, else reproduced. */
verdict verdict_combine(const verdict_ex *res, size_t n);

#endif

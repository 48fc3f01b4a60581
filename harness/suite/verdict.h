/*
 * verdict.h - a suite judged on its results: each expectation and matrix
 * row evaluated (reproduced, not reproduced, or n/a with the reason), and
 * the claim's verdict from them.
 */
#ifndef CB_VERDICT_H
#define CB_VERDICT_H

#include <stddef.h>

#include "harness/run/result.h"
#include "harness/suite/expr.h"
#include "harness/suite/suite.h"

typedef enum { VERDICT_REPRODUCED, VERDICT_NOT_REPRODUCED, VERDICT_NA } verdict;
const char *verdict_name(verdict v); /* "reproduced", "not reproduced", "n/a" */

/* An expectation judged. */
typedef struct {
	verdict v;
	double value;  /* the measured ratio, NaN when n/a */
	char msg[400]; /* "0.334 = coro 3.00 s / sequential 9.01 s", or why n/a */
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
/* Evaluate a row: reproduced when a chosen model is the best or within the
 * row's tolerance of it (the tie rule), and the row's contrast holds: it
 * beats each "beats" model by the margin, and no "not worst" model is the
 * worst; n/a when no model has a figure, none of the chosen ones ran, or a
 * "beats" model has no figure. Lower is better, or higher, as the metric
 * table says. */
verdict_mx verdict_row(const expr_row *row, const res_run *runs, size_t n);
/* Do the suite's needs hold on a machine with `cores` cores? 1, or 0 with the
 * reason in why. */
int verdict_needs_ok(const suite *s, int cores, char *why, size_t len);
/* Evaluate every expectation of s into res[0..s->nex) (all n/a with the
 * reason when a need fails) and every row into mx[0..s->nrows), and return
 * the claim's verdict: reproduced if all are, n/a if any is n/a and none
 * failed, else not reproduced. */
verdict verdict_suite(const suite *s, const res_run *runs, size_t n, int cores, verdict_ex *res,
		      verdict_mx *mx);
/* The verdict of several: not reproduced if one is, else n/a if one is. */
verdict verdict_combine(const verdict_ex *res, size_t n);

#endif

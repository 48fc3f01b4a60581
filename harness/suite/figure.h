/*
 * figure.h - a suite term's figure read from a sweep's rows (figure.c): which
 * runs a term means (model as written or by kind, workload by kind and
 * parameters) and the median of its metric over their ok reps.
 */
#ifndef CB_FIGURE_H
#define CB_FIGURE_H

#include <stddef.h>

#include "harness/run/result.h"
#include "harness/suite/expr.h"

/* Does a run's model (as written: "threads:stack=64k") match want: the same
 * text, or the name before its ':' ("threads") when none of the n runs is
 * of want as written (so "epoll" beside "epoll:loops=2" is epoll alone)? */
int figure_model_matches(const char *run_model, const char *want, const res_run *runs, size_t n);
/* Does run r belong to the workload want names ("" : any; "fib"; or
 * "switch:mode=pipe", the kind and parameters the run must have)? */
int figure_workload_matches(const res_run *r, const char *want);
/* Is r a run of t's workload at the server sweep step t names (n=, rate=)? */
int figure_term_matches(const expr_term *t, const res_run *r);
/* The median of t's metric over the ok reps of model at t's C (or the
 * largest C every rep shares), or NaN with why; *c_used gets the C read,
 * *failed is set when runs exist but none is ok. */
double figure_value(const expr_term *t, const char *model, const res_run *runs, size_t n,
		    unsigned *c_used, int *failed, char *why, size_t len);

#endif

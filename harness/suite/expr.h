/*
 * expr.h - the expression grammar of suite files: an expectation
 * ("makespan(coro) / makespan(sequential) in 0.25..0.45 : why") and a row
 * of a decision matrix ("makespan(* on fib) best prefork within 10% : CPU-
 * bound work"). The format is described at the top of suite.c.
 */
#ifndef CB_EXPR_H
#define CB_EXPR_H

#include <stddef.h>

#include "harness/run/metric.h"

#define EXPR_TEXT    512 /* an expression as written, and its why */
#define EXPR_CHOICES 8   /* models a matrix row may name after "best" */

/* METRIC(MODEL[@C] [n=N] [rate=R|closed] [on WORKLOAD]); c == 0: the
 * sweep's largest C (of the runs of that workload and N). n and rate pick a
 * server sweep's step: n its connections (N), rate its open-loop rate
 * (closed: a closed loop); n == 0, rate unset: any. workload "" matches any, when the results hold
 * one workload; "switch" a kind; "switch:mode=pipe" a kind whose params
 * include each key=value given. In a matrix row, model is "*": every model. */
typedef struct {
	metric_id metric;
	char model[64];
	unsigned c;
	size_t n;       /* 0: any */
	int rate_set;   /* rate given: 1 */
	double rate;    /* requests/s; 0: closed loop */
	char workload[128];
} expr_term;

typedef enum { EXPR_DEN_TERM, EXPR_DEN_DELAY, EXPR_DEN_CONST } expr_den_kind;

/* TERM / TERM, TERM / delay or TERM / CONST, in LO..HI. */
typedef struct {
	expr_term num;
	expr_den_kind den_kind;
	expr_term den; /* EXPR_DEN_TERM */
	double k;      /* EXPR_DEN_CONST */
	double lo, hi;
	char text[EXPR_TEXT]; /* the expression as written, before ':' */
	char why[EXPR_TEXT];  /* after ':' */
	int line;
} expr_expect;

/* A row of a decision matrix: for one class of workload, which model the
 * claim says to choose, how close to the measured best it must come, and
 * the contrast the claim is about: the models it must beat, and by how much
 * ("beats sequential by 30%"), and the ones none of which may be the worst
 * ("not worst epoll|coro"). */
typedef struct {
	expr_term term;                /* METRIC(*[@C] on WORKLOAD) */
	char choice[EXPR_CHOICES][64]; /* "epoll|coro": any of these */
	int nchoice;
	double within;                /* tolerance as a fraction: 0.10 */
	char beats[EXPR_CHOICES][64]; /* "beats sequential|threads+gil" */
	int nbeats;
	double margin;                   /* "by 30%": 0.30 */
	char notworst[EXPR_CHOICES][64]; /* "not worst epoll|coro" */
	int nnotworst;
	char text[EXPR_TEXT];  /* as written, before ':' */
	char label[EXPR_TEXT]; /* after ':': the workload class */
	int line;
} expr_row;

/* Parse one expectation; 0, or -1 with a message in err (no file:line). */
int expr_parse_expect(const char *text, expr_expect *e, char *err, size_t errlen);
/* Parse a matrix row; 0, or -1 with a message in err. */
int expr_parse_row(const char *text, expr_row *row, char *err, size_t errlen);

#endif

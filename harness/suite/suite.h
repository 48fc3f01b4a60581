/*
 * suite.h - suite files: a claim, the sweep that tests it, and expectations
 * on its results that say whether the claim was reproduced. The file format
 * is described at the top of suite.c.
 */
#ifndef CB_SUITE_H
#define CB_SUITE_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/run/result.h"

#define SUITE_MAX_EXPECT 16
#define SUITE_MAX_CHARTS 8
#define SUITE_MAX_NEEDS  4
#define SUITE_MAX_SWEEPS 4
#define SUITE_MAX_ROWS   8
#define SUITE_TEXT       512

typedef enum { EX_MAKESPAN, EX_THROUGHPUT, EX_P50, EX_P99, EX_CPU, EX_RSS, EX_CTX } ex_metric;
const char *metric_label(ex_metric m); /* "makespan" */
/* A metric's value for people: "3.2 ms", "120/s", "2048 KiB", "17". */
const char *metric_format(ex_metric m, double v, char *buf, size_t len);

/* METRIC(MODEL[@C] [on WORKLOAD]); c == 0: the sweep's largest C (of the
 * runs of that workload). workload "" matches any, when the results hold
 * one workload; "switch" a kind; "switch:mode=pipe" a kind whose params
 * include each key=value given. In a matrix row, model is "*": every model. */
typedef struct {
	ex_metric metric;
	char model[64];
	unsigned c;
	char workload[128];
} ex_term;

typedef enum { EX_DEN_TERM, EX_DEN_DELAY, EX_DEN_CONST } ex_den_kind;

typedef struct {
	ex_term num;
	ex_den_kind den_kind;
	ex_term den; /* EX_DEN_TERM */
	double k;    /* EX_DEN_CONST */
	double lo, hi;
	char text[SUITE_TEXT]; /* the expression as written, before ':' */
	char why[SUITE_TEXT];  /* after ':' */
	int line;
} suite_expect;

/* A row of a decision matrix: for one class of workload, which model the
 * claim says to choose, and how close to the measured best it must come. */
typedef struct {
	ex_term term;       /* METRIC(*[@C] on WORKLOAD) */
	char choice[8][64]; /* "epoll|coro": any of these */
	int nchoice;
	double within;          /* tolerance as a fraction: 0.10 */
	char text[SUITE_TEXT];  /* as written, before ':' */
	char label[SUITE_TEXT]; /* after ':': the workload class */
	int line;
} suite_row;

typedef struct {
	char what[16]; /* "cores" */
	char op[4];    /* >= > <= < == */
	long value;
	char text[128];
} suite_need;

typedef struct {
	char file[256]; /* where it came from: a path or "builtin:NAME" */
	char name[64];
	char claim[SUITE_TEXT], source[SUITE_TEXT], book[SUITE_TEXT];
	/* One sweep per full/quick pair: a claim whose classes need different
	 * sizes (L13: 8 CPU-bound tasks, 5,000 slow waits) runs several. */
	char full[SUITE_MAX_SWEEPS][SUITE_TEXT], quick[SUITE_MAX_SWEEPS][SUITE_TEXT];
	int nsweeps;
	char charts[SUITE_MAX_CHARTS][64];
	int ncharts;
	suite_expect ex[SUITE_MAX_EXPECT];
	int nex;
	suite_need needs[SUITE_MAX_NEEDS];
	int nneeds;
	suite_row rows[SUITE_MAX_ROWS];
	int nrows;
} suite;

/* Parse a suite's text; file names it in messages. 0, or -1 with
 * "FILE:LINE: what is wrong" in err (LINE 0 for something missing).
 * The full and quick lines are checked with the run option parser. */
int suite_parse(const char *text, const char *file, suite *s, char *err, size_t errlen);
/* A built-in suite by name (L5), or else a file by path. 0, or -1 with err. */
int suite_load(const char *name_or_file, suite *s, char *err, size_t errlen);
/* Every *.suite file of dir, sorted by name, into a malloc'd array; 0 or -1. */
int suite_load_dir(const char *dir, suite **out, size_t *n, char *err, size_t errlen);
/* The built-in suites, compiled in from the .suite files of harness/suite/builtin. */
size_t suite_builtin_count(void);
const char *suite_builtin_name(size_t i);
const char *suite_builtin_text(size_t i);

/* Split a line of run options into words (whitespace; '...' and "..." quote).
 * Returns the count, or -1 if more than max or a quote is left open. The
 * words point into buf, which receives a copy of text. */
int suite_words(const char *text, char *buf, size_t buflen, char **words, int max);

/* Parse one expectation ("makespan(coro) / makespan(sequential) in 0.25..0.45
 * : why"); 0, or -1 with a message in err (no file:line). */
int expect_parse(const char *text, suite_expect *e, char *err, size_t errlen);

typedef enum { V_REPRODUCED, V_NOT_REPRODUCED, V_NA } verdict;
const char *verdict_name(verdict v); /* "reproduced", "not reproduced", "n/a" */

typedef struct {
	verdict v;
	double value;  /* the measured ratio, NaN when n/a */
	char msg[400]; /* "0.334 = coro 3.00 s / sequential 9.01 s", or why n/a */
} ex_result;

/* Evaluate e on runs[0..n) (the suite's results). */
ex_result expect_eval(const suite_expect *e, const res_run *runs, size_t n);

/* Parse a matrix row ("makespan(* on fib) best prefork within 10% : CPU-bound
 * work"); 0, or -1 with a message in err. */
int row_parse(const char *text, suite_row *row, char *err, size_t errlen);

#define MX_MAX_MODELS 16
/* A matrix row measured: every model's figure, best first. */
typedef struct {
	verdict v;
	unsigned c; /* the concurrency it was read at */
	int n;
	struct {
		char model[64];
		double value;
	} m[MX_MAX_MODELS];
	char msg[400]; /* "prefork 0.21 s is the best" or why not / n/a */
} mx_result;

/* Evaluate a row: reproduced when a chosen model is the best or within the
 * row's tolerance of it; n/a when no model has a figure or none of the
 * chosen ones ran. Lower is better, but for throughput. */
mx_result row_eval(const suite_row *row, const res_run *runs, size_t n);
/* Do the suite's needs hold on a machine with `cores` cores? 1, or 0 with the
 * reason in why. */
int suite_needs_ok(const suite *s, int cores, char *why, size_t len);
/* Evaluate every expectation of s into res[0..s->nex) (all n/a with the
 * reason when a need fails) and return the claim's verdict: reproduced if all
 * are, n/a if any is n/a and none failed, else not reproduced. */
verdict suite_eval(const suite *s, const res_run *runs, size_t n, int cores, ex_result *res,
		   mx_result *mx);
verdict verdict_combine(const ex_result *res, size_t n);

/* The outcome of running a suite. */
typedef struct {
	int sweep_rc;                    /* the last sweep_run()'s exit status */
	char dir[SUITE_MAX_SWEEPS][512]; /* each sweep's results directory, "" if none */
	char what[SUITE_MAX_SWEEPS][32]; /* the kind of its (first) workload: "fib" */
	int ndirs;
	verdict v;
	ex_result res[SUITE_MAX_EXPECT];
	mx_result mx[SUITE_MAX_ROWS];
} suite_outcome;

/* Run s's sweep (quick or full size) under out_root (results/<name>/<stamp>/),
 * then evaluate it. Sweep output goes to out, diagnostics to diag. Returns
 * 0, or 2 if the suite's options are bad (message on diag), 130 if stopped. */
int suite_run(const suite *s, int quick, const char *out_root, int no_plot,
	      volatile sig_atomic_t *stop, FILE *out, FILE *diag, suite_outcome *o);
/* Print the expectations with their verdicts, and the claim's. */
void suite_print(FILE *f, const suite *s, const suite_outcome *o);

#endif

/*
 * test_matrix.c - decision-matrix rows that cannot pass by accident: the
 * contrast a row names ("beats sequential by 30%", "not worst coro") on
 * fixed figures, the L13 cases that once passed wrongly, and the grammar's
 * errors. Nothing here depends on timing.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/suite/expr.h"
#include "harness/suite/matrix.h"
#include "harness/suite/verdict.h"
#include "tests/testutil.h"

/* One ok run of model on workload wl at C=8 with makespan and rss. */
static res_run mk(const char *model, const char *wl, double makespan, long rss_kib)
{
	res_run r;
	memset(&r, 0, sizeof r);
	snprintf(r.model, sizeof r.model, "%s", model);
	snprintf(r.workload, sizeof r.workload, "%s", wl);
	snprintf(r.status, sizeof r.status, "ok");
	r.concurrency = 8;
	r.tasks = 16;
	r.makespan_s = makespan;
	r.throughput_per_s = 16 / makespan;
	r.max_rss_kib = rss_kib;
	return r;
}

static expr_row row(const char *text)
{
	expr_row r;
	char err[256] = "";
	if (expr_parse_row(text, &r, err, sizeof err) < 0)
		fprintf(stderr, "%s: %s\n", text, err);
	assert_string_equal(err, "");
	return r;
}

static const char cpu_row[] = "makespan(* on fib) best prefork within 10% beats "
			      "sequential|threads+gil by 30% : CPU-bound work";

static void test_parse(void **st)
{
	(void)st;
	expr_row r = row(cpu_row);
	assert_int_equal(r.nchoice, 1);
	assert_true(fabs(r.within - 0.10) < 1e-12);
	assert_int_equal(r.nbeats, 2);
	assert_string_equal(r.beats[0], "sequential");
	assert_string_equal(r.beats[1], "threads+gil");
	assert_true(fabs(r.margin - 0.30) < 1e-12);
	assert_int_equal(r.nnotworst, 0);
	r = row("rss(* on sleep) best epoll|coro not worst coro|epoll : memory");
	assert_int_equal(r.nbeats, 0);
	assert_int_equal(r.nnotworst, 2);
	assert_string_equal(r.notworst[1], "epoll");
	r = row("makespan(* on fib) best prefork : plain");
	assert_int_equal(r.nbeats + r.nnotworst, 0);
}

/* A bad row names what is wrong. */
static void test_errors(void **st)
{
	(void)st;
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "makespan(* on fib) best prefork beats sequential : x",
		  "beats sequential: say by how much, e.g. 'by 30%'" },
		{ "makespan(* on fib) best prefork beats sequential by 30 : x",
		  "by: want a percentage, e.g. 10%, found '30'" },
		{ "makespan(* on fib) best prefork beats by 30% : x",
		  "beats: give a model name (MODEL[|MODEL...])" },
		{ "makespan(* on fib) best prefork not coro : x",
		  "want 'not worst MODEL[|MODEL...]', found 'not coro'" },
		{ "makespan(* on fib) best prefork not worst : x",
		  "want 'not worst MODEL[|MODEL...]', found 'not worst'" },
		{ "makespan(* on fib) best prefork beats a by 1% within 10% : x",
		  "unexpected 'within 10%' (want [within P%] [beats MODEL by P%] [not worst "
		  "MODEL])" },
		{ "makespan(* on fib) best a||b : x",
		  "best: up to 8 model names separated by '|'" },
		{ "makespan(* on fib) best : x",
		  "want 'best MODEL[|MODEL...]' after the term, found 'best'" },
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		expr_row r;
		char err[256] = "";
		assert_int_equal(expr_parse_row(bad[i].text, &r, err, sizeof err), -1);
		if (strcmp(err, bad[i].msg))
			fprintf(stderr, "%s\n  got:  %s\n  want: %s\n", bad[i].text, err,
				bad[i].msg);
		assert_string_equal(err, bad[i].msg);
	}
}

/* L13's CPU-bound row, on the figures that once passed wrongly and on a
 * genuine result. */
static void test_cpu_contrast(void **st)
{
	(void)st;
	expr_row r = row(cpu_row);
	/* sequential is the best; prefork within 10 % of it: the second core
	 * was not there, so the claim's contrast is absent */
	res_run tie[] = { mk("sequential", "fib", 0.0358, 1000), mk("prefork", "fib", 0.0380, 1000),
			  mk("threads+gil", "fib", 0.0493, 1000) };
	verdict_mx m = matrix_row(&r, tie, N_ELEMS(tie));
	assert_string_equal(m.m[0].model, "sequential");
	assert_int_equal(m.v, VERDICT_NOT_REPRODUCED);
	assert_string_equal(m.msg, "prefork 38.0 ms does not beat sequential 35.8 ms (-6%), the "
				   "claim needs 30%");
	/* prefork the best, but only 8 % ahead of sequential */
	res_run near[] = { mk("sequential", "fib", 0.0363, 1000),
			   mk("prefork", "fib", 0.0336, 1000),
			   mk("threads+gil", "fib", 0.0600, 1000) };
	m = matrix_row(&r, near, N_ELEMS(near));
	assert_string_equal(m.m[0].model, "prefork");
	assert_int_equal(m.v, VERDICT_NOT_REPRODUCED);
	assert_string_equal(m.msg, "prefork 33.6 ms beats sequential 36.3 ms by only 8%, the claim "
				   "needs 30%");
	/* genuine: prefork on two cores, about half of the others */
	res_run real[] = { mk("sequential", "fib", 0.0720, 1000),
			   mk("prefork", "fib", 0.0380, 1000),
			   mk("threads+gil", "fib", 0.0750, 1000),
			   mk("epoll", "fib", 0.0725, 1000) };
	m = matrix_row(&r, real, N_ELEMS(real));
	assert_int_equal(m.v, VERDICT_REPRODUCED);
	assert_string_equal(m.msg, "prefork 38.0 ms is the best (next: sequential); beats "
				   "sequential 72.0 ms by 89%; beats threads+gil 75.0 ms by 97%");
	/* exactly the margin passes (gain 30 %: 0.13 / 0.10 - 1) */
	expr_row one = row("makespan(* on fib) best prefork beats sequential by 30% : x");
	res_run edge[] = { mk("sequential", "fib", 0.13, 1000), mk("prefork", "fib", 0.10, 1000) };
	assert_int_equal(matrix_row(&one, edge, 2).v, VERDICT_REPRODUCED);
	edge[0].makespan_s = 0.1299;
	assert_int_equal(matrix_row(&one, edge, 2).v, VERDICT_NOT_REPRODUCED);
	/* the model to beat never ran: the contrast cannot be judged */
	expr_row gone = row("makespan(* on fib) best prefork beats fork by 30% : x");
	m = matrix_row(&gone, real, N_ELEMS(real));
	assert_int_equal(m.v, VERDICT_NA);
	assert_string_equal(m.msg, "fork has no makespan figure, so the contrast (beats fork by "
				   "30%) cannot be judged");
	/* a choice behind the best fails on that first, as before */
	m = matrix_row(&r, tie, N_ELEMS(tie));
	r.within = 0.01;
	m = matrix_row(&r, tie, N_ELEMS(tie));
	assert_non_null(strstr(m.msg, "is 6% behind the best"));
}

/* L13's memory row: epoll the best while coro is the worst of all. */
static void test_not_worst(void **st)
{
	(void)st;
	res_run runs[] = { mk("epoll", "sleep", 0.21, 4076), mk("pool+gil", "sleep", 1.19, 43892),
			   mk("threads+gil", "sleep", 1.36, 43940),
			   mk("coro", "sleep", 0.21, 63620) };
	expr_row old = row("rss(* on sleep) best epoll|coro : memory");
	assert_int_equal(matrix_row(&old, runs, N_ELEMS(runs)).v, VERDICT_REPRODUCED);
	expr_row r = row("rss(* on sleep) best epoll|coro not worst coro|epoll : memory");
	verdict_mx m = matrix_row(&r, runs, N_ELEMS(runs));
	assert_int_equal(m.v, VERDICT_NOT_REPRODUCED);
	assert_string_equal(m.msg,
			    "coro 63620 KiB is the worst of 4 models (best: epoll 4076 KiB)");
	/* coro not the worst: reproduced */
	runs[3].max_rss_kib = 20000;
	m = matrix_row(&r, runs, N_ELEMS(runs));
	assert_int_equal(m.v, VERDICT_REPRODUCED);
	/* the row L13 now has: the loop beats the threads on memory */
	expr_row l13 =
		row("rss(* on sleep) best epoll beats threads+gil|pool+gil by 300% : memory");
	assert_int_equal(matrix_row(&l13, runs, N_ELEMS(runs)).v, VERDICT_REPRODUCED);
	runs[0].max_rss_kib = 20000;
	m = matrix_row(&l13, runs, N_ELEMS(runs));
	assert_int_equal(m.v, VERDICT_NOT_REPRODUCED);
	assert_non_null(strstr(m.msg, "beats threads+gil 43940 KiB by only 120%, the claim needs "
				      "300%"));
	/* throughput: higher is better, the gain is chosen / other - 1 */
	expr_row tp = row("throughput(* on sleep) best epoll|coro beats threads+gil by 300% : x");
	m = matrix_row(&tp, runs, N_ELEMS(runs));
	assert_int_equal(m.v, VERDICT_REPRODUCED);
	assert_non_null(strstr(m.msg, "by 548%"));
}

/* A model with options names itself in a row: its ':' is not the one that
 * ends the row (that one has a blank after it), and the row's models are
 * matched as written, so epoll and epoll:loops=2 are told apart. */
static void test_model_with_options(void **st)
{
	(void)st;
	res_run runs[] = { mk("epoll", "fib", 0.40, 4000), mk("epoll:loops=2", "fib", 0.21, 4100),
			   mk("prefork", "fib", 0.22, 9000), mk("sequential", "fib", 0.41, 3000) };
	expr_row r = row("makespan(* on fib) best epoll:loops=2|prefork beats epoll by 50% : a "
			 "loop per core: CPU work on both");
	assert_int_equal(r.nchoice, 2);
	assert_string_equal(r.choice[0], "epoll:loops=2");
	assert_string_equal(r.beats[0], "epoll");
	assert_string_equal(r.label, "a loop per core: CPU work on both");
	verdict_mx m = matrix_row(&r, runs, N_ELEMS(runs));
	assert_int_equal(m.v, VERDICT_REPRODUCED);
	/* epoll's figure is epoll's own runs, not those of epoll:loops=2 too */
	assert_int_equal(m.n, 4);
	assert_string_equal(m.m[2].model, "epoll");
	assert_true(m.m[2].value == 0.40);
	runs[1].makespan_s = 0.39; /* one loop's worth: epoll is not beaten */
	runs[2].makespan_s = 0.39;
	m = matrix_row(&r, runs, N_ELEMS(runs));
	assert_int_equal(m.v, VERDICT_NOT_REPRODUCED);
	/* the row still needs its ': CLASS' */
	expr_row bad;
	char err[256] = "";
	assert_int_equal(expr_parse_row("makespan(* on fib) best epoll:loops=2", &bad, err,
					sizeof err),
			 -1);
	assert_non_null(strstr(err, "': CLASS'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_cpu_contrast),
		cmocka_unit_test(test_not_worst),
		cmocka_unit_test(test_model_with_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

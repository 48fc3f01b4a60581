/*
 * test_suite.c - suite files, expectations, verdicts and `reproduce`, on
 * synthetic results: nothing here depends on timing.
 */
#define _GNU_SOURCE
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/suite/reproduce.h"
#include "harness/suite/suite.h"
#include "tests/testutil.h"

/* harness/cli/reproduce.c and suite.c (main.c's command table declares them) */
int cli_reproduce(int argc, char **argv, volatile sig_atomic_t *stop);
int cli_suite(int argc, char **argv, volatile sig_atomic_t *stop);

static const char good_head[] = "name L9\n"
				"claim a pool caps\n"
				"full -w sleep:ms=100 -m pool -n 20 -c 4\n"
				"quick -w sleep:ms=10 -m pool -n 20 -c 4\n";

static void test_parse_good(void **st)
{
	(void)st;
	suite s;
	char err[512] = "";
	int rc = suite_load("tests/fixtures/suites/good.suite", &s, err, sizeof err);
	if (rc)
		fprintf(stderr, "%s\n", err);
	assert_int_equal(rc, 0);
	assert_string_equal(s.name, "demo-1");
	assert_string_equal(s.claim, "threads beat one by one on sleeps");
	assert_string_equal(s.source, "nowhere, issue#2 (a '#' inside a word stays)");
	assert_string_equal(s.book, "9.00 s vs 3.00 s");
	assert_int_equal(s.nsweeps, 1);
	assert_string_equal(s.quick[0], "-w sleep:ms=10 -m sequential,threads -n 3 -c 3 --reps 1");
	assert_int_equal(s.ncharts, 2);
	assert_string_equal(s.charts[1], "speedup");
	assert_int_equal(s.nex, 3);
	assert_int_equal(s.ex[0].num.metric, EX_MAKESPAN);
	assert_string_equal(s.ex[0].num.model, "threads");
	assert_int_equal(s.ex[0].num.c, 0);
	assert_int_equal(s.ex[0].den_kind, EX_DEN_TERM);
	assert_string_equal(s.ex[0].den.model, "sequential");
	assert_true(s.ex[0].lo == 0.25 && s.ex[0].hi == 0.45);
	assert_string_equal(s.ex[0].why, "one delay vs three");
	assert_string_equal(s.ex[0].text, "makespan(threads) / makespan(sequential) in 0.25..0.45");
	assert_int_equal(s.ex[0].line, 10);
	assert_int_equal(s.ex[1].den_kind, EX_DEN_DELAY);
	assert_int_equal(s.ex[1].num.c, 1);
	assert_string_equal(s.ex[1].why, "");
	assert_int_equal(s.ex[2].num.metric, EX_P99);
	assert_string_equal(s.ex[2].num.model, "threads:stack=64k");
	assert_int_equal(s.ex[2].num.c, 3);
	assert_int_equal(s.ex[2].den_kind, EX_DEN_CONST);
	assert_true(s.ex[2].k == 0.5 && s.ex[2].hi == 1e9);
	assert_int_equal(s.nneeds, 1);
	assert_int_equal(s.needs[0].value, 1);
}

static void test_builtins_parse(void **st)
{
	(void)st;
	assert_true(suite_builtin_count() >= 1);
	for (size_t i = 0; i < suite_builtin_count(); i++) {
		suite s;
		char err[512] = "";
		int rc = suite_load(suite_builtin_name(i), &s, err, sizeof err);
		if (rc)
			fprintf(stderr, "%s\n", err);
		assert_int_equal(rc, 0);
		assert_string_equal(s.name, suite_builtin_name(i));
	}
	/* version order: L2 before L11 */
	for (size_t i = 1; i < suite_builtin_count(); i++)
		assert_true(strverscmp(suite_builtin_name(i - 1), suite_builtin_name(i)) < 0);
}

/* head + extra must fail with "<t>:LINE: ...needle..." */
static void bad_with(const char *head, const char *extra, int line, const char *needle)
{
	char text[2048], err[512] = "", want[32];
	suite s;
	snprintf(text, sizeof text, "%s%s", head, extra);
	int rc = suite_parse(text, "t", &s, err, sizeof err);
	if (rc == 0 || !strstr(err, needle))
		fprintf(stderr, "for '%s': rc %d, '%s' (want '%s')\n", extra, rc, err, needle);
	assert_int_equal(rc, -1);
	snprintf(want, sizeof want, "t:%d: ", line);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, needle));
}

static void bad(const char *extra, int line, const char *needle)
{
	bad_with(good_head, extra, line, needle);
}

/* A head without full and quick lines, to try bad ones: line 3 is next. */
static void bad_opts(const char *extra, const char *needle)
{
	bad_with("name x\nclaim y\n", extra, 3, needle);
}

static void test_parse_bad(void **st)
{
	(void)st;
	char err[512];
	suite s;
	bad("expect makespan(pool) / delay in 1..2\nfrobnicate 3\n", 6,
	    "unknown keyword 'frobnicate'");
	bad("expect makespan(pool) / delay in 1..2\nname again\n", 6,
	    "name given twice (first on line 1)");
	bad("claim\n", 5, "claim: give a value");
	bad_opts("full -w nosuch\n", "full: -w: ");
	bad_opts("quick -w sleep:ms=1 --bogus\n", "quick: --bogus: unknown option");
	bad_opts("quick -w sleep:ms=1 -m nosuchmodel\n", "quick: -m: ");
	bad_opts("quick -m threads\n", "quick: -w: give at least one workload");
	bad_opts("full -w sleep:ms=1 --help\n", "--help has no place");
	bad_opts("full -w fib:n=10 -n 0\n", "full: -n: ");
	bad_opts("quick -w sleep:ms=1 --out x\n", "the suite sets the results directory");
	bad_opts("quick -w sleep:ms=1 --name=x\n", "the suite sets the results directory");
	bad_opts("quick -w 'sleep:ms=1\n", "open quote");
	bad("expect speed(pool) / delay in 1..2\n", 5, "want METRIC(MODEL)");
	bad("expect makespan(pool / delay in 1..2\n", 5, "is not closed");
	bad("expect makespan() / delay in 1..2\n", 5, "give a model name");
	bad("expect makespan(pool@0) / delay in 1..2\n", 5, "@C wants");
	bad("expect makespan(pool@x) / delay in 1..2\n", 5, "@C wants");
	bad("expect makespan(pool) delay in 1..2\n", 5, "want '/'");
	bad("expect makespan(pool) / -3 in 1..2\n", 5, "want METRIC(MODEL)");
	bad("expect makespan(pool) / 0 in 1..2\n", 5, "positive number");
	bad("expect makespan(pool) / delay within 1..2\n", 5, "want 'in LO..HI'");
	bad("expect makespan(pool) / delay in 1-2\n", 5, "want a range");
	bad("expect makespan(pool) / delay in 2..1\n", 5, "LO <= HI");
	bad("expect makespan(pool) / delay in 1..2x\n", 5, "LO <= HI");
	bad("expect makespan(pool) / delay in 1..2\nneeds memory >= 2\n", 6,
	    "needs: want 'cores OP N'");
	bad("expect makespan(pool) / delay in 1..2\nneeds cores => 2\n", 6, "needs: want");
	bad("expect makespan(pool) / delay in 1..2\nname a/b\n", 6, "name given twice");
	bad("expect makespan(pool) / delay in 1..2\ncharts a b c d e f g h i\n", 6, "at most 8");
	/* missing required lines: line 0 */
	assert_int_equal(suite_parse(good_head, "t", &s, err, sizeof err), -1);
	assert_string_equal(err, "t:0: no 'expect' line (nor a 'matrix' row)");
	/* sweeps: full and quick lines pair up, at most 4 */
	bad("expect makespan(pool) / delay in 1..2\nfull -w null\n", 0,
	    "2 full lines but 1 quick lines");
	bad("full -w null\nfull -w null\nfull -w null\nfull -w null\n", 8,
	    "full: at most 4 sweeps");
	/* a workload in a term; '*' only in matrix rows */
	bad("expect makespan(pool on) / delay in 1..2\n", 5, "give a workload");
	bad("expect makespan(pool on a b) / delay in 1..2\n", 5, "give a workload");
	bad("expect makespan(pool in fib) / delay in 1..2\n", 5, "want METRIC(MODEL[@C] [on");
	bad("expect makespan(* on fib) / delay in 1..2\n", 5, "'*' (every model) is for matrix");
	bad("matrix makespan(pool on fib) best pool : cpu\n", 5, "matrix: a matrix row measures");
	bad("matrix makespan(* on fib) best pool\n", 5, "end the row with ': CLASS'");
	bad("matrix makespan(* on fib) pool : cpu\n", 5, "want 'best MODEL");
	bad("matrix makespan(* on fib) best pool within ten : cpu\n", 5, "want a percentage");
	bad("matrix makespan(* on fib) best pool within 10% or so : cpu\n", 5,
	    "unexpected 'or so'");
	bad("matrix makespan(* on fib) best a||b : cpu\n", 5, "up to 8 model names");
	assert_int_equal(suite_parse("name x\n", "t", &s, err, sizeof err), -1);
	assert_string_equal(err, "t:0: no 'claim' line");
	assert_int_equal(suite_parse("name x/y\n", "t", &s, err, sizeof err), -1);
	assert_non_null(strstr(err, "t:1: name: letters"));
	assert_int_equal(suite_load("no-such-suite", &s, err, sizeof err), -1);
	assert_non_null(strstr(err, "no built-in suite or file 'no-such-suite'"));
}

static void test_words(void **st)
{
	(void)st;
	char buf[128], *w[8];
	assert_int_equal(suite_words("  -w 'a b' \"c\"d  e ", buf, sizeof buf, w, 8), 4);
	assert_string_equal(w[0], "-w");
	assert_string_equal(w[1], "a b");
	assert_string_equal(w[2], "cd");
	assert_string_equal(w[3], "e");
	assert_int_equal(suite_words("a b c", buf, sizeof buf, w, 2), -1);
	assert_int_equal(suite_words("a 'b", buf, sizeof buf, w, 8), -1);
	assert_int_equal(suite_words("", buf, sizeof buf, w, 8), 0);
}

static res_run mk(const char *model, unsigned c, const char *status, double makespan)
{
	res_run r;
	memset(&r, 0, sizeof r);
	snprintf(r.model, sizeof r.model, "%s", model);
	snprintf(r.workload, sizeof r.workload, "sleep");
	snprintf(r.params, sizeof r.params, "ms=100,blocking=0");
	snprintf(r.status, sizeof r.status, "%s", status);
	r.concurrency = c;
	r.tasks = 3;
	r.makespan_s = makespan;
	r.throughput_per_s = 3 / makespan;
	r.lat_p50_s = makespan / 2;
	r.lat_p99_s = makespan;
	r.cpu_user_s = 0.01;
	r.cpu_sys_s = 0.02;
	r.ctx_voluntary = 5;
	r.ctx_involuntary = 1;
	r.max_rss_kib = 2048;
	return r;
}

static suite_expect ex(const char *text)
{
	suite_expect e;
	char err[256] = "";
	if (expect_parse(text, &e, err, sizeof err) < 0)
		fprintf(stderr, "%s: %s\n", text, err);
	assert_string_equal(err, "");
	return e;
}

static void test_eval(void **st)
{
	(void)st;
	res_run runs[] = {
		mk("sequential", 3, "ok", 0.30),
		mk("sequential", 3, "ok", 0.31),
		mk("sequential", 3, "ok", 0.50), /* the median ignores the outlier */
		mk("coro", 3, "ok", 0.10),
		mk("coro", 3, "ok", 0.11),
		mk("coro", 3, "error: x", NAN),
		mk("coro", 1, "ok", 0.30),
		mk("threads:stack=64k", 3, "ok", 0.12),
		mk("pool", 3, "error: boom", NAN),
	};
	size_t n = N_ELEMS(runs);
	ex_result r;
	suite_expect e = ex("makespan(coro) / makespan(sequential) in 0.25..0.45 : why");
	r = expect_eval(&e, runs, n);
	assert_int_equal(r.v, V_REPRODUCED);
	assert_true(fabs(r.value - 0.105 / 0.31) < 1e-9);
	assert_non_null(strstr(r.msg, "coro@3"));
	assert_non_null(strstr(r.msg, "sequential@3"));

	e = ex("makespan(coro@1) / delay in 2.9..3.1");
	r = expect_eval(&e, runs, n);
	assert_int_equal(r.v, V_REPRODUCED);
	assert_true(fabs(r.value - 3.0) < 1e-9);
	assert_non_null(strstr(r.msg, "delay 0.1 s"));

	e = ex("makespan(coro) / makespan(sequential) in 0.5..0.9");
	r = expect_eval(&e, runs, n);
	assert_int_equal(r.v, V_NOT_REPRODUCED);
	assert_non_null(strstr(r.msg, "0.339"));

	/* a model given with options matches by name; CONST divisor */
	e = ex("makespan(threads) / 0.12 in 0.99..1.01");
	r = expect_eval(&e, runs, n);
	assert_int_equal(r.v, V_REPRODUCED);

	/* each metric */
	static const struct {
		const char *text;
		double want;
	} m[] = {
		{ "throughput(coro@1) / 10 in 0..100", 1.0 },
		{ "p50(coro@1) / 0.15 in 0..100", 1.0 },
		{ "p99(coro@1) / 0.3 in 0..100", 1.0 },
		{ "cpu(coro@1) / 0.03 in 0..100", 1.0 },
		{ "rss(coro@1) / 2048 in 0..100", 1.0 },
		{ "ctx(coro@1) / 6 in 0..100", 1.0 },
	};
	for (size_t i = 0; i < N_ELEMS(m); i++) {
		e = ex(m[i].text);
		r = expect_eval(&e, runs, n);
		assert_int_equal(r.v, V_REPRODUCED);
		assert_true(fabs(r.value - m[i].want) < 1e-9);
	}

	/* n/a: a model that was not run, a C that was not run */
	e = ex("makespan(epoll) / makespan(sequential) in 0..10");
	r = expect_eval(&e, runs, n);
	assert_int_equal(r.v, V_NA);
	assert_string_equal(r.msg, "no runs of epoll at C=3");
	e = ex("makespan(coro) / makespan(sequential@7) in 0..10");
	r = expect_eval(&e, runs, n);
	assert_int_equal(r.v, V_NA);
	assert_string_equal(r.msg, "no runs of sequential at C=7");
	/* every run of a model failed: not reproduced */
	e = ex("makespan(pool) / delay in 0..10");
	r = expect_eval(&e, runs, n);
	assert_int_equal(r.v, V_NOT_REPRODUCED);
	assert_non_null(strstr(r.msg, "every run of pool at C=3 failed (error: boom)"));
	/* no delay parameter */
	res_run fib = mk("coro", 1, "ok", 1.0);
	snprintf(fib.params, sizeof fib.params, "n=30");
	e = ex("makespan(coro) / delay in 0..10");
	r = expect_eval(&e, &fib, 1);
	assert_int_equal(r.v, V_NA);
	assert_non_null(strstr(r.msg, "no delay_ms or ms"));
	/* delay_ms, and a missing figure */
	snprintf(fib.params, sizeof fib.params, "delay_ms=250|500,size=4k");
	r = expect_eval(&e, &fib, 1);
	assert_int_equal(r.v, V_REPRODUCED);
	assert_true(fabs(r.value - 4.0) < 1e-9);
	fib.max_rss_kib = -1;
	e = ex("rss(coro) / 1 in 0..10");
	r = expect_eval(&e, &fib, 1);
	assert_int_equal(r.v, V_NA);
	assert_non_null(strstr(r.msg, "no rss figure"));
	/* no runs at all */
	r = expect_eval(&e, NULL, 0);
	assert_int_equal(r.v, V_NA);
}

/* Terms that name a workload, for results that hold several. */
static void test_eval_workloads(void **st)
{
	(void)st;
	res_run runs[] = {
		mk("threads", 2, "ok", 0.40),
		mk("coro", 2, "ok", 0.02),
		mk("threads", 2, "ok", 0.20),
		mk("coro", 2, "ok", 0.01),
	};
	snprintf(runs[0].workload, sizeof runs[0].workload, "switch");
	snprintf(runs[0].params, sizeof runs[0].params, "rounds=100,mode=pipe");
	snprintf(runs[1].workload, sizeof runs[1].workload, "switch");
	snprintf(runs[1].params, sizeof runs[1].params, "rounds=100,mode=pipe");
	snprintf(runs[2].workload, sizeof runs[2].workload, "switch");
	snprintf(runs[2].params, sizeof runs[2].params, "rounds=100,mode=yield");
	snprintf(runs[3].workload, sizeof runs[3].workload, "switch");
	snprintf(runs[3].params, sizeof runs[3].params, "rounds=100,mode=yield");
	ex_result r;
	suite_expect e = ex("makespan(threads on switch:mode=pipe) / makespan(coro on "
			    "switch:mode=yield) in 20..1000 : the claim");
	assert_string_equal(e.num.workload, "switch:mode=pipe");
	assert_string_equal(e.den.workload, "switch:mode=yield");
	assert_string_equal(e.why, "the claim");
	r = expect_eval(&e, runs, N_ELEMS(runs));
	assert_int_equal(r.v, V_REPRODUCED);
	assert_true(fabs(r.value - 40.0) < 1e-9);
	assert_non_null(strstr(r.msg, "threads@2 on switch:mode=pipe"));
	/* @C and on together; several params must all match, as whole items */
	e = ex("makespan(coro@2 on switch:rounds=100,mode=pipe) / 0.02 in 0.99..1.01");
	assert_int_equal(e.num.c, 2);
	r = expect_eval(&e, runs, N_ELEMS(runs));
	assert_int_equal(r.v, V_REPRODUCED);
	e = ex("makespan(coro on switch:mode=pip) / 1 in 0..10");
	r = expect_eval(&e, runs, N_ELEMS(runs));
	assert_int_equal(r.v, V_NA);
	assert_non_null(strstr(r.msg, "no runs of coro on switch:mode=pip"));
	e = ex("makespan(coro on fib) / 1 in 0..10");
	assert_int_equal(expect_eval(&e, runs, N_ELEMS(runs)).v, V_NA);
	/* naming too little is ambiguous, not a median over two workloads */
	e = ex("makespan(threads) / 1 in 0..10");
	r = expect_eval(&e, runs, N_ELEMS(runs));
	assert_int_equal(r.v, V_NA);
	assert_non_null(strstr(r.msg, "ambiguous: threads ran switch:rounds=100,mode=pipe and "
				      "switch:rounds=100,mode=yield"));
	e = ex("makespan(threads on switch) / 1 in 0..10");
	assert_int_equal(expect_eval(&e, runs, N_ELEMS(runs)).v, V_NA);
	/* delay comes from the numerator's workload; the default C from its runs */
	res_run two[] = { mk("epoll", 8, "ok", 0.12), mk("epoll", 500, "ok", 0.3) };
	snprintf(two[1].params, sizeof two[1].params, "ms=200,blocking=0");
	snprintf(two[0].workload, sizeof two[0].workload, "http");
	snprintf(two[0].params, sizeof two[0].params, "delay_ms=100,size=1k");
	e = ex("makespan(epoll on http) / delay in 1.19..1.21");
	r = expect_eval(&e, two, 2);
	assert_int_equal(r.v, V_REPRODUCED);
	assert_non_null(strstr(r.msg, "epoll@8 on http"));
	e = ex("makespan(epoll on sleep) / delay in 1.49..1.51");
	assert_int_equal(expect_eval(&e, two, 2).v, V_REPRODUCED);
}

static suite_row row(const char *text)
{
	suite_row r;
	char err[256] = "";
	if (row_parse(text, &r, err, sizeof err) < 0)
		fprintf(stderr, "%s: %s\n", text, err);
	assert_string_equal(err, "");
	return r;
}

/* A decision matrix row: the claim's choice against the measured best. */
static void test_matrix(void **st)
{
	(void)st;
	res_run runs[] = {
		mk("sequential", 8, "ok", 1.00),   mk("threads+gil", 8, "ok", 1.02),
		mk("prefork", 8, "ok", 0.52),      mk("prefork", 8, "ok", 0.50),
		mk("prefork", 8, "ok", 0.51),      mk("epoll", 8, "ok", 0.98),
		mk("coro", 8, "error: boom", NAN),
	};
	for (size_t i = 0; i < N_ELEMS(runs); i++) {
		snprintf(runs[i].workload, sizeof runs[i].workload, "fib");
		snprintf(runs[i].params, sizeof runs[i].params, "n=30");
	}
	suite_row r = row("makespan(* on fib) best prefork : CPU-bound work");
	assert_string_equal(r.label, "CPU-bound work");
	assert_string_equal(r.term.model, "*");
	assert_string_equal(r.term.workload, "fib");
	assert_int_equal(r.nchoice, 1);
	assert_true(fabs(r.within - 0.10) < 1e-12);
	mx_result m = row_eval(&r, runs, N_ELEMS(runs));
	assert_int_equal(m.v, V_REPRODUCED);
	assert_int_equal(m.c, 8);
	assert_int_equal(m.n, 4); /* coro's runs all failed: no figure */
	assert_string_equal(m.m[0].model, "prefork");
	assert_true(fabs(m.m[0].value - 0.51) < 1e-9);
	assert_string_equal(m.m[1].model, "epoll");
	assert_string_equal(m.m[3].model, "threads+gil");
	assert_string_equal(m.msg, "prefork 510 ms is the best (next: epoll)");

	/* a choice behind the best: within the tolerance or not */
	r = row("makespan(*@8 on fib:n=30) best sequential|threads within 3% : x");
	assert_int_equal(r.nchoice, 2);
	assert_string_equal(r.choice[1], "threads");
	for (int i = 2; i <= 4; i++) {
		runs[i].makespan_s = 2.0;
		runs[i].throughput_per_s = 1.5;
	}
	m = row_eval(&r, runs, N_ELEMS(runs));
	assert_int_equal(m.v, V_REPRODUCED); /* sequential, 2% behind */
	assert_string_equal(m.m[0].model, "epoll");
	r.within = 0.01;
	m = row_eval(&r, runs, N_ELEMS(runs));
	assert_int_equal(m.v, V_NOT_REPRODUCED);
	assert_non_null(strstr(m.msg, "sequential 1.00 s is 2% behind the best, epoll 980 ms"));
	/* the choice never ran: n/a, as is a workload nobody ran */
	r = row("makespan(* on fib) best pool : x");
	m = row_eval(&r, runs, N_ELEMS(runs));
	assert_int_equal(m.v, V_NA);
	assert_non_null(strstr(m.msg, "none of the chosen models ran; the best is epoll"));
	r = row("makespan(* on sleep) best pool : x");
	assert_int_equal(row_eval(&r, runs, N_ELEMS(runs)).v, V_NA);
	/* throughput: higher is better */
	r = row("throughput(* on fib) best epoll within 0% : x");
	m = row_eval(&r, runs, N_ELEMS(runs));
	assert_string_equal(m.m[0].model, "epoll");
	assert_int_equal(m.v, V_REPRODUCED);

	/* in a suite: rows join the expectations in the verdict */
	suite s;
	char err[512] = "", text[1024];
	snprintf(text, sizeof text,
		 "%smatrix makespan(* on fib) best epoll : cpu\n"
		 "matrix makespan(* on fib) best sequential within 1%% : cpu again\n",
		 good_head);
	assert_int_equal(suite_parse(text, "t", &s, err, sizeof err), 0);
	assert_int_equal(s.nex, 0);
	assert_int_equal(s.nrows, 2);
	assert_int_equal(s.rows[1].line, 6);
	ex_result res[SUITE_MAX_EXPECT];
	mx_result mx[SUITE_MAX_ROWS];
	assert_int_equal(suite_eval(&s, runs, N_ELEMS(runs), 2, res, mx), V_NOT_REPRODUCED);
	assert_int_equal(mx[0].v, V_REPRODUCED);
	assert_int_equal(mx[1].v, V_NOT_REPRODUCED);
	s.rows[1].within = 0.05;
	assert_int_equal(suite_eval(&s, runs, N_ELEMS(runs), 2, res, mx), V_REPRODUCED);
	s.needs[s.nneeds++] =
		(suite_need){ .what = "cores", .op = ">=", .value = 4, .text = "cores >= 4" };
	assert_int_equal(suite_eval(&s, runs, N_ELEMS(runs), 2, res, mx), V_NA);
	assert_int_equal(mx[0].n, 4); /* measured all the same */
	assert_string_equal(mx[0].msg, "needs cores >= 4; this machine has 2 cores");
}

static void test_verdicts(void **st)
{
	(void)st;
	ex_result r[3] = { { .v = V_REPRODUCED }, { .v = V_REPRODUCED }, { .v = V_REPRODUCED } };
	assert_int_equal(verdict_combine(r, 3), V_REPRODUCED);
	r[1].v = V_NA;
	assert_int_equal(verdict_combine(r, 3), V_NA);
	r[2].v = V_NOT_REPRODUCED;
	assert_int_equal(verdict_combine(r, 3), V_NOT_REPRODUCED);
	r[1].v = V_REPRODUCED;
	assert_int_equal(verdict_combine(r, 3), V_NOT_REPRODUCED);
	assert_int_equal(verdict_combine(r, 0), V_REPRODUCED);
	assert_string_equal(verdict_name(V_NA), "n/a");
	assert_string_equal(verdict_name(V_NOT_REPRODUCED), "not reproduced");

	/* a whole suite, with needs */
	suite s;
	char err[512] = "", text[1024];
	snprintf(text, sizeof text,
		 "%sexpect makespan(coro) / makespan(sequential) in 0.25..0.45\n"
		 "expect makespan(coro) / delay in 0.9..1.2\nneeds cores >= 64\n",
		 good_head);
	assert_int_equal(suite_parse(text, "t", &s, err, sizeof err), 0);
	res_run runs[] = { mk("sequential", 3, "ok", 0.30), mk("coro", 3, "ok", 0.10) };
	ex_result res[SUITE_MAX_EXPECT];
	mx_result mx[SUITE_MAX_ROWS];
	assert_int_equal(suite_eval(&s, runs, 2, 2, res, mx), V_NA);
	assert_int_equal(res[0].v, V_NA);
	assert_string_equal(res[0].msg, "needs cores >= 64; this machine has 2 cores");
	assert_int_equal(suite_eval(&s, runs, 2, 64, res, mx), V_REPRODUCED);
	assert_int_equal(res[1].v, V_REPRODUCED);
	runs[1].makespan_s = 0.2;
	assert_int_equal(suite_eval(&s, runs, 2, 64, res, mx), V_NOT_REPRODUCED);
	/* one n/a and one failure: not reproduced */
	runs[0].concurrency = 1;
	assert_int_equal(suite_eval(&s, runs, 2, 64, res, mx), V_NOT_REPRODUCED);
	assert_int_equal(res[0].v, V_NA);
	assert_int_equal(res[1].v, V_NOT_REPRODUCED);

	char why[200];
	static const struct {
		const char *need;
		int cores, ok;
	} nd[] = { { "cores > 2", 2, 0 }, { "cores > 2", 3, 1 },  { "cores <= 2", 2, 1 },
		   { "cores < 2", 2, 0 }, { "cores == 4", 4, 1 }, { "cores == 4", 3, 0 } };
	for (size_t i = 0; i < N_ELEMS(nd); i++) {
		snprintf(text, sizeof text, "%sexpect makespan(a) / 1 in 0..1\nneeds %s\n",
			 good_head, nd[i].need);
		assert_int_equal(suite_parse(text, "t", &s, err, sizeof err), 0);
		assert_int_equal(suite_needs_ok(&s, nd[i].cores, why, sizeof why), nd[i].ok);
	}
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* Run `reproduce` on tests/fixtures/suites/tiny (null tasks, well under a
 * second) into a temporary root; stdout to a file. */
static void test_reproduce(void **st)
{
	(void)st;
	char tmpl[] = "/tmp/cb-suite-XXXXXX";
	char *root = mkdtemp(tmpl);
	assert_non_null(root);
	char log[256], path[600];
	snprintf(log, sizeof log, "%s/log", root);
	fflush(stdout);
	int saved = dup(1);
	FILE *lf = fopen(log, "w");
	assert_non_null(lf);
	dup2(fileno(lf), 1);
	char *argv[] = { "reproduce", "--quick", "--suites", "tests/fixtures/suites/tiny",
			 "--out",     root,      NULL };
	volatile sig_atomic_t stop = 0;
	int rc = cli_reproduce(6, argv, &stop);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fclose(lf);
	assert_int_equal(rc, 0);
	const char *out = slurp(log);
	assert_non_null(strstr(out, "A1: reproduced"));
	assert_non_null(strstr(out, "A2: n/a"));
	assert_non_null(strstr(out, "[reproduced] trivial tasks: makespan(*@2 on null) best "
				    "sequential|threads within 900% -- "));
	snprintf(path, sizeof path, "%s/reproduce/latest/REPORT.md", root);
	const char *rep = slurp(path);
	assert_non_null(strstr(rep, "3 claims: 2 reproduced, 0 not reproduced, 1 not applicable"));
	assert_non_null(strstr(rep, "| id | claim | source | book | ours | expectation | verdict | "
				    "charts |"));
	assert_non_null(strstr(rep,
			       "| A1 | null tasks finish | tests/fixtures/suites/tiny | - | 1 | "
			       "`makespan(threads) / makespan(threads) in 0.99..1.01` | "
			       "**reproduced** | [makespan](../../A1/"));
	assert_non_null(strstr(rep, "| A2 | a claim that needs a big machine | - | - | n/a |"));
	assert_non_null(strstr(rep, "n/a: needs cores >= 100000; this machine has"));
	/* the chart link resolves from the report's directory */
	const char *l = strstr(rep, "[makespan](");
	assert_non_null(l);
	char rel[300];
	assert_int_equal(sscanf(l, "[makespan](%299[^)])", rel), 1);
	snprintf(path, sizeof path, "%s/reproduce/latest/%s", root, rel);
	assert_int_equal(access(path, F_OK), 0);
	assert_non_null(strstr(rep, "[results](../../A2/"));
	/* A3: two sweeps (two results links), per-workload charts, a matrix */
	const char *a3 = strstr(rep, "| A3 | two sweeps and a decision matrix |");
	assert_non_null(a3);
	assert_non_null(strstr(a3, "<br>best: sequential"));
	assert_non_null(strstr(a3, "[makespan (null)](../../A3/")); /* sweep 1: one workload */
	l = strstr(a3, "[makespan (spin-us-50)](");
	assert_non_null(l);
	assert_int_equal(sscanf(l, "[makespan (spin-us-50)](%299[^)])", rel), 1);
	snprintf(path, sizeof path, "%s/reproduce/latest/%s", root, rel);
	assert_int_equal(access(path, F_OK), 0);
	l = strstr(a3, "[results](");
	assert_non_null(l);
	assert_non_null(strstr(l + 1, "[results]("));
	assert_non_null(strstr(rep, "## Decision matrix (A3)"));
	assert_non_null(strstr(rep, "| trivial tasks | makespan of null at C=2 | sequential or "
				    "threads (within 900%) | "));

	/* `suite FILE`: exit 0 when reproduced; a bad option is 2 */
	char *argv2[] = { "suite",   "tests/fixtures/suites/tiny/A1.suite",
			  "--quick", "--no-plot",
			  "-o",      root,
			  NULL };
	saved = dup(1);
	lf = fopen(log, "w");
	dup2(fileno(lf), 1);
	rc = cli_suite(6, argv2, &stop);
	char *argv3[] = { "suite", "A1", "--bogus", NULL };
	int rc3 = cli_suite(3, argv3, &stop);
	char *argv4[] = { "suite", "tests/fixtures/suites/no-such.suite", NULL };
	int rc4 = cli_suite(2, argv4, &stop);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fclose(lf);
	assert_int_equal(rc, 0);
	assert_int_equal(rc3, 2);
	assert_int_equal(rc4, 2);
	assert_non_null(strstr(slurp(log), "[reproduced] makespan(threads) / makespan(threads)"));

	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),     cmocka_unit_test(test_builtins_parse),
		cmocka_unit_test(test_parse_bad),      cmocka_unit_test(test_words),
		cmocka_unit_test(test_eval),           cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_eval_workloads), cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_reproduce),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_suite_parse.c - suite files: the line grammar, its messages, the
 * built-ins, and the word splitter of run options.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "harness/suite/catalog.h"
#include "harness/suite/suite.h"
#include "tests/testutil.h"

static const char good_head[] = "name L9\n"
				"claim a pool caps\n"
				"full -w sleep:ms=100 -m pool -n 20 -c 4\n"
				"quick -w sleep:ms=10 -m pool -n 20 -c 4\n";

static void test_parse_good(void **st)
{
	(void)st;
	suite s;
	char err[512] = "";
	int rc = catalog_load("tests/fixtures/suites/good.suite", &s, err, sizeof err);
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
	assert_int_equal(s.ex[0].num.metric, METRIC_MAKESPAN);
	assert_string_equal(s.ex[0].num.model, "threads");
	assert_int_equal(s.ex[0].num.c, 0);
	assert_int_equal(s.ex[0].den_kind, EXPR_DEN_TERM);
	assert_string_equal(s.ex[0].den.model, "sequential");
	assert_true(s.ex[0].lo == 0.25 && s.ex[0].hi == 0.45);
	assert_string_equal(s.ex[0].why, "one delay vs three");
	assert_string_equal(s.ex[0].text, "makespan(threads) / makespan(sequential) in 0.25..0.45");
	assert_int_equal(s.ex[0].line, 10);
	assert_int_equal(s.ex[1].den_kind, EXPR_DEN_DELAY);
	assert_int_equal(s.ex[1].num.c, 1);
	assert_string_equal(s.ex[1].why, "");
	assert_int_equal(s.ex[2].num.metric, METRIC_P99);
	assert_string_equal(s.ex[2].num.model, "threads:stack=64k");
	assert_int_equal(s.ex[2].num.c, 3);
	assert_int_equal(s.ex[2].den_kind, EXPR_DEN_CONST);
	assert_true(s.ex[2].k == 0.5 && s.ex[2].hi == 1e9);
	assert_int_equal(s.nneeds, 1);
	assert_int_equal(s.needs[0].value, 1);
}

static void test_builtins_parse(void **st)
{
	(void)st;
	assert_true(catalog_builtin_count() >= 1);
	for (size_t i = 0; i < catalog_builtin_count(); i++) {
		suite s;
		char err[512] = "";
		int rc = catalog_load(catalog_builtin_name(i), &s, err, sizeof err);
		if (rc)
			fprintf(stderr, "%s\n", err);
		assert_int_equal(rc, 0);
		assert_string_equal(s.name, catalog_builtin_name(i));
	}
	/* version order: L2 before L11 */
	for (size_t i = 1; i < catalog_builtin_count(); i++)
		assert_true(strverscmp(catalog_builtin_name(i - 1), catalog_builtin_name(i)) < 0);
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
	bad("expect makespan(pool in fib) / delay in 1..2\n", 5, "want METRIC(MODEL[@C] [n=N] [rate=R] [on");
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
	assert_int_equal(catalog_load("no-such-suite", &s, err, sizeof err), -1);
	assert_non_null(strstr(err, "no built-in suite or file 'no-such-suite'"));
}

/* What a hostile file holds: a NUL byte (which ended the text early, so the
 * rest went unread), control bytes and stray bytes a terminal obeys, chart
 * names no chart has, bounds that are no finite number. */
static void test_parse_hostile(void **st)
{
	(void)st;
	static const char tail[] = "expect makespan(pool) / delay in 1..2\n";
	char text[1024], err[512];
	suite s;
	int n = snprintf(text, sizeof text, "%s%s@frobnicate 3\n", good_head, tail);
	*strchr(text, '@') = '\0'; /* a good suite, a NUL, then garbage */
	assert_int_equal(suite_parse_bytes(text, (size_t)n, "t", &s, err, sizeof err), -1);
	assert_string_equal(err, "t:6: a NUL byte at column 1: a suite file is plain UTF-8 text");
	assert_int_equal(suite_parse(text, "t", &s, err, sizeof err), 0); /* up to the NUL */
	/* control bytes and bytes that are not UTF-8 text: named, escaped */
	bad("\x1b[31mfoo bar\n", 5, "t:5: control byte \\x1b at column 1: a suite file is plain");
	bad("claim \x9b"
	    "31m\n",
	    5, "byte \\x9b (not UTF-8 text) at column 7");
	bad("# \xc2\x9b"
	    "31m\n",
	    5, "control character U+009B at column 3");
	bad("book a\rb\n", 5, "control byte \\x0d at column 7");
	/* UTF-8, tabs and CRLF line ends are text: this fails later */
	assert_int_equal(suite_parse("name x\r\nclaim caf\xc3\xa9\tin \xc2\xb5s\r\n", "t", &s, err,
				     sizeof err),
			 -1);
	assert_string_equal(err, "t:0: no 'full' line");
	assert_string_equal(s.claim, "caf\xc3\xa9\tin \xc2\xb5s");
	/* a file name is echoed escaped too */
	assert_int_equal(suite_parse("frob 1\n", "\x1b[2Jx.suite", &s, err, sizeof err), -1);
	assert_non_null(strstr(err, "\\x1b[2Jx.suite:1: unknown keyword 'frob'"));
	assert_null(strchr(err, '\x1b'));
	/* charts: names plot draws, and nothing else */
	bad("expect makespan(pool) / delay in 1..2\ncharts makespan bogus\n", 6,
	    "charts: no chart 'bogus' (the charts: throughput, latency, speedup, memory, "
	    "makespan, cpu, latency_cdf, switch, server_throughput, server_latency, "
	    "server_rate, server_cost, server_steps, timeline_MODEL, states_MODEL)");
	bad("expect makespan(pool) / delay in 1..2\ncharts timeline_\n", 6, "no chart 'timeline_'");
	bad("expect makespan(pool) / delay in 1..2\ncharts ../makespan\n", 6, "no chart '../m");
	snprintf(text, sizeof text,
		 "%s%scharts latency_cdf cpu timeline_threads+gil timeline_coro\n", good_head,
		 tail);
	assert_int_equal(suite_parse(text, "t", &s, err, sizeof err), 0);
	assert_int_equal(s.ncharts, 4);
	assert_string_equal(s.charts[2], "timeline_threads+gil"); /* as plot names its file */
	/* bounds that are no finite number */
	bad("expect makespan(pool) / delay in 1e999999..2\n", 5,
	    "expect: bound '1e999999' is not a finite number");
	bad("expect makespan(pool) / delay in nan..1\n", 5, "bound 'nan' is not a finite number");
	bad("expect makespan(pool) / delay in 0.5..inf\n", 5, "bound 'inf' is not a finite number");
	bad("expect makespan(pool) / delay in 0.5..-1e400 : x\n", 5,
	    "bound '-1e400' is not a finite number");
	bad("expect makespan(pool) / delay in 1..2..3\n", 5, "want a range LO..HI");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good), cmocka_unit_test(test_builtins_parse),
		cmocka_unit_test(test_parse_bad),  cmocka_unit_test(test_parse_hostile),
		cmocka_unit_test(test_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

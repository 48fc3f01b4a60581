/* test_bench_switch.c - the switch bench's parts: callgrind's report parsed,
 * instructions per switch from two runs, Boost.Context found or its absence
 * said, the table and switch.csv rows, `bench --switch-loop` on the CLI.
 * (The switch itself keeping registers and FP state: test_coro.c.) */
#define _GNU_SOURCE
#include <math.h>
#include <string.h>

#include "tests/testutil.h"
#include "tests/clirun.h"

#include "harness/bench/boostctx.h"
#include "harness/bench/loadparse.h"
#include "harness/bench/swinstr.h"
#include "harness/bench/switch.h"

/* What callgrind printed on stderr for `concbench bench --switch-loop ours:100000`. */
static const char cg_report[] =
	"==15900== Callgrind, a call-graph generating cache profiler\n"
	"==15900== Copyright (C) 2002-2017, and GNU GPL'd, by Josef Weidendorfer et al.\n"
	"==15900== Using Valgrind-3.19.0 and LibVEX; rerun with -h for copyright info\n"
	"==15900== Command: ./concbench bench --switch-loop ours:100000\n"
	"==15900== \n"
	"==15900== For interactive control, run 'callgrind_control -h'.\n"
	"==15900== \n"
	"==15900== Events    : Ir\n"
	"==15900== Collected : 9870573\n"
	"==15900== \n"
	"==15900== I   refs:      9,870,573\n";

static void test_parse_report(void **state)
{
	assert_int_equal(swinstr_parse(cg_report), 9870573);
	/* without the Collected line: the I refs one, commas and all */
	assert_int_equal(swinstr_parse("==1== I   refs:      16,670,573\n"), 16670573);
	assert_int_equal(swinstr_parse("valgrind: ./concbench: No such file or directory\n"), -1);
	assert_int_equal(swinstr_parse("==1== Collected : \n"), -1);
	assert_int_equal(swinstr_parse(""), -1);
}

static void test_per_switch(void **state)
{
	/* 6,800,000 more instructions for 100,000 more round trips: 34 a switch */
	assert_true(swinstr_per_switch(9870573, 100000, 16670573, 200000) == 34.0);
	assert_true(isnan(swinstr_per_switch(-1, 100000, 16670573, 200000)));
	assert_true(isnan(swinstr_per_switch(16670573, 100000, 9870573, 200000)));
	assert_true(isnan(swinstr_per_switch(100, 200000, 200, 200000)));
}

static void test_boost_missing(void **state)
{
	char why[192] = "";
	assert_null(boostctx_open("libno-such-boost-context.so", why, sizeof why));
	assert_true(strncmp(why, BOOSTCTX_MISSING, strlen(BOOSTCTX_MISSING)) == 0);
	assert_non_null(strstr(why, "libno-such-boost-context.so"));
	/* a library without the two functions is no Boost.Context either */
	assert_null(boostctx_open("libm.so.6", why, sizeof why));
	assert_non_null(strstr(why, BOOSTCTX_MISSING));
}

static void test_boost_runs(void **state)
{
	char why[192];
	boostctx *b = boostctx_open(NULL, why, sizeof why);
	if (!b) {
		print_message("%s: skipped\n", why);
		skip();
	}
	/* round trips come back (a context that never answered would hang or crash) */
	assert_true(boostctx_roundtrips(b, 1000) >= 0);
	assert_true(boostctx_roundtrips(b, 1) >= 0);
	assert_true(boostctx_lives(b, 100) >= 0);
	boostctx_close(b);
}

/* bench_switch_print's table and CSV for figs f, into out and csv. */
static void print_figs(const switch_figs *f, char *out, size_t olen, char *csv, size_t clen)
{
	FILE *o = fmemopen(out, olen, "w"), *c = fmemopen(csv, clen, "w");
	assert_non_null(o);
	assert_non_null(c);
	bench_switch_print(o, c, f);
	fclose(o);
	fclose(c);
}

static void test_print_without_boost(void **state)
{
	static char out[4096], csv[4096];
	switch_figs f = { .reps = 3,
			  .ours_sw = 6.0,
			  .boost_sw = NAN,
			  .uc_sw = 180,
			  .ours_life = 30,
			  .boost_life = NAN,
			  .uc_life = 490,
			  .thread_sw = 1000,
			  .ours_instr = 34,
			  .boost_instr = NAN };
	snprintf(f.boost_why, sizeof f.boost_why, "%s: libboost_context.so: cannot open",
		 BOOSTCTX_MISSING);
	print_figs(&f, out, sizeof out, csv, sizeof csv);
	assert_non_null(strstr(out, "one jump one way"));
	assert_non_null(strstr(out, "Boost: " BOOSTCTX_MISSING));
	assert_non_null(strstr(out, "(no Boost figure)"));
	assert_null(strstr(out, ": met"));
	assert_non_null(strstr(csv, "what,reps,coro_ns,ucontext_ns,ratio,boost_ns,coro_per_boost,"
				    "goal,coro_instr,boost_instr,instr_per_boost,measures,note\n"));
	/* no Boost figure: its fields are empty, the note says why */
	assert_non_null(strstr(csv, "\nswitch,3,6.00,180.00,30.00,,,1.2,34.0,,,one jump one way"));
	assert_non_null(strstr(csv, "\"" BOOSTCTX_MISSING));
}

static void test_print_with_boost(void **state)
{
	static char out[4096], csv[4096];
	switch_figs f = { .reps = 5,
			  .ours_sw = 6.0,
			  .boost_sw = 6.25,
			  .uc_sw = 180,
			  .ours_life = 30,
			  .boost_life = 12,
			  .uc_life = 490,
			  .thread_sw = 1000,
			  .ours_instr = 34,
			  .boost_instr = 30.5 };
	print_figs(&f, out, sizeof out, csv, sizeof csv);
	assert_non_null(strstr(out, "0.96 <= 1.2: met"));
	assert_null(strstr(out, "Boost: "));
	assert_non_null(
		strstr(csv, "\nswitch,5,6.00,180.00,30.00,6.25,0.960,1.2,34.0,30.5,1.115,"));
	assert_non_null(strstr(csv, "\ncreate+run+finish,5,30.00,490.00,16.33,12.00,2.500,,,,,"));
	assert_non_null(strstr(
		csv, "\nthread switch (pipe ping-pong),5,1000.00,,166.67,,,,,,,one hand-off"));
	f.ours_sw = 16.9; /* the switch before this fix, against Boost's 6.25 */
	print_figs(&f, out, sizeof out, csv, sizeof csv);
	assert_non_null(strstr(out, "2.70 <= 1.2: missed"));
}

static void test_switch_loop_cli(void **state)
{
	result *r = RUN("bench", "--switch-loop", "ours:1000");
	assert_int_equal(r->code, 0);
	assert_string_equal(r->out, "");
	USAGE("'fast:10'", "bench", "--switch-loop", "fast:10");
	USAGE("'ours:'", "bench", "--switch-loop", "ours:");
	USAGE("'ours:0'", "bench", "--switch-loop", "ours:0");
	setenv("CONCBENCH_BOOST_CONTEXT", "libno-such-boost-context.so", 1);
	r = RUN("bench", "--switch-loop", "boost:10");
	unsetenv("CONCBENCH_BOOST_CONTEXT");
	assert_int_equal(r->code, 1);
	assert_non_null(strstr(r->err, BOOSTCTX_MISSING));
}

static void test_count_without_valgrind(void **state)
{
	char why[256] = "", *path = strdup(getenv("PATH") ? getenv("PATH") : "");
	volatile sig_atomic_t stop = 0;
	setenv("PATH", "/nonexistent", 1);
	double v = swinstr_count(getenv("CONCBENCH"), "ours", why, sizeof why, &stop);
	setenv("PATH", path, 1);
	free(path);
	assert_true(isnan(v));
	assert_non_null(strstr(why, "valgrind not installed (make deps-bench)"));
}

/* The whole count, when valgrind can run the binary: whatever the
 * compiler, a switch is some tens of instructions, not 0 and not hundreds. */
static void test_count_ours(void **state)
{
#if defined(__SANITIZE_ADDRESS__)
	print_message("a sanitizer build cannot run under valgrind: skipped\n");
	skip();
#endif
	char why[256] = "", vg[4096];
	volatile sig_atomic_t stop = 0;
	if (getenv("CB_MEMCHECK") || loadparse_which("valgrind", vg, sizeof vg) < 0) {
		print_message("no valgrind to run callgrind with (or under it already): skipped\n");
		skip();
	}
	double v = swinstr_count(getenv("CONCBENCH"), "ours", why, sizeof why, &stop);
	if (isnan(v))
		fail_msg("%s", why);
	assert_true(v >= 10 && v <= 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_report),
		cmocka_unit_test(test_per_switch),
		cmocka_unit_test(test_boost_missing),
		cmocka_unit_test(test_boost_runs),
		cmocka_unit_test(test_print_without_boost),
		cmocka_unit_test(test_print_with_boost),
		cmocka_unit_test(test_switch_loop_cli),
		cmocka_unit_test(test_count_without_valgrind),
		cmocka_unit_test(test_count_ours),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

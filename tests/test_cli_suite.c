/*
 * test_cli_suite.c - `concbench suite FILE` on hostile suite files: each is
 * a usage error (exit 2) before any run, with a message that names the file
 * and line and shows what it quotes as text, never as raw terminal bytes.
 */
#define _GNU_SOURCE
#include "tests/clirun.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/suite/text.h"

/* A suite that runs in a blink and is reproduced (tests/fixtures/suites/tiny/A1). */
static const char good[] = "name    A1\n"
			   "claim   null tasks finish\n"
			   "quick   -w null -m sequential,threads -n 4 -c 2 --reps 1\n"
			   "full    -w null -m sequential,threads -n 4 -c 2 --reps 1\n"
			   "expect  makespan(threads) / makespan(threads) in 0.99..1.01\n";

/* Write len bytes of text to tmpdir/name; its path in path. */
static void write_suite(char *path, size_t plen, const char *name, const char *text, size_t len)
{
	snprintf(path, plen, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* `suite FILE --quick --no-plot`: exit 2, want in stderr, no raw control
 * byte anywhere, nothing on stdout, no results written. */
static void expect_rejected(const char *file, const char *want)
{
	char out[256], sub[300];
	struct stat sb;

	snprintf(out, sizeof out, "%s/out", tmpdir);
	result *r = RUN("suite", file, "--quick", "--no-plot", "-o", out);
	if (r->code != 2 || !strstr(r->err, want))
		fail_msg("exit %d, stderr '%s' (want '%s')", r->code, r->err, want);
	assert_string_equal(r->out, "");
	for (const char *c = r->err; *c; c++)
		if ((unsigned char)*c < 0x20 && *c != '\n')
			fail_msg("a raw control byte \\x%02x in '%s'", (unsigned char)*c, r->err);
	snprintf(sub, sizeof sub, "%s/A1", out);
	assert_int_equal(stat(sub, &sb), -1); /* nothing ran */
}

/* The good suite runs, and is reproduced: the rejections below are the bytes'. */
static void test_good_runs(void **st)
{
	char path[256], out[256];

	write_suite(path, sizeof path, "good.suite", good, strlen(good));
	snprintf(out, sizeof out, "%s/out-good", tmpdir);
	result *r = RUN("suite", path, "--quick", "--no-plot", "-o", out);
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "reproduced"));
}

/* A NUL byte ended the text early: the garbage after it went unread and the
 * suite "reproduced". Now the NUL is named with its line. */
static void test_nul_byte(void **st)
{
	char text[1024], path[256], want[320];
	int n = snprintf(text, sizeof text,
			 "%s# fine so far\n@garbage, never read\nfull -w bogus\n", good);
	*strchr(text, '@') = '\0';
	write_suite(path, sizeof path, "nul.suite", text, (size_t)n);
	snprintf(want, sizeof want,
		 "%s:7: a NUL byte at column 1: a suite file is plain UTF-8 text", path);
	expect_rejected(path, want);
}

/* An escape sequence in a keyword: named as \x1b, never sent to the terminal. */
static void test_escape_bytes(void **st)
{
	char text[1024], path[256], want[320];
	int n = snprintf(text, sizeof text, "%s\x1b[31mfoo bar\n", good);
	write_suite(path, sizeof path, "esc.suite", text, (size_t)n);
	snprintf(want, sizeof want, "%s:6: control byte \\x1b at column 1", path);
	expect_rejected(path, want);
	/* the file's own name is shown escaped too */
	write_suite(path, sizeof path, "\x1b[2J.suite", "frob 1\n", 7);
	snprintf(want, sizeof want, "%s/\\x1b[2J.suite:1: unknown keyword 'frob'", tmpdir);
	expect_rejected(path, want);
}

static void test_unknown_chart(void **st)
{
	char text[1024], path[256];
	int n = snprintf(text, sizeof text, "%scharts  makespan latency_pdf\n", good);
	write_suite(path, sizeof path, "chart.suite", text, (size_t)n);
	expect_rejected(path,
			":6: charts: no chart 'latency_pdf' (the charts: throughput, "
			"latency, speedup, memory, makespan, cpu, latency_cdf, switch, "
			"server_throughput, server_latency, server_rate, server_cost, "
			"server_steps, timeline_MODEL, states_MODEL)");
}

static void test_non_finite_bound(void **st)
{
	char text[1024], path[256];
	int n = snprintf(text, sizeof text, "%sexpect  makespan(threads) / delay in nan..1\n",
			 good);
	write_suite(path, sizeof path, "nan.suite", text, (size_t)n);
	expect_rejected(path, ":6: expect: bound 'nan' is not a finite number");
	n = snprintf(text, sizeof text, "%sexpect  makespan(threads) / delay in 1e999999..2\n",
		     good);
	write_suite(path, sizeof path, "huge.suite", text, (size_t)n);
	expect_rejected(path, ":6: expect: bound '1e999999' is not a finite number");
}

/* text_escape: printable UTF-8 stays; C1 controls, broken and overlong
 * sequences, surrogates and control bytes become \xNN; the cut is clean. */
static void test_escape(void **st)
{
	char buf[64];

	text_escape(buf, sizeof buf, "caf\xc3\xa9 \xc2\xb5s \xe2\x82\xac \xf0\x9f\x98\x80");
	assert_string_equal(buf, "caf\xc3\xa9 \xc2\xb5s \xe2\x82\xac \xf0\x9f\x98\x80");
	text_escape(buf, sizeof buf, "\x1b[1m\x7f\t\xc2\x9b\xc3");
	assert_string_equal(buf, "\\x1b[1m\\x7f\\x09\\xc2\\x9b\\xc3");
	text_escape(buf, sizeof buf, "\xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80");
	assert_string_equal(buf, "\\xc0\\xaf \\xed\\xa0\\x80 \\xf4\\x90\\x80\\x80");
	text_escape(buf, 6, "ab\x1b");
	assert_string_equal(buf, "ab"); /* no half an escape */
	text_escape(buf, 7, "ab\x1b");
	assert_string_equal(buf, "ab\\x1b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_runs),        cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_escape_bytes),     cmocka_unit_test(test_unknown_chart),
		cmocka_unit_test(test_non_finite_bound), cmocka_unit_test(test_escape),
	};
	return cmocka_run_group_tests_name("cli_suite", tests, setup, teardown);
}

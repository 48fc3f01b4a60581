/*
 * test_csvread.c - reading CSV back: RFC 4180 records (quotes, doubled
 * quotes, line breaks in cells, CRLF), empty cells as NaN, malformed input
 * refused, and results.csv rows read back as rows.c wrote them.
 */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/report/csvread.h"
#include "harness/report/rows.h"

static FILE *text(const char *s)
{
	FILE *f = tmpfile();
	fputs(s, f);
	rewind(f);
	return f;
}

static void test_records(void **state)
{
	FILE *f = text("a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",,x\nlast");
	csv_reader r;
	csv_init(&r, f);
	assert_int_equal(csv_next(&r), 1);
	assert_int_equal(r.nfield, 3);
	assert_string_equal(r.field[0], "a");
	assert_string_equal(r.field[1], "b,c");
	assert_string_equal(r.field[2], "say \"hi\"");
	assert_int_equal(csv_next(&r), 1);
	assert_int_equal(r.nfield, 3);
	assert_string_equal(r.field[0], "two\nlines");
	assert_string_equal(r.field[1], "");
	assert_string_equal(r.field[2], "x");
	assert_int_equal(csv_next(&r), 1); /* no final line end */
	assert_int_equal(r.nfield, 1);
	assert_string_equal(r.field[0], "last");
	assert_int_equal(csv_next(&r), 0);
	csv_free(&r);
	fclose(f);
}

static void test_malformed(void **state)
{
	const char *bad[] = { "\"never closed\n", "\"a\"b,c\n" };
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		FILE *f = text(bad[i]);
		csv_reader r;
		csv_init(&r, f);
		assert_int_equal(csv_next(&r), -1);
		csv_free(&r);
		fclose(f);
	}
}

static void test_numbers(void **state)
{
	assert_true(isnan(csv_num("")));
	assert_true(isnan(csv_num("12x")));
	assert_true(isnan(csv_num(NULL)));
	assert_true(csv_num("0.000123") == 0.000123);
	assert_true(csv_num("7032.2499") == 7032.2499);
}

/* What rows.c writes, csvread.c reads back. */
static void test_roundtrip(void **state)
{
	char path[] = "/tmp/cb-csvread-XXXXXX", err[256];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	res_run a = { 0 };
	snprintf(a.model, sizeof a.model, "threads:stack=64k");
	snprintf(a.workload, sizeof a.workload, "http");
	snprintf(a.params, sizeof a.params, "delay_ms=20,size=1k");
	snprintf(a.status, sizeof a.status, "error: \"x\", y");
	a.tasks = 64;
	a.concurrency = 16;
	a.rep = 2;
	a.makespan_s = 0.022606123;
	a.throughput_per_s = 2831.12345;
	a.lat_mean_s = a.lat_p50_s = a.lat_p90_s = a.lat_p99_s = a.lat_max_s = NAN;
	a.svc_mean_s = a.svc_p50_s = a.svc_p99_s = 0.02;
	a.cpu_user_s = 0.001;
	a.cpu_sys_s = 0;
	a.ctx_voluntary = 12;
	a.ctx_involuntary = -1; /* unknown: an empty cell */
	a.max_rss_kib = 2048;
	a.errors = 1;
	a.digest = 0xe62433836c13eb45ull;
	snprintf(a.host, sizeof a.host, "lab-vm");
	snprintf(a.concbench_version, sizeof a.concbench_version, "0.1.0");
	snprintf(a.started_utc, sizeof a.started_utc, "2026-11-30T06:12:27Z");
	rows_csv_header(f);
	res_run ok = a;
	snprintf(ok.status, sizeof ok.status, "ok");
	rows_csv_row(f, &ok);
	rows_csv_row(f, &a);
	fclose(f);

	res_run *r;
	size_t n;
	assert_int_equal(csv_read_results(path, &r, &n, err, sizeof err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(r[1].model, a.model);
	assert_string_equal(r[1].params, a.params);
	assert_string_equal(r[1].status, a.status);
	assert_int_equal(r[1].tasks, 64);
	assert_int_equal(r[1].concurrency, 16);
	assert_int_equal(r[1].rep, 2);
	assert_true(r[1].makespan_s == a.makespan_s);
	assert_true(fabs(r[1].throughput_per_s - a.throughput_per_s) < 1e-4);
	assert_true(isnan(r[1].lat_p99_s));
	assert_true(r[1].cpu_sys_s == 0);
	assert_int_equal(r[1].ctx_voluntary, 12);
	assert_int_equal(r[1].ctx_involuntary, -1);
	assert_int_equal(r[1].max_rss_kib, 2048);
	assert_int_equal(r[1].errors, 1);
	assert_true(r[1].digest == 0); /* failed: written as an empty cell */
	assert_true(r[0].digest == a.digest);
	assert_string_equal(r[1].host, "lab-vm");
	assert_string_equal(r[1].concbench_version, "0.1.0");
	assert_string_equal(r[1].started_utc, "2026-11-30T06:12:27Z");
	free(r);
	unlink(path);

	assert_int_equal(csv_read_results("/nonexistent/results.csv", &r, &n, err, sizeof err), -1);
	assert_non_null(strstr(err, "/nonexistent/results.csv"));
}

/* A results.csv from before the provenance columns (and the pace column)
 * reads as before, the missing cells empty. */
static void test_older_columns(void **state)
{
	char err[256];
	res_run *r;
	size_t n;

	assert_int_equal(
		csv_read_results("tests/fixtures/plot-fib/results.csv", &r, &n, err, sizeof err),
		0);
	assert_true(n > 0);
	assert_string_equal(r[0].workload, "fib");
	assert_true(r[0].digest != 0);
	assert_true(isnan(r[0].pace));
	assert_string_equal(r[0].host, "");
	assert_string_equal(r[0].concbench_version, "");
	assert_string_equal(r[0].started_utc, "");
	free(r);
}

static void test_tasks(void **state)
{
	char path[] = "/tmp/cb-csvread-XXXXXX", err[256];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("task,submit_s,start_s,end_s,worker,cpu,runs,err\n"
	      "0,0,0.000543432,0.021485806,3,1,1,0\n"
	      "1,0,,,,,0,110\n",
	      f);
	fclose(f);
	csv_task *t;
	size_t n;
	assert_int_equal(csv_read_tasks(path, &t, &n, err, sizeof err), 0);
	assert_int_equal(n, 2);
	assert_true(t[0].start_s == 0.000543432 && t[0].end_s == 0.021485806);
	assert_int_equal(t[0].worker, 3);
	assert_int_equal(t[0].cpu, 1);
	assert_int_equal(t[0].runs, 1);
	assert_true(isnan(t[1].start_s));
	assert_int_equal(t[1].worker, -1);
	assert_int_equal(t[1].runs, 0);
	assert_int_equal(t[1].err, 110);
	free(t);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),       cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_numbers),       cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_older_columns), cmocka_unit_test(test_tasks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

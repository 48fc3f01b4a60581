/*
 * test_cli_serve.c - `concbench run` of a server workload end to end: the
 * listening socket, the load on the other CPUs and the row's client
 * figures. Every model answers with the work's digest (one body digest for
 * every row, the one null's task 0 gives), every step has one run digest,
 * an iterative server's queued connections show as requests cut at the end
 * that waited the whole window, and the load options are usage errors
 * without a server workload.
 */
#define _GNU_SOURCE
#include "tests/clirun.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/csvread.h"
#include "harness/run/spec.h"
#include "workloads/workload.h"

/* The digest of the body serve answers for work=null, seed 0. */
static void expected_body(char out[20])
{
	wl_spec w;
	char err[256], body[32];
	wl_result r = { 0 };
	assert_int_equal(spec_workload("null", 0, &w, err, sizeof err), 0);
	assert_int_equal(wl_prepare(&w, err, sizeof err), 0);
	w.kind->run(&w, 0, &wl_io_blocking, &r);
	wl_release(&w);
	int n = snprintf(body, sizeof body, "%016llx\n", (unsigned long long)r.digest);
	snprintf(out, 20, "%016llx", (unsigned long long)wl_digest_bytes(body, (size_t)n));
}

/* The rows but those kept as "slowed: ..." (their rerun follows them). */
static size_t drop_slowed(res_run *rows, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!res_slowed(&rows[i]))
			rows[k++] = rows[i];
	return k;
}

static void test_server_sweep(void **st)
{
	result *r = RUN("run", "-w", "serve:work=null", "-m", "sequential,threads,fork,epoll", "-c",
			"2", "--connections", "1,3", "--duration", "300ms", "--reps", "1", "-o",
			tmpdir, "--name", "srv", "--no-plot");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "under a load"));
	char p[256], err[256], want[20];
	path_in(p, sizeof p, "srv", "results.csv");
	res_run *rows;
	size_t n;
	assert_int_equal(csv_read_results(p, &rows, &n, err, sizeof err), 0);
	n = drop_slowed(rows, n); /* a busy machine's reruns keep the first try too */
	assert_int_equal(n, 8);   /* 2 connection counts x 4 models */
	expected_body(want);
	for (size_t i = 0; i < n; i++) {
		const res_run *x = &rows[i];
		assert_string_equal(x->status, "ok");
		assert_true(x->tasks == 1 || x->tasks == 3);
		assert_true(x->digest == rows[i < 4 ? 0 : 4].digest); /* one per step */
		assert_string_equal(x->body_digest, want);
		assert_true(x->client_requests > 0);
		assert_int_equal(x->client_errors, 0);
		assert_true(x->client_rps > 0 && x->client_p50_s > 0);
		assert_true(x->client_p99_s >= x->client_p50_s);
		if (x->tasks == 3 && !strcmp(x->model, "sequential")) {
			/* two connections wait behind the first all window long */
			assert_true(x->client_unfinished >= 2);
			assert_true(x->client_max_s >= 0.25);
		}
	}
	assert_true(rows[0].digest != rows[4].digest); /* N differs */
	free(rows);
}

/* --idle: of 4 connections 2 speak once and stay open, the row says so;
 * --rate 0 is the closed loop beside an open one in the same sweep. */
static void test_idle_and_rate0(void **st)
{
	result *r = RUN("run", "-w", "serve:work=null", "-m", "epoll,threads", "--connections", "4",
			"--idle", "2", "--rate", "0,200", "--duration", "300ms", "--reps", "1", "-o",
			tmpdir, "--name", "idle", "--no-plot");
	assert_int_equal(r->code, 0);
	char p[256], err[256], want[20];
	path_in(p, sizeof p, "idle", "results.csv");
	res_run *rows;
	size_t n;
	assert_int_equal(csv_read_results(p, &rows, &n, err, sizeof err), 0);
	n = drop_slowed(rows, n);
	assert_int_equal(n, 4); /* 2 rates x 2 models */
	expected_body(want);
	int closed = 0;
	for (size_t i = 0; i < n; i++) {
		const res_run *x = &rows[i];
		assert_string_equal(x->status, "ok"); /* the idle ones were served too */
		assert_int_equal(x->tasks, 4);
		assert_int_equal(x->client_idle, 2);
		assert_string_equal(x->body_digest, want);
		assert_int_equal(x->client_errors, 0);
		if (isnan(x->rate_requested))
			closed++;
		else /* 200/s for 300 ms from the 2 busy ones: 60, none cut */
			assert_true(x->rate_requested == 200 && x->client_requests >= 58 &&
				    x->client_requests <= 60);
	}
	assert_int_equal(closed, 2);
	free(rows);
}

/* stall_ms: the server stops for 300 ms of every 600 from its start; an
 * open loop at 200/s charges the stall to the requests it delayed (the
 * bound the stall forces, not a speed), timed from their actual send they
 * look shorter. */
static void test_stall(void **st)
{
	result *r = RUN("run", "-w", "serve:stall_ms=300,stall_every_ms=600,work=null", "-m",
			"epoll", "--connections", "2", "--rate", "200", "--duration", "1s",
			"--reps", "1", "-o", tmpdir, "--name", "stall", "--no-plot");
	assert_int_equal(r->code, 0);
	char p[256], err[256];
	path_in(p, sizeof p, "stall", "results.csv");
	res_run *rows;
	size_t n;
	assert_int_equal(csv_read_results(p, &rows, &n, err, sizeof err), 0);
	n = drop_slowed(rows, n);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].status, "ok");
	assert_non_null(strstr(rows[0].params, "stall_ms=300,stall_every_ms=600"));
	assert_true(rows[0].client_p99_s >= 0.1);
	assert_true(rows[0].client_p99_uncorrected_s < rows[0].client_p99_s);
	free(rows);
}

static void test_usage(void **st)
{
	USAGE("shorter than its period", "run", "-w",
	      "serve:stall_ms=600,stall_every_ms=600,work=null", "--connections", "2");
	USAGE("--idle", "run", "-w", "fib:n=10", "--idle", "2");
	USAGE("must stay busy", "run", "-w", "serve:work=null", "--connections", "4,2", "--idle",
	      "2");
	USAGE("--duration, not --requests", "run", "-w", "serve:work=null", "--connections", "4",
	      "--idle", "1", "--requests", "10");
	USAGE("--rate", "run", "-w", "serve:work=null", "--rate", "-1");
	USAGE("--connections", "run", "-w", "null", "--connections", "4");
	USAGE("--rate", "run", "-w", "fib:n=10", "--rate", "100");
	USAGE("not both", "run", "-w", "serve:work=null", "--duration", "1s", "--requests", "5");
	USAGE("--duration", "run", "-w", "serve:work=null", "--duration", "soon");
	USAGE("--connections", "run", "-w", "serve:work=null", "--connections", "0");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_sweep),
		cmocka_unit_test(test_idle_and_rate0),
		cmocka_unit_test(test_stall),
		cmocka_unit_test(test_usage),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

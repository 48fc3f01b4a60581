/*
 * test_load_cli.c - `concbench load` as a user meets it: help, usage errors
 * (exit 2, naming the argument), a refused target (exit 1, said plainly),
 * and runs against the bundled target started by `concbench serve`: -n 200
 * -c 4 gives 200 ok replies and no error; --rate reports both latencies and
 * the achieved rate; --latency the spectrum; Ctrl-C exits 130 after the
 * table.
 */
#define _GNU_SOURCE
#include "tests/clirun.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "tests/http_fixture.h"

#include "harness/plot/plot.h"
#include "harness/report/file.h"
#include "harness/report/json.h"
#include "workloads/http/httpbody.h"

static pid_t server;
static int server_out, server_err;
static char base[96]; /* http://127.0.0.1:PORT */

/* `concbench serve --listen 127.0.0.1:0`, its port from what it prints. */
static int serve_start(void **st)
{
	static result r;
	int port = 0;
	setup(st);
	server = start((const char *const[]){ "serve", "--listen", "127.0.0.1:0", NULL },
		       &server_out, &server_err);
	drain(server_out, server_err, &r, "\n");
	const char *at = strstr(r.out, "127.0.0.1:");
	if (!at || sscanf(at, "127.0.0.1:%d", &port) != 1)
		return -1;
	snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
	return 0;
}

static int serve_stop(void **st)
{
	static result r;
	kill(server, SIGINT);
	drain(server_out, server_err, &r, NULL);
	finish(server);
	return teardown(st);
}

static void test_help_and_usage(void **st)
{
	result *r = RUN("load", "--help");
	assert_int_equal(r->code, 0);
	for (const char *const *s =
		     (const char *const[]){ "usage: concbench load URL", "--rate", "-c,", "-t,",
					    "-d,", "-n,", "--warmup", "--timeout", "--close",
					    "--latency", "--check-body", "examples:", NULL };
	     *s; s++)
		assert_non_null(strstr(r->out, *s));
	r = RUN("help", "load");
	assert_int_equal(r->code, 0);
	USAGE("give a URL", "load", "-n", "5");
	USAGE("http://", "load", "ftp://127.0.0.1/", "-n", "5");
	USAGE("https", "load", "https://127.0.0.1/", "-n", "5");
	USAGE("bad port", "load", "http://127.0.0.1:99999/", "-n", "5");
	USAGE("-d DURATION or -n REQUESTS", "load", "http://127.0.0.1:1/");
	USAGE("not both", "load", "http://127.0.0.1:1/", "-d", "1s", "-n", "5");
	USAGE("-d: '1parsec'", "load", "http://127.0.0.1:1/", "-d", "1parsec");
	USAGE("-d: '0'", "load", "http://127.0.0.1:1/", "-d", "0");
	USAGE("-n", "load", "http://127.0.0.1:1/", "-n", "0");
	USAGE("-n", "load", "http://127.0.0.1:1/", "-n", "lots");
	USAGE("-c", "load", "http://127.0.0.1:1/", "-n", "5", "-c", "0");
	USAGE("--rate: '0'", "load", "http://127.0.0.1:1/", "-n", "5", "--rate", "0");
	USAGE("--rate: 'fast'", "load", "http://127.0.0.1:1/", "-n", "5", "--rate", "fast");
	USAGE("--timeout", "load", "http://127.0.0.1:1/", "-n", "5", "--timeout", "0");
	USAGE("--warmup", "load", "http://127.0.0.1:1/", "-n", "5", "--warmup", "-1s");
	USAGE("more threads than connections", "load", "http://127.0.0.1:1/", "-n", "5", "-c", "2",
	      "-t", "3");
	USAGE("--bogus", "load", "http://127.0.0.1:1/", "-n", "5", "--bogus");
	USAGE("-d", "load", "http://127.0.0.1:1/", "-d");
	USAGE("-c: '1..x'", "load", "http://127.0.0.1:1/", "-n", "5", "-c", "1..x");
	USAGE("-c: '4..2'", "load", "http://127.0.0.1:1/", "-n", "5", "-c", "4..2");
	USAGE("--rate: '10..5'", "load", "http://127.0.0.1:1/", "-n", "5", "--rate", "10..5");
	USAGE("--rate: '1e9'", "load", "http://127.0.0.1:1/", "-n", "5", "--rate", "1e9");
	USAGE("at most 256", "load", "http://127.0.0.1:1/", "-n", "5", "-c", "1..20",
	      "--rate", "1..20");
	USAGE("--out", "load", "http://127.0.0.1:1/", "-n", "5", "--out");
}

/* Nothing listening: exit 1, a message that says so, no table. */
static void test_refused(void **st)
{
	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", closed_port());
	result *r = RUN("load", url, "-n", "5");
	assert_int_equal(r->code, 1);
	assert_non_null(strstr(r->err, "Connection refused"));
	assert_non_null(strstr(r->err, "nothing measured"));
	assert_string_equal(r->out, "");
}

static void test_closed_loop(void **st)
{
	char url[160];
	snprintf(url, sizeof url, "%s/work?size=2048&seed=1", base);
	result *r = RUN("load", url, "-n", "200", "-c", "4");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "closed loop, 4 connections on 1 thread, keep-alive"));
	assert_non_null(strstr(r->out, "requests   200 in "));
	assert_non_null(strstr(r->out, ": 200 ok, 0 errors"));
	assert_non_null(strstr(r->out, "exact (every sample)"));
	assert_non_null(
		strstr(r->out, "errors     connect 0, timeout 0, reset 0, status 0, body 0"));
	for (const char *const *s = (const char *const[]){ "p50", "p90", "p99 ", "p99.9 ", "p99.99",
							   "max", "mean", "stdev", NULL };
	     *s; s++)
		assert_non_null(strstr(r->out, *s));
	assert_null(strstr(r->out, "uncorrected"));
	assert_string_equal(r->err, "");

	/* --check-body against the bundled target: the digest every reply had
	 * is the one of the body /work?size=2048&seed=1 must be */
	unsigned char body[2048];
	char want[80];
	httpbody_fill(1, 0, body, sizeof body);
	snprintf(want, sizeof want, "every ok reply the same bytes: digest %016llx",
		 (unsigned long long)wl_digest_bytes(body, sizeof body));
	r = RUN("load", url, "-n", "100", "-c", "3", "-t", "3", "--check-body");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, ": 100 ok, 0 errors"));
	assert_non_null(strstr(r->out, want));

	/* a 404 is counted, not fatal; nothing ok is exit 1 */
	snprintf(url, sizeof url, "%s/nothing-here", base);
	r = RUN("load", url, "-n", "3", "-c", "1", "--close");
	assert_int_equal(r->code, 1);
	assert_non_null(strstr(r->out, "status 3"));
	assert_non_null(strstr(r->out, "first status error: HTTP 404"));
	assert_non_null(strstr(r->err, "no request succeeded"));
}

static void test_open_loop(void **st)
{
	char url[160];
	snprintf(url, sizeof url, "%s/work?size=100", base);
	result *r =
		RUN("load", url, "-n", "60", "-c", "2", "-t", "2", "--rate", "2000", "--latency");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "open loop, 2 connections on 2 threads"));
	assert_non_null(strstr(r->out, ": 60 ok, 0 errors"));
	assert_non_null(strstr(r->out, "sent of 2000.0 requested"));
	assert_non_null(strstr(r->out, "corrected  uncorrected"));
	assert_non_null(strstr(r->out, "latency spectrum (corrected)"));
	assert_non_null(strstr(r->out, "latency spectrum (uncorrected)"));
	assert_non_null(strstr(r->out, "1.000000"));
}

/* The line of results.csv (1: the header) into buf; 0 if there is none. */
static int csv_line(const char *path, int k, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	int i = 0;
	if (!f)
		return 0;
	while (fgets(buf, (int)len, f))
		if (++i == k)
			break;
	fclose(f);
	return i == k;
}

/* The value of column `name` of data line k of a CSV, as text. */
static void csv_cell(const char *path, int k, const char *name, char *out, size_t len)
{
	char head[2048], line[2048];
	assert_true(csv_line(path, 1, head, sizeof head));
	assert_true(csv_line(path, k + 1, line, sizeof line));
	int col = 1;
	for (const char *h = head; (h = strstr(h, name)); h++)
		if ((h == head || h[-1] == ',') && strchr(",\n", h[strlen(name)])) {
			for (const char *c = head; c < h; c++)
				col += *c == ',';
			const char *v = csv_field(line, col);
			assert_non_null(v);
			snprintf(out, len, "%.*s", (int)strcspn(v, ",\n"), v);
			return;
		}
	fail_msg("no column %s in %s", name, path);
}

/* A sweep: every rate at every connection count, a step each, a table of
 * the steps, and a results directory holding a row per step, each step's
 * spectrum and (with gnuplot) the two charts. */
static void test_sweep(void **st)
{
	char url[160], out[96], path[256], v[64];
	snprintf(url, sizeof url, "%s/work?size=512&seed=3", base);
	snprintf(out, sizeof out, "%s", tmpdir);
	result *r = RUN("load", url, "-n", "40", "-c", "1,2", "--rate", "400,800", "-o", out,
			"--name", "sw", "--check-body");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "step 1 of 4: 1 connection, --rate 400"));
	assert_non_null(strstr(r->out, "step 4 of 4: 2 connections, --rate 800"));
	assert_non_null(strstr(r->out, "steps (latency from the intended send: corrected)"));
	assert_non_null(strstr(r->out, "results: "));

	path_in(path, sizeof path, "sw", "results.csv");
	char line[2048];
	assert_true(csv_line(path, 5, line, sizeof line)); /* header and four rows */
	assert_false(csv_line(path, 6, line, sizeof line));
	static const char *const want[4][3] = {
		{ "1", "400.000", "1" }, { "2", "800.000", "1" },
		{ "3", "400.000", "2" }, { "4", "800.000", "2" } };
	unsigned char body[512];
	char digest[24];
	httpbody_fill(3, 0, body, sizeof body);
	snprintf(digest, sizeof digest, "%016llx",
		 (unsigned long long)wl_digest_bytes(body, sizeof body));
	for (int k = 1; k <= 4; k++) {
		csv_cell(path, k, "step", v, sizeof v);
		assert_string_equal(v, want[k - 1][0]);
		csv_cell(path, k, "rate_requested", v, sizeof v);
		assert_string_equal(v, want[k - 1][1]);
		csv_cell(path, k, "connections", v, sizeof v);
		assert_string_equal(v, want[k - 1][2]);
		csv_cell(path, k, "ok", v, sizeof v);
		assert_string_equal(v, "40");
		csv_cell(path, k, "loop", v, sizeof v);
		assert_string_equal(v, "open");
		csv_cell(path, k, "digest", v, sizeof v);
		assert_string_equal(v, digest); /* the body every reply had */
		csv_cell(path, k, "status", v, sizeof v);
		assert_string_equal(v, "ok");
		csv_cell(path, k, "exact", v, sizeof v);
		assert_string_equal(v, "1");
	}
	/* the spectrum of each step, corrected and uncorrected, ends at 100 % */
	path_in(path, sizeof path, "sw", "spectrum.csv");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int ends[5][2] = { { 0 } };
	while (fgets(line, sizeof line, f)) {
		unsigned step;
		char kind[16];
		double pct;
		if (sscanf(line, "%u,%15[a-z],%lf", &step, kind, &pct) == 3 && pct == 100 && step <= 4)
			ends[step][!strcmp(kind, "uncorrected")]++;
	}
	fclose(f);
	for (int k = 1; k <= 4; k++)
		assert_true(ends[k][0] == 1 && ends[k][1] == 1);
	path_in(path, sizeof path, "sw", "results.json");
	size_t len;
	char err[256], *json = file_slurp(path, 1 << 24, &len, err, sizeof err);
	assert_non_null(json);
	assert_int_equal(json_check(json, len, err, sizeof err), 0);
	assert_non_null(strstr(json, "\"kind\": \"load\""));
	free(json);
	path_in(path, sizeof path, "sw", "latency_throughput.gp");
	assert_int_equal(access(path, R_OK), 0);
	if (plot_available(NULL)) {
		path_in(path, sizeof path, "sw", "spectrum.png");
		assert_int_equal(access(path, R_OK), 0);
		path_in(path, sizeof path, "sw", "latency_throughput.png");
		assert_int_equal(access(path, R_OK), 0);
	}

	/* a closed loop: no requested rate, no uncorrected figures, and
	 * `concbench plot DIR` redraws the spectrum */
	r = RUN("load", url, "-n", "30", "-c", "2", "-o", out, "--name", "closed", "--no-plot");
	assert_int_equal(r->code, 0);
	path_in(path, sizeof path, "closed", "results.csv");
	csv_cell(path, 1, "loop", v, sizeof v);
	assert_string_equal(v, "closed");
	csv_cell(path, 1, "rate_requested", v, sizeof v);
	assert_string_equal(v, "");
	csv_cell(path, 1, "unc_p50_ms", v, sizeof v);
	assert_string_equal(v, "");
	csv_cell(path, 1, "digest", v, sizeof v);
	assert_string_equal(v, ""); /* not checked */
	path_in(path, sizeof path, "closed", "spectrum.gp");
	assert_int_equal(access(path, R_OK), -1);
	snprintf(path, sizeof path, "%s/closed/latest", tmpdir);
	r = RUN("plot", path);
	assert_int_equal(r->code, 0);
	path_in(path, sizeof path, "closed", "spectrum.gp");
	assert_int_equal(access(path, R_OK), 0);
	path_in(path, sizeof path, "closed", "latency_throughput.gp");
	assert_int_equal(access(path, R_OK), -1); /* one step: no curve */
}

/* --body FILE: every request a POST of its bytes, answered as a GET; a
 * missing file is a usage error. */
static void test_post(void **st)
{
	char url[160], out[96], path[256], v[64], file[128];
	snprintf(url, sizeof url, "%s/work?size=64&seed=2", base);
	snprintf(out, sizeof out, "%s", tmpdir);
	snprintf(file, sizeof file, "%s/body.bin", tmpdir);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	for (int i = 0; i < 100000; i++)
		fputc('a' + i % 26, f);
	fclose(f);
	result *r = RUN("load", url, "-n", "20", "-c", "2", "--body", file, "--check-body", "-o",
			out, "--name", "post", "--no-plot");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, ": 20 ok, 0 errors"));
	assert_non_null(strstr(r->out, "the body the bundled target's /work must send"));
	path_in(path, sizeof path, "post", "results.csv");
	csv_cell(path, 1, "method", v, sizeof v);
	assert_string_equal(v, "POST");
	csv_cell(path, 1, "digest", v, sizeof v);
	char want[24];
	snprintf(want, sizeof want, "%016llx", (unsigned long long)httpbody_digest(2, 64));
	assert_string_equal(v, want);
	USAGE("--body", "load", url, "-n", "5", "--body", "/nonexistent/body");
}

/* A server that stops for 300 ms every second, under an open loop for 3 s:
 * at least two stalls fall inside the window, and every request meant to
 * go during one cannot be answered before it ends, so the corrected p99
 * (a fifth of the requests wait 0..300 ms) is at least 100 ms. A lower
 * bound the stall forces, never a speed. */
static void test_stall(void **st)
{
	static result sr;
	int so, se, port = 0;
	char url[160], out[96], path[256], v[64];
	pid_t srv = start((const char *const[]){ "serve", "--listen", "127.0.0.1:0", "--stall",
						 "300ms/1s", NULL },
			  &so, &se);
	memset(&sr, 0, sizeof sr);
	drain(so, se, &sr, "\n");
	const char *at = strstr(sr.out, "127.0.0.1:");
	assert_true(at && sscanf(at, "127.0.0.1:%d", &port) == 1);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/work?size=100", port);
	snprintf(out, sizeof out, "%s", tmpdir);
	result *r = RUN("load", url, "-d", "3s", "-c", "2", "--rate", "200", "-o", out, "--name",
			"stall", "--no-plot");
	kill(srv, SIGINT);
	drain(so, se, &sr, NULL);
	finish(srv);
	assert_int_equal(r->code, 0);
	path_in(path, sizeof path, "stall", "results.csv");
	csv_cell(path, 1, "p99_ms", v, sizeof v);
	assert_true(strtod(v, NULL) >= 100);
	csv_cell(path, 1, "max_ms", v, sizeof v);
	assert_true(strtod(v, NULL) >= 200);
}

/* Ctrl-C: the table of what was measured, then exit 130. */
static void test_interrupt(void **st)
{
	char url[160];
	static result r;
	int o, e;
	snprintf(url, sizeof url, "%s/work?size=10&delay_ms=1", base);
	pid_t pid =
		start((const char *const[]){ "load", url, "-d", "60s", "-c", "2", NULL }, &o, &e);
	usleep(400000);
	kill(pid, SIGINT);
	memset(&r, 0, sizeof r);
	drain(o, e, &r, NULL);
	assert_int_equal(finish(pid), 130);
	assert_non_null(strstr(r.out, "interrupted"));
	assert_non_null(strstr(r.out, "requests   "));

	/* a sweep: the step running is kept as interrupted, in the files too,
	 * and no later step starts */
	char out[96], path[256], line[2048];
	snprintf(out, sizeof out, "%s", tmpdir);
	pid = start((const char *const[]){ "load", url, "-d", "60s", "-c", "1,2,3", "-o", out,
					   "--name", "cut", "--no-plot", NULL },
		    &o, &e);
	usleep(400000);
	kill(pid, SIGINT);
	memset(&r, 0, sizeof r);
	drain(o, e, &r, NULL);
	assert_int_equal(finish(pid), 130);
	assert_non_null(strstr(r.out, "step 1 of 3"));
	assert_null(strstr(r.out, "step 2 of 3"));
	path_in(path, sizeof path, "cut", "results.csv");
	assert_true(csv_line(path, 2, line, sizeof line));
	assert_false(csv_line(path, 3, line, sizeof line));
	assert_non_null(strstr(line, ",interrupted,"));
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_and_usage), cmocka_unit_test(test_refused),
		cmocka_unit_test(test_closed_loop),    cmocka_unit_test(test_open_loop),
		cmocka_unit_test(test_interrupt),      cmocka_unit_test(test_sweep),
		cmocka_unit_test(test_post),           cmocka_unit_test(test_stall),
	};
	return cmocka_run_group_tests(tests, serve_start, serve_stop);
}

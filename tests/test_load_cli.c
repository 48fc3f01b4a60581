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
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_and_usage), cmocka_unit_test(test_refused),
		cmocka_unit_test(test_closed_loop),    cmocka_unit_test(test_open_loop),
		cmocka_unit_test(test_interrupt),
	};
	return cmocka_run_group_tests(tests, serve_start, serve_stop);
}

/*
 * test_load_run.c - the load generator's client against canned servers
 * (tests/http_fixture.h): every reply counted once, as ok or as an error of
 * the right kind; keep-alive holds one socket per connection (--close
 * opens one per request); -n is exact over threads; -d sets the window;
 * a warm-up is run and not counted; the stop flag ends a run with what it
 * measured; a stalled open loop counts what it could not send; no fd is
 * left open.
 */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include "tests/http_fixture.h"

#include "harness/load/client.h"
#include "harness/load/probe.h"

/* A config for `load http://127.0.0.1:port/x -n n -c conns -t threads`. */
static load_cfg cfg(int port, uint64_t n, unsigned conns, unsigned threads)
{
	load_cfg c = { .conns = conns, .threads = threads, .requests = n, .exact = 1 };
	char url[64], err[256];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/x", port);
	assert_int_equal(httpcfg_url(&c.http, url, "URL", err, sizeof err), 0);
	c.http.keepalive = c.http.hold = 1;
	c.http.timeout_ms = 300;
	return c;
}

/* Run c; its result (caller frees). */
static load_result run_cfg(const load_cfg *c)
{
	load_result r;
	char err[256];
	int fds = count_fds();
	assert_int_equal(load_result_init(&r, c->exact), 0);
	if (load_run(c, &r, err, sizeof err) < 0)
		fail_msg("load_run: %s", err);
	assert_int_equal(count_fds(), fds); /* every socket closed */
	return r;
}

/* Scene scene, 6 requests on 2 connections: all of them of one kind. */
static void expect_kind(enum scene scene, int kind, const char *msg)
{
	struct srv s = srv_start(scene);
	load_cfg c = cfg(s.port, 6, 2, 1);
	load_result r = run_cfg(&c);
	assert_int_equal(r.ok, 0);
	assert_int_equal(load_result_errors(&r), 6);
	assert_int_equal(r.errors[kind], 6);
	assert_non_null(strstr(r.first_error[kind], msg));
	assert_int_equal(r.corrected.n, 0);
	load_result_free(&r);
	srv_stop(&s);
}

static void test_error_kinds(void **st)
{
	expect_kind(NOT_FOUND, LOAD_ERR_STATUS, "404");
	expect_kind(GARBAGE, LOAD_ERR_BODY, "");
	expect_kind(TRUNCATED, LOAD_ERR_BODY, "");
	expect_kind(LONGER, LOAD_ERR_BODY, "");
	expect_kind(RESET, LOAD_ERR_RESET, "");
	expect_kind(SILENT, LOAD_ERR_TIMEOUT, "timed out");

	/* nobody there: the probe says so, and a run counts connect errors */
	load_cfg c = cfg(closed_port(), 6, 2, 1);
	char err[256];
	assert_int_equal(load_probe(&c.http, err, sizeof err), -1);
	assert_non_null(strstr(err, "Connection refused"));
	load_result r = run_cfg(&c);
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.errors[LOAD_ERR_CONNECT], 6);
	load_result_free(&r);
}

/* Keep-alive: 2 connections, 2 sockets, 12 requests; --close: 12 sockets;
 * a server that drops idle connections costs reconnects, not errors. */
static void test_keepalive(void **st)
{
	struct srv s = srv_start(OK);
	load_cfg c = cfg(s.port, 12, 2, 1);
	char err[256];
	assert_int_equal(load_probe(&c.http, err, sizeof err), 0);
	load_result r = run_cfg(&c);
	assert_int_equal(r.ok, 12);
	assert_int_equal(load_result_errors(&r), 0);
	assert_int_equal(r.corrected.n, 12);
	assert_int_equal(r.bytes,
			 12 * (strlen("HTTP/1.1 200 OK\r\nContent-Length: 27\r\n\r\n") + 27));
	srv_count(&s);
	assert_int_equal(s.requests, 12);
	assert_int_equal(s.accepts, 3); /* the probe's, and one per connection */
	load_result_free(&r);

	c.http.keepalive = 0;
	r = run_cfg(&c);
	assert_int_equal(r.ok, 12);
	srv_count(&s);
	assert_int_equal(s.accepts, 3 + 12);
	load_result_free(&r);

	/* --check-body: every body the same bytes, and the digest names them */
	c.check_body = 1;
	r = run_cfg(&c);
	assert_int_equal(r.ok, 12);
	assert_true(r.body_checked);
	assert_int_equal(r.body_digest, body_digest());
	load_result_free(&r);
	srv_stop(&s);

	s = srv_start(OK_CLOSE);
	c = cfg(s.port, 12, 2, 1);
	r = run_cfg(&c);
	assert_int_equal(r.ok, 12);
	assert_int_equal(load_result_errors(&r), 0);
	load_result_free(&r);
	srv_stop(&s);
}

/* -n is exact over threads and connections, open loop too; -d gives the
 * window; the stop flag ends a run and says so. */
static void test_lengths(void **st)
{
	struct srv s = srv_start(OK);
	load_cfg c = cfg(s.port, 41, 5, 2);
	load_result r = run_cfg(&c);
	assert_int_equal(r.ok, 41);
	assert_int_equal(r.corrected.n, 41);
	load_result_free(&r);

	c = cfg(s.port, 20, 2, 2);
	c.rate = 2000;
	r = run_cfg(&c);
	assert_int_equal(r.ok, 20);
	assert_int_equal(r.uncorrected.n, 20);
	assert_true(r.corrected.max >= r.uncorrected.min);
	load_result_free(&r);

	c = cfg(s.port, 0, 2, 1);
	c.duration_ns = 200000000;
	c.exact = 0;
	r = run_cfg(&c);
	assert_true(r.ok > 0);
	assert_true(r.window_s == 0.2);
	assert_false(r.interrupted);
	load_result_free(&r);

	/* a warm-up's requests are made and not counted */
	c = cfg(s.port, 5, 1, 1);
	c.warmup_ns = 100000000;
	srv_count(&s);
	int before = s.requests;
	r = run_cfg(&c);
	assert_int_equal(r.ok, 5);
	assert_int_equal(r.corrected.n, 5);
	srv_count(&s);
	assert_true(s.requests - before > 5);
	load_result_free(&r);

	volatile sig_atomic_t stop = 1;
	c.requests = 0; /* only the stop flag can end it */
	c.duration_ns = 3600ull * 1000000000;
	c.stop = &stop;
	r = run_cfg(&c);
	assert_true(r.interrupted);
	assert_true(r.window_s < 3600);
	load_result_free(&r);
	srv_stop(&s);
}

/* An open loop against a server that never answers: the one request out
 * is unfinished, and the 29 more the schedule meant to send in 300 ms at
 * 100/s are counted as unsent, not forgotten. */
static void test_stalled_open_loop(void **st)
{
	struct srv s = srv_start(SILENT);
	load_cfg c = cfg(s.port, 0, 1, 1);
	c.rate = 100;
	c.duration_ns = 300000000;
	c.http.timeout_ms = 5000;
	load_result r = run_cfg(&c);
	assert_int_equal(r.ok, 0);
	assert_int_equal(load_result_errors(&r), 0);
	assert_int_equal(r.unfinished, 1);
	assert_int_equal(r.unsent, 29);
	load_result_free(&r);
	srv_stop(&s);
}

/* --check-body with the body known beforehand (the bundled target's
 * /work): the right bytes are ok, other bytes are body errors every time,
 * even the first reply. */
static void test_expected_body(void **st)
{
	struct srv s = srv_start(OK);
	load_cfg c = cfg(s.port, 8, 2, 2);
	c.check_body = c.expect_set = 1;
	c.expect = wl_digest_bytes(BODY, strlen(BODY));
	load_result r = run_cfg(&c);
	assert_int_equal(r.ok, 8);
	assert_int_equal(load_result_errors(&r), 0);
	assert_true(r.body_checked);
	assert_true(r.body_digest == c.expect);
	load_result_free(&r);

	c.expect ^= 1;
	r = run_cfg(&c);
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.errors[LOAD_ERR_BODY], 8);
	assert_non_null(strstr(r.first_error[LOAD_ERR_BODY], "the one the target must send"));
	load_result_free(&r);
	srv_stop(&s);
}

/* Idle connections: each opens its socket, sends its one request, which
 * is not measured, and holds it to the end; the busy ones carry the load.
 * An idle count needs busy connections and a duration. */
static void test_idle(void **st)
{
	struct srv s = srv_start(OK);
	load_cfg c = cfg(s.port, 0, 5, 2);
	c.idle = 3;
	/* long enough for the idle ones' answers, under valgrind too */
	c.duration_ns = getenv("CB_MEMCHECK") ? 2000000000 : 300000000;
	c.exact = 0;
	srv_count(&s);
	int requests = s.requests, accepts = s.accepts;
	load_result r = run_cfg(&c);
	srv_count(&s);
	assert_int_equal(load_result_errors(&r), 0);
	assert_true(r.ok > 10);
	assert_int_equal(s.accepts - accepts, 5); /* one socket each, held */
	/* the server answered the measured ones, the 3 idle ones' first, and
	 * perhaps the busy ones' last, cut at the end */
	assert_true((uint64_t)(s.requests - requests) >= r.ok + 3);
	assert_true((uint64_t)(s.requests - requests) <= r.ok + 3 + r.unfinished);
	load_result_free(&r);

	char err[256];
	assert_int_equal(load_result_init(&r, 0), 0);
	c.idle = 5;
	assert_int_equal(load_run(&c, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "5 idle connections need more connections"));
	c.idle = 1;
	c.duration_ns = 0;
	c.requests = 10;
	assert_int_equal(load_run(&c, &r, err, sizeof err), -1);
	assert_non_null(strstr(err, "and a duration"));
	load_result_free(&r);
	srv_stop(&s);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_kinds),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_stalled_open_loop),
		cmocka_unit_test(test_expected_body),
		cmocka_unit_test(test_idle),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

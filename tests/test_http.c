/* test_http.c - one http or mixed task: what it sends, what it makes of each reply, its errors. */
/* Every task runs in both forms (http_fixture.h), which must agree; the digest of a good reply is
 * computed here, from the known body. No test leaves an fd open. Keep-alive: test_http_conn.c. */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include "tests/http_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

extern const wl_kind wl_http, wl_mixed;

/* One scene through both forms of http, with the server's port as the
 * bundled target; returns run()'s result. */
static wl_result http_scene(enum scene scene, const char *timeout_ms)
{
	int fds = count_fds();
	struct srv s = srv_start(scene);
	wl_result r;
	wl_spec w;

	http_spec(&w, &wl_http, s.port, "timeout_ms", timeout_ms, NULL);
	spec_prepare(&w);
	r = both_forms(&w, 3);
	wl_release(&w);
	srv_stop(&s);
	assert_int_equal(count_fds(), fds);
	return r;
}

static void expect_fail(enum scene scene, int err, const char *needle)
{
	wl_result r = http_scene(scene, "30000");

	if (r.err != err || !strstr(r.msg, needle))
		fail_msg("got %d '%s', want %d '%s'", r.err, r.msg, err, needle);
}

/* ---- the tests ---- */

static void test_good_replies(void **state)
{
	uint64_t want = body_digest();
	wl_result r;

	r = http_scene(OK, "30000");
	assert_int_equal(r.err, 0);
	assert_int_equal(r.digest, want);
	r = http_scene(CHUNKED, "30000");
	assert_int_equal(r.err, 0);
	assert_int_equal(r.digest, want);
	r = http_scene(EOF_BODY, "30000");
	assert_int_equal(r.err, 0);
	assert_int_equal(r.digest, want);
}

/* A 1 MiB body streams through a 4 KiB buffer into the digest. */
static void test_big_body(void **state)
{
	unsigned char *b = malloc(BIG_LEN);
	wl_result r;

	assert_non_null(b);
	for (size_t j = 0; j < BIG_LEN; j++)
		b[j] = big_byte(j);
	r = http_scene(BIG, "30000");
	assert_int_equal(r.err, 0);
	assert_int_equal(r.digest, wl_digest_bytes(b, BIG_LEN));
	free(b);
}

static void test_bad_replies(void **state)
{
	expect_fail(NOT_FOUND, EPROTO, "HTTP 404 Not Found from http://127.0.0.1:");
	expect_fail(NOT_FOUND, EPROTO, "/work?delay_ms=100&size=1024&seed=3");
	expect_fail(GARBAGE, EPROTO, "garbage status line: 'SPAM 200 OK'");
	expect_fail(TRUNCATED, EPROTO, "truncated body: got 10 of 100 bytes");
	expect_fail(LONGER, EPROTO, "body longer than Content-Length 5 (10 more bytes)");
	expect_fail(RESET, ECONNRESET, "recv: Connection reset by peer");
}

static void test_deadline(void **state)
{
	uint64_t t0 = wl_now_ns();
	wl_result r = http_scene(SILENT, "200");

	assert_int_equal(r.err, ETIMEDOUT);
	assert_string_equal(r.msg, "timed out after 200 ms (waiting for the reply)");
	assert_true(wl_now_ns() - t0 >= 2 * 200 * 1000000ull); /* both forms waited */
}

static void test_refused(void **state)
{
	int fds = count_fds(), port = closed_port();
	char want[64];
	wl_result r;
	wl_spec w;

	http_spec(&w, &wl_http, port, NULL);
	spec_prepare(&w);
	r = both_forms(&w, 0);
	snprintf(want, sizeof want, "connect to 127.0.0.1:%d: Connection refused", port);
	assert_int_equal(r.err, ECONNREFUSED);
	assert_string_equal(r.msg, want);
	wl_release(&w);
	assert_int_equal(count_fds(), fds);
}

/* A fresh connection sends its request in the first step, without a wait
 * for the handshake: where connect() already finished it (loopback does,
 * inside the call), that first step ends waiting to read. Before, it always
 * waited to write first. Under load the handshake may lag, so of 20 first
 * steps one such is enough; each then completes as usual. */
static void test_send_without_waiting(void **state)
{
	int fds = count_fds(), early = 0;
	struct srv s = srv_start(OK);
	wl_spec w;

	http_spec(&w, &wl_http, s.port, NULL);
	spec_prepare(&w);
	for (int k = 0; k < 20; k++) {
		unsigned char *mem = calloc(1, w.kind->state_size);
		wl_result r = { 0 };
		wl_wait next;
		assert_non_null(mem);
		int rc = w.kind->step(&w, (size_t)k, mem, 0, &next, &r);
		assert_int_equal(rc, WL_STEP_WAIT);
		early += next.events == WL_READ;
		while ((rc = w.kind->step(&w, (size_t)k, mem, poll_wait(&next), &next, &r)) !=
		       WL_STEP_DONE)
			assert_int_equal(rc, WL_STEP_WAIT);
		assert_int_equal(r.err, 0);
		free(mem);
	}
	assert_true(early >= 1);
	srv_stop(&s);
	wl_release(&w);
	assert_int_equal(count_fds(), fds);
}

/* What the bundled target and a url are sent, exactly. */
/* Task 7 of w, in both forms, gets want echoed back. */
static void expect_request(const wl_spec *w, const char *want)
{
	wl_result r = both_forms(w, 7);

	assert_int_equal(r.err, 0);
	assert_int_equal(r.digest, wl_digest_bytes(want, strlen(want)));
}

/* What an http task sends the bundled target on port, asking for query. */
static void bundled_request(char *want, size_t len, const char *query, int port)
{
	snprintf(want, len,
		 "GET /work?%s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		 "User-Agent: concbench\r\nAccept: */*\r\nAccept-Encoding: identity\r\n"
		 "Connection: close\r\n\r\n",
		 query, port);
}

static void test_request(void **state)
{
	int fds = count_fds();
	struct srv s = srv_start(ECHO);
	char want[512], url[64];
	wl_spec w;

	http_spec(&w, &wl_http, s.port, "delay_ms", "250", "size", "4096", NULL);
	assert_true(w.kind->needs_target(&w));
	spec_prepare(&w);
	bundled_request(want, sizeof want, "delay_ms=250&size=4096&seed=7", s.port);
	expect_request(&w, want);
	wl_release(&w);

	snprintf(url, sizeof url, "http://localhost:%d/some/path?q=1#frag", s.port);
	http_spec(&w, &wl_http, 0, "url", url, "keepalive", "1", NULL);
	assert_false(w.kind->needs_target(&w));
	spec_prepare(&w);
	snprintf(want, sizeof want,
		 "GET /some/path?q=1 HTTP/1.1\r\nHost: localhost:%d\r\n"
		 "User-Agent: concbench\r\nAccept: */*\r\nAccept-Encoding: identity\r\n\r\n",
		 s.port);
	expect_request(&w, want);
	wl_release(&w);
	srv_stop(&s);
	assert_int_equal(count_fds(), fds);
}

/* Per-task lists: task 7 asks for the second delay and the third size; and
 * blocking=1 (the pitfall) fetches the same bytes in both forms. */
static void test_per_task_and_blocking(void **state)
{
	int fds = count_fds();
	struct srv s = srv_start(ECHO);
	char want[512];
	wl_spec w;

	http_spec(&w, &wl_http, s.port, "delay_ms", "250|10", "size", "1|2|4k", NULL);
	spec_prepare(&w);
	bundled_request(want, sizeof want, "delay_ms=10&size=2&seed=7", s.port);
	expect_request(&w, want);
	wl_release(&w);

	http_spec(&w, &wl_http, s.port, "delay_ms", "250", "blocking", "1", NULL);
	spec_prepare(&w);
	bundled_request(want, sizeof want, "delay_ms=250&size=1024&seed=7", s.port);
	expect_request(&w, want);
	wl_release(&w);
	srv_stop(&s);
	assert_int_equal(count_fds(), fds);
}

static void expect_init_error(const char *url, const char *needle)
{
	char err[160] = "";
	wl_spec w;

	http_spec(&w, &wl_http, 0, "url", url, NULL);
	assert_int_not_equal(wl_prepare(&w, err, sizeof err), 0);
	if (!strstr(err, needle))
		fail_msg("url '%s': error '%s' lacks '%s'", url, err, needle);
	wl_release(&w);
}

static void test_init_errors(void **state)
{
	expect_init_error("", "http: no url and no bundled target (the harness starts one)");
	expect_init_error("https://example.com/", "https is not supported");
	expect_init_error("ftp://example.com/", "url must start with http://");
	expect_init_error("example.com", "url must start with http://");
	expect_init_error("http:///path", "no host");
	expect_init_error("http://127.0.0.1:99999/", "bad port");
	expect_init_error("http://127.0.0.1:/", "bad port");
	expect_init_error("http://127.0.0.1:8x/", "bad port");
	expect_init_error("http://u:p@127.0.0.1/", "user:password@");
	expect_init_error("http://[::1]:80/", "IPv6");
	expect_init_error("http://127.0.0.1/a b", "space or control character");
}

/* mixed: the body's digest, fib(n) and the SHA-256 chain, as mixed.c says. */
static uint64_t mixed_want(uint64_t body, uint64_t fib, unsigned rounds)
{
	unsigned char buf[24], h[32];
	unsigned int len = 8;

	for (int k = 0; k < 8; k++) {
		buf[k] = (unsigned char)(body >> (8 * k));
		buf[8 + k] = (unsigned char)(fib >> (8 * k));
	}
	memcpy(h, buf, 8);
	for (unsigned k = 0; k < rounds; k++)
		assert_true(EVP_Digest(h, len, h, &len, EVP_sha256(), NULL));
	memcpy(buf + 16, h, 8);
	return wl_digest_bytes(buf, sizeof buf);
}

static unsigned checkpoints;

static void count_checkpoint(wl_io *io)
{
	(void)io;
	checkpoints++;
}

static void test_mixed(void **state)
{
	int fds = count_fds();
	struct srv s = srv_start(OK);
	uint64_t body = body_digest();
	wl_spec w;

	http_spec(&w, &wl_mixed, s.port, "fib", "20", "rounds", "3", NULL);
	spec_prepare(&w);
	assert_int_equal(both_forms(&w, 1).digest, mixed_want(body, 4181, 3));
	wl_release(&w);
	http_spec(&w, &wl_mixed, s.port, "fib", "0", NULL);
	spec_prepare(&w);
	assert_int_equal(both_forms(&w, 1).digest, mixed_want(body, 0, 0));
	wl_release(&w);
	/* Under an emulated GIL (a backend with a check point) its fib passes
	 * check points, as fib's does, and computes the same number; fib(20)
	 * is one subtree, below the first check point. */
	wl_io gilish = wl_io_blocking;
	gilish.checkpoint = count_checkpoint;
	http_spec(&w, &wl_mixed, s.port, "fib", "25|20", NULL);
	spec_prepare(&w);
	wl_result g = { 0 };
	checkpoints = 0;
	wl_mixed.run(&w, 0, &gilish, &g);
	assert_int_equal(g.err, 0);
	assert_int_equal(g.digest, mixed_want(body, 46368, 0));
	assert_true(checkpoints > 0);
	checkpoints = 0;
	memset(&g, 0, sizeof g);
	wl_mixed.run(&w, 1, &gilish, &g);
	assert_int_equal(g.digest, mixed_want(body, 4181, 0));
	assert_int_equal(checkpoints, 0);
	wl_release(&w);
	/* per task: fib(10) then fib(20); blocking=1 changes no digest */
	http_spec(&w, &wl_mixed, s.port, "fib", "10|20", "rounds", "3", "blocking", "1", NULL);
	spec_prepare(&w);
	assert_int_equal(both_forms(&w, 2).digest, mixed_want(body, 34, 3));
	assert_int_equal(both_forms(&w, 1).digest, mixed_want(body, 4181, 3));
	wl_release(&w);
	/* the defaults: fib(25), no rounds */
	http_spec(&w, &wl_mixed, s.port, NULL);
	spec_prepare(&w);
	assert_int_equal(both_forms(&w, 1).digest, mixed_want(body, 46368, 0));
	wl_release(&w);
	srv_stop(&s);

	/* failures are the fetch's */
	s = srv_start(NOT_FOUND);
	http_spec(&w, &wl_mixed, s.port, NULL);
	spec_prepare(&w);
	wl_result r = both_forms(&w, 1);
	assert_int_equal(r.err, EPROTO);
	assert_non_null(strstr(r.msg, "HTTP 404 Not Found"));
	wl_release(&w);
	srv_stop(&s);
	assert_int_equal(count_fds(), fds);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_replies), cmocka_unit_test(test_big_body),
		cmocka_unit_test(test_bad_replies),  cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_refused),      cmocka_unit_test(test_send_without_waiting),
		cmocka_unit_test(test_request),      cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_mixed),        cmocka_unit_test(test_per_task_and_blocking),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

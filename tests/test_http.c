/*
 * test_http.c - the http and mixed workloads against a canned-reply server.
 *
 * The server (http_fixture.h) answers each connection with a scripted
 * reply. Each task runs twice: through run() with the blocking wl_io, and
 * through step() driven by a small poll() loop here that also moves the
 * task state between steps, as a model may. Both forms must agree on the
 * digest or on the error, and the digest of a good reply is computed here,
 * from the known body. The server counts connections and requests, which
 * shows keep-alive reusing a connection and a dropped one being replaced.
 * No test may leave an fd open: each compares /proc/self/fd before and after.
 */
#define _GNU_SOURCE
#include "testutil.h"

#include "../workloads/workload.h"
#include "http_fixture.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/evp.h>

extern const wl_kind wl_http, wl_mixed;

/* ---- specs, as the parser would fill them ---- */

static void spec_set(wl_spec *w, const char *key, const char *val)
{
	for (int k = 0; k < w->nparams; k++) {
		if (strcmp(w->p[k].def->name, key) != 0)
			continue;
		snprintf(w->p[k].text, sizeof w->p[k].text, "%s", val);
		w->p[k].num = w->p[k].def->type == WL_STR ? 0 : strtoll(val, NULL, 10);
		return;
	}
	fail_msg("%s has no parameter %s", w->kind->name, key);
}

/* kind with defaults, the bundled target at port (0: none), then key, val... */
static void __attribute__((sentinel)) spec_make(wl_spec *w, const wl_kind *kind, int port, ...)
{
	va_list ap;
	const char *key;

	memset(w, 0, sizeof *w);
	w->kind = kind;
	for (const wl_param_def *d = kind->params; d->name; d++) {
		assert_true(w->nparams < WL_MAX_PARAMS);
		w->p[w->nparams++].def = d;
		spec_set(w, d->name, d->def);
	}
	if (port)
		snprintf(w->target, sizeof w->target, "127.0.0.1:%d", port);
	va_start(ap, port);
	while ((key = va_arg(ap, const char *)))
		spec_set(w, key, va_arg(ap, const char *));
	va_end(ap);
}

static void spec_prepare(wl_spec *w)
{
	char err[160] = "";

	if (wl_prepare(w, err, sizeof err) != 0)
		fail_msg("prepare %s: %s", w->kind->name, err);
}

/* ---- the two forms ---- */

static wl_result run_form(const wl_spec *w, size_t i)
{
	wl_result r = { 0 };

	w->kind->run(w, i, &wl_io_blocking, &r);
	return r;
}

/* What a poll() event loop would report for one wl_wait. */
static int poll_wait(const wl_wait *next)
{
	struct pollfd p = { next->fd,
			    (short)((next->events & WL_READ ? POLLIN : 0) |
				    (next->events & WL_WRITE ? POLLOUT : 0)),
			    0 };

	assert_true(next->fd >= 0 && next->events && next->deadline_ns);
	for (;;) {
		uint64_t now = wl_now_ns();
		if (now >= next->deadline_ns)
			return WL_TIMEOUT;
		int ms = (int)((next->deadline_ns - now + 999999) / 1000000);
		if (poll(&p, 1, ms) <= 0)
			continue;
		int ready = (p.revents & (POLLIN | POLLHUP | POLLERR) ? WL_READ : 0) |
			    (p.revents & (POLLOUT | POLLERR) ? WL_WRITE : 0);
		if (ready & next->events)
			return ready & next->events;
	}
}

/* The resumable form, driven by poll(); the state moves between steps. */
static wl_result step_form(const wl_spec *w, size_t i)
{
	size_t size = w->kind->state_size, off = 0;
	unsigned char *mem = calloc(1, size + 128);
	wl_result r = { 0 };
	wl_wait next;
	int ready = 0;

	assert_non_null(mem);
	while (w->kind->step(w, i, mem + off, ready, &next, &r) == WL_STEP_WAIT) {
		size_t to = (off + 40) % 120; /* 8-byte aligned, any 64-byte phase */
		memmove(mem + to, mem + off, size);
		off = to;
		ready = poll_wait(&next);
	}
	free(mem);
	return r;
}

/* Task i in both forms; they must agree. Returns run()'s result. */
static wl_result both_forms(const wl_spec *w, size_t i)
{
	wl_result a = run_form(w, i), b = step_form(w, i);

	if (a.err != b.err || strcmp(a.msg, b.msg) != 0 || (!a.err && a.digest != b.digest))
		fail_msg("forms differ: run %d '%s' %llx, step %d '%s' %llx", a.err, a.msg,
			 (unsigned long long)a.digest, b.err, b.msg, (unsigned long long)b.digest);
	return a;
}

/* One scene through both forms of http, with the server's port as the
 * bundled target; returns run()'s result. */
static wl_result http_scene(enum scene scene, const char *timeout_ms)
{
	int fds = count_fds();
	struct srv s = srv_start(scene);
	wl_result r;
	wl_spec w;

	spec_make(&w, &wl_http, s.port, "timeout_ms", timeout_ms, NULL);
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
	uint64_t want = wl_digest_bytes(BODY, strlen(BODY));
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

	spec_make(&w, &wl_http, port, NULL);
	spec_prepare(&w);
	r = both_forms(&w, 0);
	snprintf(want, sizeof want, "connect to 127.0.0.1:%d: Connection refused", port);
	assert_int_equal(r.err, ECONNREFUSED);
	assert_string_equal(r.msg, want);
	wl_release(&w);
	assert_int_equal(count_fds(), fds);
}

/* What the bundled target and a url are sent, exactly. */
static void test_request(void **state)
{
	int fds = count_fds();
	struct srv s = srv_start(ECHO);
	char want[512], url[64];
	wl_result r;
	wl_spec w;

	spec_make(&w, &wl_http, s.port, "delay_ms", "250", "size", "4096", NULL);
	assert_true(w.kind->needs_target(&w));
	spec_prepare(&w);
	r = both_forms(&w, 7);
	snprintf(want, sizeof want,
		 "GET /work?delay_ms=250&size=4096&seed=7 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
		 "User-Agent: concbench\r\nAccept: */*\r\nAccept-Encoding: identity\r\n"
		 "Connection: close\r\n\r\n",
		 s.port);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.digest, wl_digest_bytes(want, strlen(want)));
	wl_release(&w);

	snprintf(url, sizeof url, "http://localhost:%d/some/path?q=1#frag", s.port);
	spec_make(&w, &wl_http, 0, "url", url, "keepalive", "1", NULL);
	assert_false(w.kind->needs_target(&w));
	spec_prepare(&w);
	r = both_forms(&w, 7);
	snprintf(want, sizeof want,
		 "GET /some/path?q=1 HTTP/1.1\r\nHost: localhost:%d\r\n"
		 "User-Agent: concbench\r\nAccept: */*\r\nAccept-Encoding: identity\r\n\r\n",
		 s.port);
	assert_int_equal(r.err, 0);
	assert_int_equal(r.digest, wl_digest_bytes(want, strlen(want)));
	wl_release(&w);
	srv_stop(&s);
	assert_int_equal(count_fds(), fds);
}

static void expect_init_error(const char *url, const char *needle)
{
	char err[160] = "";
	wl_spec w;

	spec_make(&w, &wl_http, 0, "url", url, NULL);
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

/* keepalive=1: tasks on one thread share one connection, in both forms. */
static void test_keepalive(void **state)
{
	int fds = count_fds();
	struct srv s = srv_start(OK);
	uint64_t want = wl_digest_bytes(BODY, strlen(BODY));
	wl_spec w;

	spec_make(&w, &wl_http, s.port, "keepalive", "1", NULL);
	spec_prepare(&w);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(both_forms(&w, i).digest, want);
	srv_count(&s);
	assert_int_equal(s.accepts, 1);
	assert_int_equal(s.requests, 6);
	assert_int_equal(count_fds(), fds + 2); /* the accept pipe, the idle connection */
	wl_release(&w);
	assert_int_equal(count_fds(), fds + 1); /* fini closed the idle one */

	/* keepalive=0: a connection per task */
	spec_make(&w, &wl_http, s.port, NULL);
	spec_prepare(&w);
	assert_int_equal(both_forms(&w, 0).digest, want);
	srv_count(&s);
	assert_int_equal(s.accepts, 3); /* one more per form */
	wl_release(&w);
	srv_stop(&s);
	assert_int_equal(count_fds(), fds);
}

/* A pooled connection the server has closed is not used again. */
static void test_keepalive_server_closes(void **state)
{
	int fds = count_fds();
	struct srv s = srv_start(OK_CLOSE);
	uint64_t want = wl_digest_bytes(BODY, strlen(BODY));
	wl_spec w;

	spec_make(&w, &wl_http, s.port, "keepalive", "1", NULL);
	spec_prepare(&w);
	for (size_t i = 0; i < 3; i++) {
		wl_result r = run_form(&w, i);
		if (r.err)
			fail_msg("task %zu: %s", i, r.msg);
		assert_int_equal(r.digest, want);
	}
	srv_count(&s);
	assert_int_equal(s.accepts, 3);
	assert_int_equal(s.requests, 3);
	wl_release(&w);
	srv_stop(&s);
	assert_int_equal(count_fds(), fds);
}

/* A pooled connection that looks alive but is dropped (closed or reset)
 * once the request is sent: the GET is sent again on a fresh connection. */
static void test_keepalive_retry(void **state)
{
	static const enum scene scenes[] = { DROP_2ND, RESET_2ND };
	uint64_t want = wl_digest_bytes(BODY, strlen(BODY));
	int fds = count_fds();

	for (size_t k = 0; k < N_ELEMS(scenes); k++) {
		struct srv s = srv_start(scenes[k]);
		wl_spec w;

		spec_make(&w, &wl_http, s.port, "keepalive", "1", NULL);
		spec_prepare(&w);
		for (size_t i = 0; i < 2; i++)
			assert_int_equal(both_forms(&w, i).digest, want);
		/* 4 tasks: 1 fresh, 3 on a pooled connection that was dropped */
		srv_count(&s);
		assert_int_equal(s.accepts, 4);
		assert_int_equal(s.requests, 7);
		wl_release(&w);
		srv_stop(&s);
	}
	assert_int_equal(count_fds(), fds);
}

static void *keepalive_thread(void *arg)
{
	const wl_spec *w = arg;

	return (void *)(uintptr_t)run_form(w, 0).err;
}

/* A worker thread's idle connections close when it exits. */
static void test_keepalive_thread_exit(void **state)
{
	int fds = count_fds();
	struct srv s = srv_start(OK);
	pthread_t t;
	void *err;
	wl_spec w;

	spec_make(&w, &wl_http, s.port, "keepalive", "1", NULL);
	spec_prepare(&w);
	assert_int_equal(pthread_create(&t, NULL, keepalive_thread, &w), 0);
	assert_int_equal(pthread_join(t, &err), 0);
	assert_null(err);
	assert_int_equal(count_fds(), fds + 1); /* the server's accept pipe */
	wl_release(&w);
	srv_stop(&s);
	assert_int_equal(count_fds(), fds);
}

/* socket() failing for want of fds says so with EMFILE. */
static void test_emfile(void **state)
{
	struct srv s = srv_start(OK);
	struct rlimit old, low;
	int lowest = dup(0);
	wl_result r;
	wl_spec w;

	assert_true(lowest >= 0);
	close(lowest);
	spec_make(&w, &wl_http, s.port, NULL);
	spec_prepare(&w);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)lowest; /* every fd below is taken */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	r = both_forms(&w, 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(r.err, EMFILE);
	assert_non_null(strstr(r.msg, "socket: "));
	wl_release(&w);
	srv_stop(&s);
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

static void test_mixed(void **state)
{
	int fds = count_fds();
	struct srv s = srv_start(OK);
	uint64_t body = wl_digest_bytes(BODY, strlen(BODY));
	wl_spec w;

	spec_make(&w, &wl_mixed, s.port, "fib", "20", "rounds", "3", NULL);
	spec_prepare(&w);
	assert_int_equal(both_forms(&w, 1).digest, mixed_want(body, 4181, 3));
	wl_release(&w);
	spec_make(&w, &wl_mixed, s.port, "fib", "0", NULL);
	spec_prepare(&w);
	assert_int_equal(both_forms(&w, 1).digest, mixed_want(body, 0, 0));
	wl_release(&w);
	/* the defaults: fib(25), no rounds */
	spec_make(&w, &wl_mixed, s.port, NULL);
	spec_prepare(&w);
	assert_int_equal(both_forms(&w, 1).digest, mixed_want(body, 46368, 0));
	wl_release(&w);
	srv_stop(&s);

	/* failures are the fetch's */
	s = srv_start(NOT_FOUND);
	spec_make(&w, &wl_mixed, s.port, NULL);
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
		cmocka_unit_test(test_good_replies),
		cmocka_unit_test(test_big_body),
		cmocka_unit_test(test_bad_replies),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_keepalive_server_closes),
		cmocka_unit_test(test_keepalive_retry),
		cmocka_unit_test(test_keepalive_thread_exit),
		cmocka_unit_test(test_emfile),
		cmocka_unit_test(test_mixed),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_http_conn.c - http's connections: keep-alive reuse, dropped ones replaced, none leaked. */
/* A thread's idle connections close when it exits, and socket() out of fds says EMFILE. The
 * server (http_fixture.h) counts connections and requests; each test compares the fds. */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include "tests/http_fixture.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

extern const wl_kind wl_http;

/* A server for scene, and w: http with keepalive=1 against it, prepared. */
static struct srv keepalive_start(enum scene scene, wl_spec *w)
{
	struct srv s = srv_start(scene);

	http_spec(w, &wl_http, s.port, "keepalive", "1", NULL);
	spec_prepare(w);
	return s;
}

/* The server has counted these connections and requests so far. */
static void expect_counts(struct srv *s, int accepts, int requests)
{
	srv_count(s);
	assert_int_equal(s->accepts, accepts);
	assert_int_equal(s->requests, requests);
}

/* keepalive=1: tasks on one thread share one connection, in both forms. */
static void test_keepalive(void **state)
{
	int fds = count_fds();
	uint64_t want = body_digest();
	wl_spec w;
	struct srv s = keepalive_start(OK, &w);

	for (size_t i = 0; i < 3; i++)
		assert_int_equal(both_forms(&w, i).digest, want);
	expect_counts(&s, 1, 6);
	assert_int_equal(count_fds(), fds + 2); /* the accept pipe, the idle connection */
	wl_release(&w);
	assert_int_equal(count_fds(), fds + 1); /* fini closed the idle one */

	/* keepalive=0: a connection per task */
	http_spec(&w, &wl_http, s.port, NULL);
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
	uint64_t want = body_digest();
	wl_spec w;
	struct srv s = keepalive_start(OK_CLOSE, &w);

	for (size_t i = 0; i < 3; i++) {
		wl_result r = run_form(&w, i);
		if (r.err)
			fail_msg("task %zu: %s", i, r.msg);
		assert_int_equal(r.digest, want);
	}
	expect_counts(&s, 3, 3);
	wl_release(&w);
	srv_stop(&s);
	assert_int_equal(count_fds(), fds);
}

/* A pooled connection that looks alive but is dropped (closed or reset)
 * once the request is sent: the GET is sent again on a fresh connection. */
static void test_keepalive_retry(void **state)
{
	static const enum scene scenes[] = { DROP_2ND, RESET_2ND };
	uint64_t want = body_digest();
	int fds = count_fds();

	for (size_t k = 0; k < N_ELEMS(scenes); k++) {
		wl_spec w;
		struct srv s = keepalive_start(scenes[k], &w);

		for (size_t i = 0; i < 2; i++)
			assert_int_equal(both_forms(&w, i).digest, want);
		/* 4 tasks: 1 fresh, 3 on a pooled connection that was dropped */
		expect_counts(&s, 4, 7);
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
	pthread_t t;
	void *err;
	wl_spec w;
	struct srv s = keepalive_start(OK, &w);

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
	http_spec(&w, &wl_http, s.port, NULL);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_keepalive_server_closes),
		cmocka_unit_test(test_keepalive_retry),
		cmocka_unit_test(test_keepalive_thread_exit),
		cmocka_unit_test(test_emfile),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}

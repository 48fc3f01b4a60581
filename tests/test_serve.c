/* test_serve.c - serve:work=SPEC: each model serves every connection once, bodies right. */
/* A client process drives the run's listening socket while the model runs here, as the harness's
 * run child would: keep-alive and close, a CPU handler that holds up an event loop but not hybrid,
 * clients that leave early, a listening socket shut under a waiting task, the spec's parsing. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/testutil.h"

#include "tests/model_fixture.h"
#include "tests/uring_fixture.h"
#include "tests/uv_fixture.h"
#include "tests/wl_fixture.h"
#include "workloads/serve.h"
#include "workloads/servesock.h"

#include "tests/serve_fixture.h"

static const char *const models[] = { "sequential", "threads", "pool",        "fork",
				      "prefork",    "select",  "poll",        "epoll",
				      "coro",       "hybrid",  "threads+gil", "epoll:et=1",
				      "epoll:loops=2", "coro:loops=2", "uring",   "uring:multishot=0", "uv" };

static void every_model(const char *work, int mode, int nreq)
{
	uint64_t want[18];
	wl_spec w;

	alarm(60);
	for (size_t m = 0; m < N_ELEMS(models); m++) {
		unsigned c = strcmp(models[m], "sequential") ? 3 : 1;
		client cl = { .mode = mode, .nconn = 6, .nreq = nreq, .want = want };
		int rc;

		if (uring_skipped(models[m]) || uv_skipped(models[m]))
			continue;
		if (getenv("SERVE_DEBUG"))
			fprintf(stderr, "%s %s\n", models[m], work);
		serve_make(&w, work, want, N_ELEMS(want));
		model_table *t = serve_run(models[m], &w, 6, c, &cl, &rc);
		if (cl.why[0])
			fail_msg("%s %s: client: %s", models[m], work, cl.why);
		check_all_once(t, models[m], 6, c, rc);
		check_digests(t, &cl, models[m]);
		model_table_free(t);
		serve_free(&w);
	}
	alarm(0);
	assert_no_zombies();
}

static void test_keepalive(void **state)
{
	every_model("hash:bytes=64", CL_KEEP, 3);
}

static void test_close(void **state)
{
	every_model("hash:bytes=64", CL_CLOSE, 1);
}

/* A work with a step of its own (a timer on the loops). */
static void test_work_with_step(void **state)
{
	every_model("sleep:ms=1|2|3", CL_KEEP, 3);
}

/* fib(36) on connection 1, fib(10) on connection 2: epoll answers 2 only
 * after 1 (its one thread computes); hybrid answers 2 first. */
static void test_cpu_holds_up_the_loop(void **state)
{
	const char *const loops[] = { "epoll", "hybrid:workers=2" };
	uint64_t want[2];
	wl_spec w;

	alarm(60);
	for (size_t m = 0; m < N_ELEMS(loops); m++) {
		client cl = { .mode = CL_HOLDUP, .want = want };
		int rc;
		serve_make(&w, "fib:n=36|10", want, N_ELEMS(want));
		model_table *t = serve_run(loops[m], &w, 2, 2, &cl, &rc);
		if (cl.why[0])
			fail_msg("%s: client: %s", loops[m], cl.why);
		check_all_once(t, loops[m], 2, 2, rc);
		check_digests(t, &cl, loops[m]);
		if (cl.answered_before != (m == 0))
			fail_msg("%s: the long answer was %sin when the short one came", loops[m],
				 cl.answered_before ? "" : "not ");
		model_table_free(t);
		serve_free(&w);
	}
	alarm(0);
}

/* One connection: the client's mode decides how its task ends. */
static model_table *one_client(const char *model, int mode, size_t n, client *cl, int *rc)
{
	static uint64_t want[4];
	wl_spec w;

	*cl = (client){ .mode = mode, .want = want };
	serve_make(&w, "serve:timeout_ms=200,work=hash:bytes=64", want, N_ELEMS(want));
	model_table *t = serve_run(model, &w, n, (unsigned)n, cl, rc);
	serve_free(&w);
	if (cl->why[0])
		fail_msg("%s: client: %s", model, cl->why);
	return t;
}

static void test_clients_that_leave(void **state)
{
	const char *const some[] = { "sequential", "threads", "fork",          "prefork",
				     "epoll",      "coro",    "hybrid",        "epoll:loops=2",
				     "coro:loops=2", "uring", "uv" };
	client cl;
	int rc;

	alarm(60);
	for (size_t m = 0; m < N_ELEMS(some) && !uring_skipped(some[m]); m++) {
		if (uv_skipped(some[m]))
			continue;
		/* connects and closes: the task did no work, an error */
		model_table *t = one_client(some[m], CL_SILENT, 1, &cl, &rc);
		assert_int_equal(atomic_load(&t->nerr), 1);
		assert_int_equal(atomic_load(&t->task[0].runs), 1);
		if (!strstr(t->msg, "client closed without a request"))
			fail_msg("%s: %s", some[m], t->msg);
		model_table_free(t);

		/* gone mid-request after one answer: ends quietly with that one */
		t = one_client(some[m], CL_VANISH, 1, &cl, &rc);
		check_all_once(t, some[m], 1, 1, rc);
		check_digests(t, &cl, some[m]);
		model_table_free(t);

		/* a head that trickles in: cut at its deadline all the same */
		t = one_client(some[m], CL_SLOW, 1, &cl, &rc);
		assert_int_equal(atomic_load(&t->nerr), 1);
		assert_int_equal(t->task[0].err, ETIMEDOUT);
		if (!strstr(t->msg, "no whole request within timeout_ms (200 ms)"))
			fail_msg("%s: %s", some[m], t->msg);
		model_table_free(t);

		/* pipelined requests, a POST's body read and dropped between */
		t = one_client(some[m], CL_PIPELINE, 1, &cl, &rc);
		check_all_once(t, some[m], 1, 1, rc);
		check_digests(t, &cl, some[m]);
		model_table_free(t);

		/* Expect: 100-continue is answered before the body is read */
		t = one_client(some[m], CL_CONTINUE, 1, &cl, &rc);
		check_all_once(t, some[m], 1, 1, rc);
		check_digests(t, &cl, some[m]);
		model_table_free(t);

		/* the listening socket shut under tasks waiting to accept (the
		 * blocking models' in turn, through their accept mutex) */
		t = one_client(some[m], CL_SHUT, 3, &cl, &rc);
		assert_int_equal(atomic_load(&t->nerr), 2);
		if (!strstr(t->msg, "no client connected before the listening socket closed"))
			fail_msg("%s: %s", some[m], t->msg);
		for (size_t i = 0, served = 0; i < 3; i++) {
			assert_int_equal(atomic_load(&t->task[i].runs), 1);
			served += t->task[i].err == 0 && t->task[i].digest == cl.first[0];
			assert_true(served <= 1 && (i < 2 || served == 1));
		}
		model_table_free(t);
	}
	alarm(0);
	assert_no_zombies();
}

/* Without the harness's socket, begin() opens one from listen=. */
static void test_own_socket(void **state)
{
	uint64_t want[18];
	char err[256];
	wl_spec w, inner;
	client cl = { .mode = CL_KEEP, .nconn = 2, .nreq = 2, .want = want };
	int rc;

	alarm(60);
	assert_int_equal(spec_workload("serve:listen=127.0.0.1:0,work=fib:n=5|6|7|8", 0, &w, err,
				       sizeof err),
			 0);
	spec_prepare(&w);
	assert_int_equal(spec_workload("fib:n=5|6|7|8", 0, &inner, err, sizeof err), 0);
	spec_prepare(&inner);
	for (size_t k = 0; k < N_ELEMS(want); k++)
		want[k] = task_digest(&inner, k);
	assert_int_equal(serve_port(&w), 0); /* no run, no socket */
	model_table *t = serve_run("epoll", &w, 2, 2, &cl, &rc);
	if (cl.why[0])
		fail_msg("client: %s", cl.why);
	check_all_once(t, "epoll", 2, 2, rc);
	check_digests(t, &cl, "epoll");
	model_table_free(t);
	wl_release(&inner);
	wl_release(&w);
	alarm(0);
}

/* work=SPEC takes the rest of the text; what cannot serve is a usage error. */
static void test_spec(void **state)
{
	static const struct {
		const char *spec, *err;
	} refused[] = {
		{ "serve:work=serve", "a server cannot be the work of a server" },
		{ "serve:work=nope", "unknown workload 'nope'" },
		{ "serve:work=fib:n=0", "out of range" },
		{ "serve:work=fib:n=50", "--force" },
		{ "serve:work=fib:x=1", "unknown parameter 'x'" },
		{ "serve:work=switch:mode=pipe", "set-up per run" },
		{ "serve:work=hash:algo=scrypt,n=1000", "power of two" },
		{ "serve:listen=1.2.3.4.5:80", "bad listen address" },
		{ "serve:listen=127.0.0.1:99999", "0..65535" },
		{ "serve:work=", "not key=value" },
	};
	char err[256], buf[256];
	wl_spec w;

	for (size_t k = 0; k < N_ELEMS(refused); k++) {
		if (spec_workload(refused[k].spec, 0, &w, err, sizeof err) == 0)
			fail_msg("%s: accepted", refused[k].spec);
		if (!strstr(err, refused[k].err))
			fail_msg("%s: '%s', want '%s'", refused[k].spec, err, refused[k].err);
	}
	assert_int_equal(spec_workload("serve:work=fib:n=50", 1, &w, err, sizeof err), 0);
	assert_int_equal(spec_workload("serve:timeout_ms=500,work=hash:algo=sha256,bytes=64k", 0,
				       &w, err, sizeof err),
			 0);
	/* the work as results record it: sizes in bytes, every parameter */
	assert_string_equal(wl_param_text(&w, "work"), "hash:algo=sha256,bytes=65536,rounds=1");
	assert_int_equal(wl_param(&w, "timeout_ms"), 500);
	assert_true(w.kind->server);
	assert_string_equal(w.kind->cls, "io");
	wl_params_string(&w, buf, sizeof buf);
	assert_string_equal(buf, "listen=127.0.0.1:0,timeout_ms=500,work=hash:algo=sha256,bytes="
				 "65536,rounds=1");
	w.listen_set = 1; /* the harness's socket: listen= says nothing */
	wl_params_string(&w, buf, sizeof buf);
	assert_string_equal(buf, "timeout_ms=500,work=hash:algo=sha256,bytes=65536,rounds=1");
	/* which parses back to itself */
	assert_int_equal(spec_workload("serve:work=hash:algo=sha256,bytes=65536,rounds=1", 0, &w,
				       err, sizeof err),
			 0);
	assert_string_equal(wl_param_text(&w, "work"), "hash:algo=sha256,bytes=65536,rounds=1");
	assert_int_equal(spec_workload("serve:work=fib:n=36|10", 0, &w, err, sizeof err), 0);
	assert_string_equal(wl_param_text(&w, "work"), "fib:n=36|10");
	/* the defaults: null work */
	assert_int_equal(spec_workload("serve", 0, &w, err, sizeof err), 0);
	assert_string_equal(wl_param_text(&w, "work"), "null");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN); /* the client's; the server uses MSG_NOSIGNAL */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec),
		cmocka_unit_test(test_keepalive),
		cmocka_unit_test(test_close),
		cmocka_unit_test(test_work_with_step),
		cmocka_unit_test(test_cpu_holds_up_the_loop),
		cmocka_unit_test(test_clients_that_leave),
		cmocka_unit_test(test_own_socket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

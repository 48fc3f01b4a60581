/* test_serve_http.c - serve:work=http: a gateway that waits on a backend per request. */
/* The work with a step of its own that waits on a socket: on the loops its state sits inside
 * serve's and its waits go to the loop; blocking=1 passes OFFLOAD through (hybrid runs it on a
 * worker). The backend is http_fixture.h's canned server, so every body is the same. */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include "tests/http_fixture.h"
#include "tests/model_fixture.h"
#include "tests/serve_fixture.h"
#include "tests/uring_fixture.h"
#include "tests/uv_fixture.h"

static void gateway(const char *extra, const char *const *models, size_t nmodels)
{
	struct srv backend = srv_start(OK);
	char work[120];
	uint64_t want[12];
	wl_spec w;

	alarm(60);
	snprintf(work, sizeof work, "http:url=http://127.0.0.1:%d/b,keepalive=1%s", backend.port,
		 extra);
	for (size_t m = 0; m < nmodels; m++) {
		client cl = { .mode = CL_KEEP, .nconn = 4, .nreq = 3, .want = want };
		int rc;

		if (uring_skipped(models[m]) || uv_skipped(models[m]))
			continue;
		serve_make(&w, work, want, N_ELEMS(want));
		model_table *t = serve_run(models[m], &w, 4, 2, &cl, &rc);
		if (cl.why[0])
			fail_msg("%s %s: client: %s", models[m], work, cl.why);
		check_all_once(t, models[m], 4, 2, rc);
		check_digests(t, &cl, models[m]);
		for (size_t i = 0; i < N_ELEMS(want); i++)
			assert_true(want[i] == body_digest());
		model_table_free(t);
		serve_free(&w);
	}
	srv_stop(&backend);
	alarm(0);
}

static void test_gateway(void **state)
{
	static const char *const models[] = { "sequential",    "threads",      "fork",   "poll",
					      "epoll",         "coro",         "hybrid", "threads+gil",
					      "epoll:loops=2", "coro:loops=2", "uring", "uv" };
	gateway("", models, N_ELEMS(models));
}

/* The pitfall inside a server: a blocking fetch, offloaded by hybrid. */
static void test_gateway_blocking(void **state)
{
	static const char *const models[] = { "epoll", "hybrid", "threads", "epoll:loops=2",
					      "uring", "uv" };
	gateway(",blocking=1", models, N_ELEMS(models));
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gateway),
		cmocka_unit_test(test_gateway_blocking),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

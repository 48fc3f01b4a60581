/*
 * test_cli_http.c - the http workload through the binary: the bundled target
 * started by the sweep, every model on every workload, a refused connection
 * and `concbench serve`'s errors.
 */
#define _GNU_SOURCE
#include "tests/clirun.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "models/model.h"
#include "models/registry.h"

/* http with no url: the sweep starts the bundled target, every model gets the
 * same bodies (one digest), and the target's CPU time lands in the context. */
static void test_http_bundled(void **st)
{
	result *r = RUN("run", "-w", "http:delay_ms=20,size=2k", "-m", "all", "-n", "10", "-c", "5",
			"--reps", "1", "-o", tmpdir, "--name", "web");
	assert_int_equal(r->code, 0);
	int models = 0;
	for (const model_kind *const *k = model_all(); *k; k++)
		models++;
	char p[256], statuses[64][64], digests[64][20];
	path_in(p, sizeof p, "web", "results.csv");
	assert_int_equal(csv_rows(p, statuses, digests, 64), models);
	for (int i = 0; i < models; i++) {
		assert_string_equal(statuses[i], "ok");
		assert_string_equal(digests[i], digests[0]);
	}
	path_in(p, sizeof p, "web", "results.json");
	FILE *fp = fopen(p, "r");
	assert_non_null(fp);
	static char buf[1 << 17];
	size_t len = fread(buf, 1, sizeof buf - 1, fp);
	buf[len] = '\0';
	fclose(fp);
	assert_non_null(strstr(buf, "\"target_server\""));
	assert_non_null(strstr(buf, "\"cpu_user_s\": "));
	assert_null(strstr(buf, "\"cpu_user_s\": null"));
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1); /* the target was reaped */
}

/* A server that is not there fails the task with a clear status, exit 1. */
static void test_http_refused(void **st)
{
	result *r = RUN("run", "-w", "http:url=http://127.0.0.1:9/x,timeout_ms=2000", "-m",
			"sequential,epoll", "-n", "2", "-c", "2", "--reps", "1", "-o", tmpdir,
			"--name", "refused");
	assert_int_equal(r->code, 1);
	assert_non_null(strstr(r->out, "Connection refused"));
	r = RUN("serve", "--listen", "nonsense"); /* a usage error, before any bind */
	assert_int_equal(r->code, 2);
	assert_non_null(strstr(r->err, "nonsense"));
	USAGE("--bogus", "serve", "--bogus");
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CB_ASAN 1
#endif
#endif

/* A fetch fits an 8 KiB coroutine stack: what recv() reads goes to a buffer
 * per thread, not to 4 KiB of each task's stack (a page more for each of
 * 1,000 coroutines to fault in). Below that the run stops with the
 * overflow message, so the figure stays true. */
static void test_http_small_stack(void **st)
{
#if defined(__SANITIZE_ADDRESS__) || defined(CB_ASAN)
	/* ASan's redzones make every frame deeper: the figure is a plain
	 * build's, and the overflow half is test_coro_model's */
	skip();
#endif
	result *r = RUN("run", "-w", "http:delay_ms=1,size=64k", "-m", "coro:stack=8k", "-n", "6",
			"-c", "3", "--reps", "1", "-o", tmpdir, "--name", "small", "--no-plot");
	assert_int_equal(r->code, 0);
	assert_null(strstr(r->err, "overflow"));
	r = RUN("run", "-w", "http:delay_ms=1,size=64k", "-m", "coro:stack=4k", "-n", "2", "-c",
		"2", "--reps", "1", "-o", tmpdir, "--name", "tiny", "--no-plot");
	assert_int_equal(r->code, 1); /* the run's process exited 70, the sweep goes on */
	assert_non_null(strstr(r->err, "coroutine stack overflow (stack=4k)"));
	assert_non_null(strstr(r->out, "exited with 70"));
}

/* Every model x every workload in one sweep: one run digest per workload. */
static void test_every_model_every_workload(void **st)
{
	result *r = RUN("run", "-w", "fib:n=12", "-w", "hash:bytes=4k,rounds=2", "-w", "sleep:ms=5",
			"-w", "spin:us=100", "-w", "null", "-w", "http:delay_ms=5,size=300", "-w",
			"mixed:delay_ms=5,size=100,fib=10", "-m", "all", "-n", "6", "-c", "3",
			"--reps", "1", "-o", tmpdir, "--name", "everything");
	assert_int_equal(r->code, 0);
	int models = 0;
	for (const model_kind *const *k = model_all(); *k; k++)
		models++;
	char p[256], statuses[256][64], digests[256][20];
	path_in(p, sizeof p, "everything", "results.csv");
	assert_int_equal(csv_rows(p, statuses, digests, 256), 7 * models);
	for (int w = 0; w < 7; w++)
		for (int i = 0; i < models; i++) {
			assert_string_equal(statuses[w * models + i], "ok");
			assert_string_equal(digests[w * models + i], digests[w * models]);
		}
	assert_string_not_equal(digests[0], digests[models]); /* fib is not hash */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_bundled),
		cmocka_unit_test(test_http_refused),
		cmocka_unit_test(test_http_small_stack),
		cmocka_unit_test(test_every_model_every_workload),
	};
	return cmocka_run_group_tests_name("cli_http", tests, setup, teardown);
}

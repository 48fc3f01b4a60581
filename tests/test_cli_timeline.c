/*
 * test_cli_timeline.c - the binary end to end: `run --timeline` writes
 * trace.json (valid JSON, a process per run, the runs' threads named, the
 * GIL's hand-over counter) and a state chart per model; `plot DIR` writes
 * them again from tasks/; a sweep without --timeline writes neither.
 */
#define _GNU_SOURCE
#include "tests/clirun.h"

#include "harness/report/jsoncheck.h"

static int exists(const char *name, const char *file)
{
	char path[256];
	path_in(path, sizeof path, name, file);
	return access(path, F_OK) == 0;
}

static void check_trace(const char *name)
{
	char path[256], err[256];
	path_in(path, sizeof path, name, "trace.json");
	char *text = file_slurp(path, 1 << 26, NULL, err, sizeof err);
	if (!text)
		fail_msg("%s", err);
	assert_int_equal(json_check(text, strlen(text), err, sizeof err), 0);
	assert_non_null(strstr(text, "\"traceEvents\""));
	assert_non_null(strstr(text, "\"threads+gil C=2 rep 1 fib:n=27\""));
	assert_non_null(strstr(text, "\"threads C=2 rep 1 fib:n=27\""));
	assert_non_null(strstr(text, "\"thread_name\""));
	assert_non_null(strstr(text, "\"run task 0\""));
	assert_non_null(strstr(text, "\"GIL holder (tid)\"")); /* the +gil run's */
	free(text);
}

static void test_run_and_plot(void **state)
{
	result *r = RUN("run", "-w", "fib:n=27", "-m", "threads+gil,threads", "-n", "2", "-c", "2",
			"--reps", "1", "--timeline", "-o", tmpdir, "--name", "tl");
	if (r->code != 0)
		fail_msg("exit %d: %s", r->code, r->err);
	check_trace("tl");
	assert_true(exists("tl", "states_threads+gil.gp"));
	assert_true(exists("tl", "states_threads.dat"));
	assert_true(exists("tl", "timeline_threads.gp")); /* the Gantt beside it */

	/* plot DIR writes both again */
	char path[256], dir[256];
	path_in(path, sizeof path, "tl", "trace.json");
	assert_int_equal(unlink(path), 0);
	path_in(path, sizeof path, "tl", "states_threads+gil.gp");
	assert_int_equal(unlink(path), 0);
	path_in(dir, sizeof dir, "tl", "");
	r = RUN("plot", dir);
	if (r->code != 0)
		fail_msg("exit %d: %s", r->code, r->err);
	check_trace("tl");
	assert_true(exists("tl", "states_threads+gil.gp"));
}

static void test_without_timeline(void **state)
{
	result *r = RUN("run", "-w", "fib:n=20", "-m", "threads", "-n", "2", "-c", "2", "--reps",
			"1", "-o", tmpdir, "--name", "plain");
	assert_int_equal(r->code, 0);
	assert_true(exists("plain", "results.csv"));
	assert_false(exists("plain", "trace.json"));
	assert_false(exists("plain", "states_threads.gp"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_and_plot),
		cmocka_unit_test(test_without_timeline),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

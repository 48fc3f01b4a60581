/* test_check_cli.c - `concbench check` as a user meets it, and the quick
 * checks around a sweep: results.json's context carries both, a direct
 * sweep_run() reports the effective cores, CONCBENCH_NO_CHECK skips them. */
#define _GNU_SOURCE
#include "tests/clirun.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/report/json.h"
#include "harness/run/runopts.h"

static void test_command(void **st)
{
	char err[128];
	result *r = RUN("check", "--json", "--quick");
	assert_int_equal(r->code, 0);
	assert_int_equal(json_check(r->out, strlen(r->out), err, sizeof err), 0);
	assert_non_null(strstr(r->out, "\"effective_cores\""));
	assert_non_null(strstr(r->out, "\"quick\": true"));
	r = RUN("check", "--quick");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "cores delivered"));
	assert_non_null(strstr(r->out, "check took"));
	r = RUN("check", "--help");
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "example"));
	USAGE("--bogus", "check", "--bogus");
	USAGE("extra: unexpected argument", "check", "extra");
}

/* results.json of the sweep called name, whole, checked to be JSON. */
static char *results_json(const char *name)
{
	char path[256], err[256];
	path_in(path, sizeof path, name, "results.json");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char text[1 << 20];
	size_t n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_int_equal(json_check(text, n, err, sizeof err), 0);
	return text;
}

static void test_sweep_context(void **st)
{
	result *r = RUN("run", "-w", "null", "-m", "sequential", "-n", "2", "-c", "1", "--reps",
			"1", "--no-plot", "--name", "chk", "-o", tmpdir);
	assert_int_equal(r->code, 0);
	const char *j = results_json("chk");
	const char *c = strstr(j, "\"check\": {");
	assert_non_null(c);
	const char *before = strstr(c, "\"before\": {"), *after = strstr(c, "\"after\": {");
	assert_true(before && after && before < after);
	assert_non_null(strstr(after, "\"effective_cores\""));

	setenv("CONCBENCH_NO_CHECK", "1", 1);
	r = RUN("run", "-w", "null", "-m", "sequential", "-n", "2", "-c", "1", "--reps", "1",
		"--no-plot", "--name", "nochk", "-o", tmpdir);
	unsetenv("CONCBENCH_NO_CHECK");
	assert_int_equal(r->code, 0);
	assert_null(strstr(results_json("nochk"), "\"check\""));
}

/* sweep_run() reports the smaller effective core count of its checks. */
static void test_sweep_eff_cores(void **st)
{
	char *argv[] = { "run", "-w",   "null",   "-m",     "sequential", "-n",
			 "1",   "-c",   "1",      "--reps", "1",          "--no-plot",
			 "-o",  tmpdir, "--name", "direct", NULL };
	int argc = (int)N_ELEMS(argv) - 1;
	static volatile sig_atomic_t stop;
	sweep_cfg cfg = { .out_root = "results", .argc = argc, .argv = argv, .stop = &stop };
	wl_spec wls[RUNOPTS_MAX_WL];
	char err[256];
	assert_int_equal(runopts_parse(argc, argv, &cfg, wls, err, sizeof err), 0);
	FILE *out = fopen("/dev/null", "w");
	assert_non_null(out);
	assert_int_equal(sweep_run(&cfg, out, out), 0);
	assert_true(cfg.eff_cores > 0 &&
		    cfg.eff_cores <= sysconf(_SC_NPROCESSORS_ONLN) * 1.1 + 0.1);
	setenv("CONCBENCH_NO_CHECK", "1", 1);
	assert_int_equal(sweep_run(&cfg, out, out), 0);
	unsetenv("CONCBENCH_NO_CHECK");
	assert_true(isnan(cfg.eff_cores));
	fclose(out);
	runopts_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_command),
		cmocka_unit_test(test_sweep_context),
		cmocka_unit_test(test_sweep_eff_cores),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

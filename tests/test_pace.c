/* test_pace.c - the pace probe's arithmetic, a real probe, and a sweep that
 * runs a slowed rep again (the probes scripted by CONCBENCH_PACE_SCRIPT). */
#define _GNU_SOURCE
#include "tests/clirun.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/run/pace.h"

static void test_ratio(void **st)
{
	double best[3] = { 100, 200, 50 }, cores;
	double same[3] = { 100, 200, 50 };
	assert_float_equal(pace_ratio(best, same, 3, &cores), 1.0, 1e-12);
	assert_float_equal(cores, 3.0, 1e-12);
	/* the slowest CPU's ratio; each CPU counts at most one core */
	double one_slow[3] = { 160, 100, 50 };
	assert_float_equal(pace_ratio(best, one_slow, 3, &cores), 1.6, 1e-12);
	assert_float_equal(cores, 100.0 / 160 + 1 + 1, 1e-12);
	/* a CPU that could not be probed is left out, not counted slow */
	double lost[3] = { NAN, 400, 50 };
	assert_float_equal(pace_ratio(best, lost, 3, &cores), 2.0, 1e-12);
	assert_float_equal(cores, 1.5, 1e-12);
	double none[2] = { NAN, NAN };
	assert_true(isnan(pace_ratio(best, none, 2, &cores)));
	assert_true(isnan(cores));
}

/* A real probe on every CPU: a finite, positive ratio, and cores no more
 * than the CPUs probed (no speed is asserted). */
static void test_probe(void **st)
{
	pace_meter p;
	unsetenv("CONCBENCH_PACE_SCRIPT");
	assert_int_equal(pace_init(&p, NULL), 0);
	assert_true(p.ncpu >= 1);
	for (int i = 0; i < p.ncpu; i++)
		assert_true(p.best_ns[i] > 0);
	double cores, r = pace_probe(&p, &cores);
	assert_true(isfinite(r) && r > 0);
	assert_true(cores > 0 && cores <= p.ncpu + 1e-9);
}

static void test_script(void **st)
{
	pace_meter p;
	double cores;
	setenv("CONCBENCH_PACE_SCRIPT", "1,1.5,2", 1);
	assert_int_equal(pace_init(&p, NULL), 0);
	assert_float_equal(pace_probe(&p, &cores), 1.0, 1e-12);
	assert_float_equal(pace_probe(&p, &cores), 1.5, 1e-12);
	assert_float_equal(pace_probe(&p, &cores), 2.0, 1e-12);
	assert_float_equal(pace_probe(&p, &cores), 2.0, 1e-12); /* the last, ever after */
	assert_float_equal(cores, p.ncpu / 2.0, 1e-12);
	unsetenv("CONCBENCH_PACE_SCRIPT");
}

/* The rows of results.csv: model, rep, status and pace of each. */
static int rows(const char *name, char model[][32], int *rep, char status[][16], double *pace,
		int max)
{
	char path[256], line[1024];
	path_in(path, sizeof path, name, "results.csv");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	int n = 0, header = 1;
	while (fgets(line, sizeof line, f) && n < max) {
		if (header) {
			header = 0;
			continue;
		}
		char *fld[64];
		int k = 0, q = 0;
		fld[k++] = line;
		for (char *c = line; *c && k < 64; c++) {
			if (*c == '"')
				q = !q;
			else if (*c == ',' && !q) {
				*c = '\0';
				fld[k++] = c + 1;
			}
		}
		assert_true(k >= 26);
		snprintf(model[n], 32, "%s", fld[1]);
		rep[n] = atoi(fld[6]);
		snprintf(status[n], 16, "%s", fld[7] + (fld[7][0] == '"'));
		pace[n] = fld[25][0] && fld[25][0] != '\n' ? atof(fld[25]) : NAN;
		n++;
	}
	fclose(f);
	return n;
}

/* One slow probe right after rep 1: that rep is kept as "slowed" and
 * done again; the summary leaves it out and counts it; the exit is 0. */
static void test_sweep_redoes(void **st)
{
	unsetenv("CONCBENCH_NO_PACE");
	setenv("CONCBENCH_PACE_SCRIPT", "1.6,1", 1);
	result *r = RUN("run", "-w", "null", "-m", "sequential", "-n", "2", "-c", "1", "--reps",
			"2", "--warmup", "0", "--no-plot", "--name", "slow", "-o", tmpdir);
	assert_int_equal(r->code, 0);
	assert_non_null(strstr(r->out, "1 run was slowed from outside"));
	assert_non_null(strstr(r->out, "  2/2 ")); /* the table counts the kept reps */
	char model[8][32], status[8][16];
	int rep[8];
	double pace[8];
	assert_int_equal(rows("slow", model, rep, status, pace, 8), 3);
	assert_int_equal(rep[0], 1);
	assert_string_equal(status[0], "slowed: a CPU d");
	assert_float_equal(pace[0], 1.6, 1e-9);
	assert_int_equal(rep[1], 1);
	assert_string_equal(status[1], "ok");
	assert_float_equal(pace[1], 1.0, 1e-9);
	assert_int_equal(rep[2], 2);
	assert_string_equal(status[2], "ok");

	/* Slow for good: each rep is tried three times, then kept, with its pace. */
	setenv("CONCBENCH_PACE_SCRIPT", "2", 1);
	r = RUN("run", "-w", "null", "-m", "sequential", "-n", "2", "-c", "1", "--reps", "1",
		"--warmup", "0", "--no-plot", "--name", "slow2", "-o", tmpdir);
	assert_int_equal(r->code, 0);
	assert_int_equal(rows("slow2", model, rep, status, pace, 8), 3);
	assert_string_equal(status[2], "ok");
	assert_float_equal(pace[2], 2.0, 1e-9);

	/* CONCBENCH_NO_PACE: no probes, an empty pace cell. */
	setenv("CONCBENCH_NO_PACE", "1", 1);
	r = RUN("run", "-w", "null", "-m", "sequential", "-n", "2", "-c", "1", "--reps", "1",
		"--warmup", "0", "--no-plot", "--name", "nopace", "-o", tmpdir);
	assert_int_equal(r->code, 0);
	assert_int_equal(rows("nopace", model, rep, status, pace, 8), 1);
	assert_true(isnan(pace[0]));
	unsetenv("CONCBENCH_PACE_SCRIPT");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratio),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_script),
		cmocka_unit_test(test_sweep_redoes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/*
 * test_verdict_trial.c - a suite whose expectation stays across an edge:
 * `concbench suite` adds reps up to --max-reps, keeps every row, calls it
 * inconclusive with its interval, and exits 0; only the sweep that measured
 * it runs again. The expectation divides a
 * group by itself against a band whose edge is 1, so the interval crosses
 * it whatever the timings (unless every rep took the same nanoseconds).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"

int cli_suite(int argc, char **argv, volatile sig_atomic_t *stop);

/* The number of lines of a file. */
static int lines(const char *path)
{
	FILE *f = fopen(path, "r");
	int n = 0, c;
	assert_non_null(f);
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void test_inconclusive_adds_reps(void **st)
{
	(void)st;
	char tmpl[] = "/tmp/cb-verdict-XXXXXX";
	char *root = mkdtemp(tmpl);
	assert_non_null(root);
	char file[256], log[256], path[1200];
	snprintf(file, sizeof file, "%s/T1.suite", root);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fputs("name T1\nclaim a ratio on the edge of its band\n"
	      "full -w spin:us=20 -m sequential -n 2 -c 1 --reps 2\n"
	      "quick -w spin:us=20 -m sequential -n 2 -c 1 --reps 2\n"
	      "full -w null -m sequential -n 4 -c 1 --reps 2\n"
	      "quick -w null -m sequential -n 4 -c 1 --reps 2\n"
	      "expect makespan(sequential on spin) / makespan(sequential on spin) in 1..2 : 1 "
	      "is the edge\n",
	      f);
	fclose(f);
	snprintf(log, sizeof log, "%s/log", root);
	fflush(stdout);
	int saved = dup(1);
	FILE *lf = fopen(log, "w");
	assert_non_null(lf);
	dup2(fileno(lf), 1);
	char *argv[] = {
		"suite", file, "--quick", "--no-plot", "--max-reps", "5", "-o", root, NULL
	};
	volatile sig_atomic_t stop = 0;
	int rc = cli_suite(8, argv, &stop);
	char *bad[] = { "suite", file, "--max-reps", "0", NULL };
	int rc_bad = cli_suite(4, bad, &stop);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fclose(lf);
	assert_int_equal(rc, 0);
	assert_int_equal(rc_bad, 2); /* out of range 1..1000 */
	const char *out = test_slurp(log);
	assert_non_null(strstr(out, "[inconclusive] makespan(sequential on spin) / "
				    "makespan(sequential on spin) in 1..2: 1 ["));
	assert_non_null(strstr(out, "] across an edge of 1..2 (95% CI over 5 reps)"));
	assert_non_null(strstr(out, "T1: inconclusive (1 checks: 0 reproduced, 0 n/a, 1 "
				    "inconclusive, 0 not reproduced)"));
	/* 2 reps, then 2 more, then 1 more (5 at most): two directories of
	 * added reps, each with its own rows (a header and one row a rep), all
	 * of the first sweep's (the second measured nothing the verdict needs) */
	const char *m1 = strstr(out, "  more reps: ");
	assert_non_null(m1);
	const char *m2 = strstr(m1 + 1, "  more reps: ");
	assert_non_null(m2);
	assert_null(strstr(m2 + 1, "  more reps: "));
	char dir[1024];
	assert_int_equal(sscanf(m1, "  more reps: %1023s", dir), 1);
	snprintf(path, sizeof path, "%s/results.csv", dir);
	assert_int_equal(lines(path), 3);
	assert_non_null(strstr(test_slurp(path), ",spin,"));
	assert_int_equal(sscanf(m2, "  more reps: %1023s", dir), 1);
	snprintf(path, sizeof path, "%s/results.csv", dir);
	assert_int_equal(lines(path), 2);
	assert_non_null(strstr(test_slurp(path), ",spin,"));
	snprintf(path, sizeof path, "%s/results.json", dir);
	assert_non_null(strstr(test_slurp(path), "--reps"));

	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inconclusive_adds_reps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

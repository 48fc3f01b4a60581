/*
 * test_reproduce.c - `concbench reproduce` and `concbench suite` end to
 * end, on tests/fixtures/suites/tiny: null tasks, well under a second.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/testutil.h"

/* harness/cli/reproduce.c and suite.c (main.c's command table declares them) */
int cli_reproduce(int argc, char **argv, volatile sig_atomic_t *stop);
int cli_suite(int argc, char **argv, volatile sig_atomic_t *stop);

/* Run `reproduce` on tests/fixtures/suites/tiny (null tasks, well under a
 * second) into a temporary root; stdout to a file. */
static void test_reproduce(void **st)
{
	(void)st;
	char tmpl[] = "/tmp/cb-suite-XXXXXX";
	char *root = mkdtemp(tmpl);
	assert_non_null(root);
	char log[256], path[600];
	snprintf(log, sizeof log, "%s/log", root);
	fflush(stdout);
	int saved = dup(1);
	FILE *lf = fopen(log, "w");
	assert_non_null(lf);
	dup2(fileno(lf), 1);
	char *argv[] = { "reproduce", "--quick", "--suites", "tests/fixtures/suites/tiny",
			 "--out",     root,      NULL };
	volatile sig_atomic_t stop = 0;
	int rc = cli_reproduce(6, argv, &stop);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fclose(lf);
	assert_int_equal(rc, 0);
	const char *out = test_slurp(log);
	assert_non_null(strstr(out, "A1: reproduced"));
	assert_non_null(strstr(out, "A2: n/a"));
	assert_non_null(strstr(out, "[reproduced] trivial tasks: makespan(*@2 on null) best "
				    "sequential|threads within 900% -- "));
	/* the counts, at the end */
	assert_non_null(strstr(out, "3 claims: 2 reproduced, 1 n/a, 0 inconclusive, 0 not "
				    "reproduced\n"));
	snprintf(path, sizeof path, "%s/reproduce/latest/REPORT.md", root);
	const char *rep = test_slurp(path);
	assert_non_null(strstr(rep, "3 claims: 2 reproduced, 1 n/a, 0 inconclusive, 0 not "
				    "reproduced (n/a: not applicable on this machine"));
	assert_non_null(strstr(rep, "| id | claim | source | book | ours | expectation | verdict | "
				    "charts |"));
	assert_non_null(strstr(
		rep, "| A1 | null tasks finish | tests/fixtures/suites/tiny | - | 1 [1, 1] | "
		     "`makespan(threads) / makespan(threads) in 0.99..1.01` | "
		     "**reproduced** | [makespan](../../A1/"));
	assert_non_null(strstr(rep, "| A2 | a claim that needs a big machine | - | - | n/a |"));
	assert_non_null(strstr(rep, "n/a: needs cores >= 100000: the machine delivered"));
	/* the chart link resolves from the report's directory */
	const char *l = strstr(rep, "[makespan](");
	assert_non_null(l);
	char rel[300];
	assert_int_equal(sscanf(l, "[makespan](%299[^)])", rel), 1);
	snprintf(path, sizeof path, "%s/reproduce/latest/%s", root, rel);
	assert_int_equal(access(path, F_OK), 0);
	assert_non_null(strstr(rep, "[results](../../A2/"));
	/* A3: two sweeps (two results links), per-workload charts, a matrix */
	const char *a3 = strstr(rep, "| A3 | two sweeps and a decision matrix |");
	assert_non_null(a3);
	assert_non_null(strstr(a3, "<br>best: sequential"));
	assert_non_null(strstr(a3, "[makespan (null)](../../A3/")); /* sweep 1: one workload */
	l = strstr(a3, "[makespan (spin)](");
	assert_non_null(l);
	assert_int_equal(sscanf(l, "[makespan (spin)](%299[^)])", rel), 1);
	snprintf(path, sizeof path, "%s/reproduce/latest/%s", root, rel);
	assert_int_equal(access(path, F_OK), 0);
	l = strstr(a3, "[results](");
	assert_non_null(l);
	assert_non_null(strstr(l + 1, "[results]("));
	assert_non_null(strstr(rep, "## Decision matrix (A3)"));
	assert_non_null(strstr(rep, "| trivial tasks | makespan of null at C=2 | sequential or "
				    "threads (within 900%) | "));

	/* `suite FILE`: exit 0 when reproduced; a bad option is 2 */
	char *argv2[] = { "suite",   "tests/fixtures/suites/tiny/A1.suite",
			  "--quick", "--no-plot",
			  "-o",      root,
			  NULL };
	saved = dup(1);
	lf = fopen(log, "w");
	dup2(fileno(lf), 1);
	rc = cli_suite(6, argv2, &stop);
	char *argv3[] = { "suite", "A1", "--bogus", NULL };
	int rc3 = cli_suite(3, argv3, &stop);
	char *argv4[] = { "suite", "tests/fixtures/suites/no-such.suite", NULL };
	int rc4 = cli_suite(2, argv4, &stop);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fclose(lf);
	assert_int_equal(rc, 0);
	assert_int_equal(rc3, 2);
	assert_int_equal(rc4, 2);
	assert_non_null(
		strstr(test_slurp(log), "[reproduced] makespan(threads) / makespan(threads)"));

	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
}

/* --only keeps the named suites, in the order given (the notebooks run
 * their lessons so); a name no suite has is a usage error before any run. */
static void test_only(void **st)
{
	(void)st;
	char tmpl[] = "/tmp/cb-only-XXXXXX";
	char *root = mkdtemp(tmpl);
	assert_non_null(root);
	char log[256], cmd[600];
	snprintf(log, sizeof log, "%s/log", root);
	fflush(stdout);
	int saved = dup(1);
	FILE *lf = fopen(log, "w");
	assert_non_null(lf);
	dup2(fileno(lf), 1);
	char *argv[] = { "reproduce", "--quick", "--no-plot", "--suites", "tests/fixtures/suites/tiny",
			 "--only=A2,A1,A2", "--out", root, NULL };
	char *bad[] = { "reproduce", "--suites", "tests/fixtures/suites/tiny", "--only", "A1,A9",
			"--out", root, NULL };
	volatile sig_atomic_t stop = 0;
	int rc = cli_reproduce(8, argv, &stop);
	int rc_bad = cli_reproduce(7, bad, &stop);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	fclose(lf);
	assert_int_equal(rc, 0);
	assert_int_equal(rc_bad, 2);
	const char *out = test_slurp(log);
	const char *a2 = strstr(out, "== suite A2 (1/2)"), *a1 = strstr(out, "== suite A1 (2/2)");
	assert_non_null(a2);
	assert_non_null(a1);
	assert_true(a2 < a1);
	assert_null(strstr(out, "== suite A3"));
	assert_non_null(strstr(out, "2 claims: 1 reproduced, 1 n/a, 0 inconclusive, 0 not reproduced\n"));
	snprintf(cmd, sizeof cmd, "test ! -e '%s/A9' && rm -rf '%s'", root, root);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reproduce),
		cmocka_unit_test(test_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_reproduce_partial.c - an interrupted `concbench reproduce` writes the
 * report of the suites that finished, marked partial, and exits 130; and
 * every REPORT.md opens with its context and shows a row's contrast. Runs
 * the fixture suites in tests/fixtures/suites/tiny (null tasks, well under
 * a second).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/file.h"
#include "harness/suite/catalog.h"
#include "harness/suite/matrix.h"
#include "harness/suite/reproduce.h"
#include "tests/testutil.h"

/* An output stream that sets *stop once the first suite's verdict is
 * printed ("A1: ..."), as a Ctrl-C between two suites would. */
static volatile sig_atomic_t stop_flag;

static ssize_t watch_write(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	if (memmem(buf, len, "A1: ", 4))
		stop_flag = 1;
	return (ssize_t)len;
}

static char *report_of(const char *root)
{
	char path[600], err[256];
	snprintf(path, sizeof path, "%s/reproduce/latest/REPORT.md", root);
	char *text = file_slurp(path, 1 << 20, NULL, err, sizeof err);
	if (!text)
		fprintf(stderr, "%s\n", err);
	assert_non_null(text);
	return text;
}

static void test_partial(void **st)
{
	(void)st;
	char tmpl[] = "/tmp/cb-partial-XXXXXX", err[512];
	char *root = mkdtemp(tmpl);
	assert_non_null(root);
	suite *s = NULL;
	size_t n = 0;
	assert_int_equal(catalog_load_dir("tests/fixtures/suites/tiny", &s, &n, err, sizeof err),
			 0);
	assert_int_equal(n, 3);
	assert_string_equal(s[0].name, "A1");
	FILE *out = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = watch_write });
	FILE *diag = fopen("/dev/null", "w");
	assert_non_null(out);
	assert_non_null(diag);
	setvbuf(out, NULL, _IOLBF, 0);
	stop_flag = 0;
	int rc = reproduce_run(s, n, 1, root, 1, &stop_flag, out, diag);
	fclose(out);
	fclose(diag);
	assert_int_equal(rc, 130);
	char *rep = report_of(root);
	assert_non_null(strstr(rep, "# concbench reproduce --quick\n\n**partial: interrupted after "
				    "1 of 3 suites**\n"));
	assert_non_null(
		strstr(rep, "1 claims: 1 reproduced, 0 n/a, 0 inconclusive, 0 not reproduced"));
	assert_non_null(strstr(rep, "| A1 | null tasks finish |"));
	assert_non_null(strstr(rep, "**reproduced**"));
	assert_null(strstr(rep, "| A2 |"));
	/* the context heads the report */
	assert_non_null(strstr(rep, "## Context\n\n- machine: "));
	/* the sweep's machine check measured it (CONCBENCH_NO_CHECK is unset) */
	assert_non_null(strstr(rep, "\n- effective parallelism: "));
	assert_non_null(strstr(rep, " cores delivered in the checks around the sweeps (fewest "
				    "during A1)\n"));
	assert_non_null(strstr(rep, "\n- load average: "));
	assert_non_null(strstr(rep, "\n- kernel: Linux "));
	assert_non_null(strstr(rep, "\n- concbench 0.1.0, git "));
	assert_non_null(strstr(rep, " UTC\n- size: quick (--quick)\n"));
	free(rep);

	/* stopped before the first suite: a report of none, still written */
	char tmpl2[] = "/tmp/cb-partial-XXXXXX";
	char *root2 = mkdtemp(tmpl2);
	assert_non_null(root2);
	out = fopen("/dev/null", "w");
	stop_flag = 1;
	assert_int_equal(reproduce_run(s, n, 1, root2, 1, &stop_flag, out, out), 130);
	fclose(out);
	rep = report_of(root2);
	assert_non_null(strstr(rep, "**partial: interrupted after 0 of 3 suites**"));
	free(rep);

	/* the whole run: no partial mark */
	out = fopen("/dev/null", "w");
	stop_flag = 0;
	assert_int_equal(reproduce_run(s, n, 1, root2, 1, &stop_flag, out, out), 0);
	fclose(out);
	rep = report_of(root2);
	assert_null(strstr(rep, "partial"));
	assert_non_null(strstr(rep, "3 claims: 2 reproduced"));
	free(rep);
	free(s);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", root, root2);
	assert_int_equal(system(cmd), 0);
}

/* The decision matrix shows a row's contrast beside its choice, and why it
 * failed. */
static void test_matrix_cell(void **st)
{
	(void)st;
	static suite s;
	static trial_outcome o;
	char err[256] = "";
	snprintf(s.name, sizeof s.name, "M");
	snprintf(s.claim, sizeof s.claim, "processes for CPU-bound work");
	assert_int_equal(expr_parse_row("makespan(* on fib) best prefork beats sequential by 30% "
					"not worst prefork : CPU-bound",
					&s.rows[0], err, sizeof err),
			 0);
	s.nrows = 1;
	res_run runs[2];
	memset(runs, 0, sizeof runs);
	for (int i = 0; i < 2; i++) {
		snprintf(runs[i].model, sizeof runs[i].model, i ? "prefork" : "sequential");
		snprintf(runs[i].workload, sizeof runs[i].workload, "fib");
		snprintf(runs[i].status, sizeof runs[i].status, "ok");
		runs[i].concurrency = 8;
		runs[i].makespan_s = i ? 0.0336 : 0.0363;
	}
	o.mx[0] = matrix_row(&s.rows[0], runs, 2);
	o.v = o.mx[0].v;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	reproduce_report(f, &s, &o, 1, 1, "/tmp", 0);
	fclose(f);
	assert_non_null(strstr(text, "- size: full\n"));
	assert_non_null(strstr(text, "| CPU-bound | makespan of fib at C=8 | prefork (within 10%; "
				     "beats sequential by 30%; not worst: prefork) | prefork | "));
	assert_non_null(strstr(text, "| **not reproduced**: prefork 33.6 ms beats sequential "
				     "36.3 ms by only 8%, the claim needs 30% |"));
	free(text);
}

/* The context's parallelism line, from fixed outcomes. */
static void test_context_line(void **state)
{
	suite s[3] = { 0 };
	trial_outcome o[3] = { 0 };
	char line[200];
	snprintf(s[0].name, sizeof s[0].name, "L1");
	snprintf(s[1].name, sizeof s[1].name, "L1b");
	snprintf(s[2].name, sizeof s[2].name, "L2");
	o[0].eff_cores = 1.97;
	o[1].eff_cores = 1.43;
	o[2].eff_cores = NAN;
	reproduce_context_line(line, sizeof line, s, o, 3);
	assert_non_null(strstr(line, "effective parallelism: 1.43 to 1.97 of "));
	assert_non_null(strstr(line, "(fewest during L1b)"));
	o[0].eff_cores = o[1].eff_cores = NAN;
	reproduce_context_line(line, sizeof line, s, o, 3);
	assert_string_equal(line, "effective parallelism: not measured");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_context_line),
		cmocka_unit_test(test_matrix_cell),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

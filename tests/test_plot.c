/*
 * test_plot.c - charts from the fixture results directories (a small fib
 * sweep and a small http sweep, with tasks/): every expected file is there
 * and non-empty, gnuplot says nothing (a warning fails), the .dat numbers
 * agree with results.csv, and the two failure paths (no results.csv, no
 * gnuplot) say what to do.
 *
 * Fixtures are copied into a temp directory first; run from the repo root.
 */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/report/csvread.h"
#include "harness/plot/data.h"
#include "harness/plot/plot.h"
#include "harness/report/rows.h"
#include "harness/run/stats.h"

static const char *models[] = { "sequential", "threads", "pool",  "fork", "prefork",
				"select",     "poll",    "epoll", "coro" };
static const char *charts[] = { "throughput", "latency", "speedup",    "memory",
				"makespan",   "cpu",     "latency_cdf" };

static void copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "r"), *b = fopen(to, "w");
	assert_non_null(a);
	assert_non_null(b);
	char buf[8192];
	size_t k;
	while ((k = fread(buf, 1, sizeof buf, a)) > 0)
		assert_int_equal(fwrite(buf, 1, k, b), k);
	fclose(a);
	assert_int_equal(fclose(b), 0);
}

/* Copy the files of src (and of src/tasks) into a new temp dir. */
static char *copy_fixture(const char *src)
{
	char tmpl[] = "/tmp/cb-plot-XXXXXX", a[1024], b[1024];
	char *dir = strdup(mkdtemp(tmpl));
	const char *sub[] = { "", "/tasks" };
	for (int i = 0; i < 2; i++) {
		snprintf(a, sizeof a, "%s%s", src, sub[i]);
		snprintf(b, sizeof b, "%s%s", dir, sub[i]);
		if (i)
			assert_int_equal(mkdir(b, 0755), 0);
		DIR *d = opendir(a);
		assert_non_null(d);
		struct dirent *e;
		while ((e = readdir(d))) {
			char fa[2048], fb[2048];
			struct stat st;
			snprintf(fa, sizeof fa, "%s/%s", a, e->d_name);
			snprintf(fb, sizeof fb, "%s/%s", b, e->d_name);
			if (stat(fa, &st) == 0 && S_ISREG(st.st_mode))
				copy_file(fa, fb);
		}
		closedir(d);
	}
	return dir;
}

static void remove_tree(char *dir)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	free(dir);
}

static long file_size(const char *dir, const char *name, const char *ext)
{
	char p[2048];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s.%s", dir, name, ext);
	return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

/* The whole of a memstream/tmpfile as text. */
static char *slurp_file(FILE *f)
{
	long n = ftell(f);
	char *s = calloc(1, (size_t)n + 1);
	rewind(f);
	assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
	return s;
}

/* Median of a column of the ok runs of model at c, from results.csv. */
static double csv_median(const res_run *r, size_t n, const char *model, unsigned c, size_t off)
{
	double v[64];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].model, model) && r[i].concurrency == c &&
		    !strcmp(r[i].status, "ok"))
			v[k++] = *(const double *)((const char *)&r[i] + off);
	return stats_median(v, k);
}

/* Each data row of `index` blocks: "# index k: model" then rows "x y ...";
 * check column col at x == c against want * scale (scale found from the
 * first value, then held: 1, 1e3 or 1e6). */
static void check_blocks(const char *dir, const char *name, const res_run *r, size_t n, size_t off,
			 int col)
{
	char p[2048], line[512], model[64] = "";
	snprintf(p, sizeof p, "%s/%s.dat", dir, name);
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	int rows = 0;
	double scale = NAN;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "# index %*d: %63s", model) == 1 || line[0] == '#' ||
		    line[0] == '\n')
			continue;
		double x[8];
		int k = sscanf(line, "%lf %lf %lf %lf %lf %lf %lf", &x[0], &x[1], &x[2], &x[3],
			       &x[4], &x[5], &x[6]);
		assert_true(k > col);
		double want = csv_median(r, n, model, (unsigned)x[0], off);
		if (isnan(scale))
			scale = x[col] / want;
		assert_true(fabs(x[col] - want * scale) <= 1e-6 * fabs(want * scale) + 1e-12);
		rows++;
	}
	fclose(f);
	assert_true(fabs(scale - 1) < 1e-9 || fabs(scale - 1e3) < 1e-6 || fabs(scale - 1e6) < 1e-3);
	assert_int_equal(rows, 9 * 3); /* 9 models x 3 concurrency values */
}

/* The next row of a bar chart's .dat ("pos median min max reps "model""),
 * comments skipped: 1, or 0 at the end. */
static int bar_row(FILE *f, double *med, double *lo, double *hi, int *reps, char model[64])
{
	char line[512];
	int pos;
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '#')
			continue;
		assert_int_equal(sscanf(line, "%d %lf %lf %lf %d \"%63[^\"]\"", &pos, med, lo, hi,
					reps, model),
				 6);
		return 1;
	}
	return 0;
}

/* makespan.dat: "pos median min max reps "model"" at the largest C. */
static void check_makespan(const char *dir, const res_run *r, size_t n, unsigned c)
{
	char p[2048], model[64];
	snprintf(p, sizeof p, "%s/makespan.dat", dir);
	FILE *f = fopen(p, "r");
	assert_non_null(f);
	int rows = 0, reps;
	double scale = NAN, med, lo, hi;
	while (bar_row(f, &med, &lo, &hi, &reps, model)) {
		double want = csv_median(r, n, model, c, offsetof(res_run, makespan_s));
		if (isnan(scale))
			scale = med / want;
		assert_true(fabs(med - want * scale) <= 1e-6 * want * scale);
		assert_true(lo <= med && med <= hi);
		assert_int_equal(reps, 2);
		assert_string_equal(model, models[rows]);
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, 9);
}

static void plot_fixture(const char *src, unsigned cmax)
{
	if (!plot_available(NULL))
		skip(); /* the no-gnuplot path has its own test */
	char *dir = copy_fixture(src), err[512] = "";
	FILE *diag = tmpfile();
	int n = plot_dir(dir, NULL, diag, err, sizeof err);
	char *said = slurp_file(diag);
	if (*said)
		fprintf(stderr, "diagnostics:\n%s", said);
	assert_string_equal(said, ""); /* a gnuplot warning fails */
	assert_int_equal(n, 7 + 9);    /* seven charts and a timeline per model */
	const char *ext[] = { "gp", "dat", "png", "svg", "pdf" };
	for (size_t i = 0; i < N_ELEMS(charts) + N_ELEMS(models); i++) {
		char name[64];
		if (i < N_ELEMS(charts))
			snprintf(name, sizeof name, "%s", charts[i]);
		else
			snprintf(name, sizeof name, "timeline_%s", models[i - N_ELEMS(charts)]);
		for (size_t e = 0; e < N_ELEMS(ext); e++) {
			if (file_size(dir, name, ext[e]) <= 0)
				fprintf(stderr, "missing or empty: %s.%s\n", name, ext[e]);
			assert_true(file_size(dir, name, ext[e]) > 0);
		}
	}
	/* the numbers behind the charts are the CSV's */
	char csv[1100];
	res_run *r;
	size_t nr;
	snprintf(csv, sizeof csv, "%s/results.csv", dir);
	assert_int_equal(csv_read_results(csv, &r, &nr, err, sizeof err), 0);
	check_makespan(dir, r, nr, cmax);
	check_blocks(dir, "throughput", r, nr, offsetof(res_run, throughput_per_s), 1);
	check_blocks(dir, "latency", r, nr, offsetof(res_run, lat_p50_s), 1);
	check_blocks(dir, "latency", r, nr, offsetof(res_run, lat_p99_s), 4);
	free(r);
	/* a lecturer's redraw: the .gp alone, run in the directory */
	char cmd[1400];
	snprintf(cmd, sizeof cmd,
		 "cd '%s' && rm speedup.png && gnuplot speedup.gp </dev/null 2>gp.err && "
		 "test -s speedup.png && ! test -s gp.err",
		 dir);
	assert_int_equal(system(cmd), 0);
	free(said);
	fclose(diag);
	remove_tree(dir);
}

static void test_fib(void **state)
{
	plot_fixture("tests/fixtures/plot-fib", 4);
}

static void test_http(void **state)
{
	plot_fixture("tests/fixtures/plot-http", 16);
}

static void test_no_results(void **state)
{
	char tmpl[] = "/tmp/cb-plot-XXXXXX", err[512] = "";
	char *dir = strdup(mkdtemp(tmpl));
	FILE *diag = tmpfile();
	assert_int_equal(plot_dir(dir, NULL, diag, err, sizeof err), -1);
	assert_non_null(strstr(err, "results.csv"));
	fclose(diag);
	remove_tree(dir);
}

static void test_no_gnuplot(void **state)
{
	char *dir = copy_fixture("tests/fixtures/plot-fib"), err[512] = "";
	FILE *diag = tmpfile();
	assert_false(plot_available("/nonexistent/gnuplot"));
	assert_int_equal(plot_dir(dir, "/nonexistent/gnuplot", diag, err, sizeof err), 0);
	char *said = slurp_file(diag);
	assert_non_null(strstr(said, "gnuplot not found"));
	assert_non_null(strstr(said, "apt-get install gnuplot-nox"));
	for (size_t i = 0; i < N_ELEMS(charts); i++) {
		assert_true(file_size(dir, charts[i], "gp") > 0);
		assert_true(file_size(dir, charts[i], "dat") > 0);
		assert_int_equal(file_size(dir, charts[i], "png"), -1);
	}
	free(said);
	fclose(diag);
	remove_tree(dir);
}

/* One concurrency value: no "vs concurrency" charts, the rest still drawn. */
static void test_one_c(void **state)
{
	char *dir = copy_fixture("tests/fixtures/plot-fib"), err[512], p[1100];
	res_run *r;
	size_t n, k = 0;
	snprintf(p, sizeof p, "%s/results.csv", dir);
	assert_int_equal(csv_read_results(p, &r, &n, err, sizeof err), 0);
	FILE *f = fopen(p, "w");
	rows_csv_header(f);
	for (size_t i = 0; i < n; i++)
		if (r[i].concurrency == 2) {
			rows_csv_row(f, &r[i]);
			k++;
		}
	fclose(f);
	assert_int_equal(k, 18);
	/* threads' median peak RSS at C=2, for the memory bars */
	double rss[8];
	size_t nrss = 0;
	for (size_t i = 0; i < n; i++)
		if (r[i].concurrency == 2 && !strcmp(r[i].model, "threads") && nrss < 8)
			rss[nrss++] = (double)r[i].max_rss_kib;
	free(r);
	assert_int_equal(nrss, 2);
	FILE *diag = tmpfile();
	assert_true(plot_dir(dir, "/nonexistent/gnuplot", diag, err, sizeof err) >= 0);
	assert_int_equal(file_size(dir, "throughput", "gp"), -1);
	assert_int_equal(file_size(dir, "latency", "gp"), -1);
	assert_true(file_size(dir, "makespan", "gp") > 0);
	/* memory needs no second C: one bar per model, in MiB */
	assert_true(file_size(dir, "memory", "gp") > 0);
	snprintf(p, sizeof p, "%s/memory.dat", dir);
	f = fopen(p, "r");
	assert_non_null(f);
	char model[64];
	int rows = 0, reps;
	double med, lo, hi;
	while (bar_row(f, &med, &lo, &hi, &reps, model)) {
		assert_string_equal(model, models[rows]);
		assert_true(med > 0 && lo <= med && med <= hi);
		if (!strcmp(model, "threads"))
			assert_true(fabs(med - stats_median(rss, nrss) / 1024) < 1e-6);
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, 9);
	assert_true(file_size(dir, "timeline_threads", "dat") > 0);
	fclose(diag);
	remove_tree(dir);
}

/* Which models get the one-core ideal: a loop per core is not one of them. */
static void test_one_core_models(void **state)
{
	assert_true(plot_one_core("epoll") && plot_one_core("coro:stack=16k"));
	assert_true(plot_one_core("epoll:loops=1") && plot_one_core("threads+gil"));
	assert_false(plot_one_core("epoll:loops=2") || plot_one_core("coro:stack=16k,loops=3"));
	assert_false(plot_one_core("threads") || plot_one_core("hybrid"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fib),        cmocka_unit_test(test_http),
		cmocka_unit_test(test_no_results), cmocka_unit_test(test_no_gnuplot),
		cmocka_unit_test(test_one_c),      cmocka_unit_test(test_one_core_models),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_plot_claims.c - charts that show what their claims say, from small
 * results directories built here with fixed numbers: +gil variants look
 * different from their models; the CPU ideal is no lower than the longest
 * task and one-core models get their own; the switch chart's nanoseconds;
 * the memory axis says what it counts; long model names rotate; long
 * subtitles wrap; file names are short and spelled one way.
 *
 * Scripts are written with gnuplot named as missing (the .gp and .dat are
 * checked), then with gnuplot, when there, which must draw all silently. */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include <dirent.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/plot/plot.h"
#include "harness/report/rows.h"

#define NOGP "/nonexistent/gnuplot"

typedef struct {
	char dir[64];
	FILE *csv;
} fixture;

static void begin(fixture *x)
{
	snprintf(x->dir, sizeof x->dir, "/tmp/cb-plotc-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	char p[128];
	snprintf(p, sizeof p, "%s/results.csv", x->dir);
	x->csv = fopen(p, "w");
	assert_non_null(x->csv);
	rows_csv_header(x->csv);
	/* a CPU name padded with blanks, as /proc/cpuinfo has them */
	snprintf(p, sizeof p, "%s/results.json", x->dir);
	FILE *j = fopen(p, "w");
	assert_non_null(j);
	fputs("{\"context\": {\"cores\": 2, \"cpu_model\": \"Test CPU        \", "
	      "\"date\": \"2026-11-30T06:00:00Z\"}, \"runs\": []}\n",
	      j);
	fclose(j);
}

/* One ok row; figures not given are NaN or -1. */
static long row_sum_kib; /* rss_sum_kib of the rows written; 0: none (old results) */

static void row(fixture *x, const char *model, const char *wl, const char *params, size_t n,
		unsigned c, int rep, double makespan, double svc_p99, long rss)
{
	res_run r;
	memset(&r, 0, sizeof r);
	snprintf(r.model, sizeof r.model, "%s", model);
	snprintf(r.workload, sizeof r.workload, "%s", wl);
	snprintf(r.params, sizeof r.params, "%s", params);
	snprintf(r.status, sizeof r.status, "ok");
	r.tasks = n;
	r.concurrency = c;
	r.rep = rep;
	r.makespan_s = makespan;
	r.throughput_per_s = (double)n / makespan;
	r.lat_mean_s = r.lat_p50_s = r.lat_p90_s = r.lat_p99_s = r.lat_max_s = makespan;
	r.svc_mean_s = r.svc_p50_s = svc_p99;
	r.svc_p99_s = svc_p99;
	r.cpu_user_s = makespan;
	r.cpu_sys_s = 0;
	r.ctx_voluntary = r.ctx_involuntary = 1;
	r.max_rss_kib = rss;
	r.rss_sum_kib = row_sum_kib;
	r.pace = NAN;
	assert_int_equal(rows_csv_row(x->csv, &r), 0);
}

/* tasks/ for sequential's run: task i from start[i] to end[i]. */
static void seq_tasks(fixture *x, const char *params, size_t n, unsigned c, int rep,
		      const double *start, const double *end)
{
	res_run r;
	char name[256], p[512];
	memset(&r, 0, sizeof r);
	snprintf(r.model, sizeof r.model, "sequential");
	snprintf(r.workload, sizeof r.workload, "fib");
	snprintf(r.params, sizeof r.params, "%s", params);
	r.tasks = n;
	r.concurrency = c;
	r.rep = rep;
	assert_int_equal(rows_tasks_name(&r, name, sizeof name), 0);
	snprintf(p, sizeof p, "%s/tasks", x->dir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/tasks/%s", x->dir, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs("task,submit_s,start_s,end_s,worker,cpu,runs,err\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%zu,0,%.9f,%.9f,0,0,1,0\n", i, start[i], end[i]);
	fclose(f);
}

/* Close the CSV and write the charts' scripts (no gnuplot). */
static void draw(fixture *x)
{
	char err[512] = "";
	fclose(x->csv);
	FILE *diag = tmpfile();
	assert_true(plot_dir(x->dir, NOGP, diag, err, sizeof err) >= 0);
	fclose(diag);
}

static const char *read_file(const fixture *x, const char *name)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", x->dir, name);
	return test_slurp(p);
}

static int exists(const fixture *x, const char *name)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", x->dir, name);
	return access(p, F_OK) == 0;
}

/* With gnuplot there, every script draws without a word. */
static void gnuplot_quiet(fixture *x)
{
	char err[512] = "";
	if (!plot_available(NULL))
		return;
	FILE *diag = tmpfile();
	assert_true(plot_dir(x->dir, NULL, diag, err, sizeof err) > 0);
	long n = ftell(diag);
	if (n > 0) {
		char said[4096] = "";
		rewind(diag);
		said[fread(said, 1, sizeof said - 1, diag)] = '\0';
		fprintf(stderr, "gnuplot said:\n%s", said);
	}
	assert_int_equal(n, 0);
	fclose(diag);
}

static void end(fixture *x)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", x->dir);
	assert_int_equal(system(cmd), 0);
}

/* The `set style line` of model in a script: "lc rgb ... pt N ...". */
static void style_of(const char *gp, const char *model, char *out, size_t len)
{
	char tail[96];
	snprintf(tail, sizeof tail, "   # %s", model);
	for (const char *l = gp; (l = strstr(l, "set style line ")); l++) {
		const char *e = strchr(l, '\n');
		const char *t = strstr(l, tail);
		if (t && t < e && (t[strlen(tail)] == '\n' || t[strlen(tail)] == ':')) {
			snprintf(out, len, "%.*s", (int)(t - l), l);
			return;
		}
	}
	fail_msg("no style line for %s", model);
}

/* A CPU sweep of unequal tasks: fib(37)|fib(38) as two tasks of 1.0 s and
 * 1.62 s; sequential takes 2.62 s. */
static void unequal(fixture *x, int with_tasks)
{
	static const double start[] = { 0, 1.0 }, stop[] = { 1.0, 2.62 };
	const char *models[] = { "sequential", "threads", "threads+gil", "epoll" };
	const double ms[] = { 2.62, 1.65, 2.7, 2.63 };
	begin(x);
	for (unsigned c = 1; c <= 2; c++)
		for (size_t m = 0; m < 4; m++)
			row(x, models[m], "fib", "n=37|38", 2, c, 1, c == 1 ? 2.62 : ms[m],
			    with_tasks ? NAN : 1.62, 2048);
	if (with_tasks)
		for (unsigned c = 1; c <= 2; c++)
			seq_tasks(x, "n=37|38", 2, c, 1, start, stop);
	draw(x);
}

static void test_ideal_longest_task(void **state)
{
	for (int with_tasks = 1; with_tasks >= 0; with_tasks--) {
		fixture x;
		unequal(&x, with_tasks);
		/* speed-up: the parallel ideal stops at 2.62 / 1.62 = 1.617x, not 2 */
		const char *gp = read_file(&x, "speedup.gp");
		const char *cap = strstr(gp, "ideal_cap = ");
		assert_non_null(cap);
		assert_true(fabs(strtod(cap + 12, NULL) - 2.62 / 1.62) < 1e-3);
		assert_non_null(strstr(gp, with_tasks ? "from tasks/" : "from svc_p99_s"));
		assert_non_null(strstr(gp, "title \"ideal, parallel models\""));
		assert_non_null(strstr(gp, "title \"ideal, one-core models\""));
		assert_non_null(strstr(gp, "sequential ÷ longest task = 1.62"));
		/* makespan: each bar its own ideal (column 7): 1.62 s for the
		 * models that can use both cores, 2.62 s (sequential) for the
		 * others, flagged in column 8 */
		const char *dat = read_file(&x, "makespan.dat");
		const char *want[][3] = { { "sequential", "2.62", "1" },
					  { "threads", "1.62", "0" },
					  { "threads+gil", "2.62", "1" },
					  { "epoll", "2.62", "1" } };
		for (size_t m = 0; m < 4; m++) {
			char line[128];
			snprintf(line, sizeof line, "\"%s\" %s %s\n", want[m][0], want[m][1],
				 want[m][2]);
			if (!strstr(dat, line))
				fail_msg("makespan.dat lacks %s in:\n%s", line, dat);
		}
		gp = read_file(&x, "makespan.gp");
		assert_non_null(strstr(gp, "ideal, parallel models: the longest task = 1.62 s"));
		assert_non_null(strstr(gp, "ideal, one-core models (sequential, event loops, "
					   "coro, +gil): sequential = 2.62 s"));
		assert_non_null(strstr(gp, "($8==0 ? $7 : NaN)"));
		if (with_tasks)
			gnuplot_quiet(&x);
		end(&x);
	}
}

/* Equal tasks: the ideal is the cores' (sequential / 2). */
static void test_ideal_equal_tasks(void **state)
{
	fixture x;
	begin(&x);
	for (unsigned c = 1; c <= 2; c++) {
		row(&x, "sequential", "fib", "n=30", 4, c, 1, 4.0, 1.0, 2048);
		row(&x, "pool", "fib", "n=30", 4, c, 1, c == 1 ? 4.0 : 2.1, 1.0, 2048);
	}
	draw(&x);
	const char *gp = read_file(&x, "speedup.gp");
	assert_true(fabs(strtod(strstr(gp, "ideal_cap = ") + 12, NULL) - 2) < 1e-9);
	assert_null(strstr(gp, "one-core models\"")); /* none here but sequential */
	assert_non_null(strstr(read_file(&x, "makespan.dat"), "\"pool\" 2 0\n"));
	assert_non_null(strstr(read_file(&x, "makespan.gp"),
			       "sequential ÷ min(C, cores) = 4 s ÷ 2 = 2 s"));
	end(&x);
}

static void test_gil_style(void **state)
{
	fixture x;
	unequal(&x, 0);
	const char *gp = read_file(&x, "throughput.gp");
	char plain[160], gilv[160];
	style_of(gp, "threads", plain, sizeof plain);
	style_of(gp, "threads+gil", gilv, sizeof gilv);
	/* the same hue darker, the filled square hollow, the +gil dashes */
	assert_non_null(strstr(plain, "lc rgb \"#0072b2\" dt 2 pt 5 "));
	assert_non_null(strstr(gilv, "lc rgb \"#00466e\" dt (14,5,3,5) pt 4 "));
	/* the same in every chart; bars of +gil are hatched */
	char again[160];
	gp = read_file(&x, "makespan.gp");
	style_of(gp, "threads+gil", again, sizeof again);
	assert_string_equal(again, gilv);
	assert_non_null(strstr(gp, "every ::2::2 using 1:2 with boxes ls 3 dt solid fs pattern 4"));
	assert_null(strstr(gp, "every ::1::1 using 1:2 with boxes ls 2 dt solid fs"));
	end(&x);
}

/* Memory: the axis says what it counts; for max_rss_kib the note says what
 * it leaves out for process models. */
static void test_memory_label(void **state)
{
	fixture x;
	begin(&x);
	for (unsigned c = 1; c <= 2; c++) {
		row(&x, "threads", "sleep", "ms=10", 4, c, 1, 0.02, 0.01, 4096);
		row(&x, "fork", "sleep", "ms=10", 4, c, 1, 0.02, 0.01, 2048);
	}
	draw(&x);
	const char *gp = read_file(&x, "memory.gp");
	assert_non_null(strstr(gp, "set ylabel \"peak RSS of the largest process (MiB)\""));
	assert_non_null(strstr(gp, "fork, prefork: one process's peak, not the sum"));
	assert_non_null(strstr(read_file(&x, "memory.dat"), "\n1 4 4 4\n"));
	end(&x);
	/* With rss_sum_kib (every process of the run) it shows that, and says so. */
	begin(&x);
	for (unsigned c = 1; c <= 2; c++) {
		row_sum_kib = 4096;
		row(&x, "threads", "sleep", "ms=10", 4, c, 1, 0.02, 0.01, 4096);
		row_sum_kib = 3 * 2048;
		row(&x, "fork", "sleep", "ms=10", 4, c, 1, 0.02, 0.01, 2048);
	}
	draw(&x);
	row_sum_kib = 0;
	gp = read_file(&x, "memory.gp");
	assert_non_null(strstr(gp, "set ylabel \"memory of the whole run (MiB, all its processes)\""));
	assert_null(strstr(gp, "one process's peak"));
	assert_non_null(strstr(read_file(&x, "memory.dat"), "# index 1: fork\n1 6 6 6\n"));
	end(&x);
}

/* L14's two quantities in one unit: 0.4 s for 2 x 200,000 hand-offs is
 * 1000 ns; 4 ms is 10 ns. The claim's pair first. */
static void test_switch_chart(void **state)
{
	fixture x;
	begin(&x);
	for (int rep = 1; rep <= 3; rep++) {
		row(&x, "threads", "switch", "rounds=200000,mode=pipe", 2, 2, rep, 0.4, NAN, 2048);
		row(&x, "coro", "switch", "rounds=200000,mode=pipe", 2, 2, rep, 0.6, NAN, 2048);
		row(&x, "threads", "switch", "rounds=200000,mode=yield", 2, 2, rep, 0.2, NAN,
		    2048);
		row(&x, "coro", "switch", "rounds=200000,mode=yield", 2, 2, rep, 0.004, NAN, 2048);
	}
	draw(&x);
	const char *dat = read_file(&x, "switch.dat");
	assert_non_null(strstr(dat, "\n1 1000 1000 1000 3 1 \"threads\" pipe\n"));
	assert_non_null(strstr(dat, "\n2 10 10 10 3 1 \"coro\" yield\n"));
	assert_non_null(strstr(dat, "\"coro\" pipe\n"));
	assert_non_null(strstr(dat, "\"threads\" yield\n"));
	const char *gp = read_file(&x, "switch.gp");
	assert_non_null(strstr(gp, "a thread switch costs 100 coroutine switches"));
	assert_non_null(strstr(gp, "\"thread switch\\n(threads, pipe)\" 1"));
	assert_non_null(strstr(gp, "\"coroutine switch\\n(coro, yield)\" 2"));
	assert_non_null(strstr(gp, "set ylabel \"ns per switch (log scale)\""));
	/* the per-workload charts are named by the parameter that differs */
	assert_true(exists(&x, "switch-mode-pipe_makespan.gp"));
	assert_true(exists(&x, "switch-mode-yield_makespan.gp"));
	gnuplot_quiet(&x);
	end(&x);
}

/* No file name over 60 characters, no "-_", one spelling of a model. */
static void test_names(void **state)
{
	fixture x;
	const char *mixed = "delay_ms=20,size=1024,keepalive=0,timeout_ms=30000,blocking=0,"
			    "fib=20,rounds=0";
	begin(&x);
	for (unsigned c = 1; c <= 2; c++) {
		row(&x, "threads+gil:stack=64k,gil_interval_ms=5", "mixed", mixed, 2, c, 1, 0.1,
		    NAN, 2048);
		row(&x, "sequential", "null", "", 2, c, 1, 0.001, NAN, 2048);
		row(&x, "sequential", "fib", "n=20", 2, c, 1, 0.01, 0.005, 2048);
		row(&x, "sequential", "fib", "n=21", 2, c, 1, 0.02, 0.01, 2048);
	}
	static const double start[] = { 0, 0.005 }, stop[] = { 0.005, 0.01 };
	seq_tasks(&x, "n=20", 2, 2, 1, start, stop);
	/* a timeline of the long model: tasks/ as the runner names it */
	res_run r;
	char name[256], p[512];
	memset(&r, 0, sizeof r);
	snprintf(r.model, sizeof r.model, "threads+gil:stack=64k,gil_interval_ms=5");
	snprintf(r.workload, sizeof r.workload, "mixed");
	snprintf(r.params, sizeof r.params, "%s", mixed);
	r.tasks = 2;
	r.concurrency = 2;
	r.rep = 1;
	assert_int_equal(rows_tasks_name(&r, name, sizeof name), 0);
	snprintf(p, sizeof p, "%s/tasks/%s", x.dir, name);
	FILE *t = fopen(p, "w");
	fputs("task,submit_s,start_s,end_s,worker,cpu,runs,err\n0,0,0,0.05,0,0,1,0\n"
	      "1,0,0,0.06,1,1,1,0\n",
	      t);
	fclose(t);
	draw(&x);
	assert_true(exists(&x, "mixed_makespan.gp"));
	assert_true(exists(&x, "null_makespan.gp"));
	assert_true(exists(&x, "fib-n-20_makespan.gp"));
	assert_true(exists(&x, "fib-n-21_makespan.gp"));
	DIR *d = opendir(x.dir);
	struct dirent *e;
	int timeline = 0;
	while ((e = readdir(d))) {
		if (strlen(e->d_name) > 60 || strstr(e->d_name, "-_"))
			fail_msg("file name %s", e->d_name);
		/* the model keeps its '+', as in tasks/ */
		if (!strncmp(e->d_name, "mixed_timeline_threads+gil-", 27))
			timeline++;
	}
	closedir(d);
	assert_int_equal(timeline, 2); /* .gp and .dat */
	/* the title carries every parameter, wrapped, no line past the width */
	const char *gp = read_file(&x, "mixed_makespan.gp");
	assert_non_null(strstr(gp, "timeout\\\\_ms=30000"));
	assert_non_null(strstr(gp, "Test CPU, 2 cores")); /* blanks trimmed */
	end(&x);
}

/* Each {/=14 ...} line of a title fits the canvas; a long one wraps. */
static void test_subtitle_wraps(void **state)
{
	fixture x;
	char params[160];
	snprintf(params, sizeof params,
		 "url=http://127.0.0.1:8080/a/rather/long/path/that/goes/on,delay_ms=20,"
		 "size=1024,keepalive=1,timeout_ms=30000");
	begin(&x);
	for (unsigned c = 1; c <= 2; c++)
		row(&x, "epoll", "http", params, 4, c, 1, 0.03, NAN, 2048);
	draw(&x);
	const char *gp = read_file(&x, "throughput.gp");
	const char *l = strstr(gp, "set label 1 \"");
	assert_non_null(l);
	int lines = 0;
	for (const char *q = l; (q = strstr(q, "{/=14 ")) && q < strchr(l, '\n'); q++) {
		size_t n = 0;
		for (const char *c = q + 6; *c != '}'; c++)
			n += (*c & 0xc0) != 0x80 && *c != '\\';
		assert_true(n <= 114);
		lines++;
	}
	assert_true(lines >= 2);
	assert_non_null(strstr(l, " at screen 0.5, screen "));
	assert_non_null(strstr(gp, "set tmargin at screen "));
	end(&x);
}

/* Tic labels rotate when long names would collide, and only then. */
static void test_rotate(void **state)
{
	fixture x;
	begin(&x);
	const char *many[] = { "threads:stack=64k", "threads+gil:stack=64k", "pool+gil",
			       "hybrid+gil",        "coro:stack=16k",        "prefork" };
	for (size_t m = 0; m < 6; m++)
		row(&x, many[m], "sleep", "ms=10", 4, 4, 1, 0.02, 0.01, 2048);
	draw(&x);
	assert_non_null(strstr(read_file(&x, "makespan.gp"), ") rotate by 40 right\n"));
	end(&x);
	begin(&x);
	row(&x, "threads", "sleep", "ms=10", 4, 4, 1, 0.02, 0.01, 2048);
	row(&x, "epoll", "sleep", "ms=10", 4, 4, 1, 0.02, 0.01, 2048);
	draw(&x);
	assert_non_null(strstr(read_file(&x, "makespan.gp"), ") norotate\n"));
	end(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ideal_longest_task),
		cmocka_unit_test(test_ideal_equal_tasks),
		cmocka_unit_test(test_gil_style),
		cmocka_unit_test(test_memory_label),
		cmocka_unit_test(test_switch_chart),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_subtitle_wraps),
		cmocka_unit_test(test_rotate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_plot_states.c - the state timeline charts of the fixture directory
 * (tests/fixtures/timeline): a states_<model> chart per model beside the
 * old Gantt, gnuplot silent on each; the .dat holds every segment the
 * reader derived, each on its row; the legend names the states drawn; the
 * subtitle gives the hand-off spacing and the dropped events; a loop's
 * tasks get rows, and past 16 tasks one summary band; results without
 * state events get no state chart.
 */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include <string.h>
#include <unistd.h>

#include "harness/plot/plot.h"
#include "harness/report/csvread.h"
#include "harness/report/eventsread.h"

#define FIX "tests/fixtures/timeline"

static char dir[64];

static int setup(void **state)
{
	char cmd[200];
	snprintf(dir, sizeof dir, "/tmp/cb-states-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof cmd, "cp -r " FIX "/. '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* plot_dir on dir; what it said (gnuplot's complaints) must be nothing, or
 * when not strict (results too thin for the other charts) nothing about
 * the state charts. */
static void plot_as(const char *where, int strict)
{
	char err[256], *said = NULL;
	size_t len = 0;
	FILE *diag = open_memstream(&said, &len);
	int n = plot_dir(where, NULL, diag, err, sizeof err);
	fclose(diag);
	if (n < 0)
		fail_msg("%s", err);
	if (len && plot_available(NULL) && (strict || strstr(said, "states_")))
		fail_msg("plot_dir said:\n%s", said);
	free(said);
}

static void plot(const char *where)
{
	plot_as(where, 1);
}

static const char *file(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return test_slurp(path);
}

static int exists(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static void test_charts_drawn(void **state)
{
	const char *charts[] = { "fib_states_threads+gil", "fib_states_threads",
				 "sleep_states_epoll", "sleep_states_coro", "mixed_states_hybrid" };
	char name[128];
	plot(dir);
	for (size_t i = 0; i < N_ELEMS(charts); i++) {
		const char *ext[] = { ".dat", ".gp", plot_available(NULL) ? ".png" : ".gp" };
		for (size_t k = 0; k < 3; k++) {
			snprintf(name, sizeof name, "%s%s", charts[i], ext[k]);
			if (!exists(name))
				fail_msg("no %s", name);
		}
	}
	assert_true(exists("fib_timeline_threads+gil.gp")); /* the Gantt stays */
	assert_true(exists("trace.json"));
}

/* Lines of the .dat in the block whose comment names it. */
static size_t block_lines(const char *dat, const char *block)
{
	const char *b = strstr(dat, block);
	size_t n = 0;
	if (!b)
		return 0;
	for (b = strchr(b, '\n'); b && b[1] && b[1] != '\n'; b = strchr(b + 1, '\n'))
		n += b[1] != '#';
	return n;
}

/* Every segment the reader derived is in the .dat, in its state's block. */
static void test_every_segment(void **state)
{
	res_run *runs;
	size_t n;
	char err[256];
	const char *dats[] = { "fib_states_threads+gil.dat", "fib_states_threads.dat",
			       "sleep_states_epoll.dat", "sleep_states_coro.dat",
			       "mixed_states_hybrid.dat" };
	plot(dir);
	assert_int_equal(csv_read_results(FIX "/results.csv", &runs, &n, err, sizeof err), 0);
	for (size_t i = 0; i < n; i++) {
		evr_run r;
		assert_int_equal(evr_load_run(FIX, &runs[i], &r, err, sizeof err), 0);
		const char *dat = file(dats[i]);
		for (int st = 0; st < EVR_NSTATES; st++) {
			size_t want = 0;
			char block[32];
			for (size_t k = 0; k < r.nsegs; k++)
				want += r.segs[k].state == (evr_state)st;
			for (size_t k = 0; k < r.ntsegs; k++)
				want += r.tsegs[k].state == (evr_state)st;
			snprintf(block, sizeof block, "# state %s\n", evr_state_name(st));
			if (block_lines(dat, block) != want)
				fail_msg("%s: %zu %s segments, want %zu", dats[i],
					 block_lines(dat, block), evr_state_name(st), want);
		}
		assert_int_equal(block_lines(dat, "# GIL hand-offs\n"), r.nmarks);
		evr_free(&r);
	}
	free(runs);
}

static void test_legend_and_notes(void **state)
{
	plot(dir);
	const char *gp = file("fib_states_threads+gil.gp");
	assert_non_null(strstr(gp, "title \"running\""));
	assert_non_null(strstr(gp, "title \"waiting for the GIL\""));
	assert_non_null(strstr(gp, "title \"GIL hand-off\""));
	assert_non_null(strstr(gp, "ran on CPU 1"));
	assert_non_null(strstr(gp, "6 GIL hand-offs, median 5.0 ms apart"));
	assert_non_null(strstr(gp, "\"thread 4252\" 2"));
	gp = file("fib_states_threads.gp");
	assert_non_null(strstr(gp, "title \"ready, no core / queued\""));
	assert_null(strstr(gp, "hand-off"));
	assert_non_null(strstr(gp, "\"thread 4263\" 3")); /* a row, though it recorded nothing */
	gp = file("sleep_states_epoll.gp");
	assert_non_null(strstr(gp, "\"loop 4244\" 0"));
	assert_non_null(strstr(gp, "task 7}\" 8")); /* the tasks' rows below their loop */
	assert_non_null(strstr(gp, "title \"waiting for I/O or a timer\""));
	gp = file("mixed_states_hybrid.gp");
	assert_non_null(strstr(gp, "Lane 2: 120 events dropped after 20 ms: buffer full"));
	assert_non_null(strstr(gp, "120 events dropped\" at 20, 6"));
	assert_non_null(strstr(gp, "\"thread 4270\" 5"));
}

/* A loop with 20 tasks: one band instead of 20 rows. */
static void test_band(void **state)
{
	char path[256];
	FILE *f;
	snprintf(path, sizeof path, "%s/results.csv", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("suite,model,workload,params,tasks,concurrency,rep,status,makespan_s\n"
	      ",epoll,sleep,ms=1,20,20,1,ok,0.0012\n",
	      f);
	fclose(f);
	const char *stem[] = { "tasks/epoll_sleep-ms-1_n20_c20_r1.csv",
			       "tasks/epoll_sleep-ms-1_n20_c20_r1.lanes.csv",
			       "tasks/epoll_sleep-ms-1_n20_c20_r1.events.csv" };
	FILE *t[3];
	for (int k = 0; k < 3; k++) {
		snprintf(path, sizeof path, "%s/%s", dir, stem[k]);
		assert_non_null(t[k] = fopen(path, "w"));
	}
	fputs("task,submit_s,start_s,end_s,worker,cpu,runs,err\n", t[0]);
	fputs("lane,kind,pid,tid,events,dropped,dropped_after_ns\n0,loop,7,7,81,0,-1\n", t[1]);
	fputs("lane,t_ns,event,task,cpu\n", t[2]);
	for (int k = 0; k < 20; k++) {
		fprintf(t[0], "%d,0,%.6f,%.6f,%d,0,1,0\n", k, k * 1e-6, 1.1e-3 + k * 5e-6, k);
		fprintf(t[2], "0,%d,run,%d,0\n0,%d,wait,%d,-1\n", k * 1000, k, k * 1000 + 500, k);
	}
	fputs("0,20000,io,-1,-1\n", t[2]);
	for (int k = 0; k < 20; k++)
		fprintf(t[2], "0,%d,run,%d,0\n0,%d,end,%d,-1\n", 1000000 + k * 5000, k,
			1000000 + k * 5000 + 4000, k);
	for (int k = 0; k < 3; k++)
		assert_int_equal(fclose(t[k]), 0);
	plot_as(dir, 0);
	const char *gp = file("states_epoll.gp");
	assert_non_null(strstr(gp, "\"its 20 tasks\" 1"));
	assert_non_null(strstr(gp, "filledcurves"));
	assert_null(strstr(gp, "task 3}"));
	assert_true(block_lines(file("states_epoll.dat"), "# band of lane 0\n") > 20);
}

/* Results without state events: the Gantt only, no trace. */
static void test_old_results(void **state)
{
	char cmd[400];
	snprintf(cmd, sizeof cmd,
		 "rm -rf '%s' && mkdir '%s' && cp -r tests/fixtures/plot-fib/. '%s'", dir, dir,
		 dir);
	assert_int_equal(system(cmd), 0);
	plot(dir);
	assert_true(exists("timeline_threads.gp"));
	assert_false(exists("states_threads.gp"));
	assert_false(exists("trace.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_charts_drawn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_legend_and_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_band, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_results, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_eventsread.c - state events read back (README, "Recording the state events"): lane segments
 * with their task and CPU, hand-offs, a loop's task rows (waiting, ready
 * after a wake or off a poll, running), a lane cut where its buffer
 * filled, a lane with no events; bad and truncated files refused with a
 * message naming file and line (and random bytes never crash); the
 * fixture directory's runs found and loaded; counts over time.
 */
#define _GNU_SOURCE
#include "tests/testutil.h"

#include <string.h>
#include <unistd.h>

#include "harness/report/csvread.h"
#include "harness/report/evcount.h"
#include "harness/report/eventsread.h"

#define FIX "tests/fixtures/timeline"

static char lanes_path[64], events_path[64];

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static int load(const char *lanes, const char *events, int64_t end, evr_run *r, char *err,
		size_t len)
{
	snprintf(lanes_path, sizeof lanes_path, "/tmp/cb-evr-%d.lanes.csv", (int)getpid());
	snprintf(events_path, sizeof events_path, "/tmp/cb-evr-%d.events.csv", (int)getpid());
	put(lanes_path, lanes);
	put(events_path, events);
	int rc = evr_load(lanes_path, events_path, end, r, err, len);
	unlink(lanes_path);
	unlink(events_path);
	return rc;
}

#define LANES_HEAD  "lane,kind,pid,tid,events,dropped,dropped_after_ns\n"
#define EVENTS_HEAD "lane,t_ns,event,task,cpu\n"

static void seg_is(const evr_seg *g, int lane, evr_state st, int task, int cpu, int64_t t0,
		   int64_t t1)
{
	assert_int_equal(g->lane, lane);
	assert_int_equal(g->state, st);
	assert_int_equal(g->task, task);
	assert_int_equal(g->cpu, cpu);
	assert_int_equal(g->t0, t0);
	assert_int_equal(g->t1, t1);
}

/* Two +gil threads taking turns; the last state lasts to the end given;
 * idle draws nothing; a lane with no events has no segment. */
static void test_thread_lanes(void **state)
{
	char err[256];
	evr_run r;
	assert_int_equal(load(LANES_HEAD "0,thread,10,11,6,0,-1\n1,thread,10,12,4,0,-1\n"
					 "2,thread,10,13,0,0,-1\n",
			      EVENTS_HEAD "0,-500,idle,-1,-1\n0,100,run,0,1\n0,5000,handoff,0,-1\n"
					  "0,5000,gil,0,-1\n0,9000,run,0,0\n0,12000,end,0,-1\n"
					  "1,200,gil,1,-1\n1,5100,run,1,1\n1,9000,ready,1,-1\n"
					  "1,9500,run,1,1\n",
			      20000, &r, err, sizeof err),
			 0);
	assert_int_equal(r.nlanes, 3);
	assert_int_equal(r.lanes[1].tid, 12);
	assert_int_equal(r.lanes[2].events, 0);
	assert_int_equal(r.nsegs, 7);
	seg_is(&r.segs[0], 0, EVR_RUN, 0, 1, 100, 5000);
	seg_is(&r.segs[1], 0, EVR_GIL, 0, -1, 5000, 9000);
	seg_is(&r.segs[2], 0, EVR_RUN, 0, 0, 9000, 12000);
	seg_is(&r.segs[3], 1, EVR_GIL, 1, -1, 200, 5100);
	seg_is(&r.segs[4], 1, EVR_RUN, 1, 1, 5100, 9000);
	seg_is(&r.segs[5], 1, EVR_READY, 1, -1, 9000, 9500);
	seg_is(&r.segs[6], 1, EVR_RUN, 1, 1, 9500, 20000);
	assert_int_equal(r.nmarks, 1);
	assert_int_equal(r.marks[0].t, 5000);
	assert_int_equal(r.marks[0].lane, 0);
	assert_int_equal(r.ntsegs, 0); /* no loop lane */
	assert_int_equal(r.end_ns, 20000);
	assert_string_equal(evr_state_name(EVR_GIL), "gil");
	evr_free(&r);
}

/* A loop: task 0 waits, is woken, runs; task 1 waits and runs straight
 * off the poll (no wake): ready from the poll's end; end_ns < 0: the last
 * event's time. */
static void test_loop_tasks(void **state)
{
	char err[256];
	evr_run r;
	assert_int_equal(load(LANES_HEAD "0,loop,20,20,14,0,-1\n",
			      EVENTS_HEAD
			      "0,0,run,0,0\n0,10,sched,-1,-1\n0,12,wait,0,-1\n"
			      "0,20,run,1,0\n0,30,sched,-1,-1\n0,31,wait,1,-1\n"
			      "0,40,io,-1,-1\n0,100,sched,-1,-1\n0,105,wake,0,-1\n"
			      "0,110,run,0,0\n0,120,end,0,-1\n0,130,run,1,0\n0,140,end,1,-1\n"
			      "0,150,idle,-1,-1\n",
			      -1, &r, err, sizeof err),
			 0);
	assert_int_equal(r.end_ns, 150);
	assert_int_equal(r.lanes[0].loop, 1);
	assert_int_equal(r.lanes[0].ntasks, 2);
	/* lane: run0 sched run1 sched io sched run0 run1 (end, idle: nothing) */
	assert_int_equal(r.nsegs, 8);
	seg_is(&r.segs[4], 0, EVR_IO, -1, -1, 40, 100);
	/* task 0: run 0-10, io 10-105 (from its run's end), ready 105-110, run 110-120 */
	assert_int_equal(r.ntsegs, 8);
	seg_is(&r.tsegs[0], 0, EVR_RUN, 0, -1, 0, 10);
	seg_is(&r.tsegs[1], 0, EVR_IO, 0, -1, 10, 105);
	seg_is(&r.tsegs[2], 0, EVR_READY, 0, -1, 105, 110);
	seg_is(&r.tsegs[3], 0, EVR_RUN, 0, -1, 110, 120);
	/* task 1: run 20-30, io 30-100 (the poll's end), ready 100-130, run 130-140 */
	seg_is(&r.tsegs[4], 0, EVR_RUN, 1, -1, 20, 30);
	seg_is(&r.tsegs[5], 0, EVR_IO, 1, -1, 30, 100);
	seg_is(&r.tsegs[6], 0, EVR_READY, 1, -1, 100, 130);
	seg_is(&r.tsegs[7], 0, EVR_RUN, 1, -1, 130, 140);
	/* how many are ready over time: 1 from 100, 2 from 105, 1 from 110, 0 from 130 */
	evc_step *v;
	size_t n = evc_steps(&r, 0, EVR_READY, &v);
	assert_int_equal(n, 4);
	assert_true(v[0].t == 100 && v[0].n == 1 && v[1].t == 105 && v[1].n == 2);
	assert_true(v[2].t == 110 && v[2].n == 1 && v[3].t == 130 && v[3].n == 0);
	free(v);
	assert_int_equal(evc_steps(&r, 1, EVR_READY, &v), 0);
	evr_free(&r);
}

/* A full buffer: the lane's segments stop at the first event lost. */
static void test_dropped(void **state)
{
	char err[256];
	evr_run r;
	assert_int_equal(load(LANES_HEAD "0,thread,1,2,3,40,6000\n",
			      EVENTS_HEAD "0,0,run,0,3\n0,4000,io,0,-1\n0,5000,run,0,3\n", 90000,
			      &r, err, sizeof err),
			 0);
	assert_int_equal(r.lanes[0].dropped, 40);
	assert_int_equal(r.lanes[0].dropped_ns, 6000);
	assert_int_equal(r.nsegs, 3);
	seg_is(&r.segs[2], 0, EVR_RUN, 0, 3, 5000, 6000);
	evr_free(&r);
}

/* Every bad file: -1, a message naming the file, and nothing kept. */
static void test_bad_files(void **state)
{
	static const struct {
		const char *lanes, *events, *says;
	} bad[] = {
		{ "", EVENTS_HEAD, "empty" },
		{ "lane,kind\n0,thread\n", EVENTS_HEAD, "no column \"pid\"" },
		{ LANES_HEAD "0,thread,1,2,1,0\n", EVENTS_HEAD "0,0,run,0,0\n", "truncated" },
		{ LANES_HEAD "1,thread,1,2,1,0,-1\n", EVENTS_HEAD "0,0,run,0,0\n", "want lane 0" },
		{ LANES_HEAD "0,fiber,1,2,1,0,-1\n", EVENTS_HEAD "0,0,run,0,0\n", "kind" },
		{ LANES_HEAD "0,thread,x,2,1,0,-1\n", EVENTS_HEAD "0,0,run,0,0\n", "\"x\" is not" },
		{ LANES_HEAD "0,thread,1,2,1,0,-1\n", EVENTS_HEAD "0,0,jump,0,0\n",
		  "unknown event" },
		{ LANES_HEAD "0,thread,1,2,1,0,-1\n", EVENTS_HEAD "3,0,run,0,0\n", "out of range" },
		{ LANES_HEAD "0,thread,1,2,1,0,-1\n", EVENTS_HEAD "0,1.5,run,0,0\n",
		  "not a whole" },
		{ LANES_HEAD "0,thread,1,2,3,0,-1\n", EVENTS_HEAD "0,0,run,0,0\n0,9,io,0,-1\n",
		  "has 2 events" },
		{ LANES_HEAD "0,thread,1,2,2,0,-1\n", EVENTS_HEAD "0,0,run,0,0\n0,9,io", ":3:" },
		{ LANES_HEAD "0,thread,1,2,1,0,-1\n", EVENTS_HEAD "0,\"0,run,0,0\n", "malformed" },
	};
	for (size_t i = 0; i < N_ELEMS(bad); i++) {
		char err[256] = "";
		evr_run r;
		assert_int_equal(load(bad[i].lanes, bad[i].events, -1, &r, err, sizeof err), -1);
		if (!strstr(err, bad[i].says) || !strstr(err, "/tmp/cb-evr-"))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err, bad[i].says);
		assert_null(r.segs);
		assert_int_equal(r.nlanes, 0);
	}
	char err[256];
	evr_run r;
	assert_int_equal(
		evr_load("/nonexistent/a.lanes.csv", "/nonexistent/b", -1, &r, err, sizeof err),
		-1);
	assert_non_null(strstr(err, "/nonexistent/a.lanes.csv: No such file"));
}

/* Random bytes after a good header, and random bytes alone: never a crash. */
static void test_garbage(void **state)
{
	unsigned x = 12345;
	char lanes[700], events[700];
	for (int round = 0; round < 300; round++) {
		char *dst[2] = { lanes, events };
		for (int k = 0; k < 2; k++) {
			int o = round % 2
					? snprintf(dst[k], 100, "%s", k ? EVENTS_HEAD : LANES_HEAD)
					: 0;
			for (int i = 0; i < 200 + round; i++) {
				x = x * 1103515245 + 12345;
				static const char pick[] = "0123456789,,,\n-\"runloopthreadio x\r";
				char c = round % 3 ? pick[(x >> 16) % (sizeof pick - 1)]
						   : (char)(x >> 16);
				dst[k][o++] = c ? c : ' ';
			}
			dst[k][o] = '\0';
		}
		char err[256];
		evr_run r;
		if (load(lanes, events, -1, &r, err, sizeof err) == 0)
			evr_free(&r);
		else
			assert_true(err[0] != '\0');
	}
}

/* The fixture directory: each run found by its results.csv row and read. */
static void test_fixture_runs(void **state)
{
	res_run *runs;
	size_t n;
	char err[256];
	assert_int_equal(csv_read_results(FIX "/results.csv", &runs, &n, err, sizeof err), 0);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		evr_run r;
		assert_int_equal(evr_has(FIX, &runs[i]), 1);
		if (evr_load_run(FIX, &runs[i], &r, err, sizeof err) < 0)
			fail_msg("%s: %s", runs[i].model, err);
		assert_true(r.nsegs > 0);
		/* the end is the latest task end of tasks/<run>.csv */
		assert_int_equal(r.end_ns, (int64_t)(runs[i].makespan_s * 1e9 + 0.5));
		if (!strcmp(runs[i].model, "threads+gil"))
			assert_int_equal(r.nmarks, 6);
		if (!strcmp(runs[i].model, "epoll"))
			assert_int_equal(r.lanes[0].ntasks, 8);
		evr_free(&r);
	}
	assert_int_equal(evr_has("tests/fixtures/plot-fib", &runs[0]), 0);
	free(runs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thread_lanes), cmocka_unit_test(test_loop_tasks),
		cmocka_unit_test(test_dropped),      cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_garbage),      cmocka_unit_test(test_fixture_runs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

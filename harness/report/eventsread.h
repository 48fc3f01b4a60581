/*
 * eventsread.h - a run's state timeline read back from tasks/ (eventsread.c):
 * the lanes (OS threads) of tasks/<run>.lanes.csv and the events of
 * tasks/<run>.events.csv (their format: README.md, "Recording the state events"),
 * turned into what a chart or a trace draws: per lane, state segments (running task T,
 * waiting for the GIL, for I/O, ready but not on a CPU, the loop's own
 * code) and hand-off instants; per task of a loop lane, its own segments
 * (running, waiting for I/O, ready to run).
 */
#ifndef CB_EVENTSREAD_H
#define CB_EVENTSREAD_H

#include <stddef.h>
#include <stdint.h>

#include "harness/run/result.h"

/* Lane states (idle is not stored: nothing is drawn for it). A task row
 * uses EVR_RUN, EVR_READY and EVR_IO. */
typedef enum { EVR_RUN, EVR_GIL, EVR_READY, EVR_IO, EVR_SCHED, EVR_NSTATES } evr_state;

typedef struct {
	int loop;             /* kind: 1 loop, 0 thread */
	long pid, tid;        /* OS ids */
	long events, dropped; /* rows in the events file; events lost */
	int64_t dropped_ns;   /* first one lost, ns from t0; -1 if none */
	int ntasks;           /* a loop lane: highest task index seen + 1 */
} evr_lane;

/* A span of one state; times in ns from the run's t0. */
typedef struct {
	int lane;
	evr_state state;
	int task; /* -1: none */
	int cpu;  /* run segments, where known; else -1 */
	int64_t t0, t1;
} evr_seg;

typedef struct {
	int lane, task;
	int64_t t;
} evr_mark;

typedef struct {
	evr_lane *lanes;
	size_t nlanes;
	evr_seg *segs; /* lane segments, by lane, then time */
	size_t nsegs;
	evr_mark *marks; /* hand-offs, by lane, then time */
	size_t nmarks;
	evr_seg *tsegs; /* task segments of loop lanes, by lane, task, time */
	size_t ntsegs;
	int64_t end_ns; /* where the last segments end: the run's makespan */
} evr_run;

/* The state's name as the events file and the charts spell it:
 * "run", "gil", "ready", "io", "sched". */
const char *evr_state_name(evr_state s);

/* The paths of run's two files under dir/tasks/, into lanes and events
 * (each len bytes). 0, or -1 when they do not fit. */
int evr_paths(const char *dir, const res_run *run, char *lanes, char *events, size_t len);

/* Does run have a lanes file under dir/tasks/ (was it recorded with the
 * state timeline)? 1 or 0. */
int evr_has(const char *dir, const res_run *run);

/* Read the two files. end_ns is where the last segment of each lane ends
 * (the makespan: the latest task end); < 0: the latest event's time. 0, or
 * -1 with a message naming the file and line in err (*r is then empty). */
int evr_load(const char *lanes_path, const char *events_path, int64_t end_ns, evr_run *r, char *err,
	     size_t errlen);

/* evr_load for run under dir, ending at the latest task end in its
 * tasks/<run>.csv (else its makespan_s). */
int evr_load_run(const char *dir, const res_run *run, evr_run *r, char *err, size_t errlen);

void evr_free(evr_run *r);

#endif

/*
 * tlrows.c - a run's state events (models/timeline.h), written as two CSV
 * files beside its tasks/ file: the lanes (the OS threads that recorded,
 * with what was dropped) and the events, one row each, times in ns from
 * the run's t0 like the tasks file's. The charts and trace.json are drawn
 * from these files, so `concbench plot DIR` can redraw them later.
 */
#include "harness/report/tlrows.h"

#include <inttypes.h>

int tlrows_lanes(FILE *f, const tl_buf *b, uint64_t t0_ns)
{
	fputs("lane,kind,pid,tid,events,dropped,dropped_after_ns\n", f);
	for (size_t k = 0; k < tl_lanes(b); k++) {
		tl_lane_info l;
		tl_lane(b, k, &l);
		fprintf(f, "%zu,%s,%d,%d,%" PRIu64 ",%" PRIu64 ",%" PRId64 "\n", k,
			l.kind == TL_LANE_LOOP ? "loop" : "thread", (int)l.pid, (int)l.tid,
			l.events, l.dropped,
			l.dropped ? (int64_t)(l.first_drop_ns - t0_ns) : (int64_t)-1);
	}
	return ferror(f) ? -1 : 0;
}

typedef struct {
	FILE *f;
	size_t lane;
	uint64_t t0_ns;
} walk_arg;

static int one(const tl_event *e, void *arg)
{
	walk_arg *a = arg;
	fprintf(a->f, "%zu,%" PRId64 ",%s,%d,%d\n", a->lane, (int64_t)(e->t_ns - a->t0_ns),
		tl_event_name(e->ev), (int)e->task, (int)e->cpu);
	return 0;
}

int tlrows_events(FILE *f, const tl_buf *b, uint64_t t0_ns)
{
	fputs("lane,t_ns,event,task,cpu\n", f);
	for (size_t k = 0; k < tl_lanes(b); k++) {
		walk_arg a = { f, k, t0_ns };
		tl_walk(b, k, one, &a);
	}
	return ferror(f) ? -1 : 0;
}

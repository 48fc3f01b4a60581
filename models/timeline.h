/*
 * timeline.h - what each OS thread did, when: state events for --timeline.
 *
 * A task's start and end (model_task) say when it ran, not how: under
 * threads+gil three fib tasks overlap from start to end while they took
 * turns every 5 ms, and an epoll loop's tasks look like threads. So with
 * --timeline every OS thread (a lane) records, as it goes, the state it
 * enters: running task T, waiting for the GIL, waiting for I/O, ready but
 * not on a CPU, the loop's own code, idle; plus the GIL's forced hand-offs
 * and, on loop lanes, tasks parking and waking (the events are listed in
 * timeline.c and in README.md, "Recording the state events").
 *
 * Cost: off, each hook is one load and branch on a global. On, an event is
 * a clock read and a 16-byte store into the thread's own chunk of a buffer
 * mapped before t0 (tl_open) and shared across fork: no lock, no allocation
 * and no system call but one per chunk of 255 events (an atomic) and, for
 * threads that compute, one CPU-time read per millisecond of computing (to
 * see where the kernel took the core away). A full buffer drops events and
 * counts them per lane; the files and charts say so.
 */
#ifndef CB_TIMELINE_H
#define CB_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

/* The events. Lane states hold until the lane's next lane-state event;
 * TL_HANDOFF is an instant; TL_WAIT and TL_WAKE are about task T alone. */
enum {
	TL_RUN = 1, /* running task T's code */
	TL_READY,   /* runnable for T, but the kernel gave the core to another */
	TL_GIL,     /* waiting for the GIL, to run T */
	TL_IO,      /* blocked for I/O or a timer: T's own, or a loop's poll (-1) */
	TL_SCHED,   /* the loop's or scheduler's own code, between tasks */
	TL_IDLE,    /* no task */
	TL_END,     /* T finished; the lane is idle */
	TL_HANDOFF, /* instant: gave the GIL up at a check point (forced) */
	TL_WAIT,    /* task T parked for I/O or a timer (loop lanes) */
	TL_WAKE,    /* task T became ready to run (loop lanes) */
	TL_NEVENTS
};

/* A lane that interleaves many tasks (an event loop, a coroutine
 * scheduler), or one that runs one task at a time. */
enum { TL_LANE_THREAD = 0, TL_LANE_LOOP = 1 };

typedef struct {
	uint64_t t_ns; /* CLOCK_MONOTONIC (a TSC stamp while in the buffer) */
	int32_t task;  /* -1: none */
	uint16_t ev;   /* TL_* */
	int16_t cpu;   /* on TL_RUN, else -1 */
} tl_event;

typedef struct tl_buf tl_buf;

/* A lane as read back after the run. */
typedef struct {
	int32_t pid, tid;
	int kind; /* TL_LANE_* */
	uint64_t events, dropped;
	uint64_t first_drop_ns; /* 0: none dropped */
} tl_lane_info;

/* A buffer for up to `events` events (0: the default, 16 M), shared across
 * fork; its pages are touched only as they fill. NULL with errno. */
tl_buf *tl_open(size_t events);
void tl_close(tl_buf *b);
/* Empty it, before a run. */
void tl_reset(tl_buf *b);
/* Record into b from now on, in this process and the ones it forks (the run
 * child calls it before t0: it maps the pages the run will likely write and
 * takes the clock's first calibration point); NULL stops recording (and
 * finishes the buffer that was active). */
void tl_activate(tl_buf *b);
/* After the run, before reading: the clock's second calibration point. */
void tl_finish(tl_buf *b);
/* An event's stamp (TSC ticks where usable, else ns) as CLOCK_MONOTONIC ns;
 * tl_walk and tl_lane hand out times already turned. */
uint64_t tl_ns(const tl_buf *b, uint64_t stamp);

/* After the run: its lanes (in the order they first recorded), and lane k's
 * events in time order through fn; fn returning nonzero stops the walk with
 * that value. */
size_t tl_lanes(const tl_buf *b);
void tl_lane(const tl_buf *b, size_t k, tl_lane_info *out);
int tl_walk(const tl_buf *b, size_t k, int (*fn)(const tl_event *e, void *arg), void *arg);
const char *tl_event_name(int ev); /* "run", ..., or "?" */

/* ---- the hooks, for models; each is a branch when nothing records ---- */

extern tl_buf *tl_active;

void tl_record(int ev, int64_t task);
void tl_record_state(int ev); /* the lane's current task */
void tl_record_tick(void);
void tl_record_kind(int kind);

/* The lane enters state ev (TL_RUN..TL_END) for task; TL_RUN also sets the
 * lane's current task, which tl_state() uses. */
static inline void tl_event_at(int ev, int64_t task)
{
	if (tl_active)
		tl_record(ev, task);
}
/* The lane enters state ev for its current task (the GIL, a blocking wait). */
static inline void tl_state(int ev)
{
	if (tl_active)
		tl_record_state(ev);
}
/* At a CPU-bound task's check point: every millisecond or so, compare the
 * thread's CPU time with the wall clock and record where it was off CPU. */
static inline void tl_tick(void)
{
	if (tl_active)
		tl_record_tick();
}
/* This thread's lane interleaves tasks (loops and schedulers say so once). */
static inline void tl_lane_kind(int kind)
{
	if (tl_active)
		tl_record_kind(kind);
}

#endif

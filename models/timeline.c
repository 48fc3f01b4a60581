/*
 * timeline.c - the state-event recorder behind --timeline (timeline.h).
 *
 * One shared anonymous mapping, made before t0 and inherited by every
 * process of the run: a table of lanes (one per OS thread that records),
 * then chunks of 255 events, 4 KiB each. A thread claims a lane at its first
 * event and a chunk whenever its last one is full, each by one atomic add;
 * everything else it writes is its own, so recording takes no lock. The
 * mapping is MAP_NORESERVE: the 16 M events it has room for cost address
 * space, and only the pages written cost memory.
 *
 * Two costs are paid before t0 so the run does not pay them: a page's first
 * touch (on this VM about 30 us: the first 16 MiB are written at tl_open,
 * and each run child maps, before t0, as many pages as the busiest run
 * before it used), and the clock: where the CPU's time-stamp counter is
 * constant and keeps running (x86 constant_tsc and nonstop_tsc), an event's
 * stamp is one rdtsc (~15 ns here, against 37 for clock_gettime), turned
 * into CLOCK_MONOTONIC ns after the run from two calibration points, one
 * at tl_activate and one at tl_finish.
 *
 * The events a lane records (README.md, "Recording the state events"; its
 * "Reading the state timeline" says how they are drawn):
 *   run T      from now on it runs task T's code (with the CPU it is on)
 *   ready T    it could run T, but the kernel has the core elsewhere: seen
 *              at CPU-bound check points, where the thread's CPU time fell
 *              short of the wall clock over the last millisecond or more
 *   gil T      waiting to take the GIL, to run T
 *   io T|-1    blocked for I/O or a timer (T's wait, or a loop's poll)
 *   sched      the loop's or scheduler's own code between tasks
 *   idle, end T   no task; T just finished (and the lane is idle)
 *   handoff    an instant: it gave the GIL up at a check point (forced)
 *   wait T, wake T   task T parked, or made ready, on a loop lane
 * A lane-state event that repeats the lane's state is not recorded.
 */
#define _GNU_SOURCE
#include "models/timeline.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define TL_CHUNK_EVENTS 255
#define TL_MAX_LANES    65536
#define TL_DEFAULT      (16u << 20)
#define TL_TICK_NS      1000000u    /* how often a computing thread checks */
#define TL_WARM_BYTES   (16u << 20) /* written at tl_open */
#define TL_MIN_MAPPED   256u        /* chunks mapped before t0 at the least */

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define TL_HAVE_TSC 1
#else
#define TL_HAVE_TSC 0
#endif

typedef struct {
	uint32_t lane, n;
	uint32_t next; /* the lane's next chunk + 1; 0: none */
	uint32_t pad;
	tl_event ev[TL_CHUNK_EVENTS];
} tl_chunk;

typedef struct {
	int32_t pid, tid, kind;
	uint32_t first; /* its first chunk + 1; 0: none */
	uint64_t events, dropped, first_drop_ns;
} tl_lane_rec;

struct tl_buf {
	size_t bytes;
	uint32_t nchunks;
	atomic_uint gen; /* bumped by tl_reset: lanes of before are stale */
	atomic_uint lanes, chunks, lost_lanes;
	uint32_t most_chunks;          /* the most any run used: mapped before t0 */
	int tsc;                       /* stamps are TSC ticks, else ns */
	double ticks_per_ns;           /* a rough rate, from tl_open, for the tick */
	uint64_t tsc0, ns0, tsc1, ns1; /* calibration: tl_activate, tl_finish */
	tl_lane_rec lane[TL_MAX_LANES];
	/* the chunks follow, page-aligned */
};

tl_buf *tl_active;

/* This thread's lane. Reset in a forked child: its lane is its parent's. */
static _Thread_local struct {
	tl_buf *b;
	unsigned gen;
	uint32_t lane;
	tl_chunk *chunk; /* NULL: claim one at the next event */
	int64_t task;    /* the task it runs (TL_RUN), for tl_state */
	int ev;          /* its state */
	int64_t ev_task;
	int back_ev; /* the state to resume after a wait */
	int64_t back_task;
	uint64_t tick_wall, tick_cpu;
} me;

static size_t chunks_offset(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t p = page > 0 ? (size_t)page : 4096;
	return (sizeof(tl_buf) + p - 1) / p * p;
}

static tl_chunk *chunk_at(const tl_buf *b, uint32_t k)
{
	return (tl_chunk *)((char *)b + chunks_offset()) + k;
}

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* An event's time: TSC ticks where they are usable, else ns. */
static inline uint64_t stamp(const tl_buf *b)
{
#if TL_HAVE_TSC
	if (b->tsc)
		return __rdtsc();
#endif
	return now_ns(CLOCK_MONOTONIC);
}

/* A TSC that ticks at one rate whatever the CPU's frequency and state, the
 * same on every CPU: what the kernel says with constant_tsc and nonstop_tsc
 * (CONCBENCH_TL_CLOCK=ns turns it off). */
static int tsc_usable(void)
{
	const char *env = getenv("CONCBENCH_TL_CLOCK");
	if (!TL_HAVE_TSC || (env && strcmp(env, "ns") == 0))
		return 0;
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[4096];
	int constant = 0, nonstop = 0;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "flags", 5) == 0) {
			constant = strstr(line, " constant_tsc") != NULL;
			nonstop = strstr(line, " nonstop_tsc") != NULL;
			break;
		}
	if (f)
		fclose(f);
	return constant && nonstop;
}

tl_buf *tl_open(size_t events)
{
	size_t n = (events ? events : TL_DEFAULT) / TL_CHUNK_EVENTS + 1;
	if (n > UINT32_MAX) {
		errno = EINVAL;
		return NULL;
	}
	size_t bytes = chunks_offset() + n * sizeof(tl_chunk);
	tl_buf *b = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b == MAP_FAILED)
		return NULL;
	b->bytes = bytes;
	b->nchunks = (uint32_t)n;
	b->ticks_per_ns = 1;
	b->tsc = tsc_usable();
	if (b->tsc) { /* a rough rate over ~2 ms; tl_finish measures the run's */
		uint64_t t0 = stamp(b), n0 = now_ns(CLOCK_MONOTONIC), n1;
		while ((n1 = now_ns(CLOCK_MONOTONIC)) - n0 < 2000000)
			;
		b->ticks_per_ns = (double)(stamp(b) - t0) / (double)(n1 - n0);
		b->tsc = b->ticks_per_ns > 0.01;
		b->ticks_per_ns = b->tsc ? b->ticks_per_ns : 1;
	}
	size_t warm = n * sizeof(tl_chunk) < TL_WARM_BYTES ? n * sizeof(tl_chunk) : TL_WARM_BYTES;
	memset((char *)b + chunks_offset(), 0, warm); /* first touches, once */
	return b;
}

void tl_close(tl_buf *b)
{
	if (!b)
		return;
	if (tl_active == b)
		tl_active = NULL;
	munmap(b, b->bytes);
}

void tl_reset(tl_buf *b)
{
	unsigned used = atomic_load(&b->lanes);
	if (used > TL_MAX_LANES)
		used = TL_MAX_LANES;
	memset(b->lane, 0, used * sizeof b->lane[0]);
	atomic_store(&b->lanes, 0);
	atomic_store(&b->chunks, 0);
	atomic_store(&b->lost_lanes, 0);
	atomic_fetch_add(&b->gen, 1);
}

static void forget_lane(void)
{
	me.b = NULL;
}

void tl_activate(tl_buf *b)
{
	static int registered;
	if (!registered && b) {
		registered = 1;
		pthread_atfork(NULL, NULL, forget_lane);
	}
	if (tl_active && tl_active != b)
		tl_finish(tl_active);
	me.b = NULL;
	tl_active = b;
	if (!b)
		return;
	/* Map, in this process, the pages a run like the last ones will write:
	 * a fork leaves a shared mapping's page tables behind. */
	uint32_t k = b->most_chunks > TL_MIN_MAPPED ? b->most_chunks : TL_MIN_MAPPED;
	k = k < b->nchunks ? k : b->nchunks;
	for (uint32_t i = 0; i < k; i++)
		(void)*(volatile uint32_t *)&chunk_at(b, i)->n;
	b->tsc0 = stamp(b);
	b->ns0 = now_ns(CLOCK_MONOTONIC);
	b->tsc1 = b->ns1 = 0;
}

void tl_finish(tl_buf *b)
{
	b->tsc1 = stamp(b);
	b->ns1 = now_ns(CLOCK_MONOTONIC);
	unsigned used = atomic_load(&b->chunks);
	used = used < b->nchunks ? used : b->nchunks;
	b->most_chunks = used > b->most_chunks ? used : b->most_chunks;
}

uint64_t tl_ns(const tl_buf *b, uint64_t s)
{
	if (!b->tsc)
		return s;
	if (b->tsc1 > b->tsc0 && b->ns1 > b->ns0) {
		long double k = (long double)(b->ns1 - b->ns0) / (long double)(b->tsc1 - b->tsc0);
		return b->ns0 + (uint64_t)((long double)(int64_t)(s - b->tsc0) * k);
	}
	return b->ns0 + (uint64_t)((double)(int64_t)(s - b->tsc0) / b->ticks_per_ns);
}

/* This thread's lane in the active buffer, claimed at its first event;
 * NULL when the table of lanes is full (counted). */
static int lane_here(void)
{
	tl_buf *b = tl_active;
	unsigned gen = atomic_load_explicit(&b->gen, memory_order_relaxed);
	if (me.b == b && me.gen == gen)
		return 1;
	unsigned k = atomic_fetch_add(&b->lanes, 1);
	if (k >= TL_MAX_LANES) {
		atomic_fetch_add(&b->lost_lanes, 1);
		return 0;
	}
	memset(&me, 0, sizeof me);
	me.b = b;
	me.gen = gen;
	me.lane = k;
	me.task = me.ev_task = me.back_task = -1;
	me.back_ev = TL_IDLE;
	b->lane[k].pid = getpid();
	b->lane[k].tid = gettid();
	return 1;
}

/* Append one event to this lane; a full buffer counts it as dropped. */
static void append(int ev, int64_t task, int cpu, uint64_t t)
{
	tl_buf *b = me.b;
	tl_lane_rec *l = &b->lane[me.lane];
	if (!me.chunk || me.chunk->n == TL_CHUNK_EVENTS) {
		unsigned k = l->dropped ? b->nchunks : atomic_fetch_add(&b->chunks, 1);
		if (k >= b->nchunks) {
			if (!l->dropped++)
				l->first_drop_ns = t;
			return;
		}
		tl_chunk *c = chunk_at(b, k);
		c->lane = me.lane;
		c->n = 0;
		c->next = 0;
		if (me.chunk)
			me.chunk->next = k + 1;
		else
			l->first = k + 1;
		me.chunk = c;
	}
	me.chunk->ev[me.chunk->n++] = (tl_event){
		.t_ns = t, .task = (int32_t)task, .ev = (uint16_t)ev, .cpu = (int16_t)cpu
	};
	l->events++;
}

void tl_record(int ev, int64_t task)
{
	if (!lane_here())
		return;
	if (ev >= TL_HANDOFF) { /* an instant, or about a task: no state */
		me.tick_wall = 0;
		append(ev, task < 0 ? me.task : task, -1, stamp(me.b));
		return;
	}
	if (ev == me.ev && task == me.ev_task)
		return;
	/* After an end a thread is idle, a loop back in its own code. */
	int after = ev;
	if (ev == TL_END)
		after = me.b->lane[me.lane].kind == TL_LANE_LOOP ? TL_SCHED : TL_IDLE;
	if (ev == TL_RUN || ev == TL_SCHED || ev == TL_IDLE || ev == TL_END) {
		me.back_ev = after;
		me.back_task = ev == TL_RUN ? task : -1;
		me.task = ev == TL_RUN ? task : -1;
	}
	me.ev = after;
	me.ev_task = ev == TL_END ? -1 : task;
	me.tick_wall = 0;
	append(ev, task, ev == TL_RUN ? sched_getcpu() : -1, stamp(me.b));
}

void tl_record_state(int ev)
{
	if (!lane_here())
		return;
	if (ev == TL_RUN) /* the end of a wait: back to what it was doing */
		tl_record(me.back_ev, me.back_task);
	else
		tl_record(ev, me.task);
}

void tl_record_kind(int kind)
{
	if (lane_here())
		me.b->lane[me.lane].kind = kind;
}

/* At a CPU-bound check point of a running lane: over the last millisecond
 * or more, did the thread get the CPU time the wall clock passed? What it
 * fell short by, beyond a fifth, it spent runnable and off the CPU: record
 * `ready` for that long (placed at the end of the time it did run: the
 * tick knows how much, not exactly when) and `run` again. The CPU time is
 * a system call, so it is read once a millisecond and not at a segment's
 * start: the first millisecond of each run segment goes unchecked, which
 * keeps a GIL handed off at every check point from paying one per turn. */
void tl_record_tick(void)
{
	if (!lane_here() || me.ev != TL_RUN)
		return;
	const tl_buf *b = me.b;
	uint64_t wall = stamp(b); /* in stamps; the thread's CPU time in ns */
	if (!me.tick_wall) {      /* a new run segment: its CPU time is read 1 ms on */
		me.tick_wall = wall;
		me.tick_cpu = 0;
		return;
	}
	double dw = (double)(wall - me.tick_wall) / b->ticks_per_ns;
	if (dw < TL_TICK_NS)
		return;
	uint64_t cpu = now_ns(CLOCK_THREAD_CPUTIME_ID);
	double dc = (double)(cpu - me.tick_cpu);
	if (me.tick_cpu && dc < dw && dw - dc > dw / 5) {
		append(TL_READY, me.task, -1, me.tick_wall + (uint64_t)(dc * b->ticks_per_ns));
		append(TL_RUN, me.task, sched_getcpu(), wall);
	}
	me.tick_wall = wall;
	me.tick_cpu = cpu;
}

/* ---- reading, after the run ---- */

size_t tl_lanes(const tl_buf *b)
{
	unsigned n = atomic_load(&((tl_buf *)b)->lanes);
	return n < TL_MAX_LANES ? n : TL_MAX_LANES;
}

void tl_lane(const tl_buf *b, size_t k, tl_lane_info *out)
{
	const tl_lane_rec *l = &b->lane[k];
	*out = (tl_lane_info){ .pid = l->pid,
			       .tid = l->tid,
			       .kind = l->kind,
			       .events = l->events,
			       .dropped = l->dropped,
			       .first_drop_ns = l->dropped ? tl_ns(b, l->first_drop_ns) : 0 };
}

int tl_walk(const tl_buf *b, size_t k, int (*fn)(const tl_event *e, void *arg), void *arg)
{
	for (uint32_t c = b->lane[k].first; c && c <= b->nchunks;) {
		const tl_chunk *ch = chunk_at(b, c - 1);
		for (uint32_t i = 0; i < ch->n && i < TL_CHUNK_EVENTS; i++) {
			tl_event e = ch->ev[i];
			e.t_ns = tl_ns(b, e.t_ns);
			int rc = fn(&e, arg);
			if (rc)
				return rc;
		}
		c = ch->next;
	}
	return 0;
}

const char *tl_event_name(int ev)
{
	static const char *const names[TL_NEVENTS] = {
		[TL_RUN] = "run",   [TL_READY] = "ready",     [TL_GIL] = "gil",
		[TL_IO] = "io",     [TL_SCHED] = "sched",     [TL_IDLE] = "idle",
		[TL_END] = "end",   [TL_HANDOFF] = "handoff", [TL_WAIT] = "wait",
		[TL_WAKE] = "wake",
	};
	return ev > 0 && ev < TL_NEVENTS ? names[ev] : "?";
}

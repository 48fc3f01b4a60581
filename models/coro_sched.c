/*
 * coro_sched.c - the coro model's scheduler: lanes, the wl_io of a
 * coroutine, and the run queue of tasks that yield.
 *
 * Lanes are slots 0..C-1: when a lane's coroutine ends, its stack goes back
 * to the pool and the next task starts in that lane at once. A task that
 * waits arms a timer or an fd on the loop and switches to the scheduler (the
 * pool's main coroutine); the loop's callback switches back to it. The model
 * around this (options, the pool, the loop) is coro.c.
 */
#define _GNU_SOURCE
#include "models/coro_sched.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/coro_limits.h"
#include "models/timeline.h"

typedef struct coro_sched coro_sched;

typedef struct coro_lane coro_lane;
struct coro_lane {
	coro_sched *s;
	coroutine *co; /* the task's coroutine; NULL: the lane is free */
	size_t task;
	int lane;
	int fd;              /* watched for wait_fd, or -1 */
	int64_t timer;       /* armed, or 0 */
	int ready;           /* what woke the coroutine: events, or -ETIMEDOUT */
	wl_io io;            /* the task's way to wait: io.ctx is this lane */
	coro_lane *next_run; /* yielded: the next lane on the run queue */
};

struct coro_sched {
	model_run *r;
	loop *l;
	coroutine_pool *pool;
	coro_lane *lane;
	size_t next;                /* the next task to start (one loop) */
	const loopgroup_member *gm; /* gm->g: one of K loops */
	size_t busy;                /* lanes with a coroutine */
	int fault;                  /* CONCBENCH_FAULT_SPAWN is set: tests of the limit path */
	/* Lanes that yielded, in order; turn: their turn is in the loop's ready
	 * queue (1) or a timer for after the fds (the timer's id). */
	coro_lane *run_head, **run_tail;
	int64_t turn;
	/* The lane whose coroutine runs now, or last gave the CPU back: with
	 * direct hand-offs (coro_yield) it need not be the lane the scheduler
	 * switched to. */
	coro_lane *current;
	int filling;         /* the first tasks are being started: no hand-offs */
	unsigned handoffs;   /* direct hand-offs since the scheduler last ran */
	uint64_t handoff_t0; /* when the first of them was made */
};

/* ---- the scheduler: lanes, each running one coroutine at a time ---- */

static void lane_main(void *arg)
{
	coro_lane *ln = arg;
	model_exec(ln->s->r, ln->task, ln->lane, &ln->io);
}

/* The next task's coroutine, or NULL with errno. The fault hook stands for
 * mmap's ENOMEM; it is looked up once per run, not once per task. */
static coroutine *spawn(coro_lane *ln)
{
	if (ln->s->fault && model_fault_spawn(ln->task)) {
		errno = ENOMEM;
		return NULL;
	}
	return coroutine_create(ln->s->pool, lane_main, ln);
}

/* Put the run's next task in the free lane ln: 1 if there was one to start
 * (not once the run has failed). */
static int lane_start(coro_lane *ln)
{
	coro_sched *s = ln->s;
	if (atomic_load(&s->r->table->status) != MODEL_OK ||
	    !loopgroup_next(s->gm, &s->next, s->r->n, &ln->task))
		return 0;
	if (!(ln->co = spawn(ln))) {
		coro_limits_stacks_failed(s->r, s->pool, errno);
		return 0;
	}
	s->busy++;
	return 1;
}

/* With K loops, after a lane found no task: a failed run stops every loop
 * (the tasks parked are cancelled once loop_run returns); a loop with no
 * lane busy has nothing left to take, and stops watching its wake fd so
 * that its loop_run ends. */
static void group_check(coro_sched *s)
{
	if (!s->gm->g)
		return;
	if (atomic_load(&s->r->table->status) != MODEL_OK) {
		loopgroup_stop(s->gm->g);
		loop_stop(s->l);
	} else if (!s->busy) {
		loop_watch(s->l, s->gm->wake, 0, NULL, NULL);
	}
}

/* Another loop of the run failed: stop this one too. */
static void on_wake(loop *l, int fd, int ready, void *arg)
{
	loopgroup_woken(((coro_sched *)arg)->gm);
	loop_stop(l);
}

/* Run ln's coroutine until the CPU comes back to the scheduler, then tidy
 * the lane that gave it back - not always ln, since a yield may hand the CPU
 * straight to another lane. A lane whose task ended gets its stack back to
 * the pool and starts the next task at once (a loop, not recursion: the
 * next task may end too). CPU-bound tasks run whole, right here. */
static void lane_run(coro_lane *ln)
{
	coro_sched *s = ln->s;
	while (ln) {
		s->current = ln;
		s->handoffs = 0;
		tl_event_at(TL_RUN, (int64_t)ln->task);
		coroutine_switch(coroutine_main(s->pool), ln->co);
		tl_event_at(TL_SCHED, -1);
		ln = s->current;
		if (!coroutine_done(ln->co))
			return; /* it waits */
		coroutine_free(ln->co);
		ln->co = NULL;
		s->busy--;
		if (!lane_start(ln)) {
			group_check(s);
			return;
		}
	}
}

/* A free lane takes the next task. */
static void lane_fill(coro_lane *ln)
{
	if (!ln->co && lane_start(ln))
		lane_run(ln);
	else if (!ln->co)
		group_check(ln->s);
}

/* ---- the wl_io of a coroutine: register, then switch to the scheduler ---- */

static void park(coro_lane *ln)
{
	coroutine_switch(ln->co, coroutine_main(ln->s->pool));
}

/* Whichever of fd and deadline fired first: drop the other. */
static void stop_waiting(coro_lane *ln)
{
	if (ln->fd >= 0)
		loop_watch(ln->s->l, ln->fd, 0, NULL, NULL);
	if (ln->timer > 0)
		loop_cancel(ln->s->l, ln->timer);
	ln->fd = -1;
	ln->timer = 0;
}

static void on_timer(loop *l, void *arg)
{
	coro_lane *ln = arg;
	ln->timer = 0; /* fired: nothing to cancel */
	ln->ready = -ETIMEDOUT;
	stop_waiting(ln);
	lane_run(ln);
}

static void on_fd(loop *l, int fd, int ready, void *arg)
{
	coro_lane *ln = arg;
	ln->ready = ready;
	stop_waiting(ln);
	lane_run(ln);
}

static int coro_sleep_until(wl_io *io, uint64_t deadline_ns)
{
	coro_lane *ln = io->ctx;
	int64_t id = loop_timer(ln->s->l, deadline_ns, on_timer, ln);
	if (id < 0)
		return (int)id;
	ln->timer = id;
	tl_event_at(TL_WAIT, (int64_t)ln->task);
	park(ln);
	return 0;
}

static int coro_wait_fd(wl_io *io, int fd, int events, uint64_t deadline_ns)
{
	coro_lane *ln = io->ctx;
	int rc;

	if (!(events & (WL_READ | WL_WRITE)))
		return -EINVAL; /* waiting for nothing would never end */
	if ((rc = loop_watch(ln->s->l, fd, events & (WL_READ | WL_WRITE), on_fd, ln)) < 0)
		return rc;
	ln->fd = fd;
	if (deadline_ns) {
		int64_t id = loop_timer(ln->s->l, deadline_ns, on_timer, ln);
		if (id < 0) {
			stop_waiting(ln);
			return (int)id;
		}
		ln->timer = id;
	}
	tl_event_at(TL_WAIT, (int64_t)ln->task);
	park(ln);
	return ln->ready;
}

/* Give the others a turn. A yielded lane joins the tail of the run queue
 * and the lane at its head runs next - straight away, by one stack switch
 * from the yielder to it (no trip through the scheduler, whose switch in
 * and out would double the cost), as long as the hand-offs since the
 * scheduler last ran have taken under CORO_TURN_NS. Past that, or with no
 * other lane queued, the yielder parks, and the scheduler's turn, in the
 * loop's ready queue (loop_soon), runs the queue in order; past CORO_TURN_NS
 * it leaves the rest for a timer due now, which fires after the loop has
 * looked at the fds, so tasks that keep yielding hold up the others' I/O by
 * at most about CORO_TURN_NS. */
#define CORO_TURN_NS 100000u

static void run_push(coro_sched *s, coro_lane *ln)
{
	if (!s->run_head)
		s->run_tail = &s->run_head;
	*s->run_tail = ln;
	s->run_tail = &ln->next_run;
	ln->next_run = NULL;
}

static coro_lane *run_pop(coro_sched *s)
{
	coro_lane *ln = s->run_head;
	s->run_head = ln->next_run;
	if (!s->run_head)
		s->run_tail = &s->run_head;
	ln->next_run = NULL;
	return ln;
}

/* May a yield hand the CPU straight on? Not while the first task of each
 * lane is being started (those not yet started would wait for the queue's
 * turn to end), nor past the time budget; the clock every 16 hand-offs: it
 * would cost as much as one. */
static int handoff_ok(coro_sched *s)
{
	if (s->filling)
		return 0;
	if (s->handoffs++ == 0) {
		s->handoff_t0 = wl_now_ns();
		return 1;
	}
	return s->handoffs % 16 != 0 || wl_now_ns() - s->handoff_t0 < CORO_TURN_NS;
}

static void on_turn(loop *l, void *arg);

/* Make sure the loop gives the queue a turn: in this turn's ready queue
 * (later = 0), or after the fds have had a look (a timer due now). 0, or
 * -errno. */
static int turn_arm(coro_sched *s, int later)
{
	if (s->turn) /* armed, or draining now */
		return 0;
	int64_t id = later ? loop_timer(s->l, 0, on_turn, s) : loop_soon(s->l, on_turn, s);
	if (id < 0)
		return (int)id;
	s->turn = later ? id : 1;
	return 0;
}

/* The loop's turn for the queue: run queued lanes in order until it is
 * empty or about CORO_TURN_NS have passed. */
static void on_turn(loop *l, void *arg)
{
	coro_sched *s = arg;
	uint64_t start = wl_now_ns();
	unsigned rounds = 0;

	s->turn = -1; /* draining: lanes that yield meanwhile need no turn armed */
	while (s->run_head) {
		lane_run(run_pop(s));
		/* time is up: the rest after the fds (if the timer can be armed) */
		if (s->run_head && ++rounds % 16 == 0 && wl_now_ns() - start >= CORO_TURN_NS) {
			s->turn = 0;
			if (turn_arm(s, 1) == 0)
				return;
			s->turn = -1;
		}
	}
	s->turn = 0;
}

static int coro_yield(wl_io *io)
{
	coro_lane *ln = io->ctx;
	coro_sched *s = ln->s;
	int rc;

	/* every queued lane has a turn coming, whoever next parks */
	if ((rc = turn_arm(s, 0)) < 0)
		return rc;
	run_push(s, ln);
	tl_event_at(TL_WAKE, (int64_t)ln->task); /* queued: ready, not running */
	if (s->run_head != ln && handoff_ok(s)) {
		coro_lane *next = run_pop(s);
		s->current = next;
		tl_event_at(TL_RUN, (int64_t)next->task);
		coroutine_switch(ln->co, next->co);
		return 0;
	}
	park(ln);
	return 0;
}

/* ---- running the lanes ---- */

/* Tasks still parked when the loop gave up: failed, their stacks abandoned. */
static void cancel_parked(coro_sched *s, size_t lanes)
{
	for (size_t k = 0; k < lanes; k++) {
		coro_lane *ln = &s->lane[k];
		wl_result res = { 0 };
		if (!ln->co)
			continue;
		wl_fail(&res, ECANCELED, "cancelled: the run stopped");
		model_task_end(s->r, ln->task, &res);
		coroutine_free(ln->co);
		ln->co = NULL;
	}
}

void *coro_sched_lanes(size_t lanes)
{
	coro_lane *ln = calloc(lanes ? lanes : 1, sizeof *ln);
	model_mem_populate(ln, lanes * sizeof *ln); /* not a fault a page, later */
	return ln;
}

int coro_sched_run(model_run *r, loop *l, coroutine_pool *pool, const loopgroup_member *m,
		   void *lanes_mem)
{
	coro_sched sched = { .r = r,
			     .l = l,
			     .pool = pool,
			     .gm = m,
			     .fault = getenv("CONCBENCH_FAULT_SPAWN") != NULL };
	size_t lanes = m->lanes;
	coro_sched *s = &sched;
	int rc;

	if (!(s->lane = lanes_mem ? lanes_mem : coro_sched_lanes(lanes)))
		return model_fail(r, MODEL_LIMIT, "coro: calloc ENOMEM for %zu lanes", lanes);
	for (size_t k = 0; k < lanes; k++) {
		coro_lane *ln = &s->lane[k];
		*ln = (coro_lane){ .s = s, .lane = (int)(m->lane0 + k), .fd = -1 };
		ln->io = (wl_io){ .sleep_until = coro_sleep_until,
				  .wait_fd = coro_wait_fd,
				  .yield = coro_yield,
				  .ctx = ln };
	}
	if (m->g && (rc = loop_watch(l, m->wake, WL_READ, on_wake, s)) < 0)
		model_fail(r, MODEL_LIMIT, "%s", loop_error(l));
	s->filling = 1;
	for (size_t k = 0; k < lanes; k++)
		lane_fill(&s->lane[k]);
	s->filling = 0;
	if ((rc = loop_run(s->l)) < 0) {
		if (*loop_error(s->l))
			model_fail(s->r, MODEL_ERROR, "%s", loop_error(s->l));
		else
			model_fail(s->r, MODEL_ERROR, "coro: epoll: %s", strerror(-rc));
	}
	if (rc < 0 || (m->g && atomic_load(&r->table->status) != MODEL_OK))
		cancel_parked(s, lanes);
	free(s->lane);
	return atomic_load(&s->r->table->status);
}

/*
 * coro.c - stackful coroutines on an epoll loop: straight-line task code that
 * yields where a thread would block.
 *
 * Each task runs on a stack of its own, so plain blocking-style code can stop
 * anywhere down a call chain: waiting arms a timer or an fd on the loop and
 * switches to the scheduler. libtask, Lua coroutines, greenlet/gevent and Go's
 * goroutines (before Go 1.14's async preemption) work so; asyncio's coroutines
 * are stackless - every function on the way must be `async`, compiled into a
 * state machine. It wins at many concurrent waits: 10^5 parked tasks cost
 * 10^5 small stacks, not kernel threads, and a switch takes tens of ns, not
 * the microseconds of a thread switch. It costs a stack each (too small and
 * the task dies on the guard page), no parallelism (one thread), and one task
 * that computes or makes a real blocking call stalls all the others.
 *
 * Lanes are slots 0..C-1: when a lane's coroutine ends, its stack goes back
 * to the pool and the next task starts in that lane at once.
 */
#define _GNU_SOURCE
#include "models/coro.h"
#include "models/loop.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CORO_STACK_DEFAULT ((size_t)64 << 10)
#define CORO_EXIT_OVERFLOW 70 /* EX_SOFTWARE */

static const model_opt_def coro_opts[] = {
	{ "stack", 1, "64k", (int64_t)CORO_STACK_MIN, (int64_t)CORO_STACK_MAX,
	  "stack per coroutine, rounded up to pages, with a guard page below" },
	{ 0 },
};

typedef struct coro_sched coro_sched;

typedef struct coro_lane coro_lane;
struct coro_lane {
	coro_sched *s;
	coro *co; /* the task's coroutine; NULL: the lane is free */
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
	coro_pool *pool;
	coro_lane *lane;
	size_t next; /* the next task to start */
	int fault;   /* CONCBENCH_FAULT_SPAWN is set: tests of the limit path */
	/* Lanes that yielded, in order, and the due timer that drains them. */
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

static long max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long m = -1;
	if (f) {
		if (fscanf(f, "%ld", &m) != 1)
			m = -1;
		fclose(f);
	}
	return m;
}

/* No stack for another coroutine: with ENOMEM, almost always the kernel's
 * limit on mappings per process, since each stack and its guard are two. */
static void stacks_failed(coro_sched *s, int err)
{
	size_t n = coro_pool_mapped(s->pool);
	size_t suggest = 2 * (size_t)s->r->c + 65536; /* 2 maps a stack, and room */
	if (err == ENOMEM)
		model_fail(s->r, MODEL_LIMIT,
			   "coroutine stacks: mmap ENOMEM at %zu stacks (vm.max_map_count is %ld; "
			   "raise it with sysctl -w vm.max_map_count=%zu)",
			   n, max_map_count(), suggest);
	else
		model_fail(s->r, MODEL_ERROR, "coroutine stacks: %s at %zu stacks", strerror(err),
			   n);
}

/* The next task's coroutine, or NULL with errno. The fault hook stands for
 * mmap's ENOMEM; it is looked up once per run, not once per task. */
static coro *spawn(coro_lane *ln)
{
	if (ln->s->fault && model_fault_spawn(ln->s->next)) {
		errno = ENOMEM;
		return NULL;
	}
	return coro_create(ln->s->pool, lane_main, ln);
}

/* Put the run's next task in the free lane ln: 1 if there was one to start
 * (not once the run has failed). */
static int lane_start(coro_lane *ln)
{
	coro_sched *s = ln->s;
	if (s->next >= s->r->n || atomic_load(&s->r->table->status) != MODEL_OK)
		return 0;
	ln->task = s->next;
	if (!(ln->co = spawn(ln))) {
		stacks_failed(s, errno);
		return 0;
	}
	s->next++;
	return 1;
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
		coro_switch(coro_main(s->pool), ln->co);
		ln = s->current;
		if (!coro_done(ln->co))
			return; /* it waits */
		coro_free(ln->co);
		ln->co = NULL;
		if (!lane_start(ln))
			return;
	}
}

/* A free lane takes the next task. */
static void lane_fill(coro_lane *ln)
{
	if (!ln->co && lane_start(ln))
		lane_run(ln);
}

/* ---- the wl_io of a coroutine: register, then switch to the scheduler ---- */

static void park(coro_lane *ln)
{
	coro_switch(ln->co, coro_main(ln->s->pool));
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
	park(ln);
	return ln->ready;
}

/* Give the others a turn. A yielded lane joins the tail of the run queue
 * and the lane at its head runs next - straight away, by one stack switch
 * from the yielder to it (no trip through the scheduler, whose switch in
 * and out would double the cost), as long as the hand-offs since the
 * scheduler last ran have taken under CORO_TURN_NS. Past that, or with no
 * other lane queued, the yielder parks: a due timer (deadline 0) brings the
 * loop back to the queue after it has looked at the fds, so tasks that keep
 * yielding hold up the others' I/O by at most about CORO_TURN_NS. */
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

/* Make sure the loop gives the queue a turn soon: 0, or -errno. */
static int turn_arm(coro_sched *s)
{
	if (s->turn)
		return 0;
	int64_t id = loop_timer(s->l, 0, on_turn, s);
	if (id < 0)
		return (int)id;
	s->turn = id;
	return 0;
}

/* The loop's turn for the queue: run queued lanes in order until it is
 * empty or about CORO_TURN_NS have passed. */
static void on_turn(loop *l, void *arg)
{
	coro_sched *s = arg;
	uint64_t start = wl_now_ns();
	unsigned rounds = 0;

	s->turn = 0;
	while (s->run_head) {
		lane_run(run_pop(s));
		/* time is up: the rest after the fds (if the timer can be armed) */
		if (s->run_head && ++rounds % 16 == 0 && wl_now_ns() - start >= CORO_TURN_NS &&
		    turn_arm(s) == 0)
			break;
	}
}

static int coro_yield(wl_io *io)
{
	coro_lane *ln = io->ctx;
	coro_sched *s = ln->s;
	int rc;

	/* every queued lane has a turn coming, whoever next parks */
	if ((rc = turn_arm(s)) < 0)
		return rc;
	run_push(s, ln);
	if (s->run_head != ln && handoff_ok(s)) {
		coro_lane *next = run_pop(s);
		s->current = next;
		coro_switch(ln->co, next->co);
		return 0;
	}
	park(ln);
	return 0;
}

/* ---- stack overflow: a clean message instead of a bare SIGSEGV ---- */

typedef struct {
	const coro_pool *pool;
	struct sigaction old;
	stack_t old_alt;
	void *alt; /* the handler's own stack: the faulting one is full */
	size_t alt_size;
	char msg[160];
	size_t len;
} coro_guard;

/* The model's one piece of global state: a SIGSEGV handler has no argument,
 * so this is how it finds the run's guard pages. Set only while a coro run is
 * in progress (one per process: the harness's run child). */
static _Atomic(coro_guard *) coro_guard_now;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	coro_guard *g = atomic_load(&coro_guard_now);
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	if (g && coro_pool_is_guard(g->pool, si->si_addr)) {
		for (size_t off = 0; off < g->len;) {
			ssize_t k = write(2, g->msg + off, g->len - off);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
		_exit(CORO_EXIT_OVERFLOW);
	}
	/* Not ours: put back what was there (normally the default action). A
	 * fault repeats on return and meets it; a sent signal is sent again. */
	sigaction(SIGSEGV, g ? &g->old : &dfl, NULL);
	if (si->si_code <= 0)
		raise(sig);
}

static void size_text(char *buf, size_t len, size_t n)
{
	if (n % ((size_t)1 << 20) == 0)
		snprintf(buf, len, "%zum", n >> 20);
	else if (n % 1024 == 0)
		snprintf(buf, len, "%zuk", n >> 10);
	else
		snprintf(buf, len, "%zu", n);
}

static void guard_message(coro_guard *g, size_t stack)
{
	char now[32], more[32];
	size_text(now, sizeof now, stack);
	size_text(more, sizeof more, 2 * stack < CORO_STACK_MAX ? 2 * stack : CORO_STACK_MAX);
	if (stack < CORO_STACK_MAX)
		snprintf(g->msg, sizeof g->msg,
			 "concbench: coroutine stack overflow (stack=%s): raise coro:stack= "
			 "(e.g. coro:stack=%s)\n",
			 now, more);
	else
		snprintf(g->msg, sizeof g->msg,
			 "concbench: coroutine stack overflow (stack=%s): raise coro:stack= "
			 "(it is at its maximum: the task recurses too deep)\n",
			 now);
	g->len = strlen(g->msg);
}

/* Catch SIGSEGV on an alternate stack. 0, or -1 with errno. */
static int guard_install(coro_guard *g, const coro_pool *p)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK };

	g->pool = p;
	guard_message(g, coro_pool_stack_size(p));
	g->alt_size = (size_t)64 << 10;
	g->alt =
		mmap(NULL, g->alt_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->alt == MAP_FAILED)
		return -1;
	stack_t ss = { .ss_sp = g->alt, .ss_size = g->alt_size };
	sigemptyset(&sa.sa_mask);
	if (sigaltstack(&ss, &g->old_alt) < 0) {
		munmap(g->alt, g->alt_size);
		return -1;
	}
	atomic_store(&coro_guard_now, g);
	sigaction(SIGSEGV, &sa, &g->old);
	return 0;
}

static void guard_remove(coro_guard *g)
{
	sigaction(SIGSEGV, &g->old, NULL);
	atomic_store(&coro_guard_now, NULL);
	sigaltstack(&g->old_alt, NULL);
	munmap(g->alt, g->alt_size);
}

/* ---- the model ---- */

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
		coro_free(ln->co);
		ln->co = NULL;
	}
}

static int run_lanes(coro_sched *s, size_t lanes)
{
	int rc;

	for (size_t k = 0; k < lanes; k++) {
		coro_lane *ln = &s->lane[k];
		*ln = (coro_lane){ .s = s, .lane = (int)k, .fd = -1 };
		ln->io = (wl_io){ .sleep_until = coro_sleep_until,
				  .wait_fd = coro_wait_fd,
				  .yield = coro_yield,
				  .ctx = ln };
	}
	s->filling = 1;
	for (size_t k = 0; k < lanes; k++)
		lane_fill(&s->lane[k]);
	s->filling = 0;
	if ((rc = loop_run(s->l)) < 0) {
		if (*loop_error(s->l))
			model_fail(s->r, MODEL_ERROR, "%s", loop_error(s->l));
		else
			model_fail(s->r, MODEL_ERROR, "coro: epoll: %s", strerror(-rc));
		cancel_parked(s, lanes);
	}
	return atomic_load(&s->r->table->status);
}

/* The loop and the SIGSEGV guard around run_lanes. */
static int run_on_loop(coro_sched *s, size_t lanes)
{
	char err[MODEL_MSGLEN];
	coro_guard g;
	int rc;

	s->l = loop_new(&loop_backend_epoll, lanes + 16, lanes, err, sizeof err);
	if (!s->l) {
		int limit = errno == EMFILE || errno == ENFILE || errno == ENOMEM;
		return model_fail(s->r, limit ? MODEL_LIMIT : MODEL_ERROR, "%s", err);
	}
	if (guard_install(&g, s->pool) < 0) {
		rc = model_fail(s->r, MODEL_ERROR, "coro: signal stack: %s", strerror(errno));
	} else {
		rc = run_lanes(s, lanes);
		guard_remove(&g);
	}
	loop_free(s->l);
	return rc;
}

static int coro_run_model(model_run *r)
{
	int64_t stack = model_opt(r->model, "stack");
	coro_sched s = { .r = r, .fault = getenv("CONCBENCH_FAULT_SPAWN") != NULL };
	int rc;

	if ((r->n == 0 || r->c == 0) && r->prep) {
		coro_pool_free(r->prep);
		r->prep = NULL;
	}
	if (r->n == 0)
		return MODEL_OK;
	if (r->c == 0)
		return model_fail(r, MODEL_ERROR, "coro: concurrency must be at least 1");
	size_t lanes = r->c < r->n ? r->c : r->n;
	s.pool = r->prep ? r->prep : coro_pool_new(stack > 0 ? (size_t)stack : CORO_STACK_DEFAULT);
	r->prep = NULL;
	s.lane = calloc(lanes, sizeof *s.lane);
	if (s.pool && s.lane)
		rc = run_on_loop(&s, lanes);
	else
		rc = model_fail(r, MODEL_LIMIT, "coro: calloc ENOMEM for %zu lanes", lanes);
	free(s.lane);
	coro_pool_free(s.pool);
	return rc;
}

/* Mappings this process has now: the lines of /proc/self/maps. */
static long maps_in_use(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int ch;
	if (!f)
		return -1;
	while ((ch = getc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* Before t0: a pool with a stack for every lane already mapped, so the
 * makespan measures running coroutines, not mmap. It leaves mappings to
 * spare under vm.max_map_count (each stack is two: guard and stack) for the
 * loop's own allocations; past that, run() meets the limit and names it. */
static int coro_prepare(model_run *r)
{
	int64_t stack = model_opt(r->model, "stack");
	coro_pool *p = coro_pool_new(stack > 0 ? (size_t)stack : CORO_STACK_DEFAULT);
	size_t want = r->c < r->n ? r->c : r->n;
	long max = max_map_count(), used = maps_in_use();
	if (max > 0 && used >= 0) {
		long spare = (max - used - 4096) / 2;
		if (spare < 0)
			spare = 0;
		if (want > (size_t)spare)
			want = (size_t)spare;
	}
	if (p)
		coro_pool_reserve(p, want);
	r->prep = p;
	return MODEL_OK;
}

const model_kind model_coro = {
	.name = "coro",
	.summary = "stackful coroutines on an epoll loop (stack=64k each, guard page below)",
	.opts = coro_opts,
	.run = coro_run_model,
	.prepare = coro_prepare,
};

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
 * that computes or makes a real blocking call stalls all the others. Stacks
 * come from one arena and cost memory only where touched: a sleeping
 * coroutine holds about 4 KiB, so a million fit in a few GiB.
 *
 * Option loops=K runs K schedulers, each with its own thread, epoll loop
 * and stack pool, sharing the run's tasks (loopgroup.c): a loop per core,
 * as nginx's workers or Seastar's shards, so CPU-bound tasks use every
 * core. A coroutine stays on the thread that started it: unlike Go's
 * scheduler, no loop steals another's parked tasks, so an unlucky loop
 * keeps its slow ones while the others idle.
 *
 * Here: the model's options, its stack pool and its loop. The lanes and
 * their scheduler are coro_sched.c; the overflow guard and the mapping
 * limit, coro_limits.c; the coroutines themselves, coroutine.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/coro_limits.h"
#include "models/coro_sched.h"
#include "models/coroutine.h"
#include "models/epoll.h"
#include "models/loopgroup.h"
#include "models/model.h"

#define CORO_STACK_DEFAULT ((size_t)64 << 10)

static const model_opt_def coro_opts[] = {
	{ "stack", 1, "64k", (int64_t)COROUTINE_STACK_MIN, (int64_t)COROUTINE_STACK_MAX,
	  "stack per coroutine, rounded up to pages; only touched pages cost memory", NULL },
	{ "guard", 0, "1", 0, 1,
	  "1: a guard page below each stack, so an overflow stops the run with a message - "
	  "free where the kernel has MADV_GUARD_INSTALL (Linux 6.13+), else by mprotect: 2 "
	  "mappings a stack, so vm.max_map_count caps coro near 32,700; 0: none (an overflow "
	  "silently overwrites the stack below)",
	  NULL },
	LOOPGROUP_OPT,
	{ 0 },
};

/* Guard pages, unless guard=0 was given (the parser fills in every
 * default; a spec made by hand in a test may hold only stack=). */
static int guard_wanted(const model_spec *m)
{
	for (int k = 0; k < m->nopts; k++)
		if (strcmp(m->o[k].def->name, "guard") == 0)
			return m->o[k].num != 0;
	return 1;
}

/* The run's stack pool, as its options ask. */
static coroutine_pool *pool_for(const model_run *r)
{
	int64_t stack = model_opt(r->model, "stack");
	int guard = guard_wanted(r->model);
	return coroutine_pool_new_guard(stack > 0 ? (size_t)stack : CORO_STACK_DEFAULT,
					guard ? COROUTINE_GUARD_AUTO : COROUTINE_GUARD_NONE);
}

/* ---- the model ---- */

/* The loop (l, or made here) and the SIGSEGV guard around the scheduler.
 * Every loop arms the guard on its own thread (coro_limits.h): its own
 * signal stack, its pool among those the process-wide handler knows, so an
 * overflow on any loop ends the run with the same message. */
static int run_on_loop(model_run *r, coroutine_pool *pool, const loopgroup_member *m, loop *l,
		       void *lanes)
{
	char err[MODEL_MSGLEN];
	int rc;

	if (!l && !(l = loop_new(&loop_backend_epoll, m->lanes + 16, m->lanes, err, sizeof err))) {
		free(lanes);
		int limit = errno == EMFILE || errno == ENFILE || errno == ENOMEM;
		return model_fail(r, limit ? MODEL_LIMIT : MODEL_ERROR, "%s", err);
	}
	if (coro_limits_guard_on(pool) < 0) {
		rc = model_fail(r, MODEL_ERROR, "coro: signal stack: %s", strerror(errno));
	} else {
		rc = coro_sched_run(r, l, pool, m, lanes);
		lanes = NULL;
		coro_limits_guard_off();
	}
	loop_free(l);
	free(lanes); /* the run never got to take them */
	return rc;
}

/* Loop 0's part, made before t0 (coro_prepare), or by the run. */
typedef struct {
	coroutine_pool *pool;
	loop *l;       /* or NULL */
	void *lanes;   /* coro_sched_lanes, or NULL */
	size_t nlanes; /* what they are for */
} coro_warm;

static void warm_free(coro_warm *w)
{
	if (!w)
		return;
	coroutine_pool_free(w->pool);
	loop_free(w->l);
	free(w->lanes);
	free(w);
}

typedef struct {
	model_run *r;
	coro_warm *prep; /* loop 0's, made before t0, or NULL */
} coro_args;

/* One loop's share of the run. A pool belongs to one thread: loop 0 takes
 * the one prepared before t0, the others map their own, on their thread. */
static int coro_loop(loopgroup_member *m, void *arg)
{
	coro_args *a = arg;
	coro_warm none = { 0 }, *w = m->index == 0 && a->prep ? a->prep : &none;
	coroutine_pool *pool = w->pool;
	int rc;

	if (w->nlanes != m->lanes) { /* made for another split: the pool still serves */
		loop_free(w->l);
		free(w->lanes);
		w->l = w->lanes = NULL;
	}
	if (!pool && (pool = pool_for(a->r)) && m->index > 0)
		coroutine_pool_reserve(pool, coro_limits_stacks_fit(pool, m->lanes),
				       a->r->wl->kind->stack_bytes);
	if (pool)
		rc = run_on_loop(a->r, pool, m, w->l, w->lanes);
	else
		rc = model_fail(a->r, MODEL_LIMIT, "coro: calloc ENOMEM for %zu lanes", m->lanes);
	coroutine_pool_free(pool);
	if (w != &none) {
		free(w);
		a->prep = NULL;
	}
	return rc;
}

static int coro_run_model(model_run *r)
{
	coro_args a = { r, r->prep };
	int rc;

	r->prep = NULL;
	rc = loopgroup_run(r, coro_loop, &a);
	warm_free(a.prep); /* N or C was 0: no loop took it */
	return rc;
}

/* Before t0 (a warm executor, as looptasks.c explains): loop 0's pool with
 * a stack for every lane already carved (with mprotect guards, as many as
 * vm.max_map_count leaves room for), its loop and its lanes, every page
 * mapped, so the makespan measures running coroutines, not mmap and first
 * touches. With loops=K, loop 0's lanes only (the first of K shares). */
static int coro_prepare(model_run *r)
{
	char err[MODEL_MSGLEN];
	size_t lanes = r->c < r->n ? r->c : r->n;
	coro_warm *w = calloc(1, sizeof *w);

	if (!w || !(w->pool = pool_for(r))) {
		free(w);
		return MODEL_OK; /* the run tries again and names the limit */
	}
	lanes /= loopgroup_count(r, lanes);
	coroutine_pool_reserve(w->pool, coro_limits_stacks_fit(w->pool, lanes),
			       r->wl->kind->stack_bytes);
	if (lanes) {
		w->nlanes = lanes;
		w->l = loop_new(&loop_backend_epoll, lanes + 16, lanes, err, sizeof err);
		w->lanes = coro_sched_lanes(lanes);
	}
	r->prep = w;
	return MODEL_OK;
}

const model_kind model_coro = {
	.name = "coro",
	.summary = "stackful coroutines on an epoll loop (stack=64k each, guard page below; "
		   "loops=K: one per core)",
	.opts = coro_opts,
	.run = coro_run_model,
	.prepare = coro_prepare,
};

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
 * Here: the model's options, its stack pool and its loop. The lanes and
 * their scheduler are coro_sched.c; the overflow guard and the mapping
 * limit, coro_limits.c; the coroutines themselves, coroutine.c.
 */
#include <errno.h>
#include <string.h>

#include "models/coro_limits.h"
#include "models/coro_sched.h"
#include "models/coroutine.h"
#include "models/epoll.h"
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

/* The loop and the SIGSEGV guard around the scheduler. */
static int run_on_loop(model_run *r, coroutine_pool *pool, size_t lanes)
{
	char err[MODEL_MSGLEN];
	int rc;

	loop *l = loop_new(&loop_backend_epoll, lanes + 16, lanes, err, sizeof err);
	if (!l) {
		int limit = errno == EMFILE || errno == ENFILE || errno == ENOMEM;
		return model_fail(r, limit ? MODEL_LIMIT : MODEL_ERROR, "%s", err);
	}
	if (coro_limits_guard_on(pool) < 0) {
		rc = model_fail(r, MODEL_ERROR, "coro: signal stack: %s", strerror(errno));
	} else {
		rc = coro_sched_run(r, l, pool, lanes);
		coro_limits_guard_off();
	}
	loop_free(l);
	return rc;
}

static int coro_run_model(model_run *r)
{
	coroutine_pool *pool;
	int rc;

	if ((r->n == 0 || r->c == 0) && r->prep) {
		coroutine_pool_free(r->prep);
		r->prep = NULL;
	}
	if (r->n == 0)
		return MODEL_OK;
	if (r->c == 0)
		return model_fail(r, MODEL_ERROR, "coro: concurrency must be at least 1");
	size_t lanes = r->c < r->n ? r->c : r->n;
	pool = r->prep ? r->prep : pool_for(r);
	r->prep = NULL;
	if (pool)
		rc = run_on_loop(r, pool, lanes);
	else
		rc = model_fail(r, MODEL_LIMIT, "coro: calloc ENOMEM for %zu lanes", lanes);
	coroutine_pool_free(pool);
	return rc;
}

/* Before t0: a pool with a stack for every lane already carved (with
 * mprotect guards, as many as vm.max_map_count leaves room for), so the
 * makespan measures running coroutines, not mmap. */
static int coro_prepare(model_run *r)
{
	coroutine_pool *p = pool_for(r);
	if (p)
		coroutine_pool_reserve(p, coro_limits_stacks_fit(p, r->c < r->n ? r->c : r->n));
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

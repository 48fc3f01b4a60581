/*
 * coro_limits.h - the coro model at the edge of its stacks: an overflow
 * becomes a clean message and exit 70 instead of a bare SIGSEGV (with either
 * kind of guard page), and the limit that stopped the stacks is named: the
 * kernel's limit on mappings (vm.max_map_count) where guard pages are made by
 * mprotect - two mappings a stack, which also sizes the pool ahead of a run -
 * else memory or address space.
 */
#ifndef CB_CORO_LIMITS_H
#define CB_CORO_LIMITS_H

#include <stddef.h>

#include "models/coroutine.h"
#include "models/model.h"

/* Catch SIGSEGV on an alternate stack, mapped for the calling thread, while
 * it runs coroutines from pool p: a fault on a guard page of p, or of any
 * pool another thread has armed the guard for at the time (loops=K: one a
 * loop), prints "concbench: coroutine stack overflow ..." and exits 70;
 * any other fault is a crash, as without it. The handler is the process's:
 * the first thread to arm installs it. 0, or -1 with errno. */
int coro_limits_guard_on(const coroutine_pool *p);
/* The calling thread's part back: its pool unregistered, its signal stack
 * the one from before; the last thread puts back the SIGSEGV handling. */
void coro_limits_guard_off(void);

/* How many of `want` stacks to carve from p ahead of a run: all of them,
 * unless p's guard pages are mprotect's; then as many as fit under
 * vm.max_map_count beside this process's mappings, with room to spare. */
size_t coro_limits_stacks_fit(const coroutine_pool *p, size_t want);
/* model_fail for a stack that could not be had (errno value err): with
 * ENOMEM, a limit naming vm.max_map_count and the value to raise it to
 * (mprotect guards), or memory and address space (otherwise). */
void coro_limits_stacks_failed(model_run *r, const coroutine_pool *p, int err);

#endif

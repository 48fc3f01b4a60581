/*
 * coro.h - stackful coroutines: create, switch, finish; stacks from a pool.
 *
 * A coroutine is a function with a stack of its own. coro_switch(from, to)
 * saves the running coroutine's registers on its stack and loads another's,
 * so `to` carries on exactly where it last switched away. The thread that
 * owns a pool is itself a coroutine, coro_main(pool): the scheduler. A new
 * coroutine starts at fn(arg) on its first switch; when fn returns it is
 * done and switches back to the scheduler, which hands it to coro_free.
 *
 * Stacks are mmap'd with a PROT_NONE guard page below each and kept in the
 * pool when freed, so after the first wave a create costs no syscall. The
 * switch is our own assembly on x86-64 and aarch64 (coro_switch.S), else
 * swapcontext; build with -DCORO_UCONTEXT to force the latter. Single-
 * threaded: a pool and its coroutines belong to one thread.
 */
#ifndef CB_CORO_H
#define CB_CORO_H

#include <stddef.h>

typedef struct coro coro;
typedef struct coro_pool coro_pool;
typedef void coro_fn(void *arg);

/* Smallest and largest stack a pool takes (before rounding to pages). */
#define CORO_STACK_MIN ((size_t)16 << 10)
#define CORO_STACK_MAX ((size_t)8 << 20)

/* A pool of stacks of stack_size bytes each (clamped to the range above and
 * rounded up to pages), for the calling thread. NULL with errno on failure. */
coro_pool *coro_pool_new(size_t stack_size);
/* Unmap every stack. Coroutines still parked are abandoned with it. */
void coro_pool_free(coro_pool *p);
size_t coro_pool_stack_size(const coro_pool *p);
/* Stacks mapped so far, in use or free: the pool's high-water mark. */
size_t coro_pool_mapped(const coro_pool *p);
/* Map k more stacks into the free list ahead of need, so the first wave of
 * coroutines makes no syscalls and takes no first-touch fault on their
 * records. Returns how many it mapped (fewer when mmap fails). */
size_t coro_pool_reserve(coro_pool *p, size_t k);
/* Is addr inside one of the pool's guard pages? Async-signal-safe: no
 * locks, no allocation, for a SIGSEGV handler. */
int coro_pool_is_guard(const coro_pool *p, const void *addr);

/* The pool's thread as a coroutine: switch to it to return to the scheduler. */
coro *coro_main(coro_pool *p);
/* A coroutine that will run fn(arg) when first switched to. NULL with errno
 * set (ENOMEM: no stack could be mapped) on failure. */
coro *coro_create(coro_pool *p, coro_fn *fn, void *arg);
/* Save the running coroutine `from` and resume `to`; returns when someone
 * switches back to `from`. */
void coro_switch(coro *from, coro *to);
/* Has c's function returned? */
int coro_done(const coro *c);
/* Give c's stack back to the pool: c is done, never started, or abandoned
 * (a parked coroutine's frames are dropped, never unwound). */
void coro_free(coro *c);

#endif

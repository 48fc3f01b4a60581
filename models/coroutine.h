/*
 * coroutine.h - stackful coroutines: create, switch, finish; stacks from a pool.
 *
 * A coroutine is a function with a stack of its own. coroutine_switch(from, to)
 * saves the running coroutine's registers on its stack and loads another's,
 * so `to` carries on exactly where it last switched away. The thread that
 * owns a pool is itself a coroutine, coroutine_main(pool): the scheduler. A new
 * coroutine starts at fn(arg) on its first switch; when fn returns it is
 * done and switches back to the scheduler, which hands it to coroutine_free.
 *
 * Stacks are carved from a few large mappings (coro_arena.c), a guard page
 * below each, and kept in the pool when freed, so after the first wave a
 * create costs no syscall. The
 * switch is our own assembly on x86-64 and aarch64 (coroutine_switch.S), else
 * swapcontext; build with -DCOROUTINE_UCONTEXT to force the latter. Single-
 * threaded: a pool and its coroutines belong to one thread.
 */
#ifndef CB_COROUTINE_H
#define CB_COROUTINE_H

#include <stddef.h>

typedef struct coroutine coroutine;
typedef struct coroutine_pool coroutine_pool;
typedef void coroutine_fn(void *arg);

/* The page below each stack that turns an overflow into a fault. */
typedef enum {
	COROUTINE_GUARD_NONE,     /* none: an overflow writes over the stack below */
	COROUTINE_GUARD_MADVISE,  /* MADV_GUARD_INSTALL (Linux 6.13+): no mapping */
	COROUTINE_GUARD_MPROTECT, /* a PROT_NONE page: two kernel mappings a stack */
	COROUTINE_GUARD_AUTO,     /* asked for: MADVISE where the kernel can, else MPROTECT */
} coroutine_guard;

/* Smallest and largest stack a pool takes (before rounding to pages). The
 * smallest is one page: the record (128 bytes; about 1 KiB with ucontext)
 * and the first frames. */
#define COROUTINE_STACK_MIN ((size_t)4 << 10)
#define COROUTINE_STACK_MAX ((size_t)8 << 20)

/* A pool of stacks of stack_size bytes each (clamped to the range above and
 * rounded up to pages), for the calling thread, with guard pages
 * (COROUTINE_GUARD_AUTO). NULL with errno on failure. */
coroutine_pool *coroutine_pool_new(size_t stack_size);
/* The same with the guard asked for: NONE, MPROTECT, MADVISE (where the
 * kernel cannot, EINVAL) or AUTO. */
coroutine_pool *coroutine_pool_new_guard(size_t stack_size, coroutine_guard guard);
/* The guard the pool's stacks have: NONE, MADVISE or MPROTECT. */
coroutine_guard coroutine_pool_guard(const coroutine_pool *p);
/* Unmap every stack. Coroutines still parked are abandoned with it. */
void coroutine_pool_free(coroutine_pool *p);
size_t coroutine_pool_stack_size(const coroutine_pool *p);
/* Stacks mapped so far, in use or free: the pool's high-water mark. */
size_t coroutine_pool_mapped(const coroutine_pool *p);
/* Carve k more stacks into the free list ahead of need, so the first wave of
 * coroutines makes no syscalls and takes no first-touch fault on their
 * records, nor on the `depth` bytes of stack below them (0: the record's
 * page alone). Returns how many it made (fewer when memory or mappings run
 * out). */
size_t coroutine_pool_reserve(coroutine_pool *p, size_t k, size_t depth);
/* Is addr inside one of the pool's guard pages? Async-signal-safe: no
 * locks, no allocation, for a SIGSEGV handler. */
int coroutine_pool_is_guard(const coroutine_pool *p, const void *addr);
/* Does addr lie in the pool's arena: the mappings its stacks are carved
 * from (freed whole with the pool)? */
int coroutine_pool_in_arena(const coroutine_pool *p, const void *addr);

/* The pool's thread as a coroutine: switch to it to return to the scheduler. */
coroutine *coroutine_main(coroutine_pool *p);
/* A coroutine that will run fn(arg) when first switched to. NULL with errno
 * set (ENOMEM: no stack could be had) on failure. */
coroutine *coroutine_create(coroutine_pool *p, coroutine_fn *fn, void *arg);
/* Save the running coroutine `from` and resume `to`; returns when someone
 * switches back to `from`. */
void coroutine_switch(coroutine *from, coroutine *to);
/* Has c's function returned? */
int coroutine_done(const coroutine *c);
/* Give c's stack back to the pool: c is done, never started, or abandoned
 * (a parked coroutine's frames are dropped, never unwound). */
void coroutine_free(coroutine *c);

#endif

/*
 * coroutine.c - the coroutine core: stacks from a pool, create, switch, finish.
 *
 * Each stack is a slot of the pool's arena (coro_arena.c: a few large
 * mappings, a guard page below each stack), with the coroutine's record
 * (struct coroutine) in its top bytes, so creating a coroutine allocates
 * nothing once the pool holds a free stack. A stack that overflows runs into
 * its guard page and faults instead of writing over a neighbour.
 *
 * The switch saves only what the ABI says a callee must preserve (see
 * coroutine_switch.S); everything else the compiler already saved around the
 * call to coroutine_switch. A new coroutine's stack is laid out as if it had
 * switched away just before coroutine_entry, so its first switch "returns" into a
 * trampoline that calls coroutine_entry(c), which runs fn(arg), marks it done and
 * switches to the scheduler for the last time.
 *
 * AddressSanitizer must be told about every switch, or it takes the new
 * stack for a wild pointer; valgrind must be told where each stack is.
 */
#define _GNU_SOURCE
#include "models/coroutine.h"

#include "models/coro_arena.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#if !defined(COROUTINE_UCONTEXT) && !defined(__x86_64__) && !defined(__aarch64__)
#define COROUTINE_UCONTEXT 1
#endif
#ifdef COROUTINE_UCONTEXT
#include <ucontext.h>
#endif

#if defined(__SANITIZE_ADDRESS__)
#define COROUTINE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COROUTINE_ASAN 1
#endif
#endif
#ifdef COROUTINE_ASAN
#include <sanitizer/asan_interface.h>
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define COROUTINE_VALGRIND 1
#endif
#endif
#ifndef COROUTINE_VALGRIND
#define VALGRIND_STACK_REGISTER(lo, hi) 0u
#define VALGRIND_STACK_DEREGISTER(id)   ((void)(id))
#endif

struct coroutine {
#ifdef COROUTINE_UCONTEXT
	ucontext_t uc;
#else
	void *sp; /* the saved stack pointer, while switched out */
#endif
	coroutine_pool *pool;
	coroutine_fn *fn;
	void *arg;
	coroutine *prev; /* who switched to us last: the sanitizer asks */
	coroutine *next; /* the pool's free list */
	char *stack;     /* the lowest usable byte; the guard page is below */
	size_t size;     /* usable bytes, up to this record */
	int done;
	void *asan_fake; /* AddressSanitizer's fake stack, while switched out */
	const void *asan_bottom;
	size_t asan_size;
	unsigned vg_id; /* valgrind's name for the stack */
};

struct coroutine_pool {
	coroutine main; /* the owning thread; its stack is not ours */
	size_t stack_size;
	coroutine *free;
	coro_arena arena;
};

/* coroutine_switch.S */
void coroutine_swap(void **save_sp, void *load_sp);
void *coroutine_boot(void *top, void (*entry)(void *), void *arg);

/* ---- telling the sanitizers ---- */

#ifdef COROUTINE_ASAN
/* Before leaving for `to`; fake is NULL when we leave for good. */
static void san_start(void **fake, const coroutine *to)
{
	__sanitizer_start_switch_fiber(fake, to->asan_bottom, to->asan_size);
}

/* Back in `self`: also learns the bounds of the stack we came from, which is
 * how the scheduler's own stack gets known. */
static void san_finish(coroutine *self)
{
	__sanitizer_finish_switch_fiber(self->asan_fake, &self->prev->asan_bottom,
					&self->prev->asan_size);
}

/* A finished coroutine leaves redzones of frames that never returned. */
static void san_forget(coroutine *c)
{
	ASAN_UNPOISON_MEMORY_REGION(c->stack, c->size);
}
#else
static void san_start(void **fake, const coroutine *to)
{
}

static void san_finish(coroutine *self)
{
}

static void san_forget(coroutine *c)
{
}
#endif

/* ---- the machine switch ---- */

static void coroutine_entry(void *arg);

#ifdef COROUTINE_UCONTEXT
/* makecontext passes ints only: the pointer travels in two halves. */
static void coroutine_uc_entry(int hi, int lo)
{
	uintptr_t p = (uintptr_t)(unsigned)lo;
#if UINTPTR_MAX > 0xffffffffu
	p |= (uintptr_t)(unsigned)hi << 32;
#endif
	coroutine_entry((void *)p);
}

static int arch_boot(coroutine *c)
{
	uintptr_t p = (uintptr_t)c;
	if (getcontext(&c->uc) < 0)
		return -1;
	c->uc.uc_stack.ss_sp = c->stack;
	c->uc.uc_stack.ss_size = c->size;
	c->uc.uc_link = NULL;
#if UINTPTR_MAX > 0xffffffffu
	makecontext(&c->uc, (void (*)(void))coroutine_uc_entry, 2, (int)(unsigned)(p >> 32),
		    (int)(unsigned)p);
#else
	makecontext(&c->uc, (void (*)(void))coroutine_uc_entry, 2, 0, (int)(unsigned)p);
#endif
	return 0;
}

static void arch_swap(coroutine *from, coroutine *to)
{
	swapcontext(&from->uc, &to->uc);
}
#else
static int arch_boot(coroutine *c)
{
	c->sp = coroutine_boot(c, coroutine_entry, c); /* the record is the stack's top */
	return 0;
}

static void arch_swap(coroutine *from, coroutine *to)
{
	coroutine_swap(&from->sp, to->sp);
}
#endif

/* ---- create, switch, finish ---- */

/* Where every coroutine starts, on its own stack; it never returns. */
static void coroutine_entry(void *arg)
{
	coroutine *c = arg;
	coroutine *back = &c->pool->main;

	san_finish(c);
	c->fn(c->arg);
	c->done = 1;
	back->prev = c;
	san_start(NULL, back); /* NULL: this stack's frames are gone for good */
	arch_swap(c, back);
	abort(); /* nobody switches to a finished coroutine */
}

void coroutine_switch(coroutine *from, coroutine *to)
{
	if (to->done)
		abort();
	to->prev = from;
	san_start(&from->asan_fake, to);
	arch_swap(from, to);
	san_finish(from);
}

int coroutine_done(const coroutine *c)
{
	return c->done;
}

coroutine *coroutine_main(coroutine_pool *p)
{
	return &p->main;
}

/* ---- the pool ---- */

static size_t round_up(size_t n, size_t to)
{
	return (n + to - 1) / to * to;
}

/* The record sits in the top bytes of the stack whose lowest byte is lo. */
static coroutine *coroutine_at(const coroutine_pool *p, char *lo)
{
	return (coroutine *)(lo + p->stack_size - round_up(sizeof(coroutine), 64));
}

/* A fresh stack from the arena (want: how many more are coming), its record
 * written - which faults in the top page, the only one touched up front. */
static coroutine *stack_new(coroutine_pool *p, size_t want)
{
	char *lo = coro_arena_take(&p->arena, want);
	if (!lo)
		return NULL;
	coroutine *c = coroutine_at(p, lo);
	c->pool = p;
	c->stack = lo;
	c->size = (size_t)((char *)c - c->stack);
	c->asan_bottom = c->stack;
	c->asan_size = c->size;
	c->vg_id = VALGRIND_STACK_REGISTER(c->stack, (char *)c);
	return c;
}

coroutine *coroutine_create(coroutine_pool *p, coroutine_fn *fn, void *arg)
{
	coroutine *c = p->free;
	if (c)
		p->free = c->next;
	else if (!(c = stack_new(p, 1)))
		return NULL;
	c->fn = fn;
	c->arg = arg;
	c->done = 0;
	c->prev = c->next = NULL;
	c->asan_fake = NULL;
	if (arch_boot(c) < 0) {
		coroutine_free(c);
		return NULL;
	}
	return c;
}

size_t coroutine_pool_reserve(coroutine_pool *p, size_t k, size_t depth)
{
	coroutine **tail = &p->free, *c;
	size_t got = 0, pg = (size_t)sysconf(_SC_PAGESIZE);
	/* Appended in address order after any free ones, so the first wave
	 * walks the arena upwards. The record's page is faulted in here, and
	 * the first frames share it; below it, only as deep as the caller
	 * says the tasks go (the workload's stack_bytes). Deeper pages fault
	 * in when a task first uses them, as a new thread's stack does.
	 * Touching two more "to be ready" for every workload cost 12 KiB a
	 * coroutine whatever its stack size, more than a thread's 8.7 KiB,
	 * and turned L10's memory chart upside down; pages every task will
	 * touch anyway cost no more memory touched now. */
	while (*tail)
		tail = &(*tail)->next;
	for (; got < k && (c = stack_new(p, k - got)); got++) {
		char *low = (char *)c - (depth < c->size ? depth : c->size);
		for (char *q = (char *)c - pg; q >= low && q >= c->stack; q -= pg)
			*(volatile char *)q = 0;
		c->next = NULL;
		*tail = c;
		tail = &c->next;
	}
	return got;
}

void coroutine_free(coroutine *c)
{
	san_forget(c);
	c->next = c->pool->free;
	c->pool->free = c;
}

coroutine_pool *coroutine_pool_new_guard(size_t stack_size, coroutine_guard guard)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t pg = page > 0 ? (size_t)page : 4096;
	coroutine_pool *p;

	if (guard == COROUTINE_GUARD_MADVISE && !coro_arena_madvise_ok()) {
		errno = EINVAL;
		return NULL;
	}
	if (!(p = calloc(1, sizeof *p)))
		return NULL;
	if (stack_size < COROUTINE_STACK_MIN)
		stack_size = COROUTINE_STACK_MIN;
	if (stack_size > COROUTINE_STACK_MAX)
		stack_size = COROUTINE_STACK_MAX;
	p->stack_size = round_up(stack_size, pg);
	p->main.pool = p;
	coro_arena_init(&p->arena, p->stack_size, guard);
	return p;
}

coroutine_pool *coroutine_pool_new(size_t stack_size)
{
	return coroutine_pool_new_guard(stack_size, COROUTINE_GUARD_AUTO);
}

#ifdef COROUTINE_VALGRIND
static void stack_forget(char *lo, void *arg)
{
	VALGRIND_STACK_DEREGISTER(coroutine_at(arg, lo)->vg_id);
}
#endif

void coroutine_pool_free(coroutine_pool *p)
{
	if (!p)
		return;
#ifdef COROUTINE_VALGRIND
	if (RUNNING_ON_VALGRIND)
		coro_arena_each(&p->arena, stack_forget, p);
#endif
	coro_arena_free(&p->arena);
	free(p);
}

size_t coroutine_pool_stack_size(const coroutine_pool *p)
{
	return p->stack_size;
}

coroutine_guard coroutine_pool_guard(const coroutine_pool *p)
{
	return p->arena.guard;
}

size_t coroutine_pool_mapped(const coroutine_pool *p)
{
	return coro_arena_slots(&p->arena);
}

int coroutine_pool_is_guard(const coroutine_pool *p, const void *addr)
{
	return coro_arena_is_guard(&p->arena, addr);
}

int coroutine_pool_in_arena(const coroutine_pool *p, const void *addr)
{
	return coro_arena_contains(&p->arena, addr);
}

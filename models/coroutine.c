/*
 * coroutine.c - the coroutine core: stacks from a pool, create, switch, finish.
 *
 * Each stack is a PROT_NONE guard page, then the stack, with the coroutine's
 * record (struct coroutine) in its top bytes, so creating a coroutine
 * allocates nothing once the pool holds a free stack. A stack that overflows
 * runs into its guard page and faults instead of writing over a neighbour.
 * The stacks reserved up front share one mapping (freed with one munmap);
 * stacks made later get a mapping each.
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

#include <errno.h>
#include <stdatomic.h>
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

/* Mapping bases live in chunks that never move (chunk k holds COROUTINE_CHUNK0 << k
 * of them), so a signal handler can scan them while the table grows. */
#define COROUTINE_CHUNK0 1024
#define COROUTINE_NCHUNK 32

struct coroutine_pool {
	coroutine main; /* the owning thread; its stack is not ours */
	size_t page, stack_size, map_size;
	coroutine *free;
	char **chunk[COROUTINE_NCHUNK];
	atomic_size_t nmapped;
	char *arena; /* one mapping reserve() carved stacks from, or NULL */
	size_t arena_size;
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

/* The record sits in the top bytes of the mapping that starts at base. */
static coroutine *coroutine_at(const coroutine_pool *p, char *base)
{
	return (coroutine *)(base + p->map_size - round_up(sizeof(coroutine), 64));
}

/* Make sure the chunk for slot n exists; its index goes to *k, *j. */
static int slot_for(coroutine_pool *p, size_t n, size_t *k, size_t *j)
{
	size_t len = COROUTINE_CHUNK0;
	for (*k = 0; n >= len; (*k)++, len <<= 1)
		n -= len;
	*j = n;
	if (*k >= COROUTINE_NCHUNK)
		return -1;
	if (!p->chunk[*k])
		p->chunk[*k] = calloc(len, sizeof(char *));
	return p->chunk[*k] ? 0 : -1;
}

/* A fresh stack with its guard page: two mappings, as the kernel counts.
 * At base (a piece of the arena), or in a mapping of its own (base NULL). */
static coroutine *stack_map(coroutine_pool *p, char *base)
{
	size_t n = atomic_load(&p->nmapped), k, j;
	if (slot_for(p, n, &k, &j) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	int own = !base;
	if (own && (base = mmap(NULL, p->map_size, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0)) == MAP_FAILED)
		return NULL;
	if (mprotect(base, p->page, PROT_NONE) < 0) {
		int err = errno;
		if (own)
			munmap(base, p->map_size);
		errno = err;
		return NULL;
	}
	coroutine *c = coroutine_at(p, base);
	c->pool = p;
	c->stack = base + p->page;
	c->size = (size_t)((char *)c - c->stack);
	c->asan_bottom = c->stack;
	c->asan_size = c->size;
	c->vg_id = VALGRIND_STACK_REGISTER(c->stack, (char *)c);
	p->chunk[k][j] = base;
	atomic_store_explicit(&p->nmapped, n + 1, memory_order_release);
	return c;
}

coroutine *coroutine_create(coroutine_pool *p, coroutine_fn *fn, void *arg)
{
	coroutine *c = p->free;
	if (c)
		p->free = c->next;
	else if (!(c = stack_map(p, NULL)))
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

size_t coroutine_pool_reserve(coroutine_pool *p, size_t k)
{
	size_t got = 0;
	/* The first reserve carves its k stacks from one mapping, so freeing
	 * them is one munmap instead of k: each munmap is a TLB shootdown, which
	 * on a VM costs three times more while another CPU is busy (5,000 of
	 * them took 0.41 s of system time under a neighbour, 0.13 s without).
	 * Each stack keeps its guard page, so the kernel still counts two
	 * mappings a stack. If the arena cannot be had, stacks map one by one. */
	char *arena = NULL;
	if (k > 1 && !p->arena && !atomic_load(&p->nmapped) && k <= SIZE_MAX / p->map_size) {
		arena = mmap(NULL, k * p->map_size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
		if (arena == MAP_FAILED)
			arena = NULL;
		else {
			p->arena = arena;
			p->arena_size = k * p->map_size;
		}
	}
	for (coroutine *c; got < k && (c = stack_map(p, arena ? arena + got * p->map_size : NULL));
	     got++) {
		/* Only the record's page is faulted in here (stack_map wrote
		 * it); the first frames share it. Deeper pages fault in when a
		 * task first uses them, as a new thread's stack does. Touching
		 * two more "to be ready" cost 12 KiB a coroutine whatever its
		 * stack size, more than a thread's 8.7 KiB, and turned L10's
		 * memory chart upside down. */
		c->next = p->free;
		p->free = c;
	}
	return got;
}

void coroutine_free(coroutine *c)
{
	san_forget(c);
	c->next = c->pool->free;
	c->pool->free = c;
}

coroutine_pool *coroutine_pool_new(size_t stack_size)
{
	long page = sysconf(_SC_PAGESIZE);
	coroutine_pool *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	if (stack_size < COROUTINE_STACK_MIN)
		stack_size = COROUTINE_STACK_MIN;
	if (stack_size > COROUTINE_STACK_MAX)
		stack_size = COROUTINE_STACK_MAX;
	p->page = page > 0 ? (size_t)page : 4096;
	p->stack_size = round_up(stack_size, p->page);
	p->map_size = p->page + p->stack_size;
	p->main.pool = p;
	atomic_init(&p->nmapped, 0);
	return p;
}

/* Call fn(p, base, arg) on each mapping base in the order they were mapped,
 * until one returns nonzero; return that. No locks, no allocation. */
static int each_base(const coroutine_pool *p,
		     int (*fn)(const coroutine_pool *, char *, const void *), const void *arg)
{
	size_t n = atomic_load_explicit(&p->nmapped, memory_order_acquire);
	for (size_t k = 0, len = COROUTINE_CHUNK0; n > 0; k++, len <<= 1) {
		size_t m = n < len ? n : len;
		for (size_t j = 0; j < m; j++)
			if (fn(p, p->chunk[k][j], arg))
				return 1;
		n -= m;
	}
	return 0;
}

static int stack_unmap(const coroutine_pool *p, char *base, const void *unused)
{
	VALGRIND_STACK_DEREGISTER(coroutine_at(p, base)->vg_id);
	if (!coroutine_pool_in_arena(p, base))
		munmap(base, p->map_size);
	return 0;
}

static int in_guard(const coroutine_pool *p, char *base, const void *addr)
{
	return (uintptr_t)addr - (uintptr_t)base < p->page;
}

void coroutine_pool_free(coroutine_pool *p)
{
	if (!p)
		return;
	each_base(p, stack_unmap, NULL);
	if (p->arena)
		munmap(p->arena, p->arena_size);
	for (size_t k = 0; k < COROUTINE_NCHUNK; k++)
		free(p->chunk[k]);
	free(p);
}

size_t coroutine_pool_stack_size(const coroutine_pool *p)
{
	return p->stack_size;
}

size_t coroutine_pool_mapped(const coroutine_pool *p)
{
	return atomic_load(&p->nmapped);
}

int coroutine_pool_is_guard(const coroutine_pool *p, const void *addr)
{
	return each_base(p, in_guard, addr);
}

int coroutine_pool_in_arena(const coroutine_pool *p, const void *addr)
{
	return p->arena && (uintptr_t)addr - (uintptr_t)p->arena < p->arena_size;
}

/*
 * boostctx.c - Boost.Context's switch, the reference ours is held to.
 *
 * Boost.Context's fcontext layer (under Boost.Coroutine2 and Boost.Fiber,
 * and copied into many C++ schedulers) is a switch in a few lines of
 * assembly, the fastest widely used one: jump_fcontext saves the
 * callee-saved registers and the FP control state on the running stack and
 * jumps to the other one's - the same work as our coroutine_swap, so the two
 * measure the same thing. In Boost 1.74 (Debian 12) both entry points are
 * extern "C":
 *
 *   transfer_t jump_fcontext(fcontext_t to, void *vp);
 *   fcontext_t make_fcontext(void *sp, size_t size, void (*fn)(transfer_t));
 *
 * We dlopen the library instead of linking it, so that concbench builds,
 * runs and tests without Boost, and a Boost installed later is found
 * without a rebuild. A call through the looked-up pointer is an indirect
 * call, as a call into a shared library through its PLT is anyway.
 */
#define _GNU_SOURCE
#include "harness/bench/boostctx.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__SANITIZE_ADDRESS__)
#define BOOSTCTX_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BOOSTCTX_ASAN 1
#endif
#endif
#ifdef BOOSTCTX_ASAN
#include <sanitizer/asan_interface.h>
#else
#define ASAN_UNPOISON_MEMORY_REGION(a, n) ((void)(a), (void)(n))
#endif

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define BOOSTCTX_VALGRIND 1
#endif
#endif
#ifndef BOOSTCTX_VALGRIND /* valgrind must be told where a stack is */
#define VALGRIND_STACK_REGISTER(lo, hi) 0u
#define VALGRIND_STACK_DEREGISTER(id)   ((void)(id))
#endif

#define BOOSTCTX_STACK (64 << 10)

typedef void *fcontext_t;
typedef struct {
	fcontext_t fctx;
	void *data;
} transfer_t;

struct boostctx {
	void *lib;
	transfer_t (*jump)(fcontext_t to, void *vp);
	fcontext_t (*make)(void *sp, size_t size, void (*fn)(transfer_t));
	char *stack;
	unsigned vg_id;
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

boostctx *boostctx_open(const char *lib, char *why, size_t len)
{
	if (!lib)
		lib = getenv("CONCBENCH_BOOST_CONTEXT");
	if (!lib || !*lib)
		lib = "libboost_context.so";
	boostctx *b = calloc(1, sizeof *b);
	if (!b || !(b->stack = malloc(BOOSTCTX_STACK))) {
		free(b);
		snprintf(why, len, "%s: out of memory", BOOSTCTX_MISSING);
		return NULL;
	}
	b->lib = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	if (b->lib) {
		*(void **)&b->jump = dlsym(b->lib, "jump_fcontext");
		*(void **)&b->make = dlsym(b->lib, "make_fcontext");
	}
	if (!b->jump || !b->make) {
		const char *e = dlerror();
		snprintf(why, len, "%s: %s", BOOSTCTX_MISSING, e ? e : lib);
		b->jump = NULL; /* its stack was never registered */
		boostctx_close(b);
		return NULL;
	}
	b->vg_id = VALGRIND_STACK_REGISTER(b->stack, b->stack + BOOSTCTX_STACK);
	return b;
}

void boostctx_close(boostctx *b)
{
	if (!b)
		return;
	if (b->jump)
		VALGRIND_STACK_DEREGISTER(b->vg_id);
	if (b->lib)
		dlclose(b->lib);
	/* contexts left parked leave their frames' redzones behind */
	ASAN_UNPOISON_MEMORY_REGION(b->stack, BOOSTCTX_STACK);
	free(b->stack);
	free(b);
}

/* ---- a ping-pong, as switch.c's for ours ---- */

typedef struct {
	boostctx *b;
	volatile int stop;
} pingpong;

/* The context: answer every jump until told to stop, then jump back for
 * good (a context function must never return). */
static void pong(transfer_t t)
{
	pingpong *pp = t.data;
	transfer_t (*jump)(fcontext_t, void *) = pp->b->jump;
	while (!pp->stop)
		t = jump(t.fctx, NULL);
	jump(t.fctx, NULL);
}

int64_t boostctx_roundtrips(boostctx *b, long n)
{
	pingpong pp = { .b = b };
	fcontext_t c = b->make(b->stack + BOOSTCTX_STACK, BOOSTCTX_STACK, pong);
	c = b->jump(c, &pp).fctx; /* in and back: it is parked in its loop */
	int64_t t0 = now_ns();
	for (long k = 0; k < n; k++)
		c = b->jump(c, NULL).fctx;
	int64_t t1 = now_ns();
	pp.stop = 1;
	b->jump(c, NULL);
	return t1 - t0;
}

static void once(transfer_t t)
{
	boostctx *b = t.data;
	b->jump(t.fctx, NULL);
}

int64_t boostctx_lives(boostctx *b, long n)
{
	int64_t t0 = now_ns();
	for (long k = 0; k < n; k++) {
		fcontext_t c = b->make(b->stack + BOOSTCTX_STACK, BOOSTCTX_STACK, once);
		b->jump(c, b);
	}
	return now_ns() - t0;
}

/*
 * bench_switch.c - what a coroutine switch and a coroutine's life cost,
 * beside glibc's ucontext doing the same in the same run.
 *
 * swapcontext is the textbook way to switch stacks in C; it is slow because
 * it saves and restores the signal mask with a system call on every switch.
 * concbench's own switch (models/coro_switch.S) saves only what the ABI says
 * a callee must keep, plus the FP control state. Both are measured here as a
 * ping-pong between the caller and one coroutine, so one round trip is two
 * switches; create+finish is one coroutine started, run to its end and its
 * stack handed back, which the pool makes free of system calls.
 */
#define _GNU_SOURCE
#include "bench.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "../models/coro.h"
#include "../workloads/workload.h"
#include "stats.h"

#define SWITCHES 1000000
#define LIVES    100000
#define UC_STACK (64 << 10)

typedef struct {
	coro *self, *main;
	volatile int stop;
} pingpong;

static void coro_pong(void *arg)
{
	pingpong *pp = arg;
	while (!pp->stop)
		coro_switch(pp->self, pp->main);
}

static void coro_nothing(void *arg)
{
	(void)arg;
}

/* ns per switch of our own switch; NaN if no coroutine could be made. */
static double coro_switch_ns(coro_pool *p)
{
	pingpong pp = { .main = coro_main(p) };
	if (!(pp.self = coro_create(p, coro_pong, &pp)))
		return NAN;
	uint64_t t0 = wl_now_ns();
	for (int k = 0; k < SWITCHES / 2; k++)
		coro_switch(pp.main, pp.self);
	uint64_t t1 = wl_now_ns();
	pp.stop = 1;
	coro_switch(pp.main, pp.self);
	coro_free(pp.self);
	return (double)(t1 - t0) / SWITCHES;
}

/* ns per create + first switch + finish + free, stacks from the pool. */
static double coro_life_ns(coro_pool *p)
{
	coro *m = coro_main(p);
	uint64_t t0 = wl_now_ns();
	for (int k = 0; k < LIVES; k++) {
		coro *c = coro_create(p, coro_nothing, NULL);
		if (!c)
			return NAN;
		coro_switch(m, c);
		coro_free(c);
	}
	return (double)(wl_now_ns() - t0) / LIVES;
}

typedef struct {
	ucontext_t main, self;
	volatile int stop;
} uc_pingpong;

/* makecontext passes ints only: the pointer travels in two halves. */
static void uc_pong(unsigned hi, unsigned lo)
{
	uc_pingpong *pp = (uc_pingpong *)(((uintptr_t)hi << 32) | lo);
	while (!pp->stop)
		swapcontext(&pp->self, &pp->main);
}

static void uc_nothing(void)
{
}

static double uc_switch_ns(void *stack)
{
	static uc_pingpong pp; /* ucontext_t is large; keep it off our stack */
	memset(&pp, 0, sizeof pp);
	getcontext(&pp.self);
	pp.self.uc_stack = (stack_t){ .ss_sp = stack, .ss_size = UC_STACK };
	pp.self.uc_link = &pp.main;
	uintptr_t a = (uintptr_t)&pp;
	makecontext(&pp.self, (void (*)(void))uc_pong, 2, (unsigned)(a >> 32), (unsigned)a);
	uint64_t t0 = wl_now_ns();
	for (int k = 0; k < SWITCHES / 2; k++)
		swapcontext(&pp.main, &pp.self);
	uint64_t t1 = wl_now_ns();
	pp.stop = 1;
	swapcontext(&pp.main, &pp.self);
	return (double)(t1 - t0) / SWITCHES;
}

static double uc_life_ns(void *stack)
{
	static ucontext_t main_uc, uc;
	uint64_t t0 = wl_now_ns();
	for (int k = 0; k < LIVES; k++) {
		getcontext(&uc);
		uc.uc_stack = (stack_t){ .ss_sp = stack, .ss_size = UC_STACK };
		uc.uc_link = &main_uc;
		makecontext(&uc, uc_nothing, 0);
		swapcontext(&main_uc, &uc);
	}
	return (double)(wl_now_ns() - t0) / LIVES;
}

static double median_of(double *v, int n)
{
	return stats_median(v, (size_t)n);
}

int bench_switch(FILE *out, FILE *csv, int reps, volatile sig_atomic_t *stop)
{
	double cs[BENCH_MAX_REPS], us[BENCH_MAX_REPS], cl[BENCH_MAX_REPS], ul[BENCH_MAX_REPS];
	coro_pool *p = coro_pool_new(64 << 10);
	void *stack = malloc(UC_STACK);
	int k = 0;
	if (!p || !stack) {
		fprintf(stderr, "concbench bench: cannot set up coroutines\n");
		coro_pool_free(p);
		free(stack);
		return 1;
	}
	for (; k < reps && !*stop; k++) { /* interleaved, so drift hits both alike */
		cs[k] = coro_switch_ns(p);
		us[k] = uc_switch_ns(stack);
		cl[k] = coro_life_ns(p);
		ul[k] = uc_life_ns(stack);
	}
	coro_pool_free(p);
	free(stack);
	double c_sw = median_of(cs, k), u_sw = median_of(us, k);
	double c_life = median_of(cl, k), u_life = median_of(ul, k);
	fprintf(out, "\ncoroutines, median of %d reps (same run; ratio = swapcontext / ours)\n", k);
	fprintf(out, "  %-22s %12s %14s %8s\n", "what", "coro ns", "ucontext ns", "ratio");
	fprintf(out, "  %-22s %12.1f %14.1f %8.1f\n", "switch", c_sw, u_sw, u_sw / c_sw);
	fprintf(out, "  %-22s %12.1f %14.1f %8.1f\n", "create+run+finish", c_life, u_life,
		u_life / c_life);
	fprintf(csv, "what,reps,coro_ns,ucontext_ns,ratio\n");
	fprintf(csv, "switch,%d,%.2f,%.2f,%.2f\n", k, c_sw, u_sw, u_sw / c_sw);
	fprintf(csv, "create+run+finish,%d,%.2f,%.2f,%.2f\n", k, c_life, u_life, u_life / c_life);
	return 0;
}

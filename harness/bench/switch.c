/*
 * switch.c - what a coroutine switch and a coroutine's life cost,
 * beside glibc's ucontext doing the same in the same run.
 *
 * swapcontext is the textbook way to switch stacks in C; it is slow because
 * it saves and restores the signal mask with a system call on every switch.
 * concbench's own switch (models/coroutine_switch.S) saves only what the ABI says
 * a callee must keep, plus the FP control state. Both are measured here as a
 * ping-pong between the caller and one coroutine, so one round trip is two
 * switches; create+finish is one coroutine started, run to its end and its
 * stack handed back, which the pool makes free of system calls. The thread
 * switch beside them is lmbench's: two threads bound to one CPU pass a byte
 * back and forth through two pipes, so every hand-off is a kernel context
 * switch (plus a write and a read) — what a thread per connection pays.
 */
#define _GNU_SOURCE
#include "harness/bench/switch.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <ucontext.h>
#include <unistd.h>

#include "models/coroutine.h"
#include "workloads/workload.h"
#include "harness/bench/bench.h"
#include "harness/run/stats.h"

#define SWITCHES 1000000
#define LIVES    100000
#define UC_STACK (64 << 10)

typedef struct {
	coroutine *self, *main;
	volatile int stop;
} pingpong;

static void coro_pong(void *arg)
{
	pingpong *pp = arg;
	while (!pp->stop)
		coroutine_switch(pp->self, pp->main);
}

static void coro_nothing(void *arg)
{
	(void)arg;
}

/* ns per switch of our own switch; NaN if no coroutine could be made. */
static double coro_switch_ns(coroutine_pool *p)
{
	pingpong pp = { .main = coroutine_main(p) };
	if (!(pp.self = coroutine_create(p, coro_pong, &pp)))
		return NAN;
	uint64_t t0 = wl_now_ns();
	for (int k = 0; k < SWITCHES / 2; k++)
		coroutine_switch(pp.main, pp.self);
	uint64_t t1 = wl_now_ns();
	pp.stop = 1;
	coroutine_switch(pp.main, pp.self);
	coroutine_free(pp.self);
	return (double)(t1 - t0) / SWITCHES;
}

/* ns per create + first switch + finish + free, stacks from the pool. */
static double coro_life_ns(coroutine_pool *p)
{
	coroutine *m = coroutine_main(p);
	uint64_t t0 = wl_now_ns();
	for (int k = 0; k < LIVES; k++) {
		coroutine *c = coroutine_create(p, coro_nothing, NULL);
		if (!c)
			return NAN;
		coroutine_switch(m, c);
		coroutine_free(c);
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

#define PINGS 20000

typedef struct {
	int in, out; /* read from in, write to out */
} pinger;

static void *ping_peer(void *arg)
{
	pinger *p = arg;
	char b;
	for (int k = 0; k < PINGS; k++)
		if (read(p->in, &b, 1) != 1 || write(p->out, &b, 1) != 1)
			break;
	return NULL;
}

/* ns per thread switch: two threads on one CPU ping-pong through pipes, so
 * each round trip is two context switches. NaN if it cannot be set up. */
static double thread_switch_ns(void)
{
	int ab[2], ba[2];
	if (pipe(ab) < 0)
		return NAN;
	if (pipe(ba) < 0) {
		close(ab[0]);
		close(ab[1]);
		return NAN;
	}
	cpu_set_t one, old;
	CPU_ZERO(&one);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &one);
	sched_getaffinity(0, sizeof old, &old);
	sched_setaffinity(0, sizeof one, &one); /* the peer inherits it */
	pinger peer = { ab[0], ba[1] };
	pthread_t th;
	double ns = NAN;
	if (pthread_create(&th, NULL, ping_peer, &peer) == 0) {
		char b = 'x';
		uint64_t t0 = wl_now_ns();
		int k = 0;
		for (; k < PINGS; k++)
			if (write(ab[1], &b, 1) != 1 || read(ba[0], &b, 1) != 1)
				break;
		uint64_t t1 = wl_now_ns();
		pthread_join(th, NULL);
		if (k == PINGS)
			ns = (double)(t1 - t0) / (2.0 * PINGS);
	}
	sched_setaffinity(0, sizeof old, &old);
	close(ab[0]);
	close(ab[1]);
	close(ba[0]);
	close(ba[1]);
	return ns;
}

static double median_of(double *v, int n)
{
	return stats_median(v, (size_t)n);
}

int bench_switch(FILE *out, FILE *csv, int reps, volatile sig_atomic_t *stop)
{
	double cs[BENCH_MAX_REPS], us[BENCH_MAX_REPS], cl[BENCH_MAX_REPS], ul[BENCH_MAX_REPS];
	double ts[BENCH_MAX_REPS];
	coroutine_pool *p = coroutine_pool_new(64 << 10);
	void *stack = malloc(UC_STACK);
	int k = 0;
	if (!p || !stack) {
		fprintf(stderr, "concbench bench: cannot set up coroutines\n");
		coroutine_pool_free(p);
		free(stack);
		return 1;
	}
	for (; k < reps && !*stop; k++) { /* interleaved, so drift hits both alike */
		cs[k] = coro_switch_ns(p);
		us[k] = uc_switch_ns(stack);
		cl[k] = coro_life_ns(p);
		ul[k] = uc_life_ns(stack);
		ts[k] = thread_switch_ns();
	}
	coroutine_pool_free(p);
	free(stack);
	double c_sw = median_of(cs, k), u_sw = median_of(us, k);
	double c_life = median_of(cl, k), u_life = median_of(ul, k);
	double t_sw = median_of(ts, k);
	fprintf(out, "\ncoroutines, median of %d reps (same run; ratio = swapcontext / ours)\n", k);
	fprintf(out, "  %-22s %12s %14s %8s\n", "what", "coro ns", "ucontext ns", "ratio");
	fprintf(out, "  %-22s %12.1f %14.1f %8.1f\n", "switch", c_sw, u_sw, u_sw / c_sw);
	fprintf(out, "  %-22s %12.1f %14.1f %8.1f\n", "create+run+finish", c_life, u_life,
		u_life / c_life);
	fprintf(out,
		"  thread switch (pipe ping-pong on one CPU): %.0f ns = %.0f coroutine switches\n",
		t_sw, t_sw / c_sw);
	fprintf(csv, "what,reps,coro_ns,ucontext_ns,ratio\n");
	fprintf(csv, "switch,%d,%.2f,%.2f,%.2f\n", k, c_sw, u_sw, u_sw / c_sw);
	fprintf(csv, "create+run+finish,%d,%.2f,%.2f,%.2f\n", k, c_life, u_life, u_life / c_life);
	fprintf(csv, "thread switch (pipe ping-pong),%d,%.2f,,%.2f\n", k, t_sw, t_sw / c_sw);
	return 0;
}

/*
 * switch.c - what a coroutine switch and a coroutine's life cost, beside
 * Boost.Context's jump_fcontext and glibc's ucontext in the same run.
 *
 * One switch is one jump one way: each is measured as a ping-pong between
 * the caller and one coroutine, so a round trip is two switches and the
 * figure is the round trips' time / 2. create+run+finish is one coroutine
 * started, run to its end and its stack handed back (Boost: make_fcontext,
 * jump in, jump back). The three are interleaved rep by rep (the first to
 * run alternates), so machine drift hits them alike, and callgrind counts
 * the instructions of ours and Boost's (swinstr.c), which noise does not move.
 *
 * swapcontext is the textbook way to switch stacks in C; it is slow because
 * it saves and restores the signal mask with a system call on every switch.
 * Ours (models/coroutine_switch.S) and Boost's save only what the ABI says a
 * callee must keep, plus the FP control state. The thread switch beside them
 * is lmbench's: two threads bound to one CPU pass a byte back and forth
 * through two pipes, so every hand-off is a kernel context switch (plus a
 * write and a read) - what a thread per connection pays.
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
#include "harness/bench/boostctx.h"
#include "harness/bench/swinstr.h"
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

/* n round trips (2n switches) between the caller and a coroutine; the ns
 * they took, or -1 if no coroutine could be made. */
static int64_t coro_roundtrips(coroutine_pool *p, long n)
{
	pingpong pp = { .main = coroutine_main(p) };
	if (!(pp.self = coroutine_create(p, coro_pong, &pp)))
		return -1;
	coroutine_switch(pp.main, pp.self); /* in and back: parked in its loop */
	uint64_t t0 = wl_now_ns();
	for (long k = 0; k < n; k++)
		coroutine_switch(pp.main, pp.self);
	uint64_t t1 = wl_now_ns();
	pp.stop = 1;
	coroutine_switch(pp.main, pp.self);
	coroutine_free(pp.self);
	return (int64_t)(t1 - t0);
}

static double per_switch(int64_t ns)
{
	return ns < 0 ? NAN : (double)ns / SWITCHES;
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

/* v by fmt into buf, or "-" for a missing figure (NaN). */
static const char *fig(char *buf, size_t len, const char *fmt, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, fmt, v);
	return buf;
}

/* A CSV field: v by fmt, or nothing for a missing figure, then a comma. */
static void csv_fig(FILE *csv, const char *fmt, double v)
{
	if (!isnan(v))
		fprintf(csv, fmt, v);
	fputc(',', csv);
}

/* The first eight columns of a switch.csv row, up to goal's comma. */
static void csv_row(FILE *csv, const char *what, int reps, double ours, double uc, double boost,
		    double goal)
{
	fprintf(csv, "%s,%d,", what, reps);
	csv_fig(csv, "%.2f", ours);
	csv_fig(csv, "%.2f", uc);
	csv_fig(csv, "%.2f", uc / ours);
	csv_fig(csv, "%.2f", boost);
	csv_fig(csv, "%.3f", ours / boost);
	csv_fig(csv, "%.1f", goal);
}

void bench_switch_print(FILE *out, FILE *csv, const switch_figs *f)
{
	char a[32], b[32], c[32], d[32];
	double sw_ratio = f->ours_sw / f->boost_sw, life_ratio = f->ours_life / f->boost_life;
	double in_ratio = f->ours_instr / f->boost_instr;
	fprintf(out,
		"\ncoroutines, median of %d reps, interleaved in one run (ratio = ours / reference)\n"
		"  switch: one jump one way (a round trip between the caller and a coroutine is two)\n"
		"  create+run+finish: create, switch in, run to the end, switch back, stack freed\n"
		"  instructions: per switch, counted by callgrind (the bench loop's few included)\n",
		f->reps);
	fprintf(out, "  %-20s %9s %9s %11s %10s %s\n", "what", "ours", "Boost", "ucontext",
		"ours/Boost", "goal");
	fprintf(out, "  %-20s %9s %9s %11s %10s <= %.1f%s\n", "switch ns",
		fig(a, sizeof a, "%.2f", f->ours_sw), fig(b, sizeof b, "%.2f", f->boost_sw),
		fig(c, sizeof c, "%.1f", f->uc_sw), fig(d, sizeof d, "%.2f", sw_ratio), SWITCH_GOAL,
		isnan(sw_ratio)           ? " (no Boost figure)"
		: sw_ratio <= SWITCH_GOAL ? ": met"
					  : ": missed");
	fprintf(out, "  %-20s %9s %9s %11s %10s\n", "switch instructions",
		fig(a, sizeof a, "%.1f", f->ours_instr), fig(b, sizeof b, "%.1f", f->boost_instr),
		"-", fig(d, sizeof d, "%.2f", in_ratio));
	fprintf(out, "  %-20s %9s %9s %11s %10s\n", "create+run+finish ns",
		fig(a, sizeof a, "%.1f", f->ours_life), fig(b, sizeof b, "%.1f", f->boost_life),
		fig(c, sizeof c, "%.1f", f->uc_life), fig(d, sizeof d, "%.2f", life_ratio));
	if (f->boost_why[0])
		fprintf(out, "  Boost: %s\n", f->boost_why);
	if (f->instr_why[0])
		fprintf(out, "  instructions: %s\n", f->instr_why);
	fprintf(out, "  swapcontext / ours: %s per switch, %s per life\n",
		fig(a, sizeof a, "%.1f", f->uc_sw / f->ours_sw),
		fig(b, sizeof b, "%.1f", f->uc_life / f->ours_life));
	fprintf(out, "  thread switch (pipe ping-pong on one CPU): %s ns = %s coroutine switches\n",
		fig(a, sizeof a, "%.0f", f->thread_sw),
		fig(b, sizeof b, "%.0f", f->thread_sw / f->ours_sw));

	/* The first five columns as before; the rest appended. Empty: no figure. */
	fprintf(csv, "what,reps,coro_ns,ucontext_ns,ratio,boost_ns,coro_per_boost,goal,"
		     "coro_instr,boost_instr,instr_per_boost,measures,note\n");
	csv_row(csv, "switch", f->reps, f->ours_sw, f->uc_sw, f->boost_sw, SWITCH_GOAL);
	csv_fig(csv, "%.1f", f->ours_instr);
	csv_fig(csv, "%.1f", f->boost_instr);
	csv_fig(csv, "%.3f", in_ratio);
	fprintf(csv, "one jump one way (round trip / 2),\"%s%s%s\"\n", f->boost_why,
		f->boost_why[0] && f->instr_why[0] ? "; " : "", f->instr_why);
	csv_row(csv, "create+run+finish", f->reps, f->ours_life, f->uc_life, f->boost_life, NAN);
	fprintf(csv, ",,,create + switch in + run + switch back + free,\"%s\"\n", f->boost_why);
	/* as before: the thread's ns in coro_ns, ratio = coroutine switches it is worth */
	fprintf(csv, "thread switch (pipe ping-pong),%d,", f->reps);
	csv_fig(csv, "%.2f", f->thread_sw);
	fputc(',', csv);
	csv_fig(csv, "%.2f", f->thread_sw / f->ours_sw);
	fprintf(csv, ",,,,,,one hand-off between two threads on one CPU,\n");
}

/* Our executable's path, for valgrind to run (not /proc/self/exe, which
 * would be valgrind's own by then). */
static int self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static void count_instr(switch_figs *f, volatile sig_atomic_t *stop)
{
	char exe[4096], why[256] = "";
	f->ours_instr = f->boost_instr = NAN;
	if (self_exe(exe, sizeof exe) < 0) {
		snprintf(f->instr_why, sizeof f->instr_why, "cannot find our own executable");
		return;
	}
	f->ours_instr = swinstr_count(exe, "ours", f->instr_why, sizeof f->instr_why, stop);
	if (!isnan(f->ours_instr) && !f->boost_why[0])
		f->boost_instr = swinstr_count(exe, "boost", why, sizeof why, stop);
	if (why[0])
		snprintf(f->instr_why, sizeof f->instr_why, "Boost: %s", why);
}

int bench_switch(FILE *out, FILE *csv, int reps, volatile sig_atomic_t *stop)
{
	double os[BENCH_MAX_REPS], bs[BENCH_MAX_REPS], us[BENCH_MAX_REPS];
	double ol[BENCH_MAX_REPS], bl[BENCH_MAX_REPS], ul[BENCH_MAX_REPS], ts[BENCH_MAX_REPS];
	switch_figs f = { .boost_sw = NAN, .boost_life = NAN };
	coroutine_pool *p = coroutine_pool_new(64 << 10);
	boostctx *bc = boostctx_open(NULL, f.boost_why, sizeof f.boost_why);
	void *stack = malloc(UC_STACK);
	int k = 0, rc = 0;
	if (!p || !stack) {
		fprintf(stderr, "concbench bench: cannot set up coroutines\n");
		coroutine_pool_free(p);
		boostctx_close(bc);
		free(stack);
		return 1;
	}
	for (; k < reps && !*stop; k++) { /* interleaved; who goes first alternates */
		for (int j = 0; j < 2; j++) {
			if ((j == 0) == (k % 2 == 0)) {
				os[k] = per_switch(coro_roundtrips(p, SWITCHES / 2));
				ol[k] = coro_life_ns(p);
			} else if (bc) {
				bs[k] = per_switch(boostctx_roundtrips(bc, SWITCHES / 2));
				int64_t ns = boostctx_lives(bc, LIVES);
				bl[k] = ns < 0 ? NAN : (double)ns / LIVES;
			}
		}
		us[k] = uc_switch_ns(stack);
		ul[k] = uc_life_ns(stack);
		ts[k] = thread_switch_ns();
	}
	coroutine_pool_free(p);
	boostctx_close(bc);
	free(stack);
	f.reps = k;
	f.ours_sw = median_of(os, k);
	f.ours_life = median_of(ol, k);
	f.uc_sw = median_of(us, k);
	f.uc_life = median_of(ul, k);
	f.thread_sw = median_of(ts, k);
	if (bc) {
		f.boost_sw = median_of(bs, k);
		f.boost_life = median_of(bl, k);
	}
	rc = isnan(f.ours_sw) || isnan(f.ours_life);
	if (!*stop)
		count_instr(&f, stop);
	bench_switch_print(out, csv, &f);
	return rc;
}

int bench_switch_loop(const char *spec)
{
	char *end = NULL;
	const char *colon = strchr(spec, ':');
	long n = colon ? strtol(colon + 1, &end, 10) : 0;
	size_t wl = colon ? (size_t)(colon - spec) : 0;
	int ours = wl == 4 && !strncmp(spec, "ours", 4),
	    boost = wl == 5 && !strncmp(spec, "boost", 5);
	if ((!ours && !boost) || !end || *end || n < 1) {
		fprintf(stderr,
			"concbench bench: --switch-loop takes ours:N or boost:N, not '%s'\n", spec);
		return 2;
	}
	char why[192];
	int64_t ns = -1;
	if (ours) {
		coroutine_pool *p = coroutine_pool_new(64 << 10);
		ns = p ? coro_roundtrips(p, n) : -1;
		coroutine_pool_free(p);
	} else {
		boostctx *bc = boostctx_open(NULL, why, sizeof why);
		if (!bc) {
			fprintf(stderr, "concbench bench: %s\n", why);
			return 1;
		}
		ns = boostctx_roundtrips(bc, n);
		boostctx_close(bc);
	}
	return ns < 0;
}

/*
 * spin.c - burn an exact amount of CPU time.
 *
 * fib's cost depends on the machine and grows x1.6 per step of n; spin costs
 * exactly us microseconds of CPU anywhere, so expected figures can be written
 * down in advance (N tasks on C cores take about N * us / min(C, cores)) and a
 * model's overhead read off against them. It counts this thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID), not wall time, so a task that gets preempted still
 * does its full share. Between clock reads it runs a short xorshift loop: the
 * clock is a system call, and this way most of the time is user time while a
 * task overshoots its budget by about a microsecond. Under an emulated GIL it
 * passes a check point after every chunk (~1 us), so the switch interval is
 * honoured. A task that waited for the GIL at a check point was not running,
 * and its thread's CPU clock did not advance: it still burns its full us.
 */
#include "workloads/workload.h"

#include <errno.h>
#include <time.h>

/* xorshift steps between clock reads: ~1 us, some five times a clock read. */
#define SPIN_STEPS 512

static const wl_param_def spin_params[] = {
	{ .name = "us",
	  .type = WL_INT,
	  .def = "1000",
	  .min = 0,
	  .max = 60000000,
	  .per_task = 1,
	  .help = "microseconds of the task's own CPU time to burn" },
	{ 0 },
};

static uint64_t spin_cpu_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

/* Work the compiler cannot shortcut: each step depends on the one before. */
static uint64_t spin_steps(uint64_t x)
{
	for (int k = 0; k < SPIN_STEPS; k++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

static void spin_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	uint64_t us = (uint64_t)wl_param_at(w, "us", i);
	struct timespec ts;
	volatile uint64_t sink; /* keeps the work from being optimised away */
	uint64_t x = i | 1, end;

	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
		wl_fail(r, errno, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
		return;
	}
	end = spin_cpu_ns(&ts) + us * 1000u;
	while (spin_cpu_ns(&ts) < end) {
		x = spin_steps(x);
		wl_checkpoint(io);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	}
	sink = x;
	(void)sink;
	r->digest = wl_digest_u64(us); /* not x: the step count varies */
}

const wl_kind wl_spin = {
	.name = "spin",
	.summary = "burn us microseconds of CPU time",
	.cls = "cpu",
	.params = spin_params,
	.run = spin_run,
};

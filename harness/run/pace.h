/*
 * pace.h - is the host slowing this machine's CPUs down right now?
 *
 * A virtual machine's CPU can be slowed by its host without the guest
 * seeing it: this VM reports no steal time, its clocks and its CPU-time
 * accounting run on, and a run simply takes longer (sequential fib once took
 * 183 ms here instead of 105, while the machine check around it saw two
 * whole cores). The pace probe does a fixed piece of work on each CPU at
 * once and measures it in each thread's own CPU time, against the fastest
 * that CPU has done it: another process on the CPU only delays *when* the
 * probe runs, not how much CPU time it needs, so what the ratio shows is the
 * CPU itself doing less per second.
 *
 * The sweep probes after every run (the probe after one run is the probe
 * before the next), keeps the slowest ratio of the two around each run in
 * results.csv's `pace` column, and runs a rep again when it is over
 * PACE_SLOW (run/sweep.c).
 */
#ifndef CB_PACE_H
#define CB_PACE_H

#include <hwloc.h>

#define PACE_MAXCPU 256
#define PACE_SLOW 1.25 /* a CPU this much slower than its best slows the run */

typedef struct {
	int ncpu;
	int cpu[PACE_MAXCPU];          /* the CPUs probed */
	double best_ns[PACE_MAXCPU];   /* the least CPU time the work took on each */
	double last_ns[PACE_MAXCPU];   /* the latest probe's, per CPU */
	int nprobe;                    /* probes so far (for the test hook) */
} pace_meter;

/* For tests, CONCBENCH_PACE_SCRIPT="1,1.6,1" makes the probes return these
 * ratios in turn (the last one ever after) without doing any work; cores
 * then read as the CPUs probed / the ratio. */

/* Probe the CPUs of set (NULL: every CPU this process may use) a few times
 * to learn each one's best. 0, or -1 when no CPU could be probed (no
 * threads), in which case pace_probe() always returns NaN. */
int pace_init(pace_meter *p, hwloc_const_cpuset_t set);

/* One probe: about 2 ms of work on every CPU at once. Returns the slowest
 * CPU's ratio to its best (1.0: as fast as ever; NaN: could not probe) and,
 * in cores when not NULL, the work the CPUs delivered in cores at their
 * best (sum of best / now: 2.0 on two CPUs at full pace). */
double pace_probe(pace_meter *p, double *cores);

/* The ratio and cores of given per-CPU times against best, without probing:
 * what pace_probe() computes, for tests. */
double pace_ratio(const double *best_ns, const double *ns, int ncpu, double *cores);

#endif

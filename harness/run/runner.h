/*
 * runner.h - one run, isolated: fork a child, run the model there, wait4() it.
 */
#ifndef CB_RUNNER_H
#define CB_RUNNER_H

#include <signal.h>

#include "models/model.h"
#include "models/timeline.h"
#include "harness/run/peerload.h"
#include "harness/run/result.h"

typedef struct {
	const wl_spec *wl;
	const model_spec *model;
	size_t n;
	unsigned c;
	model_table *table;          /* shared; reset by run_one */
	tl_buf *timeline;            /* state events to record (--timeline), or NULL */
	const void *cpuset;          /* hwloc_const_cpuset_t to bind the run to, or NULL */
	const void *topology;        /* hwloc_topology_t the cpuset belongs to */
	double timeout_s;            /* 0: none */
	volatile sig_atomic_t *stop; /* set by a signal handler: kill the run */
	const run_peer *peer;        /* a server workload's load (peerload.h); n connections */
} run_job;

/* Call once per process before any run: become the reaper of orphaned
 * grandchildren, so a killed run never leaves zombies behind. */
void run_init(void);
/* Run one job in a fresh child. Fills the whole of *out but for suite, rep and
 * names. Returns 0 for a finished run (whatever its status), 1 when *job->stop
 * ended it (status "partial"), -1 when it could not start (status "error: ..."). */
int run_one(const run_job *job, res_run *out);

#endif

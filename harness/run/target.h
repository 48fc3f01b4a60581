/*
 * target.h - the bundled HTTP target's life around a sweep: started before
 * the first run when a workload needs it, stopped after the last, its CPU
 * time reported in the context and never in a run's figures.
 */
#ifndef CB_TARGET_H
#define CB_TARGET_H

#include <stddef.h>
#include <sys/types.h>

#include "workloads/workload.h"

typedef struct {
	pid_t pid;         /* 0: not running */
	char hostport[64]; /* "127.0.0.1:PORT" */
	char cpus[64];     /* where it is bound; "" when it shares the run's CPUs */
	double user_s, sys_s;
} target;

/* Start the server if any of the n workloads needs it and fill their target.
 * With run_cpus (an hwloc cpuset the runs are bound to), bind the server to
 * the allowed CPUs outside it when there are any. 0, or -1 with a message. */
int target_start(target *t, wl_spec *wls, size_t n, void *topology, const void *run_cpus,
		 char *err, size_t errlen);
/* Stop it and collect its CPU time; harmless when it never started. */
void target_stop(target *t);
/* context_json with "target_server": {...} added (malloc'd), or NULL when the
 * server never ran or memory ran out. */
char *target_context(const target *t, const char *context_json);

#endif

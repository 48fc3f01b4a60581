/*
 * sweep.h - runs over workloads x models x concurrency values x reps.
 */
#ifndef CB_SWEEP_H
#define CB_SWEEP_H

#include <signal.h>
#include <stdio.h>

#include "models/model.h"
#include "harness/run/result.h"

typedef struct {
	wl_spec *wls; /* workloads, prepared */
	size_t nwl;
	model_spec *models;
	size_t nmodels;
	int64_t *cs; /* concurrency values */
	size_t ncs;
	size_t n; /* tasks per run */
	int reps, warmup;
	const char *out_root; /* results/ */
	const char *name;     /* results/<name>/ */
	const char *suite;    /* the suite column */
	const char *cpus;     /* --cpus text, or NULL */
	double timeout_s;
	int timeline; /* keep tasks/ */
	int no_plot;  /* skip drawing charts at the end */
	/* A server workload (serve) runs under a load (run/peerload.h): a step
	 * per connections value (N = the value; cfg->n is then the largest)
	 * and rate (none: a closed loop), for load_duration_ns or
	 * load_requests. Other workloads ignore these. */
	int64_t *conns;
	size_t nconns;
	int64_t *rates;
	size_t nrates;
	uint64_t load_duration_ns, load_requests;
	size_t load_idle; /* of each step's connections, mostly idle (--idle) */
	int c_auto; /* no -c given: a server step runs at C = its connections */
	int argc;
	char **argv;
	volatile sig_atomic_t *stop;
	/* out: the smaller effective core count of the quick checks before and
	 * after the sweep (run/check.h; an interrupted sweep has only the one
	 * before), NaN when none was measured (CONCBENCH_NO_CHECK=1, or the sweep
	 * failed before its first run) */
	double eff_cores;
} sweep_cfg;

/* Run the sweep, printing a line per run and a summary to `out`, progress and
 * diagnostics to `diag`; a quick machine check before the first run and after
 * the last goes in results.json's context and sets cfg->eff_cores. Returns 0 if every run was ok, 1
 * if a run failed, 2 on a usage error found late (bad --cpus), 130 if stopped by a signal. */
int sweep_run(sweep_cfg *cfg, FILE *out, FILE *diag);

/* The first ok run of a workload sets its reference digest; a later ok run
 * with another digest did different work and becomes an error. */
void sweep_check_digest(res_run *r, int *have_ref, uint64_t *ref);

#endif

/*
 * result.h - one run's row of results, as results.csv and results.json hold it.
 *
 * The runner fills it from the task table and wait4()'s rusage; stats.c
 * computes the figures; report/rows.c writes them. Field order follows the
 * CSV columns (the header in report/rows.c, described in the README's
 * "Results" section); a figure that does not apply is NaN (an empty cell,
 * JSON null).
 */
#ifndef CB_RESULT_H
#define CB_RESULT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RES_STATUSLEN 320

typedef struct {
	char suite[64];
	char model[64];    /* as written: "threads:stack=64k" */
	char workload[32]; /* kind: "fib" */
	char params[160];  /* "n=32" */
	size_t tasks;
	unsigned concurrency;
	int rep;                    /* 1-based */
	char status[RES_STATUSLEN]; /* "ok", "error: ...", "limit: ...", "partial",
				     * "slowed: ..." (run again) */
	double makespan_s, throughput_per_s;
	double lat_mean_s, lat_p50_s, lat_p90_s, lat_p99_s, lat_max_s;
	double svc_mean_s, svc_p50_s, svc_p99_s;
	double cpu_user_s, cpu_sys_s;
	long ctx_voluntary, ctx_involuntary;
	long max_rss_kib;
	size_t errors;
	uint64_t digest; /* written only for "ok" and "slowed: ..." runs */
	double pace;     /* the slowest CPU's pace around the run (run/pace.h); NaN: not probed */
	long rss_sum_kib; /* every process of the run, sampled (run/memsample.h); -1: unknown */
	/* Provenance, so that rows merged from several sweeps keep it: */
	char host[64];              /* the host name */
	char concbench_version[16]; /* CB_VERSION of the build that ran it */
	char started_utc[24];       /* the sweep's start: "2026-11-30T06:12:27Z" */
	/* A server run (serve): what the load generator driving it measured,
	 * client side. NaN / -1 / "" for every other run. tasks is then the
	 * connections it opened. */
	double rate_requested;       /* open loop: requests/s asked for; NaN: closed loop */
	long client_requests;        /* requests answered or failed in the window */
	long client_errors;          /* of them, failed (any kind) */
	double client_rps;           /* requests completed per second */
	double client_p50_s, client_p90_s, client_p99_s, client_max_s; /* corrected */
	char body_digest[20];        /* every reply's body, 16 hex digits; "" if unchecked */
	long client_unfinished;      /* still out at the end; their waits so far are in
				      * the percentiles (a lower bound) */
	long client_idle;            /* of the connections (tasks), the mostly idle ones */
	double client_p99_uncorrected_s; /* from the actual send: what coordinated
					  * omission would report (= p99 closed loop) */
	/* Any run: how much the machine's kernel stacks (/proc/meminfo
	 * KernelStack) grew during it, at the most: each thread's, which
	 * resident memory leaves out; machine-wide. -1: unknown. */
	long kernel_stack_kib;
} res_run;

/* A row before any figure: NaN and -1 where nothing was measured. */
static inline void res_init(res_run *r)
{
	memset(r, 0, sizeof *r);
	r->pace = r->rate_requested = r->client_rps = __builtin_nan("");
	r->client_p50_s = r->client_p90_s = r->client_p99_s = r->client_max_s = r->pace;
	r->client_p99_uncorrected_s = r->pace;
	r->rss_sum_kib = r->client_requests = r->client_errors = r->client_unfinished = r->client_idle = -1;
	r->kernel_stack_kib = -1;
}

/* A run the host slowed down and the sweep did again: kept, never counted. */
static inline int res_slowed(const res_run *r)
{
	return r->status[0] == 's' && !strncmp(r->status, "slowed:", 7);
}

#endif

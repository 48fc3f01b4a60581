/*
 * tlcost.c - what --timeline costs: each row runs one workload under one
 * model without and with the state events (models/timeline.h), the two
 * interleaved rep by rep so drift hits both alike, and reports the ratio of
 * the median makespans (1.00: free). The rows go from the worst case to the
 * usual ones: coroutines that do nothing but switch (two events per switch
 * of ~50 ns), a GIL handed off at every check point, an event loop whose
 * tasks do nothing, and many sleeps on a loop and on coroutines. Off, the
 * hooks are a branch each: the bench's per-task rows, run without
 * --timeline, are that cost.
 */
#include "harness/bench/tlcost.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/bench/bench.h"
#include "harness/run/runner.h"
#include "harness/run/spec.h"
#include "harness/run/stats.h"
#include "models/timeline.h"

typedef struct {
	const char *what, *wl, *model;
	size_t n;
	unsigned c;
} tlcost_row;

static const tlcost_row rows[] = {
	{ "switch-heavy (worst)", "switch:rounds=20000", "coro", 2, 2 },
	{ "switch-heavy", "fib:n=30", "threads+gil:gil_interval_ms=0", 4, 4 },
	{ "switch-heavy", "fib:n=30", "threads+gil", 4, 4 },
	{ "task-heavy", "null", "epoll", 50000, 100 },
	{ "task-heavy", "sleep:ms=1", "epoll", 20000, 1000 },
	{ "task-heavy", "sleep:ms=1", "coro", 20000, 1000 },
};

/* One run's makespan, or NaN with its status in status. */
static double one(const tlcost_row *row, const wl_spec *w, const model_spec *m, model_table *table,
		  tl_buf *tl, volatile sig_atomic_t *stop, char *status, size_t slen)
{
	run_job job = { .wl = w,
			.model = m,
			.n = row->n,
			.c = row->c,
			.table = table,
			.timeline = tl,
			.timeout_s = 120,
			.stop = stop };
	res_run r;
	memset(&r, 0, sizeof r);
	run_one(&job, &r);
	if (strcmp(r.status, "ok") != 0) {
		snprintf(status, slen, "%s", r.status);
		return NAN;
	}
	return r.makespan_s;
}

int bench_tlcost(FILE *out, FILE *csv, int reps, volatile sig_atomic_t *stop)
{
	int rc = 0;
	tl_buf *tl = tl_open(0);
	if (!tl) {
		fprintf(stderr, "concbench bench: --timeline's buffer: out of memory\n");
		return 1;
	}
	fprintf(out,
		"\ntimeline: what recording --timeline costs (median makespan of %d reps each,\n"
		"off and on interleaved; ratio on / off, 1.00 is free)\n",
		reps);
	fprintf(out, "  %-20s %-20s %-30s %7s %10s %10s %6s  %s\n", "kind", "workload", "model",
		"tasks", "off", "on", "ratio", "status");
	fprintf(csv, "kind,workload,model,tasks,concurrency,reps,off_s_median,on_s_median,ratio,"
		     "status\n");
	for (size_t i = 0; i < sizeof rows / sizeof rows[0] && !*stop; i++) {
		const tlcost_row *row = &rows[i];
		char err[160], status[RES_STATUSLEN] = "ok";
		wl_spec w;
		model_spec m;
		double off[BENCH_MAX_REPS], on[BENCH_MAX_REPS];
		int k = 0;
		model_table *table = model_table_new(row->n);
		if (!table || spec_workload(row->wl, 0, &w, err, sizeof err) < 0 ||
		    spec_model(row->model, &m, err, sizeof err) < 0 ||
		    wl_prepare(&w, err, sizeof err) < 0) {
			snprintf(status, sizeof status, "error: %s", table ? err : "out of memory");
			reps = 0; /* print the row's failure below */
		}
		for (; k < reps && !*stop; k++) {
			off[k] = one(row, &w, &m, table, NULL, stop, status, sizeof status);
			on[k] = one(row, &w, &m, table, tl, stop, status, sizeof status);
			if (isnan(off[k]) || isnan(on[k]))
				break;
		}
		if (reps)
			wl_release(&w);
		model_table_free(table);
		double a = stats_median(off, (size_t)k), b = stats_median(on, (size_t)k);
		rc |= strcmp(status, "ok") != 0;
		fprintf(out, "  %-20s %-20s %-30s %7zu %7.2f ms %7.2f ms %6.3f  %s\n", row->what,
			row->wl, row->model, row->n, a * 1e3, b * 1e3, b / a, status);
		fprintf(csv, "%s,\"%s\",\"%s\",%zu,%u,%d,%.6f,%.6f,%.4f,\"%s\"\n", row->what,
			row->wl, row->model, row->n, row->c, k, a, b, b / a, status);
		fflush(out);
	}
	tl_close(tl);
	return rc;
}

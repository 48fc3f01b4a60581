/*
 * scale.c - how far the I/O executors scale: many concurrent waits.
 *
 * Each row runs N tasks that each wait D ms, all N in flight at once, so the
 * ideal makespan is one delay, D. The figure to quote is the ratio makespan/D
 * (1.00 is perfect): it is its own reference, immune to how fast this machine
 * is. With two CPUs or more, runs are bound to the first and the bundled
 * HTTP target to the others, so client and server do not take turns on one
 * core (on the 2-core VM this was built on that alone moves 1,000 requests
 * from 1.34 to 1.28 delays). A row that hits a kernel limit (open files, vm.max_map_count for
 * coroutine stacks where guard pages need mprotect) shows the run's status, which names the
 * limit and how to raise it. Beside the time, each row's peak RSS (the run process's
 * max_rss, median over reps) and that divided by N: the memory a waiting task holds (the
 * process's own few MiB included, which only small rows notice).
 */
#include "harness/bench/scale.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/cpus.h"
#include "harness/run/runner.h"
#include "harness/run/spec.h"
#include "harness/bench/bench.h"
#include "harness/bench/fetchfloor.h"
#include "harness/run/stats.h"
#include "harness/run/target.h"

typedef struct {
	const char *wl, *model;
	size_t n;
	double ideal_s; /* one delay */
	const char *goal;
} scale_row;

static const scale_row rows[] = {
	{ "sleep:ms=100", "epoll", 10000, 0.1, "within 5%" },
	{ "sleep:ms=100", "coro", 10000, 0.1, "within 5%" },
	{ "sleep:ms=1000", "coro", 100000, 1.0, "runs" }, /* the defaults, no limit raised */
	{ "sleep:ms=1000", "coro:stack=4k", 1000000, 1.0, "50%,8GiB" },
	{ "http:delay_ms=100,size=1024", "epoll", 1000, 0.1, "within 30%" },
	{ "http:delay_ms=100,size=1024", "coro", 1000, 0.1, "within 30%" },
};

/* One row's reps: the median makespan and peak RSS (KiB), and the first
 * failing status. */
static void scale_one(const scale_row *row, wl_spec *w, const cpus_plan *pl, int reps,
		      volatile sig_atomic_t *stop, double *median, double *rss, char *status,
		      size_t slen)
{
	model_spec m;
	char err[160];
	double mk[BENCH_MAX_REPS], kib[BENCH_MAX_REPS];
	int k = 0;
	snprintf(status, slen, "ok");
	model_table *table = model_table_new(row->n);
	if (!table || spec_model(row->model, &m, err, sizeof err) < 0) {
		snprintf(status, slen, "error: %s", table ? err : "out of memory");
		model_table_free(table);
		*median = *rss = NAN;
		return;
	}
	for (int rep = 0; rep < reps && !*stop; rep++) {
		run_job job = { .wl = w,
				.model = &m,
				.n = row->n,
				.c = (unsigned)row->n,
				.table = table,
				.cpuset = pl->run,
				.topology = pl->topo,
				.timeout_s = 120,
				.stop = stop };
		res_run r;
		memset(&r, 0, sizeof r);
		run_one(&job, &r);
		if (strcmp(r.status, "ok") != 0) {
			snprintf(status, slen, "%s", r.status);
			break;
		}
		kib[k] = r.max_rss_kib > 0 ? (double)r.max_rss_kib : NAN;
		mk[k++] = r.makespan_s;
	}
	model_table_free(table);
	*median = stats_median(mk, (size_t)k);
	*rss = stats_median(kib, (size_t)k);
}

/* The fetch rows' floor (fetchfloor.c): FLOOR_N fetches by a bare client,
 * against the bundled target and against a bare server, bound as the rows'
 * run and target are; medians over reps. 0, or 1 when one failed. */
#define FLOOR_N 1000
static int floor_rows(FILE *out, FILE *csv, int reps, const cpus_plan *pl, const char *bundled,
		      volatile sig_atomic_t *stop)
{
	static const char *const name[2] = { "bare client", "bare both ends" };
	hwloc_bitmap_t spare = cpus_spare(pl->topo, pl->run);
	char bare[64] = "", why[160] = "";
	int pid = fetchfloor_server_start(pl->topo, spare, 100, bare, sizeof bare, why, sizeof why);
	int rc = 0;

	for (int row = 0; row < 2 && !*stop; row++) {
		double mk[BENCH_MAX_REPS];
		int k = 0;
		char status[RES_STATUSLEN] = "ok";
		const char *to = row == 0 ? bundled : bare;
		if (row == 1 && pid < 0)
			snprintf(status, sizeof status, "error: %s", why);
		for (int rep = 0; rep < reps && !*stop && !strcmp(status, "ok"); rep++) {
			double v = fetchfloor_client(pl->topo, pl->run, to,
						     "/work?delay_ms=100&size=1024", FLOOR_N, why,
						     sizeof why);
			if (v < 0)
				snprintf(status, sizeof status, "error: %s", why);
			else
				mk[k++] = v;
		}
		double med = k ? stats_median(mk, (size_t)k) : NAN;
		rc |= strcmp(status, "ok") != 0;
		fprintf(out, "  %-28s %-16s %7d %8.1f ms %7.3f %9s %8s  %-10s %s\n",
			"http:delay_ms=100,size=1024", name[row], FLOOR_N, med * 1e3, med / 0.1,
			"-", "-", "floor", status);
		fprintf(csv,
			"\"http:delay_ms=100,size=1024\",%s,%d,%d,%.6f,%.4f,\"floor\",\"%s\",,\n",
			name[row], FLOOR_N, reps, med, med / 0.1, status);
		fflush(out);
	}
	fetchfloor_server_stop(pid);
	if (spare)
		hwloc_bitmap_free(spare);
	return rc;
}

int bench_scale(FILE *out, FILE *csv, int reps, volatile sig_atomic_t *stop)
{
	size_t nrows = sizeof rows / sizeof rows[0];
	wl_spec *w = calloc(nrows, sizeof *w);
	target server;
	cpus_plan pl;
	char err[256];
	int rc = 0;
	cpus_choose_first(&pl); /* the rest of the CPUs for the target */
	for (size_t i = 0; w && i < nrows; i++)
		if (spec_workload(rows[i].wl, 0, &w[i], err, sizeof err) < 0)
			rc = 1;
	if (!w || rc || target_start(&server, w, nrows, pl.topo, pl.run, err, sizeof err) < 0) {
		fprintf(stderr, "concbench bench: %s\n", w ? err : "out of memory");
		free(w);
		cpus_free(&pl);
		return 1;
	}
	char where[128] = "every CPU";
	if (pl.run)
		snprintf(where, sizeof where, "CPU %d, the target on %s",
			 hwloc_bitmap_first(pl.run), server.cpus[0] ? server.cpus : "-");
	fprintf(out,
		"\nscale: N tasks all in flight, each waiting one delay (median of %d reps;\n"
		"ratio = makespan / delay, 1.00 is ideal; runs on %s)\n",
		reps, where);
	fprintf(out, "  %-28s %-16s %7s %10s %7s %9s %8s  %-10s %s\n", "workload", "model", "tasks",
		"makespan", "ratio", "peak RSS", "KiB/task", "goal", "status");
	fprintf(csv, "workload,model,tasks,reps,makespan_s_median,ratio_to_delay,goal,status,"
		     "max_rss_kib_median,rss_per_task_kib\n");
	for (size_t i = 0; i < nrows && !*stop; i++) {
		char status[RES_STATUSLEN];
		double med = NAN, rss = NAN;
		if (wl_prepare(&w[i], err, sizeof err) < 0)
			snprintf(status, sizeof status, "error: %s", err);
		else
			scale_one(&rows[i], &w[i], &pl, reps, stop, &med, &rss, status,
				  sizeof status);
		wl_release(&w[i]);
		if (strcmp(status, "ok") != 0)
			rc = 1;
		fprintf(out, "  %-28s %-16s %7zu %8.1f ms %7.3f %5.0f MiB %8.2f  %-10s %s\n",
			rows[i].wl, rows[i].model, rows[i].n, med * 1e3, med / rows[i].ideal_s,
			rss / 1024, rss / (double)rows[i].n, rows[i].goal, status);
		fprintf(csv, "\"%s\",%s,%zu,%d,%.6f,%.4f,\"%s\",\"%s\",%.0f,%.3f\n", rows[i].wl,
			rows[i].model, rows[i].n, reps, med, med / rows[i].ideal_s, rows[i].goal,
			status, rss, rss / (double)rows[i].n);
		fflush(out);
	}
	if (!*stop)
		rc |= floor_rows(out, csv, reps, &pl, server.hostport, stop);
	target_stop(&server);
	cpus_free(&pl);
	free(w);
	return rc;
}

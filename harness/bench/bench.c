/*
 * bench.c - the toolkit's own speed: what each model costs per task.
 *
 * A model's cost per task is the makespan of N tasks of the `null` workload
 * (which does nothing) divided by N. Alone that figure means little on a
 * shared machine, so each one stands beside a reference measured in the same
 * run, rep by rep: the raw primitive the model is built on (pthread_create +
 * pthread_join for `threads`, fork + waitpid for `fork`). We report medians
 * over reps and the ratio model / reference, which survives machine noise far
 * better than any absolute time.
 */
#define _GNU_SOURCE
#include <stdio.h>

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/bench/bench.h"
#include "harness/bench/loadcmp.h"
#include "harness/bench/scale.h"
#include "harness/bench/switch.h"
#include "harness/bench/tlcost.h"
#include "harness/run/meta.h"
#include "harness/report/report.h"
#include "harness/run/runner.h"
#include "harness/run/spec.h"
#include "harness/run/stats.h"
#include "models/registry.h"

typedef struct {
	const char *name; /* model, or raw primitive */
	const char *ref;  /* the row this one is compared with, or NULL */
	double goal;      /* the ratio to stay within, or 0 */
	unsigned c;
	size_t n;
	double ns[BENCH_MAX_REPS];
	int nrep;
	char status[64];
} bench_row;

/* The models that run tasks' steps on an event loop (as coro does). */
static int loop_model(const char *name)
{
	static const char *const loops[] = { "select", "poll", "epoll", "uring", "uv", NULL };
	for (const char *const *l = loops; *l; l++)
		if (!strcmp(name, *l))
			return 1;
	return 0;
}

static void *noop(void *arg)
{
	return arg;
}

/* ns per pthread_create + pthread_join, over k threads; NaN on failure. */
static double raw_thread(size_t k)
{
	uint64_t t0 = wl_now_ns();
	for (size_t i = 0; i < k; i++) {
		pthread_t th;
		if (pthread_create(&th, NULL, noop, NULL) != 0)
			return NAN;
		pthread_join(th, NULL);
	}
	return (double)(wl_now_ns() - t0) / (double)k;
}

/* ns per fork + _exit + waitpid, over k processes; NaN on failure. */
static double raw_fork(size_t k)
{
	uint64_t t0 = wl_now_ns();
	for (size_t i = 0; i < k; i++) {
		pid_t p = fork();
		if (p < 0)
			return NAN;
		if (p == 0)
			_exit(0);
		waitpid(p, NULL, 0);
	}
	return (double)(wl_now_ns() - t0) / (double)k;
}

static double model_cost(bench_row *row, const wl_spec *null_wl, volatile sig_atomic_t *stop)
{
	model_spec m;
	char err[128];
	model_table *table = model_table_new(row->n);
	if (!table || spec_model(row->name, &m, err, sizeof err) < 0) {
		snprintf(row->status, sizeof row->status, "%.63s", table ? err : "out of memory");
		model_table_free(table);
		return NAN;
	}
	run_job job = {
		.wl = null_wl, .model = &m, .n = row->n, .c = row->c, .table = table, .stop = stop
	};
	res_run r;
	memset(&r, 0, sizeof r);
	int rc = run_one(&job, &r);
	model_table_free(table);
	if (rc != 0 || strcmp(r.status, "ok") != 0) {
		snprintf(row->status, sizeof row->status, "%.63s", r.status);
		return NAN;
	}
	return r.makespan_s * 1e9 / (double)row->n;
}

#define BENCH_ROWS 64 /* two raw primitives, then two rows a model */

static size_t bench_rows(bench_row *rows, size_t n_tasks, unsigned cores)
{
	size_t k = 0;
	rows[k++] = (bench_row){ .name = "pthread_create+join", .n = n_tasks };
	rows[k++] = (bench_row){ .name = "fork+waitpid", .n = n_tasks / 10 };
	for (const model_kind *const *m = model_all(); *m && k + 2 <= BENCH_ROWS; m++) {
		int forks = !strcmp((*m)->name, "fork");
		/* An event loop against coroutines on the same loop: what a task
		 * costs beyond its turn (issue 16's goal: within 2x). */
		int loop = loop_model((*m)->name);
		const char *ref = !strcmp((*m)->name, "threads") ? "pthread_create+join"
				  : forks                        ? "fork+waitpid"
				  : loop                         ? "coro"
								 : NULL;
		unsigned cs[2] = { 1, cores };
		for (int j = 0; j < (cores > 1 ? 2 : 1); j++)
			rows[k++] = (bench_row){ .name = (*m)->name,
						 .ref = ref,
						 .goal = loop ? 2.0 : 0,
						 .c = cs[j],
						 .n = forks ? n_tasks / 10 : n_tasks };
	}
	return k;
}

/* The reference row `name`: a raw primitive (no C), or a model's row at C. */
static const bench_row *find_row(const bench_row *rows, size_t n, const char *name, unsigned c)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].name, name) && (!rows[i].c || rows[i].c == c))
			return &rows[i];
	return NULL;
}

static void print_and_save(FILE *f, FILE *csv, bench_row *rows, size_t n, int reps)
{
	fprintf(f,
		"\nper-task cost on null, median of %d reps (ratio = row / reference, same run)\n",
		reps);
	fprintf(f, "  %-20s %4s %8s %12s   %-20s %7s\n", "what", "C", "tasks", "ns/task",
		"reference", "ratio");
	fprintf(csv,
		"what,concurrency,tasks,reps,ns_per_task_median,ns_min,ns_max,reference,ratio\n");
	for (size_t i = 0; i < n; i++) {
		bench_row *r = &rows[i];
		double sorted[BENCH_MAX_REPS];
		memcpy(sorted, r->ns, sizeof(double) * (size_t)r->nrep);
		double med = stats_median(sorted, (size_t)r->nrep);
		const bench_row *ref = r->ref ? find_row(rows, n, r->ref, r->c) : NULL;
		double ratio = NAN;
		if (ref) {
			memcpy(sorted, ref->ns, sizeof(double) * (size_t)ref->nrep);
			ratio = med / stats_median(sorted, (size_t)ref->nrep);
		}
		char c[16] = "-";
		if (r->c)
			snprintf(c, sizeof c, "%u", r->c);
		char rt[16] = "-";
		if (!isnan(ratio))
			snprintf(rt, sizeof rt, "%.2f", ratio);
		char goal[48] = "";
		if (r->goal > 0 && !isnan(ratio))
			snprintf(goal, sizeof goal, "goal <= %.1fx: %s", r->goal,
				 ratio <= r->goal ? "met" : "missed");
		fprintf(f, "  %-20s %4s %8zu %12.0f   %-20s %7s %s%s\n", r->name, c, r->n, med,
			r->ref ? r->ref : "-", rt, r->status, goal);
		stats_sort(r->ns, (size_t)r->nrep);
		fprintf(csv, "%s,%s,%zu,%d,%.0f,%.0f,%.0f,%s,%.3f\n", r->name, r->c ? c : "", r->n,
			r->nrep, med, r->ns[0], r->ns[r->nrep - 1], r->ref ? r->ref : "", ratio);
	}
}

/* A part left out by --only leaves no file. */
static int save_csv(rep_dir *dir, const char *name, const char *text, size_t len)
{
	return len ? rep_write_text(dir, name, text, len) : 0;
}

/* results/bench/<stamp>/: bench.csv, scale.csv, switch.csv, loadcmp.csv, and the machine's
 * context (with the command line argv[0..argc)) in results.json: a figure
 * without its machine is meaningless. */
static int save_all(int argc, char **argv, char *const text[5], const size_t len[5])
{
	char err[256];
	rep_dir *dir = rep_open("results", "bench", err, sizeof err);
	char *ctx = meta_context_json(argc, argv, NULL);
	int rc = 0;
	if (!dir || !text[0] || !text[1] || !text[2] || !text[3] || !text[4] || !ctx) {
		fprintf(stderr, "concbench bench: %s\n", dir ? "out of memory" : err);
		rc = 1;
	} else if (save_csv(dir, "bench.csv", text[0], len[0]) < 0 ||
		   save_csv(dir, "scale.csv", text[1], len[1]) < 0 ||
		   save_csv(dir, "switch.csv", text[2], len[2]) < 0 ||
		   save_csv(dir, "loadcmp.csv", text[3], len[3]) < 0 ||
		   save_csv(dir, "timeline.csv", text[4], len[4]) < 0 ||
		   rep_write(dir, NULL, 0, ctx) < 0 || rep_finish(dir) < 0) {
		fprintf(stderr, "concbench bench: %s\n", rep_error(dir));
		rc = 1;
	} else {
		printf("results: %s/\n", rep_path(dir));
	}
	free(ctx);
	rep_close(dir);
	return rc;
}

int bench_parts(const char *list, unsigned *parts)
{
	static const char *const names[] = { "tasks", "scale", "switch", "timeline", "load" };
	const char *p = list;
	*parts = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		unsigned bit = 0;
		for (size_t k = 0; k < sizeof names / sizeof *names; k++)
			if (len == strlen(names[k]) && !strncmp(p, names[k], len))
				bit = 1u << k;
		if (!bit)
			return -1;
		*parts |= bit;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

int bench_run(int reps, size_t n_tasks, unsigned parts, int argc, char **argv,
	      volatile sig_atomic_t *stop)
{
	char err[160];
	bench_row rows[BENCH_ROWS];
	size_t nrows = bench_rows(rows, n_tasks, (unsigned)meta_cores());
	wl_spec null_wl;
	spec_workload("null", 0, &null_wl, err, sizeof err);
	run_init();
	int rc = 0;
	for (int rep = 0; rep < reps && !*stop && (parts & BENCH_TASKS); rep++) {
		for (size_t i = 0; i < nrows && !*stop; i++) {
			bench_row *r = &rows[i];
			double ns = i == 0   ? raw_thread(r->n)
				    : i == 1 ? raw_fork(r->n)
					     : model_cost(r, &null_wl, stop);
			if (isnan(ns))
				rc = 1;
			r->ns[r->nrep++] = ns;
		}
		if (isatty(2))
			fprintf(stderr, "\r\033[Kbench: rep %d/%d done", rep + 1, reps);
	}
	if (isatty(2))
		fprintf(stderr, "\r\033[K");
	if (*stop)
		return 130;

	char *text[5] = { NULL, NULL, NULL, NULL, NULL };
	size_t len[5] = { 0, 0, 0, 0, 0 };
	FILE *csv = open_memstream(&text[0], &len[0]);
	if (csv) {
		if (parts & BENCH_TASKS)
			print_and_save(stdout, csv, rows, nrows, reps);
		fclose(csv);
	}
	/* the scale rows take seconds each: three reps give a fair median */
	csv = open_memstream(&text[1], &len[1]);
	if (csv) {
		if (parts & BENCH_SCALE)
			rc |= bench_scale(stdout, csv, reps < 3 ? reps : 3, stop);
		fclose(csv);
	}
	csv = open_memstream(&text[2], &len[2]);
	if (csv) {
		if (parts & BENCH_SWITCH)
			rc |= bench_switch(stdout, csv, reps, stop);
		fclose(csv);
	}
	csv = open_memstream(&text[4], &len[4]);
	if (csv) {
		if (parts & BENCH_TIMELINE)
			rc |= bench_tlcost(stdout, csv, reps < 5 ? reps : 5, stop);
		fclose(csv);
	}
	/* wrk beside concbench load: speed reported, never a failure */
	csv = open_memstream(&text[3], &len[3]);
	if (csv) {
		if (parts & BENCH_LOAD)
			bench_loadcmp(stdout, csv, "/proc/self/exe", reps, stop);
		fclose(csv);
	}
	rc |= save_all(argc, argv, text, len);
	for (int k = 0; k < 5; k++)
		free(text[k]);
	return *stop ? 130 : rc;
}

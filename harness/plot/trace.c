/*
 * trace.c - trace.json: the state timelines of a results directory as
 * Chrome trace-event JSON, for Perfetto, chrome://tracing and speedscope.
 *
 * The chart shows one run per model; the trace holds every run recorded
 * with state events, to zoom into. Its shape (the "JSON Object Format" of
 * the Trace Event Format):
 *	a process per run      pid 1 + the run's row in results.csv, named
 *	                       "epoll C=4 rep 1 sleep:ms=20" (M process_name)
 *	a thread per lane      tid lane + 1, "thread 4250" / "loop 4242"
 *	a track per task       of a loop lane with few tasks, "task 3"
 *	X events               a state segment: ts and dur in µs from the run's
 *	                       t0, name "run task 3" or the state, cat the state,
 *	                       args {task, cpu}
 *	i events               a GIL hand-off (s "t": on its thread); where a
 *	                       lane's buffer filled, "events dropped"
 *	C events               the GIL holder (the tid that runs, 0: none) of a
 *	                       +gil run; a loop's ready-queue length
 * Segments of one track never overlap (a lane is in one state at a time),
 * so X events nest trivially. Written through file_write (temp + rename).
 */
#include "harness/plot/trace.h"

#include <stdlib.h>
#include <string.h>

#include "harness/plot/style.h"
#include "harness/report/evcount.h"
#include "harness/report/eventsread.h"
#include "harness/report/file.h"
#include "harness/report/json.h"

#define TASK_TRACKS 16 /* a loop's tasks get a track each up to this */

typedef struct {
	const char *dir;
	const res_run *runs;
	size_t n;
	FILE *diag;
} trace_arg;

static double us(int64_t ns)
{
	return (double)ns / 1e3;
}

/* The common fields of an event. */
static void head(jw *w, const char *ph, const char *name, int pid, int tid, int64_t t)
{
	jw_obj_begin(w);
	jw_kv_str(w, "ph", ph);
	jw_kv_str(w, "name", name);
	jw_kv_int(w, "pid", pid);
	jw_kv_int(w, "tid", tid);
	jw_kv_double(w, "ts", us(t));
}

static void meta(jw *w, const char *what, int pid, int tid, const char *key, const char *s, int n)
{
	jw_obj_begin(w);
	jw_kv_str(w, "ph", "M");
	jw_kv_str(w, "name", what);
	jw_kv_int(w, "pid", pid);
	jw_kv_int(w, "tid", tid);
	jw_key(w, "args");
	jw_obj_begin(w);
	if (s)
		jw_kv_str(w, key, s);
	else
		jw_kv_int(w, key, n);
	jw_obj_end(w);
	jw_obj_end(w);
}

static void seg(jw *w, int pid, int tid, const evr_seg *g)
{
	char name[48];
	if (g->state == EVR_RUN && g->task >= 0)
		snprintf(name, sizeof name, "run task %d", g->task);
	else
		snprintf(name, sizeof name, "%s", evr_state_name(g->state));
	head(w, "X", name, pid, tid, g->t0);
	jw_kv_double(w, "dur", us(g->t1 - g->t0));
	jw_kv_str(w, "cat", evr_state_name(g->state));
	jw_key(w, "args");
	jw_obj_begin(w);
	jw_kv_int(w, "task", g->task);
	jw_kv_int(w, "cpu", g->cpu);
	jw_obj_end(w);
	jw_obj_end(w);
}

static void counter(jw *w, const char *name, int pid, int64_t t, const char *key, int v)
{
	head(w, "C", name, pid, 0, t);
	jw_key(w, "args");
	jw_obj_begin(w);
	jw_kv_int(w, key, v);
	jw_obj_end(w);
	jw_obj_end(w);
}

/* An edge of the GIL holder: at t, tid takes it (or 0: lets it go). */
typedef struct {
	int64_t t;
	int tid;
} hold;

static int cmp_hold(const void *a, const void *b)
{
	const hold *x = a, *y = b;
	if (x->t != y->t)
		return (x->t > y->t) - (x->t < y->t);
	return (x->tid > 0) - (y->tid > 0); /* a release before a take */
}

/* Which tid runs (holds the GIL) over time, from the run segments. */
static void gil_holder(jw *w, int pid, const evr_run *r)
{
	hold *h = malloc((2 * r->nsegs + 1) * sizeof *h);
	size_t n = 0;
	if (!h)
		return;
	for (size_t i = 0; i < r->nsegs; i++)
		if (r->segs[i].state == EVR_RUN) {
			h[n++] = (hold){ r->segs[i].t0, r->segs[i].lane + 1 };
			h[n++] = (hold){ r->segs[i].t1, 0 };
		}
	qsort(h, n, sizeof *h, cmp_hold);
	for (size_t i = 0; i < n; i++)
		if (i + 1 == n || h[i + 1].t != h[i].t) /* the last word at an instant */
			counter(w, "GIL holder (tid)", pid, h[i].t, "tid", h[i].tid);
	free(h);
}

/* One run: its process, its tracks and events. */
static void run_events(jw *w, int pid, const res_run *run, const evr_run *r)
{
	char name[600];
	int *task_tid = calloc(r->nlanes + 1, sizeof *task_tid), next = (int)r->nlanes + 1;
	if (!task_tid)
		return;
	snprintf(name, sizeof name, "%s C=%u rep %d %s%s%s", run->model, run->concurrency, run->rep,
		 run->workload, *run->params ? ":" : "", run->params);
	meta(w, "process_name", pid, 0, "name", name, 0);
	meta(w, "process_sort_index", pid, 0, "sort_index", NULL, pid);
	int sort = 0;
	for (size_t l = 0; l < r->nlanes; l++) {
		const evr_lane *L = &r->lanes[l];
		snprintf(name, sizeof name, "%s %ld", L->loop ? "loop" : "thread", L->tid);
		meta(w, "thread_name", pid, (int)l + 1, "name", name, 0);
		meta(w, "thread_sort_index", pid, (int)l + 1, "sort_index", NULL, sort++);
		if (L->loop && L->ntasks > 0 && L->ntasks <= TASK_TRACKS) {
			task_tid[l] = next; /* its tasks: tids next .. next + ntasks - 1 */
			for (int k = 0; k < L->ntasks; k++) {
				snprintf(name, sizeof name, "task %d", k);
				meta(w, "thread_name", pid, next + k, "name", name, 0);
				meta(w, "thread_sort_index", pid, next + k, "sort_index", NULL,
				     sort++);
			}
			next += L->ntasks;
		}
		if (L->dropped > 0) {
			snprintf(name, sizeof name, "%ld events dropped: buffer full", L->dropped);
			head(w, "i", name, pid, (int)l + 1, L->dropped_ns);
			jw_kv_str(w, "s", "t");
			jw_obj_end(w);
		}
	}
	for (size_t i = 0; i < r->nsegs; i++)
		seg(w, pid, r->segs[i].lane + 1, &r->segs[i]);
	for (size_t i = 0; i < r->ntsegs; i++) {
		const evr_seg *g = &r->tsegs[i];
		if (task_tid[g->lane])
			seg(w, pid, task_tid[g->lane] + g->task, g);
	}
	for (size_t i = 0; i < r->nmarks; i++) {
		head(w, "i", "handoff", pid, r->marks[i].lane + 1, r->marks[i].t);
		jw_kv_str(w, "s", "t");
		jw_kv_str(w, "cat", "gil");
		jw_obj_end(w);
	}
	if (plot_is_gil(run->model))
		gil_holder(w, pid, r);
	for (size_t l = 0; l < r->nlanes; l++) {
		evc_step *v;
		size_t n = r->lanes[l].loop ? evc_steps(r, (int)l, EVR_READY, &v) : 0;
		snprintf(name, sizeof name, "ready queue (loop %ld)", r->lanes[l].tid);
		for (size_t k = 0; k < n; k++)
			counter(w, name, pid, v[k].t, "ready", v[k].n);
		if (n)
			free(v);
	}
	free(task_tid);
}

static int fill(FILE *f, const void *p)
{
	const trace_arg *a = p;
	jw w;
	jw_init(&w, f);
	jw_obj_begin(&w);
	jw_key(&w, "traceEvents");
	jw_arr_begin(&w);
	for (size_t i = 0; i < a->n; i++) {
		char err[512];
		evr_run r;
		if (!evr_has(a->dir, &a->runs[i]))
			continue;
		if (evr_load_run(a->dir, &a->runs[i], &r, err, sizeof err) < 0) {
			fprintf(a->diag, "concbench: trace.json leaves out %s: %s\n",
				a->runs[i].model, err);
			continue;
		}
		run_events(&w, (int)i + 1, &a->runs[i], &r);
		evr_free(&r);
	}
	jw_arr_end(&w);
	jw_kv_str(&w, "displayTimeUnit", "ms");
	jw_key(&w, "otherData");
	jw_obj_begin(&w);
	jw_kv_str(&w, "tool", "concbench");
	jw_kv_str(&w, "what",
		  "state timelines: a process per run (pid 1 + its row in "
		  "results.csv), a thread per OS thread, ts and dur in µs from "
		  "each run's t0");
	jw_obj_end(&w);
	jw_obj_end(&w);
	return jw_done(&w) < 0 ? (w.err ? w.err : 5) : 0;
}

int plot_trace(const char *dir, const res_run *runs, size_t n, FILE *diag, char *err, size_t errlen)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += (size_t)evr_has(dir, &runs[i]);
	if (!k)
		return 0;
	trace_arg a = { dir, runs, n, diag ? diag : stderr };
	return file_write(dir, "trace.json", fill, &a, err, errlen) < 0 ? -1 : 1;
}

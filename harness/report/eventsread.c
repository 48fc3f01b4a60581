/*
 * eventsread.c - a run's lanes and state events read back, and turned into
 * segments (the format: README.md, "Recording the state events"; models/timeline.h).
 * A lane's state lasts from its event to its next lane-state event; the
 * last one to the run's end, or, when the lane's buffer filled, to the
 * first event lost (what came after is unknown, so nothing is drawn).
 * A loop lane's tasks get rows of their own, replayed from the same events:
 * a task runs while the lane runs it; after `wait T` it waits for I/O until
 * `wake T` (then it is ready) or its next run; a task run straight off a
 * poll with no `wake` was ready from the end of that poll. Between the end
 * of a run and the task's next event its state is not known (drawn blank).
 *
 * Every row is checked (field count, numbers, lane known, event spelled as
 * the format says); a lane with fewer events than lanes.csv counts is a
 * truncated file. Either is an error naming file and line, never a guess.
 */
#include "harness/report/eventsread.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/report/csvread.h"
#include "harness/report/rows.h"

static const char *const state_names[EVR_NSTATES] = { "run", "gil", "ready", "io", "sched" };

const char *evr_state_name(evr_state s)
{
	return (unsigned)s < EVR_NSTATES ? state_names[s] : "?";
}

/* Event kinds in the file: the lane states, then idle, end, and the
 * instants and task events. */
enum { E_IDLE = EVR_NSTATES, E_END, E_HANDOFF, E_WAIT, E_WAKE, E_N };
static const char *const event_names[E_N] = { "run",  "gil", "ready",   "io",   "sched",
					      "idle", "end", "handoff", "wait", "wake" };

typedef struct {
	int lane, ev, task, cpu;
	int64_t t;
	size_t line;
} event;

int evr_paths(const char *dir, const res_run *run, char *lanes, char *events, size_t len)
{
	char name[256];
	if (rows_tasks_name(run, name, sizeof name) < 0)
		return -1;
	name[strlen(name) - 4] = '\0'; /* without .csv */
	int a = snprintf(lanes, len, "%s/tasks/%s.lanes.csv", dir, name);
	int b = snprintf(events, len, "%s/tasks/%s.events.csv", dir, name);
	return a < 0 || b < 0 || (size_t)a >= len || (size_t)b >= len ? -1 : 0;
}

int evr_has(const char *dir, const res_run *run)
{
	char l[4500], e[4500];
	struct stat st;
	return evr_paths(dir, run, l, e, sizeof l) == 0 && stat(l, &st) == 0 && S_ISREG(st.st_mode);
}

void evr_free(evr_run *r)
{
	free(r->lanes);
	free(r->segs);
	free(r->marks);
	free(r->tsegs);
	memset(r, 0, sizeof *r);
}

/* Room for one more in a doubling array; 0 or -1 (out of memory). */
static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? 2 * *cap : 64;
	void *g = realloc(*v, nc * size);
	if (!g)
		return -1;
	*v = g;
	*cap = nc;
	return 0;
}

/* A cell as a whole number: 0, or -1 when it is not one. */
static int whole(const char *s, int64_t *v)
{
	double d = csv_num(s);
	if (!isfinite(d) || d != floor(d) || fabs(d) > 9e18)
		return -1;
	*v = (int64_t)d;
	return 0;
}

/* Open path and read its header; the column of each of names (all must
 * be there). The reader is left after the header. */
static FILE *open_with(const char *path, csv_reader *rd, const char *const *names, int *at, int n,
		       char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	csv_init(rd, f);
	if (csv_next(rd) != 1) {
		snprintf(err, errlen, "%s: empty, or not a CSV file", path);
		goto fail;
	}
	for (int k = 0; k < n; k++) {
		at[k] = -1;
		for (size_t i = 0; i < rd->nfield; i++)
			if (!strcmp(rd->field[i], names[k]))
				at[k] = (int)i;
		if (at[k] < 0) {
			snprintf(err, errlen, "%s: no column \"%s\" in its header", path, names[k]);
			goto fail;
		}
	}
	return f;
fail:
	csv_free(rd);
	fclose(f);
	return NULL;
}

/* The fields of the current record at columns at[0..n) as whole numbers,
 * but for column skip (text); -1 with err set on a short or bad row. */
static int row_nums(const csv_reader *rd, const int *at, int n, int skip, int64_t *v,
		    const char *path, char *err, size_t errlen)
{
	for (int k = 0; k < n; k++) {
		if ((size_t)at[k] >= rd->nfield) {
			snprintf(err, errlen,
				 "%s:%zu: %zu fields, the header has more (truncated?)", path,
				 rd->line, rd->nfield);
			return -1;
		}
		if (k != skip && whole(rd->field[at[k]], &v[k]) < 0) {
			snprintf(err, errlen, "%s:%zu: \"%s\" is not a whole number", path,
				 rd->line, rd->field[at[k]]);
			return -1;
		}
	}
	return 0;
}

static int read_lanes(const char *path, evr_run *r, char *err, size_t errlen)
{
	static const char *const names[] = {
		"lane", "kind", "pid", "tid", "events", "dropped", "dropped_after_ns"
	};
	int at[7], rc;
	size_t cap = 0;
	csv_reader rd;
	FILE *f = open_with(path, &rd, names, at, 7, err, errlen);
	if (!f)
		return -1;
	while ((rc = csv_next(&rd)) == 1) {
		int64_t v[7];
		if (rd.nfield == 1 && !*rd.field[0])
			continue;
		if (row_nums(&rd, at, 7, 1, v, path, err, errlen) < 0)
			goto fail;
		const char *kind = rd.field[at[1]];
		if (v[0] != (int64_t)r->nlanes ||
		    (strcmp(kind, "loop") && strcmp(kind, "thread"))) {
			snprintf(err, errlen, "%s:%zu: want lane %zu of kind loop or thread", path,
				 rd.line, r->nlanes);
			goto fail;
		}
		if (grow((void **)&r->lanes, &cap, r->nlanes, sizeof *r->lanes) < 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
		r->lanes[r->nlanes++] = (evr_lane){
			!strcmp(kind, "loop"), (long)v[2], (long)v[3], (long)v[4], (long)v[5],
			v[5] > 0 ? v[6] : -1,  0
		};
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s:%zu: malformed CSV record", path, rd.line);
		goto fail;
	}
	csv_free(&rd);
	fclose(f);
	return 0;
fail:
	csv_free(&rd);
	fclose(f);
	return -1;
}

static int read_events(const char *path, evr_run *r, event **ev, size_t *nev, char *err,
		       size_t errlen)
{
	static const char *const names[] = { "lane", "t_ns", "event", "task", "cpu" };
	int at[5], rc;
	size_t cap = 0;
	csv_reader rd;
	FILE *f = open_with(path, &rd, names, at, 5, err, errlen);
	if (!f)
		return -1;
	while ((rc = csv_next(&rd)) == 1) {
		int64_t v[5];
		int k = 0;
		if (rd.nfield == 1 && !*rd.field[0])
			continue;
		if (row_nums(&rd, at, 5, 2, v, path, err, errlen) < 0)
			goto fail;
		while (k < E_N && strcmp(rd.field[at[2]], event_names[k]))
			k++;
		if (k == E_N || v[0] < 0 || (size_t)v[0] >= r->nlanes || v[3] < -1 ||
		    v[3] > 100000000 || v[4] < -1 || v[4] > 1000000) {
			snprintf(err, errlen, "%s:%zu: %s", path, rd.line,
				 k == E_N ? "unknown event" : "lane, task or cpu out of range");
			goto fail;
		}
		if (grow((void **)ev, &cap, *nev, sizeof **ev) < 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
		(*ev)[(*nev)++] = (event){ (int)v[0], k, (int)v[3], (int)v[4], v[1], rd.line };
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s:%zu: malformed CSV record", path, rd.line);
		goto fail;
	}
	csv_free(&rd);
	fclose(f);
	return 0;
fail:
	csv_free(&rd);
	fclose(f);
	return -1;
}

/* Events by lane, then time, then file order (rows come so; a writer that
 * slips is not punished). */
static int cmp_event(const void *a, const void *b)
{
	const event *x = a, *y = b;
	if (x->lane != y->lane)
		return x->lane - y->lane;
	return x->t != y->t ? (x->t > y->t) - (x->t < y->t)
			    : (x->line > y->line) - (x->line < y->line);
}

static int cmp_tseg(const void *a, const void *b)
{
	const evr_seg *x = a, *y = b;
	if (x->lane != y->lane)
		return x->lane - y->lane;
	return x->task != y->task ? x->task - y->task : (x->t0 > y->t0) - (x->t0 < y->t0);
}

typedef struct {
	evr_run *r;
	size_t capseg, capmark, capt;
	int oom;
} build;

static void add_seg(build *b, evr_seg **v, size_t *n, size_t *cap, evr_seg s)
{
	if (s.t1 <= s.t0)
		return;
	if (grow((void **)v, cap, *n, sizeof **v) < 0) {
		b->oom = 1;
		return;
	}
	(*v)[(*n)++] = s;
}

/* A task of a loop lane, replayed: what it is doing since when. */
enum { T_NONE, T_RUN, T_IO, T_READY, T_GAP, T_DONE };
typedef struct {
	int phase, after; /* after: the phase a run ends in (a wait or wake seen during it) */
	int64_t since;
} tstate;

static void task_close(build *b, int lane, int task, tstate *ts, int64_t t)
{
	static const int st[] = { [T_RUN] = EVR_RUN, [T_IO] = EVR_IO, [T_READY] = EVR_READY };
	if (ts->phase == T_RUN || ts->phase == T_IO || ts->phase == T_READY)
		add_seg(b, &b->r->tsegs, &b->r->ntsegs, &b->capt,
			(evr_seg){ lane, st[ts->phase], task, -1, ts->since, t });
}

/* Task T of a loop lane meets event e (io_end: when the lane's last poll
 * ended). */
static void task_event(build *b, int lane, tstate *ts, const event *e, int64_t io_end)
{
	int64_t t = e->t;
	switch (e->ev) {
	case EVR_RUN:
		if ((ts->phase == T_IO || ts->phase == T_GAP) && io_end > ts->since) {
			if (ts->phase == T_IO) /* run straight off the poll: ready since */
				task_close(b, lane, e->task, ts, io_end);
			ts->phase = T_READY;
			ts->since = io_end;
		}
		task_close(b, lane, e->task, ts, t);
		*ts = (tstate){ T_RUN, T_GAP, t };
		break;
	case E_WAIT:
	case E_WAKE: {
		int to = e->ev == E_WAIT ? T_IO : T_READY;
		if (ts->phase == T_RUN) {
			ts->after = to;
		} else if (ts->phase == T_GAP) { /* since the run ended */
			ts->phase = to;
		} else if (ts->phase != T_DONE && ts->phase != to) {
			task_close(b, lane, e->task, ts, t);
			*ts = (tstate){ to, T_GAP, t };
		}
		break;
	}
	case E_END:
		task_close(b, lane, e->task, ts, t);
		ts->phase = T_DONE;
		break;
	}
}

/* Segments, marks and task rows of one lane from its events ev[0..n). */
static void lane_build(build *b, int lane, const event *ev, size_t n, int64_t end)
{
	evr_run *r = b->r;
	evr_lane *L = &r->lanes[lane];
	tstate *ts = NULL;
	int ntask = 0, cur = -1, curtask = -1, curcpu = -1; /* the lane's state */
	int64_t since = 0, io_end = INT64_MIN;

	if (L->dropped > 0 && L->dropped_ns < end)
		end = L->dropped_ns;
	for (size_t i = 0; L->loop && i < n; i++)
		ntask = ev[i].task + 1 > ntask ? ev[i].task + 1 : ntask;
	L->ntasks = ntask;
	if (ntask && !(ts = calloc((size_t)ntask, sizeof *ts))) {
		b->oom = 1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const event *e = &ev[i];
		if (e->t > end)
			break;
		if (e->ev == E_HANDOFF) {
			if (grow((void **)&r->marks, &b->capmark, r->nmarks, sizeof *r->marks) < 0)
				b->oom = 1;
			else
				r->marks[r->nmarks++] = (evr_mark){ lane, e->task, e->t };
			continue;
		}
		if (e->ev <= E_END) { /* a lane state: the last one ends here */
			if (cur >= 0)
				add_seg(b, &r->segs, &r->nsegs, &b->capseg,
					(evr_seg){ lane, cur, curtask, curcpu, since, e->t });
			if (ts && cur == EVR_RUN && curtask >= 0 && ts[curtask].phase == T_RUN) {
				task_close(b, lane, curtask, &ts[curtask], e->t);
				ts[curtask] = (tstate){ ts[curtask].after, T_GAP, e->t };
			}
			if (cur == EVR_IO)
				io_end = e->t;
			cur = e->ev < EVR_NSTATES ? e->ev : -1;
			curtask = e->task;
			curcpu = e->ev == EVR_RUN ? e->cpu : -1;
			since = e->t;
		}
		if (ts && e->task >= 0 && (e->ev == EVR_RUN || e->ev >= E_END))
			task_event(b, lane, &ts[e->task], e, io_end);
	}
	if (cur >= 0)
		add_seg(b, &r->segs, &r->nsegs, &b->capseg,
			(evr_seg){ lane, cur, curtask, curcpu, since, end });
	for (int k = 0; k < ntask; k++)
		task_close(b, lane, k, &ts[k], end);
	free(ts);
}

int evr_load(const char *lanes_path, const char *events_path, int64_t end_ns, evr_run *r, char *err,
	     size_t errlen)
{
	event *ev = NULL;
	size_t nev = 0;
	build b = { r, 0, 0, 0, 0 };

	memset(r, 0, sizeof *r);
	if (read_lanes(lanes_path, r, err, errlen) < 0 ||
	    read_events(events_path, r, &ev, &nev, err, errlen) < 0)
		goto fail;
	qsort(ev, nev, sizeof *ev, cmp_event);
	if (end_ns < 0)
		for (size_t i = 0; i < nev; i++)
			end_ns = ev[i].t > end_ns ? ev[i].t : end_ns;
	r->end_ns = end_ns;
	for (size_t i = 0, j; i < r->nlanes; i++) {
		size_t from = 0;
		while (from < nev && ev[from].lane < (int)i)
			from++;
		for (j = from; j < nev && ev[j].lane == (int)i;)
			j++;
		if ((long)(j - from) != r->lanes[i].events) {
			snprintf(err, errlen,
				 "%s: lane %zu has %zu events, %s says %ld (a truncated file?)",
				 events_path, i, j - from, lanes_path, r->lanes[i].events);
			goto fail;
		}
		lane_build(&b, (int)i, ev + from, j - from, end_ns);
	}
	if (b.oom) {
		snprintf(err, errlen, "%s: out of memory", events_path);
		goto fail;
	}
	if (r->tsegs)
		qsort(r->tsegs, r->ntsegs, sizeof *r->tsegs, cmp_tseg);
	free(ev);
	return 0;
fail:
	free(ev);
	evr_free(r);
	return -1;
}

int evr_load_run(const char *dir, const res_run *run, evr_run *r, char *err, size_t errlen)
{
	char lanes[4500], events[4500], tasks[4500], terr[64];
	csv_task *t;
	size_t n;
	double end = isfinite(run->makespan_s) ? run->makespan_s : -1;

	if (evr_paths(dir, run, lanes, events, sizeof lanes) < 0) {
		snprintf(err, errlen, "%s: a tasks/ name too long", dir);
		memset(r, 0, sizeof *r);
		return -1;
	}
	snprintf(tasks, sizeof tasks, "%.*s.csv", (int)(strlen(lanes) - 10), lanes);
	if (csv_read_tasks(tasks, &t, &n, terr, sizeof terr) == 0) {
		double hi = -1;
		for (size_t i = 0; i < n; i++)
			if (isfinite(t[i].end_s) && t[i].end_s > hi)
				hi = t[i].end_s;
		end = hi >= 0 ? hi : end;
		free(t);
	}
	return evr_load(lanes, events, end >= 0 ? (int64_t)llround(end * 1e9) : -1, r, err, errlen);
}

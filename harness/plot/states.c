/*
 * states.c - the state timeline of a run: what each OS thread was doing,
 * drawn as David Beazley drew the GIL (runs recorded with --timeline).
 *
 * One row per OS thread (a lane): green while it runs a task, red while it
 * waits for the GIL, orange while it is ready but has no core, blue while
 * it waits for I/O or a timer, a thin dark band while a loop runs its own
 * code; blank while idle. Under a run, a thin strip in the colour of the
 * CPU it ran on; a small triangle over the row where it handed the GIL
 * on. An event loop is one thread row, and its tasks' own rows sit below
 * it (run, ready, waiting), or, when there are too many for a row each,
 * one band that stacks how many are running, ready and waiting. So the
 * lesson reads at a glance: +gil threads take turns (one green at a time,
 * the others red), plain threads on two cores overlap, a loop is one
 * thread whose tasks interleave. Lost events (a full buffer) are said in
 * the subtitle and marked on the row; nothing is drawn past them.
 */
#include "harness/plot/states.h"
#include "harness/plot/gp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/plot/style.h"
#include "harness/plot/tasks.h"
#include "harness/report/evcount.h"
#include "harness/report/eventsread.h"

#define MAX_ROWS      40 /* rows a slide can read */
#define MAX_TASK_ROWS 16 /* a loop's tasks get a row each up to this */
#define NCPU          16 /* CPUs told apart in the strip */

static const char *const state_color[EVR_NSTATES] = { "#2ca02c", "#d62728", "#ff9f1c", "#6f8fb8",
						      "#333333" };
static const char *const state_title[EVR_NSTATES] = { "running", "waiting for the GIL",
						      "ready, no core / queued",
						      "waiting for I/O or a timer",
						      "loop's own code" };

typedef struct {
	int lane, task; /* task -1: the lane's row; -2: its tasks' summary band */
} row;

/* The rows: each lane, and below a loop lane its tasks or a band. */
static size_t layout(const evr_run *r, row *rows, size_t *lanes_shown)
{
	size_t n = 0;
	*lanes_shown = 0;
	for (size_t l = 0; l < r->nlanes && n < MAX_ROWS; l++) {
		int nt = r->lanes[l].ntasks;
		rows[n++] = (row){ (int)l, -1 };
		(*lanes_shown)++;
		if (r->lanes[l].loop && nt > 0 && nt <= MAX_TASK_ROWS && n + (size_t)nt <= MAX_ROWS)
			for (int k = 0; k < nt; k++)
				rows[n++] = (row){ (int)l, k };
		else if (r->lanes[l].loop && nt > 0 && n < MAX_ROWS)
			rows[n++] = (row){ (int)l, -2 };
	}
	return n;
}

/* The row of (lane, task), or -1 when not shown. */
static int row_of(const row *rows, size_t n, int lane, int task)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].lane == lane && rows[i].task == task)
			return (int)i;
	return -1;
}

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

/* Every segment of state st (lane rows and task rows): one block. */
static size_t seg_block(FILE *f, const evr_run *r, const row *rows, size_t nrows, evr_state st)
{
	size_t k = 0;
	for (int pass = 0; pass < 2; pass++) {
		const evr_seg *v = pass ? r->tsegs : r->segs;
		size_t n = pass ? r->ntsegs : r->nsegs;
		for (size_t i = 0; i < n; i++) {
			int y = row_of(rows, nrows, v[i].lane, pass ? v[i].task : -1);
			if (v[i].state != st || y < 0)
				continue;
			double h = st == EVR_SCHED ? 0.08 : pass ? 0.22 : 0.32;
			if (f)
				fprintf(f, "%.6f %.6f %d %g %d %d %d\n", ms(v[i].t0), ms(v[i].t1),
					y, h, v[i].lane, v[i].task, v[i].cpu);
			k++;
		}
	}
	return k;
}

/* The CPU strip under the run segments of lane rows, CPU cpu. */
static size_t cpu_block(FILE *f, const evr_run *r, const row *rows, size_t nrows, int cpu)
{
	size_t k = 0;
	for (size_t i = 0; i < r->nsegs; i++) {
		const evr_seg *g = &r->segs[i];
		int y = row_of(rows, nrows, g->lane, -1);
		if (g->state == EVR_RUN && g->cpu == cpu && y >= 0) {
			if (f)
				fprintf(f, "%.6f %.6f %g %g %d %d %d\n", ms(g->t0), ms(g->t1),
					y + 0.40, 0.05, g->lane, g->task, cpu);
			k++;
		}
	}
	return k;
}

/* The summary band of loop lane l on row y: stacked counts of tasks
 * running, ready, waiting, as steps. */
static size_t band_block(FILE *f, const evr_run *r, int l, int y)
{
	static const evr_state st[3] = { EVR_RUN, EVR_READY, EVR_IO };
	evc_step *v[3];
	size_t n[3], at[3] = { 0, 0, 0 }, k = 0;
	int cnt[3] = { 0, 0, 0 }, max = 1;
	for (int j = 0; j < 3; j++)
		n[j] = evc_steps(r, l, st[j], &v[j]);
	for (int pass = 0; pass < 2; pass++) {
		memset(at, 0, sizeof at);
		memset(cnt, 0, sizeof cnt);
		double prev[3] = { 0, 0, 0 };
		for (;;) {
			int64_t t = INT64_MAX;
			for (int j = 0; j < 3; j++)
				if (at[j] < n[j] && v[j][at[j]].t < t)
					t = v[j][at[j]].t;
			if (t == INT64_MAX)
				break;
			for (int j = 0; j < 3; j++)
				if (at[j] < n[j] && v[j][at[j]].t == t)
					cnt[j] = v[j][at[j]++].n;
			int tot = cnt[0] + cnt[1] + cnt[2];
			if (!pass) {
				max = tot > max ? tot : max;
				continue;
			}
			/* y grows down: the band rises from y + 0.4 */
			double base = y + 0.4, u = 0.8 / max, c1 = base - cnt[0] * u,
			       c2 = c1 - cnt[1] * u, c3 = c2 - cnt[2] * u;
			if (k && f)
				fprintf(f, "%.6f %g %g %g %g\n", ms(t), base, prev[0], prev[1],
					prev[2]);
			if (f)
				fprintf(f, "%.6f %g %g %g %g\n", ms(t), base, c1, c2, c3);
			prev[0] = c1, prev[1] = c2, prev[2] = c3;
			k++;
		}
	}
	for (int j = 0; j < 3; j++)
		free(v[j]);
	return k ? (size_t)max : 0;
}

/* The subtitle: hand-offs and their spacing, lanes cut, events lost. */
static void note_text(const evr_run *r, size_t shown, char *note, size_t len)
{
	size_t o = 0;
	note[0] = '\0';
	if (r->nmarks > 1) {
		int64_t *t = malloc(r->nmarks * sizeof *t), *d = malloc(r->nmarks * sizeof *d);
		size_t nd = 0;
		for (size_t i = 0; t && d && i < r->nmarks; i++)
			t[i] = r->marks[i].t;
		for (size_t i = 0; t && d && i < r->nmarks; i++) /* insertion: marks are few */
			for (size_t j = i; j > 0 && t[j] < t[j - 1]; j--) {
				int64_t x = t[j];
				t[j] = t[j - 1], t[j - 1] = x;
			}
		for (size_t i = 1; t && d && i < r->nmarks; i++)
			d[nd++] = t[i] - t[i - 1];
		for (size_t i = 0; i < nd; i++)
			for (size_t j = i; j > 0 && d[j] < d[j - 1]; j--) {
				int64_t x = d[j];
				d[j] = d[j - 1], d[j - 1] = x;
			}
		if (nd)
			o += (size_t)snprintf(note + o, len - o,
					      "%zu GIL hand-offs, median %.1f ms apart. ",
					      r->nmarks, ms(d[nd / 2]));
		free(t);
		free(d);
	} else if (r->nmarks) {
		o += (size_t)snprintf(note + o, len - o, "1 GIL hand-off. ");
	}
	if (shown < r->nlanes && o < len)
		o += (size_t)snprintf(note + o, len - o, "First %zu of %zu threads shown. ", shown,
				      r->nlanes);
	for (size_t l = 0; l < r->nlanes && o < len; l++)
		if (r->lanes[l].dropped > 0)
			o += (size_t)snprintf(note + o, len - o,
					      "Lane %zu: %ld events dropped after %.0f ms: buffer "
					      "full. ",
					      l, r->lanes[l].dropped, ms(r->lanes[l].dropped_ns));
	if (!*note)
		snprintf(note, len, "every thread of the run, a row each");
}

/* The y tics: a row's name. */
static void tics(FILE *f, const evr_run *r, const row *rows, size_t n)
{
	fputs("set ytics (", f);
	for (size_t i = 0; i < n; i++) {
		const evr_lane *L = &r->lanes[rows[i].lane];
		fputs(i ? ", " : "", f);
		if (rows[i].task == -1)
			fprintf(f, "\"%s %ld\" %zu", L->loop ? "loop" : "thread", L->tid, i);
		else if (rows[i].task == -2)
			fprintf(f, "\"its %d tasks\" %zu", L->ntasks, i);
		else
			fprintf(f, "\"{/=12 task %d}\" %zu", rows[i].task, i);
	}
	fprintf(f, ") font \",%d\"\n", n > 20 ? 11 : 14);
}

static int states(plot_set *s, size_t m, const res_run *run, const evr_run *r)
{
	char name[PLOT_NAMELEN], part[96], title[200], note[600], *buf, *gbuf;
	size_t len, glen, lanes_shown, nb = 0;
	int blk[EVR_NSTATES + NCPU + 1 + MAX_ROWS];
	row rows[MAX_ROWS];
	size_t nrows = layout(r, rows, &lanes_shown);

	if (!nrows || !(r->nsegs + r->ntsegs))
		return 0;
	plot_name_part(part, sizeof part, s->models[m], PLOT_MODEL_PART);
	snprintf(name, sizeof name, "%sstates_%s", s->prefix, part);
	FILE *f = plot_dat_begin(&buf, &len);
	if (!f)
		return -1;
	fprintf(f,
		"# %s.dat - what each thread of %s did, C = %u, rep %d\n# %s | %s\n"
		"# Times in ms from t0. Blocks (gnuplot `index`), in order: one per state\n"
		"# (run, gil, ready, io, sched), one per CPU (the strip under runs),\n"
		"# the GIL hand-offs, then one per summary band; empty blocks are skipped.\n"
		"# Segments: 1 start, 2 end, 3 row, 4 half height, 5 lane, 6 task, 7 cpu.\n"
		"# Hand-offs: 1 time, 2 row, 3 lane, 4 task. Bands: 1 time, 2 row's base,\n"
		"# 3 top of running, 4 of ready, 5 of waiting (stacked tasks)\n",
		name, run->model, run->concurrency, run->rep, s->what, s->machine);
	/* A block per kind that has data; blk[] says which kind each index is. */
	static const evr_state order[EVR_NSTATES] = { EVR_IO, EVR_SCHED, EVR_GIL, EVR_READY,
						      EVR_RUN }; /* short runs on top */
	for (int o = 0; o < EVR_NSTATES; o++) {
		evr_state st = order[o];
		if (seg_block(NULL, r, rows, nrows, st)) {
			fprintf(f, "%s# state %s\n", nb ? "\n\n" : "", evr_state_name(st));
			seg_block(f, r, rows, nrows, st);
			blk[nb++] = st;
		}
	}
	for (int c = 0; c < NCPU; c++)
		if (cpu_block(NULL, r, rows, nrows, c)) {
			fprintf(f, "%s# CPU %d\n", nb ? "\n\n" : "", c);
			cpu_block(f, r, rows, nrows, c);
			blk[nb++] = EVR_NSTATES + c;
		}
	size_t marks = 0;
	for (size_t i = 0; i < r->nmarks; i++) {
		int y = row_of(rows, nrows, r->marks[i].lane, -1);
		if (y < 0)
			continue;
		if (!marks++)
			fprintf(f, "%s# GIL hand-offs\n", nb ? "\n\n" : "");
		fprintf(f, "%.6f %g %d %d\n", ms(r->marks[i].t), y - 0.42, r->marks[i].lane,
			r->marks[i].task);
	}
	if (marks)
		blk[nb++] = EVR_NSTATES + NCPU;
	for (size_t i = 0; i < nrows; i++)
		if (rows[i].task == -2 && band_block(NULL, r, rows[i].lane, (int)i)) {
			fprintf(f, "%s# band of lane %d\n", nb ? "\n\n" : "", rows[i].lane);
			band_block(f, r, rows[i].lane, (int)i);
			blk[nb++] = EVR_NSTATES + NCPU + 1;
		}
	if (plot_dat_end(s, name, f, &buf, &len) < 0)
		return -1;

	if (!(f = plot_gp_begin(s, name, "state timeline: what each thread did", &gbuf, &glen)))
		return -1;
	snprintf(title, sizeof title, "What each thread did: %s at C = %u (rep %d)", run->model,
		 run->concurrency, run->rep);
	note_text(r, lanes_shown, note, sizeof note);
	plot_gp_head(f, s, title, note);
	double lo = 0;
	for (size_t i = 0; i < r->nsegs; i++)
		lo = fmin(lo, ms(r->segs[i].t0));
	fprintf(f,
		"\nset xlabel \"time since t0 (ms)\"\nunset ylabel\nset xrange [%g:%g]\n"
		"set yrange [%g:-0.6]\nset grid noytics\nset style fill solid 1.0 noborder\n",
		lo, ms(r->end_ns) * 1.02 + 1e-3, nrows - 0.4);
	tics(f, r, rows, nrows);
	for (size_t l = 0; l < r->nlanes; l++) {
		int y = row_of(rows, nrows, (int)l, -1);
		if (r->lanes[l].dropped > 0 && y >= 0)
			fprintf(f,
				"set label \"{/:Bold ✕} %ld events dropped\" at %g, %d left front "
				"tc rgb \"#b00000\"\n",
				r->lanes[l].dropped, ms(r->lanes[l].dropped_ns), y);
	}
	fprintf(f,
		"# The narrowest segment drawn (half of it, ms): a 20 µs run still shows.\n"
		"w = %g\n",
		(ms(r->end_ns) - lo) * 0.0012);
	fputs("# Segments: x from start to end, y the row; thin strips: the CPU;\n"
	      "# the number on a run: its task.\nplot ",
	      f);
	int first = 1, banded = 0;
	static const char *const band_title[3] = { "tasks running", "tasks ready (queued)",
						   "tasks waiting for I/O" };
	for (size_t i = 0; i < nb; i++) {
		size_t b = (size_t)blk[i];
		fputs(first ? "" : ", \\\n     ", f);
		first = 0;
		if (b < EVR_NSTATES) { /* at least w wide, so that a 20 µs run shows */
			fprintf(f,
				"\"%s.dat\" index %zu using (($1+$2)/2):3:(($2-$1)/2 > w ? ($2-$1)/2 "
				": w):4 with boxxyerror lc rgb \"%s\" title \"%s\"",
				name, i, state_color[b], state_title[b]);
			if (b == EVR_RUN) /* the task on runs wide enough for its number */
				fprintf(f,
					", \\\n     \"%s.dat\" index %zu using (($1+$2)/2):3:($2-$1 > 40*w "
					"&& $6 >= 0 && $4 > 0.3 ? sprintf(\"%%d\", $6) : \"\") with labels "
					"tc rgb \"white\" font \",11\" notitle",
					name, i);
		} else if (b < EVR_NSTATES + NCPU)
			fprintf(f,
				"\"%s.dat\" index %zu using (($1+$2)/2):3:(($2-$1)/2):4 with "
				"boxxyerror lc rgb \"%s\" title \"{/=12 ran on CPU %zu}\"",
				name, i, plot_cpu_color((int)(b - EVR_NSTATES)), b - EVR_NSTATES);
		else if (b == EVR_NSTATES + NCPU)
			fprintf(f,
				"\"%s.dat\" index %zu using 1:2 with points pt 11 ps 1.8 lc rgb "
				"\"black\" title \"GIL hand-off\"",
				name, i);
		else /* a band: its colours named once */
			for (int j = 0, named = !banded++; j < 3; j++)
				fprintf(f,
					"%s\"%s.dat\" index %zu using 1:%d:%d with filledcurves lc "
					"rgb \"%s\" %s%s%s",
					j ? ", \\\n     " : "", name, i, j + 2, j + 3,
					state_color[j ? j + 1 : 0], named ? "title \"" : "notitle",
					named ? band_title[j] : "", named ? "\"" : "");
	}
	fputc('\n', f);
	return plot_gp_end(s, name, f, &gbuf, &glen);
}

int plot_states(plot_set *s)
{
	for (size_t m = 0; m < s->nmodels; m++) {
		const res_run *run = plot_timeline_run(s, m);
		char err[512];
		evr_run r;
		if (!run || !evr_has(s->dir, run))
			continue;
		if (evr_load_run(s->dir, run, &r, err, sizeof err) < 0) {
			fprintf(s->diag, "concbench: no state timeline for %s: %s\n", run->model,
				err);
			continue;
		}
		int rc = states(s, m, run, &r);
		evr_free(&r);
		if (rc < 0)
			return -1;
	}
	return 0;
}

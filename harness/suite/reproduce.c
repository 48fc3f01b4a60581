/*
 * reproduce.c - `concbench reproduce`: run every suite (trial.c), then write
 * OUT/reproduce/<stamp>/REPORT.md: one table row per claim, with links to
 * the charts (relative to the report) that show it, and the decision
 * matrices; above them the context the figures were measured in (machine,
 * kernel, load, build, date, size). An interrupted run writes the report of
 * the suites that finished, marked partial.
 */
#define _GNU_SOURCE
#include "harness/suite/reproduce.h"

#include <dirent.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>

#include "harness/report/report.h"
#include "harness/run/meta.h"
#include "harness/run/metric.h"
#include "harness/suite/verdict_text.h"

#if defined(__has_include) && __has_include("buildinfo.h")
#include "buildinfo.h"
#endif
#ifndef CB_GIT
#define CB_GIT "unknown"
#define CB_CC  "unknown"
#endif
#if defined(__GNUC__) && !defined(__clang__)
#define REPRODUCE_COMPILER "gcc " __VERSION__
#else
#define REPRODUCE_COMPILER __VERSION__
#endif

/* A Markdown table cell: no '|' or newline. */
static void cell(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

/* Path of `to` relative to directory `from`; both relative to the same cwd
 * or both absolute. */
static void relpath(char *out, size_t len, const char *from, const char *to)
{
	char a[PATH_MAX], b[PATH_MAX];
	if (!realpath(from, a) || !realpath(to, b)) {
		snprintf(out, len, "%s", to);
		return;
	}
	size_t i = 0, common = 0;
	while (a[i] && a[i] == b[i]) {
		if (a[i] == '/')
			common = i;
		i++;
	}
	if (!a[i] && (b[i] == '/' || !b[i]))
		common = i;
	size_t o = 0;
	out[0] = 0;
	for (const char *p = a + common; *p; p++)
		if (*p == '/')
			o += (size_t)snprintf(out + o, o < len ? len - o : 0, "../");
	snprintf(out + (o < len ? o : len - 1), o < len ? len - o : 1, "%s",
		 b[common] == '/' ? b + common + 1 : b + common);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Links to the files of one chart in dir: CHART.png, or PREFIX_CHART.png for
 * each workload when the sweep ran several (the .svg, .gp or .dat when
 * there is no PNG). A chart of a sweep's only workload is labelled with
 * `what` when that is not "" (a suite of several sweeps). Returns how many
 * links it wrote; `before` links came before it on the line. */
static int chart_links(FILE *f, const char *dir, const char *chart, const char *what,
		       const char *report_dir, int before)
{
	static const char *const ext[] = { ".png", ".svg", ".gp", ".dat" };
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	char *names[256];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < sizeof names / sizeof *names)
		if (strstr(e->d_name, chart) && (names[n] = strdup(e->d_name)))
			n++;
	closedir(d);
	qsort(names, n, sizeof *names, cmp_name);
	int links = 0;
	size_t clen = strlen(chart);
	char done[64][128];
	int ndone = 0;
	for (size_t x = 0; x < sizeof ext / sizeof *ext; x++)
		for (size_t i = 0; i < n; i++) {
			size_t len = strlen(names[i]), el = strlen(ext[x]);
			if (len < clen + el || strcmp(names[i] + len - el, ext[x]) != 0 ||
			    strncmp(names[i] + len - el - clen, chart, clen) != 0)
				continue;
			size_t plen = len - el - clen; /* "" or "PREFIX_" */
			if (plen && names[i][plen - 1] != '_')
				continue;
			char stem[128];
			snprintf(stem, sizeof stem, "%.*s", (int)(len - el), names[i]);
			int seen = 0;
			for (int k = 0; k < ndone && !seen; k++)
				seen = !strcmp(done[k], stem);
			if (seen || ndone == 64)
				continue;
			snprintf(done[ndone++], sizeof done[0], "%s", stem);
			char path[1200], rel[PATH_MAX];
			snprintf(path, sizeof path, "%s/%s", dir, names[i]);
			relpath(rel, sizeof rel, report_dir, path);
			if (plen)
				fprintf(f, "%s[%s (%.*s)](%s)", before + links ? " " : "", chart,
					(int)plen - 1, names[i], rel);
			else if (*what)
				fprintf(f, "%s[%s (%s)](%s)", before + links ? " " : "", chart,
					what, rel);
			else
				fprintf(f, "%s[%s](%s)", before + links ? " " : "", chart, rel);
			links++;
		}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	return links;
}

/* A row's contrast, as the suite wrote it: "; beats sequential by 30%". */
static void row_contrast_cell(FILE *f, const expr_row *row)
{
	for (int k = 0; k < row->nbeats; k++) {
		fputs(k ? " and " : "; beats ", f);
		cell(f, row->beats[k]);
	}
	if (row->nbeats)
		fprintf(f, " by %.0f%%", row->margin * 100);
	for (int k = 0; k < row->nnotworst; k++) {
		fputs(k ? " nor " : "; not worst: ", f);
		cell(f, row->notworst[k]);
	}
}

/* The decision matrices: per row, every model's figure beside the best. */
static void report_matrices(FILE *f, const suite *suites, const trial_outcome *outcomes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const suite *s = &suites[i];
		if (!s->nrows)
			continue;
		fprintf(f, "\n## Decision matrix (%s)\n\n", s->name);
		cell(f, s->claim);
		fputs("\n\n| workload class | measured | the claim's choice | best | every model (× the "
		      "best) | verdict |\n|---|---|---|---|---|---|\n",
		      f);
		for (int r = 0; r < s->nrows; r++) {
			const expr_row *row = &s->rows[r];
			const verdict_mx *m = &outcomes[i].mx[r];
			fputs("| ", f);
			cell(f, row->label);
			fprintf(f, " | %s of %s at C=%u | ", metric_name(row->term.metric),
				row->term.workload[0] ? row->term.workload : "the workload", m->c);
			for (int k = 0; k < row->nchoice; k++) {
				fputs(k ? " or " : "", f);
				cell(f, row->choice[k]);
			}
			fprintf(f, " (within %.0f%%", row->within * 100);
			row_contrast_cell(f, row);
			fputs(") | ", f);
			cell(f, m->n ? m->m[0].model : "-");
			fputs(" | ", f);
			for (int k = 0; k < m->n; k++) {
				char v[160], val[48];
				metric_format(row->term.metric, m->m[k].value, val, sizeof val);
				snprintf(v, sizeof v, "%s%s %s (%.2f)", k ? ", " : "",
					 m->m[k].model, val, m->m[k].value / m->m[0].value);
				cell(f, v);
			}
			fprintf(f, " | **%s**: ", verdict_name(m->v));
			cell(f, m->msg);
			fputs(" |\n", f);
		}
	}
}

void reproduce_context_line(char *buf, size_t len, const suite *suites,
			    const trial_outcome *outcomes, size_t n)
{
	double lo = NAN, hi = NAN;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		double e = outcomes[i].eff_cores;
		if (isnan(e))
			continue;
		if (isnan(lo) || e < lo)
			lo = e, at = i;
		if (isnan(hi) || e > hi)
			hi = e;
	}
	if (isnan(lo))
		snprintf(buf, len, "effective parallelism: not measured");
	else
		snprintf(buf, len,
			 "effective parallelism: %.2f to %.2f of %d cores delivered in the checks "
			 "around the sweeps (fewest during %s)",
			 lo, hi, meta_cores(), suites[at].name);
}

/* The first line of /proc/loadavg's three averages, or "unknown". */
static void loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");
	double a, b, c;
	if (f && fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
		snprintf(buf, len, "%.2f %.2f %.2f (1, 5, 15 min)", a, b, c);
	else
		snprintf(buf, len, "unknown");
	if (f)
		fclose(f);
}

/* The context the figures were measured in, as a list. */
static void report_context(FILE *f, int quick, const suite *suites, const trial_outcome *outcomes,
			   size_t n)
{
	char cpu[256], load[96], par[256], date[64];
	struct utsname u;
	time_t now = time(NULL);
	struct tm tm;
	if (!meta_cpu_model(cpu, sizeof cpu))
		snprintf(cpu, sizeof cpu, "unknown CPU");
	for (size_t l = strlen(cpu); l && cpu[l - 1] == ' '; l--)
		cpu[l - 1] = 0;
	if (uname(&u) < 0) {
		memset(&u, 0, sizeof u);
		snprintf(u.sysname, sizeof u.sysname, "unknown");
	}
	loadavg(load, sizeof load);
	reproduce_context_line(par, sizeof par, suites, outcomes, n);
	if (!gmtime_r(&now, &tm) || !strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(date, sizeof date, "unknown");
	fprintf(f, "## Context\n\n");
	fprintf(f, "- machine: %s, %d cores\n", cpu, meta_cores());
	fprintf(f, "- %s\n", par);
	fprintf(f, "- load average: %s, when the report was written\n", load);
	fprintf(f, "- kernel: %s %s %s\n", u.sysname, u.release, u.machine);
	fprintf(f, "- concbench %s, git %s, built with %s (%s)\n", CB_VERSION, CB_GIT, CB_CC,
		REPRODUCE_COMPILER);
	fprintf(f, "- date: %s\n", date);
	fprintf(f, "- size: %s\n\n", quick ? "quick (--quick)" : "full");
}

void reproduce_report(FILE *f, const suite *suites, const trial_outcome *outcomes, size_t n,
		      size_t total, const char *report_dir, int quick)
{
	size_t count[VERDICT_N] = { 0 };
	char counts[160];
	for (size_t i = 0; i < n; i++)
		count[outcomes[i].v]++;
	verdict_text_counts(counts, sizeof counts, count, "claims");
	fprintf(f, "# concbench reproduce%s\n\n", quick ? " --quick" : "");
	if (n < total)
		fprintf(f, "**partial: interrupted after %zu of %zu suites**\n\n", n, total);
	report_context(f, quick, suites, outcomes, n);
	fprintf(f, "%s (n/a: not applicable on this machine, %d cores).\n\n", counts, meta_cores());
	fprintf(f, "| id | claim | source | book | ours | expectation | verdict | charts |\n");
	fprintf(f, "|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		const suite *s = &suites[i];
		const trial_outcome *o = &outcomes[i];
		fputs("| ", f);
		cell(f, s->name);
		fputs(" | ", f);
		cell(f, s->claim);
		fputs(" | ", f);
		cell(f, s->source[0] ? s->source : "-");
		fputs(" | ", f);
		cell(f, s->book[0] ? s->book : "-");
		fputs(" | ", f);
		for (int k = 0; k < s->nex; k++) {
			char v[96];
			verdict_text_ratio(v, sizeof v, &o->res[k], &s->ex[k]);
			fprintf(f, "%s%s", k ? "<br>" : "", v);
		}
		for (int k = 0; k < s->nrows; k++) {
			fprintf(f, "%sbest: ", k || s->nex ? "<br>" : "");
			cell(f, o->mx[k].n ? o->mx[k].m[0].model : "n/a");
		}
		fputs(" | ", f);
		for (int k = 0; k < s->nex; k++) {
			char e[SUITE_TEXT + 64];
			snprintf(e, sizeof e, "%s`%s`", k ? "<br>" : "", s->ex[k].text);
			cell(f, e);
		}
		for (int k = 0; k < s->nrows; k++) {
			char e[SUITE_TEXT + 64];
			snprintf(e, sizeof e, "%s`%s`", k || s->nex ? "<br>" : "", s->rows[k].text);
			cell(f, e);
		}
		fputs(" | ", f);
		fprintf(f, "**%s**", verdict_name(o->v));
		for (int k = 0; k < s->nex; k++)
			if (o->res[k].v != VERDICT_REPRODUCED) {
				fputs("<br>", f);
				cell(f, verdict_name(o->res[k].v));
				fputs(": ", f);
				cell(f, o->res[k].msg);
			}
		for (int k = 0; k < s->nrows; k++)
			if (o->mx[k].v != VERDICT_REPRODUCED) {
				fputs("<br>", f);
				cell(f, verdict_name(o->mx[k].v));
				fputs(": ", f);
				cell(f, o->mx[k].msg);
			}
		fputs(" | ", f);
		int links = 0;
		for (int d = 0; d < o->ndirs; d++) {
			for (int k = 0; k < s->ncharts; k++)
				links += chart_links(f, o->dir[d], s->charts[k],
						     o->ndirs > 1 ? o->what[d] : "", report_dir,
						     links);
			char rel[PATH_MAX];
			relpath(rel, sizeof rel, report_dir, o->dir[d]);
			fprintf(f, "%s[results](%s/results.csv)", links++ ? " " : "", rel);
		}
		if (!links)
			fputs("-", f);
		fputs(" |\n", f);
	}
	fprintf(f, "\nEach figure in \"ours\" is the measured ratio of the expectation beside it, "
		   "with its 95 %% bootstrap interval over the reps in brackets; "
		   "a suite's expectations and the reasons behind them are in its suite file "
		   "(concbench list suites).\n");
	report_matrices(f, suites, outcomes, n);
}

/* Write out_root/reproduce/<stamp>/REPORT.md for the first n of total
 * suites and print it to out. 0, or 1 when it cannot be written. */
static int write_report(const suite *suites, const trial_outcome *o, size_t n, size_t total,
			int quick, const char *out_root, FILE *out, FILE *diag)
{
	char err[512];
	rep_dir *d = rep_open(out_root, "reproduce", err, sizeof err);
	if (!d) {
		fprintf(diag, "concbench: %s\n", err);
		return 1;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&text, &len);
	if (!mf) {
		fprintf(diag, "concbench: out of memory\n");
		rep_close(d);
		return 1;
	}
	reproduce_report(mf, suites, o, n, total, rep_path(d), quick);
	fclose(mf);
	int rc = 0;
	if (rep_write_text(d, "REPORT.md", text, len) < 0 || rep_finish(d) < 0) {
		fprintf(diag, "concbench: %s\n", rep_error(d));
		rc = 1;
	}
	fprintf(out, "\n%s\nreport: %s/REPORT.md\n", text, rep_path(d));
	free(text);
	rep_close(d);
	return rc;
}

int reproduce_run(const suite *suites, size_t n, int quick, const char *out_root, int no_plot,
		  volatile sig_atomic_t *stop, FILE *out, FILE *diag)
{
	trial_outcome *o = calloc(n ? n : 1, sizeof *o);
	if (!o) {
		fprintf(diag, "concbench: out of memory\n");
		return 1;
	}
	int rc = 0;
	size_t done = 0, count[VERDICT_N] = { 0 };
	for (; done < n; done++) {
		if (*stop) {
			rc = 130;
			break;
		}
		fprintf(out, "== suite %s (%zu/%zu): %s\n", suites[done].name, done + 1, n,
			suites[done].claim);
		int r = trial_run(&suites[done], quick, out_root, no_plot, stop, out, diag,
				  &o[done]);
		if (r == 2) {
			free(o);
			return r;
		}
		if (r == 130) {
			rc = 130;
			break;
		}
		trial_print(out, &suites[done], &o[done]);
		count[o[done].v]++;
		if (o[done].v == VERDICT_NOT_REPRODUCED)
			rc = 1;
	}
	/* interrupted: the report of what finished, marked partial */
	if (rc == 130)
		fprintf(diag,
			"concbench: interrupted after %zu of %zu suites; writing the "
			"report of those\n",
			done, n);
	if (write_report(suites, o, done, n, quick, out_root, out, diag) && rc != 130)
		rc = 1;
	char counts[160];
	verdict_text_counts(counts, sizeof counts, count, "claims");
	fprintf(out, "%s\n", counts);
	free(o);
	return rc;
}

/*
 * reproduce.c - run a suite and judge it; run them all and write REPORT.md.
 *
 * A suite's sweep goes to OUT/<suite name>/<stamp>/ like any run (the suite
 * column holds the suite's name); its results.csv is read back and the
 * expectations are evaluated on it. `reproduce` runs every suite, then
 * writes OUT/reproduce/<stamp>/REPORT.md: one table row per claim, with
 * links to the charts (relative to the report) that show it.
 */
#define _GNU_SOURCE
#include "reproduce.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csvread.h"
#include "meta.h"
#include "report.h"
#include "runopts.h"
#include "sweep.h"

int suite_run(const suite *s, int quick, const char *out_root, int no_plot,
	      volatile sig_atomic_t *stop, FILE *out, FILE *diag, suite_outcome *o)
{
	memset(o, 0, sizeof *o);
	o->v = V_NA;
	char buf[SUITE_TEXT + 16], *words[64];
	char *argv[70];
	int n = suite_words(quick ? s->quick : s->full, buf, sizeof buf, words, 64);
	if (n < 0) {
		fprintf(diag, "concbench: %s: bad %s line\n", s->file, quick ? "quick" : "full");
		return 2;
	}
	/* results.json's command line: the equivalent `concbench run`. */
	argv[0] = "concbench";
	argv[1] = "run";
	for (int i = 0; i < n; i++)
		argv[i + 2] = words[i];
	argv[n + 2] = NULL;
	sweep_cfg cfg = { .out_root = out_root, .stop = stop, .argc = n + 2, .argv = argv };
	wl_spec wls[RUNOPTS_MAX_WL];
	char err[512];
	if (runopts_parse(n + 1, argv + 1, &cfg, wls, err, sizeof err) != 0) {
		fprintf(diag, "concbench: %s: %s: %s\n", s->file, quick ? "quick" : "full", err);
		return 2;
	}
	cfg.name = s->name;
	cfg.suite = s->name;
	cfg.out_root = out_root;
	cfg.no_plot = cfg.no_plot || no_plot;
	/* getopt permuted argv; the context records it as it now stands */
	o->sweep_rc = sweep_run(&cfg, out, diag);
	runopts_free(&cfg);
	if (o->sweep_rc == 2 || o->sweep_rc == 130) {
		for (int i = 0; i < s->nex; i++) {
			o->res[i] = (ex_result){ .v = V_NA, .value = NAN };
			snprintf(o->res[i].msg, sizeof o->res[i].msg, "the sweep did not finish");
		}
		return o->sweep_rc;
	}
	char latest[1024], target[512];
	snprintf(latest, sizeof latest, "%s/%s/latest", out_root, s->name);
	ssize_t l = readlink(latest, target, sizeof target - 1);
	res_run *runs = NULL;
	size_t nruns = 0;
	if (l > 0) {
		target[l] = 0;
		if (snprintf(o->dir, sizeof o->dir, "%s/%s/%s", out_root, s->name, target) >=
		    (int)sizeof o->dir)
			o->dir[0] = 0;
		char csv[1100];
		snprintf(csv, sizeof csv, "%s/results.csv", o->dir);
		if (csv_read_results(csv, &runs, &nruns, err, sizeof err) < 0) {
			fprintf(diag, "concbench: %s\n", err);
			runs = NULL;
			nruns = 0;
		}
	} else {
		fprintf(diag, "concbench: %s: %s\n", latest, strerror(errno));
	}
	o->v = suite_eval(s, runs, nruns, meta_cores(), o->res);
	free(runs);
	return 0;
}

void suite_print(FILE *f, const suite *s, const suite_outcome *o)
{
	fprintf(f, "\n%s: %s\n", s->name, s->claim);
	if (s->book[0])
		fprintf(f, "  book: %s\n", s->book);
	for (int i = 0; i < s->nex; i++)
		fprintf(f, "  [%s] %s: %s%s%s\n", verdict_name(o->res[i].v), s->ex[i].text,
			o->res[i].msg, s->ex[i].why[0] ? " -- " : "", s->ex[i].why);
	fprintf(f, "%s: %s\n", s->name, verdict_name(o->v));
}

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

static int exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

void reproduce_report(FILE *f, const suite *suites, const suite_outcome *outcomes, size_t n,
		      const char *report_dir, int quick)
{
	size_t count[3] = { 0 };
	for (size_t i = 0; i < n; i++)
		count[outcomes[i].v]++;
	fprintf(f, "# concbench reproduce%s\n\n", quick ? " --quick" : "");
	fprintf(f,
		"%zu claims: %zu reproduced, %zu not reproduced, %zu not applicable on this "
		"machine (%d cores).\n\n",
		n, count[V_REPRODUCED], count[V_NOT_REPRODUCED], count[V_NA], meta_cores());
	fprintf(f, "| id | claim | source | book | ours | expectation | verdict | charts |\n");
	fprintf(f, "|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		const suite *s = &suites[i];
		const suite_outcome *o = &outcomes[i];
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
			char v[64];
			if (isnan(o->res[k].value))
				snprintf(v, sizeof v, "n/a");
			else
				snprintf(v, sizeof v, "%.3g", o->res[k].value);
			fprintf(f, "%s%s", k ? "<br>" : "", v);
		}
		fputs(" | ", f);
		for (int k = 0; k < s->nex; k++) {
			char e[SUITE_TEXT + 64];
			snprintf(e, sizeof e, "%s`%s`", k ? "<br>" : "", s->ex[k].text);
			cell(f, e);
		}
		fputs(" | ", f);
		fprintf(f, "**%s**", verdict_name(o->v));
		for (int k = 0; k < s->nex; k++)
			if (o->res[k].v != V_REPRODUCED) {
				fputs("<br>", f);
				cell(f, verdict_name(o->res[k].v));
				fputs(": ", f);
				cell(f, o->res[k].msg);
			}
		fputs(" | ", f);
		int links = 0;
		for (int k = 0; o->dir[0] && k < s->ncharts; k++) {
			static const char *const ext[] = { ".png", ".svg", ".gp", ".dat" };
			for (size_t x = 0; x < sizeof ext / sizeof *ext; x++) {
				char path[1200], rel[PATH_MAX];
				snprintf(path, sizeof path, "%s/%s%s", o->dir, s->charts[k],
					 ext[x]);
				if (!exists(path))
					continue;
				relpath(rel, sizeof rel, report_dir, path);
				fprintf(f, "%s[%s](%s)", links++ ? " " : "", s->charts[k], rel);
				break;
			}
		}
		if (o->dir[0]) {
			char rel[PATH_MAX];
			relpath(rel, sizeof rel, report_dir, o->dir);
			fprintf(f, "%s[results](%s/results.csv)", links ? " " : "", rel);
		} else if (!links)
			fputs("-", f);
		fputs(" |\n", f);
	}
	fprintf(f, "\nEach figure in \"ours\" is the measured ratio of the expectation beside it; "
		   "a suite's expectations and the reasons behind them are in its suite file "
		   "(concbench list suites).\n");
}

int reproduce_run(const suite *suites, size_t n, int quick, const char *out_root, int no_plot,
		  volatile sig_atomic_t *stop, FILE *out, FILE *diag)
{
	suite_outcome *o = calloc(n ? n : 1, sizeof *o);
	if (!o) {
		fprintf(diag, "concbench: out of memory\n");
		return 1;
	}
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "== suite %s (%zu/%zu): %s\n", suites[i].name, i + 1, n,
			suites[i].claim);
		int r = suite_run(&suites[i], quick, out_root, no_plot, stop, out, diag, &o[i]);
		if (r == 2 || r == 130) {
			free(o);
			return r;
		}
		suite_print(out, &suites[i], &o[i]);
		if (o[i].v == V_NOT_REPRODUCED)
			rc = 1;
	}
	char err[512];
	rep_dir *d = rep_open(out_root, "reproduce", err, sizeof err);
	if (!d) {
		fprintf(diag, "concbench: %s\n", err);
		free(o);
		return 1;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mf = open_memstream(&text, &len);
	if (!mf) {
		fprintf(diag, "concbench: out of memory\n");
		rep_close(d);
		free(o);
		return 1;
	}
	reproduce_report(mf, suites, o, n, rep_path(d), quick);
	fclose(mf);
	if (rep_write_text(d, "REPORT.md", text, len) < 0 || rep_finish(d) < 0) {
		fprintf(diag, "concbench: %s\n", rep_error(d));
		rc = 1;
	}
	fprintf(out, "\n%s\nreport: %s/REPORT.md\n", text, rep_path(d));
	free(text);
	rep_close(d);
	free(o);
	return rc;
}

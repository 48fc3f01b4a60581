/*
 * plot.c - `concbench plot DIR`: every chart the results can support.
 *
 *	throughput    tasks/s vs C, a line per model            (needs 2+ C values)
 *	latency       p50 and p99 vs C, two panels              (2+ C values)
 *	speedup       sequential makespan / makespan vs C, with the ideal line
 *	memory        peak RSS vs C (bars per model when the sweep ran one C)
 *	makespan      bars per model at the largest common C, min-max whiskers and
 *	              the limit line (I/O floor or CPU work / cores)
 *	cpu           user+sys CPU and context switches per task at that C
 *	latency_cdf   latency distribution at that C (tasks/, else percentiles)
 *	timeline_M    a Gantt chart per model from tasks/ (--timeline runs)
 *	states_M      what each OS thread did, from tasks/'s state events (states.c)
 *	switch        ns per hand-off, thread (pipe) vs coroutine (yield), when
 *	              the results hold switch workloads (switchcost.c)
 *
 * Beside the charts, trace.json (trace.c): every run's state timeline as
 * Chrome trace-event JSON, when tasks/ holds state events.
 *
 * Each chart is a .dat and a .gp beside the results; gnuplot then runs once
 * per script, in the directory, with no shell between (fork + exec), so a
 * lecturer redraws any chart with the same command. A directory with several
 * workloads gets one set of charts per workload, named PREFIX_CHART: the
 * prefix is the workload's kind, and only when two sets share a kind, the
 * parameters that tell them apart (switch-mode-pipe_makespan); the title
 * carries every parameter. Models are spelled in file names as tasks/ does
 * (timeline_threads+gil), and no name passes about 60 characters.
 */
#define _GNU_SOURCE
#include "harness/plot/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/report/csvread.h"
#include "harness/report/file.h"
#include "harness/plot/bars.h"
#include "harness/plot/loadplot.h"
#include "harness/plot/server.h"
#include "harness/plot/states.h"
#include "harness/plot/sweep.h"
#include "harness/plot/switchcost.h"
#include "harness/plot/tasks.h"
#include "harness/plot/trace.h"

/* Fork and exec gnuplot with argv[1..] in dir; its stdout and stderr come
 * back in out (NUL-terminated, cut at len). Exit status, or -1. */
static int run_gnuplot(const char *gnuplot, const char *dir, const char *arg, char *out, size_t len)
{
	int p[2];
	const char *prog = gnuplot ? gnuplot : "gnuplot";
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0 ||
		    (dir && chdir(dir) < 0))
			_exit(126);
		char *argv[] = { (char *)prog, (char *)arg, NULL };
		if (strchr(prog, '/'))
			execv(prog, argv);
		else
			execvp(prog, argv);
		_exit(127);
	}
	close(p[1]);
	size_t got = 0;
	char sink[512];
	for (;;) {
		char *dst = got + 1 < len ? out + got : sink;
		size_t room = got + 1 < len ? len - 1 - got : sizeof sink;
		ssize_t k = read(p[0], dst, room);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (dst != sink)
			got += (size_t)k;
	}
	close(p[0]);
	if (len)
		out[got < len ? got : len - 1] = '\0';
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int plot_available(const char *gnuplot)
{
	char out[256];
	return run_gnuplot(gnuplot, NULL, "--version", out, sizeof out) == 0 &&
	       strncmp(out, "gnuplot", 7) == 0;
}

/* Every chart for the ok runs of one workload. */
static int draw_set(plot_set *s)
{
	if (plot_server_rows(s)) /* a server sweep: its own charts only */
		return plot_server(s);
	int (*chart[])(
		plot_set *) = { plot_throughput, plot_latency, plot_speedup, plot_memory,
				plot_makespan,   plot_cpu,     plot_cdf,     plot_timelines,
				plot_states };
	for (size_t i = 0; i < sizeof chart / sizeof chart[0]; i++)
		if (chart[i](s) < 0)
			return -1;
	return 0;
}

int plot_scripts(const plot_set *s, const char *gnuplot, FILE *diag)
{
	int drawn = 0;
	char out[4096], gp[PLOT_NAMELEN + 4];
	for (size_t i = 0; i < s->ncharts; i++) {
		snprintf(gp, sizeof gp, "%s.gp", s->charts[i]);
		int rc = run_gnuplot(gnuplot, s->dir, gp, out, sizeof out);
		if (*out)
			fprintf(diag, "concbench: gnuplot %s/%s:\n%s", s->dir, gp, out);
		if (rc == 0)
			drawn++;
		else
			fprintf(diag, "concbench: gnuplot %s/%s failed (exit %d)\n", s->dir, gp,
				rc);
	}
	return drawn;
}

/* Is the k=v pair [p, p+len) one of params' pairs? */
static int has_pair(const char *params, const char *p, size_t len)
{
	for (const char *q = params; *q;) {
		size_t l = strcspn(q, ",");
		if (l == len && strncmp(q, p, len) == 0)
			return 1;
		q += l + (q[l] == ',');
	}
	return 0;
}

/* The file name prefix of the set of row i when the directory holds
 * several: its kind ("null_"), and when other sets share the kind, the
 * k=v pairs that tell it from them ("switch-mode-pipe_"), cut with a hash
 * when long (plot_name_part). */
static void set_prefix(const res_run *all, size_t n, size_t i, char *dst, size_t len)
{
	char diff[sizeof all[i].params] = "", part[48];
	const char *params = all[i].params;
	int shared = 0;
	for (size_t j = 0; j < n; j++)
		shared |= !strcmp(all[j].workload, all[i].workload) &&
			  strcmp(all[j].params, params) != 0;
	for (const char *p = params; shared && *p;) {
		size_t l = strcspn(p, ","), common = 1;
		for (size_t j = 0; j < n && common; j++)
			common = strcmp(all[j].workload, all[i].workload) ||
				 has_pair(all[j].params, p, l);
		if (!common)
			snprintf(diff + strlen(diff), sizeof diff - strlen(diff), "%s%.*s",
				 *diff ? "," : "", (int)l, p);
		p += l + (p[l] == ',');
	}
	plot_name_part(part, sizeof part, all[i].workload, 12);
	snprintf(dst, len, "%s", part);
	if (*diff) {
		plot_name_part(part, sizeof part, diff, PLOT_PARAMS_PART);
		snprintf(dst + strlen(dst), len - strlen(dst), "-%s", part);
	}
	snprintf(dst + strlen(dst), len - strlen(dst), "_");
}

int plot_dir(const char *dir, const char *gnuplot, FILE *diag, char *err, size_t errlen)
{
	char path[4096];
	res_run *all, *ok, *lim;
	size_t n, nok = 0, nlim = 0;
	int drawn = 0, have = plot_available(gnuplot);
	char *taken = NULL;

	if (!diag)
		diag = stderr;
	if (plot_is_load_dir(dir)) /* `concbench load`'s: its own charts */
		return plot_load_dir(dir, gnuplot, diag, err, errlen);
	snprintf(path, sizeof path, "%s/results.csv", dir);
	if (csv_read_results(path, &all, &n, err, errlen) < 0)
		return -1;
	snprintf(path, sizeof path, "%s/results.json", dir);
	char nojson[64]; /* the charts do without it: no message */
	char *json = file_slurp(path, (size_t)1 << 30, NULL, nojson, sizeof nojson);
	ok = malloc((n ? n : 1) * sizeof *ok);
	lim = malloc((n ? n : 1) * sizeof *lim);
	taken = calloc(n ? n : 1, 1);
	plot_set *s = malloc(sizeof *s);
	if (!ok || !lim || !s || !taken) {
		snprintf(err, errlen, "%s: out of memory", dir);
		drawn = -1;
		goto out;
	}
	/* the state timelines of every run recorded with them, for Perfetto */
	if (plot_trace(dir, all, n, diag, err, errlen) < 0) {
		drawn = -1;
		goto out;
	}
	/* several workloads (a suite): one set of charts each */
	int several = 0;
	for (size_t i = 1; i < n; i++)
		several |= strcmp(all[i].workload, all[0].workload) ||
			   strcmp(all[i].params, all[0].params);
	for (size_t i = 0; i <= n; i++) {
		if (i < n && taken[i])
			continue;
		nok = nlim = 0;
		for (size_t j = i; j < n; j++) {
			if (i == n || strcmp(all[j].workload, all[i].workload) ||
			    strcmp(all[j].params, all[i].params))
				continue;
			if (strcmp(all[j].status, "ok") == 0 && all[j].tasks)
				ok[nok++] = all[j];
			else if (!strncmp(all[j].status, "limit:", 6))
				lim[nlim++] = all[j];
			taken[j] = 1;
		}
		memset(s, 0, sizeof *s);
		s->dir = dir;
		s->diag = diag;
		s->err = err;
		s->errlen = errlen;
		int rc;
		if (i == n) { /* across the sets: the cost of one switch */
			for (size_t j = 0; j < n; j++)
				if (!strcmp(all[j].workload, "switch") &&
				    !strcmp(all[j].status, "ok") && all[j].tasks)
					ok[nok++] = all[j];
			if (plot_set_init(s, ok, nok, json) < 0)
				continue;
			rc = plot_switch(s);
		} else {
			if (several)
				set_prefix(all, n, i, s->prefix, sizeof s->prefix);
			if (plot_set_init(s, ok, nok, json) < 0)
				continue; /* no run of it succeeded: nothing to draw */
			s->limits = lim;
			s->nlimits = nlim;
			rc = draw_set(s);
		}
		if (rc < 0) {
			drawn = -1;
			goto out;
		}
		if (have)
			drawn += plot_scripts(s, gnuplot, diag);
	}
	if (!have)
		fprintf(diag,
			"concbench: gnuplot not found: charts not drawn; install it with: "
			"sudo apt-get install gnuplot-nox (then: concbench plot %s)\n",
			dir);
out:
	free(taken);
	free(s);
	free(ok);
	free(lim);
	free(json);
	free(all);
	return drawn;
}

/*
 * data.c - the numbers behind the charts: one workload's runs grouped
 * by model and concurrency, their medians and ranges, and the machine they
 * ran on (from results.json's context).
 *
 * Charts show the median over reps, with the min..max range where a chart
 * has room for it: with few reps a mean is pulled by one noisy run, a median
 * is not. Only runs with status "ok" count; a failed run has no honest time.
 */
#include "harness/plot/data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/plot/style.h"
#include "harness/run/meta.h"
#include "harness/run/stats.h"

size_t plot_stat(const plot_set *s, size_t m, unsigned c, metric_id get, double *med, double *min,
		 double *max)
{
	double v[256];
	size_t k = 0;
	for (size_t i = 0; i < s->n && k < 256; i++) {
		const res_run *r = &s->runs[i];
		if (strcmp(r->model, s->models[m]) != 0 || (c && r->concurrency != c))
			continue;
		double x = metric_value(get, r);
		if (isfinite(x))
			v[k++] = x;
	}
	*med = stats_median(v, k); /* sorts v */
	*min = k ? v[0] : NAN;
	*max = k ? v[k - 1] : NAN;
	return k;
}

double plot_min_median(const plot_set *s, unsigned c, metric_id get)
{
	double lo = INFINITY, md, a, b;
	for (size_t m = 0; m < s->nmodels; m++)
		if (plot_stat(s, m, c, get, &md, &a, &b))
			lo = fmin(lo, md);
	return lo;
}

int plot_has(const plot_set *s, size_t m, unsigned c, metric_id get)
{
	double a, b, d;
	return plot_stat(s, m, c, get, &a, &b, &d) > 0;
}

double plot_seq_makespan(const plot_set *s, unsigned c)
{
	double med = NAN, lo, hi;
	for (size_t m = 0; m < s->nmodels; m++) {
		if (strcmp(s->models[m], "sequential") != 0)
			continue;
		if (!plot_stat(s, m, c, METRIC_MAKESPAN, &med, &lo, &hi))
			plot_stat(s, m, 0, METRIC_MAKESPAN, &med, &lo, &hi);
	}
	return med;
}

unsigned plot_kind_nth(const plot_set *s, size_t m)
{
	size_t klen = strcspn(s->models[m], ":+");
	int g = plot_is_gil(s->models[m]);
	unsigned nth = 0;
	for (size_t i = 0; i < m; i++) /* threads and threads+gil are both first */
		nth += strcspn(s->models[i], ":+") == klen &&
		       strncmp(s->models[i], s->models[m], klen) == 0 &&
		       plot_is_gil(s->models[i]) == g;
	return nth;
}

int plot_one_core(const char *model)
{
	static const char *const one[] = { "sequential", "select", "poll", "epoll",
					   "uring",      "uv",     "coro" };
	size_t klen = strcspn(model, ":+");
	const char *loops = strstr(model, "loops=");
	if (loops && (loops[-1] == ':' || loops[-1] == ',') && atoi(loops + 6) > 1)
		return 0; /* a loop per core (epoll:loops=2) uses them all */
	for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
		if (strlen(one[i]) == klen && strncmp(one[i], model, klen) == 0)
			return 1;
	return plot_is_gil(model);
}

void plot_name_part(char *dst, size_t len, const char *s, size_t max)
{
	size_t n = strlen(s), i = 0;
	if (max + 1 > len)
		max = len - 1;
	/* the characters tasks/ file names keep (report/rows.c), so a model
	 * is spelled one way in every file name */
	for (; s[i] && i < max; i++) {
		char c = s[i];
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || strchr("._+-", c);
		dst[i] = keep ? c : '-';
	}
	dst[i] = '\0';
	if (n > max && max > 8) { /* cut, with a hash of the whole: still distinct */
		unsigned h = 2166136261u;
		for (size_t k = 0; k < n; k++)
			h = (h ^ (unsigned char)s[k]) * 16777619u;
		snprintf(dst + max - 7, len - (max - 7), "-%06x", h & 0xffffff);
	}
}

plot_mem plot_memory_metric(const plot_set *s)
{
	/* METRIC_RSS is the whole run's memory (rss_sum_kib, sampled over its
	 * processes) where the results have it; older results have only the
	 * largest process's peak, and then the chart says so. */
	int sums = s->n > 0, procs = 0;
	for (size_t i = 0; i < s->n; i++)
		sums &= s->runs[i].rss_sum_kib > 0;
	if (sums)
		return (plot_mem){ METRIC_RSS, "memory of the whole run (MiB, all its processes)",
				   "memory of the whole run (rss_sum_kib: every process, "
				   "shared pages once)",
				   "" };
	for (size_t m = 0; m < s->nmodels; m++)
		procs |= !strncmp(s->models[m], "fork", 4) || !strncmp(s->models[m], "prefork", 7);
	return (plot_mem){ METRIC_RSS, "peak RSS of the largest process (MiB)",
			   "peak RSS of the run's largest process (max_rss_kib)",
			   procs ? "fork, prefork: one process's peak, not the sum over the run's "
				   "processes"
				 : "" };
}

const char *plot_time_unit(double max, double *scale)
{
	if (max < 1e-3) {
		*scale = 1e6;
		return "µs";
	}
	if (max < 1) {
		*scale = 1e3;
		return "ms";
	}
	*scale = 1;
	return "s";
}

/* ---- context: a few keys of results.json ---- */

/* The value after "key": in the context object, or NULL. The context's
 * keys are unique in the file and come before "runs", whose objects only
 * hold CSV column names, so a search bounded by "runs" is enough. */
static const char *ctx_find(const char *json, const char *key)
{
	char pat[64];
	const char *ctx = json ? strstr(json, "\"context\"") : NULL;
	if (!ctx)
		return NULL;
	const char *end = strstr(ctx, "\"runs\"");
	snprintf(pat, sizeof pat, "\"%s\"", key);
	const char *p = strstr(ctx, pat);
	if (!p || (end && p > end))
		return NULL;
	p += strlen(pat);
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	if (*p++ != ':')
		return NULL;
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static int ctx_str(const char *json, const char *key, char *buf, size_t len)
{
	const char *p = ctx_find(json, key);
	size_t k = 0;
	if (!p || *p != '"' || len == 0)
		return -1;
	for (p++; *p && *p != '"' && k + 1 < len; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			if (*p == 'u') { /* rare in a CPU name: keep it simple */
				buf[k++] = '?';
				for (int d = 0; d < 4 && p[1]; d++)
					p++;
				continue;
			}
		}
		if (*p == ' ' && (k == 0 || buf[k - 1] == ' '))
			continue; /* "Xeon      " padding: one blank at most */
		buf[k++] = *p;
	}
	while (k && buf[k - 1] == ' ')
		k--;
	buf[k] = '\0';
	return k ? 0 : -1;
}

/* The value of key=... in a "k=v,k=v" params text; NaN if absent. */
static double param(const char *params, const char *key)
{
	size_t kl = strlen(key);
	for (const char *p = params; p && *p;) {
		if (strncmp(p, key, kl) == 0 && p[kl] == '=')
			return strtod(p + kl + 1, NULL);
		p = strchr(p, ',');
		p = p ? p + 1 : NULL;
	}
	return NAN;
}

int plot_set_init(plot_set *s, res_run *runs, size_t n, const char *json)
{
	char cpu[128] = "unknown CPU", date[64] = "";
	double cores = NAN;
	const char *p;

	s->runs = runs;
	s->n = n;
	s->nmodels = s->ncs = 0;
	for (size_t i = 0; i < n; i++) {
		size_t m = 0, k = 0;
		while (m < s->nmodels && strcmp(s->models[m], runs[i].model) != 0)
			m++;
		if (m == s->nmodels && m < PLOT_MAXMODELS)
			s->models[s->nmodels++] = runs[i].model;
		while (k < s->ncs && s->cs[k] < runs[i].concurrency)
			k++;
		if ((k == s->ncs || s->cs[k] != runs[i].concurrency) && s->ncs < PLOT_MAXCS) {
			memmove(s->cs + k + 1, s->cs + k, (s->ncs - k) * sizeof s->cs[0]);
			s->cs[k] = runs[i].concurrency;
			s->ncs++;
		}
	}
	s->cstar = 0;
	for (size_t k = s->ncs; k-- > 0 && !s->cstar;) {
		size_t have = 0;
		for (size_t m = 0; m < s->nmodels; m++)
			have += plot_has(s, m, s->cs[k], METRIC_MAKESPAN);
		if (have == s->nmodels)
			s->cstar = s->cs[k];
	}
	s->tasks = n ? runs[0].tasks : 0;
	s->delay_s = n ? param(runs[0].params, "delay_ms") : NAN;
	if (n && !isfinite(s->delay_s) && strcmp(runs[0].workload, "sleep") == 0)
		s->delay_s = param(runs[0].params, "ms");
	s->delay_s /= 1e3;

	if ((p = ctx_find(json, "cores")) && *p >= '1' && *p <= '9')
		cores = strtod(p, NULL);
	s->cores = isfinite(cores) && cores >= 1 ? (int)cores : meta_cores();
	ctx_str(json, "cpu_model", cpu, sizeof cpu);
	if (ctx_str(json, "date", date, sizeof date) == 0 && strlen(date) >= 16) {
		date[10] = ' '; /* 2026-11-22T05:01:11Z -> 2026-11-22 05:01 UTC */
		snprintf(date + 16, sizeof date - 16, " UTC");
	}
	snprintf(s->machine, sizeof s->machine, "%s, %d core%s%s%s", cpu, s->cores,
		 s->cores == 1 ? "" : "s", *date ? ", " : "", date);
	if (n)
		snprintf(s->what, sizeof s->what, "%s%s%s, N = %zu tasks", runs[0].workload,
			 *runs[0].params ? " " : "", runs[0].params, s->tasks);
	return s->nmodels ? 0 : -1;
}

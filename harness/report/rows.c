/*
 * rows.c - one run as a results.csv row, a results.json object and a task
 * timeline CSV; the formats are described in rows.h.
 *
 * Both results files are driven by one column table, so a column added for
 * the CSV cannot be forgotten in the JSON or land in a different order.
 * Everything here writes to a FILE* it is given; where the bytes end up,
 * and how they get there safely, is report.c's business.
 */
#include "harness/report/rows.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "harness/run/metric.h"
#include "harness/run/stats.h"
#include "workloads/workload.h"

/* The columns of results.csv and the keys of a results.json run, in order;
 * one table so the two files cannot drift apart. Append, never insert. */
enum { C_TEXT, C_SIZE, C_UINT, C_INT, C_SEC, C_RATE, C_COUNT, C_HEX, C_RATIO };
static const struct column {
	const char *name;
	int type;
	size_t off, cap;
} cols[] = {
/* clang-format off */
#define COL(f, type) { #f, type, offsetof(res_run, f), sizeof(((res_run *)0)->f) }
	COL(suite, C_TEXT), COL(model, C_TEXT), COL(workload, C_TEXT), COL(params, C_TEXT),
	COL(tasks, C_SIZE), COL(concurrency, C_UINT), COL(rep, C_INT), COL(status, C_TEXT),
	COL(makespan_s, C_SEC), COL(throughput_per_s, C_RATE),
	COL(lat_mean_s, C_SEC), COL(lat_p50_s, C_SEC), COL(lat_p90_s, C_SEC),
	COL(lat_p99_s, C_SEC), COL(lat_max_s, C_SEC),
	COL(svc_mean_s, C_SEC), COL(svc_p50_s, C_SEC), COL(svc_p99_s, C_SEC),
	COL(cpu_user_s, C_SEC), COL(cpu_sys_s, C_SEC),
	COL(ctx_voluntary, C_COUNT), COL(ctx_involuntary, C_COUNT), COL(max_rss_kib, C_COUNT),
	COL(errors, C_SIZE), COL(digest, C_HEX), COL(pace, C_RATIO), COL(rss_sum_kib, C_COUNT),
	COL(host, C_TEXT), COL(concbench_version, C_TEXT), COL(started_utc, C_TEXT),
	COL(rate_requested, C_RATE), COL(client_requests, C_COUNT), COL(client_errors, C_COUNT),
	COL(client_rps, C_RATE), COL(client_p50_s, C_SEC), COL(client_p90_s, C_SEC),
	COL(client_p99_s, C_SEC), COL(client_max_s, C_SEC), COL(body_digest, C_TEXT),
	COL(client_unfinished, C_COUNT), COL(client_idle, C_COUNT),
	COL(client_p99_uncorrected_s, C_SEC), COL(kernel_stack_kib, C_COUNT),
#undef COL
	/* clang-format on */
};
#define NCOLS (sizeof cols / sizeof cols[0])

/* Seconds: fixed point to the ns, trailing zeros dropped; "" if not finite. */
static const char *fmt_s(char *buf, size_t len, double v)
{
	if (!isfinite(v))
		return "";
	snprintf(buf, len, "%.9f", v);
	char *e = buf + strlen(buf);
	while (e > buf && e[-1] == '0')
		*--e = '\0';
	if (e > buf && e[-1] == '.')
		*--e = '\0';
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
	return buf;
}

/* Column c of r as CSV text (not quoted); text columns return r's bytes. */
static const char *cell(const res_run *r, const struct column *c, char *buf, size_t len)
{
	const void *p = (const char *)r + c->off;
	double v;
	long n;

	switch (c->type) {
	case C_TEXT: return p;
	case C_SIZE: snprintf(buf, len, "%zu", *(const size_t *)p); break;
	case C_UINT: snprintf(buf, len, "%u", *(const unsigned *)p); break;
	case C_INT: snprintf(buf, len, "%d", *(const int *)p); break;
	case C_SEC: return fmt_s(buf, len, *(const double *)p);
	case C_RATE:
		v = *(const double *)p;
		snprintf(buf, len, "%.9g", v);
		return isfinite(v) ? buf : "";
	case C_COUNT: /* negative: the runner had no count to give */
		n = *(const long *)p;
		snprintf(buf, len, "%ld", n);
		return n < 0 ? "" : buf;
	case C_HEX: /* the digest: only a run that did its work has one */
		if (strcmp(r->status, "ok") != 0 && !res_slowed(r))
			return "";
		snprintf(buf, len, "%016" PRIx64, *(const uint64_t *)p);
		break;
	case C_RATIO:
		v = *(const double *)p;
		snprintf(buf, len, "%.3f", v);
		return isfinite(v) ? buf : "";
	}
	return buf;
}

/* A text field of at most cap bytes, quoted only when RFC 4180 needs it. */
void rows_csv_text(FILE *f, const char *s, size_t cap)
{
	size_t n = strnlen(s, cap), plain = 0;
	while (plain < n && !strchr(",\"\r\n", s[plain]))
		plain++;
	if (plain == n) {
		fwrite(s, 1, n, f);
		return;
	}
	putc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			putc('"', f);
		putc(s[i], f);
	}
	putc('"', f);
}

int rows_csv_header(FILE *f)
{
	for (size_t i = 0; i < NCOLS; i++)
		fprintf(f, "%s%c", cols[i].name, i + 1 < NCOLS ? ',' : '\n');
	return ferror(f) ? -1 : 0;
}

int rows_csv_row(FILE *f, const res_run *r)
{
	char buf[48];
	for (size_t i = 0; i < NCOLS; i++) {
		const char *s = cell(r, &cols[i], buf, sizeof buf);
		rows_csv_text(f, s, cols[i].type == C_TEXT ? cols[i].cap : sizeof buf);
		putc(i + 1 < NCOLS ? ',' : '\n', f);
	}
	return ferror(f) ? -1 : 0;
}

int rows_json_run(jw *w, const res_run *r)
{
	char buf[48];

	jw_obj_begin(w);
	for (size_t i = 0; i < NCOLS; i++) {
		const struct column *c = &cols[i];
		const void *p = (const char *)r + c->off;
		const char *s = cell(r, c, buf, sizeof buf);
		jw_key(w, c->name);
		if (c->type == C_TEXT)
			jw_strn(w, s, strnlen(s, c->cap));
		else if (!*s)
			jw_null(w); /* as the CSV cell is empty */
		else if (c->type == C_HEX)
			jw_str(w, s);
		else if (c->type == C_SEC || c->type == C_RATE)
			jw_double(w, *(const double *)p);
		else
			jw_raw(w, s); /* an integer, already formatted */
	}
	return jw_obj_end(w);
}

/* ---- the aggregates: one object per group of reps ---- */

static const metric_id agg_metrics[] = { METRIC_MAKESPAN, METRIC_THROUGHPUT, METRIC_P50,
					 METRIC_P99,      METRIC_CPU,        METRIC_RSS };

static void json_spread(jw *w, const char *name, const stats_spread *s)
{
	jw_key(w, name);
	jw_obj_begin(w);
	jw_kv_uint(w, "n", s->n);
	jw_kv_double(w, "median", s->median);
	jw_kv_double(w, "min", s->min);
	jw_kv_double(w, "max", s->max);
	jw_kv_double(w, "mean", s->mean);
	jw_kv_double(w, "stddev", s->stddev);
	jw_kv_double(w, "cv", s->cv);
	jw_kv_uint(w, "outliers", s->outliers);
	jw_obj_end(w);
}

/* One group: the runs runs[idx[0..k)). */
static void json_group(jw *w, const res_run *runs, const size_t *idx, size_t k)
{
	const res_run *key = &runs[idx[0]];
	stats_spread s[sizeof agg_metrics / sizeof agg_metrics[0]];
	for (size_t i = 0; i < sizeof agg_metrics / sizeof agg_metrics[0]; i++)
		stats_spread_runs(runs, idx, k, agg_metrics[i], &s[i]);
	jw_obj_begin(w);
	jw_key(w, "workload");
	jw_strn(w, key->workload, strnlen(key->workload, sizeof key->workload));
	jw_key(w, "params");
	jw_strn(w, key->params, strnlen(key->params, sizeof key->params));
	jw_key(w, "model");
	jw_strn(w, key->model, strnlen(key->model, sizeof key->model));
	jw_kv_uint(w, "concurrency", key->concurrency);
	jw_kv_uint(w, "tasks", key->tasks);
	jw_kv_uint(w, "runs", k);
	size_t ok = 0;
	for (size_t i = 0; i < k; i++)
		ok += strcmp(runs[idx[i]].status, "ok") == 0;
	jw_kv_uint(w, "ok", ok);
	jw_kv_bool(w, "noisy", stats_noisy(&s[0]));
	for (size_t i = 0; i < sizeof agg_metrics / sizeof agg_metrics[0]; i++)
		json_spread(w, metric_name(agg_metrics[i]), &s[i]);
	jw_obj_end(w);
}

int rows_json_aggregates(jw *w, const res_run *runs, size_t n)
{
	/* rep_write() calls this after every run: grouping by sorting keeps
	 * a sweep of thousands of runs from spending seconds here. */
	size_t *order = malloc((n ? n : 1) * sizeof *order);
	size_t *start = malloc((n + 1) * sizeof *start);
	size_t ng = order && start ? stats_group_index(runs, n, order, start) : (size_t)-1;

	jw_arr_begin(w);
	if (ng == (size_t)-1 && !w->err)
		w->err = ENOMEM; /* sticky: the file is not written */
	for (size_t g = 0; g < ng && ng != (size_t)-1; g++)
		json_group(w, runs, order + start[g], start[g + 1] - start[g]);
	free(order);
	free(start);
	return jw_arr_end(w);
}

/* ---- the per-task timeline ---- */

/* Keep [A-Za-z0-9._+-] of at most max bytes of s; anything else becomes '-',
 * so '_' stays free to separate the parts of a file name. */
static void sanitize(char *dst, const char *s, size_t max)
{
	size_t i;
	for (i = 0; i < max && s[i]; i++) {
		char c = s[i];
		int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || strchr("._+-", c);
		dst[i] = keep ? c : '-';
	}
	dst[i] = '\0';
}

/* s (n bytes) as a file-name part of at most max bytes: sanitized, and when
 * longer, its first max - 9 bytes and a hash of the whole ("-1a2b3c4d"), so
 * that names stay short and distinct. */
static void name_part(char *dst, const char *s, size_t n, size_t max)
{
	if (n <= max) {
		sanitize(dst, s, n);
		return;
	}
	sanitize(dst, s, max - 9);
	snprintf(dst + max - 9, 10, "-%08" PRIx64, wl_digest_bytes(s, n) >> 32);
}

#define TASKS_PART 24 /* the most a model or the params take of a tasks/ name */

int rows_tasks_name(const res_run *r, char *buf, size_t len)
{
	char model[TASKS_PART + 1], wl[sizeof r->workload + 1], params[TASKS_PART + 1];

	/* Parameters tell fib:n=27 from fib:n=30; long parts are cut, with a
	 * hash of the whole, so a name stays near 60 characters. */
	name_part(model, r->model, strnlen(r->model, sizeof r->model), TASKS_PART);
	sanitize(wl, r->workload, sizeof r->workload);
	name_part(params, r->params, strnlen(r->params, sizeof r->params), TASKS_PART);
	int n = snprintf(buf, len, "%s_%s%s%s_n%zu_c%u_r%d.csv", model, wl, *params ? "-" : "",
			 params, r->tasks, r->concurrency, r->rep);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int rows_csv_tasks(FILE *f, const model_table *t)
{
	char s[48], e[48];

	fputs("task,submit_s,start_s,end_s,worker,cpu,runs,err\n", f);
	for (size_t i = 0; i < t->n; i++) {
		const model_task *k = &t->task[i];
		unsigned runs = atomic_load(&k->runs);
		if (runs == 0) { /* never started: no times, no lane */
			fprintf(f, "%zu,0,,,,,0,%d\n", i, (int)k->err);
			continue;
		}
		fmt_s(s, sizeof s, (double)(int64_t)(k->start_ns - t->t0_ns) / 1e9);
		fmt_s(e, sizeof e, (double)(int64_t)(k->end_ns - t->t0_ns) / 1e9);
		fprintf(f, "%zu,0,%s,%s,%d,", i, s, e, (int)k->worker);
		if (k->cpu >= 0)
			fprintf(f, "%d", (int)k->cpu);
		fprintf(f, ",%u,%d\n", runs, (int)k->err);
	}
	return ferror(f) ? -1 : 0;
}

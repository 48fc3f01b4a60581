/*
 * check_report.c - a machine check for people and programs (check_report.h).
 *
 * Every row of the table is one figure and, where it will distort a result,
 * the advice: what it does to the figures and what to do about it. The
 * thresholds are deliberately plain (under 90 % of the cores delivered, a
 * load at the core count, a process using a tenth of a core) so the reader
 * can check them against the numbers printed beside them.
 */
#define _GNU_SOURCE /* open_memstream */
#include "harness/run/check_report.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/units.h"

#define CHECK_DELIVERED 0.9 /* of the online cores: less distorts speed-ups */

typedef struct {
	check_row *rows;
	size_t n, max;
} table;

static check_row *row(table *t, const char *item, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A new row with its value; NULL (and nothing added) when the table is full. */
static check_row *row(table *t, const char *item, const char *fmt, ...)
{
	if (t->n >= t->max)
		return NULL;
	check_row *r = &t->rows[t->n++];
	memset(r, 0, sizeof *r);
	snprintf(r->item, sizeof r->item, "%s", item);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->value, sizeof r->value, fmt, ap);
	va_end(ap);
	return r;
}

#define ADVISE(r, ...) ((r) ? (void)snprintf((r)->advice, sizeof(r)->advice, __VA_ARGS__) : (void)0)

static check_row *time_row(table *t, const char *item, double ns)
{
	char b[24];
	return row(t, item, "%s", units_time(ns / 1e9, b, sizeof b));
}

static int starved(const check_result *r)
{
	return r->online > 0 && r->eff_cores < CHECK_DELIVERED * r->online;
}

static int loaded(const check_result *r)
{
	return r->online > 0 && r->load[0] >= r->online;
}

static void rows_cores(table *t, const check_result *r)
{
	check_row *c = row(t, "cores", "%d online, %d allowed", r->online, r->allowed);
	if (r->allowed < r->online)
		ADVISE(c, "this process may use only %d of %d cores (taskset, cgroup)", r->allowed,
		       r->online);
	c = row(t, "cores delivered", "%.2f of %d (%.0f ms spin)", r->eff_cores, r->online,
		r->spin_s * 1e3);
	if (starved(r))
		ADVISE(c,
		       "delivered %.2f of %d cores: another process is using a core; parallel "
		       "speed-ups will be understated",
		       r->eff_cores, r->online);
	c = row(t, "load average", "%.2f %.2f %.2f", r->load[0], r->load[1], r->load[2]);
	if (loaded(r))
		ADVISE(c, "load %.2f >= %d cores: runs will compete for the CPUs", r->load[0],
		       r->online);
	for (int i = 0; i < r->ntop; i++) {
		const check_proc *p = &r->top[i];
		c = row(t, i ? "" : "busiest others", "%.0f%% %s (pid %d)", p->cpu_pct, p->comm,
			p->pid);
		if (p->cpu_pct >= 10)
			ADVISE(c,
			       "%s used %.0f%% of a core during the check: stop it for quiet runs",
			       p->comm, p->cpu_pct);
	}
}

static void rows_costs(table *t, const check_result *r)
{
	time_row(t, "syscall", r->syscall_ns);
	time_row(t, "thread switch", r->switch_ns);
	time_row(t, "thread start+join", r->thread_ns);
	time_row(t, "fork+waitpid", r->fork_ns);
	time_row(t, "epoll_wait(0)", r->epoll_ns);
	check_row *c = time_row(t, "timer resolution", r->timer_res_ns);
	if (r->timer_res_ns > 1000)
		ADVISE(c, "a coarse clock: short tasks' times are rounded to %.0f us",
		       r->timer_res_ns / 1e3);
	char b[24];
	c = row(t, "timer slack", "%s late (1 ms sleep)",
		units_time(r->slack_ns / 1e9, b, sizeof b));
	if (r->slack_ns > 200e3)
		ADVISE(c, "sleeps wake %s late: sleep and I/O workloads take longer than asked", b);
}

static void rows_system(table *t, const check_result *r)
{
	check_row *c = row(t, "cpu governor", "%s", r->governor);
	if (strcmp(r->governor, "performance") && strcmp(r->governor, "unknown"))
		ADVISE(c,
		       "governor %s: the clock ramps up under load (cpupower frequency-set -g "
		       "performance)",
		       r->governor);
	c = row(t, "turbo", "%s", r->turbo);
	if (!strcmp(r->turbo, "on"))
		ADVISE(c, "turbo on: the clock follows heat and load; off gives steadier figures");
	c = row(t, "smt", "%s", r->smt);
	if (!strcmp(r->smt, "on"))
		ADVISE(c, "SMT on: hardware threads share a core; speed-ups past the physical "
			  "cores are smaller");
	c = row(t, "vm.max_map_count", r->max_map_count < 0 ? "unknown" : "%lld", r->max_map_count);
	if (r->max_map_count >= 0 && r->max_map_count < 1000000 && !r->madv_guard)
		ADVISE(c,
		       "max_map_count %lld limits coroutines to ~%lldk (two mappings a stack: "
		       "this kernel lacks MADV_GUARD_INSTALL, so guard pages split the arena; "
		       "or coro:guard=0)",
		       r->max_map_count, r->max_map_count / 2000);
	c = row(t, "ulimit -n", r->nofile < 0 ? "unlimited" : "%lld", r->nofile);
	if (r->nofile >= 0 && r->nofile < 65536)
		ADVISE(c, "ulimit -n %lld caps a run at ~%lld open connections (ulimit -n 65536)",
		       r->nofile, r->nofile);
	c = row(t, "ulimit -u", r->nproc < 0 ? "unlimited" : "%lld", r->nproc);
	if (r->nproc >= 0 && r->nproc < 32768)
		ADVISE(c, "ulimit -u %lld limits threads and processes to %lld", r->nproc,
		       r->nproc);
	row(t, "check took", "%.2f s%s", r->took_s, r->quick ? " (quick)" : "");
}

size_t check_rows(const check_result *r, check_row *rows, size_t max)
{
	table t = { rows, 0, max };
	rows_cores(&t, r);
	rows_costs(&t, r);
	rows_system(&t, r);
	return t.n;
}

void check_print(FILE *f, const check_result *r)
{
	check_row rows[CHECK_ROWS];
	size_t n = check_rows(r, rows, CHECK_ROWS);
	fprintf(f, "%-18s %-30s %s\n", "item", "value", "advice");
	for (size_t i = 0; i < n; i++)
		if (rows[i].advice[0])
			fprintf(f, "%-18s %-30s %s\n", rows[i].item, rows[i].value, rows[i].advice);
		else
			fprintf(f, "%-18s %s\n", rows[i].item, rows[i].value);
}

static void kv_limit(jw *w, const char *key, long long v)
{
	if (v < 0)
		jw_kv_null(w, key);
	else
		jw_kv_int(w, key, v);
}

int check_json(jw *w, const check_result *r)
{
	jw_obj_begin(w);
	jw_kv_bool(w, "quick", r->quick);
	jw_kv_int(w, "cores_online", r->online);
	jw_kv_int(w, "cores_allowed", r->allowed);
	jw_kv_double(w, "effective_cores", r->eff_cores);
	jw_kv_double(w, "spin_s", r->spin_s);
	jw_kv_double(w, "syscall_ns", r->syscall_ns);
	jw_kv_double(w, "thread_switch_ns", r->switch_ns);
	jw_kv_double(w, "thread_start_join_ns", r->thread_ns);
	jw_kv_double(w, "fork_wait_ns", r->fork_ns);
	jw_kv_double(w, "epoll_wait_ns", r->epoll_ns);
	jw_kv_double(w, "timer_resolution_ns", r->timer_res_ns);
	jw_kv_double(w, "timer_slack_ns", r->slack_ns);
	jw_key(w, "load");
	jw_arr_begin(w);
	for (int i = 0; i < 3; i++)
		jw_double(w, r->load[i]);
	jw_arr_end(w);
	jw_key(w, "busiest");
	jw_arr_begin(w);
	for (int i = 0; i < r->ntop; i++) {
		jw_obj_begin(w);
		jw_kv_int(w, "pid", r->top[i].pid);
		jw_kv_str(w, "comm", r->top[i].comm);
		jw_kv_double(w, "cpu_pct", r->top[i].cpu_pct);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_kv_str(w, "governor", r->governor);
	jw_kv_str(w, "turbo", r->turbo);
	jw_kv_str(w, "smt", r->smt);
	kv_limit(w, "max_map_count", r->max_map_count);
	kv_limit(w, "ulimit_nofile", r->nofile); /* null: unlimited */
	kv_limit(w, "ulimit_nproc", r->nproc);
	jw_kv_double(w, "took_s", r->took_s);
	check_row rows[CHECK_ROWS];
	size_t n = check_rows(r, rows, CHECK_ROWS);
	jw_key(w, "advice");
	jw_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		if (rows[i].advice[0])
			jw_str(w, rows[i].advice);
	jw_arr_end(w);
	return jw_obj_end(w);
}

/* Append "; " and a formatted part to buf (always terminated). */
static void part(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	if (used + 2 >= len)
		return;
	if (used)
		used += (size_t)snprintf(buf + used, len - used, "; ");
	va_list ap;
	va_start(ap, fmt);
	if (used < len)
		vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

int check_warning(const check_result *before, const check_result *after, char *buf, size_t len)
{
	char what[384] = "";
	const check_result *c[2] = { before, after };
	const char *when[2] = { "before the sweep", "after it" };
	for (int k = 0; k < 2; k++) {
		int s = c[k] && starved(c[k]), l = c[k] && loaded(c[k]);
		if (s && l)
			part(what, sizeof what,
			     "%s: %.2f of %d cores delivered, load %.2f >= %d cores", when[k],
			     c[k]->eff_cores, c[k]->online, c[k]->load[0], c[k]->online);
		else if (s)
			part(what, sizeof what, "%s: %.2f of %d cores delivered", when[k],
			     c[k]->eff_cores, c[k]->online);
		else if (l)
			part(what, sizeof what, "%s: load %.2f >= %d cores", when[k], c[k]->load[0],
			     c[k]->online);
	}
	if (len)
		buf[0] = '\0';
	if (!what[0])
		return 0;
	snprintf(buf, len,
		 "warning: the machine was busy (%s): parallel speed-ups are understated and "
		 "times inflated (concbench check shows more)",
		 what);
	return 1;
}

/* The check object's JSON text, malloc'd; NULL on failure. */
static char *checks_text(const check_result *before, const check_result *after)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	jw w;
	jw_init(&w, f);
	jw_obj_begin(&w);
	const check_result *c[2] = { before, after };
	const char *key[2] = { "before", "after" };
	for (int k = 0; k < 2; k++) {
		jw_key(&w, key[k]);
		if (c[k])
			check_json(&w, c[k]);
		else
			jw_null(&w);
	}
	jw_obj_end(&w);
	int bad = w.err != 0 || !w.done;
	if (fclose(f) != 0 || bad) {
		free(text);
		return NULL;
	}
	return text;
}

char *check_context(const char *context_json, const check_result *before, const check_result *after)
{
	const char *end = context_json ? strrchr(context_json, '}') : NULL;
	char *chk = end ? checks_text(before, after) : NULL;
	if (!chk)
		return NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f) {
		free(chk);
		return NULL;
	}
	const char *last = end;
	while (last > context_json && strchr(" \t\r\n", last[-1]))
		last--;
	int empty = last > context_json && last[-1] == '{';
	fprintf(f, "%.*s%s\n  \"check\": ", (int)(last - context_json), context_json,
		empty ? "" : ",");
	for (const char *p = chk; *p; p++) /* one level deeper: two more spaces a line */
		if (*p == '\n' && p[1])
			fputs("\n  ", f);
		else
			fputc(*p, f);
	fprintf(f, "\n}\n");
	free(chk);
	return fclose(f) == 0 ? out : (free(out), NULL);
}

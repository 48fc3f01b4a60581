/*
 * metric.c - the table of figures a result row gives, and the one reading of
 * each. A figure the row does not have (a child's rusage that could not be
 * read: -1 in the row) is NaN, so medians and charts skip it.
 */
#include "harness/run/metric.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/report/units.h"

static double makespan(const res_run *r)
{
	return r->makespan_s;
}
static double throughput(const res_run *r)
{
	return r->throughput_per_s;
}
static double p50(const res_run *r)
{
	return r->lat_p50_s;
}
static double p90(const res_run *r)
{
	return r->lat_p90_s;
}
static double p99(const res_run *r)
{
	return r->lat_p99_s;
}
static double lat_max(const res_run *r)
{
	return r->lat_max_s;
}
static double cpu(const res_run *r)
{
	return r->cpu_user_s + r->cpu_sys_s;
}
static double rss(const res_run *r)
{
	/* every process of the run when sampled (older results: the largest) */
	long k = r->rss_sum_kib > 0 ? r->rss_sum_kib : r->max_rss_kib;
	return k < 0 ? NAN : (double)k;
}
static double ctx(const res_run *r)
{
	return r->ctx_voluntary < 0 || r->ctx_involuntary < 0
		       ? NAN
		       : (double)(r->ctx_voluntary + r->ctx_involuntary);
}
static double user_task(const res_run *r)
{
	return r->cpu_user_s / (double)r->tasks;
}
static double sys_task(const res_run *r)
{
	return r->cpu_sys_s / (double)r->tasks;
}
static double vol_task(const res_run *r)
{
	return r->ctx_voluntary >= 0 ? (double)r->ctx_voluntary / (double)r->tasks : NAN;
}
static double invol_task(const res_run *r)
{
	return r->ctx_involuntary >= 0 ? (double)r->ctx_involuntary / (double)r->tasks : NAN;
}

static double req_s(const res_run *r)
{
	return r->client_rps;
}
static double cp50(const res_run *r)
{
	return r->client_p50_s;
}
static double cp99(const res_run *r)
{
	return r->client_p99_s;
}
static double cp99u(const res_run *r)
{
	return r->client_p99_uncorrected_s;
}
static double kstack_conn(const res_run *r)
{
	return r->kernel_stack_kib < 0 ? NAN : (double)r->kernel_stack_kib / (double)r->tasks;
}
static double mem_conn(const res_run *r)
{
	return (rss(r) + (r->kernel_stack_kib > 0 ? (double)r->kernel_stack_kib : 0)) /
	       (double)r->tasks;
}
static double cerrors(const res_run *r)
{
	return r->client_errors < 0 ? NAN : (double)r->client_errors;
}
static double rss_conn(const res_run *r)
{
	return rss(r) / (double)r->tasks; /* a server's N is its connections */
}
static double cpu_req(const res_run *r)
{
	return r->client_requests > 0 ? cpu(r) / (double)r->client_requests : NAN;
}

const metric_info metric_table[METRIC_N] = {
	[METRIC_MAKESPAN] = { "makespan", "s", makespan, 1 },
	[METRIC_THROUGHPUT] = { "throughput", "/s", throughput, 0 },
	[METRIC_P50] = { "p50", "s", p50, 1 },
	[METRIC_P99] = { "p99", "s", p99, 1 },
	[METRIC_CPU] = { "cpu", "s", cpu, 1 },
	[METRIC_RSS] = { "rss", "KiB", rss, 1 },
	[METRIC_CTX] = { "ctx", "", ctx, 1 },
	[METRIC_P90] = { "p90", "s", p90, 1 },
	[METRIC_MAX] = { "max", "s", lat_max, 1 },
	[METRIC_USER_TASK] = { "user_per_task", "s", user_task, 1 },
	[METRIC_SYS_TASK] = { "sys_per_task", "s", sys_task, 1 },
	[METRIC_VOL_TASK] = { "vol_per_task", "", vol_task, 1 },
	[METRIC_INVOL_TASK] = { "invol_per_task", "", invol_task, 1 },
	[METRIC_REQ_S] = { "req_per_s", "/s", req_s, 0 },
	[METRIC_CP50] = { "client_p50", "s", cp50, 1 },
	[METRIC_CP99] = { "client_p99", "s", cp99, 1 },
	[METRIC_CERRORS] = { "client_errors", "", cerrors, 1 },
	[METRIC_RSS_CONN] = { "rss_per_conn", "KiB", rss_conn, 1 },
	[METRIC_CPU_REQ] = { "cpu_per_req", "s", cpu_req, 1 },
	[METRIC_CP99U] = { "client_p99_uncorrected", "s", cp99u, 1 },
	[METRIC_KSTACK_CONN] = { "kstack_per_conn", "KiB", kstack_conn, 1 },
	[METRIC_MEM_CONN] = { "mem_per_conn", "KiB", mem_conn, 1 },
};

const char *metric_name(metric_id m)
{
	return (unsigned)m < METRIC_N ? metric_table[m].name : "?";
}

double metric_value(metric_id m, const res_run *r)
{
	return (unsigned)m < METRIC_N ? metric_table[m].get(r) : NAN;
}

const char *metric_format(metric_id m, double v, char *buf, size_t len)
{
	const char *unit = (unsigned)m < METRIC_N ? metric_table[m].unit : "";
	if (!strcmp(unit, "s"))
		return units_time(v, buf, len);
	if (!strcmp(unit, "/s"))
		return units_rate(v, buf, len);
	if (*unit)
		snprintf(buf, len, v < 100 ? "%.1f %s" : "%.0f %s", v, unit); /* "2048 KiB" */
	else
		snprintf(buf, len, "%.0f", v); /* a count */
	return buf;
}

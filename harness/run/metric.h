/*
 * metric.h - the one table of the figures a result row gives: its name, its
 * unit, how to read it from a res_run, and which way is better. Suite
 * expectations, the charts and the summary table all read it.
 */
#ifndef CB_METRIC_H
#define CB_METRIC_H

#include <stddef.h>

#include "harness/run/result.h"

typedef enum {
	METRIC_MAKESPAN,
	METRIC_THROUGHPUT,
	METRIC_P50,
	METRIC_P99,
	METRIC_CPU, /* user + sys */
	METRIC_RSS,
	METRIC_CTX, /* voluntary + involuntary */
	METRIC_P90,
	METRIC_MAX,       /* the slowest task's latency */
	METRIC_USER_TASK, /* user CPU per task */
	METRIC_SYS_TASK,
	METRIC_VOL_TASK, /* voluntary context switches per task */
	METRIC_INVOL_TASK,
	/* a server run's client side (the load generator) */
	METRIC_REQ_S,      /* requests answered per second */
	METRIC_CP50,       /* request latency, corrected for coordinated omission */
	METRIC_CP99,
	METRIC_CERRORS,    /* requests that failed */
	METRIC_RSS_CONN,   /* the server's memory per connection (rss / N) */
	METRIC_CPU_REQ,    /* the server's CPU per request answered */
	METRIC_CP99U,      /* p99 from the actual send: coordinated omission uncorrected */
	METRIC_KSTACK_CONN, /* kernel stacks the run added, per task (a server: connection) */
	METRIC_MEM_CONN,    /* resident memory and kernel stacks, per task */
	METRIC_N
} metric_id;

typedef struct {
	const char *name;                /* "makespan", as suites write it */
	const char *unit;                /* "s", "/s", "KiB", or "" for a count */
	double (*get)(const res_run *r); /* the row's figure; NaN when it has none */
	int lower_is_better;
} metric_info;

extern const metric_info metric_table[METRIC_N];

/* The metric's name, "?" for an id out of range. */
const char *metric_name(metric_id m);
/* Its figure in row r. */
double metric_value(metric_id m, const res_run *r);
/* A figure for people, by the metric's unit: "3.2 ms", "120/s", "2048 KiB",
 * "17". Returns buf. */
const char *metric_format(metric_id m, double v, char *buf, size_t len);

#endif

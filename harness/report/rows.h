/*
 * rows.h - what one run looks like on disk: a results.csv row, a
 * results.json run object, and a per-task timeline CSV with its file name.
 * report.h writes them into the results directory; it includes this file.
 *
 * results.csv: one header line (rows_csv_header), one row per run, RFC 4180
 * quoting (fields holding a comma, quote, CR or LF are quoted; quotes are
 * doubled), LF line ends. Seconds are decimals with up to 9 places (ns) and
 * no exponent; throughput has 9 significant digits; a figure that does not
 * apply (NaN, or a negative rusage count) is an empty cell; the digest is 16
 * lowercase hex digits for a run that did its work (status "ok" or
 * "slowed: ..."), an empty cell for one that failed. The last columns say
 * where the row came from: host, concbench_version, started_utc.
 *
 * results.json: {"schema": 1, "context": {...}, "runs": [...],
 * "aggregates": [...]}; each run has the CSV columns as keys, numbers as
 * numbers, null where the CSV is empty, and the digest as the same 16-digit
 * hex string (a JSON number cannot hold 64 bits exactly) or null. Each aggregate is
 * one (workload, params, model, concurrency) group in the order the groups
 * first ran: workload, params, model, concurrency, tasks, runs (all reps),
 * ok (reps with status ok), noisy (its makespan is, by stats_noisy), and
 * per figure of makespan, throughput, p50, p99, cpu, rss (metric.h) an
 * object {n, median, min, max, mean, stddev, cv, outliers} over the ok reps
 * (stats.h's stats_spread; null where it has no value).
 *
 * tasks/<model>_<workload>[-<params>]_n<N>_c<C>_r<rep>.csv, when asked:
 * task,submit_s,start_s,end_s,worker,cpu,runs,err with times relative to t0.
 */
#ifndef CB_ROWS_H
#define CB_ROWS_H

#include <stddef.h>
#include <stdio.h>

#include "models/model.h"
#include "harness/report/json.h"
#include "harness/run/result.h"

/* One results.csv row as text columns; 0, or -1 on a write error. */
int rows_csv_header(FILE *f);
/* A text cell of at most cap bytes, quoted only when RFC 4180 needs it
 * (for other CSVs in the project's form: load's results.csv). */
void rows_csv_text(FILE *f, const char *s, size_t cap);
int rows_csv_row(FILE *f, const res_run *r);
/* One run as a JSON object, at wherever w is. */
int rows_json_run(jw *w, const res_run *r);
/* The "aggregates" array of results.json for runs[0..n), at wherever w is. */
int rows_json_aggregates(jw *w, const res_run *runs, size_t n);
/* A run's task table as the tasks/ CSV, header included; 0, or -1 on a
 * write error. */
int rows_csv_tasks(FILE *f, const model_table *t);
/* The file name rep_write_tasks() uses for r (no directory); 0, or -1 if
 * it does not fit in len. */
int rows_tasks_name(const res_run *r, char *buf, size_t len);

#endif

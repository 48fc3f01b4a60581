/*
 * report.h - the results directory, results.csv and results.json.
 *
 * A results directory is results/<name>/<UTC yyyymmdd-hhmmss>/ with a
 * `latest` symlink beside it. The runner opens one per sweep and calls
 * rep_write() after every run: each call rewrites results.csv and
 * results.json whole, through a temp file, fsync and rename, so a crash or
 * Ctrl-C never leaves a half-written file and never loses a finished run.
 *
 * results.csv: one header line (rep_csv_header), one row per run, RFC 4180
 * quoting (fields holding a comma, quote, CR or LF are quoted; quotes are
 * doubled), LF line ends. Seconds are decimals with up to 9 places (ns) and
 * no exponent; throughput has 9 significant digits; a figure that does not
 * apply (NaN, or a negative rusage count) is an empty cell; the digest is 16
 * lowercase hex digits.
 *
 * results.json: {"schema": 1, "context": {...}, "runs": [...]}; each run has
 * the CSV columns as keys, numbers as numbers, null where the CSV is empty,
 * and the digest as the same 16-digit hex string (a JSON number cannot hold
 * 64 bits exactly).
 *
 * tasks/<model>_<workload>[-<params>]_n<N>_c<C>_r<rep>.csv, when asked:
 * task,submit_s,start_s,end_s,worker,cpu,runs,err with times relative to t0.
 */
#ifndef CB_REPORT_H
#define CB_REPORT_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "../models/model.h"
#include "json.h"
#include "result.h"

/* One results.csv row as text columns; 0, or -1 on a write error. */
int rep_csv_header(FILE *f);
int rep_csv_row(FILE *f, const res_run *r);
/* One run as a JSON object, at wherever w is. */
int rep_json_run(jw *w, const res_run *r);

typedef struct rep_dir rep_dir;

/* Create root/name/<UTC stamp of now>/ (root and root/name as needed; a
 * -2, -3 ... suffix when the stamp directory exists). name is one path
 * component. NULL with a message in err on failure. */
rep_dir *rep_open(const char *root, const char *name, char *err, size_t errlen);
/* The same, stamped with `when`: for tests and for resuming. */
rep_dir *rep_open_at(const char *root, const char *name, time_t when, char *err, size_t errlen);
/* The run directory, "results/tour/20250101-120000". */
const char *rep_path(const rep_dir *d);
/* Rewrite results.csv and results.json with runs[0..n). context_json is a
 * JSON object (meta_context_json()), embedded as is; NULL writes {}. */
int rep_write(rep_dir *d, const res_run *runs, size_t n, const char *context_json);
/* Write any other file of the run directory (bench.csv, a chart's .gp or
 * .dat), atomically like the rest. file is a plain name, no '/'. */
int rep_write_text(rep_dir *d, const char *file, const char *text, size_t len);
/* Write tasks/<file>.csv for run r from its task table. */
int rep_write_tasks(rep_dir *d, const res_run *r, const model_table *t);
/* The file name rep_write_tasks() uses for r (no directory); 0, or -1 if
 * it does not fit in len. */
int rep_tasks_name(const res_run *r, char *buf, size_t len);
/* Point root/name/latest at this run directory (a relative symlink). */
int rep_finish(rep_dir *d);
/* The last failure: the path involved and strerror, "" if none. */
const char *rep_error(const rep_dir *d);
void rep_close(rep_dir *d);

#endif

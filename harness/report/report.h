/*
 * report.h - the results directory, results.csv and results.json.
 *
 * A results directory is results/<name>/<UTC yyyymmdd-hhmmss>/ with a
 * `latest` symlink beside it. The runner opens one per sweep and calls
 * rep_write() after every run: each call rewrites results.csv and
 * results.json whole, through a temp file, fsync and rename, so a crash or
 * Ctrl-C never leaves a half-written file and never loses a finished run.
 *
 * What goes in the files, row by row, is in rows.h; this header includes
 * it, so its callers see one API.
 */
#ifndef CB_REPORT_H
#define CB_REPORT_H

#include <stddef.h>
#include <time.h>

#include "harness/report/rows.h"
#include "models/timeline.h"

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
/* Write tasks/<rows_tasks_name()> for run r from its task table and, when
 * tl is not NULL (the run recorded state events), tasks/<run>.lanes.csv and
 * tasks/<run>.events.csv from it (harness/report/tlrows.h). */
int rep_write_tasks(rep_dir *d, const res_run *r, const model_table *t, const tl_buf *tl);
/* Point root/name/latest at this run directory (a relative symlink). */
int rep_finish(rep_dir *d);
/* The last failure: the path involved and strerror, "" if none. */
const char *rep_error(const rep_dir *d);
void rep_close(rep_dir *d);

#endif

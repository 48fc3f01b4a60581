/*
 * csvread.h - read results.csv and the tasks/ CSVs back, for charts and tools.
 *
 * The reader follows RFC 4180 (fields holding a comma, quote, CR or LF are
 * quoted; a quote inside is doubled; CRLF or LF line ends) and looks columns
 * up by their header name, so a file with columns appended later, or in
 * another order, still reads. An empty cell is NaN for a figure and -1 for
 * a count, as rows.c writes them.
 */
#ifndef CB_CSVREAD_H
#define CB_CSVREAD_H

#include <stddef.h>
#include <stdio.h>

#include "harness/run/result.h"

/* A record reader: csv_next() fills field[0..nfield) with NUL-terminated
 * cells that stay valid until the next call. */
typedef struct {
	FILE *f;
	char *buf;
	size_t len, cap;
	char **field;
	size_t nfield, fcap;
	size_t line; /* line number where the current record starts, 1-based */
} csv_reader;

void csv_init(csv_reader *r, FILE *f);
/* 1 with a record, 0 at end of file, -1 on a malformed record (a quote
 * that never closes, text after a closing quote) or out of memory. */
int csv_next(csv_reader *r);
void csv_free(csv_reader *r);
/* A cell as a number: NaN when empty or not wholly a number. */
double csv_num(const char *s);

/* Every row of results.csv at path into a malloc'd array. 0, or -1 with a
 * message naming the file (and line) in err. */
int csv_read_results(const char *path, res_run **runs, size_t *n, char *err, size_t errlen);

/* One row of a tasks/ CSV; times are seconds from t0, NaN when the task
 * never ran (worker and cpu are then -1). */
typedef struct {
	double submit_s, start_s, end_s;
	int worker, cpu;
	unsigned runs;
	int err;
} csv_task;

int csv_read_tasks(const char *path, csv_task **tasks, size_t *n, char *err, size_t errlen);

#endif

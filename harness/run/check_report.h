/*
 * check_report.h - what a machine check (check.h) means for a benchmark: a
 * table of figures with advice where one will distort results (as pyperf's
 * `system show` does), the same as JSON, a one-line warning for a sweep, and
 * the check spliced into a sweep's context.
 */
#ifndef CB_CHECK_REPORT_H
#define CB_CHECK_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "harness/report/json.h"
#include "harness/run/check.h"

#define CHECK_ROWS 24

typedef struct {
	char item[24];
	char value[64];
	char advice[160]; /* "" when the figure distorts nothing */
} check_row;

/* The table's rows for r, at most max; how many were filled. */
size_t check_rows(const check_result *r, check_row *rows, size_t max);
/* The table: item, value, advice. */
void check_print(FILE *f, const check_result *r);
/* r as one JSON object, its advice included. 0, or -1 (w's error). */
int check_json(jw *w, const check_result *r);
/* 1 with a one-line warning in buf when either check (NULL: not taken) saw
 * under 90 % of the online cores delivered or a load at or above the core
 * count, naming the figures; else 0 and buf "". */
int check_warning(const check_result *before, const check_result *after, char *buf, size_t len);
/* context_json (a JSON object) with "check": {"before": ..., "after": ...}
 * added; NULL checks write null. malloc'd, or NULL when out of memory or
 * context_json is no object. */
char *check_context(const char *context_json, const check_result *before,
		    const check_result *after);

#endif

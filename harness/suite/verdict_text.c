/*
 * verdict_text.c - how a verdict's figures are written for a reader: enough
 * digits that a value beside a band edge does not print as the edge, the
 * ratio with its interval, and the count of each verdict.
 */
#include "harness/suite/verdict_text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

void verdict_text_num(char *buf, size_t len, double x, double lo, double hi)
{
	for (int d = 3; d <= 17; d++) {
		snprintf(buf, len, "%.*g", d, x);
		double y = strtod(buf, NULL);
		if (!((y == lo && x != lo) || (y == hi && x != hi)))
			return;
	}
}

void verdict_text_ratio(char *buf, size_t len, const verdict_ex *r, const expr_expect *e)
{
	char v[32], l[32], h[32];
	if (isnan(r->value)) {
		snprintf(buf, len, "n/a");
		return;
	}
	verdict_text_num(v, sizeof v, r->value, e->lo, e->hi);
	verdict_text_num(l, sizeof l, r->lo, e->lo, e->hi);
	verdict_text_num(h, sizeof h, r->hi, e->lo, e->hi);
	snprintf(buf, len, "%s [%s, %s]", v, l, h);
}

void verdict_text_counts(char *buf, size_t len, const size_t *count, const char *noun)
{
	size_t total = 0;
	for (int i = 0; i < VERDICT_N; i++)
		total += count[i];
	snprintf(buf, len, "%zu %s: %zu reproduced, %zu n/a, %zu inconclusive, %zu not reproduced",
		 total, noun, count[VERDICT_REPRODUCED], count[VERDICT_NA],
		 count[VERDICT_INCONCLUSIVE], count[VERDICT_NOT_REPRODUCED]);
}

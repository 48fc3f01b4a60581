/*
 * verdict_text.h - a verdict's figures in text: digits that explain the
 * verdict, the ratio with its interval, and the counts of each verdict.
 */
#ifndef CB_VERDICT_TEXT_H
#define CB_VERDICT_TEXT_H

#include <stddef.h>

#include "harness/suite/expr.h"
#include "harness/suite/verdict.h"

/* x with 3 significant digits, or as many more (up to 17) as it takes not to
 * print a band edge lo or hi that x is not: 0.01003 against 0..0.01 is
 * "0.01003", not "0.01". */
void verdict_text_num(char *buf, size_t len, double x, double lo, double hi);
/* An expectation's figure for a table: "0.334 [0.321, 0.352]" (digits as
 * verdict_text_num's against e's band), or "n/a". */
void verdict_text_ratio(char *buf, size_t len, const verdict_ex *r, const expr_expect *e);
/* "17 claims: 14 reproduced, 2 n/a, 1 inconclusive, 0 not reproduced" from
 * count[VERDICT_N] (indexed by verdict) and the noun of what was counted. */
void verdict_text_counts(char *buf, size_t len, const size_t *count, const char *noun);

#endif

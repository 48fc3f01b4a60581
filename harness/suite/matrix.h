/* matrix.h - a decision-matrix row judged (matrix.c). */
#ifndef CB_MATRIX_H
#define CB_MATRIX_H

#include <stddef.h>

#include "harness/run/result.h"
#include "harness/suite/expr.h"
#include "harness/suite/verdict.h"

/* Evaluate a row: reproduced when a chosen model is the best or within the
 * row's tolerance of it (the tie rule), and the row's contrast holds: it
 * beats each "beats" model by the margin, and no "not worst" model is the
 * worst; n/a when no model has a figure, none of the chosen ones ran, or a
 * "beats" model has no figure. Lower is better, or higher, as the metric
 * table says. */
verdict_mx matrix_row(const expr_row *row, const res_run *runs, size_t n);

#endif

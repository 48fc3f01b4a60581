/*
 * matrix.c - a decision-matrix row: every model's figure for one workload,
 * best first, and whether the claim's choice is the best or tied with it
 * (within the row's tolerance) while the contrast the claim is about holds
 * (it beats the named models by the stated margin; a named model is not the
 * worst).
 */
#include "harness/suite/matrix.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "harness/run/metric.h"
#include "harness/suite/figure.h"

/* The distinct models (as written) among the runs of t's workload. */
static int models_of(const expr_term *t, const res_run *runs, size_t n, char (*out)[64], int max)
{
	int k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!figure_workload_matches(&runs[i], t->workload))
			continue;
		int dup = 0;
		for (int j = 0; j < k && !dup; j++)
			dup = !strcmp(out[j], runs[i].model);
		if (!dup && k < max)
			snprintf(out[k++], 64, "%s", runs[i].model);
	}
	return k;
}

static void row_contrast(const expr_row *row, verdict_mx *r, int pick);

verdict_mx matrix_row(const expr_row *row, const res_run *runs, size_t n)
{
	verdict_mx r = { .v = VERDICT_NA };
	const expr_term *t = &row->term;
	char models[VERDICT_MAX_MODELS][64], why[200];
	int nm = models_of(t, runs, n, models, VERDICT_MAX_MODELS);
	int higher = !metric_table[t->metric].lower_is_better;
	for (int k = 0; k < nm; k++) {
		int failed = 0;
		double v = figure_value(t, models[k], runs, n, &r.c, &failed, why, sizeof why);
		if (isnan(v))
			continue;
		/* insert in order, best first */
		int at = r.n;
		while (at > 0 && (higher ? v > r.m[at - 1].value : v < r.m[at - 1].value)) {
			r.m[at] = r.m[at - 1];
			at--;
		}
		memcpy(r.m[at].model, models[k], sizeof r.m[at].model);
		r.m[at].value = v;
		r.n++;
	}
	if (!r.n) {
		snprintf(r.msg, sizeof r.msg, "no model has a %s figure for %s at C=%u",
			 metric_name(t->metric), t->workload[0] ? t->workload : "the workload",
			 r.c);
		return r;
	}
	/* the chosen model that comes closest to the best */
	double best = r.m[0].value;
	int pick = -1;
	for (int k = 0; k < r.n && pick < 0; k++)
		for (int j = 0; j < row->nchoice; j++)
			if (figure_model_matches(r.m[k].model, row->choice[j], runs, n))
				pick = k;
	char bv[64], pv[64];
	metric_format(t->metric, best, bv, sizeof bv);
	if (pick < 0) {
		snprintf(r.msg, sizeof r.msg, "none of the chosen models ran; the best is %s %s",
			 r.m[0].model, bv);
		return r;
	}
	double off = higher ? best / r.m[pick].value - 1 : r.m[pick].value / best - 1;
	metric_format(t->metric, r.m[pick].value, pv, sizeof pv);
	r.v = off <= row->within + 1e-12 ? VERDICT_REPRODUCED : VERDICT_NOT_REPRODUCED;
	if (pick == 0)
		snprintf(r.msg, sizeof r.msg, "%s %s is the best%s%s%s", r.m[0].model, bv,
			 r.n > 1 ? " (next: " : "", r.n > 1 ? r.m[1].model : "",
			 r.n > 1 ? ")" : "");
	else
		snprintf(r.msg, sizeof r.msg,
			 "%s %s is %.0f%% behind the best, %s %s (allowed: %.0f%%)",
			 r.m[pick].model, pv, off * 100, r.m[0].model, bv, row->within * 100);
	if (r.v == VERDICT_REPRODUCED)
		row_contrast(row, &r, pick);
	return r;
}

/* Where model is among r's figures (best first), or -1: the model as
 * written if it ran, else the first whose name before ':' it is. */
static int rank_of(const verdict_mx *r, const char *model)
{
	for (int k = 0; k < r->n; k++)
		if (!strcmp(r->m[k].model, model))
			return k;
	for (int k = 0; k < r->n; k++)
		if (figure_model_matches(r->m[k].model, model, NULL, 0))
			return k;
	return -1;
}

/* The contrast the claim is about, on a row whose choice is the best or tied
 * with it: the chosen model (at rank pick) beats each named model by the
 * row's margin, and none of the "not worst" models is the worst. The gain
 * over a model is how much more it takes (or less it gives, for a higher-is-
 * better metric): other / chosen - 1. Sets r->v and the message. */
static void row_contrast(const expr_row *row, verdict_mx *r, int pick)
{
	metric_id m = row->term.metric;
	int higher = !metric_table[m].lower_is_better;
	char pv[64], ov[64];
	metric_format(m, r->m[pick].value, pv, sizeof pv);
	for (int j = 0; j < row->nbeats; j++) {
		int k = rank_of(r, row->beats[j]);
		if (k < 0) {
			r->v = VERDICT_NA;
			snprintf(r->msg, sizeof r->msg,
				 "%s has no %s figure, so the contrast (beats "
				 "%s by %.0f%%) cannot be judged",
				 row->beats[j], metric_name(m), row->beats[j], row->margin * 100);
			return;
		}
		double a = r->m[pick].value, b = r->m[k].value;
		double gain = higher ? a / b - 1 : b / a - 1;
		metric_format(m, b, ov, sizeof ov);
		size_t o = strlen(r->msg);
		if (gain + 1e-12 >= row->margin) {
			snprintf(r->msg + o, sizeof r->msg - o, "; beats %s %s by %.0f%%",
				 r->m[k].model, ov, gain * 100);
			continue;
		}
		r->v = VERDICT_NOT_REPRODUCED;
		if (snprintf(r->msg, sizeof r->msg,
			     gain > 0 ? "%s %s beats %s %s by only %.0f%%, the "
					"claim needs %.0f%%"
				      : "%s %s does not beat %s %s (%.0f%%), the "
					"claim needs %.0f%%",
			     r->m[pick].model, pv, r->m[k].model, ov, gain * 100,
			     row->margin * 100) < 0)
			r->msg[0] = 0;
		return;
	}
	for (int j = 0; j < row->nnotworst && r->n > 1; j++) {
		int k = rank_of(r, row->notworst[j]);
		if (k != r->n - 1)
			continue;
		r->v = VERDICT_NOT_REPRODUCED;
		metric_format(m, r->m[k].value, ov, sizeof ov);
		metric_format(m, r->m[0].value, pv, sizeof pv);
		if (snprintf(r->msg, sizeof r->msg, "%s %s is the worst of %d models (best: %s %s)",
			     r->m[k].model, ov, r->n, r->m[0].model, pv) < 0)
			r->msg[0] = 0;
		return;
	}
}

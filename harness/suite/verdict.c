/*
 * verdict.c - evaluation: a term's figure is the median over the ok reps of
 * one model at one concurrency (a median, because one noisy rep on a shared
 * machine should not decide a claim); an expectation is the ratio of two
 * figures, or of one to the workload's delay or a constant, held against
 * its range; a matrix row ranks every model's figure and asks whether the
 * claim's choice is the best or close to it. A model whose runs all failed
 * fails the claim; a figure nobody measured makes it n/a. An expectation's
 * ratio carries a bootstrap interval over the reps (harness/run/bootstrap.c,
 * seeded from the expectation's line): its verdict is the interval's place
 * against the band, so one lucky rep cannot decide it.
 */
#include "harness/suite/verdict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/bootstrap.h"
#include "harness/run/metric.h"
#include "harness/run/stats.h"
#include "harness/suite/verdict_text.h"

const char *verdict_name(verdict v)
{
	return v == VERDICT_REPRODUCED       ? "reproduced"
	       : v == VERDICT_NOT_REPRODUCED ? "not reproduced"
	       : v == VERDICT_INCONCLUSIVE   ? "inconclusive"
					     : "n/a";
}

static int model_matches(const char *run_model, const char *want)
{
	size_t l = strlen(want);
	return !strcmp(run_model, want) || (!strncmp(run_model, want, l) && run_model[l] == ':');
}

/* Is the item (l bytes at item) one of the comma-separated items of list? */
static int has_item(const char *list, const char *item, size_t l)
{
	while (*list) {
		size_t n = strcspn(list, ",");
		if (n == l && !strncmp(list, item, l))
			return 1;
		list += n + (list[n] == ',');
	}
	return 0;
}

/* Does a run's workload match want: "" any, "kind", or "kind:k=v,..." (each
 * k=v among the run's params, as written there)? */
static int workload_matches(const res_run *r, const char *want)
{
	size_t kl = strcspn(want, ":");
	if (!*want)
		return 1;
	if (strlen(r->workload) != kl || strncmp(r->workload, want, kl) != 0)
		return 0;
	for (const char *p = want + kl + (want[kl] == ':'); *p;) {
		size_t l = strcspn(p, ",");
		if (!has_item(r->params, p, l))
			return 0;
		p += l + (p[l] == ',');
	}
	return 1;
}

static int same_workload(const res_run *a, const res_run *b)
{
	return !strcmp(a->workload, b->workload) && !strcmp(a->params, b->params);
}

/* The largest C among the runs of t's workload. */
static unsigned largest_c(const expr_term *t, const res_run *runs, size_t n)
{
	unsigned c = 0;
	for (size_t i = 0; i < n; i++)
		if (workload_matches(&runs[i], t->workload) && runs[i].concurrency > c)
			c = runs[i].concurrency;
	return c;
}

/* A term that names no workload, or too little of one, must still pick out
 * a single one: -1 with why when the runs of its model hold several. */
static int ambiguous(const expr_term *t, const char *model, const res_run *runs, size_t n,
		     char *why, size_t len)
{
	const res_run *first = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!model_matches(runs[i].model, model) ||
		    !workload_matches(&runs[i], t->workload))
			continue;
		if (!first)
			first = &runs[i];
		else if (!same_workload(first, &runs[i])) {
			if (snprintf(
				    why, len,
				    "ambiguous: %s ran %s:%.60s and %s:%.60s; name one with '%s(%s "
				    "on WORKLOAD)'",
				    model, first->workload, first->params, runs[i].workload,
				    runs[i].params, metric_name(t->metric), t->model) < 0)
				why[0] = 0;
			return -1;
		}
	}
	return 0;
}

/* The median of a term for one model, or NaN with why (*failed set when
 * runs exist but none is ok). */
static double model_value(const expr_term *t, const char *model, const res_run *runs, size_t n,
			  unsigned *c_used, int *failed, char *why, size_t len)
{
	unsigned c = t->c ? t->c : largest_c(t, runs, n);
	*c_used = c;
	if (ambiguous(t, model, runs, n, why, len) < 0)
		return NAN;
	double *v = malloc((n ? n : 1) * sizeof *v);
	size_t nv = 0, seen = 0, ok = 0;
	const char *status = "";
	if (!v) {
		snprintf(why, len, "out of memory");
		return NAN;
	}
	for (size_t i = 0; i < n; i++) {
		if (!model_matches(runs[i].model, model) || runs[i].concurrency != c ||
		    !workload_matches(&runs[i], t->workload))
			continue;
		seen++;
		if (strcmp(runs[i].status, "ok") != 0) {
			status = runs[i].status;
			continue;
		}
		ok++;
		double x = metric_value(t->metric, &runs[i]);
		if (!isnan(x))
			v[nv++] = x;
	}
	double med = nv ? stats_median(v, nv) : NAN;
	free(v);
	const char *on = t->workload[0] ? " on " : "";
	if (!seen)
		snprintf(why, len, "no runs of %s%s%s at C=%u", model, on, t->workload, c);
	else if (!ok) {
		*failed = 1;
		snprintf(why, len, "every run of %s%s%s at C=%u failed (%.80s)", model, on,
			 t->workload, c, status);
	} else if (!nv)
		snprintf(why, len, "no %s figure for %s%s%s at C=%u", metric_name(t->metric), model,
			 on, t->workload, c);
	return med;
}

static double term_value(const expr_term *t, const res_run *runs, size_t n, unsigned *c_used,
			 int *failed, char *why, size_t len)
{
	return model_value(t, t->model, runs, n, c_used, failed, why, len);
}

/* The delay_ms or ms parameter (first value) of t's workload, in seconds. */
static double delay_of(const expr_term *t, const res_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!workload_matches(&runs[i], t->workload))
			continue;
		const char *p = runs[i].params;
		while (p && *p) {
			const char *eq = strchr(p, '=');
			if (!eq)
				break;
			size_t kl = (size_t)(eq - p);
			if ((kl == 2 && !strncmp(p, "ms", 2)) ||
			    (kl == 8 && !strncmp(p, "delay_ms", 8))) {
				char *end;
				double ms = strtod(eq + 1, &end);
				if (end != eq + 1 && ms > 0)
					return ms / 1000.0;
			}
			p = strchr(eq, ',');
			p = p ? p + 1 : NULL;
		}
	}
	return NAN;
}

/* The ok figures of t for its model at C=c into *v (malloc'd); the count. */
static size_t term_sample(const expr_term *t, unsigned c, const res_run *runs, size_t n, double **v)
{
	size_t k = 0;
	*v = malloc((n ? n : 1) * sizeof **v);
	for (size_t i = 0; *v && i < n; i++) {
		if (!model_matches(runs[i].model, t->model) || runs[i].concurrency != c ||
		    !workload_matches(&runs[i], t->workload) || strcmp(runs[i].status, "ok"))
			continue;
		double x = metric_value(t->metric, &runs[i]);
		if (!isnan(x))
			(*v)[k++] = x;
	}
	return k;
}

/* r's interval (b: the denominator's figure when it is not a term) and the
 * verdict from where it lies against e's band. */
static void judge(verdict_ex *r, const expr_expect *e, unsigned c1, unsigned c2, double b,
		  const res_run *runs, size_t n)
{
	double *va = NULL, *vb = NULL;
	size_t na = term_sample(&e->num, c1, runs, n, &va), nb = 1;
	if (e->den_kind == EXPR_DEN_TERM)
		nb = term_sample(&e->den, c2, runs, n, &vb);
	uint64_t seed = 0x636f6e6362656e63ULL ^ ((uint64_t)e->line * 0x9e3779b97f4a7c15ULL);
	const double *den = vb ? vb : &b; /* a delay or constant: one value */
	size_t nden = vb ? nb : e->den_kind == EXPR_DEN_TERM ? 0 : 1;
	if (bootstrap_ratio_ci(va, va ? na : 0, den, nden, BOOTSTRAP_B, VERDICT_LEVEL, seed, &r->lo,
			       &r->hi) < 0)
		r->lo = r->hi = r->value;
	free(va);
	free(vb);
	/* the interval holds the point estimate, whatever the resamples did */
	r->lo = fmin(r->lo, r->value);
	r->hi = fmax(r->hi, r->value);
	r->reps = (int)(na < nb || e->den_kind != EXPR_DEN_TERM ? na : nb);
	r->v = r->lo >= e->lo && r->hi <= e->hi ? VERDICT_REPRODUCED
	       : r->hi < e->lo || r->lo > e->hi ? VERDICT_NOT_REPRODUCED
						: VERDICT_INCONCLUSIVE;
}

verdict_ex verdict_expect(const expr_expect *e, const res_run *runs, size_t n)
{
	verdict_ex r = { .v = VERDICT_NA, .value = NAN, .lo = NAN, .hi = NAN };
	char why[200] = "";
	int failed = 0;
	unsigned c1, c2 = 0;
	double a = term_value(&e->num, runs, n, &c1, &failed, why, sizeof why), b = NAN;
	if (isnan(a)) {
		r.v = failed ? VERDICT_NOT_REPRODUCED : VERDICT_NA;
		snprintf(r.msg, sizeof r.msg, "%s", why);
		return r;
	}
	char bdesc[160], adesc[120];
	metric_format(e->num.metric, a, adesc, sizeof adesc);
	switch (e->den_kind) {
	case EXPR_DEN_TERM: {
		b = term_value(&e->den, runs, n, &c2, &failed, why, sizeof why);
		char v[64];
		metric_format(e->den.metric, b, v, sizeof v);
		if (snprintf(bdesc, sizeof bdesc, "%s@%u%s%s %s", e->den.model, c2,
			     e->den.workload[0] ? " on " : "", e->den.workload, v) < 0)
			bdesc[0] = 0;
		break;
	}
	case EXPR_DEN_DELAY:
		b = delay_of(&e->num, runs, n);
		if (isnan(b))
			snprintf(why, sizeof why, "the workload has no delay_ms or ms parameter");
		snprintf(bdesc, sizeof bdesc, "delay %.4g s", b);
		break;
	case EXPR_DEN_CONST:
		b = e->k;
		snprintf(bdesc, sizeof bdesc, "%g", b);
		break;
	}
	if (isnan(b) || b == 0) {
		r.v = failed ? VERDICT_NOT_REPRODUCED : VERDICT_NA;
		snprintf(r.msg, sizeof r.msg, "%s", b == 0 ? "the divisor is 0" : why);
		return r;
	}
	r.value = a / b;
	judge(&r, e, c1, c2, b, runs, n);
	char ratio[96];
	verdict_text_ratio(ratio, sizeof ratio, &r, e);
	const char *where = r.v == VERDICT_REPRODUCED     ? "in"
			    : r.v == VERDICT_INCONCLUSIVE ? "across an edge of"
			    : r.lo > e->hi                ? "above"
							  : "below";
	if (snprintf(r.msg, sizeof r.msg,
		     "%s %s %g..%g (%.0f%% CI over %d reps) = %s@%u%s%s %s / %s", ratio, where,
		     e->lo, e->hi, VERDICT_LEVEL * 100, r.reps, e->num.model, c1,
		     e->num.workload[0] ? " on " : "", e->num.workload, adesc, bdesc) < 0)
		r.msg[0] = 0;
	return r;
}

/* The distinct models (as written) among the runs of t's workload. */
static int models_of(const expr_term *t, const res_run *runs, size_t n, char (*out)[64], int max)
{
	int k = 0;
	for (size_t i = 0; i < n; i++) {
		if (!workload_matches(&runs[i], t->workload))
			continue;
		int dup = 0;
		for (int j = 0; j < k && !dup; j++)
			dup = !strcmp(out[j], runs[i].model);
		if (!dup && k < max)
			snprintf(out[k++], 64, "%s", runs[i].model);
	}
	return k;
}

verdict_mx verdict_row(const expr_row *row, const res_run *runs, size_t n)
{
	verdict_mx r = { .v = VERDICT_NA };
	const expr_term *t = &row->term;
	char models[VERDICT_MAX_MODELS][64], why[200];
	int nm = models_of(t, runs, n, models, VERDICT_MAX_MODELS);
	int higher = !metric_table[t->metric].lower_is_better;
	for (int k = 0; k < nm; k++) {
		int failed = 0;
		double v = model_value(t, models[k], runs, n, &r.c, &failed, why, sizeof why);
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
			if (model_matches(r.m[k].model, row->choice[j]))
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
	return r;
}

int verdict_needs_ok(const suite *s, double cores, char *why, size_t len)
{
	if (isnan(cores))
		return 1;
	/* 90 % of N cores delivered counts as N; a whole count stays itself */
	long c = (long)fmin(floor(cores / 0.9), ceil(cores));
	for (int i = 0; i < s->nneeds; i++) {
		const suite_need *nd = &s->needs[i];
		int ok = !strcmp(nd->op, ">=")   ? c >= nd->value
			 : !strcmp(nd->op, ">")  ? c > nd->value
			 : !strcmp(nd->op, "<=") ? c <= nd->value
			 : !strcmp(nd->op, "<")  ? c < nd->value
						 : c == nd->value;
		if (!ok) {
			snprintf(why, len, "needs %s: the machine delivered %.3g cores", nd->text,
				 cores);
			return 0;
		}
	}
	return 1;
}

verdict verdict_combine(const verdict_ex *res, size_t n)
{
	int na = 0, inc = 0;
	for (size_t i = 0; i < n; i++) {
		if (res[i].v == VERDICT_NOT_REPRODUCED)
			return VERDICT_NOT_REPRODUCED;
		inc |= res[i].v == VERDICT_INCONCLUSIVE;
		na |= res[i].v == VERDICT_NA;
	}
	return inc ? VERDICT_INCONCLUSIVE : na ? VERDICT_NA : VERDICT_REPRODUCED;
}

verdict verdict_suite(const suite *s, const res_run *runs, size_t n, double cores, verdict_ex *res,
		      verdict_mx *mx)
{
	char why[200];
	verdict_ex all[SUITE_MAX_EXPECT + SUITE_MAX_ROWS];
	int ok = verdict_needs_ok(s, cores, why, sizeof why), k = 0;
	for (int i = 0; i < s->nex; i++, k++) {
		if (ok) {
			res[i] = verdict_expect(&s->ex[i], runs, n);
		} else {
			res[i] =
				(verdict_ex){ .v = VERDICT_NA, .value = NAN, .lo = NAN, .hi = NAN };
			snprintf(res[i].msg, sizeof res[i].msg, "%s", why);
		}
		all[k] = res[i];
	}
	/* a matrix row is measured even when a need fails (the figures are
	 * still worth seeing); its verdict is then n/a */
	for (int i = 0; i < s->nrows; i++, k++) {
		mx[i] = verdict_row(&s->rows[i], runs, n);
		if (!ok) {
			mx[i].v = VERDICT_NA;
			snprintf(mx[i].msg, sizeof mx[i].msg, "%s", why);
		}
		all[k] = (verdict_ex){ .v = mx[i].v };
	}
	return verdict_combine(all, (size_t)k);
}

/*
 * verdict.c - evaluation: an expectation is the ratio of two figures
 * (figure.c: a median over reps), or of one to the workload's delay or a
 * constant, held against its range; matrix rows are matrix.c's. A model
 * whose runs all failed fails the claim; a figure nobody measured makes it n/a. An expectation's
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
#include "harness/suite/figure.h"
#include "harness/suite/matrix.h"
#include "harness/suite/verdict_text.h"

const char *verdict_name(verdict v)
{
	return v == VERDICT_REPRODUCED       ? "reproduced"
	       : v == VERDICT_NOT_REPRODUCED ? "not reproduced"
	       : v == VERDICT_INCONCLUSIVE   ? "inconclusive"
					     : "n/a";
}

static double term_value(const expr_term *t, const res_run *runs, size_t n, unsigned *c_used,
			 int *failed, char *why, size_t len)
{
	return figure_value(t, t->model, runs, n, c_used, failed, why, len);
}

/* The delay_ms or ms parameter (first value) of t's workload, in seconds. */
static double delay_of(const expr_term *t, const res_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!figure_workload_matches(&runs[i], t->workload))
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
		if (!figure_model_matches(runs[i].model, t->model, runs, n) || runs[i].concurrency != c ||
		    !figure_term_matches(t, &runs[i]) || strcmp(runs[i].status, "ok"))
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
		mx[i] = matrix_row(&s->rows[i], runs, n);
		if (!ok) {
			mx[i].v = VERDICT_NA;
			snprintf(mx[i].msg, sizeof mx[i].msg, "%s", why);
		}
		all[k] = (verdict_ex){ .v = mx[i].v };
	}
	return verdict_combine(all, (size_t)k);
}

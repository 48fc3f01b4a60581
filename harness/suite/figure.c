/*
 * figure.c - a term's figure: the median over the ok reps of one model at one
 * concurrency (a median, because one noisy rep on a shared machine should
 * not decide a claim). Expectations (verdict.c) and matrix rows (matrix.c)
 * both read their figures here.
 */
#include "harness/suite/figure.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/metric.h"
#include "harness/run/stats.h"

int figure_model_matches(const char *run_model, const char *want, const res_run *runs, size_t n)
{
	size_t l = strlen(want);
	if (!strcmp(run_model, want))
		return 1;
	if (strncmp(run_model, want, l) != 0 || run_model[l] != ':')
		return 0;
	for (size_t i = 0; i < n; i++) /* "epoll" beside "epoll:loops=2" is epoll itself */
		if (!strcmp(runs[i].model, want))
			return 0;
	return 1;
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
int figure_workload_matches(const res_run *r, const char *want)
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

/* Is r one of the steps t picks (n=, rate=), of t's workload? */
int figure_term_matches(const expr_term *t, const res_run *r)
{
	if (!figure_workload_matches(r, t->workload) || (t->n && r->tasks != t->n))
		return 0;
	if (!t->rate_set)
		return 1;
	return t->rate == 0 ? isnan(r->rate_requested) : r->rate_requested == t->rate;
}

/* "1000/s" or "closed loop" */
static const char *rate_text(double rate, char *buf, size_t len)
{
	if (isnan(rate))
		return "closed loop";
	snprintf(buf, len, "%.0f/s", rate);
	return buf;
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
		if (figure_term_matches(t, &runs[i]) && runs[i].concurrency > c)
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
		if (!figure_model_matches(runs[i].model, model, runs, n) ||
		    !figure_workload_matches(&runs[i], t->workload))
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

/* Two runs of one model, C and workload from different steps of a server
 * sweep (connections or rate) that the term did not tell apart: 1 with why. */
static int steps_differ(const res_run *a, const res_run *b, const expr_term *t, char *why,
			size_t len)
{
	char ra[32], rb[32];
	int rates = !(isnan(a->rate_requested) && isnan(b->rate_requested)) &&
		    a->rate_requested != b->rate_requested;
	if (a->tasks == b->tasks && !rates)
		return 0;
	if (a->tasks != b->tasks)
		snprintf(
			why, len,
			"ambiguous: %s at C=%u ran N=%zu and N=%zu; name one with '%s(%s n=N ...)'",
			a->model, a->concurrency, a->tasks, b->tasks, metric_name(t->metric),
			t->model);
	else
		snprintf(
			why, len,
			"ambiguous: %s at C=%u ran at %s and %s; name one with '%s(%s rate=R|closed ...)'",
			a->model, a->concurrency, rate_text(a->rate_requested, ra, sizeof ra),
			rate_text(b->rate_requested, rb, sizeof rb), metric_name(t->metric),
			t->model);
	return 1;
}

/* The median of a term for one model, or NaN with why (*failed set when
 * runs exist but none is ok). */
double figure_value(const expr_term *t, const char *model, const res_run *runs, size_t n,
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
	const res_run *first = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!figure_model_matches(runs[i].model, model, runs, n) || runs[i].concurrency != c ||
		    !figure_term_matches(t, &runs[i]))
			continue;
		if (!first)
			first = &runs[i];
		else if (steps_differ(first, &runs[i], t, why, len)) {
			free(v);
			return NAN;
		}
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

/*
 * expr.c - the expression grammar of suite files: terms, expectations and
 * matrix rows (the format is described at the top of suite.c).
 *
 * A term names a metric of the table in harness/run/metric.h; suites may
 * use the ones listed below (the table holds more, for the charts).
 */
#include "harness/suite/expr.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The metrics a suite may name, in the order the messages list them. */
static const metric_id expr_metrics[] = { METRIC_MAKESPAN, METRIC_THROUGHPUT, METRIC_P50,
					  METRIC_P99,      METRIC_CPU,        METRIC_RSS,
					  METRIC_CTX,      METRIC_REQ_S,      METRIC_CP50,
					  METRIC_CP99,     METRIC_CERRORS,    METRIC_RSS_CONN,
					  METRIC_CPU_REQ,  METRIC_CP99U,     METRIC_KSTACK_CONN,
					  METRIC_MEM_CONN };
#define NMETRICS (sizeof expr_metrics / sizeof *expr_metrics)

/* "makespan, throughput, ..." */
static const char *metric_list(char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (size_t k = 0; k < NMETRICS && o < len; k++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", k ? ", " : "",
				      metric_name(expr_metrics[k]));
	return buf;
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* A number ending at a blank or ')': 0, or -1. */
static int step_number(const char *p, double max, double *v, const char **end)
{
	char *e;
	errno = 0;
	*v = strtod(p, &e);
	if (e == p || errno || !(*v >= 0 && *v <= max) || (*e != ')' && *e != ' ' && *e != '\t'))
		return -1;
	*end = e;
	return 0;
}

/* The qualifiers that pick a server sweep's step, "n=N" and "rate=R" or
 * "rate=closed", each at most once, after the model; leaves *pp at what
 * follows them, blanks skipped. */
static int parse_step(const char **pp, expr_term *t, const char *name, char *err, size_t errlen)
{
	const char *p = skip_ws(*pp);
	for (;;) {
		double v;
		const char *end;
		if (!strncmp(p, "n=", 2) && !t->n) {
			if (step_number(p + 2, 1e9, &v, &end) < 0 || v < 1 ||
			    v != (double)(size_t)v)
				goto bad;
			t->n = (size_t)v;
		} else if (!strncmp(p, "rate=", 5) && !t->rate_set) {
			if (!strncmp(p + 5, "closed", 6) &&
			    (p[11] == ')' || p[11] == ' ' || p[11] == '\t'))
				v = 0, end = p + 11;
			else if (step_number(p + 5, 1e9, &v, &end) < 0 || v == 0)
				goto bad;
			t->rate_set = 1;
			t->rate = v;
		} else
			break;
		p = skip_ws(end);
	}
	*pp = p;
	return 0;
bad:
	snprintf(err, errlen,
		 "%s(%s ... '%.*s'): want n=N (connections, >= 1) or rate=R (requests/s) or "
		 "rate=closed, each once",
		 name, t->model, (int)strcspn(p, " \t)"), p);
	return -1;
}

/* METRIC(MODEL[@C] [n=N] [rate=R|closed] [on WORKLOAD]) at *pp; advances it. MODEL may be "*"
 * only when star is set (a matrix row), and must be then. */
static int parse_term(const char **pp, expr_term *t, int star, char *err, size_t errlen)
{
	const char *p = skip_ws(*pp);
	const char *name = NULL;
	size_t k;
	for (k = 0; k < NMETRICS; k++) {
		name = metric_name(expr_metrics[k]);
		if (!strncmp(p, name, strlen(name)) && p[strlen(name)] == '(')
			break;
	}
	if (k == NMETRICS) {
		char list[200];
		snprintf(err, errlen, "'%.40s': want METRIC(MODEL) with METRIC one of %s", p,
			 metric_list(list, sizeof list));
		return -1;
	}
	memset(t, 0, sizeof *t);
	t->metric = expr_metrics[k];
	p = skip_ws(p + strlen(name) + 1);
	const char *close = strchr(p, ')');
	if (!close) {
		snprintf(err, errlen, "'%s(' is not closed", name);
		return -1;
	}
	/* the model: up to '@', a blank or ')' (model specs hold no blanks) */
	size_t mlen = strcspn(p, "@ \t)");
	if (mlen == 0 || mlen >= sizeof t->model) {
		snprintf(err, errlen, "%s(): give a model name", name);
		return -1;
	}
	memcpy(t->model, p, mlen);
	t->model[mlen] = 0;
	if (star != !strcmp(t->model, "*")) {
		snprintf(err, errlen,
			 star ? "a matrix row measures every model: %s(*...)"
			      : "'*' (every model) is for matrix rows",
			 name);
		return -1;
	}
	p += mlen;
	if (*p == '@') {
		char *end;
		errno = 0;
		unsigned long c = strtoul(p + 1, &end, 10);
		if (end == p + 1 || c == 0 || c > 1000000 || errno ||
		    (*end != ')' && *end != ' ' && *end != '\t')) {
			snprintf(err, errlen, "'%.*s': @C wants a concurrency value >= 1",
				 (int)strcspn(p, " \t)"), p);
			return -1;
		}
		t->c = (unsigned)c;
		p = end;
	}
	if (parse_step(&p, t, name, err, errlen) < 0)
		return -1;
	if (!strncmp(p, "on", 2) && (p[2] == ' ' || p[2] == '\t' || p + 2 == close)) {
		p = skip_ws(p + 2);
		size_t wlen = (size_t)(close - p);
		while (wlen && isspace((unsigned char)p[wlen - 1]))
			wlen--;
		if (wlen == 0 || wlen >= sizeof t->workload || memchr(p, ' ', wlen) ||
		    memchr(p, '\t', wlen)) {
			snprintf(err, errlen,
				 "%s(%s on ...): give a workload, e.g. switch:mode=pipe", name,
				 t->model);
			return -1;
		}
		memcpy(t->workload, p, wlen);
		t->workload[wlen] = 0;
		p += wlen;
	}
	p = skip_ws(p);
	if (p != close) {
		snprintf(err, errlen, "'%.*s': want METRIC(MODEL[@C] [n=N] [rate=R] [on WORKLOAD])",
			 (int)(close - *pp + 1), skip_ws(*pp));
		return -1;
	}
	*pp = close + 1;
	return 0;
}

/* The text before the ':' that ends the expression, and the text after it:
 * the first ':' outside parentheses with a blank or the end after it. One
 * inside belongs to a model or workload spec (makespan(threads:stack=64k)),
 * as does one with a name after it outside (best epoll:loops=2). */
static int split_why(const char *text, char *expr, size_t exprlen, char *why, size_t whylen)
{
	const char *colon = NULL;
	for (const char *c = text; *c; c++) {
		if (*c == '(') {
			const char *close = strchr(c, ')');
			if (!close)
				break;
			c = close;
			continue;
		}
		if (*c == ':' && (!c[1] || isspace((unsigned char)c[1]))) {
			colon = c;
			break;
		}
	}
	size_t elen = colon ? (size_t)(colon - text) : strlen(text);
	while (elen && isspace((unsigned char)text[elen - 1]))
		elen--;
	if (elen >= exprlen)
		return -1;
	memcpy(expr, text, elen);
	expr[elen] = 0;
	why[0] = 0;
	if (colon)
		snprintf(why, whylen, "%s", skip_ws(colon + 1));
	return 0;
}

/* A bound of a range: the len bytes at text (blanks around allowed) as a
 * finite number. 0; or -1, with err set when it is a number but not a finite
 * one (1e999999 overflows, nan, inf) and "" when it is no number at all. */
static int parse_bound(const char *text, size_t len, double *v, char *err, size_t errlen)
{
	char buf[64], *end;

	err[0] = 0;
	if (len >= sizeof buf)
		return -1;
	memcpy(buf, text, len);
	buf[len] = 0;
	*v = strtod(buf, &end);
	if (end == buf || *skip_ws(end))
		return -1;
	if (!isfinite(*v)) {
		snprintf(err, errlen, "bound '%s' is not a finite number", skip_ws(buf));
		return -1;
	}
	return 0;
}

int expr_parse_expect(const char *text, expr_expect *e, char *err, size_t errlen)
{
	memset(e, 0, sizeof *e);
	if (split_why(text, e->text, sizeof e->text, e->why, sizeof e->why) < 0) {
		snprintf(err, errlen, "expectation too long");
		return -1;
	}
	const char *p = e->text;
	if (parse_term(&p, &e->num, 0, err, errlen) < 0)
		return -1;
	p = skip_ws(p);
	if (*p != '/') {
		snprintf(err, errlen, "want '/' after the first term, found '%.20s'", p);
		return -1;
	}
	p = skip_ws(p + 1);
	if (!strncmp(p, "delay", 5) && !isalnum((unsigned char)p[5]) && p[5] != '(') {
		e->den_kind = EXPR_DEN_DELAY;
		p += 5;
	} else if (isdigit((unsigned char)*p) || *p == '.') {
		char *end;
		e->k = strtod(p, &end);
		if (!(e->k > 0) || !isfinite(e->k)) {
			snprintf(err, errlen, "divide by a positive number, not '%.20s'", p);
			return -1;
		}
		e->den_kind = EXPR_DEN_CONST;
		p = end;
	} else {
		if (parse_term(&p, &e->den, 0, err, errlen) < 0)
			return -1;
		e->den_kind = EXPR_DEN_TERM;
	}
	p = skip_ws(p);
	if (strncmp(p, "in", 2) != 0 || !isspace((unsigned char)p[2])) {
		snprintf(err, errlen, "want 'in LO..HI', found '%.20s'", p);
		return -1;
	}
	p = skip_ws(p + 2);
	const char *dots = strstr(p, "..");
	if (!dots || parse_bound(p, (size_t)(dots - p), &e->lo, err, errlen) < 0 ||
	    parse_bound(dots + 2, strlen(dots + 2), &e->hi, err, errlen) < 0 || e->lo > e->hi) {
		if (!dots || !*err)
			snprintf(err, errlen, "want a range LO..HI with LO <= HI, found '%.40s'",
				 p);
		return -1;
	}
	return 0;
}

/* Does p start with the word w (followed by a blank)? */
static int word_at(const char *p, const char *w)
{
	size_t l = strlen(w);
	return !strncmp(p, w, l) && (p[l] == ' ' || p[l] == '\t');
}

/* MODEL[|MODEL...] at *pp (after the keyword kw) into list[0..*n); advances
 * *pp past it. */
static int parse_models(const char **pp, char (*list)[64], int *n, const char *kw, char *err,
			size_t errlen)
{
	const char *p = skip_ws(*pp);
	const char *end = word_at(p, "by") ? p : p + strcspn(p, " \t");
	*n = 0;
	while (p < end) {
		size_t l = strcspn(p, "|");
		if (l > (size_t)(end - p))
			l = (size_t)(end - p);
		if (l == 0 || l >= sizeof list[0] || *n == EXPR_CHOICES) {
			snprintf(err, errlen, "%s: up to %d model names separated by '|'", kw,
				 EXPR_CHOICES);
			return -1;
		}
		memcpy(list[*n], p, l);
		list[(*n)++][l] = 0;
		p += l + (p + l < end);
	}
	if (!*n) {
		snprintf(err, errlen, "%s: give a model name (MODEL[|MODEL...])", kw);
		return -1;
	}
	*pp = skip_ws(end);
	return 0;
}

/* P% at *pp into *frac (P / 100); advances *pp past it. */
static int parse_pct(const char **pp, double *frac, const char *kw, char *err, size_t errlen)
{
	char *e;
	const char *p = skip_ws(*pp);
	double pct = strtod(p, &e);
	if (e == p || *e != '%' || !(pct >= 0) || pct > 1000) {
		snprintf(err, errlen, "%s: want a percentage, e.g. 10%%, found '%.20s'", kw, p);
		return -1;
	}
	*frac = pct / 100;
	*pp = skip_ws(e + 1);
	return 0;
}

/* The clauses after "best MODEL...": [within P%] [beats MODEL... by P%]
 * [not worst MODEL...], each at most once, in that order. */
static int parse_row_clauses(const char *p, expr_row *row, char *err, size_t errlen)
{
	static const char want[] = "(want [within P%] [beats MODEL by P%] [not worst MODEL])";
	if (word_at(p, "within")) {
		p += 6;
		if (parse_pct(&p, &row->within, "within", err, errlen) < 0)
			return -1;
	}
	if (word_at(p, "beats")) {
		p += 5;
		if (parse_models(&p, row->beats, &row->nbeats, "beats", err, errlen) < 0)
			return -1;
		if (!word_at(p, "by")) {
			snprintf(err, errlen, "beats %s: say by how much, e.g. 'by 30%%'",
				 row->beats[0]);
			return -1;
		}
		p += 2;
		if (parse_pct(&p, &row->margin, "by", err, errlen) < 0)
			return -1;
	}
	if (word_at(p, "not")) {
		p = skip_ws(p + 3);
		if (!word_at(p, "worst")) {
			snprintf(err, errlen,
				 "want 'not worst MODEL[|MODEL...]', found 'not %.20s'", p);
			return -1;
		}
		p += 5;
		if (parse_models(&p, row->notworst, &row->nnotworst, "not worst", err, errlen) < 0)
			return -1;
	}
	if (*p) {
		snprintf(err, errlen, "unexpected '%.20s' %s", p, want);
		return -1;
	}
	return 0;
}

int expr_parse_row(const char *text, expr_row *row, char *err, size_t errlen)
{
	memset(row, 0, sizeof *row);
	row->within = 0.10;
	if (split_why(text, row->text, sizeof row->text, row->label, sizeof row->label) < 0) {
		snprintf(err, errlen, "matrix row too long");
		return -1;
	}
	if (!row->label[0]) {
		snprintf(err, errlen, "end the row with ': CLASS', the class of workload it is");
		return -1;
	}
	const char *p = row->text;
	if (parse_term(&p, &row->term, 1, err, errlen) < 0)
		return -1;
	p = skip_ws(p);
	if (!word_at(p, "best")) {
		snprintf(err, errlen, "want 'best MODEL[|MODEL...]' after the term, found '%.20s'",
			 p);
		return -1;
	}
	p += 4;
	if (parse_models(&p, row->choice, &row->nchoice, "best", err, errlen) < 0)
		return -1;
	return parse_row_clauses(p, row, err, errlen);
}

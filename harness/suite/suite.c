/*
 * suite.c - suite files: parse, run, evaluate.
 *
 * A suite file is line-oriented; a '#' at the start of a line or after a
 * space starts a comment; blank lines are ignored; every other line is a
 * KEYWORD and its text, separated by spaces:
 *
 *	# comment
 *	name    L5
 *	claim   awaiting one by one is sequential; tasks run the waits concurrently
 *	source  listings 4.4/4.5 (notes), 2.9
 *	book    three 3 s delays: 9.00 s one by one vs 3.00 s as tasks
 *	full    -w sleep:ms=3000 -m sequential,epoll,coro -n 3 -c 3 --reps 3
 *	quick   -w sleep:ms=100 -m sequential,epoll,coro -n 3 -c 3 --reps 3
 *	charts  makespan
 *	expect  makespan(coro) / makespan(sequential) in 0.25..0.45 : coro takes one delay
 *	expect  makespan(epoll) / delay in 0.95..1.30 : epoll takes about one delay
 *	needs   cores >= 2
 *
 * name, claim, full, quick and at least one expect or matrix row are
 * required; name, claim, source, book and charts at most once; expect (up
 * to 16), needs (up to 4), matrix (up to 8) and full/quick (up to 4 pairs)
 * may repeat.
 *
 *   full, quick  `concbench run` options (the same parser; no --out, --name:
 *                the suite sets those), the full and the --quick size. The
 *                i-th full and the i-th quick line are one sweep's two sizes;
 *                a suite with several sweeps is judged on all their results
 *                together (a claim whose classes need different sizes).
 *   charts       chart names (as `concbench plot` names them: makespan,
 *                speedup, latency, ...) that show the claim; the report
 *                links to them (to each workload's, when a sweep has several).
 *   expect       TERM / TERM in LO..HI [: why]
 *                TERM / delay in LO..HI [: why]
 *                TERM / CONST in LO..HI [: why]
 *                TERM is METRIC(MODEL[@C] [on WORKLOAD]). METRIC: makespan,
 *                throughput, p50, p99 (latency), cpu (user+sys), rss, ctx
 *                (voluntary+involuntary); each the median over the ok reps of
 *                MODEL at concurrency C (default: the largest C the workload
 *                ran at). MODEL matches a model as written, or its name
 *                before ':'. WORKLOAD is a kind (switch) or a kind and
 *                params the run's params must include (switch:mode=pipe);
 *                a term must pick out one workload, else it is n/a as
 *                ambiguous. delay is the workload's delay_ms or ms parameter
 *                (its first value) in seconds. The expectation is reproduced
 *                when LO <= ratio <= HI; n/a when a model or figure is
 *                missing (or a need is not met); not reproduced otherwise,
 *                and when a model's runs all failed.
 *   matrix       METRIC(*[@C] on WORKLOAD) best MODEL[|MODEL...] [within P%]
 *                : CLASS -- a row of a decision matrix: every model's figure
 *                for that workload, best first; reproduced when one of the
 *                named models is the best or within P% of it (default 10).
 *                Lower is better, but for throughput.
 *   needs        cores OP N (OP one of >= > <= < ==): when false, every
 *                expectation and row is n/a, with the reason.
 */
#define _GNU_SOURCE
#include "harness/suite/suite.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/report/csvread.h"
#include "harness/run/runopts.h"
#include "harness/run/stats.h"
#include "harness/run/sweep.h"
#include "harness/report/units.h"

/* The table the Makefile generates from the files in harness/suite/builtin. */
struct suite_text {
	const char *name, *text;
};
extern const struct suite_text suite_builtin[];
extern const unsigned suite_nbuiltin;

/* The built-ins in version order (L2 before L11). */
static const struct suite_text *builtin_at(size_t i)
{
	if (i >= suite_nbuiltin)
		return NULL;
	const struct suite_text *pick = NULL;
	/* the i-th smallest: few suites, no table to keep */
	for (size_t k = 0; k < suite_nbuiltin; k++) {
		size_t below = 0;
		for (size_t j = 0; j < suite_nbuiltin; j++)
			if (strverscmp(suite_builtin[j].name, suite_builtin[k].name) < 0)
				below++;
		if (below == i)
			pick = &suite_builtin[k];
	}
	return pick;
}

size_t suite_builtin_count(void)
{
	return suite_nbuiltin;
}
const char *suite_builtin_name(size_t i)
{
	const struct suite_text *t = builtin_at(i);
	return t ? t->name : NULL;
}
const char *suite_builtin_text(size_t i)
{
	const struct suite_text *t = builtin_at(i);
	return t ? t->text : NULL;
}

const char *verdict_name(verdict v)
{
	return v == V_REPRODUCED ? "reproduced" : v == V_NOT_REPRODUCED ? "not reproduced" : "n/a";
}

int suite_words(const char *text, char *buf, size_t buflen, char **words, int max)
{
	size_t len = strlen(text);
	if (len + 1 > buflen)
		return -1;
	int n = 0;
	char *w = buf;
	const char *p = text;
	while (*p) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (n == max)
			return -1;
		words[n++] = w;
		char q = 0;
		while (*p && (q || !isspace((unsigned char)*p))) {
			if (!q && (*p == '\'' || *p == '"'))
				q = *p;
			else if (q && *p == q)
				q = 0;
			else
				*w++ = *p;
			p++;
		}
		if (q)
			return -1;
		*w++ = 0;
	}
	return n;
}

static const char *const metric_names[] = { "makespan", "throughput", "p50", "p99",
					    "cpu",      "rss",        "ctx" };

const char *metric_label(ex_metric m)
{
	return (unsigned)m < sizeof metric_names / sizeof *metric_names ? metric_names[m] : "?";
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* METRIC(MODEL[@C] [on WORKLOAD]) at *pp; advances it. MODEL may be "*"
 * only when star is set (a matrix row), and must be then. */
static int parse_term(const char **pp, ex_term *t, int star, char *err, size_t errlen)
{
	const char *p = skip_ws(*pp);
	size_t k;
	for (k = 0; k < sizeof metric_names / sizeof *metric_names; k++) {
		size_t l = strlen(metric_names[k]);
		if (!strncmp(p, metric_names[k], l) && p[l] == '(')
			break;
	}
	if (k == sizeof metric_names / sizeof *metric_names) {
		snprintf(err, errlen,
			 "'%.40s': want METRIC(MODEL) with METRIC one of makespan, throughput, "
			 "p50, p99, cpu, rss, ctx",
			 p);
		return -1;
	}
	memset(t, 0, sizeof *t);
	t->metric = (ex_metric)k;
	p = skip_ws(p + strlen(metric_names[k]) + 1);
	const char *close = strchr(p, ')');
	if (!close) {
		snprintf(err, errlen, "'%s(' is not closed", metric_names[k]);
		return -1;
	}
	/* the model: up to '@', a blank or ')' (model specs hold no blanks) */
	size_t mlen = strcspn(p, "@ \t)");
	if (mlen == 0 || mlen >= sizeof t->model) {
		snprintf(err, errlen, "%s(): give a model name", metric_names[k]);
		return -1;
	}
	memcpy(t->model, p, mlen);
	t->model[mlen] = 0;
	if (star != !strcmp(t->model, "*")) {
		snprintf(err, errlen,
			 star ? "a matrix row measures every model: %s(*...)"
			      : "'*' (every model) is for matrix rows",
			 metric_names[k]);
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
	p = skip_ws(p);
	if (!strncmp(p, "on", 2) && (p[2] == ' ' || p[2] == '\t' || p + 2 == close)) {
		p = skip_ws(p + 2);
		size_t wlen = (size_t)(close - p);
		while (wlen && isspace((unsigned char)p[wlen - 1]))
			wlen--;
		if (wlen == 0 || wlen >= sizeof t->workload || memchr(p, ' ', wlen) ||
		    memchr(p, '\t', wlen)) {
			snprintf(err, errlen,
				 "%s(%s on ...): give a workload, e.g. switch:mode=pipe",
				 metric_names[k], t->model);
			return -1;
		}
		memcpy(t->workload, p, wlen);
		t->workload[wlen] = 0;
		p += wlen;
	}
	p = skip_ws(p);
	if (p != close) {
		snprintf(err, errlen, "'%.*s': want METRIC(MODEL[@C] [on WORKLOAD])",
			 (int)(close - *pp + 1), skip_ws(*pp));
		return -1;
	}
	*pp = close + 1;
	return 0;
}

/* The text before a ':' that is outside parentheses (a ':' inside belongs to
 * a model or workload spec, threads:stack=64k), and the text after it. */
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
		if (*c == ':') {
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

int expect_parse(const char *text, suite_expect *e, char *err, size_t errlen)
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
		e->den_kind = EX_DEN_DELAY;
		p += 5;
	} else if (isdigit((unsigned char)*p) || *p == '.') {
		char *end;
		e->k = strtod(p, &end);
		if (!(e->k > 0) || !isfinite(e->k)) {
			snprintf(err, errlen, "divide by a positive number, not '%.20s'", p);
			return -1;
		}
		e->den_kind = EX_DEN_CONST;
		p = end;
	} else {
		if (parse_term(&p, &e->den, 0, err, errlen) < 0)
			return -1;
		e->den_kind = EX_DEN_TERM;
	}
	p = skip_ws(p);
	if (strncmp(p, "in", 2) != 0 || !isspace((unsigned char)p[2])) {
		snprintf(err, errlen, "want 'in LO..HI', found '%.20s'", p);
		return -1;
	}
	p = skip_ws(p + 2);
	char *end, lo[64];
	const char *dots = strstr(p, "..");
	size_t lolen = dots ? (size_t)(dots - p) : 0;
	if (lolen < sizeof lo)
		memcpy(lo, p, lolen);
	lo[lolen < sizeof lo ? lolen : 0] = 0;
	e->lo = strtod(lo, &end);
	if (!dots || end == lo || *end) {
		snprintf(err, errlen, "want a range LO..HI, found '%.20s'", p);
		return -1;
	}
	p = dots + 2;
	e->hi = strtod(p, &end);
	if (end == p || *skip_ws(end) || !isfinite(e->lo) || !isfinite(e->hi) || e->lo > e->hi) {
		snprintf(err, errlen, "want a range LO..HI with LO <= HI, found '%s'",
			 skip_ws(strstr(e->text, " in ") + 4));
		return -1;
	}
	return 0;
}

int row_parse(const char *text, suite_row *row, char *err, size_t errlen)
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
	if (strncmp(p, "best", 4) != 0 || !isspace((unsigned char)p[4])) {
		snprintf(err, errlen, "want 'best MODEL[|MODEL...]' after the term, found '%.20s'",
			 p);
		return -1;
	}
	p = skip_ws(p + 4);
	size_t len = strcspn(p, " \t");
	const char *end = p + len;
	while (p < end) {
		size_t l = strcspn(p, "|");
		if (l > (size_t)(end - p))
			l = (size_t)(end - p);
		if (l == 0 || l >= sizeof row->choice[0] || row->nchoice == 8) {
			snprintf(err, errlen, "best: up to 8 model names separated by '|'");
			return -1;
		}
		memcpy(row->choice[row->nchoice], p, l);
		row->choice[row->nchoice++][l] = 0;
		p += l + (p + l < end);
	}
	p = skip_ws(end);
	if (!strncmp(p, "within", 6) && isspace((unsigned char)p[6])) {
		char *e;
		p = skip_ws(p + 6);
		double pct = strtod(p, &e);
		if (e == p || *e != '%' || !(pct >= 0) || pct > 1000) {
			snprintf(err, errlen, "within: want a percentage, e.g. 10%%");
			return -1;
		}
		row->within = pct / 100;
		p = skip_ws(e + 1);
	}
	if (*p) {
		snprintf(err, errlen, "unexpected '%.20s' (want ... best MODEL [within P%%])", p);
		return -1;
	}
	return 0;
}

static int parse_need(const char *text, suite_need *nd, char *err, size_t errlen)
{
	char what[16], op[4];
	long v;
	int used = 0;
	snprintf(nd->text, sizeof nd->text, "%s", text);
	if (sscanf(text, "%15s %3s %ld %n", what, op, &v, &used) != 3 || text[used] ||
	    strcmp(what, "cores") != 0 ||
	    (strcmp(op, ">=") && strcmp(op, ">") && strcmp(op, "<=") && strcmp(op, "<") &&
	     strcmp(op, "=="))) {
		snprintf(err, errlen, "needs: want 'cores OP N' with OP one of >= > <= < ==");
		return -1;
	}
	snprintf(nd->what, sizeof nd->what, "%s", what);
	snprintf(nd->op, sizeof nd->op, "%s", op);
	nd->value = v;
	return 0;
}

/* Check a full/quick line with the run option parser. */
static int check_opts(const char *text, char *err, size_t errlen)
{
	char buf[SUITE_TEXT + 16], *words[64];
	char *argv[66];
	int n = suite_words(text, buf, sizeof buf, words, 64);
	if (n < 0) {
		snprintf(err, errlen, "too many words or an open quote");
		return -1;
	}
	argv[0] = "suite";
	for (int i = 0; i < n; i++) {
		if (!strcmp(words[i], "-o") || !strncmp(words[i], "--out", 5) ||
		    !strncmp(words[i], "--name", 6)) {
			snprintf(err, errlen, "%s: the suite sets the results directory", words[i]);
			return -1;
		}
		argv[i + 1] = words[i];
	}
	argv[n + 1] = NULL;
	sweep_cfg cfg = { .out_root = "results" };
	wl_spec wls[RUNOPTS_MAX_WL];
	char msg[400];
	int rc = runopts_parse(n + 1, argv, &cfg, wls, msg, sizeof msg);
	if (rc == 0) {
		runopts_free(&cfg);
		return 0;
	}
	if (snprintf(err, errlen, "%s", rc == 1 ? "--help has no place in a suite" : msg) < 0)
		err[0] = 0;
	return -1;
}

enum {
	K_NAME,
	K_CLAIM,
	K_SOURCE,
	K_BOOK,
	K_FULL,
	K_QUICK,
	K_CHARTS,
	K_EXPECT,
	K_NEEDS,
	K_MATRIX,
	K_N
};
static const char *const keywords[K_N] = { "name",  "claim",  "source", "book",  "full",
					   "quick", "charts", "expect", "needs", "matrix" };
/* The keywords that may repeat, and how often. */
static int repeats(int k)
{
	return k == K_EXPECT                 ? SUITE_MAX_EXPECT
	       : k == K_NEEDS                ? SUITE_MAX_NEEDS
	       : k == K_MATRIX               ? SUITE_MAX_ROWS
	       : k == K_FULL || k == K_QUICK ? SUITE_MAX_SWEEPS
					     : 1;
}

static int line_error(char *err, size_t errlen, const char *file, int line, const char *msg)
{
	snprintf(err, errlen, "%s:%d: %s", file, line, msg);
	return -1;
}

static int set_text(char *dst, size_t len, const char *val)
{
	if (strlen(val) >= len)
		return -1;
	snprintf(dst, len, "%s", val);
	return 0;
}

/* One line (comment and trailing blanks removed), keyword and value. */
static int parse_line(suite *s, char *ln, int lineno, const char *file, int *seen, int *sweeps,
		      char *err, size_t errlen)
{
	char msg[400];
	char *p = ln;
	while (*p && !isspace((unsigned char)*p))
		p++;
	char *val = p;
	if (*p)
		*p++ = 0, val = (char *)skip_ws(p);
	int k;
	for (k = 0; k < K_N; k++)
		if (!strcmp(ln, keywords[k]))
			break;
	if (k == K_N) {
		snprintf(msg, sizeof msg,
			 "unknown keyword '%.40s' (name, claim, source, book, full, quick, "
			 "charts, expect, needs, matrix)",
			 ln);
		return line_error(err, errlen, file, lineno, msg);
	}
	if (!*val) {
		snprintf(msg, sizeof msg, "%s: give a value", keywords[k]);
		return line_error(err, errlen, file, lineno, msg);
	}
	if (repeats(k) == 1 && seen[k]) {
		snprintf(msg, sizeof msg, "%s given twice (first on line %d)", keywords[k],
			 seen[k]);
		return line_error(err, errlen, file, lineno, msg);
	}
	seen[k] = seen[k] ? seen[k] : lineno;
	int toolong = 0;
	switch (k) {
	case K_NAME:
		for (const char *c = val; *c; c++)
			if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
				return line_error(err, errlen, file, lineno,
						  "name: letters, digits, '-', '_' and '.' only");
		toolong = set_text(s->name, sizeof s->name, val);
		break;
	case K_CLAIM: toolong = set_text(s->claim, sizeof s->claim, val); break;
	case K_SOURCE: toolong = set_text(s->source, sizeof s->source, val); break;
	case K_BOOK: toolong = set_text(s->book, sizeof s->book, val); break;
	case K_FULL:
	case K_QUICK: {
		/* the i-th full line and the i-th quick line are one sweep's sizes */
		int *cnt = k == K_FULL ? &sweeps[0] : &sweeps[1];
		if (*cnt == SUITE_MAX_SWEEPS) {
			snprintf(msg, sizeof msg, "%s: at most %d sweeps", keywords[k],
				 SUITE_MAX_SWEEPS);
			return line_error(err, errlen, file, lineno, msg);
		}
		if (set_text(k == K_FULL ? s->full[*cnt] : s->quick[*cnt], SUITE_TEXT, val) < 0) {
			toolong = 1;
			break;
		}
		++*cnt;
		if (check_opts(val, msg + 200, 200) < 0) {
			snprintf(msg, 200, "%s: ", keywords[k]);
			memmove(msg + strlen(msg), msg + 200, strlen(msg + 200) + 1);
			return line_error(err, errlen, file, lineno, msg);
		}
		break;
	}
	case K_CHARTS: {
		char buf[SUITE_TEXT], *w[SUITE_MAX_CHARTS + 1];
		int n = suite_words(val, buf, sizeof buf, w, SUITE_MAX_CHARTS);
		if (n < 0)
			return line_error(err, errlen, file, lineno, "charts: at most 8 names");
		for (int i = 0; i < n; i++) {
			if (strchr(w[i], '/') || set_text(s->charts[i], sizeof s->charts[i], w[i]))
				return line_error(err, errlen, file, lineno,
						  "charts: a chart name is a plain name");
		}
		s->ncharts = n;
		break;
	}
	case K_EXPECT:
		if (s->nex == SUITE_MAX_EXPECT)
			return line_error(err, errlen, file, lineno, "expect: at most 16");
		if (expect_parse(val, &s->ex[s->nex], msg + 200, 200) < 0) {
			snprintf(msg, 200, "expect: ");
			memmove(msg + 8, msg + 200, strlen(msg + 200) + 1);
			return line_error(err, errlen, file, lineno, msg);
		}
		s->ex[s->nex++].line = lineno;
		break;
	case K_NEEDS:
		if (s->nneeds == SUITE_MAX_NEEDS)
			return line_error(err, errlen, file, lineno, "needs: at most 4");
		if (parse_need(val, &s->needs[s->nneeds], msg, sizeof msg) < 0)
			return line_error(err, errlen, file, lineno, msg);
		s->nneeds++;
		break;
	case K_MATRIX:
		if (s->nrows == SUITE_MAX_ROWS)
			return line_error(err, errlen, file, lineno, "matrix: at most 8 rows");
		if (row_parse(val, &s->rows[s->nrows], msg + 200, 200) < 0) {
			snprintf(msg, 200, "matrix: ");
			memmove(msg + 8, msg + 200, strlen(msg + 200) + 1);
			return line_error(err, errlen, file, lineno, msg);
		}
		s->rows[s->nrows++].line = lineno;
		break;
	}
	if (toolong) {
		snprintf(msg, sizeof msg, "%s: too long", keywords[k]);
		return line_error(err, errlen, file, lineno, msg);
	}
	return 0;
}

int suite_parse(const char *text, const char *file, suite *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	snprintf(s->file, sizeof s->file, "%s", file);
	int seen[K_N] = { 0 }, sweeps[2] = { 0 };
	int lineno = 0;
	const char *p = text;
	while (*p) {
		lineno++;
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char ln[2048];
		if (len >= sizeof ln)
			return line_error(err, errlen, file, lineno, "line too long");
		memcpy(ln, p, len);
		ln[len] = 0;
		p += len + (nl ? 1 : 0);
		for (char *c = ln; *c; c++)
			if (*c == '#' && (c == ln || isspace((unsigned char)c[-1]))) {
				*c = 0;
				break;
			}
		size_t l = strlen(ln);
		while (l && isspace((unsigned char)ln[l - 1]))
			ln[--l] = 0;
		char *start = (char *)skip_ws(ln);
		if (!*start)
			continue;
		if (parse_line(s, start, lineno, file, seen, sweeps, err, errlen) < 0)
			return -1;
	}
	static const int required[] = { K_NAME, K_CLAIM, K_FULL, K_QUICK };
	for (size_t i = 0; i < sizeof required / sizeof *required; i++)
		if (!seen[required[i]]) {
			char msg[80];
			snprintf(msg, sizeof msg, "no '%s' line", keywords[required[i]]);
			return line_error(err, errlen, file, 0, msg);
		}
	if (!seen[K_EXPECT] && !seen[K_MATRIX])
		return line_error(err, errlen, file, 0, "no 'expect' line (nor a 'matrix' row)");
	if (sweeps[0] != sweeps[1]) {
		char msg[120];
		snprintf(msg, sizeof msg,
			 "%d full lines but %d quick lines: each sweep needs both sizes", sweeps[0],
			 sweeps[1]);
		return line_error(err, errlen, file, 0, msg);
	}
	s->nsweeps = sweeps[0];
	return 0;
}

static char *slurp(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += got;
		if (cap - len < 2) {
			char *nb = cap > (1u << 20) ? NULL : realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (!buf || bad) {
		free(buf);
		snprintf(err, errlen, "%s: %s", path,
			 buf ? "read error" : "too big or out of memory");
		return NULL;
	}
	buf[len] = 0;
	return buf;
}

int suite_load(const char *name_or_file, suite *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < suite_builtin_count(); i++)
		if (!strcmp(name_or_file, suite_builtin_name(i))) {
			char file[128];
			snprintf(file, sizeof file, "harness/suite/builtin/%s.suite", name_or_file);
			return suite_parse(suite_builtin_text(i), file, s, err, errlen);
		}
	if (access(name_or_file, F_OK) != 0 && !strchr(name_or_file, '/') &&
	    !strstr(name_or_file, ".suite")) {
		snprintf(err, errlen, "no built-in suite or file '%s' (see: concbench list suites)",
			 name_or_file);
		return -1;
	}
	char *text = slurp(name_or_file, err, errlen);
	if (!text)
		return -1;
	int rc = suite_parse(text, name_or_file, s, err, errlen);
	free(text);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

int suite_load_dir(const char *dir, suite **out, size_t *n, char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	char *names[256];
	size_t nn = 0;
	struct dirent *e;
	while ((e = readdir(d)) && nn < 256) {
		size_t l = strlen(e->d_name);
		if (l <= 6 || strcmp(e->d_name + l - 6, ".suite") != 0 || e->d_name[0] == '.')
			continue;
		if (!(names[nn] = strdup(e->d_name)))
			break;
		nn++;
	}
	closedir(d);
	qsort(names, nn, sizeof *names, cmp_str);
	int rc = 0;
	suite *s = calloc(nn ? nn : 1, sizeof *s);
	if (!s) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	for (size_t i = 0; i < nn; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if (rc == 0 && suite_load(path, &s[i], err, errlen) < 0)
			rc = -1;
		free(names[i]);
	}
	if (rc < 0) {
		free(s);
		return -1;
	}
	*out = s;
	*n = nn;
	return 0;
}

/* ---- evaluation ---- */

static double metric_of(const res_run *r, ex_metric m)
{
	switch (m) {
	case EX_MAKESPAN: return r->makespan_s;
	case EX_THROUGHPUT: return r->throughput_per_s;
	case EX_P50: return r->lat_p50_s;
	case EX_P99: return r->lat_p99_s;
	case EX_CPU: return r->cpu_user_s + r->cpu_sys_s;
	case EX_RSS: return r->max_rss_kib < 0 ? NAN : (double)r->max_rss_kib;
	case EX_CTX:
		return r->ctx_voluntary < 0 || r->ctx_involuntary < 0
			       ? NAN
			       : (double)(r->ctx_voluntary + r->ctx_involuntary);
	}
	return NAN;
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
static unsigned largest_c(const ex_term *t, const res_run *runs, size_t n)
{
	unsigned c = 0;
	for (size_t i = 0; i < n; i++)
		if (workload_matches(&runs[i], t->workload) && runs[i].concurrency > c)
			c = runs[i].concurrency;
	return c;
}

/* A term that names no workload, or too little of one, must still pick out
 * a single one: -1 with why when the runs of its model hold several. */
static int ambiguous(const ex_term *t, const char *model, const res_run *runs, size_t n, char *why,
		     size_t len)
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
				    runs[i].params, metric_names[t->metric], t->model) < 0)
				why[0] = 0;
			return -1;
		}
	}
	return 0;
}

/* The median of a term for one model, or NaN with why (*failed set when
 * runs exist but none is ok). */
static double model_value(const ex_term *t, const char *model, const res_run *runs, size_t n,
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
		double x = metric_of(&runs[i], t->metric);
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
		snprintf(why, len, "no %s figure for %s%s%s at C=%u", metric_names[t->metric],
			 model, on, t->workload, c);
	return med;
}

static double term_value(const ex_term *t, const res_run *runs, size_t n, unsigned *c_used,
			 int *failed, char *why, size_t len)
{
	return model_value(t, t->model, runs, n, c_used, failed, why, len);
}

/* The delay_ms or ms parameter (first value) of t's workload, in seconds. */
static double delay_of(const ex_term *t, const res_run *runs, size_t n)
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

const char *metric_format(ex_metric m, double v, char *buf, size_t len)
{
	if (m == EX_MAKESPAN || m == EX_P50 || m == EX_P99 || m == EX_CPU)
		return units_time(v, buf, len);
	if (m == EX_THROUGHPUT)
		return units_rate(v, buf, len);
	snprintf(buf, len, m == EX_RSS ? "%.0f KiB" : "%.0f", v); /* counts */
	return buf;
}

ex_result expect_eval(const suite_expect *e, const res_run *runs, size_t n)
{
	ex_result r = { .v = V_NA, .value = NAN };
	char why[200] = "";
	int failed = 0;
	unsigned c1, c2 = 0;
	double a = term_value(&e->num, runs, n, &c1, &failed, why, sizeof why), b = NAN;
	if (isnan(a)) {
		r.v = failed ? V_NOT_REPRODUCED : V_NA;
		snprintf(r.msg, sizeof r.msg, "%s", why);
		return r;
	}
	char bdesc[160], adesc[120];
	metric_format(e->num.metric, a, adesc, sizeof adesc);
	switch (e->den_kind) {
	case EX_DEN_TERM: {
		b = term_value(&e->den, runs, n, &c2, &failed, why, sizeof why);
		char v[64];
		metric_format(e->den.metric, b, v, sizeof v);
		if (snprintf(bdesc, sizeof bdesc, "%s@%u%s%s %s", e->den.model, c2,
			     e->den.workload[0] ? " on " : "", e->den.workload, v) < 0)
			bdesc[0] = 0;
		break;
	}
	case EX_DEN_DELAY:
		b = delay_of(&e->num, runs, n);
		if (isnan(b))
			snprintf(why, sizeof why, "the workload has no delay_ms or ms parameter");
		snprintf(bdesc, sizeof bdesc, "delay %.4g s", b);
		break;
	case EX_DEN_CONST:
		b = e->k;
		snprintf(bdesc, sizeof bdesc, "%g", b);
		break;
	}
	if (isnan(b) || b == 0) {
		r.v = failed ? V_NOT_REPRODUCED : V_NA;
		snprintf(r.msg, sizeof r.msg, "%s", b == 0 ? "the divisor is 0" : why);
		return r;
	}
	r.value = a / b;
	r.v = r.value >= e->lo && r.value <= e->hi ? V_REPRODUCED : V_NOT_REPRODUCED;
	if (snprintf(r.msg, sizeof r.msg, "%.3g = %s@%u%s%s %s / %s", r.value, e->num.model, c1,
		     e->num.workload[0] ? " on " : "", e->num.workload, adesc, bdesc) < 0)
		r.msg[0] = 0;
	return r;
}

/* The distinct models (as written) among the runs of t's workload. */
static int models_of(const ex_term *t, const res_run *runs, size_t n, char (*out)[64], int max)
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

mx_result row_eval(const suite_row *row, const res_run *runs, size_t n)
{
	mx_result r = { .v = V_NA };
	const ex_term *t = &row->term;
	char models[MX_MAX_MODELS][64], why[200];
	int nm = models_of(t, runs, n, models, MX_MAX_MODELS);
	int higher = t->metric == EX_THROUGHPUT; /* is a larger figure better? */
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
			 metric_names[t->metric], t->workload[0] ? t->workload : "the workload",
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
	r.v = off <= row->within + 1e-12 ? V_REPRODUCED : V_NOT_REPRODUCED;
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

int suite_needs_ok(const suite *s, int cores, char *why, size_t len)
{
	for (int i = 0; i < s->nneeds; i++) {
		const suite_need *nd = &s->needs[i];
		long c = cores;
		int ok = !strcmp(nd->op, ">=")   ? c >= nd->value
			 : !strcmp(nd->op, ">")  ? c > nd->value
			 : !strcmp(nd->op, "<=") ? c <= nd->value
			 : !strcmp(nd->op, "<")  ? c < nd->value
						 : c == nd->value;
		if (!ok) {
			snprintf(why, len, "needs %s; this machine has %d cores", nd->text, cores);
			return 0;
		}
	}
	return 1;
}

verdict verdict_combine(const ex_result *res, size_t n)
{
	int na = 0;
	for (size_t i = 0; i < n; i++) {
		if (res[i].v == V_NOT_REPRODUCED)
			return V_NOT_REPRODUCED;
		if (res[i].v == V_NA)
			na = 1;
	}
	return na ? V_NA : V_REPRODUCED;
}

verdict suite_eval(const suite *s, const res_run *runs, size_t n, int cores, ex_result *res,
		   mx_result *mx)
{
	char why[200];
	ex_result all[SUITE_MAX_EXPECT + SUITE_MAX_ROWS];
	int ok = suite_needs_ok(s, cores, why, sizeof why), k = 0;
	for (int i = 0; i < s->nex; i++, k++) {
		if (ok) {
			res[i] = expect_eval(&s->ex[i], runs, n);
		} else {
			res[i] = (ex_result){ .v = V_NA, .value = NAN };
			snprintf(res[i].msg, sizeof res[i].msg, "%s", why);
		}
		all[k] = res[i];
	}
	/* a matrix row is measured even when a need fails (the figures are
	 * still worth seeing); its verdict is then n/a */
	for (int i = 0; i < s->nrows; i++, k++) {
		mx[i] = row_eval(&s->rows[i], runs, n);
		if (!ok) {
			mx[i].v = V_NA;
			snprintf(mx[i].msg, sizeof mx[i].msg, "%s", why);
		}
		all[k] = (ex_result){ .v = mx[i].v };
	}
	return verdict_combine(all, (size_t)k);
}

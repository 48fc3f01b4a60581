/*
 * suite.c - the line grammar of a suite file: one function per keyword,
 * dispatched through a table, and one error helper. The expressions of
 * expect and matrix lines are parsed in expr.c.
 *
 * A suite file is line-oriented UTF-8 text (a NUL or control byte is an
 * error naming its line: text.h); a '#' at the start of a line or after a
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
 *                speedup, latency, ...; the list is harness/plot/charts.c's)
 *                that show the claim; the report links to them (to each
 *                workload's, when a sweep has several).
 *   expect       TERM / TERM in LO..HI [: why]
 *                TERM / delay in LO..HI [: why]
 *                TERM / CONST in LO..HI [: why]
 *                TERM is METRIC(MODEL[@C] [on WORKLOAD]). METRIC: makespan,
 *                throughput, p50, p99 (latency), cpu (user+sys), rss, ctx
 *                (voluntary+involuntary); each the median over the ok reps of
 *                MODEL at concurrency C (default: the largest C the workload
 *                ran at). MODEL matches a model as written, or its name
 *                before ':' when no run is of it as written (epoll beside
 *                epoll:loops=2 is epoll alone). WORKLOAD is a kind (switch) or a kind and
 *                params the run's params must include (switch:mode=pipe);
 *                a term must pick out one workload, else it is n/a as
 *                ambiguous. delay is the workload's delay_ms or ms parameter
 *                (its first value) in seconds. The expectation is reproduced
 *                when LO <= ratio <= HI; n/a when a model or figure is
 *                missing (or a need is not met); not reproduced otherwise,
 *                and when a model's runs all failed.
 *   matrix       METRIC(*[@C] on WORKLOAD) best MODEL[|MODEL...] [within P%]
 *                [beats MODEL[|MODEL...] by P%] [not worst MODEL[|MODEL...]]
 *                : CLASS -- a row of a decision matrix: every model's figure
 *                (the ':' before CLASS has a blank after it; a model may have
 *                options: best epoll:loops=2)
 *                for that workload, best first; reproduced when one of the
 *                named models is the best or within P% of it (default 10;
 *                within P% is the row's tie rule), and the contrast holds:
 *                that model beats each model after "beats" by at least P%
 *                (figure / its figure - 1, inverted for throughput), and
 *                none of the models after "not worst" is the worst. A row
 *                whose contrast fails says so with both figures; one whose
 *                "beats" model has no figure is n/a. Name the contrast the
 *                claim is about, so a row cannot pass when it is absent.
 *                Lower is better, but for throughput.
 *   needs        cores OP N (OP one of >= > <= < ==): when false, every
 *                expectation and row is n/a, with the reason.
 */
#include "harness/suite/suite.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "harness/plot/charts.h"
#include "harness/run/runopts.h"
#include "harness/run/sweep.h"
#include "harness/suite/text.h"

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

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Check a full/quick line with the run option parser. */
static int check_opts(const char *text, char *err, size_t errlen)
{
	char buf[SUITE_TEXT + 16], *words[SUITE_MAX_WORDS];
	char *argv[SUITE_MAX_WORDS + 2];
	int n = suite_words(text, buf, sizeof buf, words, SUITE_MAX_WORDS);
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

/* One parse: the suite being filled, the line at hand, and how many lines
 * of each keyword came so far (and the first one's number). */
typedef struct {
	suite *s;
	const char *file;
	int line;
	int count[K_N], first[K_N];
	char *err;
	size_t errlen;
} parser;

/* The one error helper: "FILE:LINE: message" in err (LINE 0 for something
 * missing), with what is not printable text shown as \xNN, since messages
 * echo the file. Returns -1. */
static int fail(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(parser *p, const char *fmt, ...)
{
	char msg[400], raw[700], shown[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(raw, sizeof raw, "%.256s:%d: %s", p->file, p->line, msg);
	text_escape(shown, sizeof shown, raw);
	snprintf(p->err, p->errlen, "%s", shown);
	return -1;
}

typedef struct keyword keyword;
struct keyword {
	const char *name;
	int max;          /* how many lines may give it */
	const char *what; /* what "at most max" counts: "" (lines), " sweeps" */
	int required;
	int (*parse)(parser *p, const keyword *k, const char *val);
};

/* A text value into dst, or "KEYWORD: too long". */
static int set_text(parser *p, const keyword *k, char *dst, size_t len, const char *val)
{
	if (strlen(val) >= len)
		return fail(p, "%s: too long", k->name);
	snprintf(dst, len, "%s", val);
	return 0;
}

static int kw_name(parser *p, const keyword *k, const char *val)
{
	for (const char *c = val; *c; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
			return fail(p, "name: letters, digits, '-', '_' and '.' only");
	return set_text(p, k, p->s->name, sizeof p->s->name, val);
}

static int kw_claim(parser *p, const keyword *k, const char *val)
{
	return set_text(p, k, p->s->claim, sizeof p->s->claim, val);
}

static int kw_source(parser *p, const keyword *k, const char *val)
{
	return set_text(p, k, p->s->source, sizeof p->s->source, val);
}

static int kw_book(parser *p, const keyword *k, const char *val)
{
	return set_text(p, k, p->s->book, sizeof p->s->book, val);
}

/* The i-th full line and the i-th quick line are one sweep's two sizes. */
static int sweep_line(parser *p, const keyword *k, char *dst, const char *val)
{
	char why[200];
	if (set_text(p, k, dst, SUITE_TEXT, val) < 0)
		return -1;
	if (check_opts(val, why, sizeof why) < 0)
		return fail(p, "%s: %s", k->name, why);
	return 0;
}

static int kw_full(parser *p, const keyword *k, const char *val)
{
	return sweep_line(p, k, p->s->full[p->count[K_FULL]], val);
}

static int kw_quick(parser *p, const keyword *k, const char *val)
{
	return sweep_line(p, k, p->s->quick[p->count[K_QUICK]], val);
}

static int kw_charts(parser *p, const keyword *k, const char *val)
{
	suite *s = p->s;
	char buf[SUITE_TEXT], *w[SUITE_MAX_CHARTS + 1];
	int n = suite_words(val, buf, sizeof buf, w, SUITE_MAX_CHARTS);
	if (n < 0)
		return fail(p, "charts: at most %d names", SUITE_MAX_CHARTS);
	for (int i = 0; i < n; i++) {
		char list[200];
		if (plot_chart_stem(w[i], s->charts[i], sizeof s->charts[i]) < 0)
			return fail(p, "charts: no chart '%.40s' (the charts: %s)", w[i],
				    plot_chart_list(list, sizeof list));
	}
	s->ncharts = n;
	return 0;
}

static int kw_expect(parser *p, const keyword *k, const char *val)
{
	char why[200];
	expr_expect *e = &p->s->ex[p->s->nex];
	if (expr_parse_expect(val, e, why, sizeof why) < 0)
		return fail(p, "%s: %s", k->name, why);
	e->line = p->line;
	p->s->nex++;
	return 0;
}

/* cores OP N */
static int kw_needs(parser *p, const keyword *k, const char *val)
{
	suite_need *nd = &p->s->needs[p->s->nneeds];
	char what[16], op[4];
	long v;
	int used = 0;
	snprintf(nd->text, sizeof nd->text, "%s", val);
	if (sscanf(val, "%15s %3s %ld %n", what, op, &v, &used) != 3 || val[used] ||
	    strcmp(what, "cores") != 0 ||
	    (strcmp(op, ">=") && strcmp(op, ">") && strcmp(op, "<=") && strcmp(op, "<") &&
	     strcmp(op, "==")))
		return fail(p, "needs: want 'cores OP N' with OP one of >= > <= < ==");
	snprintf(nd->what, sizeof nd->what, "%s", what);
	snprintf(nd->op, sizeof nd->op, "%s", op);
	nd->value = v;
	p->s->nneeds++;
	return 0;
}

static int kw_matrix(parser *p, const keyword *k, const char *val)
{
	char why[200];
	expr_row *row = &p->s->rows[p->s->nrows];
	if (expr_parse_row(val, row, why, sizeof why) < 0)
		return fail(p, "%s: %s", k->name, why);
	row->line = p->line;
	p->s->nrows++;
	return 0;
}

static const keyword keywords[K_N] = {
	[K_NAME] = { "name", 1, "", 1, kw_name },
	[K_CLAIM] = { "claim", 1, "", 1, kw_claim },
	[K_SOURCE] = { "source", 1, "", 0, kw_source },
	[K_BOOK] = { "book", 1, "", 0, kw_book },
	[K_FULL] = { "full", SUITE_MAX_SWEEPS, " sweeps", 1, kw_full },
	[K_QUICK] = { "quick", SUITE_MAX_SWEEPS, " sweeps", 1, kw_quick },
	[K_CHARTS] = { "charts", 1, "", 0, kw_charts },
	[K_EXPECT] = { "expect", SUITE_MAX_EXPECT, "", 0, kw_expect },
	[K_NEEDS] = { "needs", SUITE_MAX_NEEDS, "", 0, kw_needs },
	[K_MATRIX] = { "matrix", SUITE_MAX_ROWS, " rows", 0, kw_matrix },
};

/* One line (comment and trailing blanks removed): its keyword, then the
 * checks every keyword shares, then the keyword's own function. */
static int parse_line(parser *p, char *ln)
{
	char *val = ln + strcspn(ln, " \t\n\v\f\r");
	if (*val)
		*val++ = 0, val = (char *)skip_ws(val);
	int k = 0;
	while (k < K_N && strcmp(ln, keywords[k].name) != 0)
		k++;
	if (k == K_N) {
		char list[200];
		size_t o = 0;
		for (int i = 0; i < K_N && o < sizeof list; i++)
			o += (size_t)snprintf(list + o, sizeof list - o, "%s%s", i ? ", " : "",
					      keywords[i].name);
		return fail(p, "unknown keyword '%.40s' (%s)", ln, list);
	}
	const keyword *kw = &keywords[k];
	if (!*val)
		return fail(p, "%s: give a value", kw->name);
	if (kw->max == 1 && p->count[k])
		return fail(p, "%s given twice (first on line %d)", kw->name, p->first[k]);
	if (p->count[k] == kw->max)
		return fail(p, "%s: at most %d%s", kw->name, kw->max, kw->what);
	if (!p->count[k])
		p->first[k] = p->line;
	if (kw->parse(p, kw, val) < 0)
		return -1;
	p->count[k]++;
	return 0;
}

int suite_parse(const char *text, const char *file, suite *s, char *err, size_t errlen)
{
	return suite_parse_bytes(text, strlen(text), file, s, err, errlen);
}

int suite_parse_bytes(const char *text, size_t size, const char *file, suite *s, char *err,
		      size_t errlen)
{
	parser p = { .s = s, .file = file, .err = err, .errlen = errlen };
	memset(s, 0, sizeof *s);
	snprintf(s->file, sizeof s->file, "%s", file);
	for (const char *t = text, *end = text + size; t < end;) {
		p.line++;
		const char *nl = memchr(t, '\n', (size_t)(end - t));
		size_t len = nl ? (size_t)(nl - t) : (size_t)(end - t), bad;
		char ln[SUITE_MAX_LINE], why[64];
		if ((bad = text_check(t, len, why, sizeof why)) < len)
			return fail(&p, "%s at column %zu: a suite file is plain UTF-8 text", why,
				    bad + 1);
		if (len >= sizeof ln)
			return fail(&p, "line too long");
		memcpy(ln, t, len);
		ln[len] = 0;
		t += len + (nl ? 1 : 0);
		for (char *c = ln; *c; c++)
			if (*c == '#' && (c == ln || isspace((unsigned char)c[-1]))) {
				*c = 0;
				break;
			}
		size_t l = strlen(ln);
		while (l && isspace((unsigned char)ln[l - 1]))
			ln[--l] = 0;
		char *start = (char *)skip_ws(ln);
		if (*start && parse_line(&p, start) < 0)
			return -1;
	}
	p.line = 0;
	for (int k = 0; k < K_N; k++)
		if (keywords[k].required && !p.count[k])
			return fail(&p, "no '%s' line", keywords[k].name);
	if (!p.count[K_EXPECT] && !p.count[K_MATRIX])
		return fail(&p, "no 'expect' line (nor a 'matrix' row)");
	if (p.count[K_FULL] != p.count[K_QUICK])
		return fail(&p, "%d full lines but %d quick lines: each sweep needs both sizes",
			    p.count[K_FULL], p.count[K_QUICK]);
	s->nsweeps = p.count[K_FULL];
	return 0;
}

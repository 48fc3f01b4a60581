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
 * name, claim, full, quick and at least one expect are required; name,
 * claim, source, book, full, quick and charts at most once; expect (up to
 * 16) and needs (up to 4) may repeat.
 *
 *   full, quick  `concbench run` options (the same parser; no --out, --name:
 *                the suite sets those), the full and the --quick size.
 *   charts       chart names (as `concbench plot` names them: makespan,
 *                speedup, latency, ...) that show the claim; the report
 *                links to them.
 *   expect       METRIC(MODEL[@C]) / METRIC(MODEL[@C]) in LO..HI [: why]
 *                METRIC(MODEL[@C]) / delay in LO..HI [: why]
 *                METRIC(MODEL[@C]) / CONST in LO..HI [: why]
 *                METRIC: makespan, throughput, p50, p99 (latency), cpu
 *                (user+sys), rss, ctx (voluntary+involuntary); each the median
 *                over the ok reps of MODEL at concurrency C (default: the
 *                sweep's largest C). MODEL matches a model as written, or its
 *                name before ':'. delay is the workload's delay_ms or ms
 *                parameter (its first value) in seconds. The expectation is
 *                reproduced when LO <= ratio <= HI; n/a when a model or
 *                figure is missing (or every need not met); not reproduced
 *                otherwise, and when a model's runs all failed.
 *   needs        cores OP N (OP one of >= > <= < ==): when false, every
 *                expectation is n/a, with the reason.
 */
#define _GNU_SOURCE
#include "suite.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvread.h"
#include "runopts.h"
#include "stats.h"
#include "sweep.h"

/* The table the Makefile generates from the files in harness/suites. */
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

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* METRIC(MODEL[@C]) at *pp; advances it. */
static int parse_term(const char **pp, ex_term *t, char *err, size_t errlen)
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
	t->metric = (ex_metric)k;
	p += strlen(metric_names[k]) + 1;
	const char *close = strchr(p, ')');
	if (!close) {
		snprintf(err, errlen, "'%s(' is not closed", metric_names[k]);
		return -1;
	}
	const char *at = memchr(p, '@', (size_t)(close - p));
	const char *mend = at ? at : close;
	if (mend == p || (size_t)(mend - p) >= sizeof t->model) {
		snprintf(err, errlen, "%s(): give a model name", metric_names[k]);
		return -1;
	}
	memcpy(t->model, p, (size_t)(mend - p));
	t->model[mend - p] = 0;
	for (char *c = t->model; *c; c++)
		if (isspace((unsigned char)*c)) {
			snprintf(err, errlen, "model '%s': no spaces", t->model);
			return -1;
		}
	t->c = 0;
	if (at) {
		char *end;
		errno = 0;
		unsigned long c = strtoul(at + 1, &end, 10);
		if (end != close || end == at + 1 || c == 0 || c > 1000000 || errno) {
			snprintf(err, errlen, "'%.*s': @C wants a concurrency value >= 1",
				 (int)(close - at), at);
			return -1;
		}
		t->c = (unsigned)c;
	}
	*pp = close + 1;
	return 0;
}

int expect_parse(const char *text, suite_expect *e, char *err, size_t errlen)
{
	memset(e, 0, sizeof *e);
	const char *colon = strchr(text, ':');
	/* a ':' inside a model spec (threads:stack=64k) is inside parentheses */
	for (const char *c = text; c && *c; c++) {
		if (*c == '(') {
			c = strchr(c, ')');
			if (!c)
				break;
			continue;
		}
		if (*c == ':') {
			colon = c;
			break;
		}
		colon = NULL;
	}
	size_t elen = colon ? (size_t)(colon - text) : strlen(text);
	while (elen && isspace((unsigned char)text[elen - 1]))
		elen--;
	if (elen >= sizeof e->text) {
		snprintf(err, errlen, "expectation too long");
		return -1;
	}
	memcpy(e->text, text, elen);
	e->text[elen] = 0;
	if (colon)
		snprintf(e->why, sizeof e->why, "%s", skip_ws(colon + 1));
	const char *p = e->text;
	if (parse_term(&p, &e->num, err, errlen) < 0)
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
		if (parse_term(&p, &e->den, err, errlen) < 0)
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

enum { K_NAME, K_CLAIM, K_SOURCE, K_BOOK, K_FULL, K_QUICK, K_CHARTS, K_EXPECT, K_NEEDS, K_N };
static const char *const keywords[K_N] = { "name",  "claim",  "source", "book", "full",
					   "quick", "charts", "expect", "needs" };

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
static int parse_line(suite *s, char *ln, int lineno, const char *file, int *seen, char *err,
		      size_t errlen)
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
			 "charts, expect, needs)",
			 ln);
		return line_error(err, errlen, file, lineno, msg);
	}
	if (!*val) {
		snprintf(msg, sizeof msg, "%s: give a value", keywords[k]);
		return line_error(err, errlen, file, lineno, msg);
	}
	if (k != K_EXPECT && k != K_NEEDS && seen[k]) {
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
	case K_QUICK:
		if (set_text(k == K_FULL ? s->full : s->quick, SUITE_TEXT, val) < 0) {
			toolong = 1;
			break;
		}
		if (check_opts(val, msg + 200, 200) < 0) {
			snprintf(msg, 200, "%s: ", keywords[k]);
			memmove(msg + strlen(msg), msg + 200, strlen(msg + 200) + 1);
			return line_error(err, errlen, file, lineno, msg);
		}
		break;
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
	int seen[K_N] = { 0 };
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
		if (parse_line(s, start, lineno, file, seen, err, errlen) < 0)
			return -1;
	}
	static const int required[] = { K_NAME, K_CLAIM, K_FULL, K_QUICK, K_EXPECT };
	for (size_t i = 0; i < sizeof required / sizeof *required; i++)
		if (!seen[required[i]]) {
			char msg[80];
			snprintf(msg, sizeof msg, "no '%s' line", keywords[required[i]]);
			return line_error(err, errlen, file, 0, msg);
		}
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
			snprintf(file, sizeof file, "harness/suites/%s.suite", name_or_file);
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

static const char *metric_unit(ex_metric m)
{
	return m == EX_THROUGHPUT ? "/s" : m == EX_RSS ? "KiB" : m == EX_CTX ? "" : "s";
}

static int model_matches(const char *run_model, const char *want)
{
	size_t l = strlen(want);
	return !strcmp(run_model, want) || (!strncmp(run_model, want, l) && run_model[l] == ':');
}

static unsigned largest_c(const res_run *runs, size_t n)
{
	unsigned c = 0;
	for (size_t i = 0; i < n; i++)
		if (runs[i].concurrency > c)
			c = runs[i].concurrency;
	return c;
}

/* The median of a term, or NaN with why (*failed set when runs exist but
 * none is ok). */
static double term_value(const ex_term *t, const res_run *runs, size_t n, unsigned *c_used,
			 int *failed, char *why, size_t len)
{
	unsigned c = t->c ? t->c : largest_c(runs, n);
	*c_used = c;
	double *v = malloc((n ? n : 1) * sizeof *v);
	size_t nv = 0, seen = 0, ok = 0;
	const char *status = "";
	if (!v) {
		snprintf(why, len, "out of memory");
		return NAN;
	}
	for (size_t i = 0; i < n; i++) {
		if (!model_matches(runs[i].model, t->model) || runs[i].concurrency != c)
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
	if (!seen)
		snprintf(why, len, "no runs of %s at C=%u", t->model, c);
	else if (!ok) {
		*failed = 1;
		snprintf(why, len, "every run of %s at C=%u failed (%.80s)", t->model, c, status);
	} else if (!nv)
		snprintf(why, len, "no %s figure for %s at C=%u", metric_names[t->metric], t->model,
			 c);
	return med;
}

/* The workload's delay_ms or ms (first value), in seconds, from params. */
static double delay_of(const res_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
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

static void fmt_value(char *buf, size_t len, ex_metric m, double v)
{
	const char *u = metric_unit(m);
	snprintf(buf, len, "%.4g%s%s", v, *u && *u != '/' ? " " : "", u);
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
	fmt_value(adesc, sizeof adesc, e->num.metric, a);
	switch (e->den_kind) {
	case EX_DEN_TERM: {
		b = term_value(&e->den, runs, n, &c2, &failed, why, sizeof why);
		char v[64];
		fmt_value(v, sizeof v, e->den.metric, b);
		snprintf(bdesc, sizeof bdesc, "%s@%u %s", e->den.model, c2, v);
		break;
	}
	case EX_DEN_DELAY:
		b = delay_of(runs, n);
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
	snprintf(r.msg, sizeof r.msg, "%.3g = %s@%u %s / %s", r.value, e->num.model, c1, adesc,
		 bdesc);
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

verdict suite_eval(const suite *s, const res_run *runs, size_t n, int cores, ex_result *res)
{
	char why[200];
	int ok = suite_needs_ok(s, cores, why, sizeof why);
	for (int i = 0; i < s->nex; i++) {
		if (ok) {
			res[i] = expect_eval(&s->ex[i], runs, n);
		} else {
			res[i] = (ex_result){ .v = V_NA, .value = NAN };
			snprintf(res[i].msg, sizeof res[i].msg, "%s", why);
		}
	}
	return verdict_combine(res, (size_t)s->nex);
}

/*
 * json.c - the streaming JSON writer and validator declared in json.h.
 *
 * The writer is a small state machine: each level of nesting remembers
 * whether it is an object or an array and whether it has members yet, which
 * is all that is needed to place commas and indentation. Misuse sets a sticky
 * EINVAL instead of writing bad JSON, because results.json is read by other
 * programs long after the run that wrote it is gone.
 *
 * The validator is a recursive-descent recogniser for RFC 8259; it exists so
 * that jw_raw() can refuse a broken context and tests can check output.
 */
#include "json.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void jw_init(jw *w, FILE *f)
{
	memset(w, 0, sizeof *w);
	w->f = f;
}

static int fail(jw *w, int err)
{
	if (!w->err)
		w->err = err ? err : EIO;
	return -1;
}

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static int out(jw *w, const char *s, size_t n)
{
	if (w->err)
		return -1;
	if (n && fwrite(s, 1, n, w->f) != n)
		return fail(w, errno);
	return 0;
}

static int outs(jw *w, const char *s)
{
	return out(w, s, strlen(s));
}

static int newline(jw *w, int depth)
{
	if (out(w, "\n", 1) < 0)
		return -1;
	for (int d = 0; d < depth; d++)
		if (out(w, "  ", 2) < 0)
			return -1;
	return 0;
}

/* Everything a value does before its first byte: check it is allowed here,
 * then write the separator and indentation. */
static int begin_value(jw *w)
{
	if (w->err)
		return -1;
	if (w->depth == 0)
		return w->done ? fail(w, EINVAL) : 0;
	int d = w->depth - 1;
	if (w->open[d] == '{') {
		if (!w->has_key)
			return fail(w, EINVAL);
		w->has_key = 0;
		return 0;
	}
	if (w->nonempty[d] && out(w, ",", 1) < 0)
		return -1;
	w->nonempty[d] = 1;
	return newline(w, w->depth);
}

static int end_value(jw *w)
{
	if (w->depth == 0)
		w->done = 1;
	return w->err ? -1 : 0;
}

static int open_container(jw *w, char c)
{
	if (begin_value(w) < 0)
		return -1;
	if (w->depth == JW_MAXDEPTH)
		return fail(w, EINVAL);
	w->open[w->depth] = c;
	w->nonempty[w->depth] = 0;
	w->depth++;
	return out(w, &c, 1);
}

static int close_container(jw *w, char open, char close)
{
	if (w->err)
		return -1;
	if (w->depth == 0 || w->open[w->depth - 1] != open || w->has_key)
		return fail(w, EINVAL);
	w->depth--;
	if (w->nonempty[w->depth] && newline(w, w->depth) < 0)
		return -1;
	if (out(w, &close, 1) < 0)
		return -1;
	return end_value(w);
}

int jw_obj_begin(jw *w)
{
	return open_container(w, '{');
}
int jw_obj_end(jw *w)
{
	return close_container(w, '{', '}');
}
int jw_arr_begin(jw *w)
{
	return open_container(w, '[');
}
int jw_arr_end(jw *w)
{
	return close_container(w, '[', ']');
}

/* Length of the well-formed UTF-8 sequence at s[0..avail) (not ASCII), or
 * 0: rejects overlong forms, surrogates and code points past U+10FFFF. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t n;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if ((s[k] & 0xC0) != 0x80)
			return 0;
	return n;
}

static int quoted(jw *w, const char *str, size_t len)
{
	static const char short_from[] = "\"\\\n\t\r", short_to[] = "\"\\ntr";
	const unsigned char *s = (const unsigned char *)str, *end = s + len;
	char esc[8];

	if (out(w, "\"", 1) < 0)
		return -1;
	while (s < end) {
		size_t run = 0; /* bytes that pass through unchanged */
		while (s + run < end && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (out(w, (const char *)s, run) < 0)
			return -1;
		s += run;
		if (s == end)
			break;
		size_t u = *s >= 0x80 ? utf8_len(s, (size_t)(end - s)) : 0;
		if (u) {
			if (out(w, (const char *)s, u) < 0)
				return -1;
			s += u;
			continue;
		}
		const char *k = *s ? strchr(short_from, *s) : NULL;
		if (k)
			snprintf(esc, sizeof esc, "\\%c", short_to[k - short_from]);
		else if (*s < 0x20)
			snprintf(esc, sizeof esc, "\\u%04x", *s);
		else
			strcpy(esc, "\\ufffd"); /* not UTF-8 */
		if (outs(w, esc) < 0)
			return -1;
		s++;
	}
	return out(w, "\"", 1);
}

int jw_key(jw *w, const char *key)
{
	if (w->err)
		return -1;
	if (w->depth == 0 || w->open[w->depth - 1] != '{' || w->has_key || !key)
		return fail(w, EINVAL);
	int d = w->depth - 1;
	if (w->nonempty[d] && out(w, ",", 1) < 0)
		return -1;
	w->nonempty[d] = 1;
	if (newline(w, w->depth) < 0 || quoted(w, key, strlen(key)) < 0 || out(w, ": ", 2) < 0)
		return -1;
	w->has_key = 1;
	return 0;
}

static int scalar(jw *w, const char *text)
{
	if (begin_value(w) < 0 || outs(w, text) < 0)
		return -1;
	return end_value(w);
}

int jw_str(jw *w, const char *s)
{
	return s ? jw_strn(w, s, strlen(s)) : jw_null(w);
}

int jw_strn(jw *w, const char *s, size_t n)
{
	if (begin_value(w) < 0 || quoted(w, s, n) < 0)
		return -1;
	return end_value(w);
}

int jw_int(jw *w, int64_t v)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%" PRId64, v);
	return scalar(w, buf);
}

int jw_uint(jw *w, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof buf, "%" PRIu64, v);
	return scalar(w, buf);
}

int jw_double(jw *w, double v)
{
	char buf[32];
	if (!isfinite(v))
		return jw_null(w);
	/* The shortest of 15..17 significant digits that reads back exactly. */
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return scalar(w, buf);
}

int jw_bool(jw *w, int v)
{
	return scalar(w, v ? "true" : "false");
}
int jw_null(jw *w)
{
	return scalar(w, "null");
}

int jw_raw(jw *w, const char *json)
{
	if (begin_value(w) < 0)
		return -1;
	if (!json || json_check(json, strlen(json), NULL, 0) < 0)
		return fail(w, EINVAL);
	/* Trim the outer white space; newlines inside can only sit between
	 * tokens (JSON strings cannot hold raw ones), so indent after each. */
	size_t a = strspn(json, " \t\r\n"), b = strlen(json);
	while (b > a && is_space(json[b - 1]))
		b--;
	while (a < b) {
		size_t line = strcspn(json + a, "\n");
		if (line > b - a)
			line = b - a;
		if (out(w, json + a, line) < 0)
			return -1;
		a += line + 1;
		if (a < b && newline(w, w->depth) < 0)
			return -1;
	}
	return end_value(w);
}

int jw_done(jw *w)
{
	if (w->err)
		return -1;
	if (w->depth != 0 || !w->done)
		return fail(w, EINVAL);
	return out(w, "\n", 1);
}

int jw_kv_str(jw *w, const char *key, const char *s)
{
	return jw_key(w, key) < 0 ? -1 : jw_str(w, s);
}
int jw_kv_int(jw *w, const char *key, int64_t v)
{
	return jw_key(w, key) < 0 ? -1 : jw_int(w, v);
}
int jw_kv_uint(jw *w, const char *key, uint64_t v)
{
	return jw_key(w, key) < 0 ? -1 : jw_uint(w, v);
}
int jw_kv_double(jw *w, const char *key, double v)
{
	return jw_key(w, key) < 0 ? -1 : jw_double(w, v);
}
int jw_kv_bool(jw *w, const char *key, int v)
{
	return jw_key(w, key) < 0 ? -1 : jw_bool(w, v);
}
int jw_kv_null(jw *w, const char *key)
{
	return jw_key(w, key) < 0 ? -1 : jw_null(w);
}

/* The validator: p walks s[0..n); the first error wins. */
typedef struct {
	const char *s;
	size_t n, p;
	int depth;
	const char *why;
} jc;

static int jc_fail(jc *c, const char *why)
{
	if (!c->why)
		c->why = why;
	return -1;
}

static int jc_peek(jc *c)
{
	return c->p < c->n ? (unsigned char)c->s[c->p] : -1;
}

static void jc_space(jc *c)
{
	while (c->p < c->n && is_space(c->s[c->p]))
		c->p++;
}

/* Skip white space, then take ch if it comes next. */
static int jc_take(jc *c, int ch)
{
	jc_space(c);
	return jc_peek(c) == ch ? (c->p++, 1) : 0;
}

static int jc_digits(jc *c)
{
	size_t start = c->p;
	while (jc_peek(c) >= '0' && jc_peek(c) <= '9')
		c->p++;
	return c->p > start ? 0 : jc_fail(c, "digit expected");
}

static int jc_number(jc *c)
{
	if (jc_peek(c) == '-')
		c->p++;
	if (jc_peek(c) == '0')
		c->p++;
	else if (jc_digits(c) < 0)
		return -1;
	if (jc_peek(c) == '.' && (c->p++, jc_digits(c) < 0))
		return -1;
	if (jc_peek(c) == 'e' || jc_peek(c) == 'E') {
		c->p++;
		if (jc_peek(c) == '+' || jc_peek(c) == '-')
			c->p++;
		return jc_digits(c);
	}
	return 0;
}

static int jc_string(jc *c)
{
	for (c->p++;;) { /* past the opening quote */
		int ch = jc_peek(c);
		c->p++;
		if (ch == '"')
			return 0;
		if (ch < 0x20)
			return jc_fail(c, ch < 0 ? "unterminated string"
						 : "control character in string");
		if (ch != '\\')
			continue;
		ch = jc_peek(c);
		c->p++;
		if (ch == 'u') {
			for (int k = 0; k < 4; k++, c->p++)
				if (!isxdigit(jc_peek(c)))
					return jc_fail(c, "bad \\u escape");
		} else if (ch <= 0 || !strchr("\"\\/bfnrt", ch)) {
			return jc_fail(c, "bad escape");
		}
	}
}

static int jc_value(jc *c);

/* An object or array: members separated by commas, keys for objects. */
static int jc_container(jc *c, int close)
{
	if (++c->depth > 512)
		return jc_fail(c, "nesting too deep");
	c->p++;
	if (jc_take(c, close))
		return c->depth--, 0;
	do {
		if (close == '}') {
			jc_space(c);
			if (jc_peek(c) != '"')
				return jc_fail(c, "key expected");
			if (jc_string(c) < 0)
				return -1;
			if (!jc_take(c, ':'))
				return jc_fail(c, "':' expected");
		}
		if (jc_value(c) < 0)
			return -1;
	} while (jc_take(c, ','));
	if (!jc_take(c, close))
		return jc_fail(c, close == '}' ? "',' or '}' expected" : "',' or ']' expected");
	c->depth--;
	return 0;
}

static int jc_value(jc *c)
{
	static const char *const words[] = { "true", "false", "null" };
	jc_space(c);
	int ch = jc_peek(c);
	if (ch == '{' || ch == '[')
		return jc_container(c, ch == '{' ? '}' : ']');
	if (ch == '"')
		return jc_string(c);
	if (ch == '-' || (ch >= '0' && ch <= '9'))
		return jc_number(c);
	for (int k = 0; k < 3; k++) {
		size_t len = strlen(words[k]);
		if (c->n - c->p >= len && memcmp(c->s + c->p, words[k], len) == 0) {
			c->p += len;
			return 0;
		}
	}
	return jc_fail(c, ch < 0 ? "unexpected end" : "value expected");
}

int json_check(const char *s, size_t n, char *err, size_t errlen)
{
	jc c = { s, n, 0, 0, NULL };
	if (jc_value(&c) == 0) {
		jc_space(&c);
		if (c.p == c.n)
			return 0;
	}
	jc_fail(&c, "text after the value");
	if (err && errlen)
		snprintf(err, errlen, "invalid JSON at byte %zu: %s", c.p, c.why);
	return -1;
}

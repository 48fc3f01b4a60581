/*
 * json.c - the streaming JSON writer declared in json.h.
 *
 * The writer is a small state machine: each level of nesting remembers
 * whether it is an object or an array and whether it has members yet, which
 * is all that is needed to place commas and indentation. Misuse sets a sticky
 * EINVAL instead of writing bad JSON, because results.json is read by other
 * programs long after the run that wrote it is gone. jw_raw() checks what
 * it embeds with json_check() (jsoncheck.c) for the same reason.
 */
#include "harness/report/json.h"

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

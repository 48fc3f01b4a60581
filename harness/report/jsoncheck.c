/*
 * jsoncheck.c - the JSON validator declared in jsoncheck.h.
 *
 * A recursive-descent recogniser for RFC 8259: it builds nothing, only walks
 * the text and stops at the first fault, remembering where and why. The
 * depth limit keeps hostile input from exhausting the stack.
 */
#include "harness/report/jsoncheck.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
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

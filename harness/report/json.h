/*
 * json.h - a tiny streaming JSON writer on a FILE*. The validator it relies
 * on, json_check(), is in jsoncheck.h, included here for its callers.
 *
 * The writer keeps its nesting in a jw struct (no globals) and places commas,
 * newlines and the 2-space indent itself, so callers only say what comes
 * next. Errors are sticky: after the first failed write or misuse (a value in
 * an object without a key, a wrong close, nesting deeper than JW_MAXDEPTH)
 * every call returns -1, and jw_done() tells whether the whole text is good.
 *
 *	jw w;
 *	jw_init(&w, f);
 *	jw_obj_begin(&w);
 *	jw_key(&w, "schema"); jw_int(&w, 1);
 *	jw_obj_end(&w);
 *	if (jw_done(&w) < 0) ... w.err is the errno
 *
 * Strings are UTF-8: valid sequences pass through, quotes, backslashes and
 * control characters are escaped, and bytes that are not UTF-8 become U+FFFD
 * so the output is always valid JSON. Doubles print with the fewest digits
 * that read back to the same value (1 -> 1, 0.1 -> 0.1); NaN and infinities
 * become null. Numbers assume the C locale for LC_NUMERIC.
 */
#ifndef CB_JSON_H
#define CB_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/report/jsoncheck.h"

#define JW_MAXDEPTH 32

typedef struct {
	FILE *f;
	int err;                /* 0, or the errno of the first failure (EINVAL for misuse) */
	int depth;              /* open containers */
	int has_key;            /* inside an object, a key waits for its value */
	int done;               /* the top-level value is complete */
	char open[JW_MAXDEPTH]; /* '{' or '[' per level */
	unsigned char nonempty[JW_MAXDEPTH];
} jw;

void jw_init(jw *w, FILE *f);
int jw_obj_begin(jw *w);
int jw_obj_end(jw *w);
int jw_arr_begin(jw *w);
int jw_arr_end(jw *w);
int jw_key(jw *w, const char *key);
int jw_str(jw *w, const char *s);            /* NULL writes null */
int jw_strn(jw *w, const char *s, size_t n); /* n bytes; NULs are escaped */
int jw_int(jw *w, int64_t v);
int jw_uint(jw *w, uint64_t v);
int jw_double(jw *w, double v); /* NaN, inf -> null */
int jw_bool(jw *w, int v);
int jw_null(jw *w);
/* A complete JSON value, checked with json_check() and re-indented to the
 * current depth: how results.json embeds the context object verbatim. */
int jw_raw(jw *w, const char *json);
/* After the top-level value: checks it is closed, ends the line. 0 or -1. */
int jw_done(jw *w);

/* Key and value in one call, for objects. */
int jw_kv_str(jw *w, const char *key, const char *s);
int jw_kv_int(jw *w, const char *key, int64_t v);
int jw_kv_uint(jw *w, const char *key, uint64_t v);
int jw_kv_double(jw *w, const char *key, double v);
int jw_kv_bool(jw *w, const char *key, int v);
int jw_kv_null(jw *w, const char *key);

#endif

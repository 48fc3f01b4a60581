/*
 * jsoncheck.h - a JSON validator: is this text one well-formed JSON value?
 *
 * jw_raw() uses it to refuse a broken context before it reaches
 * results.json, rep_write() to name the fault, and tests to check output.
 */
#ifndef CB_JSONCHECK_H
#define CB_JSONCHECK_H

#include <stddef.h>

/* Is s[0..n) exactly one JSON value (RFC 8259), surrounded only by white
 * space? 0 if so; else -1 with a message naming the byte offset in err.
 * Nesting deeper than 512 levels is refused. */
int json_check(const char *s, size_t n, char *err, size_t errlen);

#endif

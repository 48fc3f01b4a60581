/*
 * wlparse.h - parse a workload spec, "name:key=value,...", into a wl_spec.
 *
 * It lives beside the workloads, not in the harness, because a workload may
 * hold another one's spec: serve:work=hash:algo=sha256,bytes=64k checks its
 * work with this same parser (dependencies run harness -> models ->
 * workloads). harness/run/spec.c calls it for -w and suite texts.
 */
#ifndef CB_WLPARSE_H
#define CB_WLPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "workloads/workload.h"

/* "fib:n=30", "hash:algo=sha256,bytes=4k", "serve:work=fib:n=20". Names,
 * types and ranges come from the kind's parameter table; a text parameter
 * with `rest` takes everything after its '=', commas included; force lifts
 * soft maxima. 0, or -1 with err naming the text it could not take. */
int wl_parse(const char *text, int force, wl_spec *w, char *err, size_t errlen);
/* A whole number in [min, max]; with_units accepts k/m/g (x1024). */
int wl_parse_int(const char *text, int64_t min, int64_t max, int with_units, int64_t *out,
		 char *err, size_t errlen);

#endif

/*
 * spec.h - parse what a user writes: workload and model specs, numbers with
 * units, and lists or ranges of counts.
 *
 * Every parser fills `err` with a message that names the offending text and
 * returns -1 on bad input; it never exits, so tests and suites can use it.
 */
#ifndef CB_SPEC_H
#define CB_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "models/model.h"
#include "workloads/workload.h"

/* "fib:n=30", "hash:algo=sha256,bytes=4k". force lifts soft maxima. */
int spec_workload(const char *text, int force, wl_spec *out, char *err, size_t errlen);
/* "threads", "threads:stack=64k" */
int spec_model(const char *text, model_spec *out, char *err, size_t errlen);
/* "all" or "sequential,threads:stack=64k,pool"; allocates *out. */
int spec_models(const char *text, model_spec **out, size_t *n, char *err, size_t errlen);
/* Whole number in [min, max]; with_units accepts k/m/g (x1024). */
int spec_int(const char *text, int64_t min, int64_t max, int with_units, int64_t *out, char *err,
	     size_t errlen);
/* "1,2,4", "1..1024x2" (geometric), "1..8" or "2..20+2" (arithmetic), or a mix
 * joined by commas; values in [min, max]; allocates *out. */
int spec_counts(const char *text, int64_t min, int64_t max, int64_t **out, size_t *n, char *err,
		size_t errlen);

#endif

/*
 * wl_fixture.h - building wl_spec values by hand, from a kind's parameter
 * table, the way the spec parser fills them, for the tests that do not test
 * the parser (test_workloads.c, test_models.c, test_coro_model.c, test_http*.c).
 * Include it after testutil.h.
 */
#ifndef CB_WL_FIXTURE_H
#define CB_WL_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/workload.h"
#include "workloads/registry.h"

/* A value as the spec parser reads it: k/m/g (either case) on sizes, the
 * index of an enum's choice (-1: not a choice), 0 for a string. */
static inline int64_t wl_param_value(const wl_param_def *d, const char *text)
{
	char *end;
	int64_t v;

	if (d->type == WL_STR)
		return 0;
	if (d->type == WL_ENUM) {
		const char *c = d->choices;
		for (int64_t k = 0; c; k++) {
			size_t len = strcspn(c, "|");
			if (len == strlen(text) && strncmp(c, text, len) == 0)
				return k;
			c = c[len] ? c + len + 1 : NULL;
		}
		return -1;
	}
	v = strtoll(text, &end, 10);
	switch (d->type == WL_SIZE ? *end : 0) {
	case 'g':
	case 'G': v *= 1024; /* fall through */
	case 'm':
	case 'M': v *= 1024; /* fall through */
	case 'k':
	case 'K': v *= 1024;
	}
	return v;
}

/* A value, or a per-task list "a|b" of them, as the spec parser stores it. */
static inline void spec_set(wl_spec *w, const char *key, const char *val)
{
	for (int k = 0; k < w->nparams; k++) {
		const wl_param_def *d = w->p[k].def;
		if (strcmp(d->name, key) != 0)
			continue;
		snprintf(w->p[k].text, sizeof w->p[k].text, "%s", val);
		w->p[k].nvals = 0;
		for (const char *v = val; d->per_task && v;
		     v = strchr(v, '|') ? strchr(v, '|') + 1 : NULL) {
			assert_true(w->p[k].nvals < WL_MAX_VALUES);
			w->p[k].vals[w->p[k].nvals++] = wl_param_value(d, v);
		}
		w->p[k].num = wl_param_value(d, val);
		if (d->type == WL_ENUM && w->p[k].num < 0)
			fail_msg("%s: %s is not a choice", d->name, val);
		return;
	}
	fail_msg("%s has no parameter %s", w->kind->name, key);
}

/* A spec of kind with every default, then the key, value, ... pairs of ap
 * (NULL-terminated) over them. */
static inline void spec_vmake(wl_spec *w, const wl_kind *kind, va_list ap)
{
	const char *key;

	memset(w, 0, sizeof *w);
	w->kind = kind;
	for (const wl_param_def *d = kind->params; d->name; d++) {
		assert_true(w->nparams < WL_MAX_PARAMS);
		w->p[w->nparams++].def = d;
		spec_set(w, d->name, d->def);
	}
	while ((key = va_arg(ap, const char *)))
		spec_set(w, key, va_arg(ap, const char *));
}

/* The workload called name with every default, then key, value, ... NULL. */
static inline void __attribute__((sentinel)) spec_make(wl_spec *w, const char *name, ...)
{
	const wl_kind *kind = wl_find(name);
	va_list ap;

	assert_non_null(kind);
	va_start(ap, name);
	spec_vmake(w, kind, ap);
	va_end(ap);
}

static inline void spec_prepare(wl_spec *w)
{
	char err[WL_ERRLEN] = "";

	if (wl_prepare(w, err, sizeof err) != 0)
		fail_msg("prepare %s: %s", w->kind->name, err);
}

/* Run task i through io. */
static inline wl_result run_task(const wl_spec *w, size_t i, wl_io *io)
{
	wl_result r = { 0 };

	w->kind->run(w, i, io, &r);
	return r;
}

/* The digest task i of an already prepared spec must succeed with. */
static inline uint64_t task_digest(const wl_spec *w, size_t i)
{
	wl_result r = run_task(w, i, &wl_io_blocking);

	if (r.err)
		fail_msg("%s task %zu: %s", w->kind->name, i, r.msg);
	return r.digest;
}

#endif

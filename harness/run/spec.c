/*
 * spec.c - parse what a user writes.
 *
 * Workloads and models share one grammar: NAME[:key=value,...]. Models also
 * take flags, before the options: NAME[+FLAG...][:key=value,...], as in
 * "threads+gil:gil_interval_ms=1"; a flag after the options is an error. Each
 * kind lists the parameters it accepts, with types and ranges, so one parser
 * checks them all and every message names the text it could not take.
 * Numbers are whole; sizes take k, m or g (powers of 1024). Workload specs
 * and numbers are parsed by workloads/wlparse.c (a workload may hold another
 * one's spec: serve:work=...); models and lists of counts here.
 */
#include "harness/run/spec.h"
#include "models/registry.h"
#include "workloads/wlparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

int spec_int(const char *text, int64_t min, int64_t max, int with_units, int64_t *out, char *err,
	     size_t errlen)
{
	return wl_parse_int(text, min, max, with_units, out, err, errlen);
}

/* Split "name:rest" into name and the option text after it. */
static const char *split_name(const char *text, char *name, size_t len, const char *seps)
{
	size_t n = strcspn(text, seps);
	if (n >= len)
		n = len - 1;
	memcpy(name, text, n);
	name[n] = '\0';
	return text + strcspn(text, seps);
}

/* Walk "k=v,k=v", calling fn for each pair. */
typedef int (*pair_fn)(void *ctx, const char *key, const char *val, char *err, size_t errlen);

static int each_pair(const char *list, const char *what, pair_fn fn, void *ctx, char *err,
		     size_t errlen)
{
	char buf[256];
	if (strlen(list) >= sizeof buf)
		return ERR("%s: option text is too long", what);
	strcpy(buf, list);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq || eq == tok || !eq[1])
			return ERR("%s: '%s' is not key=value", what, tok);
		*eq = '\0';
		if (fn(ctx, tok, eq + 1, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int spec_workload(const char *text, int force, wl_spec *w, char *err, size_t errlen)
{
	return wl_parse(text, force, w, err, errlen);
}

static int model_pair(void *ctx, const char *key, const char *val, char *err, size_t errlen)
{
	model_spec *m = ctx;
	const model_opt_def *d = m->kind->opts;
	if (strchr(val, '+'))
		return ERR("model %s: flags go before options: write %s+FLAG:key=value, not "
			   "'%s=%s'",
			   m->kind->name, m->kind->name, key, val);
	while (d && d->name && strcmp(d->name, key) != 0)
		d++;
	if (!d || !d->name)
		return ERR("model %s: unknown option '%s' (see: concbench list models)",
			   m->kind->name, key);
	int k = 0;
	while (k < m->nopts && m->o[k].def != d)
		k++;
	if (strncmp(key, "gil_", 4) == 0 && !model_flag(m, "gil"))
		return ERR("model %s: %s only applies with +gil (%s+gil:%s=%s)", m->kind->name, key,
			   m->kind->name, key, val);
	char msg[128];
	if (spec_int(val, d->min, d->max, d->is_size, &m->o[k].num, msg, sizeof msg) < 0)
		return ERR("model %s: %s: %s", m->kind->name, key, msg);
	if (d->check && d->check(m->o[k].num, msg, sizeof msg) < 0)
		return ERR("model %s: %s=%s: %s", m->kind->name, key, val, msg);
	return 0;
}

/* "+a+b" up to ':' or the end: set each flag's bit; return what follows. */
static const char *model_flags(model_spec *m, const char *rest, char *err, size_t errlen)
{
	while (*rest == '+') {
		char flag[32];
		const char *end = split_name(rest + 1, flag, sizeof flag, ":+");
		const char *const *f = m->kind->flags;
		unsigned k = 0;
		while (f && f[k] && strcmp(f[k], flag) != 0)
			k++;
		if (!*flag || !f || !f[k] || k >= 32) {
			if (*flag)
				snprintf(err, errlen, "model %s: unknown flag '%s'", m->kind->name,
					 flag);
			else
				snprintf(err, errlen, "model '%s': empty flag after '+'", m->text);
			return NULL;
		}
		m->flags |= 1u << k;
		rest = end;
	}
	return rest;
}

int spec_model(const char *text, model_spec *m, char *err, size_t errlen)
{
	char name[32];
	const char *rest = split_name(text, name, sizeof name, ":+");
	memset(m, 0, sizeof *m);
	if (!(m->kind = model_find(name)))
		return ERR("unknown model '%s' (see: concbench list models)", name);
	if (strlen(text) >= sizeof m->text)
		return ERR("model '%s': too long", text);
	strcpy(m->text, text);
	for (const model_opt_def *d = m->kind->opts; d && d->name; d++) {
		if (m->nopts == MODEL_MAX_OPTS)
			return ERR("model %s: too many options", name);
		m->o[m->nopts].def = d;
		if (spec_int(d->def, d->min, d->max, d->is_size, &m->o[m->nopts++].num, err,
			     errlen) < 0)
			return -1;
	}
	if (!(rest = model_flags(m, rest, err, errlen)))
		return -1;
	if (*rest == ':' && !rest[1])
		return ERR("model '%s': nothing after ':'", text);
	return *rest ? each_pair(rest + 1, name, model_pair, m, err, errlen) : 0;
}

/* After a comma: a plain key=value continues the current model's options;
 * anything else ("pool", "pool:stack=4k") starts a new model. */
static int continues_options(const char *seg)
{
	size_t key = strcspn(seg, ",=");
	return seg[key] == '=' && strcspn(seg, ":+") > key;
}

/* Does kind k accept the +gil flag? */
static int takes_gil(const model_kind *k)
{
	for (const char *const *f = k->flags; f && *f; f++)
		if (strcmp(*f, "gil") == 0)
			return 1;
	return 0;
}

/* "all": every model; "all+gil": every model, each one that takes +gil
 * followed by its +gil variant. */
static int all_models(int with_gil, model_spec **out, size_t *n, char *err, size_t errlen)
{
	size_t cnt = 0, k = 0;
	for (const model_kind *const *m = model_all(); *m; m++)
		cnt += 1 + (with_gil && takes_gil(*m));
	if (!(*out = calloc(cnt, sizeof **out)))
		return ERR("out of memory");
	for (const model_kind *const *m = model_all(); *m; m++) {
		char name[64];
		spec_model((*m)->name, &(*out)[k++], err, errlen);
		if (with_gil && takes_gil(*m)) {
			snprintf(name, sizeof name, "%s+gil", (*m)->name);
			spec_model(name, &(*out)[k++], err, errlen);
		}
	}
	*n = cnt;
	return 0;
}

/* Model lists are split on commas that start a new model, not on the commas
 * inside one model's options: "threads:stack=64k,pool" -> 2 models. */
int spec_models(const char *text, model_spec **out, size_t *n, char *err, size_t errlen)
{
	*out = NULL;
	*n = 0;
	if (strcmp(text, "all") == 0 || strcmp(text, "all+gil") == 0)
		return all_models(text[3] == '+', out, n, err, errlen);
	size_t len = strlen(text);
	char *buf = malloc(len + 1);
	model_spec *ms = calloc(len / 2 + 1, sizeof *ms);
	if (!buf || !ms) {
		free(buf);
		free(ms);
		return ERR("out of memory");
	}
	size_t cnt = 0, start = 0;
	for (size_t i = 0; i <= len; i++) {
		if (i < len && text[i] != ',')
			continue;
		if (i < len && continues_options(text + i + 1))
			continue;
		memcpy(buf, text + start, i - start);
		buf[i - start] = '\0';
		if (!*buf) {
			snprintf(err, errlen, "empty model name in '%s'", text);
			goto fail;
		}
		if (spec_model(buf, &ms[cnt++], err, errlen) < 0)
			goto fail;
		start = i + 1;
	}
	free(buf);
	*out = ms;
	*n = cnt;
	return 0;
fail:
	free(buf);
	free(ms);
	return -1;
}

static int push(int64_t **v, size_t *n, size_t *cap, int64_t x)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		int64_t *nv = realloc(*v, nc * sizeof *nv);
		if (!nv)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

#define MAX_COUNTS 10000

/* One item: "8", "1..64x2" or "1..8" / "2..20+2". */
static int count_item(char *item, int64_t min, int64_t max, int64_t **v, size_t *n, size_t *cap,
		      char *err, size_t errlen)
{
	char *dots = strstr(item, "..");
	int64_t lo, hi, step = 1;
	int geometric = 0;
	if (!dots)
		return spec_int(item, min, max, 0, &lo, err, errlen) < 0 || push(v, n, cap, lo) < 0
			       ? -1
			       : 0;
	*dots = '\0';
	char *hi_text = dots + 2, *op = strpbrk(hi_text, "x+");
	if (op) {
		geometric = *op == 'x';
		*op = '\0';
		if (spec_int(op + 1, geometric ? 2 : 1, max, 0, &step, err, errlen) < 0)
			return -1;
	}
	if (spec_int(item, min, max, 0, &lo, err, errlen) < 0 ||
	    spec_int(hi_text, min, max, 0, &hi, err, errlen) < 0)
		return -1;
	if (hi < lo)
		return ERR("range %s..%s runs backwards", item, hi_text);
	if (geometric && lo <= 0)
		return ERR("geometric range must start above 0, not at %s", item);
	for (int64_t x = lo; x <= hi; x = geometric ? x * step : x + step) {
		if (*n >= MAX_COUNTS)
			return ERR("more than %d values", MAX_COUNTS);
		if (push(v, n, cap, x) < 0)
			return ERR("out of memory");
		if (x > INT64_MAX / (geometric ? step : 1) - (geometric ? 0 : step))
			break;
	}
	return 0;
}

int spec_counts(const char *text, int64_t min, int64_t max, int64_t **out, size_t *n, char *err,
		size_t errlen)
{
	char *buf = strdup(text);
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	if (!buf)
		return ERR("out of memory");
	int rc = *buf ? 0 : ERR("empty list");
	char *save = NULL;
	for (char *tok = strtok_r(buf, ",", &save); tok && rc == 0;
	     tok = strtok_r(NULL, ",", &save))
		rc = count_item(tok, min, max, out, n, &cap, err, errlen);
	if (rc == 0 && *n == 0)
		rc = ERR("'%s' holds no values", text);
	free(buf);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

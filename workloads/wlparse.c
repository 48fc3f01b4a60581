/*
 * wlparse.c - a workload spec in, a wl_spec out: NAME[:key=value,...].
 *
 * Each kind lists the parameters it accepts, with types and ranges, so one
 * parser checks them all and every message names the text it could not
 * take. Numbers are whole; sizes take k, m or g (powers of 1024); a per-task
 * number may be a list "a|b|c". A text parameter marked `rest` takes the
 * rest of the text, commas included, so that one workload can hold another's
 * spec (serve:work=hash:algo=sha256,bytes=64k); its own check, if any, runs
 * here too, so a bad inner spec is a usage error like any other.
 */
#include "workloads/wlparse.h"
#include "workloads/registry.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERR(...) (snprintf(err, errlen, __VA_ARGS__), -1)

static int64_t unit_of(char c)
{
	switch (tolower((unsigned char)c)) {
	case 'k': return 1024;
	case 'm': return 1024 * 1024;
	case 'g': return 1024 * 1024 * 1024;
	default: return 0;
	}
}

int wl_parse_int(const char *text, int64_t min, int64_t max, int with_units, int64_t *out,
		 char *err, size_t errlen)
{
	const char *p = text;
	if (!isdigit((unsigned char)*p) && !(*p == '-' && isdigit((unsigned char)p[1])))
		return ERR("'%s' is not a whole number", text);
	errno = 0;
	char *end;
	long long v = strtoll(p, &end, 10);
	if (errno == ERANGE)
		return ERR("'%s' is out of range", text);
	if (*end && with_units && unit_of(*end) && !end[1]) {
		int64_t u = unit_of(*end);
		if (v > INT64_MAX / u || v < INT64_MIN / u)
			return ERR("'%s' is out of range", text);
		v *= u;
		end++;
	}
	if (*end)
		return ERR("'%s' is not a whole number%s", text,
			   with_units ? " (units: k, m, g)" : "");
	if (v < min || v > max)
		return ERR("'%s' is out of range %lld..%lld", text, (long long)min, (long long)max);
	*out = v;
	return 0;
}

/* Index of `word` in a "|"-separated list, or -1. */
static int choice_index(const char *choices, const char *word)
{
	size_t len = strlen(word);
	int k = 0;
	for (const char *c = choices; c; k++) {
		const char *bar = strchr(c, '|');
		size_t clen = bar ? (size_t)(bar - c) : strlen(c);
		if (clen == len && strncmp(c, word, len) == 0)
			return k;
		c = bar ? bar + 1 : NULL;
	}
	return -1;
}

/* One number of parameter d. */
static int param_number(const wl_spec *w, const wl_param_def *d, const char *num, int force,
			int64_t *out, char *err, size_t errlen)
{
	const char *wn = w->kind->name;
	int64_t hi = force && d->force_max ? d->force_max : d->max;
	char msg[160];

	if (wl_parse_int(num, d->min, hi, d->type == WL_SIZE, out, msg, sizeof msg) == 0)
		return 0;
	if (!force && d->force_max &&
	    wl_parse_int(num, d->min, d->force_max, d->type == WL_SIZE, out, msg, sizeof msg) == 0)
		return ERR("%s: %s=%s is above %lld and needs --force", wn, d->name, num,
			   (long long)d->max);
	return ERR("%s: %s: %s", wn, d->name, msg);
}

/* A number, or a per-task list "a|b|c" of them, each checked alone. */
static int param_list(wl_spec *w, int k, const char *val, int force, char *err, size_t errlen)
{
	const wl_param_def *d = w->p[k].def;
	char buf[sizeof w->p[k].text], *bar;
	int n = 0;

	strcpy(buf, val);
	for (char *item = buf; item; item = bar ? bar + 1 : NULL) {
		if ((bar = strchr(item, '|')))
			*bar = '\0';
		if (!*item)
			return ERR("%s: %s='%s' has an empty value in its list", w->kind->name,
				   d->name, val);
		if (n == WL_MAX_VALUES)
			return ERR("%s: %s='%s' has more than %d values", w->kind->name, d->name,
				   val, WL_MAX_VALUES);
		if (param_number(w, d, item, force, &w->p[k].vals[n++], err, errlen) < 0)
			return -1;
	}
	w->p[k].num = w->p[k].vals[0];
	w->p[k].nvals = n;
	return 0;
}

static int set_param(wl_spec *w, int k, const char *val, int force, char *err, size_t errlen)
{
	const wl_param_def *d = w->p[k].def;
	const char *wn = w->kind->name;

	if (strlen(val) >= sizeof w->p[k].text)
		return ERR("%s: value of %s is too long", wn, d->name);
	if (d->type != WL_STR && !d->per_task && strchr(val, '|'))
		return ERR("%s: %s='%s': %s takes one value (lists a|b are for per-task numbers)",
			   wn, d->name, val, d->name);
	if (d->type == WL_STR) {
		char canon[sizeof w->p[k].text] = "";
		w->p[k].num = 0;
		if (d->check && d->check(val, force, canon, sizeof canon, err, errlen) < 0)
			return -1;
		strcpy(w->p[k].text, canon[0] ? canon : val);
		return 0;
	} else if (d->type == WL_ENUM) {
		int idx = choice_index(d->choices, val);
		if (idx < 0)
			return ERR("%s: %s='%s' is not one of %s", wn, d->name, val, d->choices);
		w->p[k].num = idx;
	} else if (param_list(w, k, val, force, err, errlen) < 0) {
		return -1;
	}
	strcpy(w->p[k].text, val);
	return 0;
}

/* "k=v,k=v": each pair set in turn; a `rest` parameter ends the list. */
static int set_pairs(wl_spec *w, const char *list, int force, char *err, size_t errlen)
{
	const char *wn = w->kind->name;
	char tok[256], val[256];

	if (strlen(list) >= sizeof tok)
		return ERR("%s: option text is too long", wn);
	for (const char *p = list; *p; p += *p == ',') {
		size_t n = strcspn(p, ",");
		const char *eq = memchr(p, '=', n);
		int k = 0;
		if (n == 0)
			continue; /* "a=1,,b=2" */
		snprintf(tok, sizeof tok, "%.*s", (int)n, p);
		if (!eq || eq == p || eq + 1 == p + n)
			return ERR("%s: '%s' is not key=value", wn, tok);
		while (k < w->nparams && (strlen(w->p[k].def->name) != (size_t)(eq - p) ||
					  strncmp(w->p[k].def->name, p, (size_t)(eq - p)) != 0))
			k++;
		if (k == w->nparams)
			return ERR("%s: unknown parameter '%.*s' (see: concbench list workloads)",
				   wn, (int)(eq - p), p);
		if (w->p[k].def->rest)
			n = strlen(p); /* the rest of the text, commas and all */
		snprintf(val, sizeof val, "%.*s", (int)(p + n - eq - 1), eq + 1);
		if (set_param(w, k, val, force, err, errlen) < 0)
			return -1;
		p += n;
	}
	return 0;
}

int wl_parse(const char *text, int force, wl_spec *w, char *err, size_t errlen)
{
	char name[32];
	size_t n = strcspn(text, ":");

	snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), text);
	memset(w, 0, sizeof *w);
	w->listen_fd = -1;
	if (!(w->kind = wl_find(name)))
		return ERR("unknown workload '%s' (see: concbench list workloads)", name);
	for (const wl_param_def *d = w->kind->params; d && d->name; d++) {
		if (w->nparams == WL_MAX_PARAMS)
			return ERR("%s: too many parameters", name);
		w->p[w->nparams++].def = d;
		if (set_param(w, w->nparams - 1, d->def, 1, err, errlen) < 0)
			return -1;
	}
	if (text[n] == ':' && !text[n + 1])
		return ERR("workload '%s': nothing after ':'", text);
	return text[n] ? set_pairs(w, text + n + 1, force, err, errlen) : 0;
}

/*
 * csvread.c - RFC 4180 records, and the two CSV files concbench writes,
 * read back by column name.
 *
 * The record reader is a three-state machine over bytes (in a plain cell,
 * in a quoted cell, just after a closing quote); cells are collected in one
 * growing buffer, NUL-separated, and the field pointers are set once the
 * record is complete, so the buffer may move while it grows.
 */
#include "harness/report/csvread.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void csv_init(csv_reader *r, FILE *f)
{
	memset(r, 0, sizeof *r);
	r->f = f;
}

void csv_free(csv_reader *r)
{
	free(r->buf);
	free(r->field);
	r->buf = NULL;
	r->field = NULL;
}

static int put(csv_reader *r, char c)
{
	if (r->len + 1 >= r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 256;
		char *b = realloc(r->buf, cap);
		if (!b)
			return -1;
		r->buf = b;
		r->cap = cap;
	}
	r->buf[r->len++] = c;
	return 0;
}

/* Point field[] at the NUL-separated cells of buf. */
static int split(csv_reader *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->len; i++)
		n += r->buf[i] == '\0';
	if (n > r->fcap) {
		char **f = realloc(r->field, n * sizeof *f);
		if (!f)
			return -1;
		r->field = f;
		r->fcap = n;
	}
	char *p = r->buf;
	for (size_t k = 0; k < n; k++) {
		r->field[k] = p;
		p += strlen(p) + 1;
	}
	r->nfield = n;
	return 1;
}

int csv_next(csv_reader *r)
{
	enum { PLAIN, QUOTED, CLOSED } st = PLAIN;
	int c, any = 0;

	r->len = 0;
	r->nfield = 0;
	r->line++;
	while ((c = getc(r->f)) != EOF) {
		any = 1;
		if (st == QUOTED) {
			if (c == '"')
				st = CLOSED;
			else if (put(r, (char)c) < 0)
				return -1;
			if (c == '\n')
				r->line++;
			continue;
		}
		if (c == '"' && st == CLOSED) { /* a doubled quote */
			st = QUOTED;
			if (put(r, '"') < 0)
				return -1;
		} else if (c == '"' && st == PLAIN) {
			st = QUOTED;
		} else if (c == ',') {
			st = PLAIN;
			if (put(r, '\0') < 0)
				return -1;
		} else if (c == '\n') {
			if (r->len && r->buf[r->len - 1] == '\r' && st == PLAIN)
				r->len--;
			break;
		} else if (c == '\r' && st == CLOSED) {
			continue; /* CRLF after a quoted cell */
		} else if (st == CLOSED) {
			return -1; /* text after a closing quote */
		} else if (put(r, (char)c) < 0) {
			return -1;
		}
	}
	if (st == QUOTED)
		return -1;
	if (!any)
		return 0;
	if (put(r, '\0') < 0)
		return -1;
	return split(r);
}

double csv_num(const char *s)
{
	if (!s || !*s)
		return NAN;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	return *end || errno == ERANGE ? NAN : v;
}

/* ---- results.csv ---- */

enum { T_TEXT, T_SIZE, T_UINT, T_INT, T_DBL, T_LONG, T_HEX };
static const struct rcol {
	const char *name;
	int type;
	size_t off, cap;
} rcols[] = {
#define RC(f, t)                                                                                   \
	{                                                                                          \
#f, t, offsetof(res_run, f), sizeof(((res_run *)0)->f)                             \
	}
	RC(suite, T_TEXT),
	RC(model, T_TEXT),
	RC(workload, T_TEXT),
	RC(params, T_TEXT),
	RC(tasks, T_SIZE),
	RC(concurrency, T_UINT),
	RC(rep, T_INT),
	RC(status, T_TEXT),
	RC(makespan_s, T_DBL),
	RC(throughput_per_s, T_DBL),
	RC(lat_mean_s, T_DBL),
	RC(lat_p50_s, T_DBL),
	RC(lat_p90_s, T_DBL),
	RC(lat_p99_s, T_DBL),
	RC(lat_max_s, T_DBL),
	RC(svc_mean_s, T_DBL),
	RC(svc_p50_s, T_DBL),
	RC(svc_p99_s, T_DBL),
	RC(cpu_user_s, T_DBL),
	RC(cpu_sys_s, T_DBL),
	RC(ctx_voluntary, T_LONG),
	RC(ctx_involuntary, T_LONG),
	RC(max_rss_kib, T_LONG),
	RC(errors, T_SIZE),
	RC(digest, T_HEX),
	RC(pace, T_DBL),
	RC(rss_sum_kib, T_LONG),
	RC(host, T_TEXT),
	RC(concbench_version, T_TEXT),
	RC(started_utc, T_TEXT),
	RC(rate_requested, T_DBL),
	RC(client_requests, T_LONG),
	RC(client_errors, T_LONG),
	RC(client_rps, T_DBL),
	RC(client_p50_s, T_DBL),
	RC(client_p90_s, T_DBL),
	RC(client_p99_s, T_DBL),
	RC(client_max_s, T_DBL),
	RC(body_digest, T_TEXT),
	RC(client_unfinished, T_LONG),
	RC(client_idle, T_LONG),
	RC(client_p99_uncorrected_s, T_DBL),
	RC(kernel_stack_kib, T_LONG),
#undef RC
};
#define NRCOLS (sizeof rcols / sizeof rcols[0])

/* Store cell s into r's column c. */
static void set_col(res_run *r, const struct rcol *c, const char *s)
{
	void *p = (char *)r + c->off;
	double v = csv_num(s);

	switch (c->type) {
	case T_TEXT: snprintf(p, c->cap, "%s", s); break;
	case T_SIZE: *(size_t *)p = v >= 0 ? (size_t)v : 0; break;
	case T_UINT: *(unsigned *)p = v >= 0 ? (unsigned)v : 0; break;
	case T_INT: *(int *)p = isfinite(v) ? (int)v : 0; break;
	case T_DBL: *(double *)p = v; break;
	case T_LONG: *(long *)p = isfinite(v) ? (long)v : -1; break;
	case T_HEX: *(uint64_t *)p = strtoull(s, NULL, 16); break;
	}
}

/* A res_run with nothing known: NaN figures, -1 counts. */
static void blank(res_run *r)
{
	memset(r, 0, sizeof *r);
	for (size_t i = 0; i < NRCOLS; i++)
		if (rcols[i].type == T_DBL || rcols[i].type == T_LONG)
			set_col(r, &rcols[i], "");
}

static FILE *open_csv(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return f;
}

/* Room for one more element in a doubling array: the (maybe moved) array,
 * or NULL when out of memory (the old one is then still valid). */
static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return v;
	size_t nc = *cap ? 2 * *cap : 64;
	void *g = realloc(v, nc * size);
	if (g)
		*cap = nc;
	return g;
}

int csv_read_results(const char *path, res_run **runs, size_t *n, char *err, size_t errlen)
{
	int map[64]; /* file column -> rcols index, or -1 */
	size_t nmap = 0, cap = 0;
	res_run *v = NULL;
	csv_reader rd;
	int rc;

	*runs = NULL;
	*n = 0;
	FILE *f = open_csv(path, err, errlen);
	if (!f)
		return -1;
	csv_init(&rd, f);
	if (csv_next(&rd) != 1 || strcmp(rd.field[0], "suite") != 0) {
		snprintf(err, errlen, "%s: not a results.csv (no header line)", path);
		goto fail;
	}
	nmap = rd.nfield < 64 ? rd.nfield : 64;
	for (size_t i = 0; i < nmap; i++) {
		map[i] = -1;
		for (size_t k = 0; k < NRCOLS; k++)
			if (strcmp(rd.field[i], rcols[k].name) == 0)
				map[i] = (int)k;
	}
	while ((rc = csv_next(&rd)) == 1) {
		if (rd.nfield == 1 && !*rd.field[0])
			continue; /* a blank line */
		void *g = grow(v, &cap, *n, sizeof *v);
		if (!g) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
		v = g;
		blank(&v[*n]);
		for (size_t i = 0; i < rd.nfield && i < nmap; i++)
			if (map[i] >= 0)
				set_col(&v[*n], &rcols[map[i]], rd.field[i]);
		(*n)++;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s:%zu: malformed CSV record", path, rd.line);
		goto fail;
	}
	csv_free(&rd);
	fclose(f);
	*runs = v;
	return 0;
fail:
	csv_free(&rd);
	fclose(f);
	free(v);
	*n = 0;
	return -1;
}

/* ---- tasks/<run>.csv ---- */

int csv_read_tasks(const char *path, csv_task **tasks, size_t *n, char *err, size_t errlen)
{
	static const char *names[] = { "submit_s", "start_s", "end_s", "worker",
				       "cpu",      "runs",    "err" };
	int at[7];
	size_t cap = 0;
	csv_task *v = NULL;
	csv_reader rd;
	int rc;

	*tasks = NULL;
	*n = 0;
	FILE *f = open_csv(path, err, errlen);
	if (!f)
		return -1;
	csv_init(&rd, f);
	if (csv_next(&rd) != 1 || strcmp(rd.field[0], "task") != 0) {
		snprintf(err, errlen, "%s: not a task timeline (no header line)", path);
		goto fail;
	}
	for (size_t k = 0; k < 7; k++) {
		at[k] = -1;
		for (size_t i = 0; i < rd.nfield; i++)
			if (strcmp(rd.field[i], names[k]) == 0)
				at[k] = (int)i;
	}
	while ((rc = csv_next(&rd)) == 1) {
		double x[7];
		if (rd.nfield == 1 && !*rd.field[0])
			continue;
		for (size_t k = 0; k < 7; k++)
			x[k] = at[k] >= 0 && (size_t)at[k] < rd.nfield ? csv_num(rd.field[at[k]])
								       : NAN;
		void *g = grow(v, &cap, *n, sizeof *v);
		if (!g) {
			snprintf(err, errlen, "%s: out of memory", path);
			goto fail;
		}
		v = g;
		v[*n] = (csv_task){ x[0],
				    x[1],
				    x[2],
				    isfinite(x[3]) ? (int)x[3] : -1,
				    isfinite(x[4]) ? (int)x[4] : -1,
				    isfinite(x[5]) && x[5] > 0 ? (unsigned)x[5] : 0,
				    isfinite(x[6]) ? (int)x[6] : 0 };
		(*n)++;
	}
	if (rc < 0) {
		snprintf(err, errlen, "%s:%zu: malformed CSV record", path, rd.line);
		goto fail;
	}
	csv_free(&rd);
	fclose(f);
	*tasks = v;
	return 0;
fail:
	csv_free(&rd);
	fclose(f);
	free(v);
	*n = 0;
	return -1;
}

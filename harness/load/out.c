/*
 * out.c - a load sweep's files (see out.h). The columns are one table,
 * written by one function for the CSV header, the CSV rows and the JSON
 * objects alike, so the three cannot drift apart.
 */
#include "harness/load/out.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness/report/file.h"
#include "harness/report/json.h"
#include "harness/report/report.h"
#include "harness/run/meta.h"

struct load_out {
	rep_dir *dir;
	char *context;
	char host[64], version[16], started[24];
	char err[512];
};

/* Where the fields of a step go: the CSV header, a CSV row or a JSON object. */
typedef struct {
	enum { TO_HEADER, TO_CSV, TO_JSON } to;
	FILE *f;
	jw *w;
	int n; /* fields so far */
} sink;

static void sep(sink *k)
{
	if (k->to != TO_JSON && k->n)
		putc(',', k->f);
	k->n++;
}

static void put_text(sink *k, const char *key, const char *v, int null_if_empty)
{
	sep(k);
	if (k->to == TO_HEADER)
		fputs(key, k->f);
	else if (k->to == TO_CSV)
		rows_csv_text(k->f, v, 512);
	else if (null_if_empty && !*v)
		jw_kv_null(k->w, key);
	else
		jw_kv_str(k->w, key, v);
}

static void put_uint(sink *k, const char *key, uint64_t v)
{
	sep(k);
	if (k->to == TO_HEADER)
		fputs(key, k->f);
	else if (k->to == TO_CSV)
		fprintf(k->f, "%llu", (unsigned long long)v);
	else
		jw_kv_uint(k->w, key, v);
}

/* A figure with `places` decimals; NaN (does not apply) is empty / null. */
static void put_num(sink *k, const char *key, double v, int places)
{
	sep(k);
	if (k->to == TO_HEADER)
		fputs(key, k->f);
	else if (k->to == TO_CSV && isfinite(v))
		fprintf(k->f, "%.*f", places, v);
	else if (k->to == TO_JSON)
		jw_kv_double(k->w, key, v); /* NaN is null */
}

static void put_lat(sink *k, const char *prefix, const load_lat *l)
{
	static const char *const name[LOAD_NPCT] = { "p50", "p90", "p99", "p999", "p9999" };
	char key[32];
	for (int i = 0; i < LOAD_NPCT; i++) {
		snprintf(key, sizeof key, "%s%s_ms", prefix, name[i]);
		put_num(k, key, l->p[i], 6);
	}
	snprintf(key, sizeof key, "%smax_ms", prefix);
	put_num(k, key, l->max, 6);
	snprintf(key, sizeof key, "%smean_ms", prefix);
	put_num(k, key, l->mean, 6);
	snprintf(key, sizeof key, "%sstdev_ms", prefix);
	put_num(k, key, l->stdev, 6);
}

static void fields(sink *k, const load_step *s, const char *host, const char *version,
		   const char *started)
{
	static const char *const kind[LOAD_ERR_KINDS] = { "err_connect", "err_timeout",
							  "err_reset", "err_status", "err_body" };
	int open = s->rate > 0;
	char digest[24] = "";

	if (s->body_checked)
		snprintf(digest, sizeof digest, "%016llx", (unsigned long long)s->digest);
	put_uint(k, "step", s->step);
	put_text(k, "method", s->method, 0);
	put_text(k, "url", s->url, 0);
	put_text(k, "loop", open ? "open" : "closed", 0);
	put_uint(k, "connections", s->conns);
	put_uint(k, "threads", s->threads);
	put_uint(k, "keepalive", (uint64_t)s->keepalive);
	put_num(k, "rate_requested", open ? s->rate : NAN, 3);
	put_num(k, "duration_s", s->duration_s > 0 ? s->duration_s : NAN, 9);
	put_num(k, "warmup_s", s->warmup_s, 9);
	put_num(k, "requests_asked", s->requests ? (double)s->requests : NAN, 0);
	put_num(k, "window_s", s->window_s, 9);
	put_uint(k, "requests", s->done);
	put_uint(k, "ok", s->ok);
	put_uint(k, "errors", s->errors);
	for (int i = 0; i < LOAD_ERR_KINDS; i++)
		put_uint(k, kind[i], s->err[i]);
	put_uint(k, "unfinished", s->unfinished);
	put_uint(k, "unsent", s->unsent);
	put_uint(k, "bytes", s->bytes);
	put_num(k, "achieved_rps", s->achieved_rps, 3);
	put_num(k, "sent_rps", open ? s->sent_rps : NAN, 3);
	put_num(k, "rate_ratio", s->rate_ratio, 6);
	put_uint(k, "exact", (uint64_t)s->exact);
	put_lat(k, "", &s->corrected);
	put_lat(k, "unc_", open ? &s->uncorrected : &(load_lat){ { NAN, NAN, NAN, NAN, NAN },
								 NAN, NAN, NAN });
	put_num(k, "send_delay_p50_ms", s->delay_p50, 6);
	put_num(k, "send_delay_p99_ms", s->delay_p99, 6);
	put_num(k, "send_delay_max_ms", s->delay_max, 6);
	put_text(k, "digest", digest, 1);
	put_text(k, "status", s->status, 0);
	put_text(k, "host", host, 0);
	put_text(k, "concbench_version", version, 0);
	put_text(k, "started_utc", started, 0);
}

void load_out_csv_header(FILE *f)
{
	sink k = { .to = TO_HEADER, .f = f };
	fields(&k, &(load_step){ 0 }, "", "", "");
	putc('\n', f);
}

void load_out_csv_row(FILE *f, const load_step *s, const char *host, const char *version,
		      const char *started)
{
	sink k = { .to = TO_CSV, .f = f };
	fields(&k, s, host, version, started);
	putc('\n', f);
}

typedef struct {
	const load_out *o;
	const load_step *steps;
	size_t n;
} files;

static int fill_csv(FILE *f, const void *arg)
{
	const files *a = arg;
	load_out_csv_header(f);
	for (size_t i = 0; i < a->n; i++)
		load_out_csv_row(f, &a->steps[i], a->o->host, a->o->version, a->o->started);
	return 0;
}

/* "closed" for a closed loop's one spectrum; else corrected/uncorrected. */
static const char *spectrum_name(const load_step *s, int which)
{
	return s->rate > 0 ? which ? "uncorrected" : "corrected" : "closed";
}

static int fill_spectrum(FILE *f, const void *arg)
{
	const files *a = arg;
	fprintf(f, "step,latency,percentile,value_ms,rank,nines\n");
	for (size_t i = 0; i < a->n; i++) {
		const load_step *s = &a->steps[i];
		for (int w = 0; w < (s->rate > 0 ? 2 : 1); w++)
			for (unsigned j = 0; j < s->nspec[w]; j++) {
				const load_pctl *p = &s->spec[w][j];
				fprintf(f, "%u,%s,%.9f,%.6f,%llu,", s->step, spectrum_name(s, w),
					p->pct, (double)p->value / 1e6,
					(unsigned long long)p->rank);
				if (p->pct < 100)
					fprintf(f, "%.6f\n", 1 / (1 - p->pct / 100));
				else
					fprintf(f, "\n"); /* 1/(1-1): no finite nines */
			}
	}
	return 0;
}

static int fill_json(FILE *f, const void *arg)
{
	const files *a = arg;
	jw w;
	jw_init(&w, f);
	jw_obj_begin(&w);
	jw_kv_int(&w, "schema", 1);
	jw_kv_str(&w, "kind", "load");
	jw_key(&w, "context");
	jw_raw(&w, a->o->context ? a->o->context : "{}");
	jw_key(&w, "steps");
	jw_arr_begin(&w);
	for (size_t i = 0; i < a->n; i++) {
		const load_step *s = &a->steps[i];
		sink k = { .to = TO_JSON, .w = &w };
		jw_obj_begin(&w);
		fields(&k, s, a->o->host, a->o->version, a->o->started);
		jw_key(&w, "spectrum");
		jw_obj_begin(&w);
		for (int x = 0; x < (s->rate > 0 ? 2 : 1); x++) {
			jw_key(&w, spectrum_name(s, x));
			jw_arr_begin(&w);
			for (unsigned j = 0; j < s->nspec[x]; j++) {
				jw_obj_begin(&w);
				jw_kv_double(&w, "percentile", s->spec[x][j].pct);
				jw_kv_double(&w, "value_ms", (double)s->spec[x][j].value / 1e6);
				jw_kv_uint(&w, "rank", s->spec[x][j].rank);
				jw_obj_end(&w);
			}
			jw_arr_end(&w);
		}
		jw_obj_end(&w);
		jw_obj_end(&w);
	}
	jw_arr_end(&w);
	jw_obj_end(&w);
	fputc('\n', f);
	return jw_done(&w) < 0 ? w.err : 0;
}

load_out *load_out_open(const char *root, const char *name, int argc, char **argv, char *err,
			size_t errlen)
{
	load_out *o = calloc(1, sizeof *o);
	time_t now = time(NULL);
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->dir = rep_open_at(root, name, now, err, errlen);
	if (!o->dir) {
		free(o);
		return NULL;
	}
	o->context = meta_context_json(argc, argv, NULL);
	res_run stamp = { 0 };
	meta_stamp(&stamp, now);
	memcpy(o->host, stamp.host, sizeof o->host);
	memcpy(o->version, stamp.concbench_version, sizeof o->version);
	memcpy(o->started, stamp.started_utc, sizeof o->started);
	return o;
}

int load_out_write(load_out *o, const load_step *steps, size_t n)
{
	const char *dir = rep_path(o->dir);
	files a = { o, steps, n };
	o->err[0] = '\0';
	if (file_write(dir, "results.csv", fill_csv, &a, o->err, sizeof o->err) < 0 ||
	    file_write(dir, "spectrum.csv", fill_spectrum, &a, o->err, sizeof o->err) < 0 ||
	    file_write(dir, "results.json", fill_json, &a, o->err, sizeof o->err) < 0)
		return -1;
	return 0;
}

const char *load_out_path(const load_out *o)
{
	return rep_path(o->dir);
}

const char *load_out_error(const load_out *o)
{
	return o->err;
}

int load_out_close(load_out *o, char *err, size_t errlen)
{
	int rc = rep_finish(o->dir);
	if (rc < 0)
		snprintf(err, errlen, "%s", rep_error(o->dir));
	rep_close(o->dir);
	free(o->context);
	free(o);
	return rc;
}

/* step.c - a load step's row from what ran and what it measured (see step.h). */
#include "harness/load/step.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const double load_pcts[LOAD_NPCT] = { 50, 90, 99, 99.9, 99.99 };

static void lat(load_lat *l, load_hist *h)
{
	for (int i = 0; i < LOAD_NPCT; i++)
		l->p[i] = h->n ? (double)load_hist_value_at(h, load_pcts[i]) / 1e6 : NAN;
	l->max = h->n ? (double)h->max / 1e6 : NAN;
	l->mean = load_hist_mean(h) / 1e6;
	l->stdev = load_hist_stddev(h) / 1e6;
}

void load_step_fill(load_step *s, unsigned index, const char *url, const load_cfg *c,
		    load_result *r, const char *failed)
{
	memset(s, 0, sizeof *s);
	s->step = index;
	snprintf(s->method, sizeof s->method, "%s", c->post ? "POST" : "GET");
	snprintf(s->url, sizeof s->url, "%s", url);
	s->conns = c->conns;
	s->threads = c->threads;
	s->keepalive = c->http.keepalive;
	s->rate = c->rate;
	s->duration_s = (double)c->duration_ns / 1e9;
	s->warmup_s = (double)c->warmup_ns / 1e9;
	s->requests = c->requests;
	s->window_s = r->window_s;
	s->ok = r->ok;
	s->errors = load_result_errors(r);
	s->done = s->ok + s->errors;
	memcpy(s->err, r->errors, sizeof s->err);
	s->unfinished = r->unfinished;
	s->unsent = r->unsent;
	s->bytes = r->bytes;
	double w = r->window_s > 0 ? r->window_s : NAN;
	s->achieved_rps = (double)s->done / w;
	s->sent_rps = (double)(s->done + s->unfinished) / w;
	s->rate_ratio = c->rate > 0 ? s->sent_rps / c->rate : NAN;
	s->exact = r->corrected.exact;
	lat(&s->corrected, &r->corrected);
	lat(&s->uncorrected, &r->uncorrected);
	load_hist *d = &r->send_delay;
	s->delay_p50 = d->n ? (double)load_hist_value_at(d, 50) / 1e6 : NAN;
	s->delay_p99 = d->n ? (double)load_hist_value_at(d, 99) / 1e6 : NAN;
	s->delay_max = d->n ? (double)d->max / 1e6 : NAN;
	s->body_checked = r->body_checked;
	s->digest = r->body_digest;
	s->nspec[0] = (unsigned)load_hist_spectrum(&r->corrected, 5, s->spec[0], LOAD_SPECTRUM);
	s->nspec[1] = (unsigned)load_hist_spectrum(&r->uncorrected, 5, s->spec[1], LOAD_SPECTRUM);
	if (failed)
		snprintf(s->status, sizeof s->status, "failed: %s", failed);
	else if (r->interrupted)
		snprintf(s->status, sizeof s->status, "interrupted");
	else if (!r->ok)
		snprintf(s->status, sizeof s->status, "failed: no request succeeded");
	else
		snprintf(s->status, sizeof s->status, "ok");
}

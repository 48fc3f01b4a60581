/*
 * table.c - a load run's table (see table.h).
 *
 * Percentiles are p50, p90, p99, p99.9, p99.99 and max: the tail is what a
 * load test is for, and a mean hides it (so the mean and stdev come last).
 * The spectrum is wrk2's --latency listing: value, percentile, the
 * sample's rank and 1/(1-p), the "nines" a log-scale chart puts on x.
 */
#include "harness/load/table.h"

#include <math.h>

#include "harness/report/units.h"

static const double pcts[] = { 50, 90, 99, 99.9, 99.99 };

static void row(FILE *f, const char *name, double a_ns, double b_ns, int both)
{
	char a[32], b[32];
	units_time(a_ns / 1e9, a, sizeof a);
	units_time(b_ns / 1e9, b, sizeof b);
	if (both)
		fprintf(f, "    %-8s %12s %12s\n", name, a, b);
	else
		fprintf(f, "    %-8s %12s\n", name, a);
}

static void latencies(FILE *f, load_result *r, int open)
{
	load_hist *a = &r->corrected, *b = &r->uncorrected;
	char name[16];

	if (open)
		fprintf(f, "  latency    %12s %12s\n", "corrected", "uncorrected");
	else
		fprintf(f, "  latency\n");
	for (size_t i = 0; i < sizeof pcts / sizeof *pcts; i++) {
		snprintf(name, sizeof name, "p%g", pcts[i]);
		row(f, name, (double)load_hist_value_at(a, pcts[i]),
		    (double)load_hist_value_at(b, pcts[i]), open);
	}
	row(f, "max", (double)a->max, (double)b->max, open);
	row(f, "mean", load_hist_mean(a), load_hist_mean(b), open);
	row(f, "stdev", load_hist_stddev(a), load_hist_stddev(b), open);
}

static void errors(FILE *f, const load_result *r)
{
	fprintf(f, "  errors     ");
	for (int k = 0; k < LOAD_ERR_KINDS; k++)
		fprintf(f, "%s%s %llu", k ? ", " : "", load_err_name(k),
			(unsigned long long)r->errors[k]);
	fprintf(f, "\n");
	for (int k = 0; k < LOAD_ERR_KINDS; k++)
		if (r->errors[k])
			fprintf(f, "    first %s error: %s\n", load_err_name(k), r->first_error[k]);
}

static void spectrum(FILE *f, load_hist *h, const char *which)
{
	static load_pctl p[512];
	size_t n = load_hist_spectrum(h, 5, p, sizeof p / sizeof *p);

	fprintf(f, "\n  latency spectrum (%s)\n  %12s %12s %12s %12s\n", which, "value (ms)",
		"percentile", "rank", "1/(1-p)");
	for (size_t i = 0; i < n; i++) {
		if (p[i].pct < 100)
			fprintf(f, "  %12.3f %12.6f %12llu %12.2f\n", (double)p[i].value / 1e6,
				p[i].pct / 100, (unsigned long long)p[i].rank,
				1 / (1 - p[i].pct / 100));
		else
			fprintf(f, "  %12.3f %12.6f %12llu %12s\n", (double)p[i].value / 1e6, 1.0,
				(unsigned long long)p[i].rank, "inf");
	}
}

void load_table(FILE *f, const char *url, const load_cfg *c, load_result *r, int spec)
{
	int open = c->rate > 0;
	uint64_t err = load_result_errors(r), done = r->ok + err;
	double w = r->window_s > 0 ? r->window_s : NAN;
	char t[32];

	fprintf(f, "concbench load %s\n  %s loop, %u connection%s on %u thread%s, %s%s\n", url,
		open ? "open" : "closed", c->conns, c->conns == 1 ? "" : "s", c->threads,
		c->threads == 1 ? "" : "s",
		c->http.keepalive ? "keep-alive" : "a connection per request",
		r->interrupted ? " (interrupted: what was measured until Ctrl-C)" : "");
	fprintf(f, "  requests   %llu in %s", (unsigned long long)done,
		units_time(r->window_s, t, sizeof t));
	if (c->warmup_ns)
		fprintf(f, " after %s of warm-up",
			units_time((double)c->warmup_ns / 1e9, t, sizeof t));
	fprintf(f, ": %llu ok, %llu errors; %.2f MiB read\n", (unsigned long long)r->ok,
		(unsigned long long)err, (double)r->bytes / 1048576.0);
	fprintf(f, "  rate       %.1f req/s completed", (double)done / w);
	if (open) {
		double sent = (double)(done + r->unfinished) / w;
		fprintf(f, "; %.1f sent of %.1f requested (%.1f %%)", sent, c->rate,
			100.0 * sent / c->rate);
	}
	fprintf(f, "\n");
	if (r->ok) {
		fprintf(f, "  percentiles of the %llu ok replies, %s\n", (unsigned long long)r->ok,
			r->corrected.exact ? "exact (every sample)"
					   : "from a log-linear histogram (within 0.1 %)");
		latencies(f, r, open);
	}
	if (open && r->send_delay.n) {
		load_hist *d = &r->send_delay;
		char a[32], b[32], m[32];
		fprintf(f,
			"  send delay p50 %s, p99 %s, max %s after the intended time (in the\n"
			"             corrected latency: the generator's own lateness, or waits for\n"
			"             a connection still busy with the last reply)\n",
			units_time((double)load_hist_value_at(d, 50) / 1e9, a, sizeof a),
			units_time((double)load_hist_value_at(d, 99) / 1e9, b, sizeof b),
			units_time((double)d->max / 1e9, m, sizeof m));
	}
	if (r->body_checked && r->ok)
		fprintf(f, "  body       every ok reply the same bytes: digest %016llx%s\n",
			(unsigned long long)r->body_digest,
			c->expect_set ? ",\n             the body the bundled target's /work must send" : "");
	errors(f, r);
	if (r->unfinished)
		fprintf(f, "  unfinished %llu requests were still out at the end (not counted)\n",
			(unsigned long long)r->unfinished);
	if (r->unsent)
		fprintf(f,
			"  unsent     %llu requests were due before the end but never sent: the\n"
			"             server was behind (their wait is not in the latencies)\n",
			(unsigned long long)r->unsent);
	if (spec && r->ok) {
		spectrum(f, &r->corrected, open ? "corrected" : "closed loop");
		if (open)
			spectrum(f, &r->uncorrected, "uncorrected");
	}
}

/* A latency in ms as a cell; "-" when none was measured (NaN). */
static const char *cell_ms(double ms, char *buf, size_t len)
{
	return units_time(ms / 1e3, buf, len);
}

void load_table_steps(FILE *f, const load_step *s, size_t n)
{
	char a[5][32], rate[24];

	fprintf(f, "\nsteps (latency %s)\n  %4s %7s %10s %10s %8s %9s %9s %9s %9s %9s  %s\n",
		n && s[0].rate > 0 ? "from the intended send: corrected" : "of the closed loop",
		"step", "conns", "rate", "achieved", "errors", "p50", "p90", "p99", "p99.9",
		"max", "status");
	for (size_t i = 0; i < n; i++) {
		const load_step *x = &s[i];
		if (x->rate > 0)
			snprintf(rate, sizeof rate, "%.0f/s", x->rate);
		else
			snprintf(rate, sizeof rate, "closed");
		fprintf(f, "  %4u %7u %10s %8.0f/s %8llu %9s %9s %9s %9s %9s  %s\n", x->step,
			x->conns, rate, isfinite(x->achieved_rps) ? x->achieved_rps : 0,
			(unsigned long long)x->errors, cell_ms(x->corrected.p[0], a[0], 32),
			cell_ms(x->corrected.p[1], a[1], 32), cell_ms(x->corrected.p[2], a[2], 32),
			cell_ms(x->corrected.p[3], a[3], 32), cell_ms(x->corrected.max, a[4], 32),
			x->status);
	}
}

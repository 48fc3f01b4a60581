/*
 * server.c - a server sweep's charts (see server.h). Rows of a server run
 * carry the load generator's figures (client_rps, client_p50_s ...) beside
 * the server's rusage; these charts put connections (or the offered rate)
 * on x, where the batch charts put C.
 */
#include "harness/plot/server.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/plot/gp.h"
#include "harness/plot/serversteps.h"
#include "harness/plot/style.h"
#include "harness/run/stats.h"
#include "workloads/registry.h"

#define MAXX 64

/* A quantity of a row; NaN when it has none. */
typedef double (*qty_fn)(const res_run *r);

static double q_rps(const res_run *r)
{
	return r->client_rps;
}
static double q_p50(const res_run *r)
{
	return r->client_p50_s * 1e3;
}
static double q_p99(const res_run *r)
{
	return r->client_p99_s * 1e3;
}
static double q_conns(const res_run *r)
{
	return (double)r->tasks;
}
static double q_rate(const res_run *r)
{
	return r->rate_requested;
}

static double q_cpu(const res_run *r) /* server CPU per answered request, us */
{
	long n = r->client_requests - (r->client_errors > 0 ? r->client_errors : 0);
	return n > 0 ? (r->cpu_user_s + r->cpu_sys_s) * 1e6 / (double)n : NAN;
}

static double q_mem(const res_run *r) /* KiB per connection: every process, kernel stacks */
{
	return metric_value(METRIC_MEM_CONN, r);
}

/* The largest C model m ran at where xq is x (x NaN: anywhere). Without
 * -c a server step runs at C = its connections, so C follows x. */
static unsigned top_c(const plot_set *s, size_t m, qty_fn xq, double x)
{
	unsigned c = 0;
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->runs[i].model, s->models[m]) && s->runs[i].concurrency > c &&
		    (isnan(x) || xq(&s->runs[i]) == x))
			c = s->runs[i].concurrency;
	return c;
}

/* The distinct values of xq over the rows, ascending; how many. */
static size_t xs_of(const plot_set *s, qty_fn xq, double *xs)
{
	size_t n = 0;
	for (size_t i = 0; i < s->n; i++) {
		double x = xq(&s->runs[i]);
		size_t k = 0;
		if (!isfinite(x))
			continue;
		while (k < n && xs[k] < x)
			k++;
		if ((k < n && xs[k] == x) || n == MAXX)
			continue;
		memmove(xs + k + 1, xs + k, (n - k) * sizeof *xs);
		xs[k] = x;
		n++;
	}
	return n;
}

/* Median of q over model m's rows at its top C with xq == x; NaN if none. */
static double med_at(const plot_set *s, size_t m, qty_fn xq, double x, qty_fn q)
{
	double v[256];
	size_t n = 0;
	unsigned c = top_c(s, m, xq, x);
	for (size_t i = 0; i < s->n && n < 256; i++) {
		const res_run *r = &s->runs[i];
		if (!strcmp(r->model, s->models[m]) && r->concurrency == c && xq(r) == x &&
		    isfinite(q(r)))
			v[n++] = q(r);
	}
	return n ? stats_median(v, n) : NAN;
}

typedef struct {
	const char *name, *what, *title, *xlabel;
	qty_fn xq;
	int nq;
	qty_fn q[2];
	const char *ylabel[2], *panel[2];
	const char *note;
} chart;

/* The steps of the chart's x where a model has no ok run, only a limit:
 * "; no point: select at 1000 (limit: select: fd 1024 is past ...)", so a
 * line that stops short is explained. Appended to note (len bytes). */
static void limits_note(const plot_set *s, qty_fn xq, char *note, size_t len)
{
	size_t o = strlen(note);
	int first = 1;
	for (size_t i = 0; i < s->nlimits && o + 1 < len; i++) {
		const res_run *r = &s->limits[i];
		double x = xq(r);
		int ok = 0;
		if (!isfinite(x))
			continue;
		for (size_t j = 0; j < s->n && !ok; j++) /* another rep made the point */
			ok = !strcmp(s->runs[j].model, r->model) && xq(&s->runs[j]) == x;
		for (size_t j = 0; j < i && !ok; j++) /* said once per model and x */
			ok = !strcmp(s->limits[j].model, r->model) && xq(&s->limits[j]) == x;
		if (ok)
			continue;
		/* the status up to its first ')' when short, else cut */
		const char *paren = strchr(r->status, ')');
		int cut = paren && paren - r->status < 80 ? (int)(paren - r->status + 1) : 60;
		int n = snprintf(note + o, len - o, "%s%s at %g (%.*s%s)",
				 first ? "; no point: " : ", ", r->model, x, cut, r->status,
				 (size_t)cut < strlen(r->status) ? "..." : "");
		o = n > 0 && (size_t)n < len - o ? o + (size_t)n : len - 1;
		first = 0;
	}
}

/* NAME.dat: a block per model, rows x then the medians; then NAME.gp. */
static int draw(plot_set *s, const chart *c)
{
	double xs[MAXX], lo[2] = { INFINITY, INFINITY }, hi[2] = { 0, 0 };
	size_t nx = xs_of(s, c->xq, xs);
	int block[PLOT_MAXMODELS], nb = 0;
	char *buf, *gbuf, name[PLOT_NAMELEN];
	size_t len, glen;
	if (nx < 2)
		return 0; /* one point per model is no line */
	snprintf(name, sizeof name, "%s%s", s->prefix, c->name);
	FILE *f = plot_dat_begin(&buf, &len);
	if (!f)
		return -1;
	fprintf(f,
		"# %s.dat - %s\n# %s | %s\n# a block per model, at its largest C at each x; "
		"Columns: 1 %s",
		name, c->what, s->what, s->machine, c->xlabel);
	for (int q = 0; q < c->nq; q++)
		fprintf(f, ", %d median %s", 2 + q, c->ylabel[q]);
	fputc('\n', f);
	for (size_t m = 0; m < s->nmodels; m++) {
		int rows = 0;
		block[m] = -1;
		for (size_t k = 0; k < nx; k++) {
			double v[2] = { NAN, NAN };
			int any = 0;
			for (int q = 0; q < c->nq; q++) {
				v[q] = med_at(s, m, c->xq, xs[k], c->q[q]);
				if (isfinite(v[q]) && v[q] > 0) {
					any = 1;
					lo[q] = fmin(lo[q], v[q]), hi[q] = fmax(hi[q], v[q]);
				}
			}
			if (!any)
				continue;
			if (!rows)
				fprintf(f, "%s# %s (largest C: %u)\n", nb ? "\n\n" : "",
					s->models[m], top_c(s, m, c->xq, NAN));
			fprintf(f, "%.6g", xs[k]);
			for (int q = 0; q < c->nq; q++)
				fprintf(f, " %.6g", v[q]);
			fputc('\n', f);
			rows++;
		}
		if (rows)
			block[m] = nb++;
	}
	if (plot_dat_end(s, name, f, &buf, &len) < 0)
		return -1;
	if (!nb)
		return 0;
	if (!(f = plot_gp_begin(s, name, c->what, &gbuf, &glen)))
		return -1;
	char note[512];
	snprintf(note, sizeof note, "%s", c->note);
	limits_note(s, c->xq, note, sizeof note);
	fprintf(f, "\nset multiplot layout 1,%d title ", c->nq);
	int lines = plot_gp_title(f, s, c->title, note);
	fprintf(f, "\nset tmargin at screen %.4f\n", plot_gp_top(lines));
	for (int q = 0; q < c->nq; q++) {
		fprintf(f, "\nset xlabel \"%s\"\nset ylabel \"%s\"\n", c->xlabel, c->ylabel[q]);
		fprintf(f, "set logscale x 2\nset xrange [%g:%g]\nset xtics (", xs[0] / 1.25,
			xs[nx - 1] * 1.25);
		for (size_t k = 0; k < nx; k++) /* a tic at every value run */
			fprintf(f, "%s\"%g\" %g", k ? ", " : "", xs[k], xs[k]);
		fputs(")\n", f);
		if (c->panel[q])
			fprintf(f, "set title \"%s\"\n", c->panel[q]);
		plot_gp_axis(f, 'y', lo[q], hi[q], hi[q] / lo[q] > 20);
		if (q + 1 < c->nq)
			fputs("set key off\n", f);
		else
			fputs("set key on\n", f);
		fputs("plot ", f);
		int first = 1;
		for (size_t m = 0; m < s->nmodels; m++)
			if (block[m] >= 0) {
				fprintf(f,
					"%s\"%s.dat\" index %d using 1:%d with linespoints ls %zu "
					"title \"",
					first ? "" : ", \\\n     ", name, block[m], 2 + q, m + 1);
				plot_gp_str(f, s->models[m]);
				fputc('"', f);
				first = 0;
			}
		fputc('\n', f);
	}
	return plot_gp_end(s, name, f, &gbuf, &glen);
}

int plot_server_rows(const plot_set *s)
{
	const wl_kind *k = s->n ? wl_find(s->runs[0].workload) : NULL;
	if (k && k->server)
		return 1;
	for (size_t i = 0; i < s->n; i++)
		if (s->runs[i].client_rps > 0)
			return 1;
	return 0;
}

int plot_server(plot_set *s)
{
	if (!plot_server_rows(s))
		return 0;
	snprintf(s->what, sizeof s->what, "%s %s, N = the connections", s->runs[0].workload,
		 s->runs[0].params);
	const chart charts[] = {
		{ "server_throughput",
		  "requests/s answered vs connections, a line per model",
		  "Server throughput vs connections",
		  "connections",
		  q_conns,
		  1,
		  { q_rps },
		  { "requests/s (client side)" },
		  { NULL },
		  "a closed loop: each connection sends its next request when the last is in" },
		{ "server_latency",
		  "client p50 and p99 vs connections",
		  "Server latency vs connections",
		  "connections",
		  q_conns,
		  2,
		  { q_p50, q_p99 },
		  { "p50 (ms)", "p99 (ms)" },
		  { "p50", "p99" },
		  "from the load generator, coordinated omission corrected; connections a model "
		  "does not accept yet wait in the backlog" },
		{ "server_rate",
		  "client p99 vs the offered rate",
		  "Server latency vs offered rate",
		  "offered rate (requests/s)",
		  q_rate,
		  1,
		  { q_p99 },
		  { "p99 (ms)" },
		  { NULL },
		  "an open loop: requests sent at the rate whatever the server does" },
		{ "server_cost",
		  "server CPU per request and memory per connection",
		  "Server cost vs connections",
		  "connections",
		  q_conns,
		  2,
		  { q_cpu, q_mem },
		  { "CPU per request (us)", "memory per connection (KiB)" },
		  { "user+sys CPU / requests",
		    "the server's processes and kernel stacks / connections" },
		  "from the server's rusage and its processes' memory" },
	};
	for (size_t k = 0; k < sizeof charts / sizeof *charts; k++)
		if (draw(s, &charts[k]) < 0)
			return -1;
	return plot_server_steps(s);
}

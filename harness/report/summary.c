/*
 * summary.c - the end-of-sweep table.
 *
 * One row per (workload, model, concurrency): the median over the reps that
 * finished ok (a median, not a mean, because one noisy rep on a shared
 * machine should not move the figure), each with its spread: "±6%" says
 * every rep lay within 6 % of the median (the farther of min and max), so
 * the reader sees at once which differences between rows are real. Then the
 * speed-up over sequential's median makespan for the same workload: at the
 * same concurrency when sequential ran there, else over all its runs
 * (sequential ignores C).
 *
 * A group whose makespan is noisy (stats_noisy: CV over 10 % or an outlier
 * rep, as hyperfine warns) gets a '!' in its row and a line under the
 * table saying why and what to do. One rep shows no spread and no flag.
 */
#include "harness/report/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/report/units.h"
#include "harness/run/metric.h"
#include "harness/run/pace.h"
#include "harness/run/stats.h"
#include "workloads/registry.h"

#define FIG_W 12 /* display columns of a figure: "2.42 ms ±40%" */

static int same_workload(const res_run *a, const res_run *b)
{
	return strcmp(a->workload, b->workload) == 0 && strcmp(a->params, b->params) == 0;
}

static int is_seq(const res_run *r, const res_run *key, int same_c)
{
	return same_workload(r, key) && strcmp(r->model, "sequential") == 0 &&
	       strcmp(r->status, "ok") == 0 && (!same_c || r->concurrency == key->concurrency);
}

/* Sequential's median makespan at key's C, else over all its runs; NaN if none. */
static double seq_makespan(const res_run *runs, size_t n, const res_run *key)
{
	double *v = malloc((n ? n : 1) * sizeof *v), m = NAN;
	for (int same_c = 1; v && same_c >= 0 && isnan(m); same_c--) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (is_seq(&runs[i], key, same_c))
				v[k++] = metric_value(METRIC_MAKESPAN, &runs[i]);
		m = stats_median(v, k);
	}
	free(v);
	return m;
}

/* The first failing status of a group, for the last column. */
static const char *group_status(const res_run *runs, const size_t *idx, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (strcmp(runs[idx[i]].status, "ok") != 0)
			return runs[idx[i]].status;
	return "ok";
}

/* The median and, with two reps or more, "±X%": the farthest rep from it. */
static void figure(metric_id m, const stats_spread *s, char *buf, size_t len)
{
	char med[24];
	double dev = fmax(s->median - s->min, s->max - s->median) / fabs(s->median) * 100;
	metric_format(m, s->median, med, sizeof med);
	if (s->n < 2 || !isfinite(dev))
		snprintf(buf, len, "%s", med);
	else if (dev >= 999.5)
		snprintf(buf, len, "%s ±>999%%", med);
	else
		snprintf(buf, len, dev < 0.95 ? "%s ±%.1f%%" : "%s ±%.0f%%", med, dev);
}

/* s right-aligned in w display columns after one space (UTF-8 continuation
 * bytes take none); *debt carries what an earlier column overflowed by, to
 * be taken from this one's padding, so that "7.75 ms ±132%" on a very noisy
 * machine shifts the next figure at most, not the rest of the row. */
static void put_right(FILE *out, const char *s, int w, int *debt)
{
	int cols = 0;
	for (const char *p = s; *p; p++)
		cols += ((unsigned char)*p & 0xc0) != 0x80;
	int pad = w - cols - *debt;
	*debt = pad < 0 ? -pad : 0;
	fprintf(out, " %*s%s", pad > 0 ? pad : 0, "", s);
}

static const metric_id shown[] = { METRIC_MAKESPAN, METRIC_THROUGHPUT, METRIC_P50, METRIC_P99 };
#define NSHOWN (sizeof shown / sizeof shown[0])

/* One group's row: the runs runs[idx[0..k)). */
static void print_row(FILE *out, const res_run *runs, size_t n, const size_t *idx, size_t k)
{
	const res_run *key = &runs[idx[0]];
	stats_spread s[NSHOWN];
	char fig[40], su[24] = "-";
	int debt = (int)strlen(key->model) > 16 ? (int)strlen(key->model) - 16 : 0;
	for (size_t i = 0; i < NSHOWN; i++)
		stats_spread_runs(runs, idx, k, shown[i], &s[i]);
	double m = s[0].median, seq = seq_makespan(runs, n, key);
	if (!isnan(seq) && !isnan(m) && m > 0)
		snprintf(su, sizeof su, seq / m >= 0.1 ? "%.2fx" : "%.2gx", seq / m);
	size_t ok = 0;
	for (size_t i = 0; i < k; i++)
		ok += strcmp(runs[idx[i]].status, "ok") == 0;
	fprintf(out, "  %-16s %5u %2zu/%-2zu %c", key->model, key->concurrency, ok, k,
		stats_noisy(&s[0]) ? '!' : ' ');
	for (size_t i = 0; i < NSHOWN; i++) {
		figure(shown[i], &s[i], fig, sizeof fig);
		put_right(out, fig, FIG_W, &debt);
	}
	put_right(out, su, 8, &debt);
	fprintf(out, " %s\n", group_status(runs, idx, k));
}

/* Under the table, for a flagged group: "epoll c=4: CV 23 %, 1 outlier of 5 reps". */
static void print_warning(FILE *out, const res_run *key, const stats_spread *s)
{
	fprintf(out, "  ! %s c=%u: ", key->model, key->concurrency);
	if (s->cv > STATS_NOISY_CV) /* 10.4 %: not "10 %", which reads as not over */
		fprintf(out, s->cv < 0.105 ? "CV %.1f %%" : "CV %.0f %%", s->cv * 100);
	if (s->outliers)
		fprintf(out, "%s%zu outlier%s of %zu reps\n", s->cv > STATS_NOISY_CV ? ", " : "",
			s->outliers, s->outliers > 1 ? "s" : "", s->n);
	else
		fprintf(out, " over %zu reps\n", s->n);
}

/* The table of the workload of group g0: its groups from g0 on, then the warnings. */
static void print_table(FILE *out, const res_run *runs, size_t n, const size_t *order,
			const size_t *start, size_t ng, size_t g0)
{
	const res_run *w = &runs[order[start[g0]]];
	size_t flagged = 0, reps = 0;
	for (size_t g = g0; g < ng; g++)
		if (same_workload(&runs[order[start[g]]], w) && start[g + 1] - start[g] > reps)
			reps = start[g + 1] - start[g];
	fprintf(out, "\nsummary: %s%s%s, %zu tasks (median over ok reps%s)\n", w->workload,
		w->params[0] ? ":" : "", w->params, w->tasks,
		reps > 1 ? ", ± the farthest rep from it, ! noisy" : "");
	fprintf(out, "  %-16s %5s %5s   %*s %*s %*s %*s %8s %s\n", "model", "C", "ok", FIG_W,
		"makespan", FIG_W, "throughput", FIG_W, "p50", FIG_W, "p99", "speed-up", "status");
	for (size_t g = g0; g < ng; g++)
		if (same_workload(&runs[order[start[g]]], w))
			print_row(out, runs, n, order + start[g], start[g + 1] - start[g]);
	for (size_t g = g0; g < ng; g++) {
		stats_spread s;
		if (!same_workload(&runs[order[start[g]]], w))
			continue;
		stats_spread_runs(runs, order + start[g], start[g + 1] - start[g], METRIC_MAKESPAN,
				  &s);
		if (stats_noisy(&s) && ++flagged)
			print_warning(out, &runs[order[start[g]]], &s);
	}
	if (flagged)
		fprintf(out,
			"  ! noisy makespan (CV over %.0f %% or an outlier rep): results may be "
			"distorted by other load;\n    rerun with more --reps or on a quieter "
			"machine\n",
			STATS_NOISY_CV * 100);
}

/* A server workload's rows: measured under a load, client figures set. */
static int server_row(const res_run *r)
{
	const wl_kind *k = wl_find(r->workload);
	return (k && k->server) || r->client_requests > 0;
}

void summary_line(FILE *out, const res_run *r, int color)
{
	char a[24], b[24], c[24], d[24];
	int ok = strcmp(r->status, "ok") == 0;
	const char *on = !color ? "" : ok ? "\033[32m" : "\033[31m";
	if (server_row(r)) /* the client's figures: the server's own are per connection */
		fprintf(out, "%-6s %-18s c=%-5u n=%-6zu rep %-2d %10s p50 %-9s p99 %-9s %s%s%s\n",
			r->workload, r->model, r->concurrency, r->tasks, r->rep,
			units_rate(r->client_rps, a, sizeof a),
			units_time(r->client_p50_s, b, sizeof b),
			units_time(r->client_p99_s, c, sizeof c), on, r->status, color ? "\033[0m" : "");
	else
		fprintf(out,
			"%-6s %-18s c=%-5u rep %-2d makespan %-9s thr %-10s p50 %-9s p99 %-9s "
			"%s%s%s\n",
			r->workload, r->model, r->concurrency, r->rep,
			units_time(r->makespan_s, a, sizeof a),
			units_rate(r->throughput_per_s, b, sizeof b),
			units_time(r->lat_p50_s, c, sizeof c), units_time(r->lat_p99_s, d, sizeof d),
			on, r->status, color ? "\033[0m" : "");
}

/* Median of the finite values of v[0..n); NaN if none. */
static double median_of(double *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]))
			v[k++] = v[i];
	return k ? stats_median(v, k) : NAN;
}

/* A server sweep's table: a line per (model, C, connections, rate), the
 * client's figures (median over the reps) and what failed or never came. */
static void print_server(FILE *out, const res_run *runs, size_t n, const res_run *w)
{
	char *done = calloc(n ? n : 1, 1);
	if (!done)
		return;
	fprintf(out,
		"\nsummary: %s:%s under a load (median over reps; latency from the client, "
		"corrected)\n  %-16s %5s %6s %9s %5s %12s %10s %10s %8s %10s  %s\n",
		w->workload, w->params, "model", "C", "conns", "rate", "ok", "req/s", "p50", "p99",
		"errors", "cut at end", "status");
	for (size_t i = 0; i < n; i++) {
		const res_run *k = &runs[i];
		if (done[i] || !same_workload(k, w))
			continue;
		double rps[64], p50[64], p99[64];
		size_t m = 0, ok = 0;
		long errs = 0, unans = 0;
		const char *status = "ok";
		for (size_t j = i; j < n; j++) {
			const res_run *r = &runs[j];
			if (done[j] || !same_workload(r, w) || strcmp(r->model, k->model) ||
			    r->concurrency != k->concurrency || r->tasks != k->tasks ||
			    !(r->rate_requested == k->rate_requested ||
			      (isnan(r->rate_requested) && isnan(k->rate_requested))))
				continue;
			done[j] = 1;
			if (strcmp(r->status, "ok")) {
				status = r->status;
				continue;
			}
			ok++;
			errs += r->client_errors > 0 ? r->client_errors : 0;
			unans += r->client_unfinished > 0 ? r->client_unfinished : 0;
			if (m < 64) {
				rps[m] = r->client_rps;
				p50[m] = r->client_p50_s;
				p99[m++] = r->client_p99_s;
			}
		}
		char rate[24] = "closed", a[32], b[32], c[32], okt[16];
		if (isfinite(k->rate_requested))
			snprintf(rate, sizeof rate, "%.0f/s", k->rate_requested);
		snprintf(okt, sizeof okt, "%zu/%zu", ok, ok + (strcmp(status, "ok") != 0));
		units_rate(median_of(rps, m), a, sizeof a);
		fprintf(out, "  %-16s %5u %6zu %9s %5s %12s %10s %10s %8ld %10ld  %.60s\n", k->model,
			k->concurrency, k->tasks, rate, okt, a,
			units_time(median_of(p50, m), b, sizeof b),
			units_time(median_of(p99, m), c, sizeof c), errs, unans, status);
	}
	free(done);
}

/* The runs the sweep did again because the host slowed them are left out of
 * the table and counted under it. */
void summary_print(FILE *out, const res_run *all, size_t nall)
{
	res_run *runs = malloc((nall ? nall : 1) * sizeof *runs);
	size_t n = 0, slowed = 0, kept_slow = 0;
	for (size_t i = 0; runs && i < nall; i++) {
		if (res_slowed(&all[i]))
			slowed++;
		else
			runs[n++] = all[i];
		kept_slow += !strcmp(all[i].status, "ok") && all[i].pace > PACE_SLOW;
	}
	size_t *order = runs ? malloc((n ? n : 1) * sizeof *order) : NULL;
	size_t *start = malloc((n + 1) * sizeof *start);
	size_t ng = order && start ? stats_group_index(runs, n, order, start) : (size_t)-1;

	if (ng == (size_t)-1)
		fprintf(out, "\nsummary: out of memory\n");
	for (size_t g = 0; g < ng && ng != (size_t)-1; g++) {
		size_t h = 0;
		while (h < g && !same_workload(&runs[order[start[h]]], &runs[order[start[g]]]))
			h++;
		if (h != g) /* not the workload's first group: its table is out */
			continue;
		if (server_row(&runs[order[start[g]]]))
			print_server(out, runs, n, &runs[order[start[g]]]);
		else
			print_table(out, runs, n, order, start, ng, g);
	}
	if (slowed)
		fprintf(out,
			"\n%zu run%s slowed from outside (a CPU did fixed work over %.2fx slower "
			"than its best) and run again;\nresults.csv keeps %s with status "
			"\"slowed\", outside every figure.\n",
			slowed, slowed > 1 ? "s were" : " was", PACE_SLOW, slowed > 1 ? "them" : "it");
	if (kept_slow)
		fprintf(out,
			"%zu run%s still slowed on the last try and kept: the machine is busy; the pace "
			"column says by how much.\n",
			kept_slow, kept_slow > 1 ? "s were" : " was");
	fputc('\n', out);
	free(order);
	free(start);
	free(runs);
}

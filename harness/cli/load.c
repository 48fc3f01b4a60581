/*
 * load.c - `concbench load URL`: the load generator (harness/load/) as a
 * command. Options are checked before anything is sent (exit 2 naming the
 * bad one); a target that refuses even one probe connection is exit 1, said
 * plainly, instead of a table of millions of connect errors.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "harness/load/probe.h"
#include "harness/load/sweep.h"
#include "harness/plot/plot.h"
#include "harness/report/file.h"
#include "harness/run/duration.h"
#include "harness/run/spec.h"
#include "workloads/http/httpbody.h"
#include "workloads/http/httpclient.h"
#include "workloads/http/httpreq.h"

#define EXACT_MAX 1000000 /* -n up to this keeps every sample */

static void load_usage(FILE *f)
{
	fprintf(f,
		"usage: concbench load URL (-d DURATION | -n REQUESTS) [options]\n\n"
		"Drive an HTTP/1.1 server at URL (http://host[:port]/path: the host you name,\n"
		"or loopback) with GET (or --body's POST) requests and report throughput and\n"
		"latency.\n\n"
		"  -c, --connections L  connections (default 10); a list runs a step each:\n"
		"                       1,10,100 or 1..1000x10\n"
		"  -t, --threads N      threads, each its own event loop; connections are\n"
		"                       split between them (default 1; at most -c)\n"
		"  -d, --duration D     measure for D (10s, 500ms, 2m, 1.5s)\n"
		"  -n, --requests N     measure N requests (percentiles exact up to %d)\n"
		"      --rate R         open loop: R requests/s over all connections, each\n"
		"                       (a list, 1000..16000x2, runs a step each, and every\n"
		"                       rate at every -c)\n"
		"                       connection at fixed intervals; latency counts from\n"
		"                       the intended send (coordinated omission corrected),\n"
		"                       the uncorrected figure beside it. Without --rate:\n"
		"                       closed loop, the next request when the last is in\n"
		"      --body FILE      POST FILE's bytes (up to 64 MiB) as every request's body,\n"
		"                       with Content-Length; default GET\n"
		"      --warmup D       run D first and discard it (default 0)\n"
		"      --timeout D      per request: connect, send and whole reply (default 10s)\n"
		"      --close          a new connection per request (default keep-alive)\n"
		"      --latency        print the whole percentile spectrum too\n"
		"      --check-body     every body must be the same bytes as the first (a static\n"
		"                       file); for the bundled target's /work?size=S&seed=K (a\n"
		"                       size= given), the bytes it must send. Others count as\n"
		"                       body errors; the table prints the body's digest\n"
		"  -o, --out DIR        write a results directory under DIR: results.csv and\n"
		"                       results.json (a row per step), spectrum.csv, charts\n"
		"      --name NAME      DIR/NAME/<UTC stamp>/ (default DIR results, NAME load);\n"
		"                       either option asks for the directory\n"
		"      --no-plot        write the files but draw no charts (concbench plot DIR)\n\n"
		"A reply counts as ok when it is 200 with a whole body; other replies and\n"
		"failures are counted by kind: connect, timeout, reset, status, body.\n"
		"exit status: 0 it ran (errors are counted), 1 nothing could be measured (in\n"
		"some step of a sweep) or a file not written,\n"
		"2 usage error, 130 Ctrl-C (after printing what was measured)\n\n"
		"examples:\n"
		"  concbench serve --listen 127.0.0.1:8080 &\n"
		"  concbench load http://127.0.0.1:8080/work?size=4096 -c 4 -n 10000\n"
		"  concbench load http://127.0.0.1:8080/work -c 50 -t 2 --rate 2000 -d 10s --latency\n"
		"  concbench load http://127.0.0.1:8080/work -c 20 --rate 1000..16000x2 -d 5s --name hockey\n",
		EXACT_MAX);
}

typedef struct {
	const char *url, *duration, *rate, *warmup, *timeout, *conns, *out, *name, *body;
	int64_t threads, requests;
	int close, latency, check_body, no_plot;
} load_args;

static int bad_value(const char *opt, const char *value, const char *what)
{
	return cli_usage_error("load", "%s: '%s' is not %s", opt, value, what);
}

/* What the options ask for, checked: the sweep's lists and the base
 * configuration. 0, or 2 after the message. */
typedef struct {
	load_sweep_cfg sw;
	int64_t *conns;
	double *rates;
	char *body;      /* --body's bytes */
	char head[1024]; /* the request head, made once */
} load_plan;

/* --rate: one rate (0.5 is fine), or a list of whole ones. */
static int parse_rates(const char *text, load_plan *p)
{
	char err[256], *end;
	int64_t *v = NULL;
	size_t n = 0;

	errno = 0;
	double one = strtod(text, &end);
	if (!*end && end != text && !errno) {
		if (!(one > 0) || one > 1e8)
			return bad_value("--rate", text, "a rate in requests/s (0 < R <= 1e8)");
		v = NULL;
		n = 1;
	} else if (spec_counts(text, 1, 100000000, &v, &n, err, sizeof err) < 0) {
		return cli_usage_error("load", "--rate: '%s' is not a rate or a list of them: %s",
				       text, err);
	}
	if (!(p->rates = malloc(n * sizeof *p->rates))) {
		free(v);
		return cli_fail("load", 1, "out of memory");
	}
	for (size_t i = 0; i < n; i++)
		p->rates[i] = v ? (double)v[i] : one;
	p->sw.rates = p->rates;
	p->sw.nrates = n;
	free(v);
	return 0;
}

/* --check-body against the bundled target's /work?size=S&seed=K: the body
 * it must send is known (httpbody_digest), so every reply is checked
 * against that, not only against the first. The size= marks the target's
 * API: `concbench serve --work SPEC` answers /work?seed=K with a work's
 * digest instead, and another server's page is another thing again, so
 * those are checked against the first reply. */
static void expect_target_body(load_cfg *c)
{
	char head[320];
	httpreq q;
	int n = snprintf(head, sizeof head, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", c->http.path);
	const char *query = strchr(c->http.path, '?');
	if (strncmp(c->http.path, "/work", 5) || (c->http.path[5] && c->http.path[5] != '?') ||
	    !query || !(strstr(query, "?size=") || strstr(query, "&size=")) || n <= 0 ||
	    (size_t)n >= sizeof head)
		return;
	httpreq_parse(head, (size_t)n, &q);
	if (q.status != 200 || q.route != HTTPREQ_WORK)
		return;
	c->expect_set = 1;
	c->expect = httpbody_digest(q.seed, q.size);
}

static int to_cfg(const load_args *a, load_plan *p)
{
	char err[256];
	int64_t d = 0, w = 0, t = 10000000000;
	load_cfg *c = &p->sw.base;
	size_t nc;

	if (!a->url)
		return cli_usage_error("load", "which server? give a URL (http://127.0.0.1:8080/)");
	if (httpcfg_url(&c->http, a->url, "URL", err, sizeof err) < 0)
		return cli_usage_error("load", "%s", err);
	if (!a->duration == !a->requests)
		return cli_usage_error("load",
				       a->duration ? "-d and -n: give one, not both"
						   : "how long? give -d DURATION or -n REQUESTS");
	if (a->duration && (d = spec_duration_ns(a->duration)) <= 0)
		return bad_value("-d", a->duration, "a duration (10s, 500ms, 2m)");
	if (a->warmup && (w = spec_duration_ns(a->warmup)) < 0)
		return bad_value("--warmup", a->warmup, "a duration (2s, 500ms)");
	if (a->timeout && ((t = spec_duration_ns(a->timeout)) < 1000000 || t > 3600000000000))
		return bad_value("--timeout", a->timeout, "a duration from 1ms to 1h");
	if (spec_counts(a->conns, 1, 1000000, &p->conns, &nc, err, sizeof err) < 0)
		return cli_usage_error("load", "-c: '%s' is not a number or a list of them: %s",
				       a->conns, err);
	p->sw.conns = p->conns;
	p->sw.nconns = nc;
	if (a->rate && parse_rates(a->rate, p))
		return 2;
	if (nc == 1 && a->threads > p->conns[0])
		return cli_usage_error("load", "-t %lld: more threads than connections (-c %lld)",
				       (long long)a->threads, (long long)p->conns[0]);
	if (nc * (p->sw.nrates ? p->sw.nrates : 1) > 256)
		return cli_usage_error("load", "-c and --rate make %zu steps; at most 256",
				       nc * (p->sw.nrates ? p->sw.nrates : 1));
	p->sw.threads = (unsigned)a->threads;
	p->sw.url = a->url;
	p->sw.spectrum = a->latency;
	c->duration_ns = (uint64_t)d;
	c->warmup_ns = (uint64_t)w;
	c->requests = (uint64_t)a->requests;
	c->exact = a->requests && a->requests <= EXACT_MAX;
	c->check_body = a->check_body;
	c->http.keepalive = !a->close;
	c->http.hold = 1;
	c->http.timeout_ms = t / 1000000;
	if (a->body) {
		size_t len;
		if (!(p->body = file_slurp(a->body, HTTPREQ_MAX_SIZE, &len, err, sizeof err)))
			return cli_usage_error("load", "--body: %s", err);
		c->http.body = p->body;
		c->http.body_len = len;
		c->post = 1;
	}
	if (a->check_body)
		expect_target_body(c);
	c->http.nodigest = !a->check_body; /* no digest nobody reads */
	size_t hl = httpclient_head(&c->http, 0, p->head, sizeof p->head);
	if (hl < sizeof p->head) { /* a URL of ~900 characters is formatted each time */
		c->http.head = p->head;
		c->http.head_len = hl;
	}
	return 0;
}

/* The sweep, with its results directory when one was asked for. */
static int run_plan(const load_args *a, load_plan *p, int argc, char **argv)
{
	char err[512];
	load_step *steps = NULL;
	size_t n = 0;

	if (load_probe(&p->sw.base.http, err, sizeof err) < 0)
		return cli_fail("load", 1, "%s: nothing measured", err);
	if ((a->out || a->name) &&
	    !(p->sw.out = load_out_open(a->out ? a->out : "results", a->name ? a->name : "load",
					argc, argv, err, sizeof err)))
		return cli_fail("load", 1, "%s", err);
	int rc = load_sweep(&p->sw, stdout, stderr, &steps, &n);
	free(steps);
	if (!p->sw.out)
		return rc;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", load_out_path(p->sw.out));
	if (load_out_close(p->sw.out, err, sizeof err) < 0) {
		fprintf(stderr, "concbench load: %s\n", err);
		rc = rc ? rc : 1;
	}
	if (n && !a->no_plot && plot_dir(dir, NULL, stderr, err, sizeof err) < 0) {
		fprintf(stderr, "concbench load: charts: %s\n", err);
		rc = rc ? rc : 1;
	}
	printf("\nresults: %s\n", dir);
	return rc;
}

int cli_load(int argc, char **argv, volatile sig_atomic_t *stop)
{
	load_args a = { .conns = "10", .threads = 1 };
	const cli_opt opts[] = {
		{ .name = "--connections",
		  .alias = "-c",
		  .type = CLI_TEXT,
		  .dst = &a.conns,
		  .value = "a number or a list",
		  .eq = 1 },
		{ .name = "--threads",
		  .alias = "-t",
		  .type = CLI_INT,
		  .dst = &a.threads,
		  .value = "a number",
		  .eq = 1,
		  .min = 1,
		  .max = 1024 },
		{ .name = "--requests",
		  .alias = "-n",
		  .type = CLI_INT,
		  .dst = &a.requests,
		  .value = "a number",
		  .eq = 1,
		  .min = 1,
		  .max = INT64_C(1000000000000) },
		{ .name = "--duration",
		  .alias = "-d",
		  .type = CLI_TEXT,
		  .dst = &a.duration,
		  .value = "a duration",
		  .eq = 1 },
		{ .name = "--rate",
		  .type = CLI_TEXT,
		  .dst = &a.rate,
		  .value = "requests/s",
		  .eq = 1 },
		{ .name = "--warmup",
		  .type = CLI_TEXT,
		  .dst = &a.warmup,
		  .value = "a duration",
		  .eq = 1 },
		{ .name = "--timeout",
		  .type = CLI_TEXT,
		  .dst = &a.timeout,
		  .value = "a duration",
		  .eq = 1 },
		{ .name = "--out", .alias = "-o", .type = CLI_TEXT, .dst = &a.out, .value = "DIR", .eq = 1 },
		{ .name = "--name", .type = CLI_TEXT, .dst = &a.name, .value = "NAME", .eq = 1 },
		{ .name = "--body", .type = CLI_TEXT, .dst = &a.body, .value = "FILE", .eq = 1 },
		{ .name = "--close", .type = CLI_FLAG, .dst = &a.close },
		{ .name = "--latency", .type = CLI_FLAG, .dst = &a.latency },
		{ .name = "--check-body", .type = CLI_FLAG, .dst = &a.check_body },
		{ .name = "--no-plot", .type = CLI_FLAG, .dst = &a.no_plot },
		{ 0 },
	};
	const cli_parser p = {
		.cmd = "load", .opts = opts, .operand = &a.url, .usage = load_usage, .see_help = 1
	};
	int rc = cli_parse(&p, argc, argv);
	if (rc >= 0)
		return rc;
	load_plan plan = { .sw.base.stop = stop };
	if ((rc = to_cfg(&a, &plan)) == 0)
		rc = run_plan(&a, &plan, argc, argv);
	free(plan.conns);
	free(plan.rates);
	free(plan.body);
	return rc;
}

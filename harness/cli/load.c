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
#include "harness/load/client.h"
#include "harness/load/probe.h"
#include "harness/load/table.h"

#define EXACT_MAX 1000000 /* -n up to this keeps every sample */

static void load_usage(FILE *f)
{
	fprintf(f,
		"usage: concbench load URL (-d DURATION | -n REQUESTS) [options]\n\n"
		"Drive an HTTP/1.1 server at URL (http://host[:port]/path: the host you name,\n"
		"or loopback) with GET requests and report throughput and latency.\n\n"
		"  -c, --connections N  connections (default 10)\n"
		"  -t, --threads N      threads, each its own event loop; connections are\n"
		"                       split between them (default 1, at most -c)\n"
		"  -d, --duration D     measure for D (10s, 500ms, 2m, 1.5s)\n"
		"  -n, --requests N     measure N requests (percentiles exact up to %d)\n"
		"      --rate R         open loop: R requests/s over all connections, each\n"
		"                       connection at fixed intervals; latency counts from\n"
		"                       the intended send (coordinated omission corrected),\n"
		"                       the uncorrected figure beside it. Without --rate:\n"
		"                       closed loop, the next request when the last is in\n"
		"      --warmup D       run D first and discard it (default 0)\n"
		"      --timeout D      per request: connect, send and whole reply (default 10s)\n"
		"      --close          a new connection per request (default keep-alive)\n"
		"      --latency        print the whole percentile spectrum too\n"
		"      --check-body     every body must be the same bytes as the first (a static\n"
		"                       file, the bundled target's /work): others count as\n"
		"                       body errors; the table prints the body's digest\n\n"
		"A reply counts as ok when it is 200 with a whole body; other replies and\n"
		"failures are counted by kind: connect, timeout, reset, status, body.\n"
		"exit status: 0 it ran (errors are counted), 1 nothing could be measured,\n"
		"2 usage error, 130 Ctrl-C (after printing what was measured)\n\n"
		"examples:\n"
		"  concbench serve --listen 127.0.0.1:8080 &\n"
		"  concbench load http://127.0.0.1:8080/work?size=4096 -c 4 -n 10000\n"
		"  concbench load http://127.0.0.1:8080/work -c 50 -t 2 --rate 2000 -d 10s --latency\n",
		EXACT_MAX);
}

/* "1.5s", "500ms", "250us", "2m", "10" (seconds) into ns; -1 if bad. */
static int64_t duration_ns(const char *s)
{
	static const struct {
		const char *unit;
		double ns;
	} u[] = { { "ns", 1 },   { "us", 1e3 },   { "ms", 1e6 }, { "s", 1e9 },
		  { "m", 60e9 }, { "h", 3600e9 }, { "", 1e9 } };
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno || !(v >= 0) || isinf(v))
		return -1;
	for (size_t i = 0; i < sizeof u / sizeof *u; i++)
		if (!strcmp(end, u[i].unit))
			return v * u[i].ns < 1e18 ? (int64_t)(v * u[i].ns) : -1;
	return -1;
}

typedef struct {
	const char *url, *duration, *rate, *warmup, *timeout;
	int64_t conns, threads, requests;
	int close, latency, check_body;
} load_args;

static int bad_value(const char *opt, const char *value, const char *what)
{
	return cli_usage_error("load", "%s: '%s' is not %s", opt, value, what);
}

/* The options into c; 0, or 2 after the message. */
static int to_cfg(const load_args *a, load_cfg *c)
{
	char err[256];
	int64_t d = 0, w = 0, t = 10000000000;

	if (!a->url)
		return cli_usage_error("load", "which server? give a URL (http://127.0.0.1:8080/)");
	if (httpcfg_url(&c->http, a->url, "URL", err, sizeof err) < 0)
		return cli_usage_error("load", "%s", err);
	if (!a->duration == !a->requests)
		return cli_usage_error("load",
				       a->duration ? "-d and -n: give one, not both"
						   : "how long? give -d DURATION or -n REQUESTS");
	if (a->duration && (d = duration_ns(a->duration)) <= 0)
		return bad_value("-d", a->duration, "a duration (10s, 500ms, 2m)");
	if (a->warmup && (w = duration_ns(a->warmup)) < 0)
		return bad_value("--warmup", a->warmup, "a duration (2s, 500ms)");
	if (a->timeout && ((t = duration_ns(a->timeout)) < 1000000 || t > 3600000000000))
		return bad_value("--timeout", a->timeout, "a duration from 1ms to 1h");
	if (a->rate) {
		char *end;
		errno = 0;
		c->rate = strtod(a->rate, &end);
		if (end == a->rate || *end || errno || !(c->rate > 0) || c->rate > 1e8)
			return bad_value("--rate", a->rate, "a rate in requests/s (0 < R <= 1e8)");
	}
	if (a->threads > a->conns)
		return cli_usage_error("load", "-t %lld: more threads than connections (-c %lld)",
				       (long long)a->threads, (long long)a->conns);
	c->conns = (unsigned)a->conns;
	c->threads = (unsigned)a->threads;
	c->duration_ns = (uint64_t)d;
	c->warmup_ns = (uint64_t)w;
	c->requests = (uint64_t)a->requests;
	c->exact = a->requests && a->requests <= EXACT_MAX;
	c->check_body = a->check_body;
	c->http.keepalive = !a->close;
	c->http.hold = 1;
	c->http.timeout_ms = t / 1000000;
	return 0;
}

int cli_load(int argc, char **argv, volatile sig_atomic_t *stop)
{
	load_args a = { .conns = 10, .threads = 1 };
	const cli_opt opts[] = {
		{ .name = "--connections",
		  .alias = "-c",
		  .type = CLI_INT,
		  .dst = &a.conns,
		  .value = "a number",
		  .eq = 1,
		  .min = 1,
		  .max = 1000000 },
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
		{ .name = "--close", .type = CLI_FLAG, .dst = &a.close },
		{ .name = "--latency", .type = CLI_FLAG, .dst = &a.latency },
		{ .name = "--check-body", .type = CLI_FLAG, .dst = &a.check_body },
		{ 0 },
	};
	const cli_parser p = {
		.cmd = "load", .opts = opts, .operand = &a.url, .usage = load_usage, .see_help = 1
	};
	int rc = cli_parse(&p, argc, argv);
	if (rc >= 0)
		return rc;
	load_cfg c = { .stop = stop };
	if ((rc = to_cfg(&a, &c)))
		return rc;

	char err[256];
	load_result r;
	if (load_probe(&c.http, err, sizeof err) < 0)
		return cli_fail("load", 1, "%s: nothing measured", err);
	if (load_result_init(&r, c.exact) < 0)
		return cli_fail("load", 1, "out of memory for the histograms");
	if (load_run(&c, &r, err, sizeof err) < 0) {
		load_result_free(&r);
		return cli_fail("load", 1, "%s", err);
	}
	load_table(stdout, a.url, &c, &r, a.latency);
	fflush(stdout);
	rc = r.interrupted ? 130 : 0;
	if (!r.interrupted && !r.ok)
		rc = cli_fail("load", 1, "no request succeeded: nothing measured (errors above)");
	load_result_free(&r);
	return rc;
}

/*
 * serve.c - `concbench serve`: the serve workload as a server that runs
 * until stopped (harness/run/target_serve.c), on any model. Without --work
 * it is the bundled HTTP target; with one, every request runs that work.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "harness/run/duration.h"
#include "harness/run/target_serve.h"

static void serve_usage(FILE *f)
{
	fprintf(f,
		"usage: concbench serve [-m MODEL] [-c C] [--work SPEC] [--listen HOST:PORT]\n"
		"                       [--stall S/EVERY] [--round N]\n\n"
		"An HTTP/1.1 server, forever (Ctrl-C or SIGTERM stops it): the serve workload\n"
		"on any model, each connection one task. Without --work it is the bundled\n"
		"target: GET /work?delay_ms=D&size=S&seed=K answers 200 after D ms with S\n"
		"bytes of a body that depends only on K. POST works as GET, its body\n"
		"(Content-Length, up to 64 MiB) read and dropped first. With --work SPEC,\n"
		"every path runs SPEC's task K for ?seed=K and answers its digest (16 hex\n"
		"digits). GET /stats shows open connections, delayed requests and requests\n"
		"served (in this round; see below). Keep-alive and Connection: close both\n"
		"work. Port 0 picks a free port; the address is printed once bound.\n\n"
		"  -m, --model MODEL   any model (default epoll): threads is a thread per\n"
		"                      connection, fork a process per connection, prefork\n"
		"                      Apache's, coro a coroutine each (concbench list models)\n"
		"  -c, --concurrency C connections served at once; more wait in the backlog.\n"
		"                      Default: sequential 1, threads 512, pool 64, fork 64,\n"
		"                      prefork 16, select 500 (at most 1000), poll, epoll,\n"
		"                      coro, hybrid, uring and uv 1024\n"
		"      --work SPEC     the workload run per request: fib:n=25, sleep:ms=50,\n"
		"                      hash:bytes=64k, null, http:url=... (a gateway)\n"
		"      --listen H:P    where to listen (default 127.0.0.1:8080)\n"
		"      --stall S/EVERY every EVERY, answer nothing for S: each server thread\n"
		"                      that would go on sleeps to the stall's end (on an event\n"
		"                      loop or coroutines, the one thread), as in a GC pause\n"
		"                      or a blocked event loop; the first stall starts EVERY\n"
		"                      after listening begins. Durations as 1s, 500ms, 250us,\n"
		"                      2m; S < EVERY. For teaching coordinated omission: a\n"
		"                      closed loop (concbench load -c) waits out each stall and\n"
		"                      hardly records it; an open loop (--rate) charges it to\n"
		"                      every request it delayed.\n"
		"      --round N       connections per round (default %zu)\n\n"
		"A model runs N tasks, so the server runs in rounds of N connections, each a\n"
		"process of its own on the same listening socket. A round ends when its last\n"
		"connection closes: at a boundary new connections wait in the backlog until\n"
		"the previous round's last clients leave (with keep-alive clients that never\n"
		"leave, the N+1st waits for good), and /stats starts again from 0. A model\n"
		"that cannot serve C connections (out of threads, processes or fds) ends the\n"
		"server with its reason and exit status 1.\n"
		"exit status: 0 stopped by a signal, 1 the server failed (cannot bind, a\n"
		"limit), 2 usage error\n\n"
		"examples:\n"
		"  concbench serve --listen 127.0.0.1:0\n"
		"  concbench serve -m threads -c 100 --work fib:n=25\n"
		"  concbench serve -m prefork -c 4 --listen 127.0.0.1:8081\n"
		"  concbench serve --stall 1s/5s &\n"
		"  concbench load http://127.0.0.1:8080/work -c 10 --rate 1000 -d 10s\n",
		TARGET_ROUND);
}

/* "S/EVERY" into a stall; 0, or 2 after the usage error. */
static int parse_stall(const char *spec, target_stall *st)
{
	const char *slash = strchr(spec, '/');
	char s[64];
	int64_t stall = -1, every = -1;
	if (slash && (size_t)(slash - spec) < sizeof s) {
		snprintf(s, sizeof s, "%.*s", (int)(slash - spec), spec);
		stall = spec_duration_ns(s);
		every = spec_duration_ns(slash + 1);
	}
	if (stall < 0 || every < 0)
		return cli_usage_error("serve",
				       "--stall: '%s' is not S/EVERY (two durations, as 1s/5s "
				       "or 300ms/2s)",
				       spec);
	if (stall == 0 || stall >= every)
		return cli_usage_error("serve",
				       "--stall: '%s': the stall S must be longer than 0 and "
				       "shorter than its period EVERY",
				       spec);
	*st = (target_stall){ (uint64_t)stall, (uint64_t)every };
	return 0;
}

int cli_serve(int argc, char **argv, volatile sig_atomic_t *stop)
{
	const char *stall = NULL;
	int64_t c = 0, round = (int64_t)TARGET_ROUND;
	target_opts o = { .listen = "127.0.0.1:8080" };
	const cli_opt opts[] = {
		{ .name = "--model", .alias = "-m", .type = CLI_TEXT, .dst = &o.model, .eq = 1 },
		{ .name = "--concurrency",
		  .alias = "-c",
		  .type = CLI_INT,
		  .dst = &c,
		  .eq = 1,
		  .min = 1,
		  .max = 1000000 },
		{ .name = "--work", .type = CLI_TEXT, .dst = &o.work, .value = "SPEC", .eq = 1 },
		{ .name = "--listen", .type = CLI_TEXT, .dst = &o.listen, .value = "HOST:PORT" },
		{ .name = "--stall", .type = CLI_TEXT, .dst = &stall, .value = "S/EVERY", .eq = 1 },
		{ .name = "--round",
		  .type = CLI_INT,
		  .dst = &round,
		  .eq = 1,
		  .min = 1,
		  .max = 1 << 26 },
		{ 0 },
	};
	const cli_parser p = { .cmd = "serve", .opts = opts, .usage = serve_usage, .see_help = 1 };
	int rc = cli_parse(&p, argc, argv);
	if (rc >= 0)
		return rc;
	if (stall && (rc = parse_stall(stall, &o.stall)) != 0)
		return rc;
	o.c = (unsigned)c;
	o.round = (size_t)round;
	char err[320];
	if (target_check(&o, err, sizeof err) < 0)
		return cli_usage_error("serve", "%s", err);
	if (target_serve_opts(&o, stop, stdout, err, sizeof err) < 0)
		return cli_fail("serve", 1, "%s", err);
	return 0;
}

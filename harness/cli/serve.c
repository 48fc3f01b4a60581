/* serve.c - `concbench serve`: the bundled HTTP target (harness/run/target_serve.c). */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "harness/run/duration.h"
#include "harness/run/spec.h"
#include "harness/run/target_serve.h"

static void serve_usage(FILE *f)
{
	fprintf(f, "usage: concbench serve [--listen HOST:PORT] [--stall S/EVERY]\n\n"
		   "The bundled HTTP target: GET /work?delay_ms=D&size=S&seed=K answers 200\n"
		   "after D ms with S bytes of a body that depends only on K. POST works as\n"
		   "GET, its body (Content-Length, up to 64 MiB) read and dropped first.\n"
		   "Keep-alive and Connection: close both work. Port 0 picks a free port; the\n"
		   "address is printed once bound. GET /stats shows connections, delayed\n"
		   "requests and requests served. Ctrl-C stops it.\n\n"
		   "  --listen HOST:PORT  where to listen (default 127.0.0.1:8080)\n"
		   "  --stall S/EVERY     every EVERY, stop answering for S: the one server\n"
		   "                      thread sleeps, as in a GC pause or a blocked event\n"
		   "                      loop; the first stall starts EVERY after listening\n"
		   "                      begins. Durations as 1s, 500ms, 250us, 2m; S < EVERY.\n"
		   "                      For teaching coordinated omission: a closed loop\n"
		   "                      (concbench load -c) waits out each stall and hardly\n"
		   "                      records it; an open loop (--rate) charges it to every\n"
		   "                      request it delayed.\n\n"
		   "examples:\n"
		   "  concbench serve --listen 127.0.0.1:0\n"
		   "  concbench serve --stall 1s/5s &\n"
		   "  concbench load http://127.0.0.1:8080/work -c 10 --rate 1000 -d 10s\n");
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
	const char *listen = "127.0.0.1:8080", *stall = NULL;
	const cli_opt opts[] = {
		{ .name = "--listen", .type = CLI_TEXT, .dst = &listen, .value = "HOST:PORT" },
		{ .name = "--stall", .type = CLI_TEXT, .dst = &stall, .value = "S/EVERY", .eq = 1 },
		{ 0 },
	};
	const cli_parser p = { .cmd = "serve", .opts = opts, .usage = serve_usage };
	int rc = cli_parse(&p, argc, argv);
	if (rc >= 0)
		return rc;
	target_stall st = { 0, 0 };
	if (stall && (rc = parse_stall(stall, &st)) != 0)
		return rc;
	char err[256];
	if (target_serve_stalling(listen, &st, stop, stdout, err, sizeof err) < 0)
		return cli_fail("serve", 1, "%s", err);
	return 0;
}

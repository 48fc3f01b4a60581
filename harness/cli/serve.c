/* serve.c - `concbench serve`: the bundled HTTP target (harness/run/target_serve.c). */
#include <signal.h>
#include <stdio.h>

#include "harness/cli/cli.h"
#include "harness/run/target_serve.h"

static void serve_usage(FILE *f)
{
	fprintf(f, "usage: concbench serve [--listen HOST:PORT]\n\n"
		   "The bundled HTTP target: GET /work?delay_ms=D&size=S&seed=K answers 200\n"
		   "after D ms with S bytes of a body that depends only on K. Keep-alive and\n"
		   "Connection: close both work. Port 0 picks a free port; the address is\n"
		   "printed once bound. GET /stats shows connections, delayed requests\n"
		   "and requests served. Ctrl-C stops it. (default --listen 127.0.0.1:8080)\n");
}

int cli_serve(int argc, char **argv, volatile sig_atomic_t *stop)
{
	const char *listen = "127.0.0.1:8080";
	const cli_opt opts[] = {
		{ .name = "--listen", .type = CLI_TEXT, .dst = &listen, .value = "HOST:PORT" },
		{ 0 },
	};
	const cli_parser p = { .cmd = "serve", .opts = opts, .usage = serve_usage };
	int rc = cli_parse(&p, argc, argv);
	if (rc >= 0)
		return rc;
	char err[256];
	if (target_serve(listen, stop, stdout, err, sizeof err) < 0)
		return cli_fail("serve", 1, "%s", err);
	return 0;
}

/*
 * main.c - the table of commands and dispatch, and the one piece of global
 * state: the flag a stop signal (Ctrl-C, SIGTERM, SIGHUP) sets so the sweep
 * can end cleanly, keeping every finished run.
 *
 * A command is a file harness/cli/NAME.c defining
 *   int cli_NAME(int argc, char **argv, volatile sig_atomic_t *stop);
 * (argv[0] is NAME; it returns the exit code: 0 ok, 1 a run failed, 2 usage
 * error, 130 interrupted) and one line of COMMANDS below, which declares it,
 * puts it in the table and in the top-level help.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness/run/meta.h"

#define COMMANDS(X)                                                                                \
	X(run, "a sweep: workloads x models x concurrency x reps")                                 \
	X(list, "the models and workloads, with their parameters")                                 \
	X(suite, "a claim's sweep and its expectations: reproduced or not")                        \
	X(reproduce, "every built-in suite, and REPORT.md")                                        \
	X(plot, "(re)draw the charts of a results directory")                                      \
	X(topo, "the machine as hwloc sees it")                                                    \
	X(check, "the machine as a benchmark sees it: cores delivered, costs, load")               \
	X(bench, "the toolkit's own per-task cost beside raw primitives")                          \
	X(serve, "serve HTTP on any model: the bundled target, or a work per request")             \
	X(load, "drive an HTTP server: closed or open loop, exact latency percentiles")

typedef int command_fn(int argc, char **argv, volatile sig_atomic_t *stop);

#define DECLARE(name, help) command_fn cli_##name;
COMMANDS(DECLARE)

static const struct command {
	const char *name;
	command_fn *fn;
	const char *help;
} commands[] = {
#define ENTRY(name, help) { #name, cli_##name, help },
	COMMANDS(ENTRY)
};

static volatile sig_atomic_t stop_requested;

static void usage(FILE *f)
{
	fprintf(f, "usage: concbench COMMAND [options]\n\n"
		   "Run the same workloads under different concurrency models and measure them.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "  %-10s %s\n", "help", "this text (concbench COMMAND --help for a command)");
	fprintf(f, "\noptions: --version, --help\n"
		   "exit status: 0 ok, 1 a run failed, 2 usage error, 130 interrupted\n");
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void catch_stop_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	/* Restart interrupted writes: a Ctrl-C while results are being saved
	 * must not make the save fail. The runner's ppoll() still wakes. */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;
	if (!name) {
		usage(stderr);
		return 2;
	}
	/* `help COMMAND` is `COMMAND --help` */
	char *help_argv[] = { argv[0], argc > 2 ? argv[2] : NULL, "--help", NULL };
	if (!strcmp(name, "help") && argc > 3) {
		fprintf(stderr, "concbench help: unexpected argument '%s'\n", argv[3]);
		return 2;
	}
	if (!strcmp(name, "help") && argc == 3 && strcmp(argv[2], "help")) {
		argc = 3;
		argv = help_argv;
		name = argv[1];
	}
	if (!strcmp(name, "--version") || !strcmp(name, "version")) {
		printf("concbench %s\n", CB_VERSION);
		return 0;
	}
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return 0;
	}
	const struct command *c = find(name);
	if (!c) {
		fprintf(stderr, "concbench: unknown command '%s'\n", name);
		usage(stderr);
		return 2;
	}
	catch_stop_signals();
	return c->fn(argc - 1, argv + 1, &stop_requested);
}

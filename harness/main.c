/*
 * main.c - command dispatch, and the one piece of global state: the flag a
 * stop signal (Ctrl-C, SIGTERM, SIGHUP) sets so the sweep can end cleanly,
 * keeping every finished run.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli/cli.h"
#include "harness/run/meta.h"

static volatile sig_atomic_t stop_requested;

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
	const char *cmd = argc > 1 ? argv[1] : NULL;
	if (!cmd) {
		cli_usage(stderr);
		return 2;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("concbench %s\n", CB_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		cli_usage(stdout);
		return 0;
	}
	catch_stop_signals();
	if (!strcmp(cmd, "run"))
		return cli_run(argc - 1, argv + 1, &stop_requested);
	if (!strcmp(cmd, "bench"))
		return cli_bench(argc - 1, argv + 1, &stop_requested);
	if (!strcmp(cmd, "plot"))
		return cli_plot(argc - 1, argv + 1);
	if (!strcmp(cmd, "serve"))
		return cli_serve(argc - 1, argv + 1, &stop_requested);
	if (!strcmp(cmd, "suite"))
		return cli_suite(argc - 1, argv + 1, &stop_requested);
	if (!strcmp(cmd, "reproduce"))
		return cli_reproduce(argc - 1, argv + 1, &stop_requested);
	if (!strcmp(cmd, "list") && argc == 3 && !strcmp(argv[2], "suites"))
		return cli_list_suites();
	if (!strcmp(cmd, "list"))
		return cli_list(argc - 1, argv + 1);
	if (!strcmp(cmd, "topo"))
		return cli_topo(argc - 1, argv + 1);
	fprintf(stderr, "concbench: unknown command '%s'\n", cmd);
	cli_usage(stderr);
	return 2;
}

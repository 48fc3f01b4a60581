/*
 * bench.c - `concbench bench [--reps R] [--tasks N]`: the toolkit's own speed.
 * Options only; the measuring is harness/bench/'s.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/bench/bench.h"
#include "harness/bench/switch.h"
#include "harness/cli/cli.h"

static void bench_usage(FILE *f)
{
	fprintf(f, "usage: concbench bench [--reps R] [--tasks N] [--only PARTS]\n\n"
		   "Per-task cost of every model on the null workload beside the raw\n"
		   "primitives (pthread_create+join, fork+waitpid), measured in the same\n"
		   "run; medians over R reps (default 5), N tasks per run (default 20000,\n"
		   "a tenth of it for process-per-task); then how the I/O executors\n"
		   "scale: 10,000 to 1,000,000 concurrent sleeps (with peak RSS), 1,000 HTTP\n"
		   "requests to the bundled target at once (beside a bare C client against\n"
		   "it, and against a bare C server: the floor); then a coroutine switch and a\n"
		   "coroutine's life beside Boost.Context and glibc's swapcontext (with\n"
		   "instructions per switch under callgrind); then what --timeline's\n"
		   "recording costs (switch-heavy and task-heavy runs without and with it,\n"
		   "interleaved); then concbench load beside\n"
		   "wrk against nginx and the bundled target (skipped without wrk or nginx\n"
		   "on PATH). Saved in results/bench/.\n\n"
		   "  --only PARTS   some of the parts, by name, separated by commas:\n"
		   "                 tasks, scale, switch, timeline, load (default: all)\n"
		   "  --switch-loop ours:N|boost:N  only N round trips of our coroutine switch\n"
		   "                 or Boost.Context's, for callgrind to count (the bench does)\n");
}

int cli_bench(int argc, char **argv, volatile sig_atomic_t *stop)
{
	int64_t reps = 5, n_tasks = 20000;
	const char *only = NULL, *loop = NULL;
	const cli_opt opts[] = {
		{ .name = "--reps",
		  .type = CLI_INT,
		  .dst = &reps,
		  .min = 1,
		  .max = BENCH_MAX_REPS },
		{ .name = "--tasks", .type = CLI_INT, .dst = &n_tasks, .min = 10, .max = 10000000 },
		{ .name = "--only", .type = CLI_TEXT, .dst = &only },
		{ .name = "--switch-loop",
		  .type = CLI_TEXT,
		  .dst = &loop,
		  .value = "ours:N or boost:N" },
		{ 0 },
	};
	const cli_parser p = { .cmd = "bench", .opts = opts, .usage = bench_usage };
	int rc = cli_parse(&p, argc, argv);
	if (rc >= 0)
		return rc;
	if (loop)
		return bench_switch_loop(loop);
	unsigned parts = BENCH_ALL;
	if (only && bench_parts(only, &parts) < 0) {
		fprintf(stderr,
			"concbench bench: --only %s: each part is one of tasks, scale, "
			"switch, timeline, load\n",
			only);
		return 2;
	}
	/* main() hands us argv from "bench" on; the context wants the whole line. */
	return bench_run((int)reps, (size_t)n_tasks, parts, argc + 1, argv - 1, stop);
}

/* check.c - `concbench check`: the machine as a benchmark sees it (run/check.h). */
#include <signal.h>
#include <stdio.h>

#include "harness/cli/cli.h"
#include "harness/run/check.h"
#include "harness/run/check_report.h"

static void check_usage(FILE *f)
{
	fprintf(f, "usage: concbench check [--json] [--quick]\n\n"
		   "Measures the machine as a benchmark sees it: how many cores it actually\n"
		   "delivers (as many threads as online cores spin; the CPU time they get over\n"
		   "the wall time), the cost of a syscall, a thread switch, a thread start, a\n"
		   "fork and an epoll_wait, timer resolution and slack, the load and the busiest\n"
		   "other processes, CPU governor, turbo and SMT, vm.max_map_count, ulimit -n/-u.\n"
		   "Each row says what will distort a result. Every sweep runs a quick check\n"
		   "before and after and keeps both in results.json's context.\n\n"
		   "options:\n"
		   "  --json    one JSON object instead of the table\n"
		   "  --quick   the short check a sweep runs (<= 0.3 s) instead of ~0.5 s\n\n"
		   "example:\n"
		   "  concbench check\n"
		   "  concbench check --json --quick\n");
}

int cli_check(int argc, char **argv, volatile sig_atomic_t *stop)
{
	int json = 0, quick = 0;
	const cli_opt opts[] = {
		{ .name = "--json", .type = CLI_FLAG, .dst = &json },
		{ .name = "--quick", .type = CLI_FLAG, .dst = &quick },
		{ 0 },
	};
	const cli_parser p = { .cmd = "check", .opts = opts, .usage = check_usage, .see_help = 1 };
	int rc = cli_parse(&p, argc, argv);
	if (rc >= 0)
		return rc;
	check_result r;
	if (check_run(&r, quick) < 0)
		return cli_fail("check", 1, "could not measure: no threads could be started");
	if (!json) {
		check_print(stdout, &r);
		return 0;
	}
	jw w;
	jw_init(&w, stdout);
	check_json(&w, &r);
	return jw_done(&w) < 0 ? 1 : 0;
}

/*
 * run.c - `concbench run`: a sweep. The options are runopts.c's (suites
 * share them); the sweep is sweep.c's.
 */
#include <signal.h>
#include <stdio.h>

#include "harness/cli/cli.h"
#include "harness/run/runopts.h"
#include "harness/run/spec.h"
#include "harness/run/sweep.h"

int cli_run(int argc, char **argv, volatile sig_atomic_t *stop)
{
	/* main() hands us argv from "run" on; the context wants the whole line. */
	sweep_cfg cfg = { .out_root = "results", .argc = argc + 1, .argv = argv - 1, .stop = stop };
	wl_spec wls[RUNOPTS_MAX_WL];
	char err[512];
	int rc = runopts_parse(argc, argv, &cfg, wls, err, sizeof err);
	if (rc == 1) {
		runopts_usage(stdout);
		return 0;
	}
	if (rc == 2)
		return cli_usage_error("run", "%s", err);
	rc = sweep_run(&cfg, stdout, stderr);
	runopts_free(&cfg);
	return rc;
}

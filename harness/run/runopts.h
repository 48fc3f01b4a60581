/*
 * runopts.h - the options of `concbench run`, parsed into a sweep_cfg.
 *
 * cli_run() and suites (a suite's `full` and `quick` lines hold run options)
 * share this parser, so a suite accepts exactly what `concbench run` does.
 */
#ifndef CB_RUNOPTS_H
#define CB_RUNOPTS_H

#include <stddef.h>
#include <stdio.h>

#include "harness/run/spec.h"
#include "harness/run/sweep.h"

#define RUNOPTS_MAX_WL 32

/* Parse argv[1..argc) (argv[0] is the command's name) into cfg and
 * wls[0..RUNOPTS_MAX_WL), which cfg->wls then points at. Fields of cfg that
 * no option sets are left as the caller initialised them (out_root, argv,
 * stop). Returns 0 ok (free cfg->models and cfg->cs with runopts_free()),
 * 1 when -h/--help was given (nothing else done), 2 on a bad option with
 * "WHAT: MESSAGE" in err; nothing is left to free after 1 or 2. */
int runopts_parse(int argc, char **argv, sweep_cfg *cfg, wl_spec *wls, char *err, size_t errlen);
void runopts_free(sweep_cfg *cfg);
/* The help text of `concbench run`. */
void runopts_usage(FILE *f);

#endif

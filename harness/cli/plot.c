/* plot.c - `concbench plot DIR`: (re)draw a results directory's charts (plot/). */
#include <signal.h>
#include <stdio.h>

#include "harness/cli/cli.h"
#include "harness/plot/plot.h"

static void plot_usage(FILE *f)
{
	fprintf(f, "usage: concbench plot DIR\n\n"
		   "(Re)draws every chart of a results directory (results/NAME/latest or\n"
		   "results/NAME/STAMP) as PNG, SVG and PDF with gnuplot, each beside the .gp\n"
		   "script and .dat data it came from, to restyle and re-run by hand.\n");
}

int cli_plot(int argc, char **argv, volatile sig_atomic_t *stop)
{
	if (argc != 2 || cli_is_help(argv[1])) {
		int help = argc == 2;
		plot_usage(help ? stdout : stderr);
		return help ? 0 : 2;
	}
	char err[256];
	int n = plot_dir(argv[1], NULL, stderr, err, sizeof err);
	if (n < 0)
		return cli_fail("plot", 1, "%s", err);
	printf("charts: %d in %s\n", n, argv[1]);
	return 0;
}

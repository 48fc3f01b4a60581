/* topo.c - `concbench topo`: the machine as hwloc sees it (meta.c prints it). */
#include <signal.h>
#include <stdio.h>

#include "harness/cli/cli.h"
#include "harness/run/meta.h"

static void topo_usage(FILE *f)
{
	fprintf(f, "usage: concbench topo\n\nThe machine as hwloc sees it: packages, cores, "
		   "hardware threads, NUMA nodes, caches.\n");
}

int cli_topo(int argc, char **argv, volatile sig_atomic_t *stop)
{
	if (argc > 1 && cli_is_help(argv[1])) {
		topo_usage(stdout);
		return 0;
	}
	if (argc > 1)
		return cli_fail("topo", 2, "unexpected argument '%s'", argv[1]);
	return meta_topo_print(stdout) < 0 ? 1 : 0;
}

/*
 * charts.c - the names of the charts `concbench plot` draws (plot.c lists
 * what each shows). A chart file is PREFIX NAME.png, where PREFIX is empty
 * or "WORKLOAD-PARAMS_" when the results hold several workloads; a suite
 * names the chart without the prefix, and its report links each workload's.
 * The timeline and the state timeline are one chart per model:
 * timeline_MODEL and states_MODEL, with MODEL as plot_name_part writes it
 * into a file name (as tasks/ spells it).
 */
#include "harness/plot/charts.h"

#include <stdio.h>
#include <string.h>

#include "harness/plot/data.h"

/* Every chart drawn once per workload, in the order plot.c draws them. */
static const char *const chart_names[] = {
	"throughput", "latency", "speedup", "memory", "makespan", "cpu", "latency_cdf", "switch",
	/* a server sweep's (server.c), drawn instead of the others */
	"server_throughput", "server_latency", "server_rate", "server_cost", "server_steps",
};
#define NCHARTS (sizeof chart_names / sizeof *chart_names)

/* Charts drawn once per model: the name is this prefix and the model. */
static const char *const per_model[] = { "timeline_", "states_" };
#define NPERMODEL (sizeof per_model / sizeof *per_model)

int plot_chart_stem(const char *name, char *stem, size_t len)
{
	for (size_t k = 0; k < NCHARTS; k++)
		if (!strcmp(name, chart_names[k]))
			return snprintf(stem, len, "%s", name) < (int)len ? 0 : -1;
	for (size_t k = 0; k < NPERMODEL; k++) {
		size_t l = strlen(per_model[k]);
		const char *model = name + l;
		if (strncmp(name, per_model[k], l) != 0 || !*model || strchr(model, '/') ||
		    strlen(name) >= len)
			continue;
		memcpy(stem, name, l);
		plot_name_part(stem + l, len - l, model, PLOT_MODEL_PART);
		return 0;
	}
	return -1;
}

int plot_chart_known(const char *name)
{
	char stem[PLOT_NAMELEN];
	return plot_chart_stem(name, stem, sizeof stem) == 0;
}

const char *plot_chart_list(char *buf, size_t len)
{
	size_t o = 0;

	if (len)
		buf[0] = '\0';
	for (size_t k = 0; k < NCHARTS + NPERMODEL && o < len; k++) {
		int n = k < NCHARTS
				? snprintf(buf + o, len - o, "%s%s", k ? ", " : "", chart_names[k])
				: snprintf(buf + o, len - o, ", %sMODEL", per_model[k - NCHARTS]);
		if (n < 0)
			break;
		o += (size_t)n;
	}
	return buf;
}

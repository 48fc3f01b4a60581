/*
 * charts.h - the names of the charts `concbench plot` draws (charts.c), the
 * one list a suite's `charts` line is checked against, so a chart added to
 * the plot layer is named in one place.
 */
#ifndef CB_PLOT_CHARTS_H
#define CB_PLOT_CHARTS_H

#include <stddef.h>

/* The file stem of the chart called name, as plot_dir names its files
 * without a workload prefix: the name itself ("makespan", "latency_cdf"),
 * or for a chart drawn per model, the model as file names write it
 * ("timeline_hybrid:workers=8": "timeline_hybrid-workers-8"). 0, or -1 when plot_dir
 * draws no chart of that name (or stem is too small). */
int plot_chart_stem(const char *name, char *stem, size_t len);

/* Does plot_dir draw a chart called name? 1 or 0. */
int plot_chart_known(const char *name);

/* The chart names for a message, "throughput, latency, ..., timeline_MODEL",
 * into buf (cut at len); returns buf. */
const char *plot_chart_list(char *buf, size_t len);

#endif

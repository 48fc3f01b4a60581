/*
 * target.c - the bundled HTTP target's life around a sweep.
 *
 * An http workload that names no url talks to concbench's own server
 * (target_serve.c), which runs in a process of its own for the whole sweep: started
 * before any run's t0, so its start-up is never measured; bound, when the
 * runs are pinned with --cpus, to the CPUs they do not use, so it competes
 * with them as little as the machine allows; stopped after the last run,
 * when wait4() gives its CPU time for the context. On a machine where the
 * runs have every CPU, server and client share them, and the context says so.
 */
#include "harness/run/target.h"

#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/run/cpus.h"
#include "harness/run/target_spawn.h"

static int any_needs(const wl_spec *wls, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (wls[k].kind->needs_target && wls[k].kind->needs_target(&wls[k]))
			return 1;
	return 0;
}

int target_start(target *t, wl_spec *wls, size_t n, void *topology, const void *run_cpus,
		 char *err, size_t errlen)
{
	memset(t, 0, sizeof *t);
	if (!any_needs(wls, n))
		return 0;
	hwloc_bitmap_t spare = cpus_spare(topology, run_cpus);
	if (spare)
		hwloc_bitmap_list_snprintf(t->cpus, sizeof t->cpus, spare);
	int rc = target_spawn(topology, spare, &t->pid, t->hostport, sizeof t->hostport, err,
			     errlen);
	if (spare)
		hwloc_bitmap_free(spare);
	if (rc < 0) {
		t->pid = 0;
		return -1;
	}
	for (size_t k = 0; k < n; k++)
		snprintf(wls[k].target, sizeof wls[k].target, "%s", t->hostport);
	return 0;
}

void target_stop(target *t)
{
	if (t->pid > 0 && target_spawn_stop(t->pid, &t->user_s, &t->sys_s) < 0)
		t->user_s = t->sys_s = -1;
	t->pid = -t->pid; /* stopped: keeps "it ran" for target_context */
}

char *target_context(const target *t, const char *context_json)
{
	const char *end = context_json ? strrchr(context_json, '}') : NULL;
	if (t->pid == 0 || !end)
		return NULL;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	const char *last = end;
	while (last > context_json && strchr(" \t\r\n", last[-1]))
		last--;
	int empty = last > context_json && last[-1] == '{';
	fprintf(f, "%.*s%s\n  \"target_server\": {\"address\": \"%s\", \"cpus\": ",
		(int)(last - context_json), context_json, empty ? "" : ",", t->hostport);
	fprintf(f, t->cpus[0] ? "\"%s\"" : "%snull", t->cpus);
	if (t->user_s >= 0)
		fprintf(f, ", \"cpu_user_s\": %.6f, \"cpu_sys_s\": %.6f}\n}", t->user_s, t->sys_s);
	else
		fprintf(f, ", \"cpu_user_s\": null, \"cpu_sys_s\": null}\n}");
	return fclose(f) == 0 ? out : (free(out), NULL);
}

/*
 * cpus.c - CPU placement with hwloc: choose the runs' CPUs, the peers'
 * spare CPUs, bind a process (see cpus.h).
 *
 * hwloc's "allowed" cpuset is what this process may use (its affinity mask
 * and cgroup), not what the machine has: a list or a spare set outside it
 * would fail at bind time in the child, where the error is harder to tell.
 */
#include "harness/run/cpus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int load(cpus_plan *p)
{
	if (hwloc_topology_init(&p->topo) < 0) {
		p->topo = NULL;
		return -1;
	}
	if (hwloc_topology_load(p->topo) < 0) {
		hwloc_topology_destroy(p->topo);
		p->topo = NULL;
		return -1;
	}
	return 0;
}

int cpus_choose(cpus_plan *p, const char *list, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	if (!list)
		return 0;
	if (load(p) < 0) {
		snprintf(err, errlen, "--cpus: cannot read the topology with hwloc");
		return -1;
	}
	hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(p->topo);
	p->run = hwloc_bitmap_alloc();
	if (!p->run || hwloc_bitmap_list_sscanf(p->run, list) < 0 || hwloc_bitmap_iszero(p->run) ||
	    !hwloc_bitmap_isincluded(p->run, allowed)) {
		char *have = NULL;
		hwloc_bitmap_list_asprintf(&have, allowed);
		snprintf(err, errlen, "--cpus '%s' is not a list of this machine's CPUs (%s)", list,
			 have ? have : "?");
		free(have);
		return -1;
	}
	return 0;
}

void cpus_choose_first(cpus_plan *p)
{
	memset(p, 0, sizeof *p);
	if (load(p) < 0)
		return;
	hwloc_const_cpuset_t allowed = hwloc_topology_get_allowed_cpuset(p->topo);
	if (hwloc_bitmap_weight(allowed) < 2 || !(p->run = hwloc_bitmap_alloc()))
		return;
	hwloc_bitmap_only(p->run, (unsigned)hwloc_bitmap_first(allowed));
}

void cpus_free(cpus_plan *p)
{
	if (p->run)
		hwloc_bitmap_free(p->run);
	if (p->topo)
		hwloc_topology_destroy(p->topo);
	memset(p, 0, sizeof *p);
}

hwloc_bitmap_t cpus_spare(hwloc_topology_t topo, hwloc_const_cpuset_t run)
{
	if (!topo || !run)
		return NULL;
	hwloc_bitmap_t spare = hwloc_bitmap_alloc();
	if (spare)
		hwloc_bitmap_andnot(spare, hwloc_topology_get_allowed_cpuset(topo), run);
	if (spare && hwloc_bitmap_iszero(spare)) {
		hwloc_bitmap_free(spare);
		spare = NULL;
	}
	return spare;
}

int cpus_bind(hwloc_topology_t topo, hwloc_const_cpuset_t set)
{
	return set ? hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_PROCESS) : 0;
}

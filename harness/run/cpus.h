/*
 * cpus.h - CPU placement: where the runs go, what is left for their peers,
 * and binding a process there.
 *
 * The runs of a sweep go on every CPU, or on the --cpus list; bench scale
 * puts them on the first allowed CPU. A peer process (the bundled HTTP
 * target) takes the allowed CPUs the runs do not use, so the two do not take
 * turns on one core. Each process binds itself, in the child, before it does
 * anything else.
 */
#ifndef CB_CPUS_H
#define CB_CPUS_H

#include <hwloc.h>
#include <stddef.h>

typedef struct {
	hwloc_topology_t topo; /* NULL when not loaded */
	hwloc_bitmap_t run;    /* the runs' CPUs; NULL: every CPU, unbound */
} cpus_plan;

/* Runs on list (hwloc list syntax: "0,1" or "0-3"), which must name CPUs
 * this process may use; NULL: every CPU, and no topology is loaded. 0, or
 * -1 with a message ("--cpus '9' is not a list of this machine's CPUs (0-1)")
 * in err. Free with cpus_free() either way. */
int cpus_choose(cpus_plan *p, const char *list, char *err, size_t errlen);
/* Runs on the first allowed CPU when at least one other is left for a peer;
 * else (one CPU, or hwloc cannot read the machine) on every CPU. */
void cpus_choose_first(cpus_plan *p);
void cpus_free(cpus_plan *p);

/* The allowed CPUs outside run, for a peer: a new cpuset (hwloc_bitmap_free
 * it), or NULL when topo or run is NULL or run leaves no CPU over. */
hwloc_bitmap_t cpus_spare(hwloc_topology_t topo, hwloc_const_cpuset_t run);

/* Bind the calling process, every thread of it, to set; nothing to do when
 * set is NULL. 0, or -1 with errno. */
int cpus_bind(hwloc_topology_t topo, hwloc_const_cpuset_t set);

#endif

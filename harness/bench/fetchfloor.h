/* fetchfloor.h - part of `concbench bench`: the floor under the scale bench's fetch rows
 * (fetchfloor.c): a bare C client, and a bare C server, beside the executors. */
#ifndef CB_BENCH_FETCHFLOOR_H
#define CB_BENCH_FETCHFLOOR_H

#include <hwloc.h>
#include <stddef.h>

#include "harness/run/cpus.h"

/* n fetches of path from hostport ("127.0.0.1:PORT"), all at once, by a bare
 * client in a child process bound to where (NULL: anywhere): the makespan in
 * seconds, or -1 with why. */
double fetchfloor_client(hwloc_topology_t topo, hwloc_const_cpuset_t where, const char *hostport,
			 const char *path, size_t n, char *why, size_t len);
/* A bare HTTP server on 127.0.0.1 in a child process bound to where, that
 * answers any request with 1 KiB after delay_ms: its pid, with its address
 * in hostport; or -1 with why. It dies with the caller. */
int fetchfloor_server_start(hwloc_topology_t topo, hwloc_const_cpuset_t where, int delay_ms,
			    char *hostport, size_t hplen, char *why, size_t len);
void fetchfloor_server_stop(int pid);

#endif

/*
 * target_spawn.h - the bundled HTTP target as a process of its own: started
 * for a sweep (target.c), probed until it answers, stopped and reaped.
 */
#ifndef CB_TARGET_SPAWN_H
#define CB_TARGET_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

/* Start a server in a process of its own (its own process group; bound to
 * cpuset, an hwloc_const_cpuset_t of `topology`, an hwloc_topology_t, when
 * cpuset is not NULL) on 127.0.0.1 and a free port. Returns once a real
 * request got a 200 (within 5 s), with *pid set and hostport holding
 * "127.0.0.1:PORT". The server dies with the thread that started it. 0, or
 * -1 with a message and nothing left running. */
int target_spawn(const void *topology, const void *cpuset, pid_t *pid, char *hostport, size_t len,
		 char *err, size_t errlen);

/* Stop a server from target_spawn: SIGTERM, up to 5 s to exit, then SIGKILL;
 * reap it and give its CPU user and system seconds (either pointer may be
 * NULL). 0, or -1 when it could not be reaped. */
int target_spawn_stop(pid_t pid, double *user_s, double *sys_s);

#endif

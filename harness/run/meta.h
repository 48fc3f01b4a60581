/*
 * meta.h - the machine and the build, described for results and for
 * `concbench topo`.
 *
 * A figure without its machine is meaningless: every results.json carries
 * the context object built here (command line, date, host, OS and kernel,
 * CPU model and topology from hwloc, compiler, flags, git revision, library
 * versions, the clock and its resolution). Nothing here fails hard: what
 * cannot be found is written as null.
 */
#ifndef CB_META_H
#define CB_META_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "harness/run/result.h"

#define CB_VERSION "0.1.0"

/* The context as a malloc'd JSON object; cpus is the --cpus text or NULL.
 * NULL only when out of memory. Keys: concbench_version, git, command_line,
 * date, host, os, kernel {sysname, release, version, machine}, cpu_model,
 * packages, cores, pus, numa_nodes, memory_kib, caches [{name, level,
 * size_kib, count, shared_pus, line_bytes}], cpus, governor, loadavg,
 * compiler, cc, cflags, libraries {libc, hwloc, openssl, xxhash},
 * clock {name, resolution_ns}. */
char *meta_context_json(int argc, char **argv, const char *cpus);
/* The machine as hwloc sees it, for people. 0, or -1 with a message on stderr. */
int meta_topo_print(FILE *f);
/* Physical cores (hwloc; else online CPUs; at least 1). */
int meta_cores(void);
/* The CPU model name into buf (hwloc's CPUModel, else /proc/cpuinfo),
 * tidied by meta_tidy; returns buf, or NULL when unknown. */
const char *meta_cpu_model(char *buf, size_t len);
/* s without leading or trailing blanks, each inner run of blanks (spaces,
 * tabs) one space; in place, returns s. */
char *meta_tidy(char *s);
/* A row's provenance: r->host (the host name), r->concbench_version and
 * r->started_utc (`started` as ISO 8601 UTC, "2026-11-30T06:12:27Z"). */
void meta_stamp(res_run *r, time_t started);

#endif

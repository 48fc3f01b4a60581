/*
 * check_procs.h - the busiest other processes over a machine check's window
 * (check.h), from two snapshots of /proc.
 */
#ifndef CB_CHECK_PROCS_H
#define CB_CHECK_PROCS_H

#include <stddef.h>

#include "harness/run/check.h"

typedef struct {
	int pid;
	long long ticks; /* utime + stime, in clock ticks */
	char comm[32];
} check_procs_snap;

/* Every process's CPU ticks but this one's, into a malloc'd array (*out;
 * free it); how many. 0 (and *out NULL or empty) when /proc cannot be read. */
size_t check_procs_read(check_procs_snap **out);
/* r->top and r->ntop: the CHECK_TOP processes that used the most CPU between
 * snapshots a and b, wall_s apart, as a percentage of one core. */
void check_procs_top(check_result *r, const check_procs_snap *a, size_t na,
		     const check_procs_snap *b, size_t nb, double wall_s);

#endif

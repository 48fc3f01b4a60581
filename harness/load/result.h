/*
 * result.h - what a load run measured: two latency histograms (from the
 * intended and from the actual send), replies, errors by kind, and the
 * measured window; one per thread while it runs, merged at the end.
 */
#ifndef CB_LOAD_RESULT_H
#define CB_LOAD_RESULT_H

#include <stdint.h>

#include "harness/load/errors.h"
#include "harness/load/hist.h"

/* What it measured. Latencies are of replies accepted (200, whole body). */
typedef struct {
	load_hist corrected;   /* from the intended send (== uncorrected in a closed loop) */
	load_hist uncorrected; /* from the actual send */
	/* open loop: how long after its intended time each measured request
	 * went out. At a light load that is the generator's own lateness (a
	 * timer wakes some tens of us late on a VM), which the corrected
	 * latency includes; when the server falls behind, the wait for the
	 * connection to come free. Empty in a closed loop. */
	load_hist send_delay;
	uint64_t ok;
	uint64_t errors[LOAD_ERR_KINDS];
	char first_error[LOAD_ERR_KINDS][160]; /* the first message of each kind */
	uint64_t bytes;                        /* reply bytes (head and body) of the ok replies */
	uint64_t unfinished;                   /* measured requests still out when the run ended */
	uint64_t unsent;      /* open loop: due before the end, never sent (server behind) */
	double window_s;      /* the measured part's length */
	int interrupted;      /* ended by *stop */
	int body_checked;     /* check_body, and a reply came: */
	uint64_t body_digest; /* the digest every ok reply's body had */
} load_result;

int load_result_init(load_result *r, int exact); /* 0, or -1 out of memory */
void load_result_free(load_result *r);
/* Add src's counts and latencies to dst. 0, or -1 out of memory. */
int load_result_merge(load_result *dst, const load_result *src);
uint64_t load_result_errors(const load_result *r); /* of every kind */

#endif

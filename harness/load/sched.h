/*
 * sched.h - when each request of a load run is meant to go, and what its
 * latency is: the open loop's schedule and the coordinated-omission fix.
 *
 * A closed loop (wrk, ab, hey) sends a connection's next request when the
 * last response is in. If the server stalls for a second, the loop stalls
 * with it: the requests a real user would have sent during that second are
 * never sent, so they never record the wait, and the stall shows as one
 * slow request among thousands. That is coordinated omission (Gil Tene):
 * the load generator coordinates with the server it measures.
 *
 * An open loop fixes the schedule in advance. With --rate R over K
 * connections, request j of connection k is intended at
 *
 *	t0 + (j*K + k) / R
 *
 * (the connections take turns, so the whole run is an even stream at R).
 * A request goes at its intended time, or as soon as its connection is free
 * if the previous one is still out, and its latency is measured from the
 * intended time, as wrk2 does: a request that could not go out because of
 * the stall is charged for it (corrected). The latency from the actual send
 * (uncorrected) is kept beside it, to show what a closed loop would report.
 * In a closed loop (rate 0) the two are the same.
 *
 * Time comes in as arguments (ns on any clock), never from a clock here:
 * the tests drive this on a fake clock, the client on CLOCK_MONOTONIC.
 */
#ifndef CB_LOAD_SCHED_H
#define CB_LOAD_SCHED_H

#include <stdint.h>

/* One connection's schedule. */
typedef struct {
	uint64_t t0;       /* the run's start */
	double rate;       /* requests/s over all connections; 0: closed loop */
	unsigned k, nconn; /* this connection, of how many */
	uint64_t j;        /* requests it sent so far */
	uint64_t intended; /* the request out: when it was meant to go */
	uint64_t sent;     /* and when it went */
} load_sched;

void load_sched_init(load_sched *s, uint64_t t0, double rate, unsigned k, unsigned nconn);
/* When request j of connection k is intended (open loop only). */
uint64_t load_sched_intended(const load_sched *s, uint64_t j);
/* When the connection's next request is due: its intended time (open
 * loop; it may be past), or `now` (closed loop: at once). */
uint64_t load_sched_due(const load_sched *s, uint64_t now);
/* The next request goes out at now (>= its due time). */
void load_sched_send(load_sched *s, uint64_t now);
/* Its response came in at now: the latency from the intended send
 * (corrected) and from the actual one (uncorrected). */
void load_sched_done(const load_sched *s, uint64_t now, uint64_t *corrected, uint64_t *uncorrected);

#endif

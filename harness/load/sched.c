/*
 * sched.c - the open loop's schedule and both latencies (see sched.h).
 *
 * Request j of connection k is number j*K + k of the run's stream, so its
 * time is that number over the rate. It is computed from the number each
 * time (not by adding a period to the last one), so rounding never drifts:
 * the millionth request is as punctual as the first.
 */
#include "harness/load/sched.h"

void load_sched_init(load_sched *s, uint64_t t0, double rate, unsigned k, unsigned nconn)
{
	*s = (load_sched){ .t0 = t0, .rate = rate, .k = k, .nconn = nconn ? nconn : 1 };
}

uint64_t load_sched_intended(const load_sched *s, uint64_t j)
{
	double nth = (double)j * s->nconn + s->k;
	return s->t0 + (uint64_t)(nth * 1e9 / s->rate + 0.5);
}

uint64_t load_sched_due(const load_sched *s, uint64_t now)
{
	return s->rate > 0 ? load_sched_intended(s, s->j) : now;
}

void load_sched_send(load_sched *s, uint64_t now)
{
	s->intended = s->rate > 0 ? load_sched_intended(s, s->j) : now;
	s->sent = now;
	s->j++;
}

void load_sched_done(const load_sched *s, uint64_t now, uint64_t *corrected, uint64_t *uncorrected)
{
	*corrected = now > s->intended ? now - s->intended : 0;
	*uncorrected = now > s->sent ? now - s->sent : 0;
}

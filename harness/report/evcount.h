/*
 * evcount.h - counts of a loop lane's tasks per state over time (evcount.c).
 */
#ifndef CB_EVCOUNT_H
#define CB_EVCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "harness/report/eventsread.h"

/* A step of a count over time: from t (ns from t0) on, n. */
typedef struct {
	int64_t t;
	int n;
} evc_step;

/* How many tasks of loop lane are in state st over time, as steps in a
 * malloc'd array (*steps; NULL when none or out of memory): the number. */
size_t evc_steps(const evr_run *r, int lane, evr_state st, evc_step **steps);

#endif

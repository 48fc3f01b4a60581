/*
 * coro_sched.h - the coro model's scheduler: C lanes on one event loop, each
 * running one task's coroutine at a time, and the wl_io that parks them.
 */
#ifndef CB_CORO_SCHED_H
#define CB_CORO_SCHED_H

#include <stddef.h>

#include "models/coroutine.h"
#include "models/loop.h"
#include "models/loopgroup.h"
#include "models/model.h"

/* Run r's tasks on loop m's lanes (m->lanes of them, numbered from
 * m->lane0; in `lanes` from coro_sched_lanes, or, when NULL, in room
 * made here) of coroutines from pool, parked on l while they wait, until
 * every task has ended or the run failed. Tasks still parked when the loop
 * fails, or, with K loops, when the run failed, are failed ("cancelled").
 * Returns the run's status (MODEL_OK, or what model_fail recorded). */
int coro_sched_run(model_run *r, loop *l, coroutine_pool *pool, const loopgroup_member *m,
		   void *lanes);
/* Room for `lanes` lanes, every page mapped (model_mem_populate), for a
 * run's prepare to make before t0 and coro_sched_run to take (and free);
 * NULL when out of memory (coro_sched_run then tries itself). */
void *coro_sched_lanes(size_t lanes);

#endif

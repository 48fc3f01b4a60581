/*
 * loopgroup.h - a loop per core (loopgroup.c): K event loops on K threads,
 * the run's lanes split between them and its tasks shared (epoll:loops=K,
 * coro:loops=K). With K = 1 it is a plain call: no thread, no atomic.
 */
#ifndef CB_LOOPGROUP_H
#define CB_LOOPGROUP_H

#include <stddef.h>

#include "models/model.h"

typedef struct loopgroup loopgroup;

/* One loop's part of a run. */
typedef struct {
	loopgroup *g;        /* NULL: the only loop (K = 1) */
	unsigned index;      /* 0..K-1; loop 0 runs on the calling thread */
	size_t lane0, lanes; /* its lanes: lane0 .. lane0 + lanes - 1, of the run's */
	int wake;            /* an eventfd the others ring to stop it; -1 when K = 1 */
} loopgroup_member;

/* The option, as epoll and coro declare it. */
#define LOOPGROUP_OPT                                                                          \
	{ "loops", 0, "1", 1, 1024,                                                            \
	  "event loops, each on a thread of its own with its share of the lanes (a loop per " \
	  "core, as nginx's workers); at most one per lane",                                   \
	  NULL }

/* The executor's part: run member m's loop until its tasks are done;
 * returns the run's status. */
typedef int loopgroup_fn(loopgroup_member *m, void *arg);

/* How many loops a run of `lanes` lanes gets: the model's loops option
 * (1 when it has none), at most one per lane. */
unsigned loopgroup_count(const model_run *r, size_t lanes);
/* Run r's tasks on min(C, N) lanes, split between loopgroup_count() loops:
 * fn for each, loop 0 on this thread, the others on threads started here
 * and joined before it returns, each a loop lane for --timeline. N = 0 is
 * done at once; C = 0 an error; a thread that cannot be started the run's
 * limit. Returns the run's status. */
int loopgroup_run(model_run *r, loopgroup_fn *fn, void *arg);
/* With K > 1: the run's next task, from the counter the loops share (a loop
 * that finishes early takes more): 1 with *i set, 0 when none is left. */
int loopgroup_take(const loopgroup_member *m, size_t *i);
/* The next of n tasks for loop m: 1 with *i set, 0 when none is left. One
 * loop counts alone, in *next (no atomic); K loops, loopgroup_take. */
static inline int loopgroup_next(const loopgroup_member *m, size_t *next, size_t n, size_t *i)
{
	if (m->g)
		return loopgroup_take(m, i);
	if (*next >= n)
		return 0;
	*i = (*next)++;
	return 1;
}
/* With K > 1: stop the run's other loops (their wake fds ring); once. */
void loopgroup_stop(loopgroup *g);
/* m's wake fd rang: read it empty (the group is stopping). */
void loopgroup_woken(const loopgroup_member *m);

#endif

/*
 * looplane.h - the lanes of the event-loop executor (looplane.c): the tasks
 * in flight on one loop and how each is driven. looptasks.c makes them (or
 * finds them made before t0) and runs them with looplane_run.
 */
#ifndef CB_LOOPLANE_H
#define CB_LOOPLANE_H

#include <stddef.h>
#include <stdint.h>

#include "models/loop.h"
#include "models/loopgroup.h"
#include "models/looptasks.h"
#include "models/model.h"

typedef struct tasks tasks;

/* A lane: one task in flight and what it is registered for, so that waiting
 * again on the same fd and events, or the same deadline, costs nothing. */
typedef struct lane lane;
struct lane {
	tasks *t;
	int lane, busy, begun;
	int away;   /* its job is with the executor */
	int queued; /* a step-less task waits in the loop's ready queue */
	size_t task;
	void *state;
	int fd, events; /* registered for; fd -1: none */
	int64_t timer;  /* 0: none */
	uint64_t deadline;
	struct lane_job *job; /* with an executor: the lane's job; else NULL */
};

/* A lane's job for the executor, apart from the lane: a job carries a task's
 * whole result (its message too), which only a run with an executor needs,
 * and which would make the lanes of 10,000 tasks four times as big. */
typedef struct lane_job {
	loop_job job; /* first: loop_job_done finds its lane from it */
	lane *ln;
} lane_job;

struct tasks {
	model_run *r;
	const wl_kind *k;
	loop *l;
	const loop_offload *o; /* the executor, or NULL */
	lane *lane, **idle;    /* idle: a stack of free lanes */
	lane_job *jobs;        /* one per lane, with an executor */
	size_t nidle, nlanes, next, stride;
	char *slab; /* the lanes' step states */
	int filling, stopping;
	loopgroup_member *gm; /* this loop's part; gm->g NULL: the only loop */
};

/* Run t's tasks on its `lanes` lanes (t->lane, t->idle, t->slab and, with
 * an executor, t->jobs allocated for them) until all are done or the run
 * failed, on t->l, or on a loop made here on backend be when t->l is NULL;
 * t->l is freed and cleared either way. Returns the run's status. */
int looplane_run(tasks *t, const loop_backend *be, size_t lanes);
/* loop_job_done's work: job j came back on the loop thread. */
void looplane_job_done(loop_job *j);

#endif

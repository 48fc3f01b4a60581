/* looptasks.h - the event-loop executor (looptasks.c): N tasks on one loop. */
#ifndef CB_LOOPTASKS_H
#define CB_LOOPTASKS_H

#include <stddef.h>

#include "models/gil.h"
#include "models/loop.h"
#include "models/model.h"

/* The event-loop executor (looptasks.c) shared by the select, poll and epoll
 * models: keep up to r->c tasks in flight, each driven through its workload's
 * resumable form (wl_kind.step); workloads without one run inline through
 * run(), blocking the loop — which is the lesson for CPU-bound work on an
 * event loop. Lanes: the slot 0..C-1 a task occupies. Returns MODEL_OK or the
 * model_fail() code (a backend limit such as FD_SETSIZE is MODEL_LIMIT).
 * A task keeps its registration while it waits on the same fd and events,
 * so a step must not close its fd and wait on a new one that reuses the
 * number in the same call; under epoll:et=1 a step handed WL_READ/WL_WRITE
 * reads/writes until EAGAIN before waiting on that fd again. */
int loop_run_tasks(model_run *r, const loop_backend *be);
/* A model's prepare: before t0, make loop 0's lanes and its loop on backend
 * be, with every page of them mapped (a warm executor; looptasks.c says
 * why), for loop_run_tasks to take from r->prep. Always MODEL_OK: what it
 * cannot make, the run makes, and reports if that fails too. A model that
 * runs loop_run_tasks leaves r->prep NULL or to this. */
int loop_tasks_prepare(model_run *r, const loop_backend *be);

/* An executor hook for loop_run_tasks_offload (hybrid.c): where a step that
 * said WL_STEP_OFFLOAD runs next, and where a task of a workload without a
 * step runs whole. A job is one such call, handed over with submit() on the
 * loop thread; the executor makes the call elsewhere (a worker thread), then
 * hands the job back on the loop thread with loop_job_done(). */
typedef struct {
	size_t task;
	int lane;
	void *state;   /* the task's step state; NULL: no step, model_exec it */
	int rc;        /* out: what step returned */
	int ran;       /* out: the call was made */
	wl_wait next;  /* out, with rc WL_STEP_WAIT */
	wl_result res; /* out, with rc WL_STEP_DONE */
} loop_job;

typedef struct {
	void *ctx;
	/* With the loop made, before any task starts (watch a wake-up fd
	 * there). MODEL_OK, or the failure recorded. */
	int (*start)(void *ctx, loop *l);
	void (*submit)(void *ctx, loop_job *j);
	/* After the loop ran: finish or drop the jobs in hand and stop; jobs
	 * not handed back are closed out after this returns. */
	void (*stop)(void *ctx);
	gil *g; /* the loop thread holds it while it runs a step (NULL: none) */
} loop_offload;

/* loop_run_tasks with an executor for OFFLOAD and step-less tasks. The loop
 * runs until every task is done (the executor's fd keeps it from ending on
 * its own). Without one (o == NULL), OFFLOAD is followed at once, inline. */
int loop_run_tasks_offload(model_run *r, const loop_backend *be, const loop_offload *o);
/* On the loop thread: job j came back; its task goes on. */
void loop_job_done(loop_job *j);

#endif

/*
 * looptasks.c - the event-loop executor: loop_run_tasks, which the select,
 * poll, epoll and uring models share. The lanes that drive its tasks are
 * looplane.c; the loop itself, loop.c.
 *
 * Here: making a loop's lanes, and the loop they run on, and handing them
 * to looplane_run, once per loop (loopgroup.c: K of them with loops=K).
 *
 * A warm executor: the models' prepare (loop_tasks_prepare) makes loop 0's
 * part before t0, as a server makes its loop long before the first request,
 * and as coro carves its stacks. What that saves is not the calloc but the
 * first touch of each page: on a VM that shadows the guest's page tables
 * (the one this was built on) a page costs ~20 us the first time, and the
 * lanes, fd table and timer heap of 10,000 tasks come to ~1 MiB: ~10 ms, a
 * tenth of a 100 ms sleep, charged to the run when made after t0. With
 * loops=K the other loops make their own part on their own thread, after
 * t0, as coro's other loops map their stacks.
 */
#include "models/looptasks.h"
#include "models/looplane.h"

#include <stdlib.h>

/* What loop_tasks_prepare made: loop 0's lanes and loop. */
typedef struct {
	tasks t; /* the arrays and the loop; the rest is set at the run */
	const loop_backend *be;
	size_t lanes;
} warm;

static void free_lanes(tasks *t)
{
	free(t->lane);
	free(t->idle);
	free(t->slab);
	free(t->jobs);
	loop_free(t->l);
	t->lane = NULL, t->idle = NULL, t->slab = NULL, t->jobs = NULL, t->l = NULL;
}

/* t's arrays for `lanes` lanes of r's workload (jobs too, with an executor),
 * every page of them mapped now. 0, or -1 (out of memory; t freed). */
static int alloc_lanes(tasks *t, const model_run *r, size_t lanes, int jobs)
{
	const wl_kind *k = r->wl->kind;
	size_t slab;

	t->stride = k->step ? (k->state_size + 15) / 16 * 16 : 0;
	slab = lanes * (t->stride ? t->stride : 1);
	t->lane = calloc(lanes, sizeof *t->lane);
	t->idle = calloc(lanes, sizeof *t->idle);
	t->slab = calloc(1, slab);
	t->jobs = jobs ? calloc(lanes, sizeof *t->jobs) : NULL;
	if (!t->lane || !t->idle || !t->slab || (jobs && !t->jobs)) {
		free_lanes(t);
		return -1;
	}
	model_mem_populate(t->lane, lanes * sizeof *t->lane);
	model_mem_populate(t->idle, lanes * sizeof *t->idle);
	model_mem_populate(t->slab, slab);
	model_mem_populate(t->jobs, jobs ? lanes * sizeof *t->jobs : 0);
	return 0;
}

int loop_tasks_prepare(model_run *r, const loop_backend *be)
{
	char err[MODEL_MSGLEN];
	size_t lanes = r->c < r->n ? r->c : r->n;
	warm *w;

	if (!lanes)
		return MODEL_OK;            /* the run says what is wrong, or has nothing to do */
	lanes /= loopgroup_count(r, lanes); /* loop 0's share, as loopgroup_run splits */
	if (!(w = calloc(1, sizeof *w)) || alloc_lanes(&w->t, r, lanes, 0) < 0) {
		free(w);
		return MODEL_OK; /* the run tries again, and says so if it fails */
	}
	w->t.l = loop_new(be, lanes + 16, lanes, err, sizeof err);
	if (!w->t.l) {
		free_lanes(&w->t);
		free(w);
		return MODEL_OK; /* as above: the run's own loop_new names the limit */
	}
	w->be = be;
	w->lanes = lanes;
	r->prep = w;
	return MODEL_OK;
}

int loop_run_tasks(model_run *r, const loop_backend *be)
{
	return loop_run_tasks_offload(r, be, NULL);
}

typedef struct {
	model_run *r;
	const loop_backend *be;
	const loop_offload *o;
	warm *w; /* loop 0's part, made before t0, or NULL */
} run_args;

/* One loop's share of the run (all of it, with one loop). */
static int run_member(loopgroup_member *gm, void *arg)
{
	run_args *a = arg;
	model_run *r = a->r;
	tasks t = { 0 };
	int rc;

	if (gm->index == 0 && a->w && a->w->be == a->be && a->w->lanes == gm->lanes && !a->o) {
		t = a->w->t;
		free(a->w);
		a->w = NULL;
	} else if (alloc_lanes(&t, r, gm->lanes, a->o != NULL) < 0) {
		return model_fail(r, MODEL_LIMIT, "%s: calloc ENOMEM for %zu tasks in flight",
				  r->model->kind->name, gm->lanes);
	}
	t.r = r;
	t.k = r->wl->kind;
	t.o = a->o;
	t.gm = gm;
	rc = looplane_run(&t, a->be, gm->lanes);
	free_lanes(&t);
	return rc;
}

int loop_run_tasks_offload(model_run *r, const loop_backend *be, const loop_offload *o)
{
	run_args a = { r, be, o, r->prep };
	int rc;

	r->prep = NULL;
	rc = loopgroup_run(r, run_member, &a);
	if (a.w) { /* no loop took it: N or C was 0, or it did not fit */
		free_lanes(&a.w->t);
		free(a.w);
	}
	return rc;
}

void loop_job_done(loop_job *j)
{
	looplane_job_done(j);
}

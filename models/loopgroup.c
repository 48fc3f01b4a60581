/*
 * loopgroup.c - a loop per core: K event loops, each on a thread of its
 * own with its own epoll fd, the run's tasks shared between them.
 *
 * One event loop uses one core. Servers that want them all run one loop
 * per core: nginx's worker processes, Node.js or uvloop behind gunicorn's
 * workers, Seastar's shard per core. The loops share nothing, so there are
 * no locks between them; what it costs is that sharing: a loop whose tasks
 * take longer cannot hand them to an idle one, and each needs its own
 * listener (SO_REUSEPORT, Linux 3.9: serve:reuseport=1, servelisten.c) or
 * a turn at a shared one.
 *
 * Here the lanes 0..C-1 are split into K ranges, one per loop, and a loop
 * takes each next task from the run's shared counter (the table's next),
 * so one that finishes early takes more: work sharing, not a fixed split.
 * The calling thread runs loop 0, K-1 threads the others. Each loop
 * watches an eventfd of its own: a loop whose run fails rings the others,
 * which cancel what they have in flight and stop. With K = 1 none of it
 * exists: the executor is called as before, with no thread and no atomic.
 */
#define _GNU_SOURCE
#include "models/loopgroup.h"
#include "models/timeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

typedef struct {
	loopgroup_member m;
	pthread_t tid;
	int started;
} member;

struct loopgroup {
	model_run *r;
	loopgroup_fn *fn;
	void *arg;
	unsigned k;
	atomic_int stopping;
	member *mem;
};

unsigned loopgroup_count(const model_run *r, size_t lanes)
{
	int64_t k = model_opt(r->model, "loops");
	if (k < 1)
		k = 1;
	return (size_t)k > lanes ? (unsigned)(lanes ? lanes : 1) : (unsigned)k;
}

int loopgroup_take(const loopgroup_member *m, size_t *i)
{
	model_run *r = m->g->r;
	/* relaxed: the task's record is its own; the counter only hands out */
	*i = atomic_fetch_add_explicit(&r->table->next, 1, memory_order_relaxed);
	return *i < r->n;
}

void loopgroup_stop(loopgroup *g)
{
	uint64_t one = 1;
	if (atomic_exchange(&g->stopping, 1))
		return;
	for (unsigned j = 0; j < g->k; j++)
		while (write(g->mem[j].m.wake, &one, sizeof one) < 0 && errno == EINTR)
			;
}

void loopgroup_woken(const loopgroup_member *m)
{
	uint64_t v;
	while (read(m->wake, &v, sizeof v) < 0 && errno == EINTR)
		;
}

static void *member_main(void *arg)
{
	member *x = arg;
	tl_lane_kind(TL_LANE_LOOP); /* --timeline: this thread interleaves tasks */
	if (x->m.g->fn(&x->m, x->m.g->arg) != MODEL_OK)
		loopgroup_stop(x->m.g); /* it may have failed before its loop ran */
	return NULL;
}

/* Start loops 1..K-1, run loop 0 here, join them. */
static int run_group(loopgroup *g)
{
	model_run *r = g->r;
	unsigned j;
	int err = 0;

	for (j = 1; j < g->k; j++) {
		if (model_fault_spawn(j - 1))
			err = EAGAIN;
		else
			err = pthread_create(&g->mem[j].tid, NULL, member_main, &g->mem[j]);
		if (err)
			break;
		g->mem[j].started = 1;
	}
	if (err) {
		model_spawn_failed(r, "pthread_create", err, j, "threads");
		loopgroup_stop(g);
	} else {
		tl_lane_kind(TL_LANE_LOOP);
		if (g->fn(&g->mem[0].m, g->arg) != MODEL_OK)
			loopgroup_stop(g);
	}
	for (j = 1; j < g->k; j++)
		if (g->mem[j].started)
			pthread_join(g->mem[j].tid, NULL);
	return atomic_load(&r->table->status);
}

int loopgroup_run(model_run *r, loopgroup_fn *fn, void *arg)
{
	if (r->n == 0)
		return MODEL_OK;
	if (r->c == 0)
		return model_fail(r, MODEL_ERROR, "%s: concurrency must be at least 1",
				  r->model->kind->name);
	size_t lanes = r->c < r->n ? r->c : r->n;
	unsigned k = loopgroup_count(r, lanes);
	loopgroup g = { .r = r, .fn = fn, .arg = arg, .k = k };
	int rc;

	if (k == 1) {
		loopgroup_member m = { .lanes = lanes, .wake = -1 };
		tl_lane_kind(TL_LANE_LOOP); /* --timeline: this thread interleaves tasks */
		return fn(&m, arg);
	}
	if (!(g.mem = calloc(k, sizeof *g.mem)))
		return model_fail(r, MODEL_LIMIT, "%s: calloc ENOMEM for %u loops",
				  r->model->kind->name, k);
	atomic_store(&r->table->next, 0);
	for (unsigned j = 0; j < k; j++) {
		size_t lo = lanes * j / k, hi = lanes * (j + 1) / k;
		g.mem[j].m = (loopgroup_member){ &g, j, lo, hi - lo, -1 };
	}
	for (unsigned j = 0; j < k; j++)
		if ((g.mem[j].m.wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
			int limit = errno == EMFILE || errno == ENFILE || errno == ENOMEM;
			model_fail(r, limit ? MODEL_LIMIT : MODEL_ERROR, "%s: eventfd: %s",
				   r->model->kind->name, strerror(errno));
			break;
		}
	rc = atomic_load(&r->table->status) == MODEL_OK ? run_group(&g)
							 : atomic_load(&r->table->status);
	for (unsigned j = 0; j < k; j++)
		if (g.mem[j].m.wake >= 0)
			close(g.mem[j].m.wake);
	free(g.mem);
	return rc;
}

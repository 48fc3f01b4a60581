/*
 * pool.c - C long-lived worker threads taking tasks from a shared queue.
 *
 * The thread pool: Python's concurrent.futures.ThreadPoolExecutor, Java's
 * ExecutorService, the worker pools inside most servers. Threads are made once
 * and reused, so a task costs a queue operation instead of a pthread_create,
 * and C bounds both the memory and the number of tasks in flight: the rest
 * wait in the queue (that wait shows up as latency, not as service time). It
 * wins when tasks are many and short, or when C must stay below what the
 * machine can bear. It costs the queue: every take is a mutex round trip,
 * and with short tasks the workers queue up on that one lock.
 *
 * All tasks are submitted at t0, so the queue is just the range of indices
 * from its head, the shared table's `next`, to n; a mutex guards the head, as
 * in a real work queue, so the lock is what a take costs. Lane = worker.
 *
 * pool+gil is ThreadPoolExecutor under CPython's GIL: each worker takes the
 * run's emulated GIL (gil.h) once, before its first take, and gives it up
 * after its last task, so it holds it while it takes from the queue, as a
 * Python worker does in queue.get(). That take never waits long: every task
 * is queued at t0, and only the GIL's holder can reach the queue, so its
 * mutex is never contended. Between tasks a worker passes a check point, as
 * the Python loop around fn() would, so tasks too short to reach one of
 * their own still let the others in. A task's start is stamped while the
 * GIL is held, after any wait for it. Blocking I/O, sleep and large hashes
 * inside a task let go of it through the backend (model_gil_io).
 */
#include "models/model.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	model_run *r;
	pthread_mutex_t mu; /* guards the head, r->table->next */
	gil *g;             /* +gil: the run's GIL; NULL without */
} pool_queue;

typedef struct {
	pool_queue *q;
	pthread_t tid;
	int lane;
} pool_worker;

static const model_opt_def pool_opts[] = {
	{ "stack", 1, "0", 0, (int64_t)1 << 30,
	  "stack size per worker thread (0: the system default, else at least 16k)",
	  model_stack_check },
	{ "gil_interval_ms", 0, "5", 0, 1000,
	  "with +gil: the switch interval (CPython's sys.getswitchinterval(), 5 ms)", NULL },
	{ 0 },
};

/* Take the next task index; false once the queue is empty or closed. The
 * mutex orders every access to the head, so relaxed atomics suffice. */
static int take(pool_queue *q, size_t *i)
{
	atomic_size_t *head = &q->r->table->next;

	/* A default mutex that initialised cannot fail to lock. */
	pthread_mutex_lock(&q->mu);
	*i = atomic_load_explicit(head, memory_order_relaxed);
	int ok = *i < q->r->n;
	if (ok)
		atomic_store_explicit(head, *i + 1, memory_order_relaxed);
	pthread_mutex_unlock(&q->mu);
	return ok;
}

/* Stop handing out tasks by moving the head to the end; the tasks already
 * taken still finish. */
static void close_queue(pool_queue *q)
{
	pthread_mutex_lock(&q->mu);
	atomic_store_explicit(&q->r->table->next, q->r->n, memory_order_relaxed);
	pthread_mutex_unlock(&q->mu);
}

static void *worker(void *arg)
{
	pool_worker *w = arg;
	gil *g = w->q->g;
	wl_io gio, *io = &wl_io_blocking;
	size_t i;

	if (g) {
		model_gil_io(&gio, g);
		io = &gio;
	}
	gil_acquire(g);
	while (take(w->q, &i)) {
		model_exec(w->q->r, i, w->lane, io);
		gil_checkpoint(g);
	}
	gil_release(g);
	return NULL;
}

/* Start the workers; they begin taking tasks at once, as a real pool's do.
 * If one cannot start, close the queue so the others run nothing new. */
static int run_pool(pool_queue *q, pool_worker *w, size_t lanes, const pthread_attr_t *attr)
{
	size_t made;
	int err = 0;

	for (made = 0; made < lanes; made++) {
		w[made].q = q;
		w[made].lane = (int)made;
		err = model_fault_spawn(made)
			      ? EAGAIN
			      : pthread_create(&w[made].tid, attr, worker, &w[made]);
		if (err)
			break;
	}
	/* said before the joins: a server's workers may never end */
	int rc = err ? model_spawn_failed(q->r, "pthread_create", err, made, "threads") : MODEL_OK;
	if (err)
		close_queue(q);
	for (size_t k = 0; k < made; k++)
		pthread_join(w[k].tid, NULL);
	return rc;
}

static int pool_run_model(model_run *r)
{
	if (r->n == 0)
		return MODEL_OK;
	if (r->c == 0)
		return model_fail(r, MODEL_ERROR, "pool: concurrency must be at least 1");
	size_t lanes = r->c < r->n ? r->c : r->n;
	pool_queue q = { .r = r };
	pthread_attr_t attr;
	int err, rc = model_thread_attr(r, &attr);
	if (rc != MODEL_OK)
		return rc;
	pool_worker *w = calloc(lanes, sizeof *w);
	if (!w) {
		rc = model_fail(r, MODEL_LIMIT, "calloc ENOMEM for %zu workers", lanes);
	} else if ((rc = model_gil_start(r, &q.g)) != MODEL_OK) {
		/* recorded */
	} else if ((err = pthread_mutex_init(&q.mu, NULL))) {
		rc = model_fail(r, MODEL_ERROR, "pool: mutex: %s", strerror(err));
	} else {
		rc = run_pool(&q, w, lanes, &attr);
		pthread_mutex_destroy(&q.mu);
	}
	model_gil_stop(r, q.g);
	free(w);
	pthread_attr_destroy(&attr);
	return rc;
}

const model_kind model_pool = {
	.name = "pool",
	.summary = "C long-lived worker threads sharing a task queue",
	.opts = pool_opts,
	.flags = model_gil_flags,
	.run = pool_run_model,
};

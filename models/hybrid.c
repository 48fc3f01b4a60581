/*
 * hybrid.c - an event loop whose I/O stays on the loop while blocking and
 * CPU-bound steps go to a pool of worker threads.
 *
 * This is asyncio with loop.run_in_executor, waitress (an asyncore loop that
 * hands each request to a thread), Node's libuv with its work queue for
 * fs and DNS calls. The loop thread drives every task's resumable form
 * exactly as the epoll model does (looptasks.c: same lanes, same code); when
 * a step says WL_STEP_OFFLOAD - its next call would block or compute - the
 * lane hands that call to the workers: a queue under a mutex and a condition
 * variable, as in ThreadPoolExecutor. A worker makes the call, puts the job
 * on a done list and writes an eventfd that the loop watches; the loop then
 * continues the task where the call left it (wait on an fd or a deadline,
 * finish, or offload again). A workload without a step (fib, hash: all CPU)
 * runs whole on a worker. So blocking parts overlap up to `workers` at a
 * time while waits through the loop stay as cheap as epoll's; plain epoll
 * runs the same blocking parts one after another on its one thread.
 *
 * It costs two thread hand-offs per offloaded call (queue, eventfd), and
 * C lanes still bound the tasks in flight: a lane whose job waits in the
 * queue for a free worker is a lane the loop cannot use.
 *
 * hybrid+gil is asyncio under CPython's GIL: the loop thread holds the
 * run's emulated GIL while it runs a step, a worker while it runs its job;
 * blocking calls inside a job (sleep, a blocking socket) let go of it
 * through the worker's backend (model_gil_io, wl_offload_io), so blocking
 * work still overlaps while computing does not.
 *
 * Lanes: the loop slot 0..C-1 a task occupies, wherever its steps run.
 */
#define _GNU_SOURCE
#include "models/epoll.h"
#include "models/looptasks.h"
#include "models/timeline.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static const model_opt_def hybrid_opts[] = {
	{ "workers", 0, "0", 0, 4096,
	  "worker threads for blocking and CPU-bound steps (0: one per online core)", NULL },
	{ "stack", 1, "0", 0, (int64_t)1 << 30,
	  "stack size per worker thread (0: the system default, else at least 16k)",
	  model_stack_check },
	{ "gil_interval_ms", 0, "5", 0, 1000,
	  "with +gil: the switch interval (CPython's sys.getswitchinterval(), 5 ms)", NULL },
	{ 0 },
};

typedef struct {
	model_run *r;
	pthread_mutex_t mu; /* guards everything below it */
	pthread_cond_t cv;  /* a job was queued, or shutdown */
	loop_job **queue;   /* a ring: at most one job per lane is out */
	size_t head, nqueued, cap;
	loop_job **done, **batch; /* handed back, for the loop; its copy */
	size_t ndone;
	int shutdown;
	int efd; /* eventfd: workers -> loop */
	gil *g;
	pthread_t *tid;
	size_t nworkers;
} hybrid;

static void submit(void *ctx, loop_job *j)
{
	hybrid *h = ctx;

	pthread_mutex_lock(&h->mu);
	h->queue[(h->head + h->nqueued++) % h->cap] = j;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

/* The job's call: the step after an OFFLOAD, or a step-less task whole. */
static void run_job(hybrid *h, loop_job *j, wl_io *io)
{
	const wl_spec *w = h->r->wl;

	if (!j->state) {
		model_exec(h->r, j->task, j->lane, io);
		return;
	}
	wl_io tio;
	j->next = (wl_wait){ .fd = -1 };
	memset(&j->res, 0, sizeof j->res);
	wl_offload_io = model_timeline_io(&tio, io);
	tl_event_at(TL_RUN, (int64_t)j->task);
	j->rc = w->kind->step(w, j->task, j->state, 0, &j->next, &j->res);
	tl_event_at(TL_IDLE, -1);
	wl_offload_io = NULL;
	j->ran = 1;
}

static void *worker(void *arg)
{
	hybrid *h = arg;
	wl_io gio, *io = &wl_io_blocking;
	const uint64_t one = 1;

	if (h->g) {
		model_gil_io(&gio, h->g);
		io = &gio;
	}
	for (;;) {
		pthread_mutex_lock(&h->mu);
		while (!h->nqueued && !h->shutdown)
			pthread_cond_wait(&h->cv, &h->mu);
		if (!h->nqueued) {
			pthread_mutex_unlock(&h->mu);
			break;
		}
		loop_job *j = h->queue[h->head];
		h->head = (h->head + 1) % h->cap;
		h->nqueued--;
		pthread_mutex_unlock(&h->mu);

		gil_acquire(h->g);
		run_job(h, j, io);
		gil_release(h->g);

		pthread_mutex_lock(&h->mu);
		h->done[h->ndone++] = j;
		pthread_mutex_unlock(&h->mu);
		/* Cannot fail short of a bad fd; the counter cannot overflow
		 * with at most C writes between two reads. */
		ssize_t rc = write(h->efd, &one, sizeof one);
		(void)rc;
	}
	return NULL;
}

/* The loop's side: take what the workers handed back, and continue each. */
static void on_wake(loop *l, int fd, int ready, void *arg)
{
	hybrid *h = arg;
	uint64_t count;
	size_t n;

	if (read(fd, &count, sizeof count) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&h->mu);
	n = h->ndone;
	memcpy(h->batch, h->done, n * sizeof *h->done);
	h->ndone = 0;
	pthread_mutex_unlock(&h->mu);
	for (size_t k = 0; k < n; k++)
		loop_job_done(h->batch[k]);
}

static int start(void *ctx, loop *l)
{
	hybrid *h = ctx;
	int rc = loop_watch(l, h->efd, WL_READ, on_wake, h);

	if (rc < 0)
		return model_fail(h->r, MODEL_ERROR, "hybrid: watch eventfd: %s", strerror(-rc));
	return MODEL_OK;
}

/* Let the workers finish what is queued, then join them. Idempotent. */
static void stop(void *ctx)
{
	hybrid *h = ctx;

	pthread_mutex_lock(&h->mu);
	h->shutdown = 1;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	for (size_t k = 0; k < h->nworkers; k++)
		pthread_join(h->tid[k], NULL);
	h->nworkers = 0;
}

static int spawn(hybrid *h, size_t want)
{
	pthread_attr_t attr;
	int err = 0, rc = model_thread_attr(h->r, &attr);

	if (rc != MODEL_OK)
		return rc;
	for (; h->nworkers < want; h->nworkers++) {
		err = model_fault_spawn(h->nworkers)
			      ? EAGAIN
			      : pthread_create(&h->tid[h->nworkers], &attr, worker, h);
		if (err)
			break;
	}
	pthread_attr_destroy(&attr);
	if (err)
		return model_spawn_failed(h->r, "pthread_create", err, h->nworkers, "threads");
	return MODEL_OK;
}

static size_t workers_wanted(const model_run *r, size_t lanes)
{
	int64_t want = model_opt(r->model, "workers");

	if (want <= 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		want = cores > 0 ? cores : 1;
	}
	/* More workers than lanes would never have a job. */
	return (size_t)want < lanes ? (size_t)want : lanes;
}

static int with_queue(hybrid *h, size_t lanes)
{
	loop_offload o = { .ctx = h, .start = start, .submit = submit, .stop = stop, .g = h->g };
	int rc = spawn(h, workers_wanted(h->r, lanes));

	if (rc == MODEL_OK)
		rc = loop_run_tasks_offload(h->r, &loop_backend_epoll, &o);
	stop(h);
	return rc;
}

static int hybrid_run(model_run *r)
{
	if (r->n == 0)
		return MODEL_OK;
	if (r->c == 0)
		return model_fail(r, MODEL_ERROR, "hybrid: concurrency must be at least 1");
	size_t lanes = r->c < r->n ? r->c : r->n;
	hybrid h = { .r = r, .cap = lanes, .efd = -1 };
	int err, rc;

	h.queue = calloc(lanes, sizeof *h.queue);
	h.done = calloc(lanes, sizeof *h.done);
	h.batch = calloc(lanes, sizeof *h.batch);
	h.tid = calloc(lanes, sizeof *h.tid);
	if (!h.queue || !h.done || !h.batch || !h.tid) {
		rc = model_fail(r, MODEL_LIMIT, "hybrid: calloc ENOMEM for %zu tasks in flight",
				lanes);
	} else if ((h.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		int limit = errno == EMFILE || errno == ENFILE || errno == ENOMEM;
		rc = model_fail(r, limit ? MODEL_LIMIT : MODEL_ERROR, "hybrid: eventfd: %s",
				strerror(errno));
	} else if ((rc = model_gil_start(r, &h.g)) != MODEL_OK) {
		/* recorded */
	} else if ((err = pthread_mutex_init(&h.mu, NULL))) {
		rc = model_fail(r, MODEL_ERROR, "hybrid: mutex: %s", strerror(err));
	} else {
		if ((err = pthread_cond_init(&h.cv, NULL)))
			rc = model_fail(r, MODEL_ERROR, "hybrid: condvar: %s", strerror(err));
		else {
			rc = with_queue(&h, lanes);
			pthread_cond_destroy(&h.cv);
		}
		pthread_mutex_destroy(&h.mu);
	}
	model_gil_stop(r, h.g);
	if (h.efd >= 0)
		close(h.efd);
	free(h.queue);
	free(h.done);
	free(h.batch);
	free(h.tid);
	return rc;
}

const model_kind model_hybrid = {
	.name = "hybrid",
	.summary = "epoll loop for I/O; blocking and CPU-bound steps on worker threads",
	.opts = hybrid_opts,
	.flags = model_gil_flags,
	.run = hybrid_run,
};

/*
 * threads.c - a new thread per task, at most C alive at once.
 *
 * Thread-per-connection servers (MySQL's default connection handling, Java's
 * blocking-I/O servers, Python's socketserver.ThreadingMixIn) and code that
 * starts a threading.Thread per job. Blocking code stays straight-line and
 * the kernel overlaps the waits: while one thread sleeps in read(), another
 * runs. It wins for blocking I/O at modest C, and for CPU work on many cores
 * when there is no GIL. It costs a pthread_create and a join per task, a stack
 * per thread (8 MiB of address space by default; "stack=64k" shrinks it) and
 * a kernel task per thread, so at some C the system answers EAGAIN.
 *
 * Lanes are slots 0..C-1. A finishing thread pushes its slot on a "done"
 * stack; the main thread waits for one, joins that thread and starts the next
 * task in the same slot, so a slot never runs two tasks at once.
 *
 * threads+gil runs them as CPython's threads: a task's thread takes the
 * run's emulated GIL (gil.h) before it starts the task and gives it up when
 * the task is done; in between it lets go only to wait (sleep, I/O, large
 * hashes) or when a check point hands it to a waiter. model_exec stamps the
 * start once the GIL is held, so a task's service time (end - start) leaves
 * out the first wait for the GIL, while its latency (end - t0) counts it, as
 * a Python thread's own timing of its work would. The main thread, which
 * only spawns and joins, never holds it.
 */
#include "models/model.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct threads_run threads_run;

typedef struct {
	threads_run *tr;
	pthread_t tid;
	size_t task;
	int lane;
} slot;

struct threads_run {
	model_run *r;
	pthread_mutex_t mu; /* guards done and ndone */
	pthread_cond_t freed;
	int *done; /* slots whose thread has finished but is not joined */
	size_t ndone;
	slot *slots;
	size_t alive; /* started and not yet joined; main thread only */
	gil *g;       /* +gil: the run's GIL; NULL without */
};

static const model_opt_def threads_opts[] = {
	{ "stack", 1, "0", 0, (int64_t)1 << 30,
	  "stack size per thread (0: the system default, else at least 16k)", model_stack_check },
	{ "gil_interval_ms", 0, "5", 0, 1000,
	  "with +gil: the switch interval (CPython's sys.getswitchinterval(), 5 ms)", NULL },
	{ 0 },
};

static void *task_thread(void *arg)
{
	slot *s = arg;
	threads_run *tr = s->tr;
	wl_io gio, *io = &wl_io_blocking;

	if (tr->g) {
		model_gil_io(&gio, tr->g);
		io = &gio;
	}
	gil_acquire(tr->g);
	model_exec(tr->r, s->task, s->lane, io);
	gil_release(tr->g);
	/* A default mutex that initialised cannot fail to lock. */
	pthread_mutex_lock(&tr->mu);
	tr->done[tr->ndone++] = s->lane;
	pthread_cond_signal(&tr->freed);
	pthread_mutex_unlock(&tr->mu);
	return NULL;
}

/* Wait for any thread to finish, join it, and return its free slot. */
static int reap_one(threads_run *tr)
{
	pthread_mutex_lock(&tr->mu);
	while (tr->ndone == 0)
		pthread_cond_wait(&tr->freed, &tr->mu);
	int k = tr->done[--tr->ndone];
	pthread_mutex_unlock(&tr->mu);
	pthread_join(tr->slots[k].tid, NULL);
	tr->alive--;
	return k;
}

static void reap_all(threads_run *tr)
{
	while (tr->alive > 0)
		reap_one(tr);
}

/* Start task i in slot k; 0 or an errno. The fault hook stands for EAGAIN. */
static int spawn(threads_run *tr, const pthread_attr_t *attr, size_t i, int k)
{
	slot *s = &tr->slots[k];
	s->tr = tr;
	s->task = i;
	s->lane = k;
	if (model_fault_spawn(i))
		return EAGAIN;
	return pthread_create(&s->tid, attr, task_thread, s);
}

static int run_all(threads_run *tr, const pthread_attr_t *attr, size_t lanes)
{
	model_run *r = tr->r;

	for (size_t i = 0; i < r->n; i++) {
		/* The first `lanes` tasks fill the empty slots; later ones wait. */
		int k = i < lanes ? (int)i : reap_one(tr);
		int err = spawn(tr, attr, i, k);
		if (err) { /* said before the wait: a server's threads may never end */
			int rc = model_spawn_failed(r, "pthread_create", err, tr->alive, "threads");
			reap_all(tr);
			return rc;
		}
		tr->alive++;
	}
	reap_all(tr);
	return MODEL_OK;
}

/* The mutex and condvar; only fails on systems that allocate for them. */
static int sync_init(threads_run *tr)
{
	int err = pthread_mutex_init(&tr->mu, NULL);
	if (!err && (err = pthread_cond_init(&tr->freed, NULL)))
		pthread_mutex_destroy(&tr->mu);
	return err;
}

static int threads_run_model(model_run *r)
{
	if (r->n == 0)
		return MODEL_OK;
	if (r->c == 0)
		return model_fail(r, MODEL_ERROR, "threads: concurrency must be at least 1");
	size_t lanes = r->c < r->n ? r->c : r->n;
	threads_run tr = { .r = r };
	pthread_attr_t attr;
	int err, rc = model_thread_attr(r, &attr);
	if (rc != MODEL_OK)
		return rc;
	tr.done = calloc(lanes, sizeof *tr.done);
	tr.slots = calloc(lanes, sizeof *tr.slots);
	if (!tr.done || !tr.slots) {
		rc = model_fail(r, MODEL_LIMIT, "calloc ENOMEM for %zu thread slots", lanes);
	} else if ((rc = model_gil_start(r, &tr.g)) != MODEL_OK) {
		/* recorded */
	} else if ((err = sync_init(&tr))) {
		rc = model_fail(r, MODEL_ERROR, "threads: mutex: %s", strerror(err));
	} else {
		rc = run_all(&tr, &attr, lanes);
		pthread_cond_destroy(&tr.freed);
		pthread_mutex_destroy(&tr.mu);
	}
	model_gil_stop(r, tr.g);
	free(tr.slots);
	free(tr.done);
	pthread_attr_destroy(&attr);
	return rc;
}

const model_kind model_threads = {
	.name = "threads",
	.summary = "a new thread per task, at most C alive at once",
	.opts = threads_opts,
	.flags = model_gil_flags,
	.run = threads_run_model,
};

/*
 * prefork.c - C long-lived worker processes taking tasks from a shared queue.
 *
 * Apache's prefork MPM, gunicorn's sync workers, PHP-FPM, Python's
 * ProcessPoolExecutor. The fork is paid C times, not N times, yet each worker
 * keeps its own address space (in Python, its own GIL): CPU work scales
 * across cores and a crash loses one task. It costs C processes' memory, and
 * handing out work crosses process boundaries: ProcessPoolExecutor pickles
 * tasks through pipes, Apache serialises accept() behind a mutex. Here a
 * lock-free counter in shared memory (table->next, one atomic fetch-and-add
 * per task) stands in for both: the cheapest queue processes can share.
 *
 * Lane = worker. A dead worker is not replaced: it loses the task it was
 * running, the others drain the queue, and, as in a broken
 * ProcessPoolExecutor, whatever no worker finished fails.
 */
#include "models/model.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
	model_run *r;
	pid_t *pid; /* per lane: the worker's pid, 0 once reaped */
	size_t lanes;
	size_t alive; /* workers forked and not yet reaped */
	int rc;       /* the first failure decides the run's status */
	int closed;   /* the queue was closed before it drained */
	int died;     /* some worker died abnormally */
} prefork_run;

/* A worker: take the next index until the queue runs dry. Each index comes
 * out of the fetch-and-add exactly once, so no task can run twice. */
static void serve(model_run *r, int lane)
{
	size_t i;

	while ((i = atomic_fetch_add(&r->table->next, 1)) < r->n)
		model_exec(r, i, lane, &wl_io_blocking);
}

/* Closing the queue is moving its head to the end: indices handed out before
 * are distinct, those handed out after are all >= n. */
static void close_queue(prefork_run *pr)
{
	atomic_store(&pr->r->table->next, pr->r->n);
	pr->closed = 1;
}

/* Fork worker k; 0 or an errno. The fault hook stands for EAGAIN. The
 * worker leaves by _exit: no atexit handlers, no inherited stdio flushed. */
static int spawn(prefork_run *pr, int k)
{
	if (model_fault_spawn((size_t)k))
		return EAGAIN;
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		/* The worker needs none of the parent's bookkeeping; dropping it
		 * means it leaves nothing unfreed (valgrind follows forks). */
		free(pr->pid);
		serve(pr->r, k);
		_exit(0);
	}
	pr->pid[k] = pid;
	pr->alive++;
	return 0;
}

/* The task worker `lane` had started and not finished, or n if none. */
static size_t task_in_flight(model_run *r, int lane)
{
	for (size_t i = 0; i < r->n; i++) {
		model_task *t = &r->table->task[i];
		if (t->worker == lane && t->start_ns && atomic_load(&t->runs) == 0)
			return i;
	}
	return r->n;
}

static void worker_died(prefork_run *pr, int lane, int st)
{
	char how[96];
	size_t i = task_in_flight(pr->r, lane);

	pr->died = 1;
	if (i < pr->r->n)
		model_task_lost(pr->r, i);
	if (pr->rc != MODEL_OK)
		return;
	model_describe_exit(how, sizeof how, st);
	if (i < pr->r->n)
		pr->rc = model_fail(pr->r, MODEL_ERROR, "task %zu: worker process %s", i, how);
	else
		pr->rc = model_fail(pr->r, MODEL_ERROR, "worker process %d %s between tasks", lane,
				    how);
}

/* Wait for every worker; note the ones that did not exit 0. */
static void reap_all(prefork_run *pr)
{
	while (pr->alive > 0) {
		int st, k = model_reap(pr->r, pr->pid, pr->lanes, &st);
		if (k < 0) {
			pr->rc = pr->rc != MODEL_OK ? pr->rc : MODEL_ERROR;
			return;
		}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			worker_died(pr, k, st);
		pr->alive--;
	}
}

/* After a death, whatever did not run is lost with the pool, as futures are
 * when a ProcessPoolExecutor breaks. After an early close it was never
 * submitted, and stays not run. */
static void fail_unfinished(prefork_run *pr)
{
	if (!pr->died || pr->closed)
		return;
	for (size_t i = 0; i < pr->r->n; i++)
		if (atomic_load(&pr->r->table->task[i].runs) == 0)
			model_task_lost(pr->r, i);
}

/* Start the workers; they take tasks at once, as a real pool's do. If one
 * cannot start, the pool cannot be built: close the queue so the others run
 * nothing new, and report the limit. */
static void run_pool(prefork_run *pr)
{
	for (size_t k = 0; k < pr->lanes; k++) {
		int err = spawn(pr, (int)k);
		if (err) {
			close_queue(pr);
			pr->rc = model_spawn_failed(pr->r, "fork", err, k, "processes");
			break;
		}
	}
	reap_all(pr);
	fail_unfinished(pr);
}

static int prefork_run_model(model_run *r)
{
	if (r->n == 0)
		return MODEL_OK;
	if (r->c == 0)
		return model_fail(r, MODEL_ERROR, "prefork: concurrency must be at least 1");
	prefork_run pr = { .r = r, .lanes = r->c < r->n ? r->c : r->n };
	pr.pid = calloc(pr.lanes, sizeof *pr.pid);
	if (pr.pid)
		run_pool(&pr);
	else
		pr.rc = model_fail(r, MODEL_LIMIT, "calloc ENOMEM for %zu workers", pr.lanes);
	free(pr.pid);
	return pr.rc;
}

const model_kind model_prefork = {
	.name = "prefork",
	.summary = "C long-lived worker processes sharing a task queue",
	.opts = NULL,
	.run = prefork_run_model,
};

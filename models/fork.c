/*
 * fork.c - a new process per task, at most C alive at once.
 *
 * CGI, fork-per-connection servers (inetd, sshd, PostgreSQL backends), and
 * Python's multiprocessing.Process per job. Each task runs in a copy-on-write
 * copy of the parent with its own address space (in Python, its own GIL): CPU
 * work uses every core, and a crash takes down one task, not the server. It
 * costs a fork, an exit and a wait per task (page tables are copied, so the
 * bigger the parent the dearer), and every process counts against the user's
 * process limit. Results come back through the shared task table, where a
 * real server would use a pipe or a file.
 *
 * Lanes are slots 0..C-1: the parent remembers which child runs in which
 * slot, waits for any child and forks the next task into the slot it freed.
 * A child that dies abnormally fails its own task; the others still run.
 */
#include "models/model.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
	model_run *r;
	pid_t *pid;   /* per slot: the child running there, 0 when free */
	size_t *task; /* per slot: the task that child runs */
	size_t lanes;
	size_t alive; /* children forked and not yet reaped */
	int rc;       /* the first failure decides the run's status */
} fork_run;

/* A child that did not exit 0 took its task down with it; only the first
 * failure names the run's status. */
static void child_failed(fork_run *fr, size_t i, int st)
{
	char how[96];

	model_task_lost(fr->r, i);
	if (fr->rc != MODEL_OK)
		return;
	model_describe_exit(how, sizeof how, st);
	fr->rc = model_fail(fr->r, MODEL_ERROR, "task %zu: worker process %s", i, how);
}

/* Wait for any child to end and return the slot it freed; -1 if waiting
 * failed, which leaves nothing to wait for. */
static int reap_one(fork_run *fr)
{
	int st, k = model_reap(fr->r, fr->pid, fr->lanes, &st);

	if (k < 0) {
		fr->rc = fr->rc != MODEL_OK ? fr->rc : MODEL_ERROR;
		fr->alive = 0;
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		child_failed(fr, fr->task[k], st);
	fr->alive--;
	return k;
}

/* Fork task i into slot k; 0 or an errno. The fault hook stands for EAGAIN.
 * The child runs its task and leaves at once: _exit, so it runs no atexit
 * handler and flushes no stdio buffer it inherited from the parent. */
static int spawn(fork_run *fr, size_t i, int k)
{
	if (model_fault_spawn(i))
		return EAGAIN;
	pid_t pid = fork();
	if (pid < 0)
		return errno;
	if (pid == 0) {
		/* The child needs none of the parent's bookkeeping; dropping it
		 * means it leaves nothing unfreed (valgrind follows forks). */
		free(fr->pid);
		free(fr->task);
		model_exec(fr->r, i, k, &wl_io_blocking);
		_exit(0);
	}
	fr->pid[k] = pid;
	fr->task[k] = i;
	fr->alive++;
	return 0;
}

/* Fork every task, at most `lanes` at once; stop at the first fork that
 * fails, then wait for all the children. */
static void run_all(fork_run *fr)
{
	for (size_t i = 0; i < fr->r->n; i++) {
		int k = i < fr->lanes ? (int)i : reap_one(fr);
		if (k < 0)
			break;
		int err = spawn(fr, i, k);
		if (err) {
			if (fr->rc == MODEL_OK)
				fr->rc = model_spawn_failed(fr->r, "fork", err, fr->alive,
							    "processes");
			break;
		}
	}
	while (fr->alive > 0)
		reap_one(fr);
}

static int fork_run_model(model_run *r)
{
	if (r->n == 0)
		return MODEL_OK;
	if (r->c == 0)
		return model_fail(r, MODEL_ERROR, "fork: concurrency must be at least 1");
	fork_run fr = { .r = r, .lanes = r->c < r->n ? r->c : r->n };
	fr.pid = calloc(fr.lanes, sizeof *fr.pid);
	fr.task = calloc(fr.lanes, sizeof *fr.task);
	if (fr.pid && fr.task)
		run_all(&fr);
	else
		fr.rc = model_fail(r, MODEL_LIMIT, "calloc ENOMEM for %zu process slots", fr.lanes);
	free(fr.task);
	free(fr.pid);
	return fr.rc;
}

const model_kind model_fork = {
	.name = "fork",
	.summary = "a new process per task, at most C alive at once",
	.opts = NULL,
	.run = fork_run_model,
};

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
#define _GNU_SOURCE
#include "model.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static const char *errname(int err)
{
	const char *s = strerrorname_np(err);
	return s ? s : "unknown error";
}

/* Out of processes (EAGAIN) or memory is a limit of the machine. */
static void spawn_failed(fork_run *fr, int err)
{
	int code = err == EAGAIN || err == ENOMEM ? MODEL_LIMIT : MODEL_ERROR;
	if (fr->rc == MODEL_OK)
		fr->rc = model_fail(fr->r, code, "fork %s at %zu processes", errname(err),
				    fr->alive);
}

static void describe_death(char *buf, size_t len, int st)
{
	if (WIFSIGNALED(st))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
}

/* A child that did not exit 0 took its task down with it (ECHILD marks a task
 * whose process died); only the first failure names the run's status. */
static void child_failed(fork_run *fr, size_t i, int st)
{
	model_table *t = fr->r->table;
	char how[96];

	if (!t->task[i].err) {
		t->task[i].err = ECHILD;
		atomic_fetch_add(&t->nerr, 1);
	}
	if (fr->rc != MODEL_OK)
		return;
	describe_death(how, sizeof how, st);
	fr->rc = model_fail(fr->r, MODEL_ERROR, "task %zu: worker process %s", i, how);
}

/* The slot child pid ran in, or -1 if it is not ours. Scanning C pids costs
 * far less than the fork and exit that preceded it. */
static int slot_of(const fork_run *fr, pid_t pid)
{
	for (size_t k = 0; k < fr->lanes; k++)
		if (fr->pid[k] == pid)
			return (int)k;
	return -1;
}

/* Wait for any child to end and return the slot it freed; -1 if waiting
 * failed, which leaves nothing to wait for. */
static int reap_one(fork_run *fr)
{
	for (;;) {
		int st, k;
		pid_t pid = waitpid(-1, &st, 0);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0) {
			/* ECHILD: someone else reaps our children (SIGCHLD ignored). */
			if (fr->rc == MODEL_OK)
				fr->rc = model_fail(fr->r, MODEL_ERROR, "waitpid: %s",
						    strerror(errno));
			fr->alive = 0;
			return -1;
		}
		if ((k = slot_of(fr, pid)) < 0)
			continue; /* the run's process has no other children */
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			child_failed(fr, fr->task[k], st);
		fr->pid[k] = 0;
		fr->alive--;
		return k;
	}
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
			spawn_failed(fr, err);
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

/*
 * runner.c - one run in a fresh child process.
 *
 * Why a child: every run starts from the same state (no warm caches or heap
 * from the previous model, no threads left over), and wait4() then hands back
 * the kernel's own account of the run: CPU user/sys, context switches and
 * peak RSS, including every thread and reaped process it made. The run child
 * leads its own process group, so one kill() stops it and anything it forked;
 * we are the subreaper, so even orphaned grandchildren come back to be reaped.
 *
 * The parent waits with ppoll() on a pidfd, with SIGINT and friends unblocked
 * only inside ppoll: a Ctrl-C can never slip in between "check the flag" and
 * "go to sleep", and a run timeout needs no alarm.
 */
#define _GNU_SOURCE
#include "harness/run/runner.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness/run/cpus.h"
#include "harness/run/memsample.h"
#include "harness/run/stats.h"

static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

void run_init(void)
{
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* Many concurrent connections need many fds: lift the soft limit to the
	 * hard one, as servers do; past that a run reports EMFILE as a limit. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void signals_block(sigset_t *old)
{
	sigset_t s;
	sigemptyset(&s);
	for (size_t k = 0; k < sizeof stop_signals / sizeof *stop_signals; k++)
		sigaddset(&s, stop_signals[k]);
	sigprocmask(SIG_BLOCK, &s, old);
}

/* In the child: default signal dispositions, then bind, then run. */
static _Noreturn void child_main(const run_job *job, const sigset_t *mask)
{
	for (size_t k = 0; k < sizeof stop_signals / sizeof *stop_signals; k++)
		signal(stop_signals[k], SIG_DFL);
	sigprocmask(SIG_SETMASK, mask, NULL);
	setpgid(0, 0);
	if (cpus_bind((hwloc_topology_t)job->topology, job->cpuset) < 0) {
		model_run bad = { .model = job->model, .wl = job->wl, .table = job->table };
		model_fail(&bad, MODEL_ERROR, "cannot bind to the CPUs asked for: %s",
			   strerror(errno));
		_exit(0);
	}
	/* The run's own copy of the workload: begin() leaves what this run
	 * opens in it (before prepare, so whatever a model forks inherits it). */
	wl_spec w = *job->wl;
	char err[WL_ERRLEN] = "";
	model_run r = {
		.model = job->model, .wl = &w, .n = job->n, .c = job->c, .table = job->table
	};
	int rc = wl_begin(&w, job->n, err, sizeof err);
	if (rc != 0) {
		model_fail(&r, rc == EMFILE || rc == ENFILE ? MODEL_LIMIT : MODEL_ERROR, "%s", err);
		_exit(0);
	}
	if (job->model->kind->prepare && job->model->kind->prepare(&r) != MODEL_OK)
		_exit(0); /* it said why through model_fail */
	model_table_populate(job->table); /* its pages, not a fault per task */
	tl_activate(job->timeline); /* NULL: nothing records */
	job->table->t0_ns = wl_now_ns();
	rc = job->model->kind->run(&r);
	if (rc != MODEL_OK)
		model_fail(&r, rc, "the model gave up without saying why");
	wl_end(&w);
	_exit(0);
}

static double tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Kill the run's whole process group and reap everything in it. */
static void kill_group(pid_t pgid)
{
	kill(-pgid, SIGKILL);
	while (waitpid(-pgid, NULL, 0) > 0 || errno == EINTR)
		;
}

/* Has the child ended? Looks without reaping it (WNOWAIT). */
static int child_ended(pid_t pid)
{
	siginfo_t si;
	memset(&si, 0, sizeof si);
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Wait for the child; 1 if a stop signal came, 2 on timeout, 0 when it ended.
 * Meanwhile sample the memory of its process tree into *peak_kib: after 1,
 * 2, 4 and 8 ms, then every 10 ms, or ten times as long as a sample took
 * (run/memsample.h). Without a pidfd (an old
 * kernel, or valgrind) it looks whether the child ended at each sample. */
static int wait_child(const run_job *job, pid_t pid, const sigset_t *open_mask, long *peak_kib,
		      long *kstack_kib)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0), how = -1;
	uint64_t start = wl_now_ns(), gap = 1000000, next = start + gap;
	uint64_t deadline = job->timeout_s > 0 ? start + (uint64_t)(job->timeout_s * 1e9) : 0;
	while (how < 0 && !*job->stop) {
		uint64_t now = wl_now_ns();
		if (now >= next) {
			long kib = memsample_tree_kib(pid), ks = memsample_kernel_stack_kib();
			if (kib > *peak_kib)
				*peak_kib = kib;
			if (ks > *kstack_kib)
				*kstack_kib = ks;
			/* A tree of thousands of processes takes a while to read:
			 * never spend more than a tenth of a CPU on it. */
			uint64_t took = wl_now_ns() - now;
			gap = gap < 8000000 ? gap * 2 : 10000000;
			if (gap < 10 * took)
				gap = 10 * took;
			now += took;
			next = now + gap;
		}
		uint64_t until = deadline && deadline < next ? deadline : next;
		uint64_t wait_ns = until > now ? until - now : 0;
		struct timespec ts = { (time_t)(wait_ns / 1000000000u),
				       (long)(wait_ns % 1000000000u) };
		struct pollfd p = { pfd, POLLIN, 0 };
		int rc = ppoll(&p, pfd < 0 ? 0 : 1, &ts, open_mask);
		if (*job->stop)
			how = 1;
		else if (rc > 0 || (pfd < 0 && child_ended(pid)))
			how = 0;
		else if (deadline && wl_now_ns() >= deadline)
			how = 2;
	}
	if (pfd >= 0)
		close(pfd);
	return how < 0 ? 1 : how; /* the loop only ends early for a stop */
}

static void status_from_child(res_run *out, const run_job *job, int wst)
{
	model_table *t = job->table;
	int code = atomic_load(&t->status);
	if (WIFSIGNALED(wst))
		snprintf(out->status, sizeof out->status,
			 "error: run process killed by signal %d (%s)", WTERMSIG(wst),
			 strsignal(WTERMSIG(wst)));
	else if (WEXITSTATUS(wst) != 0)
		snprintf(out->status, sizeof out->status, "error: run process exited with %d",
			 WEXITSTATUS(wst));
	else if (code == MODEL_LIMIT)
		snprintf(out->status, sizeof out->status, "limit: %s", t->why);
	else if (code != MODEL_OK || out->errors)
		snprintf(out->status, sizeof out->status, "error: %s",
			 t->why[0]   ? t->why
			 : t->msg[0] ? t->msg
				     : "tasks did not run exactly once");
	else
		strcpy(out->status, "ok");
}

int run_one(const run_job *job, res_run *out)
{
	struct rusage ru = { 0 };
	sigset_t old;
	int wst = 0, how;

	/* A server run: its listening socket before the fork, so every
	 * process of the run has it, and its load from the other CPUs. */
	run_job served;
	wl_spec wserved;
	int lfd = -1, port = 0;
	peerload *pl = NULL;
	char why[256] = "";
	if (job->peer) {
		if ((lfd = peerload_listen(job->n, &port, why, sizeof why)) < 0) {
			snprintf(out->status, sizeof out->status, "error: %s", why);
			return -1;
		}
		wserved = *job->wl;
		wserved.listen_set = 1;
		wserved.listen_fd = lfd;
		served = *job;
		served.wl = &wserved;
		job = &served;
	}
	model_table_use(job->table, job->n);
	if (job->timeline)
		tl_reset(job->timeline);
	out->tasks = job->n;
	out->pace = NAN; /* the sweep's to measure */
	out->concurrency = job->c;
	long kstack0 = memsample_kernel_stack_kib(); /* before the run's threads */
	fflush(NULL); /* nothing buffered may be written twice by the child */
	signals_block(&old);
	pid_t pid = fork();
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		if (lfd >= 0)
			close(lfd);
		snprintf(out->status, sizeof out->status, "error: cannot fork the run: %s",
			 strerror(errno));
		return -1;
	}
	if (pid == 0)
		child_main(job, &old);
	setpgid(pid, pid);
	if (lfd >= 0 && !(pl = peerload_start(job->peer, job->n, lfd, port, job->topology,
					      job->cpuset, why, sizeof why)))
		shutdown(lfd, SHUT_RDWR); /* no clients: the tasks end at once */
	long peak = -1, kstack = -1;
	how = wait_child(job, pid, &old, &peak, &kstack);
	if (pl)
		peerload_stop(pl); /* the run is over (or stopped): so is its load */
	if (how)
		kill(-pid, SIGKILL);
	while (wait4(pid, &wst, 0, &ru) < 0 && errno == EINTR)
		;
	kill_group(pid); /* whatever the run forked and left behind */
	if (job->timeline)
		tl_finish(job->timeline);
	sigprocmask(SIG_SETMASK, &old, NULL);

	if (stats_from_table(out, job->table) < 0)
		out->errors = job->n;
	out->cpu_user_s = tv_s(ru.ru_utime);
	out->cpu_sys_s = tv_s(ru.ru_stime);
	out->ctx_voluntary = ru.ru_nvcsw;
	out->ctx_involuntary = ru.ru_nivcsw;
	out->max_rss_kib = ru.ru_maxrss;
	/* One process's own peak can top the samples, which may miss it. */
	out->rss_sum_kib = peak > ru.ru_maxrss ? peak : ru.ru_maxrss;
	/* the kernel stacks the run's threads added, at their most */
	out->kernel_stack_kib =
		kstack >= 0 && kstack0 >= 0 ? (kstack > kstack0 ? kstack - kstack0 : 0) : -1;
	if (how == 1)
		strcpy(out->status, "partial");
	else if (how == 2)
		snprintf(out->status, sizeof out->status, "error: timed out after %g s",
			 job->timeout_s);
	else
		status_from_child(out, job, wst);
	int peer_limit = pl ? peerload_finish(pl, out, why, sizeof why) : 0;
	if (lfd >= 0)
		close(lfd);
	/* a load that could not run explains the server's failure too (no
	 * client ever connected), so its reason comes first */
	if (*why && (!strcmp(out->status, "ok") || !strncmp(out->status, "error:", 6)))
		snprintf(out->status, sizeof out->status, "%s: load: %s",
			 peer_limit ? "limit" : "error", why);
	return how == 1;
}

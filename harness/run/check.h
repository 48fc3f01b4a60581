/*
 * check.h - the machine as a benchmark sees it: how many cores it actually
 * delivers, what a syscall, a thread switch, a thread, a fork and an
 * epoll_wait cost, how precise its timers are, and what else is running.
 * `concbench check` prints it (check_report.h); every sweep runs a quick
 * check before its first run and after its last.
 */
#ifndef CB_CHECK_H
#define CB_CHECK_H

#define CHECK_TOP 3 /* the busiest other processes kept */

typedef struct {
	int pid;
	char comm[32];
	double cpu_pct; /* of one core, over the check's window */
} check_proc;

typedef struct {
	int quick;
	int online;                /* online cores */
	int allowed;               /* cores this process may run on */
	double eff_cores;          /* cores `online` spinning threads were delivered */
	double spin_s;             /* how long they spun */
	double syscall_ns;         /* a bare syscall (getppid) */
	double switch_ns;          /* a thread switch: one pipe hand-off on one CPU */
	double thread_ns;          /* pthread_create + join */
	double fork_ns;            /* fork + waitpid of a child that exits */
	double epoll_ns;           /* the epoll model's wait (timeout 0), nothing ready */
	double timer_res_ns;       /* clock_getres(CLOCK_MONOTONIC) */
	double slack_ns;           /* how late a 1 ms nanosleep wakes (median) */
	double load[3];            /* /proc/loadavg; NaN when unknown */
	check_proc top[CHECK_TOP]; /* busiest others, most CPU first */
	int ntop;
	char governor[32], turbo[16], smt[16]; /* "unknown" when sysfs does not say */
	long long max_map_count;               /* -1: unknown */
	int madv_guard;          /* coroutine guard pages need no mapping (MADV_GUARD_INSTALL) */
	long long nofile, nproc; /* soft ulimit -n, -u; -1: unlimited */
	double took_s;           /* the check's own wall time */
} check_result;

/* Measure the machine into r: ~0.5 s, or <= 0.3 s with quick (fewer reps, a
 * shorter spin). A figure that cannot be measured is NaN. 0, or -1 when
 * nothing could be measured (no threads). */
int check_run(check_result *r, int quick);

#endif

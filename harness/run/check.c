/*
 * check.c - measure the machine as a benchmark sees it (check.h).
 *
 * Each figure is a small function: a short batch of the operation, timed,
 * repeated a few times, the median kept, so one preemption cannot move it.
 * Effective parallelism is the one that matters most: as many threads as
 * there are online cores spin for a fixed window, and the CPU time they
 * were given (CLOCK_THREAD_CPUTIME_ID) divided by the window is the number
 * of cores the machine actually delivered. A neighbour's job, a noisy
 * hypervisor or a CPU quota shows up here before it shows up as a wrong
 * speed-up. The busiest other processes over the same window say who.
 */
#define _GNU_SOURCE
#include "harness/run/check.h"
#include "harness/run/check_procs.h"
#include "models/coro_arena.h"
#include "models/epoll.h"
#include "models/loop.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ns(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* The median of v[0..n), which it sorts; NaN when n is 0. */
static double median(double *v, int n)
{
	if (n <= 0)
		return NAN;
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- effective parallelism ---------------------------------------------- */

typedef struct {
	_Atomic int64_t *deadline; /* 0 until the window opens */
	int64_t cpu_ns;            /* CPU time inside the window */
	pthread_t th;
} spinner;

static void *spin(void *arg)
{
	spinner *s = arg;
	int64_t end;
	while (!(end = atomic_load(s->deadline)))
		;
	int64_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	while (now_ns(CLOCK_MONOTONIC) < end)
		;
	s->cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	return NULL;
}

/* k threads spin for window_ns; the CPU time they got over the window. */
static double effective_cores(int k, int64_t window_ns)
{
	_Atomic int64_t deadline = 0;
	spinner *s = calloc((size_t)k, sizeof *s);
	int n = 0;
	for (; s && n < k; n++) {
		s[n].deadline = &deadline;
		if (pthread_create(&s[n].th, NULL, spin, &s[n]) != 0)
			break;
	}
	atomic_store(&deadline, now_ns(CLOCK_MONOTONIC) + window_ns);
	double cpu = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(s[i].th, NULL);
		cpu += (double)s[i].cpu_ns;
	}
	free(s);
	return n < k || k < 1 ? NAN : cpu / (double)window_ns;
}

/* ---- the cost of one operation ------------------------------------------ */

/* A batch of `ops` operations: its wall time in ns, or a negative value. */
typedef double batch_fn(int ops, void *arg);

static double per_op(batch_fn *fn, void *arg, int ops, int reps)
{
	double v[32];
	int n = 0;
	for (int r = 0; r < reps && r < 32; r++) {
		double t = fn(ops, arg);
		if (t >= 0)
			v[n++] = t / ops;
	}
	return median(v, n);
}

static double batch_syscall(int ops, void *arg)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < ops; i++)
		syscall(SYS_getppid);
	return (double)(now_ns(CLOCK_MONOTONIC) - t0);
}

/* The epoll model's own wait (models/epoll.c), nothing watched, timeout 0. */
static double batch_epoll(int ops, void *arg)
{
	loop *l = arg;
	loop_event ev;
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < ops; i++)
		if (loop_backend_epoll.wait(l, 0, &ev, 1) < 0)
			return -1;
	return (double)(now_ns(CLOCK_MONOTONIC) - t0);
}

static void *nothing(void *arg)
{
	return arg;
}

static double batch_thread(int ops, void *arg)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < ops; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, nothing, NULL) != 0)
			return -1;
		pthread_join(t, NULL);
	}
	return (double)(now_ns(CLOCK_MONOTONIC) - t0);
}

static double batch_fork(int ops, void *arg)
{
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < ops; i++) {
		pid_t p = fork();
		if (p < 0)
			return -1;
		if (p == 0)
			_exit(0);
		while (waitpid(p, NULL, 0) < 0)
			;
	}
	return (double)(now_ns(CLOCK_MONOTONIC) - t0);
}

static double batch_sleep(int ops, void *arg)
{
	struct timespec ms = { 0, 1000000 };
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	nanosleep(&ms, NULL);
	return (double)(now_ns(CLOCK_MONOTONIC) - t0) - 1e6;
}

/* Thread switches: two threads on one CPU hand a byte back and forth. */
typedef struct {
	int ab[2], ba[2]; /* pipes a -> b and b -> a */
	int ops, cpu;
} pingpong;

static void pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *pong(void *arg)
{
	pingpong *p = arg;
	char c;
	pin(p->cpu);
	for (int i = 0; i < p->ops; i++)
		if (read(p->ab[0], &c, 1) != 1 || write(p->ba[1], &c, 1) != 1)
			break;
	return NULL;
}

static double batch_switch(int ops, void *arg)
{
	pingpong *p = arg;
	pthread_t t;
	char c = 'x';
	int bad = 0;
	p->ops = ops;
	if (pthread_create(&t, NULL, pong, p) != 0)
		return -1;
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < ops && !bad; i++)
		bad = write(p->ab[1], &c, 1) != 1 || read(p->ba[0], &c, 1) != 1;
	double dt = (double)(now_ns(CLOCK_MONOTONIC) - t0);
	if (bad)
		close(p->ab[1]); /* lets pong's read end */
	pthread_join(t, NULL);
	return bad ? -1 : dt / 2; /* two hand-offs a round trip */
}

static double switch_cost(int ops, int reps)
{
	pingpong p;
	if (pipe(p.ab) < 0)
		return NAN;
	if (pipe(p.ba) < 0) {
		close(p.ab[0]);
		close(p.ab[1]);
		return NAN;
	}
	cpu_set_t old;
	int pinned = pthread_getaffinity_np(pthread_self(), sizeof old, &old) == 0;
	p.cpu = sched_getcpu();
	if (p.cpu < 0)
		p.cpu = 0;
	pin(p.cpu);
	double ns = per_op(batch_switch, &p, ops, reps);
	if (pinned)
		pthread_setaffinity_np(pthread_self(), sizeof old, &old);
	for (int k = 0; k < 2; k++) {
		close(p.ab[k]);
		close(p.ba[k]);
	}
	return ns;
}

static double epoll_cost(int ops, int reps)
{
	char err[128];
	loop *l = loop_new(&loop_backend_epoll, 4, 4, err, sizeof err);
	if (!l)
		return NAN;
	double ns = per_op(batch_epoll, l, ops, reps);
	loop_free(l);
	return ns;
}

/* ---- what the system says ----------------------------------------------- */

/* The first line of a file, trailing newline removed; 0 or -1. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	int ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* A sysfs flag file as "on"/"off" (on_if: the content that means on). */
static void flag(char *dst, size_t len, const char *path, char on_if)
{
	char v[16];
	if (read_line(path, v, sizeof v) == 0)
		snprintf(dst, len, "%s", v[0] == on_if ? "on" : "off");
}

static void sysfs(check_result *r)
{
	char v[64];
	snprintf(r->governor, sizeof r->governor, "%.31s",
		 read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", v, sizeof v)
			 ? "unknown"
			 : v);
	strcpy(r->turbo, "unknown");
	flag(r->turbo, sizeof r->turbo, "/sys/devices/system/cpu/intel_pstate/no_turbo", '0');
	flag(r->turbo, sizeof r->turbo, "/sys/devices/system/cpu/cpufreq/boost", '1');
	strcpy(r->smt, "unknown");
	flag(r->smt, sizeof r->smt, "/sys/devices/system/cpu/smt/active", '1');
}

static void limits(check_result *r)
{
	char v[64];
	r->max_map_count = read_line("/proc/sys/vm/max_map_count", v, sizeof v) == 0
				   ? strtoll(v, NULL, 10)
				   : -1;
	r->madv_guard = coro_arena_madvise_ok();
	struct rlimit rl;
	r->nofile = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
			    ? (long long)rl.rlim_cur
			    : -1;
	r->nproc = getrlimit(RLIMIT_NPROC, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
			   ? (long long)rl.rlim_cur
			   : -1;
	r->load[0] = r->load[1] = r->load[2] = NAN;
	if (read_line("/proc/loadavg", v, sizeof v) == 0)
		sscanf(v, "%lf %lf %lf", &r->load[0], &r->load[1], &r->load[2]);
}

int check_run(check_result *r, int quick)
{
	memset(r, 0, sizeof *r);
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	check_procs_snap *before, *after;
	size_t nbefore = check_procs_read(&before);
	int reps = quick ? 3 : 9;
	r->quick = quick;
	r->online = (int)sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	r->allowed = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : r->online;
	r->spin_s = quick ? 0.05 : 0.2;
	r->eff_cores = effective_cores(r->online, (int64_t)(r->spin_s * 1e9));
	r->syscall_ns = per_op(batch_syscall, NULL, 2000, reps);
	r->switch_ns = switch_cost(quick ? 200 : 1000, reps);
	r->thread_ns = per_op(batch_thread, NULL, quick ? 5 : 20, reps);
	r->fork_ns = per_op(batch_fork, NULL, quick ? 2 : 5, reps);
	r->epoll_ns = epoll_cost(2000, reps);
	struct timespec res;
	r->timer_res_ns = clock_getres(CLOCK_MONOTONIC, &res) == 0
				  ? (double)res.tv_sec * 1e9 + (double)res.tv_nsec
				  : NAN;
	r->slack_ns = per_op(batch_sleep, NULL, 1, quick ? 5 : 21);
	sysfs(r);
	limits(r);
	size_t nafter = check_procs_read(&after);
	r->took_s = (double)(now_ns(CLOCK_MONOTONIC) - t0) / 1e9;
	check_procs_top(r, before, nbefore, after, nafter, r->took_s);
	free(before);
	free(after);
	return isnan(r->eff_cores) && isnan(r->thread_ns) ? -1 : 0;
}

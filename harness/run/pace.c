/*
 * pace.c - fixed work on every CPU at once, timed in each thread's CPU time;
 * see pace.h for why CPU time and not wall time.
 */
#define _GNU_SOURCE
#include "harness/run/pace.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define PACE_ITERS 1000000 /* about 2 ms of xorshift on this VM */
#define PACE_CALIBRATE 3

/* Every prober waits at the gate until all are created, so they all work at
 * once: a CPU's pace is measured while its neighbours are busy too, as in a
 * run that uses them all. */
typedef struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int open;
} gate;

typedef struct {
	pthread_t th;
	int cpu;
	gate *g;
	double ns;
} prober;

static volatile uint64_t sink; /* keeps the work from being optimised away */

static void *probe_one(void *arg)
{
	prober *pr = arg;
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(pr->cpu, &s);
	pthread_setaffinity_np(pthread_self(), sizeof s, &s);
	pthread_mutex_lock(&pr->g->mu);
	while (!pr->g->open)
		pthread_cond_wait(&pr->g->cv, &pr->g->mu);
	pthread_mutex_unlock(&pr->g->mu);
	struct timespec a, b;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	uint64_t x = 88172645463325252u;
	for (long i = 0; i < PACE_ITERS; i++) { /* a dependent chain: no overlap */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	sink = x;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	pr->ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	return NULL;
}

/* One probe into ns[] (NaN for a CPU whose thread could not start); 0, or
 * -1 when not one thread started. */
static int probe(const pace_meter *p, double *ns)
{
	prober pr[PACE_MAXCPU];
	gate g = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
	int started[PACE_MAXCPU], any = 0;
	for (int i = 0; i < p->ncpu; i++) {
		pr[i] = (prober){ .cpu = p->cpu[i], .g = &g, .ns = NAN };
		started[i] = pthread_create(&pr[i].th, NULL, probe_one, &pr[i]) == 0;
		any |= started[i];
	}
	pthread_mutex_lock(&g.mu);
	g.open = 1;
	pthread_cond_broadcast(&g.cv);
	pthread_mutex_unlock(&g.mu);
	for (int i = 0; i < p->ncpu; i++) {
		if (started[i])
			pthread_join(pr[i].th, NULL);
		ns[i] = pr[i].ns;
	}
	return any ? 0 : -1;
}

double pace_ratio(const double *best_ns, const double *ns, int ncpu, double *cores)
{
	double worst = NAN, sum = 0;
	int known = 0;
	for (int i = 0; i < ncpu; i++) {
		if (!(ns[i] > 0) || !(best_ns[i] > 0))
			continue;
		double r = ns[i] / best_ns[i];
		worst = known++ ? fmax(worst, r) : r;
		sum += fmin(1, best_ns[i] / ns[i]);
	}
	if (cores)
		*cores = known ? sum : NAN;
	return worst;
}

static void keep_best(pace_meter *p, const double *ns)
{
	for (int i = 0; i < p->ncpu; i++)
		if (ns[i] > 0 && !(p->best_ns[i] <= ns[i]))
			p->best_ns[i] = ns[i];
	memcpy(p->last_ns, ns, (size_t)p->ncpu * sizeof *ns);
}

int pace_init(pace_meter *p, hwloc_const_cpuset_t set)
{
	cpu_set_t mine;
	memset(p, 0, sizeof *p);
	if (sched_getaffinity(0, sizeof mine, &mine) < 0)
		CPU_ZERO(&mine);
	for (int c = 0; c < CPU_SETSIZE && p->ncpu < PACE_MAXCPU; c++)
		if (CPU_ISSET(c, &mine) && (!set || hwloc_bitmap_isset(set, (unsigned)c)))
			p->cpu[p->ncpu++] = c;
	for (int i = 0; i < p->ncpu; i++)
		p->best_ns[i] = NAN;
	const char *script = getenv("CONCBENCH_PACE_SCRIPT");
	if (script && *script)
		return p->ncpu ? 0 : -1; /* the test hook: probes read the list */
	double ns[PACE_MAXCPU];
	int ok = 0;
	for (int k = 0; k < PACE_CALIBRATE; k++)
		if (probe(p, ns) == 0) {
			keep_best(p, ns);
			ok = 1;
		}
	if (!ok)
		p->ncpu = 0;
	return ok ? 0 : -1;
}

/* The test hook's k-th ratio (the last one once the list runs out). */
static double scripted(const char *list, int k)
{
	double v = NAN;
	for (int i = 0; i <= k && *list; i++) {
		char *end;
		v = strtod(list, &end);
		list = *end == ',' ? end + 1 : end;
		if (end == list && *end)
			break;
	}
	return v;
}

double pace_probe(pace_meter *p, double *cores)
{
	double ns[PACE_MAXCPU];
	if (cores)
		*cores = NAN;
	const char *script = getenv("CONCBENCH_PACE_SCRIPT");
	if (script && *script && p->ncpu) {
		double r = scripted(script, p->nprobe++);
		if (cores)
			*cores = p->ncpu / fmax(1, r);
		return r;
	}
	if (p->ncpu == 0 || probe(p, ns) < 0)
		return NAN;
	/* Against the best before this probe: a probe faster than any before
	 * sets a new best and reads as 1.0 or under. */
	double r = pace_ratio(p->best_ns, ns, p->ncpu, cores);
	keep_best(p, ns);
	return r;
}

/*
 * coro_limits.c - the coro model at the edge of its stacks (coro_limits.h):
 * the guard-page overflow handler, and what to say when stacks run out.
 */
#define _GNU_SOURCE
#include "models/coro_limits.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define CORO_EXIT_OVERFLOW 70 /* EX_SOFTWARE */

/* ---- the kernel's limit on mappings ---- */

static long max_map_count(void)
{
	FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
	long m = -1;
	if (f) {
		if (fscanf(f, "%ld", &m) != 1)
			m = -1;
		fclose(f);
	}
	return m;
}

/* Mappings this process has now: the lines of /proc/self/maps. */
static long maps_in_use(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	long n = 0;
	int ch;
	if (!f)
		return -1;
	while ((ch = getc(f)) != EOF)
		n += ch == '\n';
	fclose(f);
	return n;
}

/* Before t0 the model carves a stack for every lane, so the makespan
 * measures running coroutines, not mmap. Stacks share a few mappings, unless
 * their guard pages are made by mprotect: then each stack is two (guard and
 * stack), and the reserve leaves mappings to spare under vm.max_map_count
 * for the loop's own allocations; past that, the run meets the limit and
 * names it. */
size_t coro_limits_stacks_fit(const coroutine_pool *p, size_t want)
{
	if (coroutine_pool_guard(p) != COROUTINE_GUARD_MPROTECT)
		return want;
	long max = max_map_count(), used = maps_in_use();
	if (max > 0 && used >= 0) {
		long spare = (max - used - 4096) / 2;
		if (spare < 0)
			spare = 0;
		if (want > (size_t)spare)
			want = (size_t)spare;
	}
	return want;
}

/* No stack for another coroutine. With mprotect guards, ENOMEM is almost
 * always the kernel's limit on mappings per process (two a stack); else the
 * arena's few mappings could not grow: memory or address space ran out. */
void coro_limits_stacks_failed(model_run *r, const coroutine_pool *p, int err)
{
	size_t n = coroutine_pool_mapped(p);
	size_t suggest = 2 * (size_t)r->c + 65536; /* 2 maps a stack, and room */
	size_t mib = (n * (coroutine_pool_stack_size(p) + 4096)) >> 20;
	if (err == ENOMEM && coroutine_pool_guard(p) == COROUTINE_GUARD_MPROTECT)
		model_fail(r, MODEL_LIMIT,
			   "coroutine stacks: ENOMEM at %zu stacks (mprotect guard pages: 2 mappings "
			   "a stack, vm.max_map_count is %ld; raise it with sysctl -w "
			   "vm.max_map_count=%zu, or coro:guard=0)",
			   n, max_map_count(), suggest);
	else if (err == ENOMEM)
		model_fail(r, MODEL_LIMIT,
			   "coroutine stacks: ENOMEM at %zu stacks (%zu MiB of address space): out "
			   "of memory or address space (ulimit -v and -d, vm.overcommit_memory)",
			   n, mib);
	else
		model_fail(r, MODEL_ERROR, "coroutine stacks: %s at %zu stacks", strerror(err), n);
}

/* ---- stack overflow: a clean message instead of a bare SIGSEGV ---- */

typedef struct {
	const coroutine_pool *pool;
	struct sigaction old;
	stack_t old_alt;
	void *alt; /* the handler's own stack: the faulting one is full */
	size_t alt_size;
	char msg[160];
	size_t len;
} coro_guard;

/* The model's one piece of global state: a SIGSEGV handler has no argument,
 * so this is how it finds the run's guard pages. coro_guard_now points at
 * `guard` only while a coro run is in progress (one per process: the
 * harness's run child). */
static coro_guard guard;
static _Atomic(coro_guard *) coro_guard_now;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	coro_guard *g = atomic_load(&coro_guard_now);
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	if (g && coroutine_pool_is_guard(g->pool, si->si_addr)) {
		for (size_t off = 0; off < g->len;) {
			ssize_t k = write(2, g->msg + off, g->len - off);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
		_exit(CORO_EXIT_OVERFLOW);
	}
	/* Not ours: put back what was there (normally the default action). A
	 * fault repeats on return and meets it; a sent signal is sent again. */
	sigaction(SIGSEGV, g ? &g->old : &dfl, NULL);
	if (si->si_code <= 0)
		raise(sig);
}

static void size_text(char *buf, size_t len, size_t n)
{
	if (n % ((size_t)1 << 20) == 0)
		snprintf(buf, len, "%zum", n >> 20);
	else if (n % 1024 == 0)
		snprintf(buf, len, "%zuk", n >> 10);
	else
		snprintf(buf, len, "%zu", n);
}

static void guard_message(coro_guard *g, size_t stack)
{
	char now[32], more[32];
	size_text(now, sizeof now, stack);
	size_text(more, sizeof more,
		  2 * stack < COROUTINE_STACK_MAX ? 2 * stack : COROUTINE_STACK_MAX);
	if (stack < COROUTINE_STACK_MAX)
		snprintf(g->msg, sizeof g->msg,
			 "concbench: coroutine stack overflow (stack=%s): raise coro:stack= "
			 "(e.g. coro:stack=%s)\n",
			 now, more);
	else
		snprintf(g->msg, sizeof g->msg,
			 "concbench: coroutine stack overflow (stack=%s): raise coro:stack= "
			 "(it is at its maximum: the task recurses too deep)\n",
			 now);
	g->len = strlen(g->msg);
}

int coro_limits_guard_on(const coroutine_pool *p)
{
	coro_guard *g = &guard;
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK };

	g->pool = p;
	guard_message(g, coroutine_pool_stack_size(p));
	g->alt_size = (size_t)64 << 10;
	g->alt =
		mmap(NULL, g->alt_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g->alt == MAP_FAILED)
		return -1;
	stack_t ss = { .ss_sp = g->alt, .ss_size = g->alt_size };
	sigemptyset(&sa.sa_mask);
	if (sigaltstack(&ss, &g->old_alt) < 0) {
		munmap(g->alt, g->alt_size);
		return -1;
	}
	atomic_store(&coro_guard_now, g);
	sigaction(SIGSEGV, &sa, &g->old);
	return 0;
}

void coro_limits_guard_off(void)
{
	coro_guard *g = &guard;
	sigaction(SIGSEGV, &g->old, NULL);
	atomic_store(&coro_guard_now, NULL);
	sigaltstack(&g->old_alt, NULL);
	munmap(g->alt, g->alt_size);
}

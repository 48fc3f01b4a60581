/*
 * coro_limits.c - the coro model at the edge of its stacks (coro_limits.h):
 * the guard-page overflow handler, and what to say when stacks run out.
 * The handler serves every loop of a run (coro:loops=K): each loop thread
 * gives it a signal stack and its pool, and any pool's guard page counts.
 */
#define _GNU_SOURCE
#include "models/coro_limits.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
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
		model_fail(
			r, MODEL_LIMIT,
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

/* A SIGSEGV handler has no argument and the action is the process's, so
 * what it needs is here, global: the run's pools (with loops=K, one a loop,
 * each mapped and grown by its own thread), the message, and the action from
 * before. The first loop to arm the guard installs the handler, the last to
 * disarm it puts the old action back (`users`, under `lock`); each loop
 * registers its pool in a free slot of `pools`. The handler only reads:
 * atomic loads of the slots and the arena's chunk count (coro_arena.c
 * publishes a chunk before counting it), no lock, no allocation. A loop
 * that leaves clears its slot, then waits until no handler is reading
 * (`readers`), so its pool is never freed under a handler's scan. */
#define CORO_GUARD_POOLS 1024 /* loops=K: K is at most 1024 (loopgroup.h) */

static struct {
	pthread_mutex_t lock;
	int users;            /* loops with the guard armed */
	struct sigaction old; /* the action before the first of them */
	char msg[160];        /* one run: every loop's pool has its stack size */
	size_t len;
} guard = { .lock = PTHREAD_MUTEX_INITIALIZER };
static _Atomic(const coroutine_pool *) guard_pools[CORO_GUARD_POOLS];
static atomic_int guard_readers;

/* The handler runs on the faulting thread's own signal stack (the
 * overflowing coroutine's is full): each loop thread maps one. */
static _Thread_local struct {
	void *alt;
	size_t alt_size;
	stack_t old_alt;
	int slot; /* in guard_pools, or -1 */
} mine = { .slot = -1 };

static int on_guard_page(const void *addr)
{
	for (int k = 0; k < CORO_GUARD_POOLS; k++) {
		const coroutine_pool *p = atomic_load(&guard_pools[k]);
		if (p && coroutine_pool_is_guard(p, addr))
			return 1;
	}
	return 0;
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	atomic_fetch_add(&guard_readers, 1);
	if (on_guard_page(si->si_addr)) {
		for (size_t off = 0; off < guard.len;) {
			ssize_t k = write(2, guard.msg + off, guard.len - off);
			if (k <= 0)
				break;
			off += (size_t)k;
		}
		_exit(CORO_EXIT_OVERFLOW);
	}
	atomic_fetch_sub(&guard_readers, 1);
	/* Not ours: put back what was there (normally the default action). A
	 * fault repeats on return and meets it; a sent signal is sent again. */
	sigaction(SIGSEGV, &guard.old, NULL);
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

static void guard_message(size_t stack)
{
	char now[32], more[32];
	size_text(now, sizeof now, stack);
	size_text(more, sizeof more,
		  2 * stack < COROUTINE_STACK_MAX ? 2 * stack : COROUTINE_STACK_MAX);
	if (stack < COROUTINE_STACK_MAX)
		snprintf(guard.msg, sizeof guard.msg,
			 "concbench: coroutine stack overflow (stack=%s): raise coro:stack= "
			 "(e.g. coro:stack=%s)\n",
			 now, more);
	else
		snprintf(guard.msg, sizeof guard.msg,
			 "concbench: coroutine stack overflow (stack=%s): raise coro:stack= "
			 "(it is at its maximum: the task recurses too deep)\n",
			 now);
	guard.len = strlen(guard.msg);
}

/* Register p and, for the first loop, install the handler: 0, or -1 with
 * errno (ENOSPC: every slot taken). */
static int guard_join(const coroutine_pool *p)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	int rc = -1;

	sigemptyset(&sa.sa_mask);
	pthread_mutex_lock(&guard.lock);
	for (int k = 0; k < CORO_GUARD_POOLS && mine.slot < 0; k++)
		if (!atomic_load(&guard_pools[k])) {
			atomic_store(&guard_pools[k], p);
			mine.slot = k;
		}
	if (mine.slot < 0) {
		errno = ENOSPC;
	} else {
		if (guard.users++ == 0) {
			guard_message(coroutine_pool_stack_size(p));
			sigaction(SIGSEGV, &sa, &guard.old);
		}
		rc = 0;
	}
	pthread_mutex_unlock(&guard.lock);
	return rc;
}

/* Unregister this thread's pool, once no handler reads it; the last loop
 * puts the old action back. */
static void guard_leave(void)
{
	pthread_mutex_lock(&guard.lock);
	atomic_store(&guard_pools[mine.slot], NULL);
	mine.slot = -1;
	if (--guard.users == 0)
		sigaction(SIGSEGV, &guard.old, NULL);
	pthread_mutex_unlock(&guard.lock);
	while (atomic_load(&guard_readers) > 0)
		sched_yield();
}

int coro_limits_guard_on(const coroutine_pool *p)
{
	int err;

	mine.alt_size = (size_t)64 << 10;
	mine.alt = mmap(NULL, mine.alt_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (mine.alt == MAP_FAILED)
		return -1;
	stack_t ss = { .ss_sp = mine.alt, .ss_size = mine.alt_size };
	if (sigaltstack(&ss, &mine.old_alt) == 0) {
		if (guard_join(p) == 0)
			return 0;
		err = errno;
		sigaltstack(&mine.old_alt, NULL);
	} else {
		err = errno;
	}
	munmap(mine.alt, mine.alt_size);
	errno = err;
	return -1;
}

void coro_limits_guard_off(void)
{
	guard_leave();
	sigaltstack(&mine.old_alt, NULL);
	munmap(mine.alt, mine.alt_size);
}

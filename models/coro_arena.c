/*
 * coro_arena.c - coroutine stacks carved from a few large mappings
 * (coro_arena.h).
 *
 * A slot is [guard page][stack], the slots of a chunk back to back. The
 * kernel counts a chunk as one mapping (VMA) however many slots it holds;
 * vm.max_map_count (65,530 by default) stopped coro at 32,737 coroutines when
 * every stack and its guard page were mappings of their own. A chunk is
 * mapped MAP_NORESERVE, so it costs address space, not memory: a page is
 * allocated when a coroutine first touches it (the pool touches only the
 * record's page, at the top), and the kernel does not count the untouched
 * rest against overcommit. Each new chunk holds at least as many slots as
 * all chunks before it, so N stacks take about log2(N) chunks.
 *
 * The guard page: MADV_GUARD_INSTALL (Linux 6.13) puts a marker in the page
 * table that faults on any access, without splitting the mapping, at the
 * cost of one madvise call a stack. Before 6.13, a PROT_NONE page by
 * mprotect splits the chunk around it: two mappings a stack again, and the
 * pool is bounded by vm.max_map_count as before. A fault on either kind is a
 * SIGSEGV at an address in the guard page, which coro_limits.c turns into
 * the overflow message through coro_arena_is_guard.
 */
#define _GNU_SOURCE
#include "models/coro_arena.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/* Debian 12's headers predate them; the kernel's numbers (uapi mman-common.h). */
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MADV_NOHUGEPAGE
#define MADV_NOHUGEPAGE 15
#endif

#define CORO_ARENA_MIN_SLOTS 64 /* the smallest chunk */

int coro_arena_madvise_ok(void)
{
	const char *fake = getenv("CONCBENCH_FAULT_NO_MADV_GUARD");
	long pg = sysconf(_SC_PAGESIZE);
	size_t page = pg > 0 ? (size_t)pg : 4096;
	int ok;

	if (fake && *fake)
		return 0;
	/* Valgrind does not know the advice: it takes a guard page for memory
	 * it mapped, and a fault there (a stack overflow) crashes valgrind
	 * itself. mprotect's guard pages it understands. */
	if (RUNNING_ON_VALGRIND)
		return 0;
	char *m = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 0;
	/* EINVAL: a kernel that does not know the advice */
	ok = madvise(m, page, MADV_GUARD_INSTALL) == 0;
	munmap(m, 2 * page);
	return ok;
}

void coro_arena_init(coro_arena *a, size_t stack, coroutine_guard guard)
{
	long pg = sysconf(_SC_PAGESIZE);

	*a = (coro_arena){ .page = pg > 0 ? (size_t)pg : 4096, .stack = stack };
	if (guard == COROUTINE_GUARD_AUTO)
		guard = coro_arena_madvise_ok() ? COROUTINE_GUARD_MADVISE : COROUTINE_GUARD_MPROTECT;
	a->guard = guard;
	a->slot = stack + (guard == COROUTINE_GUARD_NONE ? 0 : a->page);
	atomic_init(&a->nchunk, 0);
}

/* Map chunk number k with room for at least `want` slots, more if it can
 * (as many as all chunks so far): 0, or -1 with errno. MAP_STACK and
 * MADV_NOHUGEPAGE keep transparent huge pages out, which would turn the
 * first touch of a 4 KiB stack into 2 MiB of memory. */
static int chunk_map(coro_arena *a, size_t k, size_t want)
{
	size_t n = a->total > want ? a->total : want;
	if (n < CORO_ARENA_MIN_SLOTS)
		n = CORO_ARENA_MIN_SLOTS;
	if (k >= CORO_ARENA_NCHUNK) {
		errno = ENOMEM;
		return -1;
	}
	for (;;) {
		char *base = MAP_FAILED;
		if (n <= SIZE_MAX / a->slot)
			base = mmap(NULL, n * a->slot, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
		if (base != MAP_FAILED) {
			madvise(base, n * a->slot, MADV_NOHUGEPAGE);
			a->chunk[k] = (coro_arena_chunk){ .base = base, .slots = n };
			a->used = 0;
			/* published last: the signal handler scans chunks below nchunk */
			atomic_store_explicit(&a->nchunk, k + 1, memory_order_release);
			return 0;
		}
		if (n <= (want ? want : 1))
			return -1; /* errno from mmap */
		n = n / 2 > want ? n / 2 : want; /* too much address space at once: less */
	}
}

static int guard_install(coro_arena *a, char *page)
{
	switch (a->guard) {
	case COROUTINE_GUARD_MADVISE: return madvise(page, a->page, MADV_GUARD_INSTALL);
	case COROUTINE_GUARD_MPROTECT: return mprotect(page, a->page, PROT_NONE);
	default: return 0;
	}
}

char *coro_arena_take(coro_arena *a, size_t want)
{
	size_t k = atomic_load_explicit(&a->nchunk, memory_order_relaxed);
	if ((k == 0 || a->used == a->chunk[k - 1].slots) && chunk_map(a, k++, want) < 0)
		return NULL;
	char *slot = a->chunk[k - 1].base + a->used * a->slot;
	if (guard_install(a, slot) < 0)
		return NULL; /* the slot stays fresh: errno from the call */
	a->used++;
	a->total++;
	return slot + (a->slot - a->stack);
}

size_t coro_arena_slots(const coro_arena *a)
{
	return a->total;
}

/* The chunk addr falls in, or NULL; *off is its offset there. No locks. */
static const coro_arena_chunk *chunk_of(const coro_arena *a, const void *addr, size_t *off)
{
	size_t n = atomic_load_explicit(&a->nchunk, memory_order_acquire);
	for (size_t k = 0; k < n; k++) {
		*off = (size_t)((uintptr_t)addr - (uintptr_t)a->chunk[k].base);
		if (*off < a->chunk[k].slots * a->slot)
			return &a->chunk[k];
	}
	return NULL;
}

int coro_arena_contains(const coro_arena *a, const void *addr)
{
	size_t off;
	return chunk_of(a, addr, &off) != NULL;
}

int coro_arena_is_guard(const coro_arena *a, const void *addr)
{
	size_t off;
	return a->guard != COROUTINE_GUARD_NONE && chunk_of(a, addr, &off) &&
	       off % a->slot < a->page;
}

void coro_arena_each(const coro_arena *a, void (*fn)(char *lo, void *arg), void *arg)
{
	size_t n = atomic_load(&a->nchunk), left = a->total;
	for (size_t k = 0; k < n; k++) {
		size_t m = k + 1 < n ? a->chunk[k].slots : a->used;
		for (size_t j = 0; j < m && left > 0; j++, left--)
			fn(a->chunk[k].base + j * a->slot + (a->slot - a->stack), arg);
	}
}

void coro_arena_free(coro_arena *a)
{
	size_t n = atomic_load(&a->nchunk);
	atomic_store(&a->nchunk, 0);
	for (size_t k = 0; k < n; k++)
		munmap(a->chunk[k].base, a->chunk[k].slots * a->slot);
	a->used = a->total = 0;
}

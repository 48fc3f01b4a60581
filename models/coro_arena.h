/*
 * coro_arena.h - where coroutine stacks come from: slots carved from a few
 * large MAP_NORESERVE chunks, each slot a guard page (optional) and a stack.
 *
 * A chunk is one mapping however many stacks it holds, so a million stacks
 * cost a few dozen kernel mappings, not two million; pages cost memory only
 * once touched. The guard page below each stack is installed with
 * MADV_GUARD_INSTALL where the kernel has it (Linux 6.13+: a page-table
 * marker, no mapping of its own), else with mprotect (which splits the chunk:
 * two mappings a stack, so vm.max_map_count bounds the stacks), or not at all.
 * The coroutine pool (coroutine.c) keeps freed slots; the arena only ever
 * hands out fresh ones, and gives everything back at once.
 */
#ifndef CB_CORO_ARENA_H
#define CB_CORO_ARENA_H

#include <stdatomic.h>
#include <stddef.h>

#include "models/coroutine.h"

/* Chunk k holds at least as many slots as all before it, so 48 chunks are
 * far more than an address space holds. */
#define CORO_ARENA_NCHUNK 48

typedef struct {
	char *base;
	size_t slots; /* slots it has room for */
} coro_arena_chunk;

typedef struct {
	size_t page, stack, slot; /* slot = stack, plus a page below when guarded */
	coroutine_guard guard;    /* NONE, MADVISE or MPROTECT: what it does */
	coro_arena_chunk chunk[CORO_ARENA_NCHUNK];
	atomic_size_t nchunk; /* chunks mapped; a signal handler may scan them */
	size_t used;          /* slots handed out from the last chunk */
	size_t total;         /* slots handed out from every chunk */
} coro_arena;

/* An empty arena of stack-byte stacks (a multiple of the page size). guard
 * COROUTINE_GUARD_AUTO becomes MADVISE where the kernel has it, else
 * MPROTECT. Maps nothing yet. */
void coro_arena_init(coro_arena *a, size_t stack, coroutine_guard guard);
/* Can this kernel install a guard page without a mapping of its own? A
 * probe on a scratch mapping; CONCBENCH_FAULT_NO_MADV_GUARD (set, non-empty)
 * says no, as a kernel before 6.13 would (for tests of the mprotect path). */
int coro_arena_madvise_ok(void);
/* The lowest usable byte of a fresh stack, its guard installed; NULL with
 * errno (ENOMEM: no memory, address space, or - with mprotect guards - no
 * mapping left under vm.max_map_count). A new chunk, when needed, has room
 * for at least `want` slots (a hint of what is to come). */
char *coro_arena_take(coro_arena *a, size_t want);
/* Slots handed out so far. */
size_t coro_arena_slots(const coro_arena *a);
/* Is addr in a chunk at all; in a slot's guard page? Async-signal-safe. */
int coro_arena_contains(const coro_arena *a, const void *addr);
int coro_arena_is_guard(const coro_arena *a, const void *addr);
/* fn(lowest usable byte, arg) for every slot handed out. */
void coro_arena_each(const coro_arena *a, void (*fn)(char *lo, void *arg), void *arg);
/* Unmap every chunk. */
void coro_arena_free(coro_arena *a);

#endif

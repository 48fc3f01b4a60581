/*
 * fib.c - naive recursive Fibonacci: pure CPU work, no memory, no I/O.
 *
 * It is the book's CPU-bound example (Python Concurrency with asyncio, listing
 * 1-5) with the book's definition, fib(1) = 0, fib(2) = 1, fib(n) = fib(n-1) +
 * fib(n-2), so fib(40) = 63245986, fib(41) = 102334155, and a task walks the
 * same call tree as the book's function. That exponential tree keeps one core
 * busy for a time set by n alone (x1.6 per step) and touches no shared state,
 * so it shows how a model uses cores, and what a GIL that shares one costs.
 * Every task computes the same fib(n), unless n is a list (n=40|41: task i
 * takes the (i mod 2)th, the book's two-task experiments); n arrives at run
 * time and fib stays a plain recursive function, so no compiler folds it.
 *
 * Under an emulated GIL (the backend has a checkpoint) a task recurses
 * through fib_gil down to subtrees of n <= FIB_CHUNK, some 10-30 us each on
 * a 2020s core, and passes a check point between them: CPython checks its
 * eval breaker every few bytecodes, so the switch interval (5 ms) is honoured
 * to within a subtree. Without a GIL the task calls fib directly, as before.
 */
#include "workloads/workload.h"

static const wl_param_def fib_params[] = {
	{ .name = "n",
	  .type = WL_INT,
	  .def = "30",
	  .min = 1,
	  .max = 45,
	  .force_max = 90,
	  .per_task = 1,
	  .help = "which Fibonacci number (fib(1) = 0); "
		  "each step costs x1.6, so n > 45 needs --force" },
	{ 0 },
};

/*
 * The book's fib. noinline keeps the call tree real: gcc -O2 would otherwise
 * inline fib into itself several levels deep, a 3x speed-up that depends on
 * the compiler. Turning one of the two calls into a loop is still allowed.
 * n = 0 never comes from the parser, but must not recurse forever either.
 */
static __attribute__((noinline)) uint64_t fib(unsigned n)
{
	if (n <= 1)
		return 0;
	if (n == 2)
		return 1;
	return fib(n - 1) + fib(n - 2);
}

/* fib(22) takes ~30 us, fib(21) ~20 us: the longest stretch between check
 * points is about two such leaves. */
#define FIB_CHUNK 22

/* The same tree and sum as fib, with a check point between subtrees. */
static uint64_t fib_gil(unsigned n, wl_io *io)
{
	if (n <= FIB_CHUNK)
		return fib(n);
	uint64_t a = fib_gil(n - 1, io);
	wl_checkpoint(io);
	return a + fib_gil(n - 2, io);
}

static void fib_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	unsigned n = (unsigned)wl_param_at(w, "n", i);

	r->digest = wl_digest_u64(io && io->checkpoint ? fib_gil(n, io) : fib(n));
}

const wl_kind wl_fib = {
	.name = "fib",
	.summary = "naive recursive Fibonacci, the book's CPU-bound example",
	.cls = "cpu",
	.params = fib_params,
	.run = fib_run,
};

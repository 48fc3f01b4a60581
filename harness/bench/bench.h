/* bench.h - `concbench bench`'s engine: per-task cost, then scale.h, switch.h,
 * tlcost.h and loadcmp.h. */
#ifndef CB_BENCH_H
#define CB_BENCH_H

#include <signal.h>
#include <stddef.h>

#define BENCH_MAX_REPS 101

/* `concbench bench` (cli/bench.c parses its options), the parts asked for
 * (BENCH_* bits below): per-task
 * cost of every model beside the raw primitives, median of reps (1..
 * BENCH_MAX_REPS) runs of n_tasks tasks, then bench_scale() and
 * bench_switch(), then bench_loadcmp(); tables on stdout, CSVs and the machine's context (with the
 * command line argv[0..argc)) in results/bench/<stamp>/. Returns 0, 1 when a
 * row failed or the results could not be saved, 130 when *stop was set. */
int bench_run(int reps, size_t n_tasks, unsigned parts, int argc, char **argv,
	      volatile sig_atomic_t *stop);

/* The parts of bench_run, for --only. */
enum {
	BENCH_TASKS = 1,
	BENCH_SCALE = 2,
	BENCH_SWITCH = 4,
	BENCH_TIMELINE = 8,
	BENCH_LOAD = 16,
	BENCH_ALL = 31
};
/* "scale,switch" -> BENCH_SCALE | BENCH_SWITCH; -1 on a name not a part. */
int bench_parts(const char *list, unsigned *parts);

#endif

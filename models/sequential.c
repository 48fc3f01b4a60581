/*
 * sequential.c - one task after another on the calling thread.
 *
 * The baseline every other model is measured against: a plain loop, as in a
 * Python script that calls fetch(url) for each url, or a single-threaded
 * server that handles one client before accepting the next. There is no
 * scheduling, no locking and no switching, so nothing is faster for tiny tasks
 * and nothing is simpler to reason about. What it costs: waits add up. Ten
 * 100 ms requests take a second, because while one task waits the CPU idles;
 * and a CPU-bound workload uses one core however many the machine has.
 *
 * C is ignored: exactly one task is ever in flight, always on lane 0.
 */
#include "models/model.h"

static int sequential_run(model_run *r)
{
	for (size_t i = 0; i < r->n; i++)
		model_exec(r, i, 0, &wl_io_blocking);
	return MODEL_OK;
}

const model_kind model_sequential = {
	.name = "sequential",
	.summary = "one task after another on one thread (the baseline)",
	.opts = NULL,
	.run = sequential_run,
};

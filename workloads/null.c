/*
 * null.c - a task that does nothing at all.
 *
 * N null tasks measure the model alone: starting a thread or a process,
 * switching a coroutine, passing a task through a queue, recording it. That is
 * each model's own per-task cost, the floor under every other workload's
 * figures, and the number to compare when a model seems slow.
 */
#include "workloads/workload.h"

static const wl_param_def null_params[] = {
	{ 0 },
};

static void null_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	r->digest = 0;
}

const wl_kind wl_null = {
	.name = "null",
	.summary = "no work: shows each model's own per-task cost",
	.cls = "cpu",
	.params = null_params,
	.run = null_run,
};

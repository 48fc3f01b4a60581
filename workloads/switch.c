/*
 * switch.c - give up the CPU to a peer, rounds times: the cost of a switch.
 *
 * It measures what it costs to hand the CPU to another task and get it back.
 * Between threads that is a kernel context switch: sched_yield() enters the
 * kernel, the scheduler saves this thread's registers, picks the other
 * runnable thread and restores its state (and on a VM, often more). Between
 * coroutines it is a user-space stack switch: save a few callee-saved
 * registers and the stack pointer, load the other coroutine's, and go on -
 * no kernel at all. Run two tasks on ONE CPU (--cpus 0, -c 2) so every yield
 * really hands over to the peer: the makespan divided by 2 x rounds is then
 * about the cost of one switch under each model. On a free CPU, or with one
 * task, sched_yield() returns at once and measures only a system call.
 */
#include "workload.h"

#include <string.h>

static const wl_param_def switch_params[] = {
	{ .name = "rounds",
	  .type = WL_INT,
	  .def = "10000",
	  .min = 1,
	  .max = 100000000,
	  .help = "times each task gives up the CPU (wl_yield)" },
	{ 0 },
};

static void switch_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	int64_t rounds = wl_param(w, "rounds");

	(void)i;
	for (int64_t k = 0; k < rounds; k++) {
		int rc = wl_yield(io);
		if (rc < 0) {
			wl_fail(r, -rc, "yield: %s", strerror(-rc));
			return;
		}
	}
	r->digest = wl_digest_u64((uint64_t)rounds);
}

const wl_kind wl_switch = {
	.name = "switch",
	.summary = "give up the CPU rounds times: a thread or coroutine switch's cost",
	.cls = "cpu",
	.params = switch_params,
	.run = switch_run,
};

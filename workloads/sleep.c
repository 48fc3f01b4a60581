/*
 * sleep.c - wait a fixed time without using the CPU: the simplest I/O task.
 *
 * It stands for a request whose answer takes a while to come back (the book's
 * asyncio.sleep() examples). It waits through the wl_io interface, so the model
 * decides what waiting means: the blocking backend puts the thread to sleep, a
 * coroutine scheduler parks the coroutine and runs others meanwhile. N tasks
 * with C in flight take about ceil(N/C) * ms, which makes sleep the cleanest
 * test of how much concurrency a model really delivers. The deadline is
 * absolute (task start + ms), so a late wake-up is never slept again.
 * ms may be a per-task list (ms=100|300). blocking=1 is a pitfall shown on
 * purpose: the task calls clock_nanosleep itself, past the model's backend,
 * so on an event loop or a coroutine scheduler one sleeping task stalls all
 * the others (the book's listing 2-20, time.sleep inside a coroutine).
 */
#include "workloads/workload.h"

#include <errno.h>
#include <string.h>

#define SLEEP_OFFLOADED UINT64_MAX /* blocking=1: OFFLOAD returned */

static const wl_param_def sleep_params[] = {
	{ .name = "ms",
	  .type = WL_INT,
	  .def = "100",
	  .min = 0,
	  .max = 3600000,
	  .per_task = 1,
	  .help = "milliseconds to wait, measured from the task's start" },
	{ .name = "blocking",
	  .type = WL_INT,
	  .def = "0",
	  .min = 0,
	  .max = 1,
	  .help = "1: a teaching pitfall: sleep with a plain blocking call even on an "
		  "event loop or coroutines, stalling every task there (listing 2-20)" },
	{ 0 },
};

static void sleep_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	uint64_t ms = (uint64_t)wl_param_at(w, "ms", i);
	int rc;

	if (wl_param(w, "blocking")) {
		/* The pitfall: past the model's backend. time.sleep still lets go
		 * of the GIL, so under an emulated one it does too. */
		wl_nogil_begin(io);
		rc = wl_io_blocking.sleep_until(&wl_io_blocking, wl_now_ns() + ms * 1000000u);
		wl_nogil_end(io);
	} else {
		rc = io->sleep_until(io, wl_now_ns() + ms * 1000000u);
	}

	if (rc < 0) {
		wl_fail(r, -rc, "sleep_until: %s", strerror(-rc));
		return;
	}
	r->digest = wl_digest_u64(ms);
}

/* The resumable form: the first step asks the loop for a timer at start + ms;
 * the second (WL_TIMEOUT) finishes. The state is the deadline. With
 * blocking=1 the first step says WL_STEP_OFFLOAD and the second sleeps right
 * there: on a plain event loop that holds up the whole loop; hybrid runs it
 * on a worker thread. */
static int sleep_step(const wl_spec *w, size_t i, void *state, int ready, wl_wait *next,
		      wl_result *r)
{
	uint64_t *deadline = state;
	uint64_t ms = (uint64_t)wl_param_at(w, "ms", i);

	if (wl_param(w, "blocking")) {
		if (*deadline == 0) {
			*deadline = SLEEP_OFFLOADED;
			return WL_STEP_OFFLOAD;
		}
		if (ready & WL_TIMEOUT)
			wl_fail(r, ECANCELED, "sleep: cancelled before it slept");
		else
			sleep_run(w, i, wl_offload_backend(), r);
		return WL_STEP_DONE;
	}
	if (*deadline == 0) {
		*deadline = wl_now_ns() + ms * 1000000u;
		*next = (wl_wait){ .fd = -1, .deadline_ns = *deadline };
		return WL_STEP_WAIT;
	}
	r->digest = wl_digest_u64(ms);
	return WL_STEP_DONE;
}

const wl_kind wl_sleep = {
	.name = "sleep",
	.summary = "wait ms milliseconds through the model's I/O backend",
	.cls = "io",
	.params = sleep_params,
	.run = sleep_run,
	.step = sleep_step,
	.state_size = sizeof(uint64_t),
};

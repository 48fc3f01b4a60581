/* test_gil_models.c - threads+gil and pool+gil: the emulated GIL inside the models. */
/* Every task runs once with sequential's digest; CPU work runs holding the GIL, while sleeps, large
 * hashes and scrypt run without it, as in CPython; two CPU tasks are made to switch. A probe
 * workload wraps a real one: it passes the real workload a wl_io that forwards to the model's
 * backend and checks, at every hook, whether the calling thread holds the GIL (io->ctx). A spy on
 * wl_io_blocking.sleep_until, which the GIL backend calls to do the actual wait, checks that the
 * wait itself runs without it. No speed is asserted. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/testutil.h"

#include "tests/model_fixture.h"
#include "tests/wl_fixture.h"

static const char *const gil_models[] = { "threads+gil", "pool+gil",
					  "threads+gil:gil_interval_ms=0",
					  "pool+gil:gil_interval_ms=1" };

/* ---- the probe ---- */

static wl_spec inner;               /* the real workload the probe runs */
static _Atomic(gil *) spy_gil;      /* the run's GIL, as the probe saw it */
static atomic_int computing_unheld; /* task entered or left without the GIL */
static atomic_int checkpoints, checkpoint_unheld;
static atomic_int nogils, nogil_held; /* nogil_begin calls; GIL still held */
static atomic_int sleeps, sleep_held; /* backend sleeps; GIL held in them */
static atomic_int no_hooks;           /* a task whose io had no GIL hooks */

typedef struct {
	wl_io io;
	wl_io *real;
} probe_io;

static gil *probe_gil(wl_io *io)
{
	return ((probe_io *)io)->real->ctx;
}

static int probe_sleep_until(wl_io *io, uint64_t deadline_ns)
{
	wl_io *real = ((probe_io *)io)->real;
	if (!gil_held_by_me(probe_gil(io)))
		atomic_fetch_add(&computing_unheld, 1);
	return real->sleep_until(real, deadline_ns);
}

static int probe_wait_fd(wl_io *io, int fd, int events, uint64_t deadline_ns)
{
	wl_io *real = ((probe_io *)io)->real;
	return real->wait_fd(real, fd, events, deadline_ns);
}

static void probe_checkpoint(wl_io *io)
{
	atomic_fetch_add(&checkpoints, 1);
	if (!gil_held_by_me(probe_gil(io)))
		atomic_fetch_add(&checkpoint_unheld, 1);
	wl_checkpoint(((probe_io *)io)->real);
}

static void probe_nogil_begin(wl_io *io)
{
	wl_nogil_begin(((probe_io *)io)->real);
	atomic_fetch_add(&nogils, 1);
	if (gil_held_by_me(probe_gil(io)))
		atomic_fetch_add(&nogil_held, 1);
}

static void probe_nogil_end(wl_io *io)
{
	if (gil_held_by_me(probe_gil(io)))
		atomic_fetch_add(&nogil_held, 1);
	wl_nogil_end(((probe_io *)io)->real);
}

static void probe_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	probe_io p = { .io = { .sleep_until = probe_sleep_until,
			       .wait_fd = probe_wait_fd,
			       .checkpoint = probe_checkpoint,
			       .nogil_begin = probe_nogil_begin,
			       .nogil_end = probe_nogil_end },
		       .real = io };

	if (!io->checkpoint || !io->ctx) {
		atomic_fetch_add(&no_hooks, 1);
		inner.kind->run(&inner, i, io, r);
		return;
	}
	atomic_store(&spy_gil, (gil *)io->ctx);
	if (!gil_held_by_me(io->ctx))
		atomic_fetch_add(&computing_unheld, 1);
	inner.kind->run(&inner, i, &p.io, r);
	if (!gil_held_by_me(io->ctx))
		atomic_fetch_add(&computing_unheld, 1);
}

static const wl_kind probe_kind = { .name = "probe", .cls = "cpu", .run = probe_run };

static int (*real_sleep_until)(wl_io *, uint64_t);

/* What the GIL backend calls to wait: it must not hold the GIL here. */
static int spy_sleep_until(wl_io *io, uint64_t deadline_ns)
{
	gil *g = atomic_load(&spy_gil);
	if (g) {
		atomic_fetch_add(&sleeps, 1);
		if (gil_held_by_me(g))
			atomic_fetch_add(&sleep_held, 1);
	}
	return real_sleep_until(io, deadline_ns);
}

static void counters_reset(void)
{
	atomic_store(&spy_gil, NULL);
	atomic_store(&computing_unheld, 0);
	atomic_store(&checkpoints, 0);
	atomic_store(&checkpoint_unheld, 0);
	atomic_store(&nogils, 0);
	atomic_store(&nogil_held, 0);
	atomic_store(&sleeps, 0);
	atomic_store(&sleep_held, 0);
	atomic_store(&no_hooks, 0);
}

static uint64_t sequential_digest(size_t n)
{
	int rc;
	model_table *t = run_model("sequential", &inner, n, 1, &rc);
	check_all_once(t, "sequential", n, 1, rc);
	uint64_t d = run_digest(t);
	model_table_free(t);
	return d;
}

/* Run the probe around inner under every +gil model; the same digest as
 * sequential, every task once, and the counters as left for the caller. */
static void probe_models(size_t n, unsigned c, void (*check)(const char *model))
{
	wl_spec probe = { .kind = &probe_kind };
	uint64_t want = sequential_digest(n);

	for (size_t m = 0; m < N_ELEMS(gil_models); m++) {
		int rc;
		counters_reset();
		model_table *t = run_model(gil_models[m], &probe, n, c, &rc);
		check_all_once(t, gil_models[m], n, c, rc);
		if (run_digest(t) != want)
			fail_msg("%s on %s: digest differs from sequential", gil_models[m],
				 inner.kind->name);
		assert_int_equal(atomic_load(&no_hooks), 0);
		assert_int_equal(atomic_load(&computing_unheld), 0);
		assert_int_equal(atomic_load(&checkpoint_unheld), 0);
		assert_int_equal(atomic_load(&nogil_held), 0);
		assert_int_equal(atomic_load(&sleep_held), 0);
		check(gil_models[m]);
		model_table_free(t);
	}
	atomic_store(&spy_gil, NULL);
}

static void expect_cpu(const char *model)
{
	assert_true(atomic_load(&checkpoints) > 0);
	assert_int_equal(atomic_load(&nogils), 0);
	assert_int_equal(atomic_load(&sleeps), 0);
}

static void expect_nogil(const char *model)
{
	assert_true(atomic_load(&nogils) > 0);
	assert_int_equal(atomic_load(&sleeps), 0);
}

static void expect_nogil_sleep(const char *model)
{
	assert_true(atomic_load(&nogils) > 0);
	assert_true(atomic_load(&sleeps) > 0);
}

static void expect_sleep(const char *model)
{
	assert_true(atomic_load(&sleeps) > 0);
	assert_int_equal(atomic_load(&nogils), 0);
}

static void with_inner(const char *name, void (*check)(const char *), size_t n, ...)
{
	const char *kv[4] = { 0 };
	va_list ap;
	va_start(ap, n);
	for (int k = 0; k < 4 && (kv[k] = va_arg(ap, const char *)); k++)
		;
	va_end(ap);
	spec_make(&inner, name, kv[0], kv[1], kv[2], kv[3], NULL);
	spec_prepare(&inner);
	probe_models(n, 3, check);
	wl_release(&inner);
}

static void test_fib_holds(void **state)
{
	with_inner("fib", expect_cpu, 6, "n", "24|25", NULL);
}

static void test_spin_holds(void **state)
{
	with_inner("spin", expect_cpu, 6, "us", "200", NULL);
}

static void test_small_hash_holds(void **state)
{
	with_inner("hash", expect_cpu, 6, "bytes", "512", "rounds", "20", NULL);
	with_inner("hash", expect_cpu, 6, "bytes", "2047", "rounds", "3", NULL);
}

static void test_large_hash_releases(void **state)
{
	with_inner("hash", expect_nogil, 6, "bytes", "2048", "rounds", "3", NULL);
	with_inner("hash", expect_nogil, 6, "bytes", "64k", "rounds", "3", NULL);
	with_inner("hash", expect_nogil, 4, "algo", "scrypt", "n", "64", NULL);
}

static void test_sleep_releases(void **state)
{
	with_inner("sleep", expect_sleep, 6, "ms", "2", NULL);
}

static void test_blocking_sleep_releases(void **state)
{
	/* The pitfall bypasses the backend, but still lets go of the GIL. */
	with_inner("sleep", expect_nogil_sleep, 6, "ms", "2", "blocking", "1", NULL);
}

/* ---- two CPU tasks share the GIL by switching at check points ---- */

/* A CPU task that passes check points until the GIL has switched once (a
 * bound of 20 s keeps a broken GIL from hanging the test): however the
 * threads are scheduled, even one at a time under valgrind, the other task
 * queues for the GIL while this one computes, so the holder must hand over. */
static void until_switch_run(const wl_spec *w, size_t i, wl_io *io, wl_result *r)
{
	gil *g = io->checkpoint ? io->ctx : NULL;
	uint64_t end = wl_now_ns() + 20000000000ull;

	while (g && gil_switches(g) == 0 && wl_now_ns() < end)
		wl_checkpoint(io);
	r->digest = wl_digest_u64(i);
}

static const wl_kind until_switch_kind = { .name = "until_switch",
					   .cls = "cpu",
					   .run = until_switch_run };

static void test_cpu_tasks_switch(void **state)
{
	const char *const models[] = { "threads+gil:gil_interval_ms=0",
				       "threads+gil:gil_interval_ms=1",
				       "pool+gil:gil_interval_ms=0", "pool+gil:gil_interval_ms=1" };
	wl_spec w = { .kind = &until_switch_kind };

	for (size_t m = 0; m < N_ELEMS(models); m++) {
		int rc;
		model_table *t = run_model(models[m], &w, 2, 2, &rc);
		check_all_once(t, models[m], 2, 2, rc);
		if (t->gil_switches == 0)
			fail_msg("%s: two CPU tasks never switched", models[m]);
		model_table_free(t);
	}

	/* Two fib tasks: the real workload switches too (not asserted: with
	 * the threads run one at a time the first may finish before the other
	 * queues), and the run is recorded as the same work. */
	spec_make(&w, "fib", "n", "27", NULL);
	spec_prepare(&w);
	int rc;
	model_table *t = run_model("threads+gil:gil_interval_ms=0", &w, 2, 2, &rc);
	check_all_once(t, "threads+gil", 2, 2, rc);
	model_table_free(t);
	/* No GIL, no switches counted. */
	t = run_model("threads", &w, 2, 2, &rc);
	check_all_once(t, "threads", 2, 2, rc);
	assert_true(t->gil_switches == 0);
	model_table_free(t);
	wl_release(&w);
}

/* ---- the backend alone ---- */

static void test_gil_io(void **state)
{
	gil *g = gil_new(0, NULL, NULL);
	wl_io io;

	assert_non_null(g);
	model_gil_io(&io, g);
	assert_ptr_equal(io.ctx, g);
	gil_acquire(g);
	counters_reset();
	atomic_store(&spy_gil, g);
	assert_int_equal(io.sleep_until(&io, wl_now_ns() + 1000000), 0);
	assert_int_equal(atomic_load(&sleeps), 1);
	assert_int_equal(atomic_load(&sleep_held), 0);
	assert_true(gil_held_by_me(g));
	wl_nogil_begin(&io);
	assert_false(gil_held_by_me(g));
	wl_nogil_end(&io);
	assert_true(gil_held_by_me(g));
	wl_checkpoint(&io); /* nobody waits: keeps it */
	assert_true(gil_held_by_me(g));
	assert_int_equal(gil_switches(g), 0);
	gil_release(g);
	atomic_store(&spy_gil, NULL);
	gil_free(g);

	/* wl_io_blocking has no GIL hooks; the helpers take NULL hooks. */
	wl_checkpoint(&wl_io_blocking);
	wl_nogil_begin(&wl_io_blocking);
	wl_nogil_end(&wl_io_blocking);
}

static int setup(void **state)
{
	real_sleep_until = wl_io_blocking.sleep_until;
	wl_io_blocking.sleep_until = spy_sleep_until;
	return 0;
}

static int teardown(void **state)
{
	wl_io_blocking.sleep_until = real_sleep_until;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gil_io),
		cmocka_unit_test(test_fib_holds),
		cmocka_unit_test(test_spin_holds),
		cmocka_unit_test(test_small_hash_holds),
		cmocka_unit_test(test_large_hash_releases),
		cmocka_unit_test(test_sleep_releases),
		cmocka_unit_test(test_blocking_sleep_releases),
		cmocka_unit_test(test_cpu_tasks_switch),
	};
	return cmocka_run_group_tests_name("gil_models", tests, setup, teardown);
}

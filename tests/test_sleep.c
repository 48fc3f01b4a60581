/* test_sleep.c - the sleep workload: blocking, through wl_io, per-task lists, the blocking=1
 * pitfall. The spec parser is not under test here: specs are built by hand (wl_fixture.h). */
#include "tests/testutil.h"

#include "tests/wl_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void test_sleep_blocking(void **state)
{
	wl_spec w;
	uint64_t t0, t1;

	spec_make(&w, "sleep", "ms", "20", NULL);
	spec_prepare(&w);
	t0 = wl_now_ns();
	assert_int_equal(task_digest(&w, 3), wl_digest_u64(20));
	t1 = wl_now_ns();
	assert_true(t1 - t0 >= 20 * 1000000u); /* a sanity bound only */
	wl_release(&w);
}

/* A backend that records what it was asked and returns at once. */
struct fake_io {
	uint64_t deadline;
	int calls, rc;
};

static int fake_sleep_until(wl_io *io, uint64_t deadline_ns)
{
	struct fake_io *f = io->ctx;

	f->deadline = deadline_ns;
	f->calls++;
	return f->rc;
}

static void test_sleep_through_io(void **state)
{
	struct fake_io f = { 0 };
	wl_io io = { .sleep_until = fake_sleep_until, .ctx = &f };
	wl_spec w;
	wl_result r;
	uint64_t t0, t1;

	spec_make(&w, "sleep", "ms", "5000", NULL);
	spec_prepare(&w);
	t0 = wl_now_ns();
	r = run_task(&w, 0, &io);
	t1 = wl_now_ns();
	assert_int_equal(r.err, 0);
	assert_int_equal(r.digest, wl_digest_u64(5000));
	assert_int_equal(f.calls, 1);
	assert_true(f.deadline >= t0 + 5000 * 1000000ull);
	assert_true(f.deadline <= t1 + 5000 * 1000000ull);

	f.rc = -EINTR;
	r = run_task(&w, 1, &io);
	assert_int_equal(r.err, EINTR);
	assert_true(r.msg[0] != '\0');
	wl_release(&w);
}

/* The resumable form, driven as a loop would: sleep to each deadline. */
static wl_result step_task(const wl_spec *w, size_t i, int *steps)
{
	uint64_t st = 0;
	wl_result r = { 0 };
	wl_wait next;
	int ready = 0, rc;

	*steps = 0;
	do {
		++*steps;
		rc = w->kind->step(w, i, &st, ready, &next, &r);
		ready = 0; /* after OFFLOAD: the next step, at once, as a plain loop does */
		if (rc == WL_STEP_WAIT) {
			assert_int_equal(next.fd, -1);
			assert_int_equal(
				wl_io_blocking.sleep_until(&wl_io_blocking, next.deadline_ns), 0);
			ready = WL_TIMEOUT;
		}
	} while (rc != WL_STEP_DONE);
	return r;
}

/* ms=1|3: both forms give task i the (i mod 2)th wait, and the same digest. */
static void test_sleep_per_task(void **state)
{
	wl_spec w;
	int steps;

	spec_make(&w, "sleep", "ms", "1|3", NULL);
	spec_prepare(&w);
	for (size_t i = 0; i < 4; i++) {
		uint64_t t0 = wl_now_ns(), ms = i % 2 ? 3 : 1;
		wl_result r = step_task(&w, i, &steps);
		assert_int_equal(r.err, 0);
		assert_int_equal(steps, 2);
		assert_true(wl_now_ns() - t0 >= ms * 1000000u);
		assert_int_equal(r.digest, wl_digest_u64(ms));
		assert_int_equal(r.digest, task_digest(&w, i));
	}
	wl_release(&w);
}

/* blocking=1 sleeps past the backend it is given; its step says OFFLOAD
 * first and sleeps in the second call; the digests do not change. */
static void test_sleep_blocking_pitfall(void **state)
{
	struct fake_io f = { 0 };
	wl_io io = { .sleep_until = fake_sleep_until, .ctx = &f };
	wl_spec w;
	wl_result r;
	uint64_t t0;
	int steps;

	spec_make(&w, "sleep", "ms", "10", "blocking", "1", NULL);
	spec_prepare(&w);
	t0 = wl_now_ns();
	r = run_task(&w, 2, &io);
	assert_int_equal(f.calls, 0);
	assert_true(wl_now_ns() - t0 >= 10 * 1000000u);
	assert_int_equal(r.digest, wl_digest_u64(10));
	t0 = wl_now_ns();
	r = step_task(&w, 2, &steps);
	assert_int_equal(steps, 2);
	assert_true(wl_now_ns() - t0 >= 10 * 1000000u);
	assert_int_equal(r.digest, wl_digest_u64(10));
	wl_release(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sleep_blocking),
		cmocka_unit_test(test_sleep_through_io),
		cmocka_unit_test(test_sleep_per_task),
		cmocka_unit_test(test_sleep_blocking_pitfall),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_pertask.c - the blocking=1 pitfall on the models it is about: an event loop and coroutines.
 * With blocking=0 the C sleeps of a run overlap (every task starts before any ends, which is
 * structure, not speed); with blocking=1 each sleep holds the one thread, so they run one after
 * another (makespan >= N * ms, a sanity bound). The digests do not change. */
#include "tests/testutil.h"

#include "tests/model_fixture.h"
#include "tests/uring_fixture.h"
#include "tests/uv_fixture.h"
#include "tests/wl_fixture.h"

#define N_TASKS  5
#define SLEEP_MS 20

static model_table *sleep_run(const char *model, const char *blocking, uint64_t *digest)
{
	wl_spec w;
	model_table *t;
	int rc;

	spec_make(&w, "sleep", "ms", "20", "blocking", blocking, NULL);
	spec_prepare(&w);
	t = run_model(model, &w, N_TASKS, N_TASKS, &rc);
	check_all_once(t, model, N_TASKS, N_TASKS, rc);
	*digest = run_digest(t);
	wl_release(&w);
	return t;
}

static void pitfall_on(const char *model)
{
	uint64_t d0, d1, last_start = 0, first_end = UINT64_MAX, last_end = 0;
	model_table *t = sleep_run(model, "0", &d0);

	for (size_t i = 0; i < N_TASKS; i++) {
		if (t->task[i].start_ns > last_start)
			last_start = t->task[i].start_ns;
		if (t->task[i].end_ns < first_end)
			first_end = t->task[i].end_ns;
	}
	if (last_start >= first_end)
		fail_msg("%s, blocking=0: a task started after another ended", model);
	model_table_free(t);

	t = sleep_run(model, "1", &d1);
	for (size_t i = 0; i < N_TASKS; i++)
		if (t->task[i].end_ns > last_end)
			last_end = t->task[i].end_ns;
	if (last_end - t->t0_ns < N_TASKS * SLEEP_MS * 1000000ull)
		fail_msg("%s, blocking=1: makespan %llu ns, below %d sleeps of %d ms", model,
			 (unsigned long long)(last_end - t->t0_ns), N_TASKS, SLEEP_MS);
	model_table_free(t);
	assert_int_equal(d0, d1);
}

static void test_epoll(void **state)
{
	pitfall_on("epoll");
}

static void test_uring(void **state)
{
	if (!uring_skipped("uring"))
		pitfall_on("uring");
}

static void test_uv(void **state)
{
	if (!uv_skipped("uv"))
		pitfall_on("uv");
}

static void test_coro(void **state)
{
	pitfall_on("coro");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoll),
		cmocka_unit_test(test_uring),
		cmocka_unit_test(test_uv),
		cmocka_unit_test(test_coro),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
